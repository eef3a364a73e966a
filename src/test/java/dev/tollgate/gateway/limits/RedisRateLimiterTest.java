package dev.tollgate.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.RedisServer;
import dev.tollgate.gateway.limits.RateLimiter.Kind;
import dev.tollgate.gateway.limits.RateLimiter.Limit;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three replicas (three Vert.x instances, three Redis clients) sharing one real Redis share one limit exactly. */
class RedisRateLimiterTest {
    static RedisServer server;
    static final List<Vertx> vertxes = new ArrayList<>();
    static final List<RedisRateLimiter> replicas = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = RedisServer.start();
        for (int i = 0; i < 3; i++) {
            Vertx v = Vertx.vertx();
            vertxes.add(v);
            // the production client settings (pool and wait queue), one store per replica
            replicas.add(new RedisRateLimiter(new SharedStore(v).redis(server.url(), null), "test:"));
        }
    }

    @AfterAll
    static void stop() {
        vertxes.forEach(Vertx::close);
        server.close();
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void twoHundredConcurrentRequestsOnThreeReplicasAdmitExactlyTheLimit() throws Exception {
        Limit rpm = new Limit("key/ns/shared", Kind.RPM, 50);
        List<Future<RateLimiter.Decision>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            all.add(replicas.get(i % 3).acquire(List.of(rpm)));
        }
        long admitted = 0;
        for (Future<RateLimiter.Decision> f : all) {
            if (await(f).admitted()) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(50);
        RateLimiter.Decision next = await(replicas.get(0).acquire(List.of(rpm)));
        assertThat(next.admitted()).isFalse();
        assertThat(next.retryAfterMillis()).isBetween(1L, 1200L);
    }

    @Test
    void aRefundGivesTheRequestBackOnAnyReplicaButNeverAboveTheLimit() throws Exception {
        Limit rpm = new Limit("key/ns/refund", Kind.RPM, 2);
        assertThat(await(replicas.get(0).acquire(List.of(rpm))).admitted()).isTrue();
        assertThat(await(replicas.get(1).acquire(List.of(rpm))).admitted()).isTrue();
        assertThat(await(replicas.get(2).acquire(List.of(rpm))).admitted()).isFalse();
        await(replicas.get(2).release(List.of(rpm), 0, true));
        assertThat(await(replicas.get(0).acquire(List.of(rpm))).admitted()).isTrue();
        await(replicas.get(1).release(List.of(rpm), 0, false));
        assertThat(await(replicas.get(1).acquire(List.of(rpm))).admitted()).isFalse();
        Limit fresh = new Limit("key/ns/refund-fresh", Kind.RPM, 2);
        await(replicas.get(0).release(List.of(fresh), 0, true)); // nothing taken yet: stays at the limit
        RateLimiter.Decision d = await(replicas.get(0).acquire(List.of(fresh)));
        assertThat(d.windows().get(0).remaining()).isEqualTo(1);
    }

    @Test
    void parallelSlotsAreSharedAndReleasedAcrossReplicas() throws Exception {
        Limit par = new Limit("key/ns/par", Kind.PARALLEL, 5);
        List<Future<RateLimiter.Decision>> all = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            all.add(replicas.get(i % 3).acquire(List.of(par)));
        }
        long admitted = 0;
        for (Future<RateLimiter.Decision> f : all) {
            admitted += await(f).admitted() ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(5);
        await(replicas.get(2).release(List.of(par), 0, false)); // a slot taken on replica 0 or 1 comes back via replica 2
        RateLimiter.Decision d = await(replicas.get(1).acquire(List.of(par)));
        assertThat(d.admitted()).isTrue();
        assertThat(d.windows().get(0).remaining()).isZero();
    }

    @Test
    void allOrNothingAndTokensDebitedAfterwards() throws Exception {
        Limit keyRpm = new Limit("key/ns/a", Kind.RPM, 100);
        Limit tpm = new Limit("key/ns/a", Kind.TPM, 1000);
        Limit modelRpm = new Limit("model/ns/m", Kind.RPM, 1);
        assertThat(await(replicas.get(0).acquire(List.of(keyRpm, tpm, modelRpm))).admitted()).isTrue();
        RateLimiter.Decision refused = await(replicas.get(1).acquire(List.of(keyRpm, tpm, modelRpm)));
        assertThat(refused.refused()).isEqualTo(modelRpm);
        assertThat(refused.windows().get(0).remaining()).as("nothing taken from the key by the refusal").isEqualTo(99);

        await(replicas.get(2).release(List.of(keyRpm, tpm), 1500, false));
        RateLimiter.Decision tokens = await(replicas.get(0).acquire(List.of(tpm)));
        assertThat(tokens.admitted()).isFalse();
        assertThat(tokens.retryAfterMillis()).isBetween(29_000L, 30_100L);
    }

    @Test
    void anUnreachableStoreFailsTheDecision() throws Exception {
        Vertx v = Vertx.vertx();
        try {
            RedisRateLimiter nowhere = new RedisRateLimiter(RedisAPI.api(Redis.createClient(v, "redis://127.0.0.1:1")), "x:");
            Future<RateLimiter.Decision> f = nowhere.acquire(List.of(new Limit("key/k", Kind.RPM, 1)));
            f.toCompletionStage().toCompletableFuture().handle((d, t) -> null).get(10, TimeUnit.SECONDS);
            assertThat(f.failed()).isTrue();
        } finally {
            v.close();
        }
    }
}
