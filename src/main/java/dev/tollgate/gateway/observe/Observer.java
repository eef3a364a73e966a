package dev.tollgate.gateway.observe;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.RequestContext;
import org.jboss.logging.Logger;

/**
 * What observes requests under one observability config (tracing and/or sinks): it starts an {@link Observation}
 * per request and, at the request's end, hands its {@link CallRecord} to the GenAI metrics and to the sinks (the
 * tracing export is a sink of type {@code otlp} that takes only sampled records). Made by {@link ObservabilityHub};
 * absent (null) when nothing is declared, and then the request path does nothing at all for observability.
 */
public final class Observer {
    private static final Logger LOG = Logger.getLogger(Observer.class);

    private final GatewayConfig.Observability config;
    final Callbacks callbacks;
    private final GenAiMetrics metrics;
    private final boolean tracing;
    private final double ratio;
    private volatile long lastFailureLog;

    Observer(GatewayConfig.Observability config, Callbacks callbacks, GenAiMetrics metrics) {
        this.config = config;
        this.callbacks = callbacks;
        this.metrics = metrics;
        this.tracing = config.tracing() != null;
        this.ratio = tracing ? config.tracing().sampleRatio() : 0;
    }

    GatewayConfig.Observability config() {
        return config;
    }

    /** Starts observing a request that just arrived: continues the caller's trace (traceparent) when it sent one. */
    public Observation begin(RequestContext ctx) {
        return new Observation(this, ctx.rc.request().getHeader("traceparent"), tracing, ratio);
    }

    boolean wantsContent(String keyNamespace) {
        return callbacks.wantsContent(keyNamespace);
    }

    /** The request is over: its record to the metrics and the sinks. Never fails the request. */
    void ended(Observation o, RequestContext last) {
        try {
            CallRecord record = o.record(last);
            metrics.record(record);
            callbacks.offer(record);
        } catch (RuntimeException e) {
            long now = System.currentTimeMillis();
            if (now - lastFailureLog > 60_000) {
                lastFailureLog = now;
                LOG.warnf("request %s could not be handed to the observability sinks: %s", last.requestId,
                        e.getClass().getSimpleName());
            }
        }
    }
}
