package dev.tollgate.operator;

import static dev.tollgate.Fixtures.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.VirtualKey;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The status write budget on the mock server: 20 keys whose counters move at every scrape (every 200 ms) get at most
 * the budget's writes, a condition flip is written at once anyway, and a deleted pod's final figures, held back by
 * the budget, are folded into every key exactly (nothing lost with the pod).
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(StatusWriteBudgetOperatorTest.Budgeted.class)
class StatusWriteBudgetOperatorTest {
    static final int KEYS = 20;
    static final double PER_SECOND = 4;
    static final String NS = "budgeted";
    /** The fake pod's counters: every key has served this many requests. */
    static final AtomicLong requests = new AtomicLong(1);
    /** The key whose requests are being refused for its rate limits (-1: none). */
    static final AtomicInteger limited = new AtomicInteger(-1);
    static HttpServer server;

    public static class Budgeted implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                server = Vertx.vertx().createHttpServer().requestHandler(req -> req.response()
                        .putHeader("content-type", "application/json").end(report()))
                        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Map.of("tollgate.operator.usage-port", Integer.toString(server.actualPort()),
                    "tollgate.operator.usage-scrape-interval-millis", "200",
                    "tollgate.operator.status-writes-per-second", Double.toString(PER_SECOND));
        }
    }

    static String report() {
        long n = requests.get();
        String keys = IntStream.range(0, KEYS).mapToObj(i -> """
                "%s/k%d":{"requests":%d,"errors":0,"inputTokens":%d,"outputTokens":%d,"spendMicros":%d,
                          "rpm":%d,"tpm":0,"rateLimited":%d,"lastUsedAt":"2026-11-24T12:00:00Z"}"""
                .formatted(NS, i, n, n * 10, n * 20, n * 100, n, limited.get() == i ? 1 : 0)).collect(Collectors.joining(","));
        return """
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"inc-1","startedAt":"2026-11-24T00:00:00Z",
                 "keys":{%s},"models":{},"budgets":{},"config":"cfg"}""".formatted(keys);
    }

    @Inject
    KubernetesClient client;

    private VirtualKey get(int i) {
        return client.resources(VirtualKey.class).inNamespace(NS).withName("k" + i).get();
    }

    private long requestsInStatus(int i) {
        VirtualKey vk = get(i);
        return vk.getStatus() == null || vk.getStatus().getUsage() == null ? -1 : vk.getStatus().getUsage().getRequests();
    }

    @Test
    void figuresAreWrittenWithinTheBudgetFlipsAtOnceAndADeletedPodsFiguresAreKept() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        for (int i = 0; i < KEYS; i++) {
            client.resource(key(NS, "k" + i)).create();
        }
        client.resource(dev.tollgate.Fixtures.gateway(NS, "gw")).create();
        var pod = UsageWriteBackTest.gatewayPod(client, NS, "gw", "gw-1", "127.0.0.1");
        await().atMost(Duration.ofSeconds(30)).until(() -> IntStream.range(0, KEYS).allMatch(i -> requestsInStatus(i) == 1));

        AtomicLong writes = new AtomicLong();
        try (var watch = client.resources(VirtualKey.class).inNamespace(NS).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, VirtualKey vk) {
                if (action == Action.MODIFIED) {
                    writes.incrementAndGet();
                }
            }

            @Override
            public void onClose(WatcherException cause) {}
        })) {
            // every key's counters move at every scrape for 5 s: unbudgeted, about 20 keys x 25 scrapes = 500 writes
            long start = System.nanoTime();
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5)) {
                requests.incrementAndGet();
                Thread.sleep(200);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long counted = writes.get();
            assertThat(counted).as("status writes in %.1f s at %s writes/s (one second of burst)", seconds, PER_SECOND)
                    .isLessThanOrEqualTo((long) Math.ceil(PER_SECOND * (seconds + 1)) + 2)
                    .isGreaterThan(0);

            // a condition flip is not held back by the budget
            limited.set(7);
            long flipAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).until(() -> get(7).getStatus().condition("RateLimited")
                    .map(c -> "True".equals(c.getStatus())).orElse(false));
            assertThat(Duration.ofNanos(System.nanoTime() - flipAt)).isLessThan(Duration.ofSeconds(5));
            limited.set(-1);
        }

        // The pod goes away with figures the budget has not written yet: they are folded in, exactly.
        long last = requests.get();
        Thread.sleep(600); // the pod's last report (with `last`) is read
        client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).delete();
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            for (int i = 0; i < KEYS; i++) {
                var u = get(i).getStatus().getUsage();
                assertThat(u.getShares()).as("k%d: the ended incarnation is folded", i).isNull();
                assertThat(u.getRequests()).as("k%d: its final figures, once", i).isEqualTo(last);
                assertThat(u.getTotalSpend()).isEqualTo(dev.tollgate.config.Money.format(last * 100));
            }
        });
    }
}
