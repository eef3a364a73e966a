package dev.tollgate.operator;

import static dev.tollgate.Fixtures.budget;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static dev.tollgate.operator.UsageWriteBackTest.gatewayPod;
import static dev.tollgate.operator.UsageWriteBackTest.pod;
import static dev.tollgate.operator.UsageWriteBackTest.readsAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.UsageReport;
import dev.tollgate.operator.usage.UsageScraper;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Nobody but a GatewayDeployment's own pods can write usage, and those only about what their gateway serves: a
 * team's pod that copies the gateway pods' labels, a pod in the gateway's namespace that claims its Deployment by
 * name, and a forged id in a genuine pod's report change no status and record no event. Usage is read by the leader
 * only. On the mock server, with every pod answering from the same fake (UsageWriteBackTest's) by its pod IP.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(UsageWriteBackTest.FakePodUsage.class)
class UsageSpoofingTest {
    static final Map<String, String> GATEWAY_POD_LABELS = Map.of("app.kubernetes.io/name", "tollgate-gateway",
            "app.kubernetes.io/instance", "gw");

    @Inject
    KubernetesClient client;
    @Inject
    UsageScraper scraper;
    @Inject
    LeaderElectionConfiguration leaderElection;

    static UsageReport.Counters counters(long requests, long spendMicros, Map<String, Long> budgets) {
        return new UsageReport.Counters(requests, 0, requests * 10, requests * 20, spendMicros, 0L, requests, requests * 30,
                0L, budgets, "2026-12-01T12:00:00Z");
    }

    static String report(String incarnation, String config, Map<String, UsageReport.Counters> keys,
            Map<String, UsageReport.Counters> models, Map<String, UsageReport.BudgetSpend> budgets) {
        return new UsageReport(UsageReport.SCHEMA, incarnation, "2026-12-01T00:00:00Z", config, new TreeMap<>(keys),
                new TreeMap<>(models), new TreeMap<>(budgets), null).toJson();
    }

    void namespace(String ns) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }

    @Test
    void forgedReportsReachNoStatusAndNoEvent() throws Exception {
        Instant today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start();
        String slot = "spoof/b@" + today.toEpochMilli();
        String victimSlot = "victim/b2@" + today.toEpochMilli();
        namespace("spoof");
        namespace("victim");
        namespace("team-x");
        var k = key("spoof", "k");
        k.getSpec().setBudgetRefs(List.of("b"));
        client.resource(k).create();
        client.resource(budget("spoof", "b", "1.00", "daily")).create();
        client.resource(model("spoof", "m", "m", "mock")).create();
        // another namespace's resources, which gateway spoof/gw does not serve
        var k2 = key("victim", "k2");
        k2.getSpec().setBudgetRefs(List.of("b2"));
        client.resource(k2).create();
        client.resource(budget("victim", "b2", "1.00", "daily")).create();
        client.resource(model("victim", "m2", "m2", "mock")).create();
        client.resource(Fixtures.gateway("spoof", "gw")).create();

        // 99 % of every budget spent, on every id: each would flip NearLimit and record an event if it counted
        String forged = report("rogue", "cfg-rogue",
                Map.of("spoof/k", counters(1000, 990_000, Map.of(slot, 990_000L)),
                        "victim/k2", counters(1000, 990_000, Map.of(victimSlot, 990_000L))),
                Map.of("spoof/m", counters(1000, 990_000, null), "victim/m2", counters(1000, 990_000, null)),
                Map.of(slot, new UsageReport.BudgetSpend("spoof/b", today.toString(), 990_000),
                        victimSlot, new UsageReport.BudgetSpend("victim/b2", today.toString(), 990_000)));
        // the genuine pod's report: its own figures, plus ids its gateway does not serve, plus a slot of a budget it
        // serves whose entry names a budget it does not
        UsageWriteBackTest.report = report("genuine", "cfg-genuine",
                Map.of("spoof/k", counters(5, 500_000, Map.of(slot, 500_000L, victimSlot, 900_000L)),
                        "victim/k2", counters(7, 900_000, Map.of(victimSlot, 900_000L))),
                Map.of("spoof/m", counters(5, 500_000, null), "victim/m2", counters(7, 900_000, null)),
                Map.of(slot, new UsageReport.BudgetSpend("spoof/b", today.toString(), 500_000),
                        victimSlot, new UsageReport.BudgetSpend("victim/b2", today.toString(), 900_000),
                        "spoof/b@" + (today.toEpochMilli() + 1), new UsageReport.BudgetSpend("victim/b2", today.toString(), 900_000)));
        UsageWriteBackTest.reportsAt.put("127.0.0.2", forged);
        UsageWriteBackTest.reportsAt.put("127.0.0.3", forged);

        // a team's own pod, labelled like a gateway pod, in its own namespace
        pod(client, "team-x", "gw-rogue", "127.0.0.2", GATEWAY_POD_LABELS, null);
        // a pod in the gateway's namespace whose ReplicaSet claims the gateway's Deployment by name, not by uid
        var forgedRs = client.resource(new ReplicaSetBuilder().withNewMetadata().withName("gw-forged").withNamespace("spoof")
                .withLabels(GATEWAY_POD_LABELS).addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment")
                .withName("gw").withUid("00000000-0000-0000-0000-000000000000").withController(true).endOwnerReference()
                .endMetadata().withNewSpec().withNewSelector().withMatchLabels(GATEWAY_POD_LABELS).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(GATEWAY_POD_LABELS).endMetadata().withNewSpec()
                .addNewContainer().withName("gateway").withImage("x").endContainer().endSpec().endTemplate().endSpec()
                .build()).create();
        pod(client, "spoof", "gw-forged-1", "127.0.0.3", GATEWAY_POD_LABELS, new OwnerReferenceBuilder()
                .withApiVersion("apps/v1").withKind("ReplicaSet").withName("gw-forged")
                .withUid(forgedRs.getMetadata().getUid()).withController(true).build());
        // the gateway's own pod
        gatewayPod(client, "spoof", "gw", "gw-1", "127.0.0.1");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertGenuineFiguresOnly(today);
        });
        long readsBefore = readsAt("127.0.0.1");
        Thread.sleep(1500); // several more collections (every 200 ms)
        assertThat(readsAt("127.0.0.1")).as("the gateway's pod is read again and again").isGreaterThan(readsBefore + 2);
        assertGenuineFiguresOnly(today);
        assertThat(readsAt("127.0.0.2")).as("the team's pod is never even read").isZero();
        assertThat(readsAt("127.0.0.3")).as("the pod not owned by the gateway's Deployment is never read").isZero();

        var victimKey = client.resources(VirtualKey.class).inNamespace("victim").withName("k2").get().getStatus();
        assertThat(victimKey).isNotNull();
        assertNoUsage(victimKey.getUsage());
        assertThat(victimKey.condition("NearBudget").map(c -> c.getStatus()).orElse("False")).isEqualTo("False");
        var victimBudget = client.resources(Budget.class).inNamespace("victim").withName("b2").get().getStatus();
        assertThat(victimBudget.getSpend()).isIn(null, "0.00");
        assertThat(victimBudget.condition("NearLimit").map(c -> c.getStatus()).orElse("False")).isEqualTo("False");
        var victimModel = client.resources(LlmModel.class).inNamespace("victim").withName("m2").get().getStatus();
        assertThat(victimModel).isNotNull();
        assertNoUsage(victimModel.getUsage());
        for (String ns : List.of("spoof", "victim", "team-x")) {
            assertThat(client.v1().events().inNamespace(ns).list().getItems()).as("no event in %s", ns).isEmpty();
        }
    }

    private void assertGenuineFiguresOnly(Instant today) {
        var k = client.resources(VirtualKey.class).inNamespace("spoof").withName("k").get().getStatus();
        assertThat(k.getUsage()).isNotNull();
        assertThat(k.getUsage().getRequests()).isEqualTo(5);
        assertThat(k.getUsage().getTotalSpend()).isEqualTo("0.50");
        assertThat(k.getUsage().getPeriodSpend()).isEqualTo("0.50");
        assertThat(k.getUsage().getShares()).containsOnlyKeys("genuine");
        assertThat(k.condition("NearBudget")).hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
        var b = client.resources(Budget.class).inNamespace("spoof").withName("b").get().getStatus();
        assertThat(b.getPeriodStart()).isEqualTo(today.toString());
        assertThat(b.getSpend()).isEqualTo("0.50");
        assertThat(b.getUsage().getShares()).containsOnlyKeys("genuine");
        assertThat(b.condition("NearLimit")).hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
        var m = client.resources(LlmModel.class).inNamespace("spoof").withName("m").get().getStatus().getUsage();
        assertThat(m.getRequests()).isEqualTo(5);
        assertThat(m.getShares()).containsOnlyKeys("genuine");
        var g = client.resources(GatewayDeployment.class).inNamespace("spoof").withName("gw").get().getStatus();
        assertThat(g.getServedConfigs()).containsExactly(Map.entry("gw-1", "cfg-genuine"));
        assertThat(g.getUsage().getRequests()).as("its served deployments only").isEqualTo(5);
        assertThat(g.getUsage().getShares()).containsOnlyKeys("genuine");
    }

    private static void assertNoUsage(Usage u) {
        if (u != null) {
            assertThat(u.getRequests()).isZero();
            assertThat(u.getShares()).isNull();
            assertThat(u.getFolded()).isNull();
        }
    }

    @Test
    void aReplicaThatStopsLeadingReadsNoReportUntilItLeadsAgain() throws Exception {
        String ns = "leader";
        namespace(ns);
        client.resource(key(ns, "k")).create();
        client.resource(Fixtures.gateway(ns, "gw")).create();
        UsageWriteBackTest.reportsAt.put("127.0.0.4", report("leader-1", "cfg",
                Map.of(ns + "/k", counters(3, 300, null)), Map.of(), Map.of()));
        gatewayPod(client, ns, "gw", "gw-1", "127.0.0.4");
        var callbacks = leaderElection.getLeaderCallbacks();
        assertThat(callbacks).as("usage collection follows the leader election").isPresent();
        // tests run without leader election (QOSDK: prod profile only): collection started with the operator
        await().atMost(Duration.ofSeconds(20)).until(() -> readsAt("127.0.0.4") > 0);
        try {
            callbacks.get().onStopLeading();
            assertThat(scraper.running()).isFalse();
            Thread.sleep(500); // an answer already on its way lands (and is dropped)
            long stopped = readsAt("127.0.0.4");
            Thread.sleep(1500);
            assertThat(readsAt("127.0.0.4")).as("a replica that does not lead takes no hand-over").isEqualTo(stopped);
        } finally {
            callbacks.get().onStartLeading();
        }
        assertThat(scraper.running()).isTrue();
        long resumed = readsAt("127.0.0.4");
        await().atMost(Duration.ofSeconds(10)).until(() -> readsAt("127.0.0.4") > resumed);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.resources(VirtualKey.class)
                .inNamespace(ns).withName("k").get().getStatus().getUsage().getRequests()).isEqualTo(3));
    }
}
