package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 end to end, in standalone mode from manifests: OTLP traces (GenAI semantic conventions) to a fake
 * collector, the caller's trace continued and each upstream attempt's span sent upstream in {@code traceparent}, a
 * platform webhook sink seeing all traffic (with content, redacted), a team's LogSink seeing only its namespace's
 * calls (without content), a sink that never answers slowing nothing, and no secret in anything sent out.
 */
@QuarkusTest
@TestProfile(ObservabilityEndToEndTest.Observed.class)
class ObservabilityEndToEndTest {
    static final String KEY_A = "sk-tg-obs-team-a-key-0123456789abcdef";
    static final String KEY_B = "sk-tg-obs-team-b-key-0123456789abcdef";
    static final String OPENAI_KEY = "sk-upstream-obs-openai-secret";
    static final String OTEL_TOKEN = "otel-token-never-in-a-payload";
    static final String HOOK_TOKEN = "platform-hook-token-secret";
    static final String TEAM_TOKEN = "team-hook-token-secret";
    static final String SSN = "123-45-6789";
    static FakeOpenAi openai;
    static FakeReceiver collector;
    static FakeReceiver platform;
    static FakeReceiver team;
    static FakeReceiver dead;

    public static class Observed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            openai = FakeOpenAi.start(OPENAI_KEY);
            collector = FakeReceiver.start();
            platform = FakeReceiver.start();
            team = FakeReceiver.start();
            dead = FakeReceiver.start().hang();
            Path folder = StandaloneFolder.create("tollgate-obs", manifests());
            return StandaloneFolder.serve(folder);
        }
    }

    static String manifests() {
        return """
                apiVersion: v1
                kind: Namespace
                metadata: {name: team-a}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: team-b}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata: {name: obs}
                spec:
                  keys: {namespaceSelector: {}}
                  observability:
                    tracing:
                      endpoint: "%1$s"
                      sampling: "1"
                      secretHeaders: {authorization: {name: creds, key: otel}}
                    sinks:
                    - name: platform
                      type: webhook
                      url: "%2$s/hook"
                      credentials: {authorization: {name: creds, key: hook}}
                      logContent: true
                      redact: ['\\d{3}-\\d{2}-\\d{4}']
                      flushInterval: 100ms
                    - name: dead
                      type: webhook
                      url: "%3$s/hook"
                      queueSize: 20
                      batchSize: 5
                      maxRetries: 0
                      flushInterval: 100ms
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                stringData: {openai: %4$s, otel: %5$s, hook: %6$s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, namespace: team-a}
                stringData: {a: %7$s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: hook, namespace: team-a, labels: {llm.tollgate.dev/secret: credentials}}
                stringData: {token: %8$s}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LogSink
                metadata: {name: team, namespace: team-a}
                spec:
                  type: webhook
                  url: "%9$s/team"
                  credentials: {authorization: {name: hook, key: token}}
                  flushInterval: 100ms
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, namespace: team-b}
                stringData: {b: %10$s}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: a, namespace: team-a}
                spec: {existingSecret: {name: keys, key: a}, attributes: {costCenter: cc-42}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: b, namespace: team-b}
                spec: {existingSecret: {name: keys, key: b}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: chat}
                spec:
                  modelName: chat
                  provider: openai
                  model: gpt-4o-mini
                  apiBase: "%11$s"
                  credentialsSecretRef: {name: creds, key: openai}
                  pricing: {inputPerMillion: "1", outputPerMillion: "2"}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: cached}
                spec:
                  modelName: cached
                  provider: openai
                  model: gpt-4o-mini
                  apiBase: "%11$s"
                  credentialsSecretRef: {name: creds, key: openai}
                  pricing: {inputPerMillion: "1", outputPerMillion: "2"}
                  cache: {exact: {ttl: 1h}}
                """.formatted(collector.url(), platform.url(), dead.url(), OPENAI_KEY, OTEL_TOKEN, HOOK_TOKEN, KEY_A,
                TEAM_TOKEN, team.url(), KEY_B, openai.baseUrl());
    }

    @BeforeEach
    void fresh() {
        openai.reset();
    }

    @AfterAll
    static void stop() {
        openai.close();
        collector.close();
        platform.close();
        team.close();
        dead.close();
    }

    @TestHTTPResource("/v1")
    URL base;

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    static ObjectNode chat(String prompt) {
        ObjectNode body = Json.object().put("model", "chat").put("temperature", 0.25).put("max_tokens", 64);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return body;
    }

    HttpResponse<String> ask(String key, ObjectNode body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String requestId(HttpResponse<String> r) {
        return r.headers().firstValue("x-request-id").orElseThrow();
    }

    /** Every span the collector received so far. */
    static List<Span> spans() {
        List<Span> out = new ArrayList<>();
        for (FakeReceiver.Received r : collector.received()) {
            assertThat(r.path()).isEqualTo("/v1/traces");
            try {
                ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(r.body());
                req.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> out.addAll(ss.getSpansList())));
            } catch (Exception e) {
                throw new AssertionError("not an OTLP ExportTraceServiceRequest", e);
            }
        }
        return out;
    }

    static Map<String, AnyValue> attributes(Span s) {
        return s.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue, (a, b) -> b));
    }

    static String hex(com.google.protobuf.ByteString id) {
        return HexFormat.of().formatHex(id.toByteArray());
    }

    static String requestIdOf(Span s) {
        AnyValue v = attributes(s).get("tollgate.request_id");
        return v == null ? null : v.getStringValue();
    }

    /** The request's span (tagged with its request id) and its attempts' spans (its children). */
    static List<Span> family(String requestId) {
        List<Span> all = spans();
        Span server = all.stream().filter(s -> requestId.equals(requestIdOf(s))).findFirst().orElse(null);
        if (server == null) {
            return List.of();
        }
        List<Span> out = new ArrayList<>();
        out.add(server);
        all.stream().filter(s -> s.getParentSpanId().equals(server.getSpanId()) && s.getTraceId().equals(server.getTraceId()))
                .forEach(out::add);
        return out;
    }

    // ---- traces -------------------------------------------------------------------------------------------------

    @Test
    void aRequestIsAServerSpanThatContinuesTheCallersTraceWithAClientSpanPerAttempt() throws Exception {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        String parent = "00f067aa0ba902b7";
        openai.enqueue(FakeOpenAi.serverError(), Reply.text("traced answer").usage(12, 3).model("gpt-4o-mini-2024-07-18"));
        HttpResponse<String> r = ask(KEY_A, chat("trace me"), "traceparent", "00-" + trace + "-" + parent + "-01");
        assertThat(r.statusCode()).isEqualTo(200);
        String id = requestId(r);

        // both upstream calls carried the caller's trace, each with its own span
        List<RecordedRequest> calls = openai.requests();
        assertThat(calls).hasSize(2);
        List<String> upstreamSpans = new ArrayList<>();
        for (RecordedRequest c : calls) {
            String tp = c.header("traceparent");
            assertThat(tp).matches("00-" + trace + "-[0-9a-f]{16}-01");
            upstreamSpans.add(tp.substring(36, 52));
        }
        assertThat(upstreamSpans.get(0)).isNotEqualTo(upstreamSpans.get(1));

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(family(id)).hasSize(3));
        List<Span> mine = family(id);
        Span server = mine.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();
        assertThat(requestIdOf(server)).isEqualTo(id);
        List<Span> clients = mine.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
                .sorted(java.util.Comparator.comparingLong(Span::getStartTimeUnixNano)).toList();
        assertThat(hex(server.getTraceId())).isEqualTo(trace);
        assertThat(hex(server.getParentSpanId())).isEqualTo(parent);
        assertThat(server.getName()).isEqualTo("chat chat");
        Map<String, AnyValue> a = attributes(server);
        assertThat(a.get("gen_ai.operation.name").getStringValue()).isEqualTo("chat");
        assertThat(a.get("gen_ai.provider.name").getStringValue()).isEqualTo("openai");
        assertThat(a.get("gen_ai.request.model").getStringValue()).isEqualTo("chat");
        assertThat(a.get("gen_ai.response.model").getStringValue()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(a.get("gen_ai.usage.input_tokens").getIntValue()).isEqualTo(12);
        assertThat(a.get("gen_ai.usage.output_tokens").getIntValue()).isEqualTo(3);
        assertThat(a.get("gen_ai.request.temperature").getDoubleValue()).isEqualTo(0.25);
        assertThat(a.get("gen_ai.request.max_tokens").getIntValue()).isEqualTo(64);
        assertThat(a.get("gen_ai.response.finish_reasons").getArrayValue().getValuesList())
                .extracting(AnyValue::getStringValue).containsExactly("stop");
        assertThat(a.get("tollgate.key.id").getStringValue()).isEqualTo("team-a/a");
        assertThat(a.get("tollgate.cost_usd").getStringValue()).isEqualTo(r.headers().firstValue("x-tollgate-cost").orElseThrow());
        assertThat(server.getStartTimeUnixNano()).isLessThan(server.getEndTimeUnixNano());

        assertThat(clients).hasSize(2);
        for (int i = 0; i < 2; i++) {
            Span c = clients.get(i);
            assertThat(hex(c.getTraceId())).isEqualTo(trace);
            assertThat(hex(c.getParentSpanId())).isEqualTo(hex(server.getSpanId()));
            assertThat(hex(c.getSpanId())).as("the span sent upstream").isEqualTo(upstreamSpans.get(i));
            Map<String, AnyValue> ca = attributes(c);
            assertThat(ca.get("gen_ai.request.model").getStringValue()).isEqualTo("gpt-4o-mini");
            assertThat(ca.get("server.address").getStringValue()).isEqualTo("127.0.0.1");
            assertThat(ca.get("server.port").getIntValue()).isEqualTo(openai.port());
        }
        assertThat(attributes(clients.get(0))).containsKey("error.type");
        assertThat(clients.get(0).getStatus().getCode()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(attributes(clients.get(1))).doesNotContainKey("error.type");
        // the collector got the secret header, and no payload holds a secret
        assertThat(collector.received()).allSatisfy(x -> assertThat(x.headers().get("authorization")).isEqualTo(OTEL_TOKEN));
    }

    @Test
    void aNewTraceStartsWhenTheCallerSendsNoneAndIsSentUpstream() throws Exception {
        openai.enqueue(Reply.text("fresh"));
        HttpResponse<String> r = ask(KEY_B, chat("no parent"));
        assertThat(r.statusCode()).isEqualTo(200);
        String tp = openai.lastRequest().header("traceparent");
        assertThat(tp).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        String id = requestId(r);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(family(id)).hasSize(2));
        Span server = spans().stream().filter(s -> id.equals(requestIdOf(s)) && s.getKind() == Span.SpanKind.SPAN_KIND_SERVER)
                .findFirst().orElseThrow();
        assertThat(hex(server.getTraceId())).isEqualTo(tp.substring(3, 35));
        assertThat(server.getParentSpanId().isEmpty()).isTrue();
    }

    // ---- sinks --------------------------------------------------------------------------------------------------

    @Test
    void thePlatformSinkSeesEveryCallWithRedactedContentAndTheTeamSinkOnlyItsNamespaceWithout() throws Exception {
        openai.enqueue(Reply.text("answer for a"), Reply.text("answer for b"));
        HttpResponse<String> a = ask(KEY_A, chat("team a asks, my SSN is " + SSN));
        HttpResponse<String> b = ask(KEY_B, chat("team b asks"));
        assertThat(a.statusCode()).isEqualTo(200);
        assertThat(b.statusCode()).isEqualTo(200);
        String idA = requestId(a);
        String idB = requestId(b);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(platform.allText()).contains(idA).contains(idB);
            assertThat(team.allText()).contains(idA);
        });
        assertThat(team.allText()).as("a team's sink sees only its namespace").doesNotContain(idB).doesNotContain("team-b");
        assertThat(team.allText()).as("the team's sink does not log content").doesNotContain("team a asks")
                .doesNotContain("answer for a");
        assertThat(platform.allText()).contains("team a asks").contains("answer for a").contains("[REDACTED]")
                .doesNotContain(SSN);
        assertThat(team.allText()).contains("cc-42"); // the key's chargeback attributes
        assertThat(team.received()).allSatisfy(x -> {
            assertThat(x.path()).isEqualTo("/team");
            assertThat(x.headers().get("authorization")).isEqualTo(TEAM_TOKEN);
        });
        assertThat(platform.received()).allSatisfy(x -> assertThat(x.headers().get("authorization")).isEqualTo(HOOK_TOKEN));
    }

    @Test
    void noSecretReachesAnyPayloadOrAnotherSinksHeaders() throws Exception {
        openai.enqueue(Reply.text("scan me"));
        HttpResponse<String> r = ask(KEY_A, chat("scan " + KEY_B));
        assertThat(r.statusCode()).isEqualTo(200);
        String id = requestId(r);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(platform.allText()).contains(id);
            assertThat(team.allText()).contains(id);
            assertThat(spans().stream().filter(s -> id.equals(requestIdOf(s)))).isNotEmpty();
        });
        for (FakeReceiver receiver : List.of(collector, platform, team, dead)) {
            for (FakeReceiver.Received x : receiver.received()) {
                String text = new String(x.body(), java.nio.charset.StandardCharsets.ISO_8859_1);
                for (String secret : List.of(KEY_A, OPENAI_KEY, OTEL_TOKEN, HOOK_TOKEN, TEAM_TOKEN)) {
                    assertThat(text).as("a payload to %s", x.path()).doesNotContain(secret);
                }
                Map<String, String> others = new java.util.TreeMap<>(x.headers());
                others.remove("authorization"); // each receiver's own credential (asserted in the tests above)
                assertThat(others.toString()).doesNotContain(KEY_A).doesNotContain(OPENAI_KEY).doesNotContain(HOOK_TOKEN)
                        .doesNotContain(TEAM_TOKEN).doesNotContain(OTEL_TOKEN);
            }
        }
    }

    @Test
    void aSinkThatNeverAnswersSlowsNoRequestAndItsLossIsCounted() throws Exception {
        for (int i = 0; i < 60; i++) {
            openai.enqueue(Reply.text("fast " + i));
        }
        for (int i = 0; i < 60; i++) {
            HttpResponse<String> r = ask(KEY_B, chat("flood " + i));
            assertThat(r.statusCode()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            String scrape = HTTP.send(HttpRequest.newBuilder(metrics.toURI()).build(), HttpResponse.BodyHandlers.ofString()).body();
            double dropped = scrape.lines().filter(l -> l.startsWith("tollgate_callback_records_total{")
                    && l.contains("sink=\"default/obs/dead\"") && l.contains("result=\"dropped\""))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
            assertThat(dropped).isGreaterThan(0);
        });
        assertThat(dead.received()).isNotEmpty(); // it was sent to: it just never answers
    }

    // ---- cache hits --------------------------------------------------------------------------------------------

    /** The platform sink's record of a request, once it arrived. */
    static com.fasterxml.jackson.databind.JsonNode platformRecord(String requestId) {
        for (FakeReceiver.Received x : platform.received()) {
            for (com.fasterxml.jackson.databind.JsonNode r : Json.parse(x.text()).path("records")) {
                if (requestId.equals(r.path("request_id").asText())) {
                    return r;
                }
            }
        }
        return null;
    }

    /**
     * A streamed cache hit is recorded like a streamed answer: cache status HIT, the answer's finish reasons, id and
     * model, a time to first token, and (for a sink that logs content) the answer's text.
     */
    @Test
    void aStreamedCacheHitIsRecordedWithItsFinishReasonsAndAnswer() throws Exception {
        openai.enqueue(Reply.text("cached and observed").usage(5, 3).model("gpt-4o-mini-2024-07-18"));
        ObjectNode body = chat("observed hit").put("model", "cached");
        HttpResponse<String> miss = ask(KEY_A, body);
        assertThat(miss.headers().firstValue("x-tollgate-cache")).hasValue("MISS");
        String responseId = Json.parse(miss.body()).path("id").asText();
        HttpResponse<String> hit = ask(KEY_A, body.deepCopy().put("stream", true));
        assertThat(hit.statusCode()).isEqualTo(200);
        assertThat(hit.headers().firstValue("x-tollgate-cache")).hasValue("HIT");
        assertThat(hit.body()).endsWith("data: [DONE]\n\n");
        assertThat(openai.requests()).hasSize(1);
        String id = requestId(hit);
        await().atMost(Duration.ofSeconds(15)).until(() -> platformRecord(id) != null);
        com.fasterxml.jackson.databind.JsonNode r = platformRecord(id);
        assertThat(r.path("cache_status").asText()).isEqualTo("HIT");
        assertThat(r.path("stream").asBoolean()).isTrue();
        assertThat(r.path("finish_reasons").toString()).isEqualTo("[\"stop\"]");
        assertThat(r.path("response_id").asText()).isEqualTo(responseId);
        assertThat(r.path("response_model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(r.path("time_to_first_token_ms").isIntegralNumber()).as(r.toString()).isTrue();
        assertThat(r.path("answer").asText()).isEqualTo("cached and observed");
    }

    @Test
    void aStreamedCacheHitInAnthropicsDialectIsRecordedWithItsStopReasonAndAnswer() throws Exception {
        openai.enqueue(Reply.text("claude-shaped and cached").usage(6, 4).model("gpt-4o-mini-2024-07-18"));
        ObjectNode body = Json.object().put("model", "cached").put("max_tokens", 64);
        body.putArray("messages").addObject().put("role", "user").put("content", "observed anthropic hit");
        HttpResponse<String> miss = messages(KEY_A, body);
        assertThat(miss.statusCode()).as(miss.body()).isEqualTo(200);
        assertThat(miss.headers().firstValue("x-tollgate-cache")).hasValue("MISS");
        String responseId = Json.parse(miss.body()).path("id").asText();
        HttpResponse<String> hit = messages(KEY_A, body.deepCopy().put("stream", true));
        assertThat(hit.statusCode()).isEqualTo(200);
        assertThat(hit.headers().firstValue("x-tollgate-cache")).hasValue("HIT");
        assertThat(hit.body()).contains("event: message_stop");
        assertThat(openai.requests()).hasSize(1);
        String id = requestId(hit);
        await().atMost(Duration.ofSeconds(15)).until(() -> platformRecord(id) != null);
        com.fasterxml.jackson.databind.JsonNode r = platformRecord(id);
        assertThat(r.path("cache_status").asText()).isEqualTo("HIT");
        assertThat(r.path("ingress").asText()).isEqualTo("anthropic");
        assertThat(r.path("finish_reasons").toString()).as("Anthropic's stop_reason").isEqualTo("[\"end_turn\"]");
        assertThat(r.path("response_id").asText()).isEqualTo(responseId);
        assertThat(r.path("time_to_first_token_ms").isIntegralNumber()).as(r.toString()).isTrue();
        assertThat(r.path("answer").asText()).isEqualTo("claude-shaped and cached");
    }

    HttpResponse<String> messages(String key, ObjectNode body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/messages")).timeout(Duration.ofSeconds(20))
                .header("x-api-key", key).header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theGenAiMetricsAreOnThePrometheusScrape() throws Exception {
        openai.enqueue(Reply.text("metered").usage(7, 2));
        assertThat(ask(KEY_A, chat("metrics")).statusCode()).isEqualTo(200);
        String scrape = HTTP.send(HttpRequest.newBuilder(metrics.toURI()).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(scrape).contains("gen_ai_client_token_usage").contains("gen_ai_client_operation_duration");
        assertThat(scrape.lines().filter(l -> l.startsWith("gen_ai_client_token_usage")
                && l.contains("gen_ai_request_model=\"chat\"")).count()).isPositive();
    }
}
