package dev.tollgate.operator.usage;

import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.UsageShare;
import dev.tollgate.config.Money;
import java.util.Map;
import java.util.TreeMap;
import java.time.Instant;
import java.util.function.BiPredicate;

/**
 * Exactly-once usage in status, as a pure function. Each gateway process (incarnation) reports cumulative
 * figures; status keeps each running incarnation's latest figures as a value ({@code shares}), so merging the
 * same report twice, or again after an operator restart, changes nothing. An incarnation that has ended is moved
 * into {@code folded} in the same status write that removes it, so it is added exactly once. The displayed
 * figures are folded + the sum of shares.
 *
 * <p>An incarnation's figures only grow, so a share is replaced by the field-wise maximum of what status holds and
 * what was reported: the same incarnation read from itself and from the Redis journal (as an orphan, after it
 * crashed) is one value either way, and a journal a request or two behind the last scrape never lowers status.
 */
public final class UsageMerge {
    private UsageMerge() {}

    /**
     * @param existing  the usage in the resource's status now (null when none)
     * @param live      the latest figures of the incarnations reporting this resource now, by incarnation id
     * @param ended     whether an incarnation (id, its share in status) that did not report is over for good and
     *                  can never be reported again: only then is it folded. Unknown is not over: after an operator
     *                  restart nothing is folded until the pod was seen again
     * @param periodStart the current budget period (RFC 3339), or null when the resource has none; period spend
     *                  of other periods does not count
     * @param rpm       requests per minute in use now, summed over the live incarnations (null: not reported)
     */
    public static Usage merge(Usage existing, Map<String, UsageShare> live, BiPredicate<String, UsageShare> ended,
            String periodStart, Long rpm, Long tpm) {
        return merge(existing, live, java.util.Set.of(), ended, periodStart, rpm, tpm);
    }

    /**
     * @param finals incarnations among {@code live} whose figures are final (their process is over and this is its
     *               last report): folded at once when {@code ended}, instead of waiting to stop reporting
     */
    public static Usage merge(Usage existing, Map<String, UsageShare> live, java.util.Set<String> finals,
            BiPredicate<String, UsageShare> ended, String periodStart, Long rpm, Long tpm) {
        Map<String, UsageShare> shares = new TreeMap<>();
        if (existing != null && existing.getShares() != null) {
            shares.putAll(existing.getShares());
        }
        UsageShare folded = existing == null || existing.getFolded() == null ? new UsageShare() : copy(existing.getFolded());
        live.forEach((id, s) -> shares.merge(id, s, UsageMerge::latest));
        for (var it = shares.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if ((!live.containsKey(e.getKey()) || finals.contains(e.getKey())) && ended.test(e.getKey(), e.getValue())) {
                add(folded, e.getValue(), periodStart);
                it.remove();
            }
        }
        if (periodStart != null && !periodStart.equals(folded.getPeriodStart())) {
            // a new period: what finished incarnations spent in the old one no longer counts against it
            folded.setPeriodStart(periodStart);
            folded.setPeriodSpend(folded.getPeriodSpend() == null ? null : "0.00");
        }
        UsageShare total = copy(folded);
        shares.values().forEach(s -> add(total, s, periodStart));

        Usage u = new Usage();
        u.setRequests(orZero(total.getRequests()));
        u.setErrors(orZero(total.getErrors()));
        u.setInputTokens(orZero(total.getInputTokens()));
        u.setOutputTokens(orZero(total.getOutputTokens()));
        u.setTotalSpend(total.getSpend() == null ? "0.00" : total.getSpend());
        if (periodStart != null) {
            u.setPeriodSpend(total.getPeriodSpend() == null ? "0.00" : total.getPeriodSpend());
        }
        u.setLastUsedAt(total.getLastUsedAt());
        // the cache figures stay absent until a gateway reported one (no write for resources that never cache)
        u.setCacheHits(total.getCacheHits());
        u.setSemanticCacheHits(total.getSemanticCacheHits());
        u.setCacheSavedSpend(total.getCacheSavedSpend());
        u.setCachedInputTokens(total.getCachedInputTokens());
        u.setCacheWriteTokens(total.getCacheWriteTokens());
        u.setRpm(rpm);
        u.setTpm(tpm);
        u.setShares(shares.isEmpty() ? null : shares);
        u.setFolded(isEmpty(folded) ? null : folded);
        return u;
    }

