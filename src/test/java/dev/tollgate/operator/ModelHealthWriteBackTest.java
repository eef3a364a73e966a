package dev.tollgate.operator;

import static dev.tollgate.Fixtures.model;
import static dev.tollgate.operator.UsageWriteBackTest.gatewayPod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LlmModelStatus;
import dev.tollgate.config.UsageReport;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A deployment's health, as two gateway pods report it, lands in its LlmModel's status.health merged (worst state,
 * error rate over both, request-weighted latency), and a cooldown on one pod is written at once, with the Healthy
 * condition saying why. On the mock server, every pod answering from UsageWriteBackTest's fake by its pod IP.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(UsageWriteBackTest.FakePodUsage.class)
class ModelHealthWriteBackTest {
    static final String NS = "health";
    static final String A = "127.0.0.21";
    static final String B = "127.0.0.22";

    @Inject
    KubernetesClient client;

    /** One pod's report: deployment health/m served `requests` times in the last minute, `failures` of them failed. */
    static String report(String incarnation, long requests, long failures, UsageReport.Health health) {
        var counters = new UsageReport.Counters(requests, failures, requests, requests, 0, failures, requests, requests * 2,
                0L, null, "2026-12-05T05:00:00Z");
        return new UsageReport(UsageReport.SCHEMA, incarnation, "2026-12-05T00:00:00Z", "cfg", Map.of(),
                Map.of(NS + "/m", counters), Map.of(), null, Map.of(NS + "/m", health)).toJson();
    }

    LlmModelStatus status() {
        LlmModel m = client.resources(LlmModel.class).inNamespace(NS).withName("m").get();
        return m == null ? null : m.getStatus();
    }

    @Test
    void healthOfEveryPodIsMergedIntoStatusAndACooldownIsWrittenAtOnce() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        client.resource(model(NS, "m", "m", "mock")).create();
        UsageWriteBackTest.reportsAt.put(A, report("inc-a", 90, 0,
                new UsageReport.Health("Healthy", null, 90, 0, 100L, 40L, 0, null)));
        UsageWriteBackTest.reportsAt.put(B, report("inc-b", 10, 5,
                new UsageReport.Health("Healthy", null, 10, 5, 600L, null, 1, "429")));
        client.resource(Fixtures.gateway(NS, "gw")).create();
        gatewayPod(client, NS, "gw", "gw-1", A);
        gatewayPod(client, NS, "gw", "gw-2", B);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var s = status();
            assertThat(s).isNotNull();
            assertThat(s.getHealth()).isNotNull();
            assertThat(s.getHealth().getReplicas()).isEqualTo(2);
            assertThat(s.getHealth().getState()).isEqualTo("Healthy");
            assertThat(s.getHealth().getErrorRate()).as("5 of 100 calls over both pods").isEqualTo("0.05");
            assertThat(s.getHealth().getLatencyMillis()).as("(90 x 100 + 10 x 600) / 100").isEqualTo(150);
            assertThat(s.getHealth().getTimeToFirstTokenMillis()).isEqualTo(40);
            assertThat(s.getHealth().getCooldowns()).isEqualTo(1);
            assertThat(s.getHealth().getReason()).as("healthy: no reason shown").isNull();
            assertThat(s.getHealth().getCoolingDownUntil()).isNull();
            assertThat(s.condition("Healthy").orElseThrow().getReason()).isEqualTo("Serving");
        });

        // pod B's routing cools the deployment down after a 429: the state is written at once
        String until = Instant.now().plus(60, ChronoUnit.SECONDS).truncatedTo(ChronoUnit.SECONDS).toString();
        UsageWriteBackTest.reportsAt.put(B, report("inc-b", 11, 6,
                new UsageReport.Health("CoolingDown", until, 11, 6, 620L, null, 2, "429")));
        long changed = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            var s = status();
            assertThat(s.getHealth().getState()).isEqualTo("CoolingDown");
            assertThat(s.getHealth().getCoolingDownUntil()).isEqualTo(until);
            assertThat(s.getHealth().getReason()).isEqualTo("429");
            assertThat(s.getHealth().getCooldowns()).isEqualTo(2);
            var healthy = s.condition("Healthy").orElseThrow();
            assertThat(healthy.getStatus()).isEqualTo("False");
            assertThat(healthy.getReason()).isEqualTo("CoolingDown");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - changed)).as("within a few collections (every 200 ms here)")
                .isLessThan(Duration.ofSeconds(5));

        // healthy again on both pods
        UsageWriteBackTest.reportsAt.put(B, report("inc-b", 12, 6,
                new UsageReport.Health("Healthy", null, 12, 6, 500L, null, 2, "429")));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            var s = status();
            assertThat(s.getHealth().getState()).isEqualTo("Healthy");
            assertThat(s.getHealth().getCoolingDownUntil()).isNull();
            assertThat(s.condition("Healthy").orElseThrow().getStatus()).isEqualTo("True");
        });
    }
}
