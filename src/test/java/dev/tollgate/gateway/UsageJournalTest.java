package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.RedisServer;
import dev.tollgate.gateway.limits.SharedStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The usage journal on a real Redis: a gateway process that dies without a graceful stop (its recorder dropped,
 * its heartbeat no longer refreshed) leaves its exact cumulative figures in Redis, and every other incarnation's
 * report carries them as an orphan until the retention passes.
 */
class UsageJournalTest {
    static RedisServer server;
    static Vertx vertx;
    static RedisAPI redis;

    @BeforeAll
    static void start() {
        server = RedisServer.start();
        vertx = Vertx.vertx();
        redis = new SharedStore(vertx).redis(server.url(), null);
    }

    @AfterAll
    static void stop() {
        vertx.close();
        server.close();
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** The report as the operator receives it: its JSON, once written. */
    static JsonNode json(Future<dev.tollgate.config.UsageReport> f) throws Exception {
        return tree(await(f));
    }

    static JsonNode tree(dev.tollgate.config.UsageReport r) {
        return Json.parse(r.toJson());
    }

    static UsageRecorder recorder(String prefix, long aliveTtl, long retention) {
        return new UsageRecorder(Clock.systemUTC(), inc -> new UsageJournal(redis, prefix, inc, aliveTtl, retention));
    }

    @Test
    void aCrashedIncarnationsExactFiguresAppearInAnotherIncarnationsReport() throws Exception {
        String prefix = "tollgate:crash/gw:";
        UsageRecorder crashed = recorder(prefix, 600, 60_000);
        await(crashed.heartbeat(null));
        // concurrent requests, every journal write in flight at once (the pool runs them in any order)
        long spend = 0;
        long input = 0;
        List<Future<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long in = ThreadLocalRandom.current().nextLong(1, 500);
            long cost = ThreadLocalRandom.current().nextLong(1, 10_000);
            spend += cost;
            input += in;
            writes.add(crashed.record(null, "team/k", "team/m", i % 10 == 0 ? 502 : 200, in, 7L, cost,
                    List.of("team/b@1767225600000"), false, false));
        }
        await(Future.all(writes));
        JsonNode own = tree(crashed.report("v1"));
        // the process dies here: no graceful stop, no more heartbeats

        UsageRecorder survivor = recorder(prefix, 600, 60_000);
        await(survivor.heartbeat(null));
        JsonNode early = json(survivor.reportWithJournal(null));
        assertThat(early.path("journal").path("incarnations")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder(crashed.incarnation(), survivor.incarnation());
        assertThat(early.path("journal").path("orphans").has(crashed.incarnation()))
                .as("its heartbeat has not expired yet: not an orphan").isFalse();

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode orphan;
        do {
            Thread.sleep(100);
            orphan = json(survivor.reportWithJournal(null)).path("journal").path("orphans").path(crashed.incarnation());
        } while (orphan.isMissingNode() && System.nanoTime() < deadline);

        JsonNode key = orphan.path("keys").path("team/k");
        assertThat(key.path("requests").asLong()).isEqualTo(200);
        assertThat(key.path("errors").asLong()).isEqualTo(20);
        assertThat(key.path("inputTokens").asLong()).isEqualTo(input);
        assertThat(key.path("outputTokens").asLong()).isEqualTo(1400);
        assertThat(key.path("spendMicros").asLong()).isEqualTo(spend);
        assertThat(key.path("budgets").path("team/b@1767225600000").asLong()).isEqualTo(spend);
        assertThat(orphan.path("models").path("team/m").path("spendMicros").asLong()).isEqualTo(spend);
        assertThat(orphan.path("budgets").path("team/b@1767225600000").path("spendMicros").asLong()).isEqualTo(spend);
        assertThat(orphan.path("budgets").path("team/b@1767225600000").path("periodStart").asText())
                .isEqualTo("2026-01-01T00:00:00Z");
        // the same figures the process itself reported while it lived: one value either way
        for (String f : List.of("requests", "errors", "inputTokens", "outputTokens", "spendMicros", "lastUsedAt", "budgets")) {
            assertThat(key.path(f)).as(f).isEqualTo(own.path("keys").path("team/k").path(f));
        }
        assertThat(orphan.path("startedAt").asText()).isEqualTo(own.path("startedAt").asText());
        assertThat(json(survivor.reportWithJournal(null)).path("journal").path("orphans").has(survivor.incarnation()))
                .as("a live incarnation reports itself, never as an orphan").isFalse();
    }

    @Test
    void aFailedOrLostWriteIsRepairedByTheHeartbeatAndOldValuesNeverWin() throws Exception {
        String prefix = "tollgate:repair/gw:";
        UsageRecorder r = recorder(prefix, 60_000, 60_000);
        r.record(null, "ns/k", "ns/m", 200, 10L, 20L, 1_000, List.of(), false, false); // not awaited: may land late
        UsageJournal j = new UsageJournal(redis, prefix, r.incarnation(), 60_000, 60_000);
        // a stale write arriving after newer ones (another connection of the pool) does not lower anything
        await(j.write(Map.of("k|ns/k|req", 0L, "k|ns/k|spend", 0L)));
        for (int i = 0; i < 4; i++) {
            await(r.record(null, "ns/k", "ns/m", 200, 10L, 20L, 1_000, List.of(), false, false));
        }
        assertThat(await(redis.hget(prefix + "usage:" + r.incarnation(), "k|ns/k|spend")).toLong()).isEqualTo(5_000);
        // a write that never reached Redis: the counter there is behind until the heartbeat rewrites all of them
        await(redis.hdel(List.of(prefix + "usage:" + r.incarnation(), "k|ns/k|spend")));
        await(r.heartbeat(null));
        Map<String, Long> stored = new java.util.HashMap<>();
        var all = await(redis.hgetall(prefix + "usage:" + r.incarnation()));
        for (String f : all.getKeys()) {
            stored.put(f, all.get(f).toLong());
        }
        assertThat(stored).containsEntry("k|ns/k|req", 5L).containsEntry("k|ns/k|spend", 5_000L)
                .containsEntry("m|ns/m|in", 50L).containsEntry("m|ns/m|out", 100L);
    }

    @Test
    void anOrphanIsDroppedAfterTheRetentionAndThenListedNoMore() throws Exception {
        String prefix = "tollgate:retention/gw:";
        UsageRecorder crashed = recorder(prefix, 300, 700);
        await(crashed.heartbeat(null));
        await(crashed.record(null, "ns/k", "ns/m", 200, 1L, 1L, 5, List.of(), false, false));
        UsageRecorder survivor = recorder(prefix, 60_000, 60_000);
        await(survivor.heartbeat(null));
        Thread.sleep(500);
        JsonNode r = json(survivor.reportWithJournal(null));
        assertThat(r.path("journal").path("orphans").path(crashed.incarnation()).path("keys").path("ns/k")
                .path("requests").asLong()).isEqualTo(1);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        do {
            Thread.sleep(100);
            r = json(survivor.reportWithJournal(null));
        } while (r.path("journal").path("incarnations").toString().contains(crashed.incarnation()) && System.nanoTime() < deadline);
        assertThat(r.path("journal").path("incarnations")).extracting(JsonNode::asText).containsExactly(survivor.incarnation());
        assertThat(r.path("journal").path("orphans").size()).isZero();
        assertThat(await(redis.sismember(prefix + "usage:incarnations", crashed.incarnation())).toBoolean())
                .as("pruned from the set").isFalse();
    }

    @Test
    void withoutRedisTheReportHasNoJournal() throws Exception {
        UsageRecorder r = new UsageRecorder();
        r.record(null, "ns/k", "ns/m", 200, 1L, 1L, 5, List.of(), false, false);
        assertThat(json(r.reportWithJournal(null)).has("journal")).isFalse();
    }
}
