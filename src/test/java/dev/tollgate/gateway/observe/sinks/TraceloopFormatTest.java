package dev.tollgate.gateway.observe.sinks;

import static dev.tollgate.gateway.observe.sinks.SinkSamples.API_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.GenAiSpans;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Traceloop through its OTLP endpoint: where and how the spans go (URL, bearer key, protobuf), with a recording span
 * encoder, and the body being exactly the gateway's GenAI spans ({@link GenAiSpans#encode}) of the same batch.
 */
class TraceloopFormatTest {
    static final Vertx VERTX = Vertx.vertx();
    static final HttpClient CLIENT = VERTX.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1));

    @AfterAll
    static void close() {
        VERTX.close();
    }

    static List<CallRecord> batch() {
        return List.of(SinkSamples.success(), SinkSamples.failure(), SinkSamples.cacheHit());
    }

    /** What the format asked the span encoder for. */
    record Call(List<CallRecord> records, String serviceName, String serviceInstance, boolean withContent) {}

    static final class Recording implements TraceloopFormat.SpanEncoder {
        final List<Call> calls = new ArrayList<>();

        @Override
        public byte[] encode(List<CallRecord> records, String serviceName, String serviceInstance, boolean withContent) {
            calls.add(new Call(records, serviceName, serviceInstance, withContent));
            return ("spans:" + records.size()).getBytes(StandardCharsets.UTF_8);
        }
    }

    @Test
    void aBatchIsOneProtobufExportToV1TracesWithTheBearerKey() {
        Recording spans = new Recording();
        TraceloopFormat format = new TraceloopFormat(spans, "gw-7d9f-abcde");
        SinkTarget target = SinkSamples.target("traceloop", "https://traceloop.example/", true);

        List<SinkRequest> requests = format.encode(batch(), target);

        assertThat(requests).hasSize(1);
        SinkRequest req = requests.get(0);
        assertThat(req.method()).isEqualTo("POST");
        assertThat(req.url()).isEqualTo("https://traceloop.example/v1/traces");
        assertThat(req.records()).isEqualTo(3);
        assertThat(SinkSamples.lower(req.headers())).containsEntry("authorization", "Bearer " + API_KEY)
                .containsEntry("content-type", "application/x-protobuf")
                .containsEntry("x-team-tag", "observability-plain-header");
        assertThat(req.body().toString()).isEqualTo("spans:3");
        assertThat(spans.calls).containsExactly(new Call(batch(), "tollgate-gateway", "gw-7d9f-abcde", true));
        assertThat(req.toString()).doesNotContain(API_KEY);
    }

    @Test
    void retriesAreOtlps() {
        TraceloopFormat format = new TraceloopFormat(new Recording(), null);
        assertThat(List.of(429, 502, 503, 504)).allSatisfy(s -> assertThat(format.retryable(s)).isTrue());
        assertThat(List.of(400, 401, 408, 415, 500)).allSatisfy(s -> assertThat(format.retryable(s)).isFalse());
    }

    @Test
    void theSpansCarryContentOnlyWhenTheSinkLogsIt() {
        Recording spans = new Recording();
        new TraceloopFormat(spans, "gw-7d9f-abcde").encode(batch(), SinkSamples.target("traceloop", "https://t.example", false));
        assertThat(spans.calls).hasSize(1);
        assertThat(spans.calls.get(0).withContent()).isFalse();
    }

    @Test
    void theServiceTakesTheExportAndRefusesAMissingKey() throws Exception {
        TraceloopFormat format = new TraceloopFormat(new Recording(), null);
        try (FakeSinkService traceloop = FakeSinkService.traceloop(VERTX, API_KEY)) {
            SinkSamples.Answer ok = SinkSamples.send(CLIENT,
                    format.encode(batch(), SinkSamples.target("traceloop", traceloop.url(), true)).get(0));
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.headers().get("content-type")).isEqualTo("application/x-protobuf");

            SinkSamples.Answer refused = SinkSamples.send(CLIENT,
                    format.encode(batch(), SinkSamples.targetWithoutKey("traceloop", traceloop.url())).get(0));
            assertThat(refused.status()).isEqualTo(401);
            assertThat(format.retryable(refused.status())).isFalse();

            assertThat(traceloop.received).hasSize(2);
            assertThat(traceloop.received.get(0).header("authorization")).isEqualTo("Bearer " + API_KEY);
            assertThat(traceloop.received.get(0).body().toString()).isEqualTo("spans:3");
        }
        assertThat(format.encode(List.of(), SinkSamples.target("traceloop", TraceloopFormat.DEFAULT_URL, false))).isEmpty();
        assertThat(SinkFormats.defaultUrl(GatewayConfig.Sink.TRACELOOP)).isEqualTo("https://api.traceloop.com");
    }

    /**
     * The default format's body is the gateway's GenAI spans of the same batch (decoded with opentelemetry-proto's
     * classes: the resource, a span per request and per attempt, the prompt and answer when the sink logs content),
     * and carries no credential nor key.
     */
    @Test
    void theBodyIsTheGatewaysGenAiSpansOfTheBatch() throws Exception {
        SinkTarget target = SinkSamples.target("traceloop", "https://traceloop.example", true);
        List<CallRecord> records = batch();

        SinkRequest req = new TraceloopFormat().encode(records, target).get(0);

        String pod = System.getenv("HOSTNAME");
        byte[] expected = GenAiSpans.encode(records, target.serviceName(), pod == null || pod.isBlank() ? null : pod, true);
        assertThat(expected).isNotEmpty();
        assertThat(req.body().getBytes()).isEqualTo(expected);
        SinkSamples.assertNoSecret(req.body().getBytes());

        ExportTraceServiceRequest export = ExportTraceServiceRequest.parseFrom(req.body().getBytes());
        assertThat(export.getResourceSpansCount()).isEqualTo(1);
        ResourceSpans resource = export.getResourceSpans(0);
        assertThat(resource.getResource().getAttributesList())
                .anySatisfy(kv -> {
                    assertThat(kv.getKey()).isEqualTo("service.name");
                    assertThat(kv.getValue().getStringValue()).isEqualTo("tollgate-gateway");
                });
        List<Span> spans = new ArrayList<>();
        resource.getScopeSpansList().forEach(scope -> spans.addAll(scope.getSpansList()));
        assertThat(spans).as("a span per request, a child per attempt (the cache hit has none)").hasSize(5);
        assertThat(spans).extracting(span -> HexFormat.of().formatHex(span.getTraceId().toByteArray()))
                .containsOnly("4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c",
                        "5b8aa5a2d2c872e8321cf37308d69df2");
        assertThat(spans.toString()).contains("What is 2+2?");

        byte[] bare = new TraceloopFormat().encode(records,
                SinkSamples.target("traceloop", "https://traceloop.example", false)).get(0).body().getBytes();
        assertThat(ExportTraceServiceRequest.parseFrom(bare).toString()).doesNotContain("What is 2+2?");

        try (FakeSinkService traceloop = FakeSinkService.traceloop(VERTX, API_KEY)) {
            SinkRequest sent = new TraceloopFormat().encode(records,
                    SinkSamples.target("traceloop", traceloop.url(), true)).get(0);
            assertThat(SinkSamples.send(CLIENT, sent).status()).isEqualTo(200);
        }
    }
}
