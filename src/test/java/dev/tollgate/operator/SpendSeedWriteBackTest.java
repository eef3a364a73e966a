package dev.tollgate.operator;

import static dev.tollgate.Fixtures.budget;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.SpendSeed;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The operator hands every gateway's pods the budgets' spend in ConfigMap {@code <gw>-spend}: the figure the Budget's
 * status shows, with each live process's part (also to another gateway enforcing the same Budget); a deleted pod's
 * spend stays counted; written at most once per
 * {@code usageSyncInterval}, which restarts no pod when it changes. Two fake gateway pods (127.0.0.1 and 127.0.0.2)
 * serve usage reports, as gateway pods do on their management port.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(SpendSeedWriteBackTest.TwoFakePods.class)
class SpendSeedWriteBackTest {
    static final String NS = "spend";
    /** The report each fake pod serves, by its IP. */
    static final Map<String, String> reports = new ConcurrentHashMap<>();
    static HttpServer server;

    public static class TwoFakePods implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                server = Vertx.vertx().createHttpServer().requestHandler(req -> req.response()
                        .putHeader("content-type", "application/json")
                        .end(reports.getOrDefault(req.localAddress().hostAddress(), "{}")))
                        .listen(0, "0.0.0.0").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Map.of("tollgate.operator.usage-port", Integer.toString(server.actualPort()),
                    "tollgate.operator.usage-scrape-interval-millis", "200");
        }
    }

    @Inject
    KubernetesClient client;

    static String report(String incarnation, long budgetSpend, String periodStart) {
        long start = Instant.parse(periodStart).toEpochMilli();
        return """
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"%s","startedAt":"2026-11-24T00:00:00Z",
                 "keys":{"spend/k":{"requests":1,"errors":0,"inputTokens":1,"outputTokens":1,"spendMicros":%d,
                                    "rpm":1,"tpm":2,"rateLimited":0,"budgets":{"spend/b@%d":%d}}},
                 "models":{"spend/m":{"requests":1,"errors":0,"inputTokens":1,"outputTokens":1,"spendMicros":%d,"rpm":1,"tpm":2}},
                 "budgets":{"spend/b@%d":{"budget":"spend/b","periodStart":"%s","spendMicros":%d}},
                 "config":"cfg"}
                """.formatted(incarnation, budgetSpend, start, budgetSpend, budgetSpend, start, periodStart, budgetSpend);
    }

    /** A pod of gateway gw, with the ownership chain the usage scraper checks (see UsageWriteBackTest.gatewayPod). */
    void pod(String name, String ip) {
        UsageWriteBackTest.gatewayPod(client, NS, "gw", name, ip);
    }

    SpendSeed seed() throws Exception {
        ConfigMap cm = client.configMaps().inNamespace(NS).withName("gw-spend").get();
        assertThat(cm).as("ConfigMap gw-spend").isNotNull();
        return SpendSeed.read(cm.getData().get(SpendSeed.FILE));
    }

    @Test
    void podsGetTheMergedSpendBackAtMostOncePerIntervalAndNothingRestarts() throws Exception {
        String today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start().toString();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        var vk = key(NS, "k");
        vk.getSpec().setBudgetRefs(List.of("b"));
        client.resource(vk).create();
        client.resource(budget(NS, "b", "1.00", "daily")).create();
        client.resource(budget(NS, "quiet", "1.00", "daily")).create();
        client.resource(model(NS, "m", "m", "mock")).create();
        GatewayDeployment gw = Fixtures.gateway(NS, "gw");
        gw.getSpec().setUsageSyncInterval("1s");
        gw = client.resource(gw).create();
        // a second gateway enforcing the same budget, with no pods of its own (yet)
        GatewayDeployment other = Fixtures.gateway(NS, "gw2");
        other.getSpec().setUsageSyncInterval("1s");
        client.resource(other).create();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(client.configMaps().inNamespace(NS).withName("gw2-spend").get()).isNotNull());
        reports.put("127.0.0.1", report("inc-a", 300_000, today));
        reports.put("127.0.0.2", report("inc-b", 200_000, today));
        pod("gw-a", "127.0.0.1");
        pod("gw-b", "127.0.0.2");

        // 1. the merged spend of both processes, each one's part, and nothing for a budget without spend
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(seed().budgets()).singleElement().satisfies(s -> {
            assertThat(s.budget()).isEqualTo("spend/b");
            assertThat(s.periodStart()).isEqualTo(today);
            assertThat(s.spendMicros()).isEqualTo(500_000);
            assertThat(s.incarnations()).isEqualTo(Map.of("inc-a", 300_000L, "inc-b", 200_000L));
        }));
        assertThat(seed().gateway()).isEqualTo("spend/gw");
        // the other gateway's pods get the same spend back: it was made through gw's pods, on a budget gw2 enforces too
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(SpendSeed.read(client.configMaps().inNamespace(NS)
                .withName("gw2-spend").get().getData().get(SpendSeed.FILE)).budgets()).singleElement()
                .satisfies(s -> assertThat(s.spendMicros()).isEqualTo(500_000)));
        ConfigMap cm = client.configMaps().inNamespace(NS).withName("gw-spend").get();
        assertThat(cm.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("GatewayDeployment");
            assertThat(o.getName()).isEqualTo("gw");
        });
        // the pods may read it by name, and it is not mounted into them
        Role role = client.rbac().roles().inNamespace(NS).withName("gw-gateway").get();
        assertThat(role.getRules()).anySatisfy(r -> {
            assertThat(r.getResources()).containsExactly("configmaps");
            assertThat(r.getResourceNames()).contains("gw-spend");
            assertThat(r.getVerbs()).contains("get", "watch");
        });
        Deployment d = client.apps().deployments().inNamespace(NS).withName("gw").get();
        assertThat(Serialization.asJson(d.getSpec().getTemplate())).doesNotContain("gw-spend");
        // the Budget's status shows the same figure
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                client.resources(Budget.class).inNamespace(NS).withName("b").get().getStatus().getSpend()).isEqualTo("0.50"));
        assertThat(client.resources(GatewayDeployment.class).inNamespace(NS).withName("gw").get().getStatus().getBudgetMode())
                .isEqualTo("SyncedEvery 1s");

        // 2. pod a is deleted (a rollout, an eviction): its spend stays counted; only b still has a part of its own
        client.pods().inNamespace(NS).withName("gw-a").delete();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(seed().budgets()).singleElement().satisfies(s -> {
            assertThat(s.spendMicros()).isEqualTo(500_000);
            assertThat(s.incarnations()).isEqualTo(Map.of("inc-b", 200_000L));
        }));
        // ... and a new pod's process (a new incarnation) starts from all of it
        assertThat(seed().budgets().get(0).spentByOthers("inc-new")).isEqualTo(500_000);

        // 3. pod b keeps spending: written again, but at most once per usageSyncInterval (1 s)
        List<Instant> writes = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        for (int i = 1; System.nanoTime() < deadline; i++) {
            reports.put("127.0.0.2", report("inc-b", 200_000 + i * 1_000L, today));
            Instant at = Instant.parse(client.configMaps().inNamespace(NS).withName("gw-spend").get().getMetadata()
                    .getAnnotations().get("llm.tollgate.dev/spend-written-at"));
            if (writes.isEmpty() || !writes.get(writes.size() - 1).equals(at)) {
                writes.add(at);
            }
            Thread.sleep(100);
        }
        assertThat(writes).as("written while the spend moved").hasSizeGreaterThanOrEqualTo(3);
        for (int i = 1; i < writes.size(); i++) {
            assertThat(Duration.between(writes.get(i - 1), writes.get(i))).as("writes %s", writes)
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        }
        // the last change reaches the pods after its interval even when nothing else happens
        long last = Long.parseLong(reports.get("127.0.0.2").replaceAll("(?s).*\"spendMicros\":(\\d+)}}.*", "$1"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(seed().budgets().get(0).spendMicros()).isEqualTo(300_000 + last));

        // 4. a new sync interval changes the cadence and the status, and restarts no pod
        Deployment before = client.apps().deployments().inNamespace(NS).withName("gw").get();
        Fixtures.edit(client.resources(GatewayDeployment.class).inNamespace(NS).withName("gw"),
                g -> g.getSpec().setUsageSyncInterval("2s"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                client.resources(GatewayDeployment.class).inNamespace(NS).withName("gw").get().getStatus().getBudgetMode())
                .isEqualTo("SyncedEvery 2s"));
        assertThat(client.configMaps().inNamespace(NS).withName("gw-config").get().getData().get("config.json"))
                .contains("\"usageSyncIntervalMillis\":2000");
        Deployment after = client.apps().deployments().inNamespace(NS).withName("gw").get();
        assertThat(after.getSpec().getTemplate().getMetadata().getAnnotations()).as("the pod template's annotations")
                .isEqualTo(before.getSpec().getTemplate().getMetadata().getAnnotations());
        assertThat(after.getSpec().getTemplate().equals(before.getSpec().getTemplate())).as("the same pod template").isTrue();
    }
}
