package dev.tollgate.operator.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.UsageShare;
import dev.tollgate.config.UsageReport;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.Recorders;
import dev.tollgate.gateway.UsageRecorder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The cache figures both ways: what a real recorder counts (response-cache hits, saved spend, the provider's
 * prompt-cache tokens) is what the operator's reader takes into each key's, deployment's and gateway's shares; a
 * report of an older gateway (no cache fields) still reads, and gives none.
 */
class UsageCacheRoundTripTest {
    @Test
    void whatTheGatewayCountsOfItsCachesIsWhatTheOperatorReads() throws Exception {
        UsageRecorder gateway = new UsageRecorder();
        UsageReportRoundTripTest.await(Recorders.record(gateway, "team/k", "team/m", 200, 1_000L, 50L, 800, 100, 3_000));
        gateway.cacheHit(null, "team/k", "team/m", false, 3_000);
        gateway.cacheHit(null, "team/k", "team/m", true, 1_250);
        gateway.cacheHit(null, "team/k2", "team/m", false, 3_000);
        String written = gateway.report("cfg").toJson();

        UsageScraper operator = UsageReportRoundTripTest.operator();
        operator.accept("pod-uid", "gw-1", "team", "gw", written);
        String inc = gateway.incarnation();

        UsageShare key = operator.shares("keys", "team/k").get(inc);
        assertThat(key.getRequests()).isEqualTo(3);
        assertThat(key.getCacheHits()).isEqualTo(2);
        assertThat(key.getSemanticCacheHits()).isEqualTo(1);
        assertThat(key.getCacheSavedSpend()).isEqualTo("0.00425");
        assertThat(key.getCachedInputTokens()).isEqualTo(800);
        assertThat(key.getCacheWriteTokens()).isEqualTo(100);
        assertThat(key.getSpend()).isEqualTo("0.003");
        UsageShare k2 = operator.shares("keys", "team/k2").get(inc);
        assertThat(k2.getCacheHits()).isEqualTo(1);
        assertThat(k2.getSemanticCacheHits()).as("none of its hits was semantic").isNull();
        assertThat(k2.getCachedInputTokens()).isNull();

        UsageShare model = operator.shares("models", "team/m").get(inc);
        assertThat(model.getRequests()).isEqualTo(4);
        assertThat(model.getCacheHits()).isEqualTo(3);
        assertThat(model.getCacheSavedSpend()).isEqualTo("0.00725");
        assertThat(model.getCachedInputTokens()).isEqualTo(800);

        UsageShare gw = operator.gatewayShares("team", "gw").get(inc);
        assertThat(gw.getCacheHits()).as("the GatewayDeployment's totals").isEqualTo(3);
        assertThat(gw.getSemanticCacheHits()).isEqualTo(1);
        assertThat(gw.getCacheSavedSpend()).isEqualTo("0.00725");
        assertThat(gw.getCacheWriteTokens()).isEqualTo(100);

        // into status, as the reconcilers merge it
        Usage status = UsageMerge.merge(null, operator.shares("keys", "team/k"), (i, s) -> false, null, null, null);
        assertThat(status.getCacheHits()).isEqualTo(2);
        assertThat(status.getCacheSavedSpend()).isEqualTo("0.00425");
        assertThat(status.getCachedInputTokens()).isEqualTo(800);
        assertThat(operator.inUse("keys", "team/k", "rpm")).as("hits are not in rpm").isEqualTo(1);
    }

    @Test
    void theNewFieldsSerialiseAndAnOlderGatewaysReportStillReads() throws Exception {
        UsageRecorder gateway = new UsageRecorder();
        gateway.cacheHit(null, "team/k", "team/m", true, 42);
        UsageReport real = gateway.report("cfg");
        var key = Json.parse(real.toJson()).path("keys").path("team/k");
        assertThat(key.path("cacheHits").asLong()).isEqualTo(1);
        assertThat(key.path("semanticCacheHits").asLong()).isEqualTo(1);
        assertThat(key.path("cacheSavedMicros").asLong()).isEqualTo(42);
        assertThat(key.has("cachedInputTokens")).as("0: absent").isFalse();
        assertThat(UsageReport.read(real.toJson())).isEqualTo(real);

        // an older gateway's report: no cache fields anywhere
        ObjectNode older = (ObjectNode) Json.parse(real.toJson());
        for (String section : List.of("keys", "models")) {
            older.path(section).forEach(c -> ((ObjectNode) c).remove(List.of("cacheHits", "semanticCacheHits",
                    "cacheSavedMicros", "cachedInputTokens", "cacheWriteTokens")));
        }
        UsageReport read = UsageReport.read(Json.write(older));
        assertThat(read.keys().get("team/k").requests()).isEqualTo(1);
        assertThat(read.keys().get("team/k").cacheHits()).isNull();
        UsageScraper operator = new UsageScraper(null, null, 0, 60_000);
        operator.served().put("team", "gw", null, Set.of("team/k"), Set.of("team/m"), Set.of());
        operator.accept("pod-uid", "gw-1", "team", "gw", Json.write(older));
        UsageShare s = operator.shares("keys", "team/k").get(gateway.incarnation());
        assertThat(s.getRequests()).isEqualTo(1);
        assertThat(s.getCacheHits()).isNull();
        assertThat(s.getCacheSavedSpend()).isNull();
        assertThat(UsageMerge.merge(null, Map.of("i", s), (i, x) -> false, null, null, null).getCacheHits())
                .as("status gets no cache figures from it").isNull();
    }
}
