package dev.tollgate.operator.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.UsageShare;
import java.util.Map;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

class UsageMergeTest {
    static final BiPredicate<String, UsageShare> NOTHING_ENDED = (inc, pod) -> false;
    static final String MAY = "2026-05-01T00:00:00Z";
    static final String JUNE = "2026-06-01T00:00:00Z";

    static UsageShare share(String pod, long requests, String spend) {
        UsageShare s = new UsageShare();
        s.setPod(pod);
        s.setRequests(requests);
        s.setErrors(0L);
        s.setInputTokens(requests * 10);
        s.setOutputTokens(requests * 20);
        s.setSpend(spend);
        return s;
    }

    static UsageShare periodShare(String pod, String periodStart, String spend) {
        UsageShare s = share(pod, 1, spend);
        s.setPeriodStart(periodStart);
        s.setPeriodSpend(spend);
        return s;
    }

    @Test
    void mergingTheSameReportAgainChangesNothing() {
        Usage once = UsageMerge.merge(null, Map.of("inc-1", share("pod-a", 5, "0.50")), NOTHING_ENDED, null, 5L, 100L);
        Usage twice = UsageMerge.merge(once, Map.of("inc-1", share("pod-a", 5, "0.50")), NOTHING_ENDED, null, 5L, 100L);
        assertThat(twice.getRequests()).isEqualTo(5);
        assertThat(twice.getTotalSpend()).isEqualTo("0.50");
        assertThat(twice.getShares()).containsOnlyKeys("inc-1");
    }

    @Test
    void anOperatorRestartMidSyncCountsNothingTwice() {
        Usage before = UsageMerge.merge(null, Map.of("inc-1", share("pod-a", 5, "0.50")), NOTHING_ENDED, null, null, null);
        // restarted operator: nothing scraped yet, so nothing is known to have ended: status stays as it was
        Usage afterRestart = UsageMerge.merge(before, Map.of(), NOTHING_ENDED, null, null, null);
        assertThat(afterRestart.getRequests()).isEqualTo(5);
        assertThat(afterRestart.getShares()).containsOnlyKeys("inc-1");
        // its first scrape reports the same process's cumulative figures: a value, not an addition
        Usage next = UsageMerge.merge(afterRestart, Map.of("inc-1", share("pod-a", 7, "0.70")), NOTHING_ENDED, null, null, null);
        assertThat(next.getRequests()).isEqualTo(7);
        assertThat(next.getTotalSpend()).isEqualTo("0.70");
    }

    @Test
    void anEndedIncarnationIsFoldedExactlyOnce() {
        Usage u = UsageMerge.merge(null, Map.of("inc-1", share("pod-a", 10, "1.00")), NOTHING_ENDED, null, null, null);
        BiPredicate<String, UsageShare> inc1Ended = (inc, pod) -> inc.equals("inc-1");
        Usage restarted = UsageMerge.merge(u, Map.of("inc-2", share("pod-a", 3, "0.30")), inc1Ended, null, null, null);
        assertThat(restarted.getRequests()).isEqualTo(13);
        assertThat(restarted.getTotalSpend()).isEqualTo("1.30");
        assertThat(restarted.getShares()).containsOnlyKeys("inc-2");
        assertThat(restarted.getFolded().getRequests()).isEqualTo(10);
        Usage again = UsageMerge.merge(restarted, Map.of("inc-2", share("pod-a", 3, "0.30")), inc1Ended, null, null, null);
        assertThat(again.getRequests()).as("folded once, not on every sync").isEqualTo(13);
        assertThat(again.getTotalSpend()).isEqualTo("1.30");
    }

    @Test
    void replicasAddUpAndLastUseIsTheLatest() {
        UsageShare a = share("pod-a", 5, "0.05");
        a.setLastUsedAt("2026-11-24T10:00:00Z");
        UsageShare b = share("pod-b", 7, "0.07");
        b.setLastUsedAt("2026-11-24T11:00:00Z");
        Usage u = UsageMerge.merge(null, Map.of("inc-a", a, "inc-b", b), NOTHING_ENDED, null, 3L, 40L);
        assertThat(u.getRequests()).isEqualTo(12);
        assertThat(u.getOutputTokens()).isEqualTo(240);
        assertThat(u.getTotalSpend()).isEqualTo("0.12");
        assertThat(u.getLastUsedAt()).isEqualTo("2026-11-24T11:00:00Z");
        assertThat(u.getRpm()).isEqualTo(3);
    }

    @Test
    void periodSpendCountsOnlyTheCurrentPeriodAndResetsAtTheBoundary() {
        Usage may = UsageMerge.merge(null, Map.of("inc-1", periodShare("pod-a", MAY, "4.00")), NOTHING_ENDED, MAY, null, null);
        assertThat(may.getPeriodSpend()).isEqualTo("4.00");
        // inc-1 ends in May and is folded; June begins: its May spend no longer counts
        Usage foldedInMay = UsageMerge.merge(may, Map.of(), (inc, pod) -> true, MAY, null, null);
        assertThat(foldedInMay.getPeriodSpend()).isEqualTo("4.00");
        Usage june = UsageMerge.merge(foldedInMay, Map.of("inc-2", periodShare("pod-a", JUNE, "1.50")), NOTHING_ENDED, JUNE,
                null, null);
        assertThat(june.getPeriodSpend()).isEqualTo("1.50");
        assertThat(june.getTotalSpend()).as("total spend keeps everything").isEqualTo("5.50");
    }

    @Test
    void oneIncarnationReadFromItselfAndFromItsJournalIsOneValueAndNeverGoesDown() {
        Usage u = UsageMerge.merge(null, Map.of("inc-1", share("pod-a", 5, "0.50")), NOTHING_ENDED, null, null, null);
        // the journal, read after a crash, is a request behind the last scrape: status keeps the larger reading
        UsageShare behind = share(null, 4, "0.40");
        behind.setJournal("ns/gw");
        Usage after = UsageMerge.merge(u, Map.of("inc-1", behind), NOTHING_ENDED, null, null, null);
        assertThat(after.getRequests()).isEqualTo(5);
        assertThat(after.getTotalSpend()).isEqualTo("0.50");
        assertThat(after.getShares().get("inc-1").getPod()).as("the pod it ran in is kept").isEqualTo("pod-a");
        assertThat(after.getShares().get("inc-1").getJournal()).isEqualTo("ns/gw");
        // ahead of it (requests served after the last scrape): set to the journal's figures, not added
        UsageShare ahead = share(null, 8, "0.80");
        for (int i = 0; i < 3; i++) {
            after = UsageMerge.merge(after, Map.of("inc-1", ahead), NOTHING_ENDED, null, null, null);
        }
        assertThat(after.getRequests()).isEqualTo(8);
        assertThat(after.getTotalSpend()).isEqualTo("0.80");
    }
}
