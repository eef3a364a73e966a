package dev.tollgate.gateway.cache;

import static dev.tollgate.gateway.cache.CacheFixtures.answer;
import static dev.tollgate.gateway.cache.CacheFixtures.partition;
import static dev.tollgate.gateway.cache.CacheFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.RedisServer;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.limits.SharedStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas (two Vert.x instances, two Redis clients, two memories) sharing one real Redis: an answer stored by one
 * is served by the other, with the same ttl; a purge on one empties Redis and, through the purge marks, the other's
 * memory; a Redis that is down or silent is a miss.
 */
class SharedResponseCacheTest {
    static RedisServer server;
    static Vertx vertx1;
    static Vertx vertx2;
    static RedisAPI inspect;
    static Snapshot shared;

    final CacheFixtures.Clock clock = new CacheFixtures.Clock();

    @BeforeAll
    static void start() {
        server = RedisServer.start();
        vertx1 = Vertx.vertx();
        vertx2 = Vertx.vertx();
        inspect = new SharedStore(vertx1).redis(server.url(), null);
        shared = snapshot(server.url(), 1 << 20, "gpt", "claude");
    }

    @AfterAll
    static void stop() throws Exception {
        get(vertx1.close());
        get(vertx2.close());
        server.close();
    }

    @BeforeEach
    void empty() throws Exception {
        get(inspect.flushall(List.of()));
    }

