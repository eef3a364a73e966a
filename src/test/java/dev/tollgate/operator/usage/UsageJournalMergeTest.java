package dev.tollgate.operator.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.Usage;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A crashed gateway process's usage, journaled in Redis, counts exactly once in status: the real scraper and merge
 * (fresh scraper instances standing for operator runs, the pod informer on the mock API server), fed the reports a
 * Redis-backed gateway sends before and after a crash, again and again, across an operator restart, until Redis
 * drops the orphan and it is folded once.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class UsageJournalMergeTest {
    static final String KEY = "jr/k";

    @Inject
    KubernetesClient client;
    @Inject
    Vertx vertx;

    Usage status;

    /** A Redis-backed gateway's report: its own figures, what Redis lists, and the orphans' figures. */
    static String report(String incarnation, long requests, List<String> journaled, String orphan, long orphanRequests) {
        String orphans = orphan == null ? "" : """
                "%s":{"startedAt":"2026-11-24T00:00:00Z","keys":{"%s":{"requests":%d,"errors":0,"inputTokens":%d,
                      "outputTokens":0,"spendMicros":%d,"lastUsedAt":"2026-11-24T10:00:00Z"}},"models":{},"budgets":{}}
                """.formatted(orphan, KEY, orphanRequests, orphanRequests * 10, orphanRequests * 1000);
        return """
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"%s","startedAt":"2026-11-24T00:00:00Z","config":"c",
                 "keys":{"%s":{"requests":%d,"errors":0,"inputTokens":%d,"outputTokens":0,"spendMicros":%d,"rpm":1,"tpm":1}},
                 "models":{},"budgets":{},
                 "journal":{"incarnations":[%s],"orphans":{%s}}}
                """.formatted(incarnation, KEY, requests, requests * 10, requests * 1000,
                String.join(",", journaled.stream().map(i -> '"' + i + '"').toList()), orphans);
    }

    UsageScraper operatorRun() {
        UsageScraper s = new UsageScraper(client, vertx, 1, 3_600_000);
        // what the gateways serve (the GatewayDeploymentReconciler registers it after each render)
        s.served().put("jr", "gw", null, java.util.Set.of(KEY), java.util.Set.of(), java.util.Set.of());
        s.served().put("jr2", "gw", null, java.util.Set.of(KEY), java.util.Set.of(), java.util.Set.of());
        s.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> s.ended("probe", new dev.tollgate.api.v1alpha1.UsageShare()));
        return s;
    }

    void sync(UsageScraper s) {
        status = UsageMerge.merge(status, s.shares("keys", KEY), s::ended, null, null, null);
    }

    @Test
    void aCrashedIncarnationCountsOnceWithItsJournaledFiguresAndIsFoldedOnceRedisDropsIt() {
        status = null;
        String ns = "jr";
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        Pod pod = client.resource(new PodBuilder().withNewMetadata().withName("gw-1").withNamespace(ns)
                .addToLabels("app.kubernetes.io/name", "tollgate-gateway").addToLabels("app.kubernetes.io/instance", "gw")
                .endMetadata().withNewSpec().addNewContainer().withName("gateway").withImage("x").endContainer().endSpec()
                .build()).create();
        String uid = pod.getMetadata().getUid();
        UsageScraper run1 = operatorRun();
        try {
            run1.accept(uid, "gw-1", ns, "gw", report("A", 5, List.of("A"), null, 0));
            sync(run1);
            assertThat(status.getRequests()).isEqualTo(5);
            assertThat(status.getShares().get("A").getJournal()).isEqualTo("jr/gw");
            assertThat(status.getShares().get("A").getPod()).isEqualTo(uid);

            // kill -9: the container restarts in the same pod as incarnation B; A had served 3 more requests since
            // the last read. Redis still lists A (its heartbeat has not expired): A is over but not folded.
            run1.accept(uid, "gw-1", ns, "gw", report("B", 1, List.of("A", "B"), null, 0));
            sync(run1);
            assertThat(status.getShares()).containsOnlyKeys("A", "B");
            assertThat(status.getFolded()).as("not folded with the stale figures of the last read").isNull();

            // A's heartbeat expired: B's report carries A's journaled figures. A value, read again and again.
            for (int i = 0; i < 3; i++) {
                run1.accept(uid, "gw-1", ns, "gw", report("B", 1, List.of("A", "B"), "A", 8));
                sync(run1);
                assertThat(status.getRequests()).isEqualTo(9);
                assertThat(status.getTotalSpend()).isEqualTo("0.009");
                assertThat(status.getShares().get("A").getRequests()).isEqualTo(8);
                assertThat(status.getShares().get("A").getPod()).as("still the pod it ran in").isEqualTo(uid);
            }
        } finally {
            run1.stop();
        }

        // the operator restarts: nothing known yet, nothing folded, nothing lost
        UsageScraper run2 = operatorRun();
        try {
            sync(run2);
            assertThat(status.getRequests()).isEqualTo(9);
            assertThat(status.getShares()).containsOnlyKeys("A", "B");
            for (int i = 0; i < 3; i++) {
                run2.accept(uid, "gw-1", ns, "gw", report("B", 2, List.of("A", "B"), "A", 8));
                sync(run2);
                assertThat(status.getRequests()).isEqualTo(10);
                assertThat(status.getFolded()).isNull();
            }

            // the retention passed: Redis dropped A, B's report lists it no more: A is folded, once
            run2.accept(uid, "gw-1", ns, "gw", report("B", 2, List.of("B"), null, 0));
            for (int i = 0; i < 3; i++) {
                sync(run2);
                assertThat(status.getRequests()).isEqualTo(10);
                assertThat(status.getTotalSpend()).isEqualTo("0.01");
                assertThat(status.getShares()).containsOnlyKeys("B");
                assertThat(status.getFolded().getRequests()).isEqualTo(8);
            }
            // a late answer to an older request (one that still listed A) changes nothing
            run2.accept(uid, "gw-1", ns, "gw", report("B", 2, List.of("A", "B"), "A", 8), 1);
            sync(run2);
            assertThat(status.getRequests()).isEqualTo(10);
            assertThat(status.getShares()).containsOnlyKeys("B");
        } finally {
            run2.stop();
        }
    }

    @Test
    void anOrphanWhosePodIsGoneCountsOnceThroughAnotherPodAndWaitsForRedisToDropIt() {
        status = null;
        String ns = "jr2";
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        Pod p2 = client.resource(new PodBuilder().withNewMetadata().withName("gw-2").withNamespace(ns)
                .addToLabels("app.kubernetes.io/name", "tollgate-gateway").addToLabels("app.kubernetes.io/instance", "gw")
                .endMetadata().withNewSpec().addNewContainer().withName("gateway").withImage("x").endContainer().endSpec()
                .build()).create();
        UsageScraper run = operatorRun();
        try {
            // the operator never saw X alive (its pod is gone): only a survivor's report knows it
            run.accept(p2.getMetadata().getUid(), "gw-2", ns, "gw", report("Y", 1, List.of("X", "Y"), "X", 4));
            sync(run);
            sync(run);
            assertThat(status.getRequests()).isEqualTo(5);
            assertThat(status.getShares()).containsOnlyKeys("X", "Y");
            assertThat(status.getShares().get("X").getPod()).isNull();
            run.accept(p2.getMetadata().getUid(), "gw-2", ns, "gw", report("Y", 1, List.of("Y"), null, 0));
            sync(run);
            sync(run);
            assertThat(status.getRequests()).isEqualTo(5);
            assertThat(status.getShares()).containsOnlyKeys("Y");
            assertThat(status.getFolded().getRequests()).isEqualTo(4);
        } finally {
            run.stop();
        }
    }
}
