package dev.tollgate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.UsageReport;
import dev.tollgate.gateway.HealthSource;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.Recorders;
import dev.tollgate.gateway.UsageRecorder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Standalone's status view shows each LlmModel's health as this run's routing sees it (the same merge the operator
 * writes into status.health), next to usage summed over every run; an earlier run's saved health is of the past.
 */
class StandaloneStatusHealthTest {
    static GatewayConfig.Model model(String id) {
        return new GatewayConfig.Model(id, id.substring(id.indexOf('/') + 1), "mock", "m", null, null, null, null, null, null,
                null, null, 1, 30_000, null, null, "reject", new GatewayConfig.Mock(0, 0, 4, null));
    }

    static String row(String table, String id) {
        return table.lines().filter(l -> l.startsWith(id + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + id + " in\n" + table));
    }

    @Test
    void eachModelShowsItsHealthNowAndItsUsageOverEveryRun() throws Exception {
        long until = Instant.parse("2026-12-05T06:00:00.250Z").toEpochMilli();
        UsageRecorder now = Recorders.withHealth(new UsageRecorder(), t -> Map.of(
                "default/cool", new HealthSource.View(UsageReport.Health.COOLING_DOWN, until, 2, "429", 840, 120)));
        for (int i = 0; i < 4; i++) {
            Recorders.record(now, "default/k", "default/cool", i == 0 ? 503 : 200, 1L, 1L, 0, List.of(), false, i == 0)
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        Recorders.record(now, "default/k", "default/ok", 200, 1L, 1L, 0, List.of(), false, false)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        // an earlier run saved its report while "default/old" was cooling down; it served 7 requests
        JsonNode earlier = Json.parse(new UsageReport(UsageReport.SCHEMA, "inc-0", "2026-12-04T00:00:00Z", "cfg", Map.of(),
                Map.of("default/old", new UsageReport.Counters(7, 0, 0, 0, 0, null, null, null, null, null, null),
                        "default/cool", new UsageReport.Counters(6, 1, 0, 0, 0, null, null, null, null, null, null)),
                Map.of(), null, Map.of("default/old", new UsageReport.Health(UsageReport.Health.COOLING_DOWN,
                        "2026-12-04T01:00:00Z", 7, 7, null, null, 1, "429"))).toJson());

        String table = StandaloneStatus.models(List.of(model("default/cool"), model("default/ok"), model("default/old"),
                model("default/unused")), List.of(Json.parse(now.report("cfg").toJson()), earlier));

        assertThat(table.lines().findFirst().orElseThrow()).contains("HEALTH", "ERROR RATE", "LATENCY", "TTFT", "COOLDOWNS");
        assertThat(row(table, "default/cool")).contains("CoolingDown until 2026-12-05T06:00:01Z (429)", "0.25", "840ms",
                "120ms").containsPattern("\\s2\\s+10\\s+2\\s"); // 2 cooldowns; 4 + 6 requests, 1 + 1 errors over both runs
        assertThat(row(table, "default/ok")).contains("Healthy").containsPattern("Healthy\\s+0\\s+-\\s+-\\s+0\\s+1\\s");
        assertThat(row(table, "default/old")).as("a past run's health is not shown").doesNotContain("CoolingDown")
                .containsPattern("default/old\\s+old\\s+mock\\s+-\\s+-\\s+-\\s+-\\s+-\\s+7\\s");
        assertThat(row(table, "default/unused")).containsPattern("mock\\s+-\\s+-\\s+-\\s+-\\s+-\\s+0\\s");
    }
}