    static <T> T get(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private ResponseCache replica(Vertx vertx, CacheFixtures.Clock c, Snapshot s) {
        return new ResponseCache(new SharedStore(vertx), vertx, () -> s, c, c, ResponseCache.REDIS_TIMEOUT_MILLIS);
    }

    private static List<String> keys(String pattern) throws Exception {
        List<String> out = new ArrayList<>();
        for (Response r : get(inspect.keys(pattern))) {
            out.add(r.toString());
        }
        return out;
    }

    @Test
    void anAnswerStoredByOneReplicaIsServedByTheOther() throws Exception {
        ResponseCache one = replica(vertx1, clock, shared);
        ResponseCache two = replica(vertx2, clock, shared);
        Partition p = partition("team-a", "gpt");
        CachedAnswer a = answer("shared é 😀", clock.millis);
        assertThat(one.put(shared, p, "k1", a, 60_000, 1 << 20)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> keys("tollgate:ns/gw:cache:x:team-a:gpt:*").size() == 1);

        CachedAnswer got = get(two.get(shared, p, "k1", -1));
        CachedAnswerTest.assertSame(got, a);
        // now in two's memory too: served with Redis emptied
        assertThat(two.entries()).isEqualTo(1);
        get(inspect.flushall(List.of()));
        CachedAnswerTest.assertSame(get(two.get(shared, p, "k1", -1)), a);
        // another tenant's request for the same key finds nothing, here or in Redis
        assertThat(get(one.get(shared, partition("team-b", "gpt"), "k1", -1))).isNull();
    }

    @Test
    void redisKeepsTheEntryForItsTtlAndAReplicaOnlyForWhatIsLeft() throws Exception {
        ResponseCache one = replica(vertx1, clock, shared);
        Partition p = partition("team-a", "gpt");
        one.put(shared, p, "k1", answer("ttl", clock.millis), 60_000, 1 << 20);
        await().atMost(Duration.ofSeconds(5)).until(() -> keys("tollgate:ns/gw:cache:x:*").size() == 1);
        long pttl = get(inspect.pttl(keys("tollgate:ns/gw:cache:x:*").get(0))).toLong();
        assertThat(pttl).isPositive().isLessThanOrEqualTo(60_000);

        // a replica whose clock says the entry's time is up does not serve it (nor keep it)
        CacheFixtures.Clock later = new CacheFixtures.Clock();
        later.advance(60_000);
        ResponseCache late = replica(vertx2, later, shared);
        assertThat(get(late.get(shared, p, "k1", -1))).isNull();
        assertThat(late.entries()).isZero();
        // one that has 10 s left keeps it 10 s
        CacheFixtures.Clock soon = new CacheFixtures.Clock();
        soon.advance(50_000);
        ResponseCache two = replica(vertx2, soon, shared);
        assertThat(get(two.get(shared, p, "k1", -1))).isNotNull();
        soon.advance(9_999);
        assertThat(get(two.get(shared, p, "k1", -1))).isNotNull();
        get(inspect.flushall(List.of()));
        soon.advance(1);
        assertThat(get(two.get(shared, p, "k1", -1))).isNull();

        // and Redis itself drops it at its ttl
        one.put(shared, p, "k2", answer("short", clock.millis), 200, 1 << 20);
        await().atMost(Duration.ofSeconds(5)).until(() -> keys("tollgate:ns/gw:cache:x:*").size() == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> keys("tollgate:ns/gw:cache:x:*").isEmpty());
    }

    @Test
    void maxAgeAppliesToEntriesFromRedis() throws Exception {
        ResponseCache one = replica(vertx1, clock, shared);
        ResponseCache two = replica(vertx2, clock, shared);
        Partition p = partition("team-a", "gpt");
        one.put(shared, p, "k1", answer("old", clock.millis - 5_000), 60_000, 1 << 20);
        await().atMost(Duration.ofSeconds(5)).until(() -> keys("tollgate:ns/gw:cache:x:*").size() == 1);
        assertThat(get(two.get(shared, p, "k1", 1_000))).isNull();
        assertThat(get(two.get(shared, p, "k1", 5_000))).isNotNull();
    }

    @Test
    void aPurgeReachesRedisAndTheOtherReplica() throws Exception {
        ResponseCache one = replica(vertx1, clock, shared);
        ResponseCache two = replica(vertx2, clock, shared);
        Partition aGpt = partition("team-a", "gpt");
        Partition aClaude = partition("team-a", "claude");
        Partition bGpt = partition("team-b", "gpt");
        Partition aGlob = partition("team-a", "gpt*"); // a group name with a glob character
        List<Partition> all = List.of(aGpt, aClaude, bGpt, aGlob);
        for (Partition p : all) {
            one.put(shared, p, "k", answer(p.group(), clock.millis), 60_000, 1 << 20);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> keys("tollgate:ns/gw:cache:x:*").size() == 4);
        for (Partition p : all) {
            assertThat(get(two.get(shared, p, "k", -1))).as(p.group()).isNotNull(); // two holds them in memory now
        }
        clock.advance(1);

        // one namespace's one group: counted once though it was in one's memory and in Redis
        assertThat(get(one.purge(shared, "team-a", "gpt"))).isEqualTo(1);
        assertThat(keys("tollgate:ns/gw:cache:x:*")).hasSize(3);
        assertThat(get(two.get(shared, aGpt, "k", -1))).isNotNull(); // until two reads the marks
        get(two.poll());
        assertThat(get(two.get(shared, aGpt, "k", -1))).isNull();
        assertThat(get(two.get(shared, aGlob, "k", -1))).isNotNull();
        assertThat(get(two.get(shared, aClaude, "k", -1))).isNotNull();
        assertThat(get(two.get(shared, bGpt, "k", -1))).isNotNull();

        // an answer two stores after the purge survives the marks
        clock.advance(1);
        two.put(shared, aGpt, "k", answer("after", clock.millis), 60_000, 1 << 20);
        get(two.poll());
        assertThat(get(two.get(shared, aGpt, "k", -1))).isNotNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> keys("tollgate:ns/gw:cache:x:*").size() == 4);
        clock.advance(1);

        // a group in every namespace, the group name with a glob character matching only itself
        assertThat(get(one.purge(shared, null, "gpt*"))).isEqualTo(1);
        assertThat(keys("tollgate:ns/gw:cache:x:*")).hasSize(3);
        get(two.poll());
        assertThat(get(two.get(shared, aGlob, "k", -1))).isNull();
        assertThat(get(two.get(shared, aGpt, "k", -1))).isNotNull();
        clock.advance(1);

        // one namespace, every group
        assertThat(get(two.purge(shared, "team-a", null))).isEqualTo(2);
        get(one.poll());
        assertThat(get(one.get(shared, aClaude, "k", -1))).isNull();
        assertThat(get(one.get(shared, bGpt, "k", -1))).isNotNull();
        clock.advance(1);

        // everything
        assertThat(get(one.purge(shared, null, null))).isEqualTo(1);
        assertThat(keys("tollgate:ns/gw:cache:x:*")).isEmpty();
        get(two.poll());
        assertThat(two.entries()).isZero();
        assertThat(one.entries()).isZero();
        assertThat(keys("tollgate:ns/gw:cache:purge")).hasSize(1);
        long marksTtl = get(inspect.pttl("tollgate:ns/gw:cache:purge")).toLong();
        assertThat(marksTtl).isPositive().isLessThanOrEqualTo(3_600_000 + 60_000).isGreaterThan(3_600_000);
    }

