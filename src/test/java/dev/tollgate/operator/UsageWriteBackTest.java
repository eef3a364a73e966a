package dev.tollgate.operator;

import static dev.tollgate.Fixtures.budget;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.BudgetPeriods;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Usage flows from a gateway pod's report into the status of its keys, budgets and models, exactly once: the
 * same report read again adds nothing, and a restarted pod's old incarnation is folded in once.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(UsageWriteBackTest.FakePodUsage.class)
class UsageWriteBackTest {
    /** What a pod at 127.0.0.1 reports. */
    static volatile String report = "{}";
    /** What a pod at another loopback address (127.0.0.2, ...) reports, by that address. */
    static final Map<String, String> reportsAt = new java.util.concurrent.ConcurrentHashMap<>();
    /** Reports read, by the address they were read at. */
    static final Map<String, java.util.concurrent.atomic.AtomicLong> reads = new java.util.concurrent.ConcurrentHashMap<>();
    static HttpServer server;

    /**
     * Every "pod" is this one server on the loopback network: a pod's IP picks which report it answers (Linux routes
     * all of 127.0.0.0/8 to it), so tests can give pods different reports and see which pods were read at all.
     */
    public static class FakePodUsage implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                server = Vertx.vertx().createHttpServer().requestHandler(req -> {
                    String at = req.localAddress().hostAddress();
                    reads.computeIfAbsent(at, a -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
                    req.response().putHeader("content-type", "application/json").end(reportsAt.getOrDefault(at, report));
                }).listen(0, "0.0.0.0").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Map.of("tollgate.operator.usage-port", Integer.toString(server.actualPort()),
                    "tollgate.operator.usage-scrape-interval-millis", "200",
                    // MonitoringOperatorScrapeTest: the per-resource series follow the caches within half a second
                    "tollgate.operator.metrics-refresh-millis", "500",
                    // MonitoringOperatorScrapeTest: an alert (to a channel without its Secret) within a second
                    "tollgate.operator.alerts-interval-millis", "500");
        }
    }

    static long readsAt(String address) {
        var n = reads.get(address);
        return n == null ? 0 : n.get();
    }

    /**
     * A pod of a GatewayDeployment as Kubernetes makes it (the mock server runs no Deployment controller): a
     * ReplicaSet controlled by the Deployment the operator made, and a pod controlled by that ReplicaSet, at
     * {@code ip}.
     */
    static Pod gatewayPod(KubernetesClient client, String ns, String gateway, String name, String ip) {
        Deployment d = await().atMost(Duration.ofSeconds(20))
                .until(() -> client.apps().deployments().inNamespace(ns).withName(gateway).get(), java.util.Objects::nonNull);
        ReplicaSet rs = client.apps().replicaSets().inNamespace(ns).withName(gateway + "-5d9f8").get();
        if (rs == null) {
            rs = client.resource(new ReplicaSetBuilder().withNewMetadata().withName(gateway + "-5d9f8").withNamespace(ns)
                    .withLabels(d.getSpec().getTemplate().getMetadata().getLabels())
                    .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName(gateway)
                    .withUid(d.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata()
                    .withNewSpec().withReplicas(1).withNewSelector().withMatchLabels(d.getSpec().getSelector().getMatchLabels())
                    .endSelector().withTemplate(d.getSpec().getTemplate()).endSpec().build()).create();
        }
        return pod(client, ns, name, ip, rs.getMetadata().getLabels(), new OwnerReferenceBuilder().withApiVersion("apps/v1")
                .withKind("ReplicaSet").withName(rs.getMetadata().getName()).withUid(rs.getMetadata().getUid())
                .withController(true).build());
    }

    /** A running pod at {@code ip} with these labels and owner (none when null). */
    static Pod pod(KubernetesClient client, String ns, String name, String ip, Map<String, String> labels, OwnerReference owner) {
        var meta = new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(ns).withLabels(labels);
        if (owner != null) {
            meta.withOwnerReferences(owner);
        }
        Pod pod = client.resource(new PodBuilder().withMetadata(meta.build())
                .withNewSpec().addNewContainer().withName("gateway").withImage("x").endContainer().endSpec().build()).create();
        return Fixtures.editStatus(client.pods().inNamespace(ns).withName(name), p -> p.setStatus(
                new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPodIP(ip).withPhase("Running").build()));
    }

    @Inject
    KubernetesClient client;

    static String report(String incarnation, long keyRequests, long keySpend, long budgetSpend, String periodStart) {
        long start = Instant.parse(periodStart).toEpochMilli();
        return """
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"%s","startedAt":"2026-11-24T00:00:00Z",
                 "keys":{"usage/k":{"requests":%d,"errors":0,"inputTokens":%d,"outputTokens":%d,"spendMicros":%d,
                                    "rpm":3,"tpm":90,"rateLimited":2,"lastUsedAt":"2026-11-24T12:00:00Z",
                                    "budgets":{"usage/b@%d":%d}}},
                 "models":{"usage/m":{"requests":%d,"errors":1,"inputTokens":10,"outputTokens":20,"spendMicros":%d,"rpm":4,"tpm":90,
                                      "upstreamFailures":3}},
                 "budgets":{"usage/b@%d":{"budget":"usage/b","periodStart":"%s","spendMicros":%d}},
                 "config":"cfg-%s"}
                """.formatted(incarnation, keyRequests, keyRequests * 10, keyRequests * 20, keySpend, start, keySpend,
                keyRequests, keySpend, start, periodStart, budgetSpend, incarnation);
    }

    @Test
    void reportsLandInStatusExactlyOnce() throws Exception {
        String today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start().toString();
        String ns = "usage";
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        var vk = key(ns, "k");
        vk.getSpec().setBudgetRefs(List.of("b"));
        client.resource(vk).create();
        client.resource(budget(ns, "b", "1.00", "daily")).create();
        client.resource(model(ns, "m", "m", "mock")).create();
        report = report("incarnation-a", 5, 500_000, 500_000, today);
        client.resource(dev.tollgate.Fixtures.gateway(ns, "gw")).create();
        var pod = gatewayPod(client, ns, "gw", "gw-1", "127.0.0.1");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            var st = client.resources(VirtualKey.class).inNamespace(ns).withName("k").get().getStatus();
            assertThat(st).isNotNull();
            var u = st.getUsage();
            assertThat(u).isNotNull();
            assertThat(u.getRequests()).isEqualTo(5);
            assertThat(u.getTotalSpend()).isEqualTo("0.50");
            assertThat(u.getRpm()).isEqualTo(3);
            assertThat(u.getShares()).containsOnlyKeys("incarnation-a");
        });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            var b = client.resources(Budget.class).inNamespace(ns).withName("b").get().getStatus();
            assertThat(b.getSpend()).isEqualTo("0.50");
            assertThat(b.getRemaining()).isEqualTo("0.50");
            assertThat(b.condition("NearLimit").orElseThrow().getStatus()).isEqualTo("False");
            var m = client.resources(LlmModel.class).inNamespace(ns).withName("m").get().getStatus().getUsage();
            assertThat(m.getRequests()).isEqualTo(5);
            assertThat(m.getErrors()).isEqualTo(1);
            var health = client.resources(LlmModel.class).inNamespace(ns).withName("m").get().getStatus().condition("Healthy");
            assertThat(health).hasValueSatisfying(c -> {
                assertThat(c.getStatus()).as("3 of the last minute's 4 requests failed upstream").isEqualTo("False");
                assertThat(c.getReason()).isEqualTo("UpstreamFailing");
            });
        });

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            var g = client.resources(dev.tollgate.api.v1alpha1.GatewayDeployment.class).inNamespace(ns).withName("gw").get().getStatus();
            assertThat(g.getServedConfigs()).containsEntry("gw-1", "cfg-incarnation-a");
            assertThat(g.getUsage().getRequests()).isEqualTo(5);
        });

        // Read again and again: values, not additions.
        Thread.sleep(1000);
        assertThat(client.resources(VirtualKey.class).inNamespace(ns).withName("k").get().getStatus().getUsage().getRequests())
                .isEqualTo(5);

        // The gateway process restarts (same pod, new incarnation, counters from zero): the old one is folded once.
        report = report("incarnation-b", 2, 200_000, 350_000, today);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            var u = client.resources(VirtualKey.class).inNamespace(ns).withName("k").get().getStatus().getUsage();
            assertThat(u.getRequests()).isEqualTo(7);
            assertThat(u.getTotalSpend()).isEqualTo("0.70");
            assertThat(u.getShares()).containsOnlyKeys("incarnation-b");
            assertThat(u.getFolded().getRequests()).isEqualTo(5);
            var b = client.resources(Budget.class).inNamespace(ns).withName("b").get().getStatus();
            assertThat(b.getSpend()).isEqualTo("0.85");
            assertThat(b.condition("NearLimit").orElseThrow().getStatus()).as("0.85 of 1.00 is past 80%").isEqualTo("True");
            assertThat(b.condition("Exceeded").orElseThrow().getStatus()).isEqualTo("False");
            // the key shows its Budget: what is left, the threshold reached, its own period spend, its rate limits
            var k = client.resources(VirtualKey.class).inNamespace(ns).withName("k").get().getStatus();
            assertThat(k.getBudgetRemaining()).isEqualTo("0.15");
            assertThat(k.condition("NearBudget").orElseThrow().getStatus()).isEqualTo("True");
            assertThat(k.condition("BudgetExceeded").orElseThrow().getStatus()).isEqualTo("False");
            assertThat(k.condition("RateLimited").orElseThrow().getStatus()).isEqualTo("True");
            assertThat(k.getUsage().getPeriodSpend()).as("0.50 folded + 0.20 now, all today").isEqualTo("0.70");
        });
        Thread.sleep(1000);
        assertThat(client.resources(VirtualKey.class).inNamespace(ns).withName("k").get().getStatus().getUsage().getRequests())
                .as("folded exactly once").isEqualTo(7);
        // crossing the alert threshold recorded one Warning event on the Budget
        var events = client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> "NearLimit".equals(e.getReason())).toList();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getInvolvedObject().getName()).isEqualTo("b");
            assertThat(e.getMessage()).contains("0.85 of 1.00 USD");
        });
        assertThat(pod.getMetadata().getUid()).isNotNull();
    }
}
