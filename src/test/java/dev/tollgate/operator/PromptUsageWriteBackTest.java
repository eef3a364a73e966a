package dev.tollgate.operator;

import static dev.tollgate.Fixtures.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.Prompt;
import dev.tollgate.api.v1alpha1.PromptStatus;
import dev.tollgate.api.v1alpha1.PromptVersionStatus;
import dev.tollgate.config.PromptChecksTest;
import dev.tollgate.config.PromptHash;
import dev.tollgate.operator.usage.ServedIds;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A Prompt's status through the operator: its versions with their hashes, labels, the gateway serving its namespace,
 * Ready Published, and each version's usage from a gateway pod's report ({@code prompts}, keyed
 * {@code <promptId>@<version>}) as values: read again it adds nothing, a restarted process's figures are folded once,
 * and figures of a Prompt the gateway does not serve never land (same fake pods as {@link UsageWriteBackTest}).
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(UsageWriteBackTest.FakePodUsage.class)
class PromptUsageWriteBackTest {
    static final String POD_IP = "127.0.0.9";
    static final String NS = "promptusage";

    @Inject
    KubernetesClient client;
    @Inject
    ServedIds served;

    static String report(String incarnation, long v1Requests, long v1Spend, long v2Requests) {
        return """
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"%s","startedAt":"2026-12-05T00:00:00Z",
                 "keys":{"promptusage/k":{"requests":%d,"errors":0,"inputTokens":10,"outputTokens":2,"spendMicros":%d}},
                 "prompts":{"promptusage/support@1":{"requests":%d,"errors":1,"inputTokens":300,"outputTokens":40,
                                                     "spendMicros":%d,"rpm":2,"tpm":340},
                            "promptusage/support@2":{"requests":%d,"errors":0,"inputTokens":70,"outputTokens":9,
                                                     "spendMicros":1500},
                            "promptusage/elsewhere@1":{"requests":99,"errors":0,"inputTokens":1,"outputTokens":1,
                                                       "spendMicros":99}},
                 "tags":{"team-a":{"requests":3,"errors":0,"inputTokens":1,"outputTokens":1,"spendMicros":5}},
                 "config":"cfg"}
                """.formatted(incarnation, v1Requests + v2Requests, v1Spend + 1500, v1Requests, v1Spend, v2Requests);
    }

    static Prompt status(KubernetesClient client) {
        return client.resources(Prompt.class).inNamespace(NS).withName("support").get();
    }

    @Test
    void versionsHashesLabelsAndEachVersionsUsageLandInStatus() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        client.resource(key(NS, "k")).create();
        Prompt p = PromptChecksTest.prompt(Map.of("production", 1, "staging", 2), 1, "Hello {{name}}", "name", 2,
                "Hi {{name}}", "name");
        p.getMetadata().setNamespace(NS);
        p.getMetadata().setGeneration(null);
        UsageWriteBackTest.reportsAt.put(POD_IP, report("inc-a", 4, 2_000, 1));
        client.resource(dev.tollgate.Fixtures.gateway(NS, "gw")).create();
        UsageWriteBackTest.gatewayPod(client, NS, "gw", "gw-1", POD_IP);
        client.resource(p).create();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            // what the gateway's render serves: the Prompt, not "elsewhere" (until the renderer lists Prompts, this
            // test registers it; a render of the gateway meanwhile replaces the registration, so it is made again)
            served.servePrompts(NS, "gw", Set.of(NS + "/support"));
            PromptStatus s = status(client).getStatus();
            assertThat(s).isNotNull();
            assertThat(s.condition("Ready").orElseThrow().getReason()).isEqualTo("Published");
            assertThat(s.getGateways()).containsExactly(NS + "/gw");
            assertThat(s.getLatestVersion()).isEqualTo(2);
            assertThat(s.getLabels()).containsEntry("production", 1).containsEntry("staging", 2);
            assertThat(s.getVersions()).extracting(PromptVersionStatus::getVersion).containsExactly(1, 2);
            assertThat(s.getVersions().get(0).getHash()).isEqualTo(PromptHash.of(p.getSpec().getVersions().get(0)));
            assertThat(s.getVersions().get(0).getLabels()).containsExactly("production");
            var v1 = s.getVersions().get(0).getUsage();
            assertThat(v1).isNotNull();
            assertThat(v1.getRequests()).isEqualTo(4);
            assertThat(v1.getErrors()).isEqualTo(1);
            assertThat(v1.getInputTokens()).isEqualTo(300);
            assertThat(v1.getOutputTokens()).isEqualTo(40);
            assertThat(v1.getTotalSpend()).isEqualTo("0.002");
            assertThat(v1.getRpm()).isEqualTo(2);
            var v2 = s.getVersions().get(1).getUsage();
            assertThat(v2.getRequests()).isEqualTo(1);
            assertThat(v2.getTotalSpend()).isEqualTo("0.0015");
        });
        String publishedAt = status(client).getStatus().getVersions().get(0).getPublishedAt();

        // the process restarts in the same pod: its figures are folded once, the new one's added
        UsageWriteBackTest.reportsAt.put(POD_IP, report("inc-b", 2, 500, 0));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            var v1 = status(client).getStatus().getVersions().get(0).getUsage();
            assertThat(v1.getShares()).containsOnlyKeys("inc-b");
            assertThat(v1.getFolded().getRequests()).isEqualTo(4);
            assertThat(v1.getRequests()).isEqualTo(6);
            assertThat(v1.getTotalSpend()).isEqualTo("0.0025");
        });
        long reads = UsageWriteBackTest.readsAt(POD_IP);
        await().atMost(Duration.ofSeconds(15)).until(() -> UsageWriteBackTest.readsAt(POD_IP) >= reads + 4);
        PromptStatus s = status(client).getStatus();
        assertThat(s.getVersions().get(0).getUsage().getRequests()).as("folded exactly once").isEqualTo(6);
        assertThat(s.getVersions().get(1).getUsage().getRequests()).isEqualTo(1);
        assertThat(s.getVersions().get(0).getPublishedAt()).as("kept").isEqualTo(publishedAt);
        assertThat(client.resources(Prompt.class).inNamespace(NS).withName("elsewhere").get()).isNull();
    }
}
