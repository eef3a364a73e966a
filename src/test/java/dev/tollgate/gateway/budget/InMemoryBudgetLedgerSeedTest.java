package dev.tollgate.gateway.budget;

import static dev.tollgate.gateway.budget.BudgetLedgerTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.SpendSeed;
import dev.tollgate.gateway.budget.BudgetLedger.Charge;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The in-memory ledger counts other processes' spend from a seed: baseline + own settled spend, own part not twice. */
class InMemoryBudgetLedgerSeedTest {
    static final String TODAY = "2026-11-24T00:00:00Z";
    static final String TOMORROW = "2026-11-25T00:00:00Z";
    static final long TODAY_MILLIS = Instant.parse(TODAY).toEpochMilli();
    static final Instant NOON = Instant.parse("2026-11-24T12:00:00Z");
    static final long LIMIT = 100_000;

    final InMemoryBudgetLedger ledger = new InMemoryBudgetLedger();

    static SpendSeed seed(long total, Map<String, Long> parts) {
        return new SpendSeed("ns/gw", List.of(new SpendSeed.Slot("ns/b", TODAY, TOMORROW, total, parts)));
    }

    static Charge charge(long amount) {
        return new Charge("ns/b", TODAY_MILLIS, LIMIT, amount);
    }

    /** How many requests of {@code max} reserved and {@code cost} settled are admitted before the first refusal. */
    int admitted(long max, long cost) throws Exception {
        int n = 0;
        while (await(ledger.reserve(List.of(charge(max)))).granted()) {
            await(ledger.settle(List.of(charge(max)), cost));
            n++;
        }
        return n;
    }

    @Test
    void aNewProcessStartsFromTheOthersSpend() throws Exception {
        assertThat(ledger.seed(seed(18_000, Map.of("old", 18_000L)), "new", NOON)).isEqualTo(1);
        assertThat(await(ledger.spent("ns/b", TODAY_MILLIS))).isEqualTo(18_000);
        // requests of max 10,000 costing 9,000 fit while spent + 10,000 <= 100,000: from 18,000 that is 9 of them
        // (from zero it would be 11, see withoutASeedNothingChanges)
        assertThat(admitted(10_000, 9_000)).isEqualTo(9);
        var refused = await(ledger.reserve(List.of(charge(10_000))));
        assertThat(refused.granted()).isFalse();
        assertThat(refused.balances().get(0).spentMicros()).as("the refusal message shows the whole spend").isEqualTo(99_000);
    }

    @Test
    void itsOwnPartOfTheSeedIsNotCountedTwice() throws Exception {
        await(ledger.reserve(List.of(charge(10_000))));
        await(ledger.settle(List.of(charge(10_000)), 6_000)); // this process spent 6,000 ...
        // ... which the operator counted: 6,000 of this one + 30,000 of another
        ledger.seed(seed(36_000, Map.of("me", 6_000L, "other", 30_000L)), "me", NOON);
        assertThat(await(ledger.spent("ns/b", TODAY_MILLIS))).isEqualTo(36_000);
        // the seed lags behind this process's own spend: still only the others' part is added
        await(ledger.reserve(List.of(charge(10_000))));
        await(ledger.settle(List.of(charge(10_000)), 4_000));
        assertThat(await(ledger.spent("ns/b", TODAY_MILLIS))).isEqualTo(40_000);
        // a seed that counts more of this process than it knows (never below zero for the others)
        ledger.seed(seed(5_000, Map.of("me", 9_000L)), "me", NOON);
        assertThat(await(ledger.spent("ns/b", TODAY_MILLIS))).isEqualTo(10_000);
    }

    @Test
    void aNewSeedReplacesTheBaselineButNeverLowersOwnSpend() throws Exception {
        ledger.seed(seed(50_000, Map.of("other", 50_000L)), "me", NOON);
        await(ledger.reserve(List.of(charge(1_000))));
        await(ledger.settle(List.of(charge(1_000)), 1_000));
        assertThat(await(ledger.spent("ns/b", TODAY_MILLIS))).isEqualTo(51_000);
        ledger.seed(seed(61_000, Map.of("other", 60_000L, "me", 1_000L)), "me", NOON);
        assertThat(await(ledger.spent("ns/b", TODAY_MILLIS))).isEqualTo(61_000);
        ledger.seed(new SpendSeed("ns/gw", List.of()), "me", NOON); // the budget is gone from the seed
        assertThat(await(ledger.spent("ns/b", TODAY_MILLIS))).as("own spend stays").isEqualTo(1_000);
    }

    @Test
    void aSeedCountsOnlyForItsPeriodAndPastPeriodsAreIgnored() throws Exception {
        long tomorrow = Instant.parse(TOMORROW).toEpochMilli();
        ledger.seed(seed(99_000, Map.of()), "me", NOON);
        assertThat(await(ledger.reserve(List.of(charge(2_000)))).granted()).isFalse();
        Charge next = new Charge("ns/b", tomorrow, LIMIT, 2_000);
        assertThat(await(ledger.reserve(List.of(next)))).as("a new period starts from zero")
                .satisfies(r -> assertThat(r.granted()).isTrue());
        // a seed written yesterday and read after midnight counts for nothing
        assertThat(ledger.seed(seed(99_000, Map.of()), "me", Instant.parse(TOMORROW).plusSeconds(1))).isZero();
        assertThat(await(ledger.spent("ns/b", TODAY_MILLIS))).isZero();
    }

    @Test
    void withoutASeedNothingChanges() throws Exception {
        assertThat(admitted(10_000, 9_000)).isEqualTo(11);
    }
}
