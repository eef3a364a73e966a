package dev.tollgate.gateway.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.GatewayConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BudgetChargesTest {
    static final GatewayConfig.Budget DAILY_BERLIN = new GatewayConfig.Budget("ns/daily", 1_000, "daily", "Europe/Berlin", 80,
            List.of(), "2026-01-01T00:00:00Z");
    static final GatewayConfig.Budget GPT_ONLY = new GatewayConfig.Budget("ns/gpt", 5_000, "monthly", "UTC", 80,
            List.of("gpt-4o"), null);
    static final GatewayConfig.Budget ROLLING = new GatewayConfig.Budget("ns/rolling", 5_000, "12h", "UTC", 80,
            List.of(), "2026-11-24T03:00:00Z");
    static final Map<String, GatewayConfig.Budget> ALL = Map.of(DAILY_BERLIN.id(), DAILY_BERLIN, GPT_ONLY.id(), GPT_ONLY,
            ROLLING.id(), ROLLING);
    static final GatewayConfig.Key KEY = new GatewayConfig.Key("ns/k", List.of(),
            List.of("ns/daily", "ns/gpt", "ns/rolling", "ns/gone"), null, null, null, null, false, null);

    static List<BudgetLedger.Charge> at(String instant, String model) {
        return BudgetCharges.of(KEY, model, id -> Optional.ofNullable(ALL.get(id)), 600, Instant.parse(instant));
    }

    @Test
    void chargesEveryBudgetThatCountsTheModelInItsCurrentPeriod() {
        List<BudgetLedger.Charge> c = at("2026-11-24T12:00:00Z", "claude");
        assertThat(c).extracting(BudgetLedger.Charge::budgetId).containsExactly("ns/daily", "ns/rolling");
        assertThat(c.get(0).periodStartMillis()).isEqualTo(Instant.parse("2026-11-23T23:00:00Z").toEpochMilli());
        assertThat(c.get(1).periodStartMillis()).as("12h windows from 03:00").isEqualTo(Instant.parse("2026-11-24T03:00:00Z").toEpochMilli());
        assertThat(at("2026-11-24T12:00:00Z", "gpt-4o")).extracting(BudgetLedger.Charge::budgetId)
                .containsExactly("ns/daily", "ns/gpt", "ns/rolling");
    }

    @Test
    void aRequestsTagBudgetsAreChargedLikeItsKeysWithTheModelFilter() {
        GatewayConfig.Budget tagged = new GatewayConfig.Budget("platform/search", 9_000, "daily", "UTC", 80,
                List.of("gpt-4o"), null, List.of("feature:search"), null, null, null, null);
        Map<String, GatewayConfig.Budget> all = Map.of(DAILY_BERLIN.id(), DAILY_BERLIN, tagged.id(), tagged);
        Instant now = Instant.parse("2026-11-24T12:00:00Z");
        List<String> ids = List.of("ns/daily", "platform/search");
        assertThat(BudgetCharges.of(ids, "gpt-4o", id -> Optional.ofNullable(all.get(id)), 600, now, BudgetCharges::window))
                .extracting(BudgetLedger.Charge::budgetId, BudgetLedger.Charge::limitMicros, BudgetLedger.Charge::amountMicros)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ns/daily", 1_000L, 600L),
                        org.assertj.core.groups.Tuple.tuple("platform/search", 9_000L, 600L));
        assertThat(BudgetCharges.of(ids, "claude", id -> Optional.ofNullable(all.get(id)), 600, now, BudgetCharges::window))
                .as("the tag budget counts gpt-4o only").extracting(BudgetLedger.Charge::budgetId).containsExactly("ns/daily");
    }

    @Test
    void spendResetsAtTheBoundaryInTheBudgetsTimeZone() throws Exception {
        InMemoryBudgetLedger ledger = new InMemoryBudgetLedger();
        // 22:59:59Z is 23:59:59 in Berlin: the last second of the day
        List<BudgetLedger.Charge> before = at("2026-11-24T22:59:59Z", "claude").subList(0, 1);
        assertThat(ledger.reserve(before).toCompletionStage().toCompletableFuture().get(1, TimeUnit.SECONDS).granted()).isTrue();
        ledger.settle(before, 600);
        assertThat(ledger.reserve(before).toCompletionStage().toCompletableFuture().get(1, TimeUnit.SECONDS).granted())
                .as("600 spent + 600 > 1000").isFalse();
        List<BudgetLedger.Charge> after = at("2026-11-24T23:00:00Z", "claude").subList(0, 1);
        assertThat(after.get(0).periodStartMillis()).isNotEqualTo(before.get(0).periodStartMillis());
        assertThat(ledger.reserve(after).toCompletionStage().toCompletableFuture().get(1, TimeUnit.SECONDS).granted())
                .as("midnight in Berlin: a new day, a new budget").isTrue();
    }

    @Test
    void cachedWindowsAgreeWithFreshOnesAcrossPeriodBoundaries() {
        var cached = new BudgetCharges.CachedWindows();
        // minute steps across two Berlin midnights (one in winter time), and across 12h rolling boundaries
        Instant t = Instant.parse("2026-11-24T21:30:00Z");
        for (int i = 0; i < 3 * 24 * 60; i += 7) {
            Instant now = t.plusSeconds(60L * i);
            for (GatewayConfig.Budget b : List.of(DAILY_BERLIN, GPT_ONLY, ROLLING)) {
                assertThat(cached.current(b, now)).as("%s at %s", b.id(), now).isEqualTo(BudgetCharges.window(b, now));
            }
        }
        // a re-rendered budget (a new record with the same id, another period) is not served the old window
        var weekly = new GatewayConfig.Budget("ns/daily", 1_000, "weekly", "Europe/Berlin", 80, List.of(), null);
        Instant now = Instant.parse("2026-11-26T12:00:00Z");
        assertThat(cached.current(DAILY_BERLIN, now).start()).isEqualTo(Instant.parse("2026-11-25T23:00:00Z"));
        assertThat(cached.current(weekly, now).start()).isEqualTo(Instant.parse("2026-11-22T23:00:00Z"));
    }
}
