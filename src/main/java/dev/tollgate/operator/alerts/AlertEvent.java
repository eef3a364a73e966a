package dev.tollgate.operator.alerts;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One alert: an event a platform team acts on, as the channels receive it (see {@link SlackMessage} and
 * {@link WebhookMessage}). Never carries a secret: ids, figures and reasons only.
 *
 * @param event     the event's name, one of {@code AlertChannelSpec.Event}'s values (e.g. {@value #BUDGET_EXCEEDED})
 * @param severity  {@value #INFO}, {@value #WARNING} or {@value #CRITICAL}
 * @param gateway   the GatewayDeployment ({@code namespace/name}) whose alerts declared it
 * @param resource  what it is about: {@code Kind/namespace/name} (a Budget, an LlmModel, a GatewayDeployment, a Pod),
 *                  or {@code Namespace/<name>} for a daily report
 * @param summary   one line for people
 * @param details   figures and reasons, by name (sorted)
 * @param at        when the operator found it
 * @param identity  what makes it "the same event": sent once per cluster while it is remembered (see {@link AlertLedger})
 * @param keepUntil how long the identity is remembered at least (extended while the event stays active)
 */
public record AlertEvent(String event, String severity, String gateway, String resource, String summary,
        Map<String, String> details, Instant at, String identity, Instant keepUntil) {
    public static final String BUDGET_NEAR_LIMIT = "BudgetNearLimit";
    public static final String BUDGET_EXCEEDED = "BudgetExceeded";
    public static final String DEPLOYMENT_COOLING_DOWN = "DeploymentCoolingDown";
    public static final String ERROR_RATE_HIGH = "ErrorRateHigh";
    public static final String SLOW_REQUESTS = "SlowRequests";
    public static final String HANGING_REQUESTS = "HangingRequests";
    public static final String USAGE_COLLECTION_FAILING = "UsageCollectionFailing";
    public static final String DAILY_SPEND_REPORT = "DailySpendReport";

    public static final String INFO = "info";
    public static final String WARNING = "warning";
    public static final String CRITICAL = "critical";

    public AlertEvent {
        TreeMap<String, String> kept = new TreeMap<>();
        if (details != null) {
            details.forEach((k, v) -> {
                if (v != null) {
                    kept.put(k, v);
                }
            });
        }
        details = java.util.Collections.unmodifiableMap(kept);
    }
}
