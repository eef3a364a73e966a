package dev.tollgate.gateway.chargeback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.RedisServer;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.limits.SharedStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ChargebackLedgerTest {
    static final GatewayConfig.Key ALICE = key("team-a/alice", Map.of("team", "search"));
    static final GatewayConfig.Key BOB = key("team-b/bob", Map.of("team", "ads"));

    static GatewayConfig.Key key(String id, Map<String, String> attributes) {
        return new GatewayConfig.Key(id, List.of(), List.of(), null, null, null, null, false, attributes);
    }

    static Snapshot snapshot(String redisUrl, GatewayConfig.Key... keys) {
        return new Snapshot(new GatewayConfig(GatewayConfig.SCHEMA, "ns/gw", new GatewayConfig.Settings(4000, 10_000, redisUrl),
                List.of(), List.of(keys), List.of()), new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(), Map.of(), null), "v1");
    }

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        volatile Instant now = Instant.parse("2026-03-14T23:59:59Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static ChargebackExport.Result export(ChargebackLedger ledger, String from, String to, String groupBy) throws Exception {
        var q = ChargebackExport.parse(Map.of("from", from, "to", to, "groupBy", groupBy, "period", "day"), null,
                LocalDate.parse(to));
        ChargebackLedger.Figures f = await(ledger.figures(q.from(), q.to()));
        return ChargebackExport.build(q, f.entries(), id -> f.attributes().getOrDefault(id, Map.of()));
    }

    @Test
    void countsByDayKeyModelAndTagsWithSupersededAttemptsAddingSpendButNoRequest() throws Exception {
        TestClock clock = new TestClock();
        ChargebackLedger ledger = new ChargebackLedger(clock);
        Snapshot s = snapshot(null, ALICE, BOB);
        ledger.count(s, ALICE, "gpt", List.of("prod"), true, 10, 20, 1_000);
        ledger.count(s, ALICE, "gpt", List.of("prod"), false, 3, 0, 30); // a superseded attempt
        ledger.count(s, ALICE, "gpt", List.of(), true, 1, 1, 5);
        ledger.count(s, BOB, "claude", List.of("prod", "x"), true, 0, 0, 0); // refused: a request, no spend
        ledger.count(s, BOB, "claude", List.of(), false, 0, 0, 0); // nothing at all: no row
        clock.now = clock.now.plusSeconds(2); // the next UTC day
        ledger.count(s, BOB, "claude", List.of(), true, 7, 8, 900);

        var byKeyAndTag = export(ledger, "2026-03-14", "2026-03-15", "key,model,tag");
        assertThat(byKeyAndTag.rows()).containsExactly(
                new ChargebackExport.Row("2026-03-14", List.of("team-a/alice", "gpt", ChargebackExport.UNTAGGED), 1, 1, 1, 5),
                new ChargebackExport.Row("2026-03-14", List.of("team-a/alice", "gpt", "prod"), 1, 13, 20, 1_030),
                new ChargebackExport.Row("2026-03-14", List.of("team-b/bob", "claude", "prod"), 1, 0, 0, 0),
                new ChargebackExport.Row("2026-03-14", List.of("team-b/bob", "claude", "x"), 1, 0, 0, 0),
                new ChargebackExport.Row("2026-03-15", List.of("team-b/bob", "claude", ChargebackExport.UNTAGGED), 1, 7, 8, 900));
        assertThat(byKeyAndTag.requests()).isEqualTo(4);
        assertThat(byKeyAndTag.spendMicros()).isEqualTo(1_935);
    }

    @Test
    void tenThousandClientChosenTagSetsKeepTheDaysRowsAtTheCapAndSpendStillReconcilesPerKey() throws Exception {
        TestClock clock = new TestClock();
        clock.now = Instant.parse("2026-03-14T10:00:00Z");
        ChargebackLedger ledger = new ChargebackLedger(clock);
        ledger.maxRowsPerDay(100);
        Snapshot s = snapshot(null, ALICE, BOB);
        long alice = 0;
        long bob = 0;
        for (int i = 0; i < 10_000; i++) {
            boolean a = i % 2 == 0;
            ledger.count(s, a ? ALICE : BOB, "gpt", List.of("t" + i), true, 1, 2, 3 + i % 5);
            if (a) {
                alice += 3 + i % 5;
            } else {
                bob += 3 + i % 5;
            }
        }
        ledger.count(s, ALICE, "claude", List.of(), true, 1, 1, 1_000); // an untagged row past the cap is still its own
        alice += 1_000;
        assertThat(ledger.rowCount()).as("the cap, the two keys' (other) rows and the untagged one").isEqualTo(103);
        var byKey = export(ledger, "2026-03-14", "2026-03-14", "key,model");
        assertThat(byKey.rows()).extracting(ChargebackExport.Row::dimensions, ChargebackExport.Row::spendMicros).containsExactly(
                org.assertj.core.groups.Tuple.tuple(List.of("team-a/alice", "claude"), 1_000L),
                org.assertj.core.groups.Tuple.tuple(List.of("team-a/alice", "gpt"), alice - 1_000),
                org.assertj.core.groups.Tuple.tuple(List.of("team-b/bob", "gpt"), bob));
        assertThat(byKey.requests()).isEqualTo(10_001);
        var byTag = export(ledger, "2026-03-14", "2026-03-14", "tag");
        assertThat(byTag.spendMicros()).isEqualTo(alice + bob);
        assertThat(byTag.rows()).hasSize(100 + 2).extracting(r -> r.dimensions().get(0))
                .contains(ChargebackExport.OTHER, ChargebackExport.UNTAGGED).doesNotContain("t9999");
        assertThat(byTag.rows().stream().mapToLong(ChargebackExport.Row::requests).sum()).isEqualTo(10_001);
        // a new day has its own room
        clock.now = Instant.parse("2026-03-15T10:00:00Z");
        ledger.count(s, BOB, "gpt", List.of("fresh"), true, 1, 1, 1);
        assertThat(export(ledger, "2026-03-15", "2026-03-15", "tag").rows()).extracting(r -> r.dimensions().get(0))
                .containsExactly("fresh");
    }

    @Test
    void aDeletedKeysRowsKeepItsAttributesAndAServedKeyShowsItsCurrentOnes() throws Exception {
        ChargebackLedger ledger = new ChargebackLedger(Clock.systemUTC());
        ledger.count(snapshot(null, ALICE, BOB), ALICE, "gpt", List.of(), true, 1, 1, 100);
        ledger.count(snapshot(null, ALICE, BOB), BOB, "gpt", List.of(), true, 1, 1, 200);
        // the next config: alice deleted, bob moved to another team
        GatewayConfig.Key bobMoved = key("team-b/bob", Map.of("team", "growth"));
        Snapshot next = snapshot(null, bobMoved);
        ledger.count(next, bobMoved, "gpt", List.of(), true, 1, 1, 300);
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        var r = export(ledger, today, today, "attribute:team");
        assertThat(r.rows()).extracting(ChargebackExport.Row::dimensions, ChargebackExport.Row::spendMicros).containsExactly(
                org.assertj.core.groups.Tuple.tuple(List.of("growth"), 500L),
                org.assertj.core.groups.Tuple.tuple(List.of("search"), 100L));
    }

    @Test
    void daysBeyondTheRetentionAreDropped() throws Exception {
        TestClock clock = new TestClock();
        ChargebackLedger ledger = new ChargebackLedger(clock, 2, s -> null, null);
        Snapshot s = snapshot(null, ALICE);
        ledger.count(s, ALICE, "gpt", List.of(), true, 1, 1, 1); // 2026-03-14
        clock.now = Instant.parse("2026-03-15T12:00:00Z");
        ledger.count(s, ALICE, "gpt", List.of(), true, 1, 1, 2);
        await(ledger.flush());
        assertThat(export(ledger, "2026-03-01", "2026-03-15", "").requests()).as("two days kept").isEqualTo(2);
        clock.now = Instant.parse("2026-03-16T00:00:01Z");
        await(ledger.flush());
        var r = export(ledger, "2026-03-01", "2026-03-16", "");
        assertThat(r.rows()).containsExactly(new ChargebackExport.Row("2026-03-15", List.of(), 1, 1, 1, 2));
        assertThat(ledger.toJson("run")).doesNotContain("2026-03-14");
    }

    @Test
    void aStandaloneRunsSavedRowsAreInALaterRunsExport() throws Exception {
        Path dir = Files.createTempDirectory("chargeback-state");
        Snapshot s = snapshot(null, BOB);
        ChargebackLedger first = new ChargebackLedger(Clock.systemUTC());
        first.count(s, ALICE, "gpt", List.of("prod"), true, 4, 5, 600); // alice: deleted before the second run
        first.save(dir, "run-1");
        ChargebackLedger second = new ChargebackLedger(Clock.systemUTC());
        assertThat(second.loadEarlier(dir, "run-2")).isEqualTo(1);
        second.count(s, BOB, "gpt", List.of(), true, 1, 1, 50);
        second.save(dir, "run-2");
        assertThat(second.loadEarlier(dir, "run-2")).as("its own file is not an earlier run").isEqualTo(1);
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        var r = export(second, today, today, "attribute:team,tag");
        assertThat(r.rows()).containsExactly(
                new ChargebackExport.Row(today, List.of("ads", ChargebackExport.UNTAGGED), 1, 1, 1, 50),
                new ChargebackExport.Row(today, List.of("search", "prod"), 1, 4, 5, 600));
        assertThat(r.spendMicros()).isEqualTo(650);
    }

    @Test
    void twoReplicasShareRedisAndAFailedFlushKeepsItsIncrements() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (RedisServer redis = RedisServer.start()) {
            SharedStore store = new SharedStore(vertx);
            Snapshot s = snapshot(redis.url(), ALICE, BOB);
            AtomicReference<RedisAPI> client = new AtomicReference<>(store.redis(redis.url(), null));
            ChargebackLedger one = new ChargebackLedger(Clock.systemUTC(), 400, x -> client.get(), null);
            ChargebackLedger two = new ChargebackLedger(Clock.systemUTC(), 400, x -> store.redis(redis.url(), null), null);
            one.count(s, ALICE, "gpt", List.of("prod"), true, 10, 20, 1_000);
            two.count(s, ALICE, "gpt", List.of("prod"), true, 1, 2, 3);
            two.count(s, BOB, "claude", List.of(), true, 5, 5, 50);
            await(two.flush());
            String today = LocalDate.now(ZoneOffset.UTC).toString();
            // one has not flushed: its export is Redis (two's figures) plus its own unflushed increments
            var fromOne = export(one, today, today, "key,model,tag,attribute:team");
            assertThat(fromOne.rows()).containsExactly(
                    new ChargebackExport.Row(today, List.of("team-a/alice", "gpt", "prod", "search"), 2, 11, 22, 1_003),
                    new ChargebackExport.Row(today, List.of("team-b/bob", "claude", ChargebackExport.UNTAGGED, "ads"), 1, 5, 5, 50));
            // a flush that fails (Redis unreachable for one) keeps its increments: the next one sends them
            client.set(store.redis("redis://127.0.0.1:1", null));
            assertThat(one.flush().toCompletionStage().toCompletableFuture().handle((v, t) -> t).get(30, TimeUnit.SECONDS))
                    .as("the flush failed").isNotNull();
            client.set(store.redis(redis.url(), null));
            one.count(s, ALICE, "gpt", List.of("prod"), true, 100, 0, 10_000);
            await(one.flush());
            await(one.flush()); // nothing new: sends nothing twice
            var fromTwo = export(two, today, today, "key");
            assertThat(fromTwo.rows()).containsExactly(
                    new ChargebackExport.Row(today, List.of("team-a/alice"), 3, 111, 22, 11_003),
                    new ChargebackExport.Row(today, List.of("team-b/bob"), 1, 5, 5, 50));
            // what Redis holds: day-bucketed hashes with a retention expiry, attributes remembered by key id
            RedisAPI api = store.redis(redis.url(), null);
            String hash = "tollgate:ns/gw:chargeback:" + today;
            assertThat(await(api.hget(hash, "team-a/alice|gpt|prod|spend")).toLong()).isEqualTo(11_003);
            assertThat(await(api.ttl(List.of(hash).get(0))).toLong()).isBetween(400 * 86_400L - 60, 400 * 86_400L);
            assertThat(await(api.hget("tollgate:ns/gw:chargeback:attributes", "team-b/bob")).toString())
                    .isEqualTo("{\"team\":\"ads\"}");
            // a third replica that served nothing (and whose config no longer has bob) still shows his attributes
            ChargebackLedger three = new ChargebackLedger(Clock.systemUTC(), 400, x -> store.redis(redis.url(), null), null);
            three.count(snapshot(redis.url(), ALICE), ALICE, "gpt", List.of(), false, 0, 0, 0); // learns the snapshot only
            var fromThree = export(three, today, today, "attribute:team");
            assertThat(fromThree.rows()).extracting(ChargebackExport.Row::dimensions, ChargebackExport.Row::spendMicros)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(List.of("ads"), 50L),
                            org.assertj.core.groups.Tuple.tuple(List.of("search"), 11_003L));
        } finally {
            vertx.close();
        }
    }

    @Test
    void aRedisThatNeverAnswersFailsEachFlushWithinTheTimeoutAndOldDaysArePrunedAllTheSame() throws Exception {
        Vertx vertx = Vertx.vertx();
        List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
                RedisServer redis = RedisServer.start()) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accepts, never answers
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            }, "silent-redis");
            acceptor.setDaemon(true);
            acceptor.start();
            SharedStore store = new SharedStore(vertx);
            TestClock clock = new TestClock();
            clock.now = Instant.parse("2026-03-14T10:00:00Z");
            AtomicReference<RedisAPI> client = new AtomicReference<>(
                    store.redis("redis://127.0.0.1:" + silent.getLocalPort(), null));
            ChargebackLedger ledger = new ChargebackLedger(clock, 2, x -> client.get(), null);
            ledger.redisTimeoutMillis(300);
            Snapshot s = snapshot(redis.url(), ALICE);
            ledger.count(s, ALICE, "gpt", List.of(), true, 1, 2, 100);
            assertThat(failure(ledger.flush())).as("the flush gave up").isNotNull();
            ledger.count(s, ALICE, "gpt", List.of(), true, 1, 2, 20);
            assertThat(failure(ledger.flush())).as("the next flush ran (not skipped behind a hung one) and gave up").isNotNull();
            LocalDate day = LocalDate.parse("2026-03-14");
            assertThat(failure(ledger.figures(day, day))).as("an export gives up too (a 503)").isNotNull();
            // two days later the 14th is beyond the two days' retention: dropped from memory though no flush worked
            clock.now = Instant.parse("2026-03-16T10:00:00Z");
            ledger.count(s, ALICE, "gpt", List.of(), true, 1, 1, 5);
            assertThat(ledger.rowCount()).isEqualTo(2);
            assertThat(failure(ledger.flush())).isNotNull();
            assertThat(ledger.rowCount()).as("the 14th pruned after a failed flush").isEqualTo(1);
            // Redis answers again: the batch it never confirmed arrives, once, then the rest of the days still kept
            client.set(store.redis(redis.url(), null));
            await(ledger.flush());
            RedisAPI api = store.redis(redis.url(), null);
            assertThat(await(api.hget("tollgate:ns/gw:chargeback:2026-03-14", "team-a/alice|gpt||spend")).toLong())
                    .as("the first batch; the 14th's later 20 went with the day, beyond the retention").isEqualTo(100);
            assertThat(await(api.hget("tollgate:ns/gw:chargeback:2026-03-16", "team-a/alice|gpt||spend")).toLong()).isEqualTo(5);
        } finally {
            for (java.net.Socket socket : held) {
                socket.close();
            }
            vertx.close();
        }
    }

    @Test
    void aFlushThatTimedOutButDidArriveIsNotCountedTwiceWhenSentAgain() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (RedisServer redis = RedisServer.start()) {
            SharedStore store = new SharedStore(vertx);
            RedisAPI api = store.redis(redis.url(), null);
            ChargebackLedger ledger = new ChargebackLedger(Clock.systemUTC(), 400, x -> store.redis(redis.url(), null), null);
            ledger.redisTimeoutMillis(300);
            Snapshot s = snapshot(redis.url(), ALICE);
            ledger.count(s, ALICE, "gpt", List.of("prod"), true, 10, 20, 1_000);
            await(api.client(List.of("PAUSE", "1500", "ALL"))); // Redis holds every command for 1.5 s, then runs them
            assertThat(failure(ledger.flush())).as("timed out while Redis was paused").isNotNull();
            ledger.count(s, ALICE, "gpt", List.of("prod"), true, 1, 2, 3);
            Thread.sleep(2_500); // the paused flush has run by now: Redis holds its figures
            await(ledger.flush()); // sends that batch again (skipped: Redis took it), then the new request
            await(ledger.flush());
            String today = LocalDate.now(ZoneOffset.UTC).toString();
            assertThat(await(api.hget("tollgate:ns/gw:chargeback:" + today, "team-a/alice|gpt|prod|spend")).toLong())
                    .as("the timed-out batch counted once").isEqualTo(1_003);
            assertThat(await(api.hget("tollgate:ns/gw:chargeback:" + today, "team-a/alice|gpt|prod|req")).toLong()).isEqualTo(2);
            var r = export(ledger, today, today, "key");
            assertThat(r.spendMicros()).isEqualTo(1_003);
        } finally {
            vertx.close();
        }
    }

    static Throwable failure(Future<?> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().handle((v, t) -> t).get(10, TimeUnit.SECONDS);
    }
}
