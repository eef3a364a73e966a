package dev.tollgate.gateway.observe;

import dev.tollgate.config.GatewayConfig;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The GenAI semantic-convention metrics (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-metrics/), recorded
 * for every finished request, with the explicit bucket boundaries the conventions advise:
 * <ul>
 *   <li>{@code gen_ai.client.token.usage} ({@code {token}}; {@code gen_ai.token.type} {@code input} / {@code output}):
 *       the tokens a request used, when known; a response-cache hit used none and is not counted;</li>
 *   <li>{@code gen_ai.client.operation.duration} (s): every request, with {@code error.type} when it failed;</li>
 *   <li>{@code gen_ai.server.time_to_first_token} (s): successful streams, arrival to first content;</li>
 *   <li>{@code gen_ai.server.time_per_output_token} (s): successful streams with two or more output tokens,
 *       {@code (end - first token) / (output tokens - 1)}.</li>
 * </ul>
 * Attributes are low-cardinality only: {@code gen_ai.operation.name}, {@code gen_ai.provider.name} (the semconv's
 * well-known value, {@link GenAiSpans#providerName}), {@code gen_ai.request.model} (the public model name the client
 * asked for: configured names only), {@code server.address} and {@code server.port} (the provider's host: configured
 * deployments only), {@code error.type} (the gateway's own error code or type, else the status; any other
 * value, e.g. a provider's code passed through, is {@code _OTHER}). {@code gen_ai.response.model} is left out: it is what providers say, not bounded by the config.
 * Never a key.
 *
 * <p>On the Prometheus scrape always (Micrometer: {@code gen_ai_client_token_usage_{bucket,count,sum,max}},
 * {@code gen_ai_client_operation_duration_seconds_*}, {@code gen_ai_server_time_to_first_token_seconds_*},
 * {@code gen_ai_server_time_per_output_token_seconds_*}, labels with dots as underscores; a label that does not apply
 * is empty, which PromQL treats as absent). Over OTLP/HTTP too when {@link GatewayConfig.Tracing#metrics()}: the same
 * instruments, named as the conventions name them, recorded by an OpenTelemetry SDK meter provider whose periodic
 * reader POSTs a protobuf {@code ExportMetricsServiceRequest} (written by the SDK's marshaler) to
 * {@code <endpoint>/v1/metrics} through the gateway's Vert.x HTTP client, cumulative temporality (a lost export
 * loses no counts). The reader runs on its own thread; nothing here blocks an event loop.
 *
 * <p>Each tag set's meters are resolved once and cached: {@link #record} costs map look-ups and a few histogram
 * updates.
 */
public final class GenAiMetrics implements AutoCloseable {
    static final String TOKEN_USAGE = "gen_ai.client.token.usage";
    static final String OPERATION_DURATION = "gen_ai.client.operation.duration";
    static final String TIME_TO_FIRST_TOKEN = "gen_ai.server.time_to_first_token";
    static final String TIME_PER_OUTPUT_TOKEN = "gen_ai.server.time_per_output_token";

    /** The semconv's advised explicit bucket boundaries, per instrument. */
    static final List<Long> TOKEN_BUCKETS = List.of(1L, 4L, 16L, 64L, 256L, 1024L, 4096L, 16384L, 65536L, 262144L,
            1048576L, 4194304L, 16777216L, 67108864L);
    static final List<Double> DURATION_BUCKETS = List.of(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12,
            10.24, 20.48, 40.96, 81.92);
    static final List<Double> TIME_TO_FIRST_TOKEN_BUCKETS = List.of(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
            0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);
    static final List<Double> TIME_PER_OUTPUT_TOKEN_BUCKETS = List.of(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3,
            0.4, 0.5, 0.75, 1.0, 2.5);
    /** The OTel SDK's default export interval, when the config gives none. */
    static final long DEFAULT_INTERVAL_MILLIS = 60_000;

    private static final Logger LOG = Logger.getLogger(GenAiMetrics.class);
    /**
     * The error codes and types the gateway itself answers with (ApiError's types, the codes it sets): anything else
     * (a provider's own code passed through for a 400, 413, 422 or 429) is {@code _OTHER}, so the label's values are
     * bounded whatever providers say. A bare status ("502") is kept too.
     */
    static final java.util.Set<String> KNOWN_ERROR_TYPES = java.util.Set.of(
            // ApiError types (Anthropic's and OpenAI's)
            "invalid_request_error", "authentication_error", "billing_error", "permission_error", "not_found_error",
            "request_too_large", "rate_limit_error", "api_error", "server_error", "overloaded_error", "timeout_error",
            "upstream_error", "upstream_auth_error",
            // codes the gateway sets
            "budget_exceeded", "client_closed_request", "content_filter", "content_policy_violation",
            "context_length_exceeded", "expectation_failed", "integer_above_max_value", "invalid_api_key",
            "invalid_json", "invalid_request", "key_disabled", "key_expired", "method_not_allowed", "missing_api_key",
            "model_misconfigured", "model_not_allowed", "model_not_found", "not_ready", "prediction_not_found",
            "provider_not_supported", "rate_limit_exceeded", "request_header_fields_too_large",
            "shared_store_unavailable", "shutting_down", "unknown_url", "unsupported_operation",
            "unsupported_parameter", "uri_too_long");
    private static final Pattern STATUS = Pattern.compile("[1-5][0-9][0-9]");

    /** {@code error.type} as a label: a known code or type, a status, else {@code _OTHER} (the semconv's fallback). */
    static String errorLabel(String error) {
        if (error == null) {
            return null;
        }
        return KNOWN_ERROR_TYPES.contains(error) || STATUS.matcher(error).matches() ? error : "_OTHER";
    }

    /** A URL as logs may show it: scheme, host, port and path; never its user info or query (they may be secret). */
    static String loggable(String url) {
        if (url == null) {
            return null;
        }
        try {
            java.net.URI u = new java.net.URI(url);
            if (u.getScheme() == null || u.getHost() == null) {
                return "(an invalid URL)";
            }
            return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "")
                    + (u.getRawPath() == null ? "" : u.getRawPath());
        } catch (java.net.URISyntaxException e) {
            return "(an invalid URL)";
        }
    }

    /** One tag set: the attributes every instrument shares, plus error.type for the duration. */
    private record Key(String operation, String provider, String model, String address, Integer port, String error) {}

    /** A tag set's meters (the stream and token ones made on first use) and its OTel attribute sets. */
    private final class Series {
        final Key key;
        final Timer duration;
        final Attributes otel;
        final Attributes otelNoError;
        final Attributes otelInput;
        final Attributes otelOutput;
        private volatile DistributionSummary input;
        private volatile DistributionSummary output;
        private volatile Timer firstToken;
        private volatile Timer perOutputToken;

        Series(Key key) {
            this.key = key;
            this.duration = Timer.builder(OPERATION_DURATION).description("GenAI operation duration.")
                    .tags(tags(key).and("error.type", key.error() == null ? "" : key.error()))
                    .serviceLevelObjectives(durations(DURATION_BUCKETS)).register(registry);
            AttributesBuilder b = attributes(key);
            this.otelNoError = b.build();
            if (key.error() != null) {
                b.put("error.type", key.error());
            }
            this.otel = b.build();
            this.otelInput = attributes(key).put("gen_ai.token.type", "input").build();
            this.otelOutput = attributes(key).put("gen_ai.token.type", "output").build();
        }

        DistributionSummary input() {
            DistributionSummary s = input;
            if (s == null) {
                synchronized (this) {
                    if (input == null) {
                        input = tokens("input");
                    }
                    s = input;
                }
            }
            return s;
        }

        DistributionSummary output() {
            DistributionSummary s = output;
            if (s == null) {
                synchronized (this) {
                    if (output == null) {
                        output = tokens("output");
                    }
                    s = output;
                }
            }
            return s;
        }

        Timer firstToken() {
            Timer t = firstToken;
            if (t == null) {
                synchronized (this) {
                    if (firstToken == null) {
                        firstToken = Timer.builder(TIME_TO_FIRST_TOKEN)
                                .description("Time to generate first token for successful responses.").tags(tags(key))
                                .serviceLevelObjectives(durations(TIME_TO_FIRST_TOKEN_BUCKETS)).register(registry);
                    }
                    t = firstToken;
                }
            }
            return t;
        }

        Timer perOutputToken() {
            Timer t = perOutputToken;
            if (t == null) {
                synchronized (this) {
                    if (perOutputToken == null) {
                        perOutputToken = Timer.builder(TIME_PER_OUTPUT_TOKEN)
                                .description("Time per output token generated after the first token for successful responses.")
                                .tags(tags(key)).serviceLevelObjectives(durations(TIME_PER_OUTPUT_TOKEN_BUCKETS))
                                .register(registry);
                    }
                    t = perOutputToken;
                }
            }
            return t;
        }

        private DistributionSummary tokens(String type) {
            return DistributionSummary.builder(TOKEN_USAGE).description("Number of input and output tokens used.")
                    .tags(tags(key).and("gen_ai.token.type", type))
                    .serviceLevelObjectives(TOKEN_BUCKETS.stream().mapToDouble(Long::doubleValue).toArray())
                    .register(registry);
        }
    }

    private final MeterRegistry registry;
    private final Map<Key, Series> series = new ConcurrentHashMap<>();
    private final Object exportLock = new Object();
    private volatile Export export;

    public GenAiMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Records one finished request (called on the request's event loop: cheap, no I/O). */
    public void record(CallRecord r) {
        String error = GenAiSpans.errorType(r.status(), r.errorType());
        error = errorLabel(error); // a label stays low-cardinality whatever an upstream said
        String model = r.requestedModel() != null ? r.requestedModel() : r.model();
        Key key = new Key(r.operation() == null ? "unknown" : r.operation(), GenAiSpans.providerName(r.provider()),
                model, r.serverAddress(), r.serverAddress() == null ? null : r.serverPort(), error);
        Series s = series.computeIfAbsent(key, Series::new);
        Export e = export;
        long durationNanos = Math.max(0, r.endEpochNanos() - r.startEpochNanos());
        s.duration.record(durationNanos, TimeUnit.NANOSECONDS);
        if (e != null) {
            e.duration.record(durationNanos / 1e9, s.otel);
        }
        boolean hit = "HIT".equals(r.cacheStatus()) || "SEMANTIC-HIT".equals(r.cacheStatus());
        if (!hit) {
            if (r.inputTokens() != null) {
                s.input().record(r.inputTokens());
                if (e != null) {
                    e.tokens.record(r.inputTokens(), s.otelInput);
                }
            }
            if (r.outputTokens() != null) {
                s.output().record(r.outputTokens());
                if (e != null) {
                    e.tokens.record(r.outputTokens(), s.otelOutput);
                }
            }
        }
        if (r.stream() && r.ok() && r.firstTokenNanos() != null) {
            long first = Math.max(0, r.firstTokenNanos());
            s.firstToken().record(first, TimeUnit.NANOSECONDS);
            if (e != null) {
                e.firstToken.record(first / 1e9, s.otelNoError);
            }
            Long out = r.outputTokens();
            if (out != null && out > 1) {
                long perToken = Math.max(0, durationNanos - first) / (out - 1);
                s.perOutputToken().record(perToken, TimeUnit.NANOSECONDS);
                if (e != null) {
                    e.perOutputToken.record(perToken / 1e9, s.otelNoError);
                }
            }
        }
    }

    /**
     * Starts, changes or stops the OTLP export of these metrics for a new config (null: no export).
     *
     * @param credentials credential ref -> value, for {@link GatewayConfig.Tracing#secretHeaders()}
     */
    public void export(GatewayConfig.Tracing tracing, java.util.function.Function<String, String> credentials,
            io.vertx.core.Vertx vertx) {
        Settings settings = tracing == null || !tracing.metrics() || tracing.endpoint() == null ? null
                : Settings.of(tracing, credentials, System.getenv("HOSTNAME"));
        Export old;
        synchronized (exportLock) {
            Export current = export;
            if (current == null ? settings == null : current.settings.equals(settings)) {
                return; // unchanged: keep the running reader (and its cumulative counts)
            }
            old = current;
            export = settings == null ? null : new Export(settings, vertx);
        }
        if (old != null) {
            old.stop(vertx);
        }
        if (settings != null) {
            LOG.infof("GenAI metrics exported over OTLP to %s every %d ms", loggable(settings.url()), settings.intervalMillis());
        }
    }

    @Override
    public void close() {
        Export old;
        synchronized (exportLock) {
            old = export;
            export = null;
        }
        if (old != null) {
            old.stop(null);
        }
    }

    /** Whether an OTLP export is running (for tests and the lead's wiring). */
    boolean exporting() {
        return export != null;
    }

    /** The running export (identity only: tests check a reload with the same settings keeps it). */
    Object currentExport() {
        return export;
    }

    private static Tags tags(Key k) {
        return Tags.of("gen_ai.operation.name", k.operation(), "gen_ai.provider.name", k.provider(),
                "gen_ai.request.model", k.model() == null ? "unknown" : k.model(),
                "server.address", k.address() == null ? "" : k.address(),
                "server.port", k.port() == null ? "" : k.port().toString());
    }

    private static AttributesBuilder attributes(Key k) {
        AttributesBuilder b = Attributes.builder().put("gen_ai.operation.name", k.operation())
                .put("gen_ai.provider.name", k.provider());
        if (k.model() != null) {
            b.put("gen_ai.request.model", k.model());
        }
        if (k.address() != null) {
            b.put("server.address", k.address());
            if (k.port() != null) {
                b.put("server.port", (long) k.port());
            }
        }
        return b;
    }

    private static Duration[] durations(List<Double> seconds) {
        return seconds.stream().map(s -> Duration.ofNanos(Math.round(s * 1e9))).toArray(Duration[]::new);
    }

    /**
     * Where and how metrics are exported: compared on a reload to keep an unchanged export running. Holds resolved
     * header values: never printed.
     */
    record Settings(String url, Map<String, String> headers, long intervalMillis, String serviceName,
            String serviceInstance) {
        static Settings of(GatewayConfig.Tracing t, Function<String, String> credentials, String instance) {
            Map<String, String> headers = new LinkedHashMap<>(t.headers());
            t.secretHeaders().forEach((header, ref) -> {
                String value = credentials == null ? null : credentials.apply(ref);
                if (value != null) {
                    headers.put(header, value);
                } else {
                    LOG.warnf("OTLP metrics header %s: its credential is missing from the gateway's Secret", header);
                }
            });
            headers.put("content-type", "application/x-protobuf");
            return new Settings(GenAiSpans.signalUrl(t.endpoint(), "/v1/metrics"), Map.copyOf(headers),
                    t.metricsIntervalMillis() > 0 ? t.metricsIntervalMillis() : DEFAULT_INTERVAL_MILLIS,
                    t.serviceName() == null ? GatewayConfig.Tracing.DEFAULT_SERVICE_NAME : t.serviceName(),
                    instance == null || instance.isBlank() ? null : instance);
        }

        @Override
        public String toString() {
            return "Settings[" + url + " every " + intervalMillis + " ms, headers " + headers.keySet() + "]";
        }
    }

    /** A running OTLP export: the SDK's meter provider, its periodic reader and the instruments. */
    private static final class Export {
        final Settings settings;
        final SdkMeterProvider provider;
        final OtlpMetricExporter exporter;
        final DoubleHistogram duration;
        final LongHistogram tokens;
        final DoubleHistogram firstToken;
        final DoubleHistogram perOutputToken;

        Export(Settings settings, Vertx vertx) {
            this.settings = settings;
            this.exporter = new OtlpMetricExporter(vertx, settings);
            this.provider = SdkMeterProvider.builder()
                    .setResource(GenAiSpans.resource(settings.serviceName(), settings.serviceInstance()))
                    .registerMetricReader(PeriodicMetricReader.builder(exporter)
                            .setInterval(Duration.ofMillis(settings.intervalMillis())).build())
                    .build();
            Meter meter = provider.get(GenAiSpans.SCOPE);
            this.duration = meter.histogramBuilder(OPERATION_DURATION).setUnit("s")
                    .setDescription("GenAI operation duration.").setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
            this.tokens = meter.histogramBuilder(TOKEN_USAGE).ofLongs().setUnit("{token}")
                    .setDescription("Number of input and output tokens used.")
                    .setExplicitBucketBoundariesAdvice(TOKEN_BUCKETS).build();
            this.firstToken = meter.histogramBuilder(TIME_TO_FIRST_TOKEN).setUnit("s")
                    .setDescription("Time to generate first token for successful responses.")
                    .setExplicitBucketBoundariesAdvice(TIME_TO_FIRST_TOKEN_BUCKETS).build();
            this.perOutputToken = meter.histogramBuilder(TIME_PER_OUTPUT_TOKEN).setUnit("s")
                    .setDescription("Time per output token generated after the first token for successful responses.")
                    .setExplicitBucketBoundariesAdvice(TIME_PER_OUTPUT_TOKEN_BUCKETS).build();
        }

        /**
         * Stops it after a last export. The SDK's shutdown waits (up to seconds) for that export, so it never runs on
         * an event loop: on one, it moves to a worker thread.
         */
        void stop(Vertx vertx) {
            Runnable stop = () -> {
                try {
                    provider.shutdown().join(10, TimeUnit.SECONDS);
                } finally {
                    exporter.closeClient();
                }
            };
            if (Context.isOnEventLoopThread() && vertx != null) {
                vertx.executeBlocking(() -> {
                    stop.run();
                    return null;
                }, false);
            } else if (Context.isOnEventLoopThread()) {
                Thread t = new Thread(stop, "tollgate-genai-metrics-stop");
                t.setDaemon(true);
                t.start();
            } else {
                stop.run();
            }
        }
    }

    /**
     * The OTLP/HTTP metric exporter (https://opentelemetry.io/docs/specs/otlp/#otlphttp): the SDK's
     * {@link MetricsRequestMarshaler} writes the protobuf {@code ExportMetricsServiceRequest}, POSTed to
     * {@code <endpoint>/v1/metrics} with {@code Content-Type: application/x-protobuf} and the configured headers
     * through the gateway's Vert.x HTTP client (no second HTTP stack, no thread per request). Cumulative temporality:
     * a failed export is not retried, the next one carries the counts. Logs the status of a failure, never a header.
     */
    static final class OtlpMetricExporter implements MetricExporter {
        private final Settings settings;
        private final HttpClient client;
        private volatile boolean failing;

        OtlpMetricExporter(Vertx vertx, Settings settings) {
            this.settings = settings;
            this.client = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(1)
                    .setConnectTimeout(10_000).setKeepAlive(true));
        }

        @Override
        public CompletableResultCode export(Collection<MetricData> metrics) {
            if (metrics.isEmpty()) {
                return CompletableResultCode.ofSuccess();
            }
            byte[] body;
            try {
                MetricsRequestMarshaler marshaler = MetricsRequestMarshaler.create(metrics);
                ByteArrayOutputStream out = new ByteArrayOutputStream(marshaler.getBinarySerializedSize());
                marshaler.writeBinaryTo(out);
                body = out.toByteArray();
            } catch (IOException | RuntimeException e) {
                LOG.warnf("GenAI metrics: could not encode an OTLP export: %s", e.getClass().getSimpleName());
                return CompletableResultCode.ofFailure();
            }
            CompletableResultCode result = new CompletableResultCode();
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(settings.url())
                    .setTimeout(10_000);
            settings.headers().forEach(options::putHeader);
            client.request(options)
                    .compose(req -> req.send(Buffer.buffer(body)))
                    .compose(resp -> resp.body().map(b -> resp.statusCode()))
                    .onComplete(ar -> {
                        if (ar.succeeded() && ar.result() >= 200 && ar.result() < 300) {
                            if (failing) {
                                failing = false;
                                LOG.infof("GenAI metrics: OTLP export to %s works again", loggable(settings.url()));
                            }
                            result.succeed();
                            return;
                        }
                        if (!failing) { // once per outage, not every interval
                            failing = true;
                            LOG.warnf("GenAI metrics: OTLP export to %s failed: %s", loggable(settings.url()),
                                    ar.succeeded() ? "HTTP " + ar.result() : ar.cause().getClass().getSimpleName());
                        }
                        result.fail();
                    });
            return result;
        }

        @Override
        public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
            return AggregationTemporality.CUMULATIVE;
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess(); // the client closes after the provider's last export
        }

        void closeClient() {
            client.close();
        }
    }
}
