package dev.tollgate.gateway.observe;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.observe.sinks.SinkFormats;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The gateway's observability as its config declares it: rebuilt when a new config changes
 * {@link GatewayConfig#observability()} (or the credentials it uses), not on the request path. {@link #observer()} is
 * what a request reads: null when nothing is declared.
 *
 * <p>The tracing export runs as a sink of type {@code otlp} ({@link #TRACING_SINK_ID}) beside the logging callbacks:
 * the same bounded queue, batching, retries and drop counting.
 */
@Singleton
@Startup
public class ObservabilityHub {
    private static final Logger LOG = Logger.getLogger(ObservabilityHub.class);
    /** The id of the tracing export among the sinks (its metrics' {@code sink} label). */
    public static final String TRACING_SINK_ID = "tracing";

    private final Vertx vertx;
    private final MeterRegistry registry;
    private GenAiMetrics metrics;
    private volatile Observer current;
    /** What the current observer was built from: the config and the credentials it resolved. */
    private Object builtFrom;

    @jakarta.inject.Inject
    public ObservabilityHub(ConfigHolder holder, Vertx vertx, MeterRegistry registry,
            @org.eclipse.microprofile.config.inject.ConfigProperty(name = "tollgate.mode", defaultValue = "standalone")
            String mode) {
        this.vertx = vertx;
        this.registry = registry;
        if (!"operator".equalsIgnoreCase(mode)) { // the operator serves no requests (and has no gateway config)
            holder.listen(this::apply);
        }
    }

    /** A gateway's hub (tests). */
    ObservabilityHub(ConfigHolder holder, Vertx vertx, MeterRegistry registry) {
        this(holder, vertx, registry, "gateway");
    }

    /** The observer of the config being served, or null when it declares no tracing and no sink. */
    public Observer observer() {
        return current;
    }

    synchronized void apply(Snapshot snapshot) {
        GatewayConfig.Observability obs = snapshot.config().observability();
        boolean active = obs != null && (obs.tracing() != null || !obs.sinks().isEmpty());
        if (!active) {
            if (current != null) {
                LOG.info("observability off: no tracing and no logging callbacks declared");
                Observer previous = current;
                current = null;
                builtFrom = null;
                previous.callbacks.close();
                metrics.export(null, ref -> null, vertx);
            }
            return;
        }
        Map<String, String> used = new TreeMap<>();
        List<GatewayConfig.Sink> sinks = new ArrayList<>(obs.sinks());
        if (obs.tracing() != null) {
            sinks.add(tracingSink(obs.tracing()));
        }
        for (GatewayConfig.Sink s : sinks) {
            s.credentials().values().forEach(ref -> used.put(ref, snapshot.credential(ref)));
        }
        Object from = List.of(obs, used);
        if (from.equals(builtFrom)) {
            return; // the same observability: keep its queues and connections
        }
        if (metrics == null) {
            metrics = new GenAiMetrics(registry);
        }
        Function<String, String> credentials = used::get;
        Callbacks callbacks = new Callbacks(vertx, sinks, credentials, formats(obs.tracing()), snapshot.config().gateway(),
                registry);
        Observer previous = current;
        if (previous != null) {
            callbacks.takeOver(previous.callbacks);
        }
        metrics.export(obs.tracing(), credentials, vertx);
        current = new Observer(obs, callbacks, metrics);
        builtFrom = from;
        LOG.infof("observability: tracing %s, %d logging callback(s)", obs.tracing() == null ? "off"
                : "to " + GenAiMetrics.loggable(obs.tracing().endpoint()) + " at ratio " + obs.tracing().sampleRatio(), obs.sinks().size());
    }

    /**
     * Every sink type's format; the tracing export's resource named by {@code tracing.serviceName} (the other sinks
     * name the gateway).
     */
    static Map<String, SinkFormat> formats(GatewayConfig.Tracing tracing) {
        Map<String, SinkFormat> formats = new java.util.HashMap<>(SinkFormats.all());
        if (tracing != null) {
            SinkFormat otlp = formats.get(GatewayConfig.Sink.OTLP);
            String service = tracing.serviceName() == null ? GatewayConfig.Tracing.DEFAULT_SERVICE_NAME : tracing.serviceName();
            formats.put(GatewayConfig.Sink.OTLP, new SinkFormat() {
                @Override
                public List<SinkRequest> encode(List<CallRecord> batch, SinkTarget t) {
                    return otlp.encode(batch, new SinkTarget(t.id(), t.type(), t.url(), t.credentials(), t.headers(),
                            t.logContent(), service));
                }

                @Override
                public boolean retryable(int status) {
                    return otlp.retryable(status);
                }

                @Override
                public int rejected(int status, io.vertx.core.buffer.Buffer body) {
                    return otlp.rejected(status, body);
                }
            });
        }
        return formats;
    }

    /** The tracing export as a sink: OTLP/HTTP to the endpoint, its secret headers as the sink's credentials. */
    static GatewayConfig.Sink tracingSink(GatewayConfig.Tracing t) {
        return new GatewayConfig.Sink(TRACING_SINK_ID, GatewayConfig.Sink.OTLP, t.endpoint(), null, t.secretHeaders(),
                t.headers(), false, List.of(), GatewayConfig.Sink.DEFAULT_QUEUE_SIZE, 512,
                GatewayConfig.Sink.DEFAULT_FLUSH_INTERVAL_MILLIS, GatewayConfig.Sink.DEFAULT_MAX_RETRIES);
    }

    @PreDestroy
    synchronized void stop() {
        Observer o = current;
        current = null;
        if (o != null) {
            o.callbacks.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }
}
