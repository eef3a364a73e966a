package dev.tollgate.gateway.observe.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.CallRecords;
import dev.tollgate.gateway.observe.SinkFormat;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link WebhookFormat}: the documented {@code tollgate.dev/callback/v1} body, field by field. */
class WebhookFormatTest {
    static final SinkTarget TARGET = new SinkTarget("gw-ns/gw/hook", "webhook", "https://hooks.example/in?x=1",
            Map.of("authorization", "Bearer hook-token"), Map.of("x-source", "tollgate"), false, "gw-ns/gw");

    static JsonNode body(List<CallRecord> batch, SinkTarget target) throws Exception {
        List<SinkRequest> requests = new WebhookFormat().encode(batch, target);
        assertThat(requests).hasSize(1);
        return Json.mapper().readTree(requests.get(0).body().getBytes());
    }

    @Test
    void oneRequestPerBatchWithTheCredentialsAsHeaders() {
        List<SinkRequest> requests = new WebhookFormat().encode(
                List.of(CallRecords.ok("a", null), CallRecords.ok("b", null)), TARGET);
        assertThat(requests).hasSize(1);
        SinkRequest r = requests.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.url()).isEqualTo("https://hooks.example/in?x=1");
        assertThat(r.records()).isEqualTo(2);
        assertThat(r.headers()).containsOnly(Map.entry("content-type", "application/json"),
                Map.entry("authorization", "Bearer hook-token"), Map.entry("x-source", "tollgate"));
        assertThat(r.toString()).doesNotContain("hook-token");
    }

    @Test
    void headersDifferingInCaseAreOneHeaderTheCredentialWinningOverThePlainOneAndTheFormatOverBoth() {
        SinkTarget t = new SinkTarget("s", "webhook", "https://hooks.example/in",
                Map.of("authorization", "Bearer cred"), Map.of("Authorization", "Bearer plain", "Content-Type",
                        "text/plain", "X-A", "1", "x-a", "2"), false, "gw");
        for (int i = 0; i < 20; i++) { // whatever the maps' iteration order
            Map<String, String> h = new WebhookFormat().encode(List.of(CallRecords.ok("a", null)), t).get(0)
                    .headers();
            assertThat(SinkSamples.lower(h)).containsOnly(Map.entry("authorization", "Bearer cred"),
                    Map.entry("content-type", "application/json"), Map.entry("x-a", "2"));
            assertThat(h).hasSize(3);
        }
    }

    @Test
    void theEnvelope() throws Exception {
        JsonNode body = body(List.of(CallRecords.ok("a", null), CallRecords.ok("b", null)), TARGET);
        assertThat(fieldNames(body)).containsExactly("schema", "records");
        assertThat(body.path("schema").asText()).isEqualTo("tollgate.dev/callback/v1");
        assertThat(body.path("records")).hasSize(2);
    }

    @Test
    void aRecordHasEveryDocumentedFieldInSnakeCase() throws Exception {
        JsonNode r = body(List.of(CallRecords.ok("req-1", "team-a")), TARGET).path("records").get(0);
        assertThat(fieldNames(r)).containsExactly("request_id", "trace_id", "span_id", "parent_span_id",
                "start_time", "end_time", "duration_ms", "time_to_first_token_ms", "operation", "path", "ingress",
                "stream", "key", "budgets", "tags", "prompt", "requested_model", "model", "deployment", "provider", "upstream_model",
                "response_model", "response_id", "server_address", "server_port", "request_params", "status", "error",
                "usage", "cost", "cost_micros", "cache_status", "finish_reasons", "attempts");
        assertThat(r.path("request_id").asText()).isEqualTo("req-1");
        assertThat(r.path("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(r.path("span_id").asText()).isEqualTo("b7ad6b7169203331");
        assertThat(r.path("parent_span_id").asText()).isEqualTo("00f067aa0ba902b6");
        assertThat(r.path("start_time").asText()).isEqualTo("2026-12-05T11:00:00.000000Z");
        assertThat(r.path("end_time").asText()).isEqualTo("2026-12-05T11:00:00.950000Z");
        assertThat(r.path("duration_ms").asLong()).isEqualTo(950);
        assertThat(r.path("time_to_first_token_ms").isNull()).isTrue();
        assertThat(r.path("operation").asText()).isEqualTo("chat");
        assertThat(r.path("path").asText()).isEqualTo("/v1/chat/completions");
        assertThat(r.path("ingress").asText()).isEqualTo("openai");
        assertThat(r.path("stream").asBoolean()).isFalse();
        assertThat(r.path("key").path("id").asText()).isEqualTo("team-a/app-key");
        assertThat(r.path("key").path("namespace").asText()).isEqualTo("team-a");
        assertThat(r.path("key").path("attributes").path("team").asText()).isEqualTo("search");
        assertThat(r.path("budgets")).extracting(JsonNode::asText).containsExactly("team-a/monthly");
        assertThat(r.path("requested_model").asText()).isEqualTo("chat");
        assertThat(r.path("model").asText()).isEqualTo("chat");
        assertThat(r.path("deployment").asText()).isEqualTo("llm/gpt-secondary");
        assertThat(r.path("provider").asText()).isEqualTo("azure");
        assertThat(r.path("upstream_model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(r.path("response_model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(r.path("response_id").asText()).isEqualTo("chatcmpl-123");
        assertThat(r.path("server_address").asText()).isEqualTo("example.openai.azure.com");
        assertThat(r.path("server_port").asInt()).isEqualTo(443);
        assertThat(r.path("request_params").path("max_tokens").asInt()).isEqualTo(256);
        assertThat(r.path("request_params").path("temperature").decimalValue()).isEqualByComparingTo("0.2");
        assertThat(r.path("status").asInt()).isEqualTo(200);
        assertThat(r.path("error").isNull()).isTrue();
        assertThat(r.path("usage").path("input_tokens").asLong()).isEqualTo(1200);
        assertThat(r.path("usage").path("output_tokens").asLong()).isEqualTo(80);
        assertThat(r.path("usage").path("cached_input_tokens").asLong()).isEqualTo(1000);
        assertThat(r.path("usage").path("cache_write_tokens").asLong()).isZero();
        assertThat(r.path("cost").isTextual()).isTrue();
        assertThat(r.path("cost").asText()).isEqualTo("0.000123");
        assertThat(r.path("cost_micros").isIntegralNumber()).isTrue();
        assertThat(r.path("cost_micros").asLong()).isEqualTo(123);
        assertThat(r.path("cache_status").asText()).isEqualTo("MISS");
        assertThat(r.path("finish_reasons")).extracting(JsonNode::asText).containsExactly("stop");
        JsonNode first = r.path("attempts").get(0);
        assertThat(fieldNames(first)).containsExactly("attempt", "span_id", "start_time", "end_time", "model",
                "deployment", "provider", "upstream_model", "server_address", "server_port", "status", "error_type",
                "superseded", "input_tokens", "output_tokens", "cost", "cost_micros");
        assertThat(first.path("attempt").asInt()).isEqualTo(1);
        assertThat(first.path("span_id").asText()).isEqualTo("00f067aa0ba902b7");
        assertThat(first.path("start_time").asText()).isEqualTo("2026-12-05T11:00:00.001000Z");
        assertThat(first.path("status").asInt()).isEqualTo(429);
        assertThat(first.path("error_type").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(first.path("superseded").asBoolean()).isTrue();
        assertThat(first.path("cost").isNull()).isTrue();
        JsonNode second = r.path("attempts").get(1);
        assertThat(second.path("provider").asText()).isEqualTo("azure");
        assertThat(second.path("cost").asText()).isEqualTo("0.000123");
        assertThat(second.path("cost_micros").asLong()).isEqualTo(123);
    }

    @Test
    void errorsStreamsAndUnknownsAreExplicit() throws Exception {
        JsonNode failed = body(List.of(CallRecords.failed("f", "team-a", "upstream said no")), TARGET)
                .path("records").get(0);
        assertThat(failed.path("status").asInt()).isEqualTo(502);
        assertThat(failed.path("error").path("type").asText()).isEqualTo("upstream_error");
        assertThat(failed.path("error").path("message").asText()).isEqualTo("upstream said no");
        assertThat(failed.path("cost").isNull()).isTrue();
        assertThat(failed.path("cost_micros").isNull()).isTrue();
        assertThat(failed.path("usage").path("output_tokens").isNull()).isTrue();
        assertThat(failed.path("parent_span_id").isNull()).isTrue();

        JsonNode streamed = body(List.of(CallRecords.streamed("s", null)), TARGET).path("records").get(0);
        assertThat(streamed.path("stream").asBoolean()).isTrue();
        assertThat(streamed.path("time_to_first_token_ms").asLong()).isEqualTo(150);
        assertThat(streamed.path("cost").asText()).isEqualTo("1.50");
        assertThat(streamed.path("cost_micros").asLong()).isEqualTo(1_500_000);
        assertThat(streamed.path("key").path("id").isNull()).isTrue();
    }

    @Test
    void contentOnlyForASinkThatLogsIt() throws Exception {
        CallRecord r = CallRecords.withContent(CallRecords.ok("c", null), "hello", "world");
        JsonNode without = body(List.of(r), TARGET).path("records").get(0);
        assertThat(without.has("request")).isFalse();
        assertThat(without.has("answer")).isFalse();
        SinkTarget content = new SinkTarget(TARGET.id(), TARGET.type(), TARGET.url(), TARGET.credentials(),
                TARGET.headers(), true, TARGET.serviceName());
        JsonNode with = body(List.of(r), content).path("records").get(0);
        assertThat(with.path("request").path("messages").get(0).path("content").asText()).isEqualTo("hello");
        assertThat(with.path("answer").asText()).isEqualTo("world");
    }

    @Test
    void retryableStatusesAreTheDefaults() {
        SinkFormat f = new WebhookFormat();
        assertThat(f.retryable(500)).isTrue();
        assertThat(f.retryable(503)).isTrue();
        assertThat(f.retryable(429)).isTrue();
        assertThat(f.retryable(408)).isTrue();
        assertThat(f.retryable(400)).isFalse();
        assertThat(f.retryable(401)).isFalse();
        assertThat(f.retryable(404)).isFalse();
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
