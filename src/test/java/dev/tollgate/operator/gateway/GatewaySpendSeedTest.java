package dev.tollgate.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.UsageShare;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.SpendSeed;
import dev.tollgate.operator.usage.UsageMerge;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

/** The seed a gateway's pods start from: the period spend the Budget's status shows, with each live process's part. */
class GatewaySpendSeedTest {
    static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    static final String TODAY = "2026-11-24T00:00:00Z";
    static final String YESTERDAY = "2026-11-23T00:00:00Z";
    static final GatewayConfig CONFIG = new GatewayConfig(GatewayConfig.SCHEMA, "ai/llm",
            new GatewayConfig.Settings(4000, 10_000, null), List.of(), List.of(), List.of(
                    new GatewayConfig.Budget("team/b", 100_000, "daily", "UTC", 80, List.of()),
                    new GatewayConfig.Budget("team/quiet", 100_000, "daily", "UTC", 80, List.of())));

    static UsageShare share(String pod, String periodStart, String periodSpend) {
        UsageShare s = new UsageShare();
        s.setPod(pod);
        s.setSpend(periodSpend);
        s.setPeriodStart(periodStart);
        s.setPeriodSpend(periodSpend);
        return s;
    }

    /** Budget team/b's status: 0.010 of finished processes today, process a's 0.004, and yesterday's process. */
    static Usage status() {
        UsageShare folded = share(null, TODAY, "0.010");
        Usage u = new Usage();
        u.setFolded(folded);
        u.setShares(new HashMap<>(Map.of("inc-a", share("pod-a", TODAY, "0.004"), "inc-old", share("pod-old", YESTERDAY, "0.050"))));
        u.setPeriodSpend("0.014");
        return u;
    }

    /** The latest reports: process a has spent 0.006 by now, process b (a new replica) 0.002. */
    static Map<String, UsageShare> live(String budget, String start) {
        assertThat(start).as("the current period of %s", budget).isEqualTo(TODAY);
        return budget.equals("team/b") ? Map.of("inc-a", share("pod-a", TODAY, "0.006"), "inc-b", share("pod-b", TODAY, "0.002"))
                : Map.of();
    }

    @Test
    void holdsTheFigureTheBudgetStatusShowsAndEachLiveProcesssPart() {
        BiPredicate<String, UsageShare> ended = (inc, share) -> inc.equals("inc-old");
        SpendSeed seed = GatewaySpendConfigMapDependent.seed(CONFIG, id -> id.equals("team/b") ? status() : null,
                GatewaySpendSeedTest::live, ended, NOW);
        assertThat(seed.gateway()).isEqualTo("ai/llm");
        assertThat(seed.budgets()).as("a budget with no spend this period needs no seed").singleElement().satisfies(s -> {
            assertThat(s.budget()).isEqualTo("team/b");
            assertThat(s.periodStart()).isEqualTo(TODAY);
            assertThat(s.periodEnd()).isEqualTo("2026-11-25T00:00:00Z");
            assertThat(s.spendMicros()).as("0.010 folded + 0.006 + 0.002; yesterday's 0.050 does not count").isEqualTo(18_000);
            assertThat(s.incarnations()).containsExactlyInAnyOrderEntriesOf(Map.of("inc-a", 6_000L, "inc-b", 2_000L));
        });
        Usage shown = UsageMerge.merge(status(), live("team/b", TODAY), ended, TODAY, null, null);
        assertThat(shown.getPeriodSpend()).as("the Budget status shows the same").isEqualTo("0.018");
        // process b's pod starts from what the others spent; a brand-new process from all of it
        assertThat(seed.budgets().get(0).spentByOthers("inc-b")).isEqualTo(16_000);
        assertThat(seed.budgets().get(0).spentByOthers("inc-new")).isEqualTo(18_000);
    }

    @Test
    void aDeletedPodsShareStaysCounted() {
        // pod a is gone: its process no longer reports, and its share (0.004 in status) is over
        BiPredicate<String, UsageShare> ended = (inc, share) -> inc.equals("inc-old") || inc.equals("inc-a");
        SpendSeed seed = GatewaySpendConfigMapDependent.seed(CONFIG, id -> id.equals("team/b") ? status() : null,
                (id, start) -> id.equals("team/b") ? Map.of("inc-b", share("pod-b", TODAY, "0.002")) : Map.of(), ended, NOW);
        assertThat(seed.budgets()).singleElement().satisfies(s -> {
            assertThat(s.spendMicros()).as("0.010 + a's 0.004 (folded now) + b's 0.002").isEqualTo(16_000);
            assertThat(s.incarnations()).containsExactly(Map.entry("inc-b", 2_000L));
        });
    }

    @Test
    void aNewPeriodStartsFromZero() {
        SpendSeed seed = GatewaySpendConfigMapDependent.seed(CONFIG, id -> status(), (id, start) -> Map.of(),
                (inc, share) -> false, Instant.parse("2026-11-25T00:00:01Z"));
        assertThat(seed.budgets()).as("nothing spent yet on the 25th").isEmpty();
    }
}
