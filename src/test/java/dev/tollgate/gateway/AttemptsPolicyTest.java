package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure parts of {@link Attempts}: which failures another attempt may mend, retry-after, backoff. */
class AttemptsPolicyTest {

    private static String cls(Throwable t) {
        return Attempts.errorClass(null, t);
    }

    private static UpstreamException upstream(int status, String type, String code) {
        return UpstreamErrors.from(status, new ApiError(status, type, type, "m", null, code), null, "ns/m");
    }

    @Test
    void upstreamFailuresAreClassedForRetriesAndCooldowns() {
        assertThat(cls(upstream(429, "rate_limit_error", null))).isEqualTo(GatewayConfig.Retries.RATE_LIMITED);
        assertThat(cls(upstream(529, "overloaded_error", null))).isEqualTo(GatewayConfig.Retries.OVERLOADED);
        assertThat(cls(upstream(503, "server_error", null))).isEqualTo(GatewayConfig.Retries.OVERLOADED);
        assertThat(cls(upstream(500, "server_error", null))).isEqualTo(GatewayConfig.Retries.SERVER_ERROR);
        assertThat(cls(upstream(502, "server_error", null))).isEqualTo(GatewayConfig.Retries.SERVER_ERROR);
        assertThat(cls(upstream(504, "timeout", null))).isEqualTo(GatewayConfig.Retries.TIMEOUT);
        assertThat(cls(UpstreamErrors.timeout("ns/m", 10))).isEqualTo(GatewayConfig.Retries.TIMEOUT);
        assertThat(cls(UpstreamErrors.unreachable("ns/m", "Connection refused"))).isEqualTo(GatewayConfig.Retries.CONNECTION_FAILED);
        assertThat(cls(UpstreamErrors.cut("ns/m"))).isEqualTo(GatewayConfig.Retries.SERVER_ERROR);
    }

    @Test
    void theClientsOwnMistakesAndTollgatesCredentialsAreNeverRetried() {
        assertThat(cls(upstream(400, "invalid_request_error", null))).isNull();
        assertThat(cls(upstream(401, "invalid_request_error", "invalid_api_key"))).isNull();
        assertThat(cls(upstream(403, "permission_error", null))).isNull();
        assertThat(cls(upstream(404, "invalid_request_error", null))).isNull();
        assertThat(cls(upstream(422, "invalid_request_error", null))).isNull();
        assertThat(cls(new GatewayException(ApiError.of(429, "budget", null).withCode("budget_exceeded")))).isNull();
    }

    @Test
    void contextAndContentPolicyFailuresGoToTheirFallbacks() {
        assertThat(cls(upstream(400, "invalid_request_error", "context_length_exceeded"))).isEqualTo(Attempts.CONTEXT);
        assertThat(cls(new GatewayException(ApiError.of(400, "too long", "messages").withCode("context_length_exceeded"))))
                .isEqualTo(Attempts.CONTEXT);
        assertThat(cls(upstream(400, "invalid_request_error", "content_policy_violation"))).isEqualTo(Attempts.CONTENT_POLICY);
        assertThat(cls(upstream(400, "invalid_request_error", "content_filter"))).isEqualTo(Attempts.CONTENT_POLICY);
    }

    @Test
    void retryAfterReadsSecondsFractionsAndDates() {
        assertThat(Attempts.retryAfterMillis("7")).isEqualTo(7_000);
        assertThat(Attempts.retryAfterMillis("0.25")).isEqualTo(250);
        assertThat(Attempts.retryAfterMillis(null)).isEqualTo(-1);
        assertThat(Attempts.retryAfterMillis("soon")).isEqualTo(-1);
        assertThat(Attempts.retryAfterMillis("-3")).isEqualTo(-1);
        String inTenSeconds = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(10));
        assertThat(Attempts.retryAfterMillis(inTenSeconds)).isBetween(8_000L, 10_000L);
    }

    @Test
    void backoffIsJitteredExponentialUnderItsCap() {
        GatewayConfig.Retries p = new GatewayConfig.Retries(5, null, 100, 1_000, 10_000, 60_000);
        long max1 = 0;
        long max3 = 0;
        long max9 = 0;
        for (int i = 0; i < 2_000; i++) {
            long b1 = Attempts.backoff(p, 1);
            long b3 = Attempts.backoff(p, 3);
            long b9 = Attempts.backoff(p, 9);
            assertThat(b1).isBetween(1L, 100L);
            assertThat(b3).isBetween(1L, 400L);
            assertThat(b9).isBetween(1L, 1_000L);
            max1 = Math.max(max1, b1);
            max3 = Math.max(max3, b3);
            max9 = Math.max(max9, b9);
        }
        assertThat(max1).isGreaterThan(50); // spread over its range, not a constant
        assertThat(max3).isGreaterThan(200);
        assertThat(max9).isGreaterThan(500);
    }

    @Test
    void perClassRetriesAreCappedByTheTotal() {
        GatewayConfig.Retries p = new GatewayConfig.Retries(2, Map.of("rateLimited", 5, "timeout", 0), 100, 1_000, 10_000, 60_000);
        assertThat(p.retriesFor("rateLimited")).isEqualTo(2);
        assertThat(p.retriesFor("timeout")).isZero();
        assertThat(p.retriesFor("serverError")).isEqualTo(2);
    }

    @Test
    void aStreamIsHeldUntilItsFirstContent() {
        JsonNode role = Json.parse("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}");
        JsonNode usage = Json.parse("{\"choices\":[],\"usage\":{\"prompt_tokens\":1}}");
        JsonNode text = Json.parse("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}");
        JsonNode tool = Json.parse("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0}]}}]}");
        JsonNode finish = Json.parse("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        assertThat(ClientWriter.content(role)).isFalse();
        assertThat(ClientWriter.content(usage)).isFalse();
        assertThat(ClientWriter.content(text)).isTrue();
        assertThat(ClientWriter.content(tool)).isTrue();
        assertThat(ClientWriter.content(finish)).isTrue();
        assertThat(ClientWriter.content("message_start", Json.parse("{}"))).isFalse();
        assertThat(ClientWriter.content("ping", Json.parse("{}"))).isFalse();
        assertThat(ClientWriter.content("content_block_start",
                Json.parse("{\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"))).isFalse();
        assertThat(ClientWriter.content("content_block_start",
                Json.parse("{\"content_block\":{\"type\":\"tool_use\",\"name\":\"f\"}}"))).isTrue();
        assertThat(ClientWriter.content("content_block_delta", Json.parse("{}"))).isTrue();
    }
}
