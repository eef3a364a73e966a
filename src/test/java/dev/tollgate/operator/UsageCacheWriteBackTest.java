package dev.tollgate.operator;

import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.VirtualKey;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The cache figures of a gateway pod's report (response-cache hits, semantic hits, saved spend, the provider's
 * prompt-cache tokens) land in the status of its VirtualKeys, LlmModels and GatewayDeployment, as values: a restarted
 * process's figures are folded once, like the other figures (same fake pods as {@link UsageWriteBackTest}).
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(UsageWriteBackTest.FakePodUsage.class)
class UsageCacheWriteBackTest {
    static final String POD_IP = "127.0.0.7";

    @Inject
    KubernetesClient client;

    static String report(String incarnation, long requests, long hits, long semantic, long savedMicros, long cachedIn) {
        return """
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"%s","startedAt":"2026-11-24T00:00:00Z",
                 "keys":{"cacheusage/k":{"requests":%d,"errors":0,"inputTokens":500,"outputTokens":20,"spendMicros":1000,
                                    "rpm":1,"tpm":520,"cacheHits":%d,"semanticCacheHits":%d,"cacheSavedMicros":%d,
                                    "cachedInputTokens":%d,"cacheWriteTokens":40}},
                 "models":{"cacheusage/m":{"requests":%d,"errors":0,"inputTokens":500,"outputTokens":20,"spendMicros":1000,
                                    "cacheHits":%d,"semanticCacheHits":%d,"cacheSavedMicros":%d,"cachedInputTokens":%d,
                                    "cacheWriteTokens":40}},
                 "config":"cfg"}
                """.formatted(incarnation, requests, hits, semantic, savedMicros, cachedIn, requests, hits, semantic,
                savedMicros, cachedIn);
    }

    @Test
    void cacheFiguresLandInStatusOfKeysModelsAndTheGateway() throws Exception {
        String ns = "cacheusage";
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        client.resource(key(ns, "k")).create();
        client.resource(model(ns, "m", "m", "mock")).create();
        UsageWriteBackTest.reportsAt.put(POD_IP, report("inc-a", 6, 4, 1, 12_500, 300));
        client.resource(dev.tollgate.Fixtures.gateway(ns, "gw")).create();
        UsageWriteBackTest.gatewayPod(client, ns, "gw", "gw-1", POD_IP);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            var k = client.resources(VirtualKey.class).inNamespace(ns).withName("k").get().getStatus();
            assertThat(k).isNotNull();
            assertThat(k.getUsage()).isNotNull();
            assertThat(k.getUsage().getRequests()).isEqualTo(6);
            assertThat(k.getUsage().getCacheHits()).isEqualTo(4);
            assertThat(k.getUsage().getSemanticCacheHits()).isEqualTo(1);
            assertThat(k.getUsage().getCacheSavedSpend()).isEqualTo("0.0125");
            assertThat(k.getUsage().getCachedInputTokens()).isEqualTo(300);
            assertThat(k.getUsage().getCacheWriteTokens()).isEqualTo(40);
            var m = client.resources(LlmModel.class).inNamespace(ns).withName("m").get().getStatus().getUsage();
            assertThat(m.getCacheHits()).isEqualTo(4);
            assertThat(m.getCacheSavedSpend()).isEqualTo("0.0125");
            assertThat(m.getCachedInputTokens()).isEqualTo(300);
            var g = client.resources(GatewayDeployment.class).inNamespace(ns).withName("gw").get().getStatus().getUsage();
            assertThat(g.getCacheHits()).isEqualTo(4);
            assertThat(g.getCacheSavedSpend()).isEqualTo("0.0125");
        });

        // the process restarts in the same pod: its figures are folded once, the new one's added
        UsageWriteBackTest.reportsAt.put(POD_IP, report("inc-b", 2, 1, 0, 2_500, 0));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            var u = client.resources(VirtualKey.class).inNamespace(ns).withName("k").get().getStatus().getUsage();
            assertThat(u.getShares()).containsOnlyKeys("inc-b");
            assertThat(u.getCacheHits()).isEqualTo(5);
            assertThat(u.getSemanticCacheHits()).isEqualTo(1);
            assertThat(u.getCacheSavedSpend()).isEqualTo("0.015");
            assertThat(u.getCachedInputTokens()).isEqualTo(300);
            assertThat(u.getCacheWriteTokens()).isEqualTo(80);
            assertThat(u.getFolded().getCacheHits()).isEqualTo(4);
            var m = client.resources(LlmModel.class).inNamespace(ns).withName("m").get().getStatus().getUsage();
            assertThat(m.getCacheHits()).isEqualTo(5);
        });
        // read again and again (a few more reports of the pod): values, not additions
        long reads = UsageWriteBackTest.readsAt(POD_IP);
        await().atMost(Duration.ofSeconds(15)).until(() -> UsageWriteBackTest.readsAt(POD_IP) >= reads + 4);
        var u = client.resources(VirtualKey.class).inNamespace(ns).withName("k").get().getStatus().getUsage();
        assertThat(u.getCacheHits()).as("folded exactly once").isEqualTo(5);
        assertThat(u.getCacheSavedSpend()).isEqualTo("0.015");
    }
}
