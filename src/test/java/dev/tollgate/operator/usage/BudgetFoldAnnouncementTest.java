package dev.tollgate.operator.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.UsageShare;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.SpendSeed;
import dev.tollgate.operator.gateway.GatewaySpendConfigMapDependent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

/**
 * A deleted pod's spend on a Budget, folded into the Budget's status, leaves the spend handed back to the gateway's
 * pods ({@code <gw>-spend}) as one sum: the fold's announcement starts a gateway reconcile, which may run at once on
 * another thread and still read the Budget's status from before the fold (the write is made when the Budget's
 * reconcile returns). What that reconcile computes is what the pods get until the next change: it must no longer
 * list the gone process's part. (SpendSeedWriteBackTest failed on CI this way: the announcement came before the
 * scraper let go of the deleted pod's report, the reconcile it started still found the gone process live, and
 * nothing announced the fold again.)
 */
class BudgetFoldAnnouncementTest {
    static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    static final String TODAY = "2026-11-24T00:00:00Z";
    static final String BUDGET = "spend/b";
    static final GatewayConfig CONFIG = new GatewayConfig(GatewayConfig.SCHEMA, "spend/gw",
            new GatewayConfig.Settings(4000, 1_000, null), List.of(), List.of(),
            List.of(new GatewayConfig.Budget(BUDGET, 1_000_000, "daily", "UTC", 80, List.of())));

    /** A gateway process's usage report (the wire format the scraper reads) with its spend on the budget today. */
    static String report(String incarnation, long spendMicros) {
        long start = Instant.parse(TODAY).toEpochMilli();
        return """
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"%s","startedAt":"2026-11-24T00:00:00Z","config":"cfg",
                 "keys":{"spend/k":{"requests":1,"errors":0,"inputTokens":1,"outputTokens":1,"spendMicros":%d,
                                    "rpm":1,"tpm":2,"rateLimited":0,"budgets":{"spend/b@%d":%d}}},
                 "models":{"spend/m":{"requests":1,"errors":0,"inputTokens":1,"outputTokens":1,"spendMicros":%d,"rpm":1,"tpm":2}},
                 "budgets":{"spend/b@%d":{"budget":"spend/b","periodStart":"%s","spendMicros":%d}}}
                """.formatted(incarnation, spendMicros, start, spendMicros, spendMicros, start, TODAY, spendMicros);
    }

    /** The seed a gateway reconcile computes now, from the Budget's status as its informer cache holds it. */
    static SpendSeed seed(UsageScraper scraper, Usage budgetStatus, BiPredicate<String, UsageShare> ended) {
        return GatewaySpendConfigMapDependent.seed(CONFIG, id -> BUDGET.equals(id) ? budgetStatus : null,
                (id, start) -> scraper.settle("budgets", id, scraper.budgetShares(id, start)).live(), ended, NOW);
    }

    @Test
    void theReconcileAFoldStartsNoLongerHandsTheGoneProcesssPartBackEvenFromTheOlderStatus() {
        UsageScraper scraper = new UsageScraper(null, null, 0, 60_000);
        scraper.served().put("spend", "gw", null, Set.of("spend/k"), Set.of("spend/m"), Set.of(BUDGET));
        scraper.accept("uid-a", "gw-a", "spend", "gw", report("inc-a", 300_000));
        scraper.accept("uid-b", "gw-b", "spend", "gw", report("inc-b", 200_000));
        // pod a's process is over once its pod is gone (the pod informer's answer, UsageScraper.ended)
        BiPredicate<String, UsageShare> ended = (inc, share) -> inc.equals("inc-a");
        BiPredicate<String, UsageShare> noneEnded = (inc, share) -> false;
        Usage before = UsageMerge.merge(null, scraper.budgetShares(BUDGET, TODAY), noneEnded, TODAY, null, null);
        assertThat(before.getShares()).containsOnlyKeys("inc-a", "inc-b");
        assertThat(seed(scraper, before, noneEnded).budgets().get(0).incarnations())
                .isEqualTo(Map.of("inc-a", 300_000L, "inc-b", 200_000L));

        scraper.deleted("uid-a");
        // the Budget's reconcile folds the gone process's final figures into its status, as BudgetReconciler does
        UsageScraper.Settled settled = scraper.settle("budgets", BUDGET, scraper.budgetShares(BUDGET, TODAY));
        assertThat(settled.finals()).containsExactly("inc-a");
        Usage folded = UsageMerge.merge(before, settled.live(), settled.finals(), ended, TODAY, null, null);
        assertThat(folded.getShares()).containsOnlyKeys("inc-b");
        assertThat(folded.getPeriodSpend()).isEqualTo("0.50");

        // the gateway reconcile the announcement starts, run at once (as on another thread that gets the CPU first)
        List<SpendSeed> seen = new ArrayList<>();
        scraper.onChange("budgets", id -> {
            seen.add(seed(scraper, before, ended)); // the informer cache still holds the status from before the fold
            seen.add(seed(scraper, folded, ended)); // ... or already the folded one
        });
        scraper.folded("budgets", BUDGET, settled.foldedIn(folded));

        assertThat(seen).as("the fold is announced").hasSize(2).allSatisfy(s -> assertThat(s.budgets()).singleElement()
                .satisfies(slot -> {
                    assertThat(slot.spendMicros()).as("the gone process's spend stays counted, once").isEqualTo(500_000);
                    assertThat(slot.incarnations()).as("only the live process has a part of its own")
                            .isEqualTo(Map.of("inc-b", 200_000L));
                }));
    }
}