    /**
     * Sets {@code merged}'s figuresAt: kept from {@code existing} when the figures are the same, else {@code now}
     * (so an unchanged merge stays byte-identical and writes nothing).
     */
    public static Usage stamp(Usage existing, Usage merged, java.time.Instant now) {
        if (merged == null) {
            return null;
        }
        merged.setFiguresAt(existing == null ? null : existing.getFiguresAt());
        if (existing == null || !io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().valueToTree(existing)
                .equals(io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().valueToTree(merged))) {
            merged.setFiguresAt(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        }
        return merged;
    }

    /** Adds one incarnation's figures into a running sum (period spend only when it is of {@code periodStart}). */
    static void add(UsageShare sum, UsageShare s, String periodStart) {
        sum.setPod(null);
        sum.setJournal(null);
        sum.setRequests(plus(sum.getRequests(), s.getRequests()));
        sum.setErrors(plus(sum.getErrors(), s.getErrors()));
        sum.setInputTokens(plus(sum.getInputTokens(), s.getInputTokens()));
        sum.setOutputTokens(plus(sum.getOutputTokens(), s.getOutputTokens()));
        sum.setSpend(money(sum.getSpend(), s.getSpend()));
        sum.setCacheHits(plus(sum.getCacheHits(), s.getCacheHits()));
        sum.setSemanticCacheHits(plus(sum.getSemanticCacheHits(), s.getSemanticCacheHits()));
        sum.setCacheSavedSpend(money(sum.getCacheSavedSpend(), s.getCacheSavedSpend()));
        sum.setCachedInputTokens(plus(sum.getCachedInputTokens(), s.getCachedInputTokens()));
        sum.setCacheWriteTokens(plus(sum.getCacheWriteTokens(), s.getCacheWriteTokens()));
        if (periodStart != null && periodStart.equals(s.getPeriodStart())) {
            String base = periodStart.equals(sum.getPeriodStart()) ? sum.getPeriodSpend() : null;
            sum.setPeriodStart(periodStart);
            sum.setPeriodSpend(money(base, s.getPeriodSpend()));
        }
        if (s.getLastUsedAt() != null && (sum.getLastUsedAt() == null || s.getLastUsedAt().compareTo(sum.getLastUsedAt()) > 0)) {
            sum.setLastUsedAt(s.getLastUsedAt());
        }
    }

    /**
     * One incarnation's figures from two readings (status and a report, or itself and the journal): each counter's
     * larger value, since they only grow. Period spend of the newer reading's period when the periods differ.
     */
    public static UsageShare latest(UsageShare older, UsageShare newer) {
        UsageShare m = copy(newer);
        m.setPod(newer.getPod() != null ? newer.getPod() : older.getPod());
        m.setJournal(newer.getJournal() != null ? newer.getJournal() : older.getJournal());
        m.setRequests(max(older.getRequests(), newer.getRequests()));
        m.setErrors(max(older.getErrors(), newer.getErrors()));
        m.setInputTokens(max(older.getInputTokens(), newer.getInputTokens()));
        m.setOutputTokens(max(older.getOutputTokens(), newer.getOutputTokens()));
        m.setSpend(maxMoney(older.getSpend(), newer.getSpend()));
        m.setCacheHits(max(older.getCacheHits(), newer.getCacheHits()));
        m.setSemanticCacheHits(max(older.getSemanticCacheHits(), newer.getSemanticCacheHits()));
        m.setCacheSavedSpend(maxMoney(older.getCacheSavedSpend(), newer.getCacheSavedSpend()));
        m.setCachedInputTokens(max(older.getCachedInputTokens(), newer.getCachedInputTokens()));
        m.setCacheWriteTokens(max(older.getCacheWriteTokens(), newer.getCacheWriteTokens()));
        if (newer.getPeriodStart() == null || newer.getPeriodStart().equals(older.getPeriodStart())) {
            m.setPeriodStart(older.getPeriodStart());
            m.setPeriodSpend(maxMoney(older.getPeriodSpend(), newer.getPeriodSpend()));
        }
        if (older.getLastUsedAt() != null && (newer.getLastUsedAt() == null
                || Instant.parse(older.getLastUsedAt()).isAfter(Instant.parse(newer.getLastUsedAt())))) {
            m.setLastUsedAt(older.getLastUsedAt());
        }
        return m;
    }

    private static Long max(Long a, Long b) {
        return a == null ? b : b == null ? a : Long.valueOf(Math.max(a, b));
    }

    private static String maxMoney(String a, String b) {
        return a == null ? b : b == null ? a : Money.parseMicros(a) >= Money.parseMicros(b) ? a : b;
    }

    private static String money(String a, String b) {
        if (a == null && b == null) {
            return null;
        }
        return Money.format((a == null ? 0 : Money.parseMicros(a)) + (b == null ? 0 : Money.parseMicros(b)));
    }

    private static Long plus(Long a, Long b) {
        return a == null && b == null ? null : orZero(a) + orZero(b);
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }

    private static boolean isEmpty(UsageShare s) {
        return s.getRequests() == null && s.getSpend() == null && s.getPeriodSpend() == null && s.getLastUsedAt() == null;
    }

    static UsageShare copy(UsageShare s) {
        UsageShare c = new UsageShare();
        c.setPod(s.getPod());
        c.setRequests(s.getRequests());
        c.setErrors(s.getErrors());
        c.setInputTokens(s.getInputTokens());
        c.setOutputTokens(s.getOutputTokens());
        c.setSpend(s.getSpend());
        c.setCacheHits(s.getCacheHits());
        c.setSemanticCacheHits(s.getSemanticCacheHits());
        c.setCacheSavedSpend(s.getCacheSavedSpend());
        c.setCachedInputTokens(s.getCachedInputTokens());
        c.setCacheWriteTokens(s.getCacheWriteTokens());
        c.setPeriodStart(s.getPeriodStart());
        c.setPeriodSpend(s.getPeriodSpend());
        c.setLastUsedAt(s.getLastUsedAt());
        c.setJournal(s.getJournal());
        return c;
    }
}
