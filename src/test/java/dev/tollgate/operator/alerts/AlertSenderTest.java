package dev.tollgate.operator.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sender against a fake Slack that answers as Slack documents: retries, final errors, the metric, a full queue. */
class AlertSenderTest {
    FakeSlack slack;
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AtomicReference<String> url = new AtomicReference<>();
    AlertSender sender;

    @BeforeEach
    void start() throws Exception {
        slack = new FakeSlack();
        url.set(slack.url());
        sender = new AlertSender(2, d -> Optional.ofNullable(url.get()), registry, 3, 10, 50);
    }

    @AfterEach
    void stop() {
        sender.close();
        slack.close();
    }

    static AlertEvent event(String id) {
        return new AlertEvent(AlertEvent.BUDGET_NEAR_LIMIT, AlertEvent.WARNING, "platform/llm", "Budget/team-a/b",
                "Budget team-a/b has reached 80% of its limit", Map.of("spend", "80.00"),
                Instant.parse("2026-12-05T10:00:00Z"), id, Instant.parse("2027-01-01T00:00:00Z"));
    }

    static AlertSender.Delivery delivery(String type, String id) {
        return new AlertSender.Delivery("platform", "ops", type, "slack-webhook", "url", event(id));
    }

    double count(String result) {
        var c = registry.find("tollgate.operator.alerts").tags("event", "BudgetNearLimit", "channel", "ops", "result", result)
                .counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aMessageSlackAcceptsIsSentOnce() {
        assertThat(sender.offer(delivery("slack", "a"))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> count("sent") == 1);
        assertThat(slack.messages).hasSize(1);
        assertThat(slack.messages.get(0).get("text").asText()).startsWith("[warning] BudgetNearLimit: ");
        assertThat(slack.requests.get()).isEqualTo(1);
    }

    @Test
    void aPassingFaultIsRetriedWithBackoff() {
        slack.failNext.set(2); // 500 rollup_error twice, then ok
        sender.offer(delivery("slack", "a"));
        await().atMost(Duration.ofSeconds(10)).until(() -> count("sent") == 1);
        assertThat(slack.requests.get()).isEqualTo(3);
        assertThat(slack.messages).hasSize(1);
        assertThat(count("failed")).isZero();
    }

    @Test
    void aFinalErrorIsNotRetriedAndCountsAsFailed() {
        url.set(slack.base() + "/services/T0/B0/removed"); // 404 no_service
        sender.offer(delivery("slack", "a"));
        await().atMost(Duration.ofSeconds(10)).until(() -> count("failed") == 1);
        assertThat(slack.requests.get()).isEqualTo(1);
        // retries run out
        url.set(slack.url());
        slack.failNext.set(10);
        sender.offer(delivery("slack", "b"));
        await().atMost(Duration.ofSeconds(10)).until(() -> count("failed") == 2);
        assertThat(slack.requests.get()).isEqualTo(1 + 4);
        // no URL (Secret missing): failed, nothing sent
        url.set(null);
        sender.offer(delivery("slack", "c"));
        await().atMost(Duration.ofSeconds(10)).until(() -> count("failed") == 3);
        assertThat(slack.requests.get()).isEqualTo(5);
    }

    @Test
    void withAnOwnerWhatMaySucceedLaterIsHandedBackToBeTriedAgain() {
        sender.close();
        java.util.Map<String, AlertSender.Outcome> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
        sender = new AlertSender(4, d -> Optional.ofNullable(url.get()), registry, 1, 10, 50,
                (d, o) -> outcomes.put(d.event().identity(), o));
        url.set(null); // the channel's Secret is not there (yet)
        sender.offer(delivery("slack", "no-secret"));
        await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.containsKey("no-secret"));
        url.set(slack.url());
        slack.failNext.set(2); // an outage longer than the retries
        sender.offer(delivery("slack", "outage"));
        await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.containsKey("outage"));
        sender.offer(delivery("slack", "ok"));
        await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.containsKey("ok"));
        url.set(slack.base() + "/services/T0/B0/removed"); // 404 no_service: final
        sender.offer(delivery("slack", "gone"));
        await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.containsKey("gone"));
        assertThat(outcomes).containsEntry("no-secret", AlertSender.Outcome.RETRY)
                .containsEntry("outage", AlertSender.Outcome.RETRY).containsEntry("ok", AlertSender.Outcome.SENT)
                .containsEntry("gone", AlertSender.Outcome.FAILED);
        assertThat(count("failed")).as("every round that did not get through").isEqualTo(3);
        assertThat(count("sent")).isEqualTo(1);
    }

    @Test
    void theWebhookChannelPostsTheAlertDocument() throws Exception {
        url.set(slack.webhookUrl());
        sender.offer(delivery("webhook", "a"));
        await().atMost(Duration.ofSeconds(10)).until(() -> count("sent") == 1);
        assertThat(slack.documents).hasSize(1);
        assertThat(slack.documents.get(0).get("id").asText()).isEqualTo("a");
        assertThat(slack.documents.get(0).get("event").asText()).isEqualTo("BudgetNearLimit");
        // a Slack channel's message is not an alert document: the receiver refuses it (400, final)
        sender.offer(delivery("slack", "b"));
        await().atMost(Duration.ofSeconds(10)).until(() -> count("failed") == 1);
        assertThat(slack.documents).hasSize(1);
    }

    @Test
    void aFullQueueDropsAndCounts() {
        slack.failNext.set(1000);
        sender.close(); // nothing drains it now
        sender = new AlertSender(1, d -> Optional.of(slack.url()), registry, 0, 10, 10);
        sender.close();
        assertThat(sender.offer(delivery("slack", "a"))).isFalse();
        assertThat(count("dropped")).isEqualTo(1);
    }
}