    @Test
    void theMarksAreReadOnlyWhileCachingWithRedisIsConfigured() throws Exception {
        Snapshot none = snapshot(server.url(), 1 << 20); // caching configured, no groups: still polls
        Snapshot noRedis = snapshot(null, 1 << 20, "gpt");
        ResponseCache one = replica(vertx1, clock, shared);
        get(one.purge(shared, "team-a", null));
        ResponseCache local = replica(vertx2, clock, noRedis);
        local.put(noRedis, partition("team-a", "gpt"), "k", answer("x", clock.millis - 1), 60_000, 1 << 20);
        get(local.poll());
        assertThat(local.entries()).isEqualTo(1); // never asked Redis
        ResponseCache polling = replica(vertx2, clock, none);
        polling.put(noRedis, partition("team-a", "gpt"), "k", answer("x", clock.millis - 1), 60_000, 1 << 20);
        get(polling.poll());
        assertThat(polling.entries()).isZero();
    }

    @Test
    void aRedisThatIsDownIsAMiss() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Snapshot down = snapshot("redis://127.0.0.1:" + port, 1 << 20, "gpt");
        ResponseCache one = replica(vertx1, clock, down);
        Partition p = partition("team-a", "gpt");
        assertThat(get(one.get(down, p, "k", -1))).isNull();
        assertThat(one.put(down, p, "k", answer("x", clock.millis), 60_000, 1 << 20)).isTrue();
        assertThat(get(one.get(down, p, "k", -1))).isNotNull(); // memory still serves
        get(one.poll()); // never fails
        Throwable failed = null;
        try {
            get(one.purge(down, "team-a", null));
        } catch (ExecutionException e) {
            failed = e.getCause();
        }
        assertThat(failed).isInstanceOf(ResponseCache.PurgeFailed.class);
        assertThat(((ResponseCache.PurgeFailed) failed).local()).isEqualTo(1);
        assertThat(failed.getMessage()).contains("removed 1 cache entries from this replica").doesNotContain("redis://");
        assertThat(one.entries()).isZero();
    }

    @Test
    void aRedisThatDoesNotAnswerIsAMissAfterTheBoundedWait() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            List<Socket> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // accepts, reads nothing, answers nothing
                    }
                } catch (Exception closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            Snapshot mute = snapshot("redis://127.0.0.1:" + silent.getLocalPort(), 1 << 20, "gpt");
            ResponseCache one = replica(vertx1, clock, mute);
            long t0 = System.nanoTime();
            assertThat(get(one.get(mute, partition("team-a", "gpt"), "k", -1))).isNull();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(tookMillis).isGreaterThanOrEqualTo(ResponseCache.REDIS_TIMEOUT_MILLIS - 5).isLessThan(2_000);
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
