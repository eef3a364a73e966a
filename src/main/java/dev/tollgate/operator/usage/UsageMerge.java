package dev.tollgate.operator.usage;

import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.UsageShare;
import dev.tollgate.config.Money;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiPredicate;

/**
 * Exactly-once usage in status, as a pure function. Each gateway process (incarnation) reports cumulative
 * figures; status keeps each running incarnation's latest figures as a value ({@code shares}), so merging the
 * same report twice, or again after an operator restart, changes nothing. An incarnation that has ended is moved
 * into {@code folded} in the same status write that removes it, so it is added exactly once. The displayed
 * figures are folded + the sum of shares.
 */
public final class UsageMerge {
    private UsageMerge() {}

    /**
     * @param existing  the usage in the resource's status now (null when none)
     * @param live      the latest figures of the incarnations reporting this resource now, by incarnation id
     * @param ended     whether an incarnation (id, pod uid) that did not report is over for good: only then is it
     *                  folded. Unknown is not over: after an operator restart nothing is folded until the pod was
     *                  seen again
     * @param periodStart the current budget period (RFC 3339), or null when the resource has none; period spend
     *                  of other periods does not count
     * @param rpm       requests per minute in use now, summed over the live incarnations (null: not reported)
     */
    public static Usage merge(Usage existing, Map<String, UsageShare> live, BiPredicate<String, String> ended,
            String periodStart, Long rpm, Long tpm) {
        Map<String, UsageShare> shares = new TreeMap<>();
        if (existing != null && existing.getShares() != null) {
            shares.putAll(existing.getShares());
        }
        UsageShare folded = existing == null || existing.getFolded() == null ? new UsageShare() : copy(existing.getFolded());
        shares.putAll(live);
        for (var it = shares.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!live.containsKey(e.getKey()) && ended.test(e.getKey(), e.getValue().getPod())) {
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
        u.setRpm(rpm);
        u.setTpm(tpm);
        u.setShares(shares.isEmpty() ? null : shares);
        u.setFolded(isEmpty(folded) ? null : folded);
        return u;
    }

    /** Adds one incarnation's figures into a running sum (period spend only when it is of {@code periodStart}). */
    static void add(UsageShare sum, UsageShare s, String periodStart) {
        sum.setPod(null);
        sum.setRequests(plus(sum.getRequests(), s.getRequests()));
        sum.setErrors(plus(sum.getErrors(), s.getErrors()));
        sum.setInputTokens(plus(sum.getInputTokens(), s.getInputTokens()));
        sum.setOutputTokens(plus(sum.getOutputTokens(), s.getOutputTokens()));
        sum.setSpend(money(sum.getSpend(), s.getSpend()));
        if (periodStart != null && periodStart.equals(s.getPeriodStart())) {
            String base = periodStart.equals(sum.getPeriodStart()) ? sum.getPeriodSpend() : null;
            sum.setPeriodStart(periodStart);
            sum.setPeriodSpend(money(base, s.getPeriodSpend()));
        }
        if (s.getLastUsedAt() != null && (sum.getLastUsedAt() == null || s.getLastUsedAt().compareTo(sum.getLastUsedAt()) > 0)) {
            sum.setLastUsedAt(s.getLastUsedAt());
        }
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
        c.setPeriodStart(s.getPeriodStart());
        c.setPeriodSpend(s.getPeriodSpend());
        c.setLastUsedAt(s.getLastUsedAt());
        return c;
    }
}
