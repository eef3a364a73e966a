package dev.tollgate.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Comparator;
import java.util.Objects;

/**
 * One deployment's health over every gateway process that serves it, from their usage reports
 * ({@link UsageReport.Health}), as a pure function: what the operator writes into the LlmModel's {@code status.health}
 * and standalone's status view shows.
 *
 * <ul>
 *   <li>the worst state wins: CoolingDown over Probing over Healthy (a state this reader does not know ranks just
 *       above Healthy), with the reason of a replica in that state;</li>
 *   <li>the latest {@code coolingDownUntil} of the replicas cooling down, rounded up to the second (never earlier
 *       than a replica's own);</li>
 *   <li>requests, failures and cooldowns are summed; the error rate is failures ÷ requests of the last minute;</li>
 *   <li>latency and time to first token are the mean of the replicas that know one, weighted by each replica's
 *       requests in the last minute (a plain mean when none of them had any).</li>
 * </ul>
 * The result depends only on the set of reports, not on their order, so re-reading the same reports writes nothing.
 */
public final class HealthMerge {
    private HealthMerge() {}

    /**
     * The merged health.
     *
     * @param state            the worst state of the replicas
     * @param coolingDownUntil RFC 3339 (whole seconds), when {@code state} is CoolingDown; else null
     * @param requests         upstream calls in the last minute, over every replica
     * @param failures         of those, failed at the provider
     * @param latencyMillis    request-weighted mean of the replicas' moving averages, null when none knows one
     * @param ttftMillis       the same for a stream's time to first token
     * @param cooldowns        cooldowns started by the replicas running now, since each started
     * @param reason           why it is cooling down (or probing): the reason of a replica in {@code state}; null when
     *                         Healthy
     * @param replicas         processes whose reports were merged
     */
    public record Merged(String state, String coolingDownUntil, long requests, long failures, Long latencyMillis,
            Long ttftMillis, long cooldowns, String reason, int replicas) {

        /** failures ÷ requests as a decimal string (at most 3 decimals, e.g. "0.05", "1", "0"), null without requests. */
        public String errorRate() {
            return HealthMerge.errorRate(failures, requests);
        }
    }

    /** The merge of these replicas' health; null when there is none. */
    public static Merged merge(Collection<UsageReport.Health> replicas) {
        if (replicas == null || replicas.stream().noneMatch(Objects::nonNull)) {
            return null;
        }
        UsageReport.Health worst = null;
        long requests = 0;
        long failures = 0;
        long cooldowns = 0;
        int count = 0;
        Instant until = null;
        Comparator<UsageReport.Health> badness = Comparator.<UsageReport.Health>comparingInt(h -> rank(h.state()))
                .thenComparing(h -> h.coolingDownUntil() == null ? Instant.MIN : parse(h.coolingDownUntil()),
                        Comparator.nullsFirst(Comparator.naturalOrder()))
                // then the same reason whatever the order of the reports
                .thenComparing(UsageReport.Health::reason, Comparator.nullsFirst(Comparator.<String>reverseOrder()));
        for (UsageReport.Health h : replicas) {
            if (h == null) {
                continue;
            }
            count++;
            requests += Math.max(0, h.requests());
            failures += Math.max(0, h.failures());
            cooldowns += Math.max(0, h.cooldowns());
            if (worst == null || badness.compare(h, worst) > 0) {
                worst = h;
            }
            if (UsageReport.Health.COOLING_DOWN.equals(h.state()) && h.coolingDownUntil() != null) {
                Instant t = parse(h.coolingDownUntil());
                if (t != null && (until == null || t.isAfter(until))) {
                    until = t;
                }
            }
        }
        boolean cooling = UsageReport.Health.COOLING_DOWN.equals(worst.state());
        return new Merged(worst.state(), cooling && until != null ? ceilSeconds(until).toString() : null, requests, failures,
                weighted(replicas, true), weighted(replicas, false), cooldowns,
                UsageReport.Health.HEALTHY.equals(worst.state()) ? null : worst.reason(), count);
    }

    /** failures ÷ requests, at most 3 decimals, trailing zeros dropped; null when there were no requests. */
    public static String errorRate(long failures, long requests) {
        if (requests <= 0) {
            return null;
        }
        return BigDecimal.valueOf(Math.min(failures, requests)).divide(BigDecimal.valueOf(requests), 3, RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString();
    }

    /** How bad a state is: CoolingDown 3, Probing 2, one this reader does not know 1, Healthy 0. */
    static int rank(String state) {
        if (state == null || UsageReport.Health.HEALTHY.equals(state)) {
            return 0;
        }
        if (UsageReport.Health.COOLING_DOWN.equals(state)) {
            return 3;
        }
        return UsageReport.Health.PROBING.equals(state) ? 2 : 1;
    }

    private static Long weighted(Collection<UsageReport.Health> replicas, boolean latency) {
        long weight = 0;
        long sum = 0; // millis x requests: a minute's requests times a latency in millis stays far from overflow
        long plain = 0;
        int known = 0;
        for (UsageReport.Health h : replicas) {
            Long v = h == null ? null : latency ? h.latencyMillis() : h.ttftMillis();
            if (v == null || v < 0) {
                continue;
            }
            known++;
            plain += v;
            long w = Math.max(0, h.requests());
            weight += w;
            sum += v * w;
        }
        if (known == 0) {
            return null;
        }
        return weight > 0 ? Math.round((double) sum / weight) : Math.round((double) plain / known);
    }

    private static Instant ceilSeconds(Instant t) {
        Instant s = t.truncatedTo(ChronoUnit.SECONDS);
        return s.equals(t) ? s : s.plusSeconds(1);
    }

    private static Instant parse(String rfc3339) {
        try {
            return java.time.OffsetDateTime.parse(rfc3339).toInstant();
        } catch (RuntimeException e) {
            return null; // a report's bad time is no reason to lose the rest of its health
        }
    }
}
