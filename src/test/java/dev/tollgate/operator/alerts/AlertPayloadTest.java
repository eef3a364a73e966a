package dev.tollgate.operator.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The channels' payloads, field by field: Slack's incoming-webhook message (https://api.slack.com/messaging/webhooks:
 * {@code text} plus Block Kit {@code blocks}; header block https://docs.slack.dev/reference/block-kit/blocks/header-block,
 * section block https://api.slack.com/reference/block-kit/blocks#section) and the generic webhook's
 * {@code tollgate.dev/alert/v1} document.
 */
class AlertPayloadTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static AlertEvent event(String summary, Map<String, String> details) {
        return new AlertEvent(AlertEvent.BUDGET_EXCEEDED, AlertEvent.CRITICAL, "platform/llm", "Budget/team-a/monthly",
                summary, details, Instant.parse("2026-12-05T10:00:00Z"), "BudgetExceeded/team-a/monthly/2026-12-01T00:00:00Z",
                Instant.parse("2027-01-01T00:00:00Z"));
    }

    @Test
    void slackMessageHasAFallbackTextAndBlocks() throws Exception {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("spend", "100.00");
        d.put("limit", "100.00");
        d.put("note", null); // absent details are left out
        JsonNode m = JSON.readTree(SlackMessage.body(event("Budget team-a/monthly is exhausted <!channel> & more", d)));
        assertThat(m.fieldNames()).toIterable().containsExactly("text", "blocks");
        assertThat(m.get("text").asText()).isEqualTo("[critical] BudgetExceeded: Budget team-a/monthly is exhausted "
                + "&lt;!channel&gt; &amp; more");
        JsonNode blocks = m.get("blocks");
        assertThat(blocks).hasSize(4);
        assertThat(blocks.get(0).get("type").asText()).isEqualTo("header");
        assertThat(blocks.get(0).get("text").get("type").asText()).isEqualTo("plain_text");
        assertThat(blocks.get(0).get("text").get("text").asText()).isEqualTo(":rotating_light: BudgetExceeded: Budget/team-a/monthly");
        assertThat(blocks.get(1).get("type").asText()).isEqualTo("section");
        assertThat(blocks.get(1).get("text").get("type").asText()).isEqualTo("mrkdwn");
        assertThat(blocks.get(1).get("text").get("text").asText())
                .as("a name cannot ping a channel: Slack's control characters are escaped")
                .isEqualTo("Budget team-a/monthly is exhausted &lt;!channel&gt; &amp; more");
        assertThat(blocks.get(2).get("text").get("text").asText()).isEqualTo("*limit*: 100.00\n*spend*: 100.00");
        assertThat(blocks.get(3).get("type").asText()).isEqualTo("context");
        assertThat(blocks.get(3).get("elements").get(0).get("type").asText()).isEqualTo("mrkdwn");
        assertThat(blocks.get(3).get("elements").get(0).get("text").asText())
                .isEqualTo("Tollgate gateway platform/llm · critical · 2026-12-05T10:00:00Z");
    }

    @Test
    void slackLimitsAreKept() throws Exception {
        Map<String, String> d = new LinkedHashMap<>();
        for (int i = 0; i < 2000; i++) {
            d.put("key " + "k".repeat(40) + i, "1234.56");
        }
        AlertEvent e = new AlertEvent(AlertEvent.DAILY_SPEND_REPORT, AlertEvent.INFO, "platform/llm",
                "Namespace/" + "n".repeat(200), "x".repeat(5000), d, Instant.parse("2026-12-05T10:00:00Z"), "id",
                Instant.parse("2026-12-07T10:00:00Z"));
        JsonNode m = JSON.readTree(SlackMessage.body(e));
        assertThat(m.get("blocks").size()).isLessThanOrEqualTo(SlackMessage.BLOCKS_MAX);
        assertThat(m.get("blocks").get(0).get("text").get("text").asText().length()).isLessThanOrEqualTo(SlackMessage.HEADER_MAX);
        m.get("blocks").forEach(b -> {
            if (b.has("text") && "mrkdwn".equals(b.get("text").get("type").asText())) {
                assertThat(b.get("text").get("text").asText().length()).isLessThanOrEqualTo(SlackMessage.SECTION_MAX);
            }
        });
        assertThat(m.get("blocks").get(0).get("text").get("text").asText()).startsWith(":information_source: DailySpendReport");
    }

    @Test
    void slackRetriesOnlyWhatMaySucceedLater() {
        // https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks
        assertThat(SlackMessage.retryable(400)).as("invalid_payload").isFalse();
        assertThat(SlackMessage.retryable(403)).as("action_prohibited").isFalse();
        assertThat(SlackMessage.retryable(404)).as("channel_not_found, no_service").isFalse();
        assertThat(SlackMessage.retryable(410)).as("channel_is_archived").isFalse();
        assertThat(SlackMessage.retryable(429)).as("rate limited").isTrue();
        assertThat(SlackMessage.retryable(500)).as("rollup_error").isTrue();
        assertThat(AlertSender.code("invalid_payload\n")).isEqualTo("invalid_payload");
        assertThat(AlertSender.code("<html>https://hooks.example/x</html>")).doesNotContain("/", ":", "<");
    }

    @Test
    void webhookDocumentFieldByField() throws Exception {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("spend", "100.00");
        d.put("limit", "100.00");
        JsonNode m = JSON.readTree(WebhookMessage.body(event("Budget team-a/monthly is exhausted", d)));
        assertThat(m.fieldNames()).toIterable().containsExactly("schema", "event", "severity", "resource", "gateway",
                "summary", "details", "at", "id");
        assertThat(m.get("schema").asText()).isEqualTo("tollgate.dev/alert/v1");
        assertThat(m.get("event").asText()).isEqualTo("BudgetExceeded");
        assertThat(m.get("severity").asText()).isEqualTo("critical");
        assertThat(m.get("resource").asText()).isEqualTo("Budget/team-a/monthly");
        assertThat(m.get("gateway").asText()).isEqualTo("platform/llm");
        assertThat(m.get("summary").asText()).isEqualTo("Budget team-a/monthly is exhausted");
        assertThat(m.get("details").fieldNames()).toIterable().containsExactly("limit", "spend");
        assertThat(m.get("details").get("spend").asText()).isEqualTo("100.00");
        assertThat(m.get("at").asText()).isEqualTo("2026-12-05T10:00:00Z");
        assertThat(m.get("id").asText()).isEqualTo("BudgetExceeded/team-a/monthly/2026-12-01T00:00:00Z");
        assertThat(WebhookMessage.retryable(503)).isTrue();
        assertThat(WebhookMessage.retryable(408)).isTrue();
        assertThat(WebhookMessage.retryable(422)).isFalse();
    }
}
