package dev.tollgate.operator.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An alert as the generic webhook's JSON document, POSTed with {@code Content-Type: application/json}:
 * <pre>
 * {"schema": "tollgate.dev/alert/v1", "event": "BudgetExceeded", "severity": "critical",
 *  "resource": "Budget/team-a/monthly", "gateway": "ai-platform/llm", "summary": "...",
 *  "details": {"limit": "100.00", ...}, "at": "2026-12-05T10:00:00Z", "id": "BudgetExceeded/team-a/monthly/2026-12-01T00:00:00Z"}
 * </pre>
 * {@code id} is the event's identity: a receiver that deduplicates can key on it (Tollgate itself sends each identity
 * once). Fields are only added within the schema. Any 2xx is success; 408, 429 and 5xx are retried, any other answer
 * is final.
 */
public final class WebhookMessage {
    public static final String SCHEMA = "tollgate.dev/alert/v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private WebhookMessage() {}

    public static String body(AlertEvent e) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema", SCHEMA);
        root.put("event", e.event());
        root.put("severity", e.severity());
        root.put("resource", e.resource());
        root.put("gateway", e.gateway());
        root.put("summary", e.summary());
        ObjectNode details = root.putObject("details");
        e.details().forEach(details::put);
        root.put("at", e.at().toString());
        root.put("id", e.identity());
        return root.toString();
    }

    public static boolean retryable(int status) {
        return status == 408 || status == 429 || status >= 500;
    }
}
