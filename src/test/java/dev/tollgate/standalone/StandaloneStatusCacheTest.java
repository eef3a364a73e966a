package dev.tollgate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.UsageReport;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.Recorders;
import dev.tollgate.gateway.UsageRecorder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Standalone's status view shows each key's and model's response-cache hits (semantic ones called out), the spend
 * they saved and the provider's prompt-cache tokens (read/write), summed over every run, old saved reports included.
 */
class StandaloneStatusCacheTest {
    static GatewayConfig.Key key(String id) {
        return new GatewayConfig.Key(id, List.of(), List.of(), null, null, null, null, false, null);
    }

    static String column(String table, String row, String header) {
        List<String> lines = table.lines().toList();
        int at = lines.get(0).indexOf(header);
        String line = StandaloneStatusHealthTest.row(table, row);
        String rest = line.substring(at);
        int end = rest.indexOf("   ");
        return (end < 0 ? rest : rest.substring(0, end)).trim();
    }

    @Test
    void keysAndModelsShowTheirCacheFiguresOverEveryRun() throws Exception {
        UsageRecorder now = new UsageRecorder();
        Recorders.record(now, "default/k", "default/m", 200, 1_000L, 50L, 800, 100, 3_000)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        now.cacheHit(null, "default/k", "default/m", false, 3_000);
        now.cacheHit(null, "default/k", "default/m", true, 1_000);
        // an earlier run with cache figures, and one saved by a gateway older than them
        JsonNode earlier = Json.parse(new UsageReport(UsageReport.SCHEMA, "inc-1", "2026-12-04T00:00:00Z", "cfg",
                Map.of("default/k", new UsageReport.Counters(3, 0, 10, 10, 0, null, null, null, null, null, null, 3L, null,
                        6_000L, 200L, null)),
                Map.of("default/m", new UsageReport.Counters(3, 0, 10, 10, 0, null, null, null, null, null, null, 3L, null,
                        6_000L, 200L, null)), Map.of(), null).toJson());
        JsonNode older = Json.parse("""
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"inc-0","keys":{"default/k":{"requests":7,"spendMicros":5}},
                 "models":{"default/m":{"requests":7,"spendMicros":5}}}""");
        List<JsonNode> reports = List.of(Json.parse(now.report("cfg").toJson()), earlier, older);

        String keys = StandaloneStatus.keys(List.of(key("default/k"), key("default/idle")), reports, Instant.now());
        assertThat(keys.lines().findFirst().orElseThrow()).contains("CACHE HITS", "CACHE SAVED", "PROMPT CACHE R/W");
        assertThat(column(keys, "default/k", "REQUESTS")).isEqualTo("13");
        assertThat(column(keys, "default/k", "CACHE HITS")).isEqualTo("5 (1 semantic)");
        assertThat(column(keys, "default/k", "CACHE SAVED")).isEqualTo("0.01");
        assertThat(column(keys, "default/k", "PROMPT CACHE R/W")).isEqualTo("1000/100");
        assertThat(column(keys, "default/idle", "CACHE HITS")).isEqualTo("0");
        assertThat(column(keys, "default/idle", "PROMPT CACHE R/W")).isEqualTo("0/0");

        String models = StandaloneStatus.models(List.of(StandaloneStatusHealthTest.model("default/m")), reports);
        assertThat(column(models, "default/m", "CACHE HITS")).isEqualTo("5 (1 semantic)");
        assertThat(column(models, "default/m", "CACHE SAVED")).isEqualTo("0.01");
        assertThat(column(models, "default/m", "PROMPT CACHE R/W")).isEqualTo("1000/100");
        assertThat(column(models, "default/m", "PRICED BY")).isEqualTo("(no price)");
    }
}
