package dev.tollgate.gateway.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.Json;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link GenAiSpans} decoded with the protobuf classes generated from opentelemetry-proto (not the SDK marshaler that
 * wrote them), asserted attribute by attribute against the GenAI semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/ and the attribute registry
 * https://github.com/open-telemetry/semantic-conventions-genai/blob/main/docs/registry/attributes/gen-ai.md).
 */
class GenAiSpansTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CALLER = "00f067aa0ba902b7";
    static final String SPAN = "a1b2c3d4e5f60718";
    static final long T0 = 1_764_900_000_000_000_000L; // epoch nanos
    static final long MS = 1_000_000L;

    // ---------------------------------------------------------------- records

    static AttemptRecord attempt(int n, String span, long startMs, long endMs, String group, String deployment,
            String provider, String upstreamModel, String host, int status, String error, boolean superseded,
            Long in, Long out, Long cost) {
        return new AttemptRecord(n, span, T0 + startMs * MS, T0 + endMs * MS, group, deployment, provider, upstreamModel,
                host, host == null ? null : 443, status, error, superseded, in, out, cost);
    }

    /** A chat that was retried once within its group, then answered by a fallback group. */
    static CallRecord retriedThenFallback() {
        List<AttemptRecord> attempts = List.of(
                attempt(1, "1111111111111111", 2, 300, "gpt-4o", "team-a/gpt-4o-east", "azure", "gpt-4o-2024-08-06",
                        "east.openai.azure.com", 429, "rate_limit_exceeded", true, null, null, null),
                attempt(2, "2222222222222222", 310, 900, "gpt-4o", "team-a/gpt-4o-west", "openai", "gpt-4o",
                        "api.openai.com", 503, null, true, null, null, null),
                attempt(3, "3333333333333333", 905, 2_000, "claude", "team-a/claude-sonnet", "anthropic",
                        "claude-sonnet-4-5", "api.anthropic.com", 200, null, false, 120L, 40L, 1_230L));
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("max_tokens", 256);
        params.put("temperature", 0.2);
        params.put("top_p", 0.9);
        params.put("frequency_penalty", 0.5);
        params.put("presence_penalty", -0.5);
        params.put("stop", List.of("END", "\n\n"));
        params.put("seed", 42L);
        params.put("n", 2);
        return new CallRecord("req-1", TRACE, SPAN, CALLER, true, T0, T0 + 2_010 * MS, null, "chat",
                "/v1/chat/completions", "openai", "team-a/app", "team-a", Map.of("costCenter", "cc-42", "team", "search"),
                List.of("team-a/monthly", "org/global"), "gpt-4o", "claude", "team-a/claude-sonnet", "anthropic",
                "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "msg_01XFDUDYJgAACzvnptvVoYEL", "api.anthropic.com",
                443, false, params, 200, null, null, 120L, 40L, 100L, 8L, 1_230L, "MISS", List.of("stop"), attempts,
                null, null);
    }

    static CallRecord simple(String operation, String requested, int status, String errorType, String errorMessage,
            String cacheStatus, List<AttemptRecord> attempts, boolean stream, Long firstTokenNanos, JsonNode request,
            String answer, Long out) {
        return new CallRecord("req-2", TRACE, SPAN, null, true, T0, T0 + 1_000 * MS, firstTokenNanos, operation,
                "/v1/chat/completions", "openai", "ns/k", "ns", Map.of(), List.of(), requested, requested, null,
                attempts.isEmpty() ? null : attempts.get(0).provider(), null, null, null, null, null, stream, Map.of(),
                status, errorType, errorMessage, 10L, out, null, null, 5L, cacheStatus, List.of("stop"), attempts,
                request, answer);
    }

    // ---------------------------------------------------------------- decoding

    static ExportTraceServiceRequest decode(byte[] body) throws Exception {
        return ExportTraceServiceRequest.parseFrom(body);
    }

    static List<Span> spans(ExportTraceServiceRequest req) {
        List<Span> out = new ArrayList<>();
        for (ResourceSpans rs : req.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                out.addAll(ss.getSpansList());
            }
        }
        return out;
    }

    static Map<String, AnyValue> attrs(List<KeyValue> kvs) {
        Map<String, AnyValue> m = new LinkedHashMap<>();
        for (KeyValue kv : kvs) {
            assertThat(m).as("attribute %s appears once", kv.getKey()).doesNotContainKey(kv.getKey());
            m.put(kv.getKey(), kv.getValue());
        }
        return m;
    }

    static String str(Map<String, AnyValue> a, String key) {
        assertThat(a).containsKey(key);
        assertThat(a.get(key).getValueCase()).as(key).isEqualTo(AnyValue.ValueCase.STRING_VALUE);
        return a.get(key).getStringValue();
    }

    static long lng(Map<String, AnyValue> a, String key) {
        assertThat(a).containsKey(key);
        assertThat(a.get(key).getValueCase()).as(key).isEqualTo(AnyValue.ValueCase.INT_VALUE);
        return a.get(key).getIntValue();
    }

    static double dbl(Map<String, AnyValue> a, String key) {
        assertThat(a).containsKey(key);
        assertThat(a.get(key).getValueCase()).as(key).isEqualTo(AnyValue.ValueCase.DOUBLE_VALUE);
        return a.get(key).getDoubleValue();
    }

    static boolean bool(Map<String, AnyValue> a, String key) {
        assertThat(a).containsKey(key);
        assertThat(a.get(key).getValueCase()).as(key).isEqualTo(AnyValue.ValueCase.BOOL_VALUE);
        return a.get(key).getBoolValue();
    }

    static List<String> strs(Map<String, AnyValue> a, String key) {
        assertThat(a).containsKey(key);
        assertThat(a.get(key).getValueCase()).as(key).isEqualTo(AnyValue.ValueCase.ARRAY_VALUE);
        return a.get(key).getArrayValue().getValuesList().stream().map(AnyValue::getStringValue).toList();
    }

    static String hex(com.google.protobuf.ByteString b) {
        return HexFormat.of().formatHex(b.toByteArray());
    }

    // ---------------------------------------------------------------- tests

    @Test
    void aRetryAndAFallbackAreAServerSpanWithThreeClientChildren() throws Exception {
        ExportTraceServiceRequest req = decode(GenAiSpans.encode(List.of(retriedThenFallback()), "tollgate-gateway",
                "gw/pod-1", false));
        List<Span> spans = spans(req);
        assertThat(spans).hasSize(4);

        Span server = spans.get(0);
        assertThat(server.getName()).as("{gen_ai.operation.name} {gen_ai.request.model}").isEqualTo("chat gpt-4o");
        assertThat(server.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(hex(server.getTraceId())).isEqualTo(TRACE);
        assertThat(hex(server.getSpanId())).isEqualTo(SPAN);
        assertThat(hex(server.getParentSpanId())).as("the caller's traceparent span").isEqualTo(CALLER);
        assertThat(server.getStartTimeUnixNano()).isEqualTo(T0);
        assertThat(server.getEndTimeUnixNano()).isEqualTo(T0 + 2_010 * MS);
        assertThat(server.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);

        Map<String, AnyValue> a = attrs(server.getAttributesList());
        assertThat(str(a, "gen_ai.operation.name")).isEqualTo("chat");
        assertThat(str(a, "gen_ai.provider.name")).isEqualTo("anthropic");
        assertThat(str(a, "gen_ai.request.model")).as("the public model the client asked for").isEqualTo("gpt-4o");
        assertThat(str(a, "gen_ai.response.model")).isEqualTo("claude-sonnet-4-5-20250929");
        assertThat(str(a, "gen_ai.response.id")).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
        assertThat(strs(a, "gen_ai.response.finish_reasons")).containsExactly("stop");
        assertThat(lng(a, "gen_ai.usage.input_tokens")).isEqualTo(120);
        assertThat(lng(a, "gen_ai.usage.output_tokens")).isEqualTo(40);
        assertThat(lng(a, "gen_ai.usage.cache_read.input_tokens")).isEqualTo(100);
        assertThat(lng(a, "gen_ai.usage.cache_creation.input_tokens")).isEqualTo(8);
        assertThat(lng(a, "gen_ai.request.max_tokens")).isEqualTo(256);
        assertThat(dbl(a, "gen_ai.request.temperature")).isEqualTo(0.2);
        assertThat(dbl(a, "gen_ai.request.top_p")).isEqualTo(0.9);
        assertThat(dbl(a, "gen_ai.request.frequency_penalty")).isEqualTo(0.5);
        assertThat(dbl(a, "gen_ai.request.presence_penalty")).isEqualTo(-0.5);
        assertThat(strs(a, "gen_ai.request.stop_sequences")).containsExactly("END", "\n\n");
        assertThat(lng(a, "gen_ai.request.seed")).isEqualTo(42);
        assertThat(lng(a, "gen_ai.request.choice.count")).isEqualTo(2);
        assertThat(bool(a, "gen_ai.request.stream")).isFalse();
        assertThat(str(a, "server.address")).isEqualTo("api.anthropic.com");
        assertThat(lng(a, "server.port")).isEqualTo(443);
        assertThat(lng(a, "http.response.status_code")).isEqualTo(200);
        assertThat(str(a, "url.path")).isEqualTo("/v1/chat/completions");
        assertThat(a).doesNotContainKeys("error.type", "gen_ai.response.time_to_first_chunk",
                "gen_ai.input.messages", "gen_ai.output.messages");
        assertThat(str(a, "tollgate.request_id")).isEqualTo("req-1");
        assertThat(str(a, "tollgate.key.id")).isEqualTo("team-a/app");
        assertThat(str(a, "tollgate.key.namespace")).isEqualTo("team-a");
        assertThat(str(a, "tollgate.key.attributes.costCenter")).isEqualTo("cc-42");
        assertThat(str(a, "tollgate.key.attributes.team")).isEqualTo("search");
        assertThat(strs(a, "tollgate.budget.ids")).containsExactly("team-a/monthly", "org/global");
        assertThat(str(a, "tollgate.cost_usd")).as("a decimal string, never a float").isEqualTo("0.00123");
        assertThat(str(a, "tollgate.cache.status")).isEqualTo("MISS");
        assertThat(str(a, "tollgate.model_group")).isEqualTo("claude");
        assertThat(str(a, "tollgate.deployment")).isEqualTo("team-a/claude-sonnet");
        assertThat(str(a, "tollgate.ingress")).isEqualTo("openai");
        assertThat(lng(a, "tollgate.attempts")).isEqualTo(3);

        // attempt 1: Azure OpenAI, rate limited, retried
        Span first = spans.get(1);
        assertThat(first.getName()).isEqualTo("chat gpt-4o-2024-08-06");
        assertThat(first.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(hex(first.getTraceId())).isEqualTo(TRACE);
        assertThat(hex(first.getSpanId())).isEqualTo("1111111111111111");
        assertThat(hex(first.getParentSpanId())).as("child of the request's span").isEqualTo(SPAN);
        assertThat(first.getStartTimeUnixNano()).isEqualTo(T0 + 2 * MS);
        assertThat(first.getEndTimeUnixNano()).isEqualTo(T0 + 300 * MS);
        assertThat(first.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        Map<String, AnyValue> a1 = attrs(first.getAttributesList());
        assertThat(str(a1, "gen_ai.operation.name")).isEqualTo("chat");
        assertThat(str(a1, "gen_ai.provider.name")).isEqualTo("azure.ai.openai");
        assertThat(str(a1, "gen_ai.request.model")).isEqualTo("gpt-4o-2024-08-06");
        assertThat(str(a1, "server.address")).isEqualTo("east.openai.azure.com");
        assertThat(lng(a1, "server.port")).isEqualTo(443);
        assertThat(str(a1, "error.type")).isEqualTo("rate_limit_exceeded");
        assertThat(lng(a1, "http.response.status_code")).isEqualTo(429);
        assertThat(lng(a1, "tollgate.attempt")).isEqualTo(1);
        assertThat(bool(a1, "tollgate.superseded")).isTrue();
        assertThat(str(a1, "tollgate.model_group")).isEqualTo("gpt-4o");
        assertThat(str(a1, "tollgate.deployment")).isEqualTo("team-a/gpt-4o-east");
        assertThat(lng(a1, "gen_ai.request.max_tokens")).as("the parameters went upstream too").isEqualTo(256);
        assertThat(a1).doesNotContainKeys("gen_ai.response.model", "gen_ai.response.id", "gen_ai.usage.input_tokens",
                "tollgate.cost_usd");

        // attempt 2: a retry on OpenAI, 503 with no error type: error.type is the status
        Span second = spans.get(2);
        assertThat(second.getName()).isEqualTo("chat gpt-4o");
        assertThat(hex(second.getParentSpanId())).isEqualTo(SPAN);
        assertThat(second.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        Map<String, AnyValue> a2 = attrs(second.getAttributesList());
        assertThat(str(a2, "gen_ai.provider.name")).isEqualTo("openai");
        assertThat(str(a2, "error.type")).isEqualTo("503");
        assertThat(lng(a2, "tollgate.attempt")).isEqualTo(2);

        // attempt 3: the fallback group answered
        Span third = spans.get(3);
        assertThat(third.getName()).isEqualTo("chat claude-sonnet-4-5");
        assertThat(third.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(hex(third.getSpanId())).isEqualTo("3333333333333333");
        assertThat(hex(third.getParentSpanId())).isEqualTo(SPAN);
        assertThat(third.getStartTimeUnixNano()).isEqualTo(T0 + 905 * MS);
        assertThat(third.getEndTimeUnixNano()).isEqualTo(T0 + 2_000 * MS);
        assertThat(third.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
        Map<String, AnyValue> a3 = attrs(third.getAttributesList());
        assertThat(str(a3, "gen_ai.provider.name")).isEqualTo("anthropic");
        assertThat(str(a3, "gen_ai.request.model")).isEqualTo("claude-sonnet-4-5");
        assertThat(str(a3, "gen_ai.response.model")).isEqualTo("claude-sonnet-4-5-20250929");
        assertThat(str(a3, "gen_ai.response.id")).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
        assertThat(strs(a3, "gen_ai.response.finish_reasons")).containsExactly("stop");
        assertThat(lng(a3, "gen_ai.usage.input_tokens")).isEqualTo(120);
        assertThat(lng(a3, "gen_ai.usage.output_tokens")).isEqualTo(40);
        assertThat(str(a3, "tollgate.cost_usd")).isEqualTo("0.00123");
        assertThat(bool(a3, "tollgate.superseded")).isFalse();
        assertThat(str(a3, "tollgate.model_group")).isEqualTo("claude");
        assertThat(a3).doesNotContainKey("error.type");

        // every span: sampled flag; the parent of the request span is remote
        assertThat(server.getFlags() & 0xff).as("W3C sampled").isEqualTo(1);
        assertThat(server.getFlags() & 0x300).as("has-remote-parent and is-remote").isEqualTo(0x300);
        assertThat(first.getFlags() & 0x300).as("local parent").isEqualTo(0x100);
    }

    @Test
    void theResourceAndTheScopeNameTheGateway() throws Exception {
        ExportTraceServiceRequest req = decode(GenAiSpans.encode(List.of(retriedThenFallback()), "my-gateway",
                "llm/gw-7d9f", false));
        assertThat(req.getResourceSpansCount()).isEqualTo(1);
        ResourceSpans rs = req.getResourceSpans(0);
        Map<String, AnyValue> r = attrs(rs.getResource().getAttributesList());
        assertThat(str(r, "service.name")).isEqualTo("my-gateway");
        assertThat(str(r, "service.instance.id")).isEqualTo("llm/gw-7d9f");
        assertThat(str(r, "telemetry.sdk.name")).isEqualTo("opentelemetry");
        assertThat(str(r, "telemetry.sdk.language")).isEqualTo("java");
        assertThat(str(r, "telemetry.sdk.version")).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(rs.getScopeSpansCount()).isEqualTo(1);
        assertThat(rs.getScopeSpans(0).getScope().getName()).isEqualTo("dev.tollgate.gateway");

        ExportTraceServiceRequest noInstance = decode(GenAiSpans.encode(List.of(retriedThenFallback()), "g", null, false));
        assertThat(attrs(noInstance.getResourceSpans(0).getResource().getAttributesList()))
                .doesNotContainKey("service.instance.id");
    }

    @Test
    void aCacheHitIsOneSpanWithNoAttempt() throws Exception {
        CallRecord hit = simple("chat", "gpt-4o", 200, null, null, "HIT", List.of(), false, null, null, null, 7L);
        List<Span> spans = spans(decode(GenAiSpans.encode(List.of(hit), "g", null, false)));
        assertThat(spans).hasSize(1);
        Span s = spans.get(0);
        assertThat(s.getName()).isEqualTo("chat gpt-4o");
        assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(s.getParentSpanId().isEmpty()).as("a new trace: no parent").isTrue();
        assertThat(s.getFlags() & 0x300).as("has-remote-parent known, parent not remote").isEqualTo(0x100);
        Map<String, AnyValue> a = attrs(s.getAttributesList());
        assertThat(str(a, "tollgate.cache.status")).isEqualTo("HIT");
        assertThat(str(a, "gen_ai.provider.name")).as("no provider answered").isEqualTo("none");
        assertThat(lng(a, "tollgate.attempts")).isZero();
        assertThat(str(a, "tollgate.cost_usd")).isEqualTo("0.000005");
        assertThat(a).doesNotContainKeys("server.address", "server.port", "error.type");
    }

    @Test
    void errorsSetErrorTypeAndTheStatusAsTheSpanKindWants() throws Exception {
        AttemptRecord failed = attempt(1, "4444444444444444", 1, 900, "gpt-4o", "ns/gpt", "openai", "gpt-4o",
                "api.openai.com", 500, "server_error", false, null, null, null);
        CallRecord upstreamFailed = simple("chat", "gpt-4o", 502, "upstream_error",
                "The upstream answered 500: try again later", null, List.of(failed), false, null, null, null, null);
        CallRecord refused = simple("chat", "gpt-4o", 429, "budget_exceeded", "Budget ns/b is exhausted", null,
                List.of(), false, null, null, null, null);
        CallRecord noType = simple("embeddings", null, 400, null, null, null, List.of(), false, null, null, null, null);
        List<Span> spans = spans(decode(GenAiSpans.encode(List.of(upstreamFailed, refused, noType), "g", null, false)));
        assertThat(spans).hasSize(4);

        Span server = spans.get(0);
        assertThat(server.getStatus().getCode()).as("a 5xx is the server's error")
                .isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(server.getStatus().getMessage()).isEqualTo("The upstream answered 500: try again later");
        assertThat(str(attrs(server.getAttributesList()), "error.type")).isEqualTo("upstream_error");
        assertThat(lng(attrs(server.getAttributesList()), "http.response.status_code")).isEqualTo(502);
        Span client = spans.get(1);
        assertThat(client.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(client.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(client.getStatus().getMessage()).isEqualTo("server_error");
        assertThat(str(attrs(client.getAttributesList()), "error.type")).isEqualTo("server_error");
        assertThat(bool(attrs(client.getAttributesList()), "tollgate.superseded")).isFalse();

        Span refusedSpan = spans.get(2);
        assertThat(refusedSpan.getStatus().getCode()).as("a 4xx on a SERVER span leaves the status unset")
                .isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
        assertThat(str(attrs(refusedSpan.getAttributesList()), "error.type")).isEqualTo("budget_exceeded");

        Span unknownModel = spans.get(3);
        assertThat(unknownModel.getName()).as("no model known: the operation alone").isEqualTo("embeddings");
        Map<String, AnyValue> a = attrs(unknownModel.getAttributesList());
        assertThat(str(a, "error.type")).as("no error type: the status code").isEqualTo("400");
        assertThat(a).doesNotContainKey("gen_ai.request.model");
    }

    @Test
    void aStreamCarriesItsTimeToFirstChunk() throws Exception {
        AttemptRecord ok = attempt(1, "5555555555555555", 1, 990, "gpt-4o", "ns/gpt", "openai", "gpt-4o",
                "api.openai.com", 200, null, false, 10L, 30L, 5L);
        CallRecord stream = simple("chat", "gpt-4o", 200, null, null, null, List.of(ok), true, 250 * MS, null, null, 30L);
        List<Span> spans = spans(decode(GenAiSpans.encode(List.of(stream), "g", null, false)));
        Map<String, AnyValue> a = attrs(spans.get(0).getAttributesList());
        assertThat(bool(a, "gen_ai.request.stream")).isTrue();
        assertThat(dbl(a, "gen_ai.response.time_to_first_chunk")).as("seconds").isEqualTo(0.25);
        assertThat(bool(attrs(spans.get(1).getAttributesList()), "gen_ai.request.stream")).isTrue();

        CallRecord noFirst = simple("chat", "gpt-4o", 200, null, null, null, List.of(ok), false, null, null, null, 30L);
        assertThat(attrs(spans(decode(GenAiSpans.encode(List.of(noFirst), "g", null, false))).get(0).getAttributesList()))
                .doesNotContainKey("gen_ai.response.time_to_first_chunk");
    }

    @Test
    void contentIsThereOnlyWhenAsked() throws Exception {
        JsonNode request = Json.mapper().readTree("""
                {"model":"gpt-4o","messages":[
                  {"role":"system","content":"You are terse."},
                  {"role":"user","content":[{"type":"text","text":"Weather in Paris?"},
                                            {"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"location\\":\\"Paris\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"rainy, 57F"}]}""");
        String answer = """
                {"id":"chatcmpl-1","object":"chat.completion","choices":[
                  {"index":0,"message":{"role":"assistant","content":"Rainy, 57F."},"finish_reason":"stop"},
                  {"index":1,"message":{"role":"assistant","content":"It rains."},"finish_reason":"length"}]}""";
        AttemptRecord ok = attempt(1, "6666666666666666", 1, 990, "gpt-4o", "ns/gpt", "openai", "gpt-4o",
                "api.openai.com", 200, null, false, 10L, 30L, 5L);
        CallRecord r = simple("chat", "gpt-4o", 200, null, null, null, List.of(ok), false, null, request, answer, 30L);

        Map<String, AnyValue> off = attrs(spans(decode(GenAiSpans.encode(List.of(r), "g", null, false))).get(0)
                .getAttributesList());
        assertThat(off).doesNotContainKeys("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions");

        List<Span> on = spans(decode(GenAiSpans.encode(List.of(r), "g", null, true)));
        Map<String, AnyValue> a = attrs(on.get(0).getAttributesList());
        JsonNode input = Json.mapper().readTree(str(a, "gen_ai.input.messages"));
        assertThat(input).hasSize(4);
        assertThat(input.get(0).get("role").asText()).isEqualTo("system");
        assertThat(input.get(0).at("/parts/0/type").asText()).isEqualTo("text");
        assertThat(input.get(0).at("/parts/0/content").asText()).isEqualTo("You are terse.");
        assertThat(input.get(1).at("/parts/0/content").asText()).isEqualTo("Weather in Paris?");
        assertThat(input.get(1).at("/parts/1/type").asText()).isEqualTo("uri");
        assertThat(input.get(1).at("/parts/1/modality").asText()).isEqualTo("image");
        assertThat(input.get(1).at("/parts/1/uri").asText()).isEqualTo("https://example.com/a.png");
        assertThat(input.get(2).at("/parts/0/type").asText()).isEqualTo("tool_call");
        assertThat(input.get(2).at("/parts/0/id").asText()).isEqualTo("call_1");
        assertThat(input.get(2).at("/parts/0/name").asText()).isEqualTo("get_weather");
        assertThat(input.get(2).at("/parts/0/arguments/location").asText()).as("arguments as an object").isEqualTo("Paris");
        assertThat(input.get(3).get("role").asText()).isEqualTo("tool");
        assertThat(input.get(3).at("/parts/0/type").asText()).isEqualTo("tool_call_response");
        assertThat(input.get(3).at("/parts/0/id").asText()).isEqualTo("call_1");
        assertThat(input.get(3).at("/parts/0/response").asText()).isEqualTo("rainy, 57F");
        JsonNode output = Json.mapper().readTree(str(a, "gen_ai.output.messages"));
        assertThat(output).as("one message per choice").hasSize(2);
        assertThat(output.get(0).get("role").asText()).isEqualTo("assistant");
        assertThat(output.get(0).at("/parts/0/content").asText()).isEqualTo("Rainy, 57F.");
        assertThat(output.get(0).get("finish_reason").asText()).isEqualTo("stop");
        assertThat(output.get(1).get("finish_reason").asText()).isEqualTo("length");
        assertThat(a).as("OpenAI's system message is part of the history").doesNotContainKey("gen_ai.system_instructions");
        assertThat(attrs(on.get(1).getAttributesList())).as("content on the request's span only")
                .doesNotContainKeys("gen_ai.input.messages", "gen_ai.output.messages");
    }

    @Test
    void anAnthropicRequestAndAStreamedAnswerAsContent() throws Exception {
        JsonNode request = Json.mapper().readTree("""
                {"model":"claude","system":[{"type":"text","text":"Translate to French."}],"max_tokens":100,
                 "messages":[{"role":"user","content":"Hello"},
                             {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"dict","input":{"w":"Hello"}}]},
                             {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"Bonjour"},
                                                       {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}]}""");
        CallRecord r = simple("chat", "claude", 200, null, null, null, List.of(), true, 100 * MS, request,
                "Bonjour", 3L);
        Map<String, AnyValue> a = attrs(spans(decode(GenAiSpans.encode(List.of(r), "g", null, true))).get(0)
                .getAttributesList());
        JsonNode system = Json.mapper().readTree(str(a, "gen_ai.system_instructions"));
        assertThat(system.at("/0/type").asText()).isEqualTo("text");
        assertThat(system.at("/0/content").asText()).isEqualTo("Translate to French.");
        JsonNode input = Json.mapper().readTree(str(a, "gen_ai.input.messages"));
        assertThat(input).hasSize(3);
        assertThat(input.at("/0/parts/0/content").asText()).isEqualTo("Hello");
        assertThat(input.at("/1/parts/0/type").asText()).isEqualTo("tool_call");
        assertThat(input.at("/1/parts/0/arguments/w").asText()).isEqualTo("Hello");
        assertThat(input.at("/2/parts/0/type").asText()).isEqualTo("tool_call_response");
        assertThat(input.at("/2/parts/0/id").asText()).isEqualTo("toolu_1");
        assertThat(input.at("/2/parts/1/type").asText()).isEqualTo("blob");
        assertThat(input.at("/2/parts/1/mime_type").asText()).isEqualTo("image/png");
        JsonNode output = Json.mapper().readTree(str(a, "gen_ai.output.messages"));
        assertThat(output).hasSize(1);
        assertThat(output.at("/0/parts/0/content").asText()).as("the stream's assembled text").isEqualTo("Bonjour");
        assertThat(output.at("/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void theOtlpFormatPostsProtobufToV1TracesWithTheCredentialsAsHeadersOnly() throws Exception {
        String secret = "Bearer sk-otlp-9f8e7d6c5b4a39281706";
        SinkTarget target = new SinkTarget("tracing", "otlp", "http://collector:4318/", Map.of("authorization", secret),
                Map.of("x-scope-orgid", "tenant-1"), false, "tollgate-gateway");
        SinkFormat format = GenAiSpans.otlpFormat("gw/pod-1");
        List<SinkRequest> requests = format.encode(List.of(retriedThenFallback(), retriedThenFallback()), target);
        assertThat(requests).hasSize(1);
        SinkRequest r = requests.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.url()).isEqualTo("http://collector:4318/v1/traces");
        assertThat(r.records()).isEqualTo(2);
        assertThat(r.headers()).containsEntry("content-type", "application/x-protobuf")
                .containsEntry("authorization", secret).containsEntry("x-scope-orgid", "tenant-1");
        assertThat(r.toString()).doesNotContain("sk-otlp");
        ExportTraceServiceRequest decoded = decode(r.body().getBytes());
        assertThat(spans(decoded)).hasSize(8);
        assertThat(str(attrs(decoded.getResourceSpans(0).getResource().getAttributesList()), "service.instance.id"))
                .isEqualTo("gw/pod-1");
        assertThat(new String(r.body().getBytes(), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("sk-otlp");

        assertThat(format.encode(List.of(), target)).isEmpty();
        assertThat(GenAiSpans.otlpFormat(null).encode(List.of(retriedThenFallback()),
                new SinkTarget("t", "otlp", "https://otlp.example.com/v1/traces", Map.of(), Map.of(), false, "g")).get(0).url())
                .as("an endpoint given with the path keeps it").isEqualTo("https://otlp.example.com/v1/traces");
        // OTLP/HTTP: retry 429, 502, 503, 504 only (https://opentelemetry.io/docs/specs/otlp/#retryable-response-codes)
        assertThat(List.of(429, 502, 503, 504)).allMatch(format::retryable);
        assertThat(List.of(400, 401, 404, 500, 501)).noneMatch(format::retryable);
    }

    @Test
    void noSecretLookingValueIsInAnySpan() throws Exception {
        JsonNode request = Json.mapper().readTree("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        CallRecord r = retriedThenFallback().withContent(request, "{\"choices\":[{\"message\":{\"content\":\"hello\"},"
                + "\"finish_reason\":\"stop\"}]}");
        List<Span> spans = spans(decode(GenAiSpans.encode(List.of(r), "g", "gw", true)));
        Pattern secretLooking = Pattern.compile("(?i)(sk-[a-z0-9-]{8,}|bearer\\s|tg-[a-z0-9]{16,}|AKIA[0-9A-Z]{16}"
                + "|api[_-]?key|secret|password|authorization)");
        List<String> values = new ArrayList<>();
        for (Span s : spans) {
            for (KeyValue kv : s.getAttributesList()) {
                values.add(kv.getKey());
                values.add(kv.getValue().toString());
            }
            values.add(s.getName());
            values.add(s.getStatus().getMessage());
        }
        assertThat(values).hasSizeGreaterThan(80);
        assertThat(values).noneMatch(v -> secretLooking.matcher(v).find());
    }

    @Test
    void aRecordWithoutValidIdsIsLeftOutNotTheBatch() throws Exception {
        CallRecord good = retriedThenFallback();
        CallRecord noTrace = new CallRecord("bad", null, SPAN, null, true, T0, T0 + MS, null, "chat", "/", "openai",
                null, null, null, null, null, null, null, null, null, null, null, null, null, false, null, 200, null,
                null, null, null, null, null, null, null, null, null, null, null);
        CallRecord shortSpan = new CallRecord("bad2", TRACE, "abc", null, true, T0, T0 + MS, null, "chat", "/", "openai",
                null, null, null, null, null, null, null, null, null, null, null, null, null, false, null, 200, null,
                null, null, null, null, null, null, null, null, null, null, null);
        List<Span> spans = spans(decode(GenAiSpans.encode(List.of(noTrace, good, shortSpan), "g", null, false)));
        assertThat(spans).hasSize(4);
        assertThat(spans).allMatch(s -> hex(s.getTraceId()).equals(TRACE));
    }

    @Test
    void providerNamesAreTheSemconvWellKnownValues() {
        Map<String, String> expected = Map.ofEntries(Map.entry("openai", "openai"), Map.entry("azure", "azure.ai.openai"),
                Map.entry("anthropic", "anthropic"), Map.entry("bedrock", "aws.bedrock"), Map.entry("gemini", "gcp.gemini"),
                Map.entry("palm", "gcp.gemini"), Map.entry("vertex", "gcp.vertex_ai"), Map.entry("cohere", "cohere"),
                Map.entry("mistral", "mistral_ai"), Map.entry("groq", "groq"), Map.entry("deepseek", "deepseek"),
                Map.entry("xai", "x_ai"), Map.entry("perplexity", "perplexity"), Map.entry("ollama", "ollama"),
                Map.entry("openai-compatible", "openai-compatible"));
        expected.forEach((tollgate, semconv) -> assertThat(GenAiSpans.providerName(tollgate)).as(tollgate).isEqualTo(semconv));
        for (dev.tollgate.config.Provider p : dev.tollgate.config.Provider.values()) {
            assertThat(GenAiSpans.providerName(p.wireName())).as(p.wireName()).isNotBlank();
        }
        assertThat(GenAiSpans.providerName(null)).isEqualTo("none");
    }
}
