package dev.tollgate.operator.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.UsageShare;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.Map;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

/**
 * The cache figures in status follow the other figures' rules: each incarnation's share is a value (merging again
 * counts nothing twice), replicas add up, an ended incarnation is folded exactly once, the larger reading of one
 * incarnation wins; and a resource that never saw a cache figure gets none (its status does not change).
 */
class UsageMergeCacheTest {
    static final BiPredicate<String, UsageShare> NOTHING_ENDED = (inc, s) -> false;

    static UsageShare share(String pod, long requests, long hits, long semantic, String saved, long cachedIn, long cacheWrite) {
        UsageShare s = UsageMergeTest.share(pod, requests, "0.10");
        s.setCacheHits(hits);
        s.setSemanticCacheHits(semantic);
        s.setCacheSavedSpend(saved);
        s.setCachedInputTokens(cachedIn);
        s.setCacheWriteTokens(cacheWrite);
        return s;
    }

    @Test
    void replicasAddUpAndMergingAgainCountsNothingTwice() {
        Map<String, UsageShare> live = Map.of("inc-a", share("pod-a", 10, 4, 1, "0.04", 300, 20),
                "inc-b", share("pod-b", 5, 2, 2, "0.015", 100, 0));
        Usage once = UsageMerge.merge(null, live, NOTHING_ENDED, null, null, null);
        Usage twice = UsageMerge.merge(once, live, NOTHING_ENDED, null, null, null);
        for (Usage u : new Usage[] {once, twice}) {
            assertThat(u.getCacheHits()).isEqualTo(6);
            assertThat(u.getSemanticCacheHits()).isEqualTo(3);
            assertThat(u.getCacheSavedSpend()).isEqualTo("0.055");
            assertThat(u.getCachedInputTokens()).isEqualTo(400);
            assertThat(u.getCacheWriteTokens()).isEqualTo(20);
            assertThat(u.getShares().get("inc-a").getCacheHits()).isEqualTo(4);
        }
        assertThat(Serialization.asJson(twice)).isEqualTo(Serialization.asJson(once));
    }

    @Test
    void anEndedIncarnationsCacheFiguresAreFoldedOnce() {
        Usage u = UsageMerge.merge(null, Map.of("inc-1", share("pod-a", 10, 4, 1, "0.04", 300, 20)), NOTHING_ENDED,
                null, null, null);
        BiPredicate<String, UsageShare> inc1Ended = (inc, s) -> inc.equals("inc-1");
        Usage next = UsageMerge.merge(u, Map.of("inc-2", share("pod-a", 1, 1, 0, "0.01", 0, 0)), inc1Ended, null, null, null);
        Usage again = UsageMerge.merge(next, Map.of("inc-2", share("pod-a", 1, 1, 0, "0.01", 0, 0)), inc1Ended, null, null, null);
        for (Usage x : new Usage[] {next, again}) {
            assertThat(x.getCacheHits()).isEqualTo(5);
            assertThat(x.getSemanticCacheHits()).isEqualTo(1);
            assertThat(x.getCacheSavedSpend()).isEqualTo("0.05");
            assertThat(x.getCachedInputTokens()).isEqualTo(300);
            assertThat(x.getCacheWriteTokens()).isEqualTo(20);
        }
        assertThat(again.getFolded().getCacheHits()).isEqualTo(4);
        assertThat(again.getFolded().getCacheSavedSpend()).isEqualTo("0.04");
    }

    @Test
    void oneIncarnationsLargerReadingWinsFigureByFigure() {
        UsageShare scraped = share("pod-a", 10, 4, 1, "0.04", 300, 20);
        UsageShare journal = share(null, 9, 5, 0, "0.05", 200, 30); // behind on some figures, ahead on others
        journal.setJournal("ns/gw");
        UsageShare m = UsageMerge.latest(scraped, journal);
        assertThat(m.getCacheHits()).isEqualTo(5);
        assertThat(m.getSemanticCacheHits()).isEqualTo(1);
        assertThat(m.getCacheSavedSpend()).isEqualTo("0.05");
        assertThat(m.getCachedInputTokens()).isEqualTo(300);
        assertThat(m.getCacheWriteTokens()).isEqualTo(30);
        assertThat(UsageMerge.latest(journal, scraped).getCacheHits()).isEqualTo(5);
    }

    @Test
    void withoutCacheFiguresStatusIsWhatItWasAndNeedsNoWrite() {
        Usage before = UsageMerge.stamp(null, UsageMerge.merge(null, Map.of("inc-1", UsageMergeTest.share("pod-a", 5, "0.50")),
                NOTHING_ENDED, null, null, null), Instant.parse("2026-12-05T08:00:00Z"));
        assertThat(Serialization.asJson(before)).doesNotContain("cache", "Cache");
        // a share in status written by an older operator (no cache fields) and a report of a newer gateway: the same
        Usage after = UsageMerge.stamp(before, UsageMerge.merge(before, Map.of("inc-1", UsageMergeTest.share("pod-a", 5, "0.50")),
                NOTHING_ENDED, null, null, null), Instant.parse("2026-12-05T09:00:00Z"));
        assertThat(after.getFiguresAt()).as("unchanged figures keep their time: no status write").isEqualTo(before.getFiguresAt());
        assertThat(Serialization.asJson(after)).isEqualTo(Serialization.asJson(before));
        // the first hit adds them
        Usage hit = UsageMerge.merge(after, Map.of("inc-1", share("pod-a", 6, 1, 0, "0.10", 0, 0)), NOTHING_ENDED, null, null, null);
        assertThat(hit.getCacheHits()).isEqualTo(1);
        assertThat(hit.getCacheSavedSpend()).isEqualTo("0.10");
    }
}
