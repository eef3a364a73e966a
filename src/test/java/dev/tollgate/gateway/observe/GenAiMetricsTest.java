package dev.tollgate.gateway.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.config.GatewayConfig;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link GenAiMetrics}: the Micrometer meters (names, tags, counts, bucket placement against the semconv's advised
 * boundaries, https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-metrics/) and the OTLP/HTTP export to a fake
 * collector, decoded with opentelemetry-proto's generated classes.
 */
class GenAiMetricsTest {
    static final long T0 = 1_764_900_000_000_000_000L;
    static final long MS = 1_000_000L;

    static Vertx vertx;
    static FakeCollector collector;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        collector = new FakeCollector(vertx);
    }

    @AfterAll
    static void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /**
     * A fake OpenTelemetry collector's OTLP/HTTP receiver, as the OTLP specification describes it
     * (https://opentelemetry.io/docs/specs/otlp/#otlphttp): {@code POST /v1/metrics} with a binary protobuf
     * {@code ExportMetricsServiceRequest} body ({@code Content-Type: application/x-protobuf}), answered 200 with a
     * protobuf {@code ExportMetricsServiceResponse}; any other path or content type is 404 / 415.
     */
    static final class FakeCollector {
        record Received(MultiMap headers, ExportMetricsServiceRequest request) {}

        final List<Received> received = new CopyOnWriteArrayList<>();
        final HttpServer server;

        FakeCollector(Vertx vertx) {
            server = vertx.createHttpServer().requestHandler(req -> {
                if (!"/v1/metrics".equals(req.path()) || req.method() != io.vertx.core.http.HttpMethod.POST) {
                    req.response().setStatusCode(404).end();
                    return;
                }
                if (!"application/x-protobuf".equals(req.getHeader("content-type"))) {
                    req.response().setStatusCode(415).end();
                    return;
                }
                req.body().onSuccess(body -> {
                    try {
                        received.add(new Received(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
                                ExportMetricsServiceRequest.parseFrom(body.getBytes())));
                        req.response().putHeader("content-type", "application/x-protobuf").setStatusCode(200)
                                .end(Buffer.buffer(ExportMetricsServiceResponse.getDefaultInstance().toByteArray()));
                    } catch (Exception e) {
                        req.response().setStatusCode(400).end();
                    }
                });
            });
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
        }

        String endpoint() {
            return "http://127.0.0.1:" + server.actualPort();
        }
    }

    // ---------------------------------------------------------------- records

    static CallRecord record(String provider, String requested, String host, boolean stream, int status,
            String errorType, long durationMs, Long firstTokenMs, Long in, Long out, String cacheStatus) {
        return new CallRecord("r", "4bf92f3577b34da6a3ce929d0e0e4736", "a1b2c3d4e5f60718", null, true, T0,
                T0 + durationMs * MS, firstTokenMs == null ? null : firstTokenMs * MS, "chat", "/v1/chat/completions",
                "openai", "ns/key", "ns", Map.of(), List.of(), requested, requested, "ns/dep", provider, "m", "m-1",
                "id", host, host == null ? null : 443, stream, Map.of(), status, errorType, null, in, out, null, null,
                10L, cacheStatus, List.of(), List.of(), null, null);
    }

    static double[] cumulative(CountAtBucket[] buckets) {
        double[] counts = new double[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            counts[i] = buckets[i].count();
        }
        return counts;
    }

    /** The cumulative count at the bucket whose upper bound is {@code le} (seconds for timers). */
    static double countAt(CountAtBucket[] buckets, double le, boolean seconds) {
        for (CountAtBucket b : buckets) {
            double bound = seconds ? b.bucket(TimeUnit.SECONDS) : b.bucket();
            if (Math.abs(bound - le) < 1e-9) {
                return b.count();
            }
        }
        throw new AssertionError("no bucket " + le + " in " + java.util.Arrays.toString(buckets));
    }

    // ---------------------------------------------------------------- Micrometer

    @Test
    void metersHaveTheSemconvNamesTagsAndBuckets() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GenAiMetrics m = new GenAiMetrics(registry);
        m.record(record("openai", "gpt-4o", "api.openai.com", false, 200, null, 1_500, null, 100L, 20L, "MISS"));
        m.record(record("openai", "gpt-4o", "api.openai.com", false, 200, null, 700, null, 3_000L, 5L, null));
        // a stream: 3 s, first token at 300 ms, 31 output tokens: (3 - 0.3) / 30 = 0.09 s per token
        m.record(record("anthropic", "claude", "api.anthropic.com", true, 200, null, 3_000, 300L, 12L, 31L, null));
        m.record(record("azure", "gpt-4o", "east.openai.azure.com", false, 429, "rate_limit_exceeded", 40, null, null,
                null, null));
        m.record(record(null, "gpt-4o", null, false, 200, null, 3, null, 100L, 20L, "HIT"));

        Timer ok = registry.find(GenAiMetrics.OPERATION_DURATION).tag("gen_ai.operation.name", "chat")
                .tag("gen_ai.provider.name", "openai").tag("gen_ai.request.model", "gpt-4o")
                .tag("server.address", "api.openai.com").tag("server.port", "443").tag("error.type", "").timer();
        assertThat(ok).isNotNull();
        assertThat(ok.count()).isEqualTo(2);
        CountAtBucket[] okBuckets = ok.takeSnapshot().histogramCounts();
        assertThat(okBuckets).extracting(b -> b.bucket(TimeUnit.SECONDS))
                .as("the semconv's boundaries").containsExactlyElementsOf(GenAiMetrics.DURATION_BUCKETS);
        assertThat(countAt(okBuckets, 0.64, true)).isZero();
        assertThat(countAt(okBuckets, 1.28, true)).as("0.7 s").isEqualTo(1);
        assertThat(countAt(okBuckets, 2.56, true)).as("and 1.5 s").isEqualTo(2);

        Timer failed = registry.find(GenAiMetrics.OPERATION_DURATION).tag("gen_ai.provider.name", "azure.ai.openai")
                .tag("error.type", "rate_limit_exceeded").timer();
        assertThat(failed.count()).isEqualTo(1);
        assertThat(countAt(failed.takeSnapshot().histogramCounts(), 0.04, true)).isEqualTo(1);
        assertThat(registry.find(GenAiMetrics.TOKEN_USAGE).tag("gen_ai.provider.name", "azure.ai.openai").meters())
                .as("no tokens known: none counted").isEmpty();

        DistributionSummary input = registry.find(GenAiMetrics.TOKEN_USAGE).tag("gen_ai.provider.name", "openai")
                .tag("gen_ai.token.type", "input").summary();
        assertThat(input.count()).isEqualTo(2);
        assertThat(input.totalAmount()).isEqualTo(3_100);
        CountAtBucket[] inBuckets = input.takeSnapshot().histogramCounts();
        assertThat(inBuckets).extracting(CountAtBucket::bucket)
                .containsExactlyElementsOf(GenAiMetrics.TOKEN_BUCKETS.stream().map(Long::doubleValue).toList());
        assertThat(countAt(inBuckets, 64, false)).isZero();
        assertThat(countAt(inBuckets, 256, false)).as("100").isEqualTo(1);
        assertThat(countAt(inBuckets, 1024, false)).isEqualTo(1);
        assertThat(countAt(inBuckets, 4096, false)).as("and 3000").isEqualTo(2);
        DistributionSummary output = registry.find(GenAiMetrics.TOKEN_USAGE).tag("gen_ai.provider.name", "openai")
                .tag("gen_ai.token.type", "output").summary();
        assertThat(output.totalAmount()).isEqualTo(25);
        assertThat(registry.find(GenAiMetrics.TOKEN_USAGE).tag("gen_ai.provider.name", "none").meters())
                .as("a cache hit used no tokens").isEmpty();
        assertThat(registry.find(GenAiMetrics.OPERATION_DURATION).tag("gen_ai.provider.name", "none").timer().count())
                .as("but is a timed operation").isEqualTo(1);

        Timer ttft = registry.find(GenAiMetrics.TIME_TO_FIRST_TOKEN).tag("gen_ai.provider.name", "anthropic")
                .tag("gen_ai.request.model", "claude").timer();
        assertThat(ttft.count()).isEqualTo(1);
        CountAtBucket[] ttftBuckets = ttft.takeSnapshot().histogramCounts();
        assertThat(ttftBuckets).extracting(b -> b.bucket(TimeUnit.SECONDS))
                .containsExactlyElementsOf(GenAiMetrics.TIME_TO_FIRST_TOKEN_BUCKETS);
        assertThat(countAt(ttftBuckets, 0.25, true)).isZero();
        assertThat(countAt(ttftBuckets, 0.5, true)).as("0.3 s").isEqualTo(1);
        Timer tpot = registry.find(GenAiMetrics.TIME_PER_OUTPUT_TOKEN).tag("gen_ai.provider.name", "anthropic").timer();
        assertThat(tpot.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(90.0);
        CountAtBucket[] tpotBuckets = tpot.takeSnapshot().histogramCounts();
        assertThat(tpotBuckets).extracting(b -> b.bucket(TimeUnit.SECONDS))
                .containsExactlyElementsOf(GenAiMetrics.TIME_PER_OUTPUT_TOKEN_BUCKETS);
        assertThat(countAt(tpotBuckets, 0.075, true)).isZero();
        assertThat(countAt(tpotBuckets, 0.1, true)).isEqualTo(1);
        assertThat(registry.find(GenAiMetrics.TIME_TO_FIRST_TOKEN).tag("gen_ai.provider.name", "openai").meters())
                .as("not a stream: no time to first token").isEmpty();

        int meters = registry.getMeters().size();
        m.record(record("openai", "gpt-4o", "api.openai.com", false, 200, null, 10, null, 1L, 1L, null));
        assertThat(registry.getMeters()).as("a known tag set's meters are reused").hasSize(meters);
        assertThat(ok.count()).isEqualTo(3);
    }

    @Test
    void unusualErrorTypesAndUnknownModelsStayLowCardinality() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GenAiMetrics m = new GenAiMetrics(registry);
        m.record(record("openai", null, null, false, 500, "Upstream said: <html>oops</html> at 12:00:01", 10, null,
                null, null, null));
        m.record(record("openai", null, null, false, 502, null, 10, null, null, null, null));
        // a provider's own code, passed through for a 400/413/422/429: plain-looking, but not the gateway's
        m.record(record("openai", null, null, false, 429, "insufficient_quota", 10, null, null, null, null));
        m.record(record("openai", null, null, false, 400, "their_code_8f2a", 10, null, null, null, null));
        m.record(record("openai", null, null, false, 429, "rate_limit_exceeded", 10, null, null, null, null));
        assertThat(registry.find(GenAiMetrics.OPERATION_DURATION).tag("error.type", "_OTHER").timer().count()).isEqualTo(3);
        assertThat(registry.find(GenAiMetrics.OPERATION_DURATION).tag("error.type", "rate_limit_exceeded").timer()
                .count()).isEqualTo(1);
        assertThat(registry.find(GenAiMetrics.OPERATION_DURATION).tag("error.type", "502").timer().count()).isEqualTo(1);
        assertThat(registry.find(GenAiMetrics.OPERATION_DURATION).tag("gen_ai.request.model", "unknown").timers())
                .hasSize(3);
        assertThat(registry.getMeters()).allSatisfy(meter -> assertThat(meter.getId().getTags())
                .extracting(io.micrometer.core.instrument.Tag::getKey)
                .doesNotContain("tollgate.key.id", "key", "gen_ai.response.model"));
    }

    @Test
    void logsShowTheEndpointWithoutUserInfoOrQuery() {
        assertThat(GenAiMetrics.loggable("https://user:pw-3c1d@collector.example:4318/otlp/v1/metrics?token=q-77"))
                .isEqualTo("https://collector.example:4318/otlp/v1/metrics");
        assertThat(GenAiMetrics.loggable("http://collector:4318")).isEqualTo("http://collector:4318");
        assertThat(GenAiMetrics.loggable("not a url")).doesNotContain("not a url");
    }

    @Test
    void thePrometheusScrapeNamesThemAsTheConventionsTranslate() {
        var prom = new io.micrometer.prometheus.PrometheusMeterRegistry(io.micrometer.prometheus.PrometheusConfig.DEFAULT);
        GenAiMetrics m = new GenAiMetrics(prom);
        m.record(record("anthropic", "claude", "api.anthropic.com", true, 200, null, 3_000, 300L, 12L, 31L, null));
        m.record(record("openai", "gpt-4o", "api.openai.com", false, 429, "rate_limit_exceeded", 40, null, null, null, null));
        String scrape = prom.scrape();
        String labels = "gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"anthropic\",gen_ai_request_model=\"claude\","
                + "server_address=\"api.anthropic.com\",server_port=\"443\",";
        assertThat(scrape).contains(
                "gen_ai_client_operation_duration_seconds_bucket{error_type=\"\"," + labels + "le=\"5.12\",} 1.0",
                "gen_ai_client_operation_duration_seconds_bucket{error_type=\"\"," + labels + "le=\"2.56\",} 0.0",
                "gen_ai_client_operation_duration_seconds_count{error_type=\"rate_limit_exceeded\",gen_ai_operation_name=\"chat\","
                        + "gen_ai_provider_name=\"openai\",gen_ai_request_model=\"gpt-4o\",server_address=\"api.openai.com\","
                        + "server_port=\"443\",} 1.0",
                "gen_ai_client_token_usage_bucket{gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"anthropic\","
                        + "gen_ai_request_model=\"claude\",gen_ai_token_type=\"output\",server_address=\"api.anthropic.com\","
                        + "server_port=\"443\",le=\"64.0\",} 1.0",
                "gen_ai_server_time_to_first_token_seconds_count{" + labels + "} 1.0",
                "gen_ai_server_time_per_output_token_seconds_sum{" + labels + "} 0.09");
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("gen_ai_")) {
                names.add(line.substring(0, line.indexOf('{')));
            }
        }
        assertThat(names).as("the README's rows").containsExactlyInAnyOrder(
                "gen_ai_client_operation_duration_seconds_bucket", "gen_ai_client_operation_duration_seconds_count",
                "gen_ai_client_operation_duration_seconds_sum", "gen_ai_client_operation_duration_seconds_max",
                "gen_ai_client_token_usage_bucket", "gen_ai_client_token_usage_count", "gen_ai_client_token_usage_sum",
                "gen_ai_client_token_usage_max", "gen_ai_server_time_to_first_token_seconds_bucket",
                "gen_ai_server_time_to_first_token_seconds_count", "gen_ai_server_time_to_first_token_seconds_sum",
                "gen_ai_server_time_to_first_token_seconds_max", "gen_ai_server_time_per_output_token_seconds_bucket",
                "gen_ai_server_time_per_output_token_seconds_count", "gen_ai_server_time_per_output_token_seconds_sum",
                "gen_ai_server_time_per_output_token_seconds_max");
        assertThat(scrape).contains("# TYPE gen_ai_client_token_usage histogram",
                "# TYPE gen_ai_client_operation_duration_seconds histogram",
                "# TYPE gen_ai_server_time_to_first_token_seconds histogram",
                "# TYPE gen_ai_server_time_per_output_token_seconds histogram");
    }

    // ---------------------------------------------------------------- OTLP

    static GatewayConfig.Tracing tracing(String endpoint, long intervalMillis) {
        return new GatewayConfig.Tracing(endpoint, 1.0, "gw-under-test", Map.of("x-scope-orgid", "tenant-1"),
                Map.of("authorization", "otlp-token"), true, intervalMillis);
    }

    static Map<String, AnyValue> attrs(List<KeyValue> kvs) {
        Map<String, AnyValue> m = new LinkedHashMap<>();
        kvs.forEach(kv -> m.put(kv.getKey(), kv.getValue()));
        return m;
    }

    static List<Metric> metrics(ExportMetricsServiceRequest req) {
        List<Metric> out = new ArrayList<>();
        for (ResourceMetrics rm : req.getResourceMetricsList()) {
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                out.addAll(sm.getMetricsList());
            }
        }
        return out;
    }

    static Metric metric(ExportMetricsServiceRequest req, String name) {
        return metrics(req).stream().filter(x -> x.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not exported"));
    }

    static HistogramDataPoint point(Metric metric, Predicate<Map<String, AnyValue>> which) {
        return metric.getHistogram().getDataPointsList().stream().filter(p -> which.test(attrs(p.getAttributesList())))
                .findFirst().orElseThrow(() -> new AssertionError("no such point in " + metric.getName()));
    }

    static boolean has(Map<String, AnyValue> a, String key, String value) {
        return a.containsKey(key) && a.get(key).getStringValue().equals(value);
    }

    @Test
    void theOtlpExportSendsTheSameInstrumentsToTheCollector() {
        collector.received.clear();
        GenAiMetrics m = new GenAiMetrics(new SimpleMeterRegistry());
        m.export(tracing(collector.endpoint(), 100), ref -> "otlp-token".equals(ref) ? "Bearer s3cr3t-otlp" : null, vertx);
        try {
            assertThat(m.exporting()).isTrue();
            m.record(record("openai", "gpt-4o", "api.openai.com", false, 200, null, 1_500, null, 100L, 20L, null));
            m.record(record("anthropic", "claude", "api.anthropic.com", true, 200, null, 3_000, 300L, 12L, 31L, null));
            m.record(record("openai", "gpt-4o", "api.openai.com", false, 429, "rate_limit_exceeded", 40, null, null, null,
                    null));

            // cumulative: the first export holding all three records holds each as recorded
            Predicate<FakeCollector.Received> complete = r -> metrics(r.request()).stream().anyMatch(x ->
                    x.getName().equals(GenAiMetrics.OPERATION_DURATION) && x.getHistogram().getDataPointsCount() == 3);
            await().atMost(Duration.ofSeconds(20)).until(() -> collector.received.stream().anyMatch(complete));
            FakeCollector.Received got = collector.received.stream().filter(complete).findFirst().orElseThrow();
            assertThat(got.headers().get("authorization")).as("the secret header, resolved").isEqualTo("Bearer s3cr3t-otlp");
            assertThat(got.headers().get("x-scope-orgid")).isEqualTo("tenant-1");
            ExportMetricsServiceRequest req = got.request();
            Map<String, AnyValue> resource = attrs(req.getResourceMetrics(0).getResource().getAttributesList());
            assertThat(resource.get("service.name").getStringValue()).isEqualTo("gw-under-test");
            assertThat(resource.get("telemetry.sdk.language").getStringValue()).isEqualTo("java");
            assertThat(req.getResourceMetrics(0).getScopeMetrics(0).getScope().getName()).isEqualTo("dev.tollgate.gateway");

            Metric duration = metric(req, GenAiMetrics.OPERATION_DURATION);
            assertThat(duration.getUnit()).isEqualTo("s");
            assertThat(duration.getHistogram().getAggregationTemporality())
                    .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
            HistogramDataPoint ok = point(duration, a -> has(a, "gen_ai.provider.name", "openai") && !a.containsKey("error.type"));
            assertThat(ok.getExplicitBoundsList()).containsExactlyElementsOf(GenAiMetrics.DURATION_BUCKETS);
            assertThat(ok.getCount()).isEqualTo(1);
            assertThat(ok.getSum()).isEqualTo(1.5);
            // bucket i counts values in (bound[i-1], bound[i]]: 1.5 s is in (1.28, 2.56], index 8
            assertThat(ok.getBucketCounts(8)).isEqualTo(1);
            assertThat(ok.getBucketCountsList().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
            Map<String, AnyValue> okAttrs = attrs(ok.getAttributesList());
            assertThat(okAttrs.get("gen_ai.operation.name").getStringValue()).isEqualTo("chat");
            assertThat(okAttrs.get("gen_ai.request.model").getStringValue()).isEqualTo("gpt-4o");
            assertThat(okAttrs.get("server.address").getStringValue()).isEqualTo("api.openai.com");
            assertThat(okAttrs.get("server.port").getIntValue()).isEqualTo(443);
            HistogramDataPoint failed = point(duration, a -> has(a, "error.type", "rate_limit_exceeded"));
            assertThat(failed.getCount()).isEqualTo(1);

            Metric tokens = metric(req, GenAiMetrics.TOKEN_USAGE);
            assertThat(tokens.getUnit()).isEqualTo("{token}");
            HistogramDataPoint input = point(tokens, a -> has(a, "gen_ai.provider.name", "openai")
                    && has(a, "gen_ai.token.type", "input"));
            assertThat(input.getExplicitBoundsList())
                    .containsExactlyElementsOf(GenAiMetrics.TOKEN_BUCKETS.stream().map(Long::doubleValue).toList());
            assertThat(input.getSum()).isEqualTo(100);
            assertThat(input.getBucketCounts(4)).as("100 tokens: (64, 256], index 4").isEqualTo(1);
            HistogramDataPoint output = point(tokens, a -> has(a, "gen_ai.provider.name", "anthropic")
                    && has(a, "gen_ai.token.type", "output"));
            assertThat(output.getSum()).isEqualTo(31);

            HistogramDataPoint ttft = point(metric(req, GenAiMetrics.TIME_TO_FIRST_TOKEN), a -> true);
            assertThat(ttft.getExplicitBoundsList()).containsExactlyElementsOf(GenAiMetrics.TIME_TO_FIRST_TOKEN_BUCKETS);
            assertThat(ttft.getSum()).isEqualTo(0.3);
            assertThat(attrs(ttft.getAttributesList()).get("gen_ai.provider.name").getStringValue()).isEqualTo("anthropic");
            HistogramDataPoint tpot = point(metric(req, GenAiMetrics.TIME_PER_OUTPUT_TOKEN), a -> true);
            assertThat(tpot.getExplicitBoundsList()).containsExactlyElementsOf(GenAiMetrics.TIME_PER_OUTPUT_TOKEN_BUCKETS);
            assertThat(tpot.getSum()).isCloseTo(0.09, org.assertj.core.data.Offset.offset(1e-9));

            // the same settings again: the running export is kept (cumulative counts go on)
            Object running = m.currentExport();
            m.export(tracing(collector.endpoint(), 100), ref -> "otlp-token".equals(ref) ? "Bearer s3cr3t-otlp" : null, vertx);
            assertThat(m.currentExport()).isSameAs(running);
            // a rotated credential restarts it with the new header
            m.export(tracing(collector.endpoint(), 100), ref -> "Bearer rotated", vertx);
            assertThat(m.currentExport()).isNotSameAs(running);
            m.record(record("openai", "gpt-4o", "api.openai.com", false, 200, null, 10, null, 1L, 1L, null));
            await().atMost(Duration.ofSeconds(10)).until(() -> collector.received.stream()
                    .anyMatch(r -> "Bearer rotated".equals(r.headers().get("authorization"))));
        } finally {
            m.export(null, ref -> null, vertx);
        }
        assertThat(m.exporting()).isFalse();
        int after = collector.received.size();
        m.record(record("openai", "gpt-4o", "api.openai.com", false, 200, null, 10, null, 1L, 1L, null));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> collector.received.size() == after);
    }

    @Test
    void noExportWithoutMetricsOrEndpoint() {
        GenAiMetrics m = new GenAiMetrics(new SimpleMeterRegistry());
        GatewayConfig.Tracing tracesOnly = new GatewayConfig.Tracing(collector.endpoint(), 1.0, null, Map.of(), Map.of(),
                false, 100);
        m.export(tracesOnly, ref -> null, vertx);
        assertThat(m.exporting()).isFalse();
        m.export(null, ref -> null, vertx);
        assertThat(m.exporting()).isFalse();
        m.close();
        assertThat(GenAiMetrics.Settings.of(tracing("http://c:4318/", 0), ref -> "Bearer s3cr3t-value", null).toString())
                .as("a settings' text never holds a header value").doesNotContain("s3cr3t").doesNotContain("tenant-1")
                .contains("http://c:4318/v1/metrics", "every 60000 ms");
    }
}
