package dev.tollgate.gateway.observe.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.CallRecords;
import dev.tollgate.gateway.observe.Callbacks;
import dev.tollgate.gateway.observe.SinkFormat;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link LangfuseFormat}: the batch as Langfuse's ingestion API documents it, field by field, and deliveries through
 * {@link Callbacks} to a {@link FakeLangfuse} (auth, 207 with per-event errors).
 */
class LangfuseFormatTest {
    static final SinkTarget TARGET = new SinkTarget("team-a/langfuse", "langfuse", "https://langfuse.example/",
            Map.of("publicKey", "pk-lf-1", "secretKey", "sk-lf-2"), Map.of("x-extra", "1"), false, "gw-ns/gw");
    static final SinkTarget WITH_CONTENT = new SinkTarget("team-a/langfuse", "langfuse", "https://langfuse.example",
            Map.of("publicKey", "pk-lf-1", "secretKey", "sk-lf-2"), Map.of(), true, "gw-ns/gw");

    static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    static JsonNode json(Buffer b) throws Exception {
        return Json.mapper().readTree(b.getBytes());
    }

    @Test
    void aBatchIsOneIngestionRequestWithBasicAuth() throws Exception {
        List<SinkRequest> requests = new LangfuseFormat().encode(
                List.of(CallRecords.streamed("req-1", "team-a"), CallRecords.failed("req-2", "team-a", "bad gateway")),
                TARGET);

        assertThat(requests).hasSize(1);
        SinkRequest r = requests.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.url()).isEqualTo("https://langfuse.example/api/public/ingestion");
        assertThat(r.headers()).containsEntry("content-type", "application/json").containsEntry("x-extra", "1")
                .containsEntry("authorization", "Basic " + Base64.getEncoder()
                        .encodeToString("pk-lf-1:sk-lf-2".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.records()).isEqualTo(2);
        JsonNode batch = json(r.body()).path("batch");
        assertThat(batch).hasSize(4);
        assertThat(batch.get(0).path("type").asText()).isEqualTo("trace-create");
        assertThat(batch.get(1).path("type").asText()).isEqualTo("generation-create");
        assertThat(batch.get(2).path("type").asText()).isEqualTo("trace-create");
        assertThat(batch.get(3).path("type").asText()).isEqualTo("generation-create");
        List<String> ids = new ArrayList<>();
        batch.forEach(e -> ids.add(e.path("id").asText()));
        assertThat(ids).doesNotHaveDuplicates().allMatch(id -> id.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
                + "[0-9a-f]{4}-[0-9a-f]{12}"));
        // the same record encodes to the same event ids: a retried delivery is de-duplicated by Langfuse
        JsonNode again = json(new LangfuseFormat().encode(List.of(CallRecords.streamed("req-1", "team-a")), TARGET)
                .get(0).body()).path("batch");
        assertThat(again.get(0).path("id").asText()).isEqualTo(ids.get(0));
        assertThat(again.get(1).path("id").asText()).isEqualTo(ids.get(1));
    }

    @Test
    void theTraceEvent() throws Exception {
        JsonNode event = json(new LangfuseFormat().encode(List.of(CallRecords.ok("req-1", "team-a")), TARGET).get(0)
                .body()).path("batch").get(0);
        assertThat(event.path("timestamp").asText()).isEqualTo("2026-12-05T11:00:00.950000Z");
        JsonNode body = event.path("body");
        assertThat(body.path("id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(body.path("timestamp").asText()).isEqualTo("2026-12-05T11:00:00.000000Z");
        assertThat(body.path("name").asText()).isEqualTo("chat chat");
        assertThat(body.path("userId").asText()).isEqualTo("team-a/app-key");
        assertThat(body.path("tags")).extracting(JsonNode::asText).containsExactly("tollgate", "team-a");
        assertThat(body.has("input")).isFalse();
        assertThat(body.has("output")).isFalse();
        JsonNode m = body.path("metadata");
        assertThat(m.path("request_id").asText()).isEqualTo("req-1");
        assertThat(m.path("gateway").asText()).isEqualTo("gw-ns/gw");
        assertThat(m.path("key_id").asText()).isEqualTo("team-a/app-key");
        assertThat(m.path("key_attributes").path("team").asText()).isEqualTo("search");
        assertThat(m.path("key_attributes").path("costCenter").asText()).isEqualTo("cc-42");
        assertThat(m.path("budgets")).extracting(JsonNode::asText).containsExactly("team-a/monthly");
        assertThat(m.path("cache_status").asText()).isEqualTo("MISS");
        assertThat(m.path("provider").asText()).isEqualTo("azure");
        assertThat(m.path("deployment").asText()).isEqualTo("llm/gpt-secondary");
        assertThat(m.path("cost_usd").asText()).isEqualTo("0.000123");
        assertThat(m.path("attempts")).hasSize(2);
        assertThat(m.path("attempts").get(0).path("error_type").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(m.path("attempts").get(0).path("superseded").asBoolean()).isTrue();
        assertThat(m.path("attempts").get(1).path("status").asInt()).isEqualTo(200);
    }

    @Test
    void theGenerationEvent() throws Exception {
        Buffer raw = new LangfuseFormat().encode(List.of(CallRecords.streamed("req-1", "team-a")), TARGET).get(0)
                .body();
        JsonNode event = json(raw).path("batch").get(1);
        JsonNode body = event.path("body");
        assertThat(body.path("id").asText()).isEqualTo("b7ad6b7169203331");
        assertThat(body.path("traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(body.path("name").asText()).isEqualTo("chat chat");
        assertThat(body.path("startTime").asText()).isEqualTo("2026-12-05T11:00:00.000000Z");
        assertThat(body.path("endTime").asText()).isEqualTo("2026-12-05T11:00:00.950000Z");
        assertThat(body.path("completionStartTime").asText()).isEqualTo("2026-12-05T11:00:00.150000Z");
        assertThat(body.path("model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(body.path("modelParameters").path("max_tokens").asInt()).isEqualTo(256);
        assertThat(body.path("modelParameters").path("temperature").decimalValue()).isEqualByComparingTo("0.2");
        assertThat(body.path("modelParameters").path("stop").get(0).asText()).isEqualTo("\n\n");
        // 1200 prompt tokens of which 1000 read from and 100 written to the provider's cache
        JsonNode usage = body.path("usageDetails");
        assertThat(usage.path("input").asLong()).isEqualTo(100);
        assertThat(usage.path("input_cache_read").asLong()).isEqualTo(1000);
        assertThat(usage.path("input_cache_creation").asLong()).isEqualTo(100);
        assertThat(usage.path("output").asLong()).isEqualTo(80);
        assertThat(usage.path("total").asLong()).isEqualTo(1280);
        // 1,500,000 micro-USD: exactly 1.5, written as a decimal JSON number (never through a double)
        assertThat(body.path("costDetails").path("total").isBigDecimal()).isTrue();
        assertThat(body.path("costDetails").path("total").decimalValue()).isEqualByComparingTo(new BigDecimal("1.5"));
        assertThat(raw.toString()).contains("\"costDetails\":{\"total\":1.500000}");
        assertThat(body.has("level")).isFalse();
        assertThat(body.has("statusMessage")).isFalse();
        assertThat(body.has("input")).isFalse();
        assertThat(body.path("metadata").path("stream").asBoolean()).isTrue();
    }

    @Test
    void aFailedRequestIsAnErrorLevelGeneration() throws Exception {
        JsonNode body = json(new LangfuseFormat().encode(
                List.of(CallRecords.failed("req-2", "team-a", "upstream said no")), TARGET).get(0).body())
                .path("batch").get(1).path("body");
        assertThat(body.path("level").asText()).isEqualTo("ERROR");
        assertThat(body.path("statusMessage").asText()).isEqualTo("502 upstream_error: upstream said no");
        assertThat(body.has("costDetails")).isFalse();
        assertThat(body.path("usageDetails").path("input").asLong()).isEqualTo(1200);
        assertThat(body.path("usageDetails").has("output")).isFalse();
        assertThat(body.path("metadata").path("error_type").asText()).isEqualTo("upstream_error");
    }

    @Test
    void contentIsSentOnlyWhenTheSinkLogsIt() throws Exception {
        CallRecord r = CallRecords.withContent(CallRecords.ok("req-3", "team-a"), "hello there", "general kenobi");
        JsonNode with = json(new LangfuseFormat().encode(List.of(r), WITH_CONTENT).get(0).body()).path("batch");
        assertThat(with.get(1).path("body").path("input").path("messages").get(0).path("content").asText())
                .isEqualTo("hello there");
        assertThat(with.get(1).path("body").path("output").asText()).isEqualTo("general kenobi");
        assertThat(with.get(0).path("body").path("output").asText()).isEqualTo("general kenobi");
        JsonNode without = json(new LangfuseFormat().encode(List.of(r), TARGET).get(0).body()).path("batch");
        assertThat(without.get(1).path("body").has("input")).isFalse();
        assertThat(without.get(0).path("body").has("output")).isFalse();
    }

    @Test
    void aBatchOverTheSizeLimitIsSplit() throws Exception {
        List<CallRecord> big = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            big.add(CallRecords.withContent(CallRecords.ok("big-" + i, "team-a"), "x", "y".repeat(700_000)));
        }
        List<SinkRequest> requests = new LangfuseFormat().encode(big, WITH_CONTENT);
        assertThat(requests).hasSizeGreaterThan(1);
        assertThat(requests.stream().mapToInt(SinkRequest::records).sum()).isEqualTo(5);
        for (SinkRequest r : requests) {
            assertThat(r.body().length()).isLessThanOrEqualTo(LangfuseFormat.MAX_BODY_BYTES);
            assertThat(json(r.body()).path("batch")).hasSize(2 * r.records());
        }
    }

    @Test
    void rejectedCountsRecordsWithAnErroneousEvent() {
        CallRecord a = CallRecords.ok("a", null);
        CallRecord b = CallRecords.ok("b", null);
        String body = "{\"successes\":[{\"id\":\"" + LangfuseFormat.eventId(b, 0) + "\",\"status\":201}],"
                + "\"errors\":[{\"id\":\"" + LangfuseFormat.eventId(a, 0) + "\",\"status\":400},"
                + "{\"id\":\"" + LangfuseFormat.eventId(a, 1) + "\",\"status\":400},"
                + "{\"id\":\"" + LangfuseFormat.eventId(b, 1) + "\",\"status\":500,\"message\":\"x\"}]}";
        SinkFormat f = new LangfuseFormat();
        assertThat(f.rejected(207, Buffer.buffer(body))).isEqualTo(2);
        assertThat(f.rejected(207, Buffer.buffer("{\"successes\":[],\"errors\":[]}"))).isZero();
        assertThat(f.rejected(200, Buffer.buffer(""))).isZero();
        assertThat(f.rejected(207, Buffer.buffer("not json"))).isZero();
    }

    @Test
    void deliveredToAFakeLangfuseThroughCallbacks() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (FakeLangfuse langfuse = new FakeLangfuse(vertx, "pk-lf-good", "sk-lf-good");
             Callbacks callbacks = new Callbacks(vertx, List.of(sink("team-a/lf", langfuse.url(), "team-a/lf-keys")),
                     Map.of("team-a/lf-keys/public", "pk-lf-good", "team-a/lf-keys/secret", "sk-lf-good")::get,
                     Map.of("langfuse", new LangfuseFormat()), "gw-ns/gw", registry,
                     new Callbacks.Timing(1_000, 2_000, 20, 100, 2_000))) {
            CallRecord refused = CallRecords.failed("r-2", "team-a", "no");
            // the failed record has its own trace id in this test
            refused = new CallRecord(refused.requestId(), "0af7651916cd43dd8448eb211c80319c", refused.spanId(), null,
                    true, refused.startEpochNanos(), refused.endEpochNanos(), null, refused.operation(),
                    refused.path(), refused.ingress(), refused.keyId(), refused.keyNamespace(),
                    refused.keyAttributes(), refused.budgets(), refused.requestedModel(), refused.model(),
                    refused.deploymentId(), refused.provider(), refused.upstreamModel(), null, null, null, null,
                    false, Map.of(), 502, "upstream_error", "no", null, null, null, null, null, null, List.of(),
                    List.of(), null, null);
            langfuse.reject.add("0af7651916cd43dd8448eb211c80319c");
            callbacks.offer(CallRecords.ok("r-1", "team-a"));
            callbacks.offer(refused);
            callbacks.offer(CallRecords.streamed("r-3", "team-a"));

            await().atMost(Duration.ofSeconds(10)).until(() -> count(registry, "team-a/lf", "sent") == 2
                    && count(registry, "team-a/lf", "failed") == 1);
            assertThat(langfuse.server.received()).hasSize(1); // a 207 is not retried
            assertThat(langfuse.accepted).hasSize(4);
            assertThat(langfuse.accepted).extracting(e -> e.path("type").asText())
                    .containsExactly("trace-create", "generation-create", "trace-create", "generation-create");
        }
    }

    @Test
    void wrongKeysAre401AndNotRetried() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (FakeLangfuse langfuse = new FakeLangfuse(vertx, "pk-lf-good", "sk-lf-good");
             Callbacks callbacks = new Callbacks(vertx, List.of(sink("gw/lf", langfuse.url(), "gw/lf-keys")),
                     Map.of("gw/lf-keys/public", "pk-lf-good", "gw/lf-keys/secret", "sk-lf-wrong")::get,
                     Map.of("langfuse", new LangfuseFormat()), "gw-ns/gw", registry,
                     new Callbacks.Timing(1_000, 2_000, 20, 100, 2_000))) {
            callbacks.offer(CallRecords.ok("r-1", null));
            callbacks.offer(CallRecords.ok("r-2", null));

            await().atMost(Duration.ofSeconds(10)).until(() -> count(registry, "gw/lf", "failed") == 2);
            assertThat(langfuse.server.received()).hasSize(1);
            assertThat(langfuse.accepted).isEmpty();
            assertThat(count(registry, "gw/lf", "sent")).isZero();
        }
    }

    static GatewayConfig.Sink sink(String id, String url, String secret) {
        return new GatewayConfig.Sink(id, "langfuse", url, id.startsWith("team-a/") ? "team-a" : null,
                Map.of("publicKey", secret + "/public", "secretKey", secret + "/secret"), Map.of(), false, List.of(),
                100, 10, 100, 3);
    }

    static double count(SimpleMeterRegistry registry, String sink, String result) {
        Counter c = registry.find("tollgate.callback.records").tag("sink", sink).tag("result", result).counter();
        return c == null ? -1 : c.count();
    }
}
