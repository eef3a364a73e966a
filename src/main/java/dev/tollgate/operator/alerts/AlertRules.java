package dev.tollgate.operator.alerts;

import dev.tollgate.api.v1alpha1.AlertErrorRateSpec;
import dev.tollgate.api.v1alpha1.AlertsSpec;
import dev.tollgate.api.v1alpha1.DailyReportSpec;
import dev.tollgate.config.Durations;
import dev.tollgate.config.UsageReport;
import dev.tollgate.operator.usage.UsageScraper;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which alert events are active for one gateway now, as a pure function of what the operator sees: the status of
 * the Budgets it enforces, its deployments' health and error rate, its pods' slow and hanging request figures and the
 * usage reads that failed. Whether an active event is sent is {@link AlertLedger}'s decision (once per identity).
 *
 * <p>The rules:
 * <ul>
 * <li>{@value AlertEvent#BUDGET_NEAR_LIMIT} / {@value AlertEvent#BUDGET_EXCEEDED}: the Budget's {@code NearLimit} /
 * {@code Exceeded} condition is True; identity {@code <event>/<namespace>/<name>/<periodStart>}, so once per budget
 * period each, remembered until the period resets.</li>
 * <li>{@value AlertEvent#DEPLOYMENT_COOLING_DOWN}: the deployment's merged health state is CoolingDown.</li>
 * <li>{@value AlertEvent#ERROR_RATE_HIGH}: over the window, at least {@code minRequests} upstream calls and a share of
 * failures (5xx, timeouts, unreachable) at or over the threshold.</li>
 * <li>{@value AlertEvent#SLOW_REQUESTS} / {@value AlertEvent#HANGING_REQUESTS}: a pod of the gateway counted a slow
 * (hanging) request within the window, or has one hanging now.</li>
 * <li>{@value AlertEvent#USAGE_COLLECTION_FAILING}: a pod's report could not be read {@code usageCollectionFailures}
 * times in a row.</li>
 * </ul>
 * The events that clear (all but the budgets') have the identity {@code <event>/<namespace>/<name>} and are remembered
 * for a window after they were last active: they are sent again only once they were quiet for that long.
 */
public final class AlertRules {
    private AlertRules() {}

    public static final String DEFAULT_THRESHOLD = "0.5";
    public static final int DEFAULT_MIN_REQUESTS = 20;
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
    public static final int DEFAULT_USAGE_FAILURES = 3;
    public static final LocalTime DEFAULT_REPORT_AT = LocalTime.of(9, 0);

    /**
     * A GatewayDeployment's {@code spec.observability.alerts}, defaults applied.
     *
     * @param thresholdMicros the error-rate threshold as a share in millionths (0.5 = 500000): integers, no float
     * @param window          the error-rate window, and how long a cleared event stays remembered
     * @param daily           the daily report, or null when none is declared or it cannot be read
     * @param dailyProblem    why a declared daily report is skipped ({@code at} or {@code timeZone} not readable),
     *                        else null: the other alerts are evaluated all the same
     */
    public record Settings(boolean budgets, boolean cooldowns, String threshold, long thresholdMicros, int minRequests,
            Duration window, boolean slow, boolean hanging, int usageFailures, Daily daily, String dailyProblem) {
        public static Settings of(AlertsSpec a) {
            AlertErrorRateSpec e = a.getErrorRate();
            String threshold = e == null || e.getThreshold() == null ? DEFAULT_THRESHOLD : e.getThreshold();
            DailyReportSpec d = a.getDailyReport();
            return new Settings(!Boolean.FALSE.equals(a.getBudgets()), !Boolean.FALSE.equals(a.getCooldowns()), threshold,
                    new BigDecimal(threshold).movePointRight(6).longValue(),
                    e == null || e.getMinRequests() == null ? DEFAULT_MIN_REQUESTS : e.getMinRequests(),
                    e == null || e.getWindow() == null ? DEFAULT_WINDOW : Durations.parse(e.getWindow()),
                    a.getSlowRequest() != null, a.getHangingRequest() != null,
                    a.getUsageCollectionFailures() == null ? DEFAULT_USAGE_FAILURES : a.getUsageCollectionFailures(),
                    AlertRules.daily(d), d == null ? null : AlertRules.dailyProblem(d));
        }
    }

    private static Daily daily(DailyReportSpec d) {
        return d == null || dailyProblem(d) != null ? null
                : new Daily(d.getAt() == null ? DEFAULT_REPORT_AT : LocalTime.parse(d.getAt()),
                        ZoneId.of(d.getTimeZone() == null ? "UTC" : d.getTimeZone()));
    }

    /** Why a daily report cannot be read (null: it can); see {@link dev.tollgate.config.Observabilities#dailyReportProblem}. */
    public static String dailyProblem(DailyReportSpec d) {
        return dev.tollgate.config.Observabilities.dailyReportProblem(d);
    }

    /** When the daily spend report is sent: at {@code at} in {@code zone}, about the day before. */
    public record Daily(LocalTime at, ZoneId zone) {}

    /** A Budget the gateway enforces, as its status shows it. */
    public record BudgetView(String id, boolean near, boolean exceeded, String periodStart, String resetsAt, String spend,
            String limit, int thresholdPercent, String period) {}

    /**
     * A deployment the gateway serves: its merged health now, and its upstream calls and failures over the window.
     *
     * @param state the merged health state (Healthy, CoolingDown, Probing), null when unknown
     */
    public record ModelView(String id, String state, String coolingDownUntil, String reason, long windowRequests,
            long windowFailures) {}

    /**
     * What the operator sees of one gateway now.
     *
     * @param gateway  namespace/name
     * @param requests each live pod's slow/hanging figures
     * @param failing  the pods whose usage reads failed in a row
     */
    public record Inputs(String gateway, List<BudgetView> budgets, List<ModelView> models,
            List<UsageReport.Requests> requests, List<UsageScraper.Failing> failing, Instant now) {}

    /** The active events of one gateway now. */
    public static List<AlertEvent> evaluate(Settings s, Inputs in) {
        List<AlertEvent> out = new ArrayList<>();
        Instant now = in.now();
        Instant quiet = now.plus(s.window());
        if (s.budgets()) {
            for (BudgetView b : in.budgets()) {
                Instant until = b.resetsAt() == null ? quiet : max(Instant.parse(b.resetsAt()), quiet);
                String ns = ns(b.id());
                String name = name(b.id());
                Map<String, String> d = new LinkedHashMap<>();
                d.put("spend", b.spend());
                d.put("limit", b.limit());
                d.put("thresholdPercent", Integer.toString(b.thresholdPercent()));
                d.put("period", b.period());
                d.put("periodStart", b.periodStart());
                d.put("resetsAt", b.resetsAt());
                if (b.exceeded()) {
                    out.add(new AlertEvent(AlertEvent.BUDGET_EXCEEDED, AlertEvent.CRITICAL, in.gateway(), "Budget/" + b.id(),
                            "Budget " + b.id() + " is exhausted: " + b.spend() + " of " + b.limit() + " USD spent this "
                                    + b.period() + " period; its keys get 429 budget_exceeded until it resets at " + b.resetsAt(),
                            d, now, AlertEvent.BUDGET_EXCEEDED + "/" + ns + "/" + name + "/" + b.periodStart(), until));
                }
                if (b.near()) {
                    out.add(new AlertEvent(AlertEvent.BUDGET_NEAR_LIMIT, AlertEvent.WARNING, in.gateway(), "Budget/" + b.id(),
                            "Budget " + b.id() + " has reached " + b.thresholdPercent() + "% of its limit: " + b.spend()
                                    + " of " + b.limit() + " USD spent this " + b.period() + " period",
                            d, now, AlertEvent.BUDGET_NEAR_LIMIT + "/" + ns + "/" + name + "/" + b.periodStart(), until));
                }
            }
        }
        for (ModelView m : in.models()) {
            if (s.cooldowns() && dev.tollgate.config.UsageReport.Health.COOLING_DOWN.equals(m.state())) {
                Map<String, String> d = new LinkedHashMap<>();
                d.put("coolingDownUntil", m.coolingDownUntil());
                d.put("reason", m.reason());
                out.add(new AlertEvent(AlertEvent.DEPLOYMENT_COOLING_DOWN, AlertEvent.WARNING, in.gateway(),
                        "LlmModel/" + m.id(), "Deployment " + m.id() + " is cooling down (no requests are sent to it)"
                                + (m.reason() == null ? "" : ": " + m.reason())
                                + (m.coolingDownUntil() == null ? "" : ", until " + m.coolingDownUntil()),
                        d, now, AlertEvent.DEPLOYMENT_COOLING_DOWN + "/" + m.id(), quiet));
            }
            if (m.windowRequests() >= s.minRequests() && m.windowRequests() > 0
                    && m.windowFailures() * 1_000_000L >= s.thresholdMicros() * m.windowRequests()) {
                Map<String, String> d = new LinkedHashMap<>();
                d.put("requests", Long.toString(m.windowRequests()));
                d.put("failures", Long.toString(m.windowFailures()));
                d.put("errorRate", dev.tollgate.config.HealthMerge.errorRate(m.windowFailures(), m.windowRequests()));
                d.put("threshold", s.threshold());
                d.put("window", human(s.window()));
                out.add(new AlertEvent(AlertEvent.ERROR_RATE_HIGH, AlertEvent.CRITICAL, in.gateway(), "LlmModel/" + m.id(),
                        "Deployment " + m.id() + ": " + m.windowFailures() + " of " + m.windowRequests()
                                + " upstream calls failed (5xx, timeouts, unreachable) in the last " + human(s.window())
                                + ", at or over the threshold " + s.threshold(),
                        d, now, AlertEvent.ERROR_RATE_HIGH + "/" + m.id(), quiet));
            }
        }
        long windowStart = now.minus(s.window()).toEpochMilli();
        if (s.slow()) {
            long slow = 0;
            Long threshold = null;
            Instant last = null;
            for (UsageReport.Requests r : in.requests()) {
                slow += r.slow();
                threshold = r.slowMillis() != null ? r.slowMillis() : threshold;
                last = latest(last, r.lastSlowAt());
            }
            if (last != null && last.toEpochMilli() > windowStart) {
                Map<String, String> d = new LinkedHashMap<>();
                d.put("slowRequests", Long.toString(slow));
                d.put("slowMillis", threshold == null ? null : threshold.toString());
                d.put("lastSlowAt", last.toString());
                out.add(new AlertEvent(AlertEvent.SLOW_REQUESTS, AlertEvent.WARNING, in.gateway(),
                        "GatewayDeployment/" + in.gateway(), "Gateway " + in.gateway() + " served requests slower than "
                                + threshold + " ms (" + slow + " since its pods started, the last at " + last + ")",
                        d, now, AlertEvent.SLOW_REQUESTS + "/" + in.gateway(), quiet));
            }
        }
        if (s.hanging()) {
            long hanging = 0;
            long hangingNow = 0;
            Long threshold = null;
            Instant last = null;
            for (UsageReport.Requests r : in.requests()) {
                hanging += r.hanging();
                hangingNow += r.hangingNow();
                threshold = r.hangingMillis() != null ? r.hangingMillis() : threshold;
                last = latest(last, r.lastHangingAt());
            }
            if (hangingNow > 0 || last != null && last.toEpochMilli() > windowStart) {
                Map<String, String> d = new LinkedHashMap<>();
                d.put("hangingNow", Long.toString(hangingNow));
                d.put("hangingRequests", Long.toString(hanging));
                d.put("hangingMillis", threshold == null ? null : threshold.toString());
                d.put("lastHangingAt", last == null ? null : last.toString());
                out.add(new AlertEvent(AlertEvent.HANGING_REQUESTS, AlertEvent.CRITICAL, in.gateway(),
                        "GatewayDeployment/" + in.gateway(), "Gateway " + in.gateway() + " has requests in flight for longer "
                                + "than " + threshold + " ms (" + hangingNow + " now, " + hanging + " finished after that long)",
                        d, now, AlertEvent.HANGING_REQUESTS + "/" + in.gateway(), quiet));
            }
        }
        for (UsageScraper.Failing f : in.failing()) {
            if (f.times() >= s.usageFailures()) {
                Map<String, String> d = new LinkedHashMap<>();
                d.put("failures", Integer.toString(f.times()));
                d.put("error", f.error());
                out.add(new AlertEvent(AlertEvent.USAGE_COLLECTION_FAILING, AlertEvent.WARNING, in.gateway(), "Pod/" + f.pod(),
                        "The operator could not read the usage of gateway pod " + f.pod() + " " + f.times()
                                + " times in a row (" + f.error() + "): its spend and usage do not reach status, and budgets "
                                + "may be enforced on stale figures",
                        d, now, AlertEvent.USAGE_COLLECTION_FAILING + "/" + f.pod(), quiet));
            }
        }
        return out;
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    private static Instant latest(Instant a, String at) {
        if (at == null) {
            return a;
        }
        Instant b = Instant.parse(at);
        return a == null || b.isAfter(a) ? b : a;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    static String ns(String id) {
        return id.substring(0, id.indexOf('/'));
    }

    static String name(String id) {
        return id.substring(id.indexOf('/') + 1);
    }
}
