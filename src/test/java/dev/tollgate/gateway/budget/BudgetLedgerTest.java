package dev.tollgate.gateway.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.RedisServer;
import dev.tollgate.gateway.budget.BudgetLedger.Charge;
import dev.tollgate.gateway.limits.SharedStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The same contract for the in-memory ledger and the Redis one (three replicas over one real Redis). */
class BudgetLedgerTest {
    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    abstract static class Contract {
        /** A ledger per replica; all share one state. */
        abstract BudgetLedger replica(int i);

        @Test
        void reservationsAreAllOrNothingAndSettleToTheRealCost() throws Exception {
            Charge team = new Charge("ns/team", 0, 1_000_000, 600_000);
            Charge key = new Charge("ns/key", 0, 5_000_000, 600_000);
            assertThat(await(replica(0).reserve(List.of(team, key))).granted()).isTrue();
            var second = await(replica(1).reserve(List.of(key, team)));
            assertThat(second.refused()).isEqualTo(team);
            assertThat(second.balances().get(0).reservedMicros()).as("nothing reserved on the key's budget either")
                    .isEqualTo(600_000);

            await(replica(2).settle(List.of(team, key), 150_000)); // the answer cost less than its maximum
            assertThat(await(replica(0).spent("ns/team", 0))).isEqualTo(150_000);
            assertThat(await(replica(1).reserve(List.of(team))).granted()).as("150k spent + 600k fits in 1M").isTrue();
        }

        @Test
        void aChargeWithNothingReservedSettlesItsCost() throws Exception {
            // what the semantic cache's embedding call does: no reservation beforehand, the cost charged after
            Charge unreserved = new Charge("ns/embedding", 0, 1_000_000, 0);
            await(replica(0).settle(List.of(unreserved), 42_000));
            assertThat(await(replica(1).spent("ns/embedding", 0))).isEqualTo(42_000);
            await(replica(2).settle(List.of(unreserved), 0)); // a free call settles too, changing nothing
            assertThat(await(replica(0).spent("ns/embedding", 0))).isEqualTo(42_000);
        }

        @Test
        void periodsAreSeparate() throws Exception {
            Charge may = new Charge("ns/monthly", 1000, 100, 100);
            Charge june = new Charge("ns/monthly", 2000, 100, 100);
            assertThat(await(replica(0).reserve(List.of(may))).granted()).isTrue();
            await(replica(0).settle(List.of(may), 100));
            assertThat(await(replica(1).reserve(List.of(may))).granted()).isFalse();
            assertThat(await(replica(1).reserve(List.of(june))).granted()).as("a new period starts at zero").isTrue();
        }

        @Test
        void twoHundredConcurrentRequestsNeverOvershoot() throws Exception {
            long limit = 10 * 1_000; // covers ten requests at their maximum of 1,000 micros
            List<Future<BudgetLedger.Reservation>> all = new ArrayList<>();
            List<Charge> charges = List.of(new Charge("ns/exact", 0, limit, 1_000));
            for (int i = 0; i < 200; i++) {
                all.add(replica(i % 3).reserve(charges));
            }
            int granted = 0;
            for (var f : all) {
                if (await(f).granted()) {
                    granted++;
                }
            }
            assertThat(granted).isEqualTo(10);
            for (int i = 0; i < granted; i++) {
                await(replica(i % 3).settle(charges, 700)); // each really cost 700
            }
            assertThat(await(replica(0).spent("ns/exact", 0))).isEqualTo(7_000).isLessThanOrEqualTo(limit);
            assertThat(await(replica(1).reserve(charges)).granted()).as("7,000 + 1,000 <= 10,000").isTrue();
        }
    }

    @Nested
    class InMemory extends Contract {
        final BudgetLedger ledger = new InMemoryBudgetLedger();

        @Override
        BudgetLedger replica(int i) {
            return ledger;
        }
    }

    static RedisServer redis;
    static final List<Vertx> vertxes = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
        for (int i = 0; i < 3; i++) {
            vertxes.add(Vertx.vertx());
        }
    }

    @AfterAll
    static void stopRedis() {
        vertxes.forEach(Vertx::close);
        redis.close();
    }

    @Nested
    class OnRedis extends Contract {
        final String prefix = "t" + System.nanoTime() + ":";
        final List<BudgetLedger> replicas = new ArrayList<>();

        OnRedis() {
            for (Vertx v : vertxes) {
                replicas.add(new RedisBudgetLedger(new SharedStore(v).redis(redis.url(), null), prefix));
            }
        }

        @Override
        BudgetLedger replica(int i) {
            return replicas.get(i);
        }
    }
}
