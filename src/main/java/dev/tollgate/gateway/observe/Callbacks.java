package dev.tollgate.gateway.observe;

import dev.tollgate.config.GatewayConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The logging callbacks of the running config: one bounded queue per sink, drained off the request path in
 * batches, with retries and backoff. {@link #offer} never blocks and never fails: a full queue drops the record
 * (counted in {@code tollgate_callback_dropped_total{sink}}).
 *
 * <p>CONTRACT PLACEHOLDER: implemented by the callbacks work (helper B).
 */
public final class Callbacks implements AutoCloseable {
    /**
     * @param vertx       for the HTTP client and timers
     * @param sinks       the sinks to run (a config's sinks, plus the tracing sink of type {@code otlp} when on)
     * @param credentials credential ref -> value (the gateway's Secret)
     * @param formats     the format of each sink type
     * @param gateway     the gateway's id ({@code namespace/name}), e.g. a trace's service instance
     * @param registry    where the callback metrics go
     */
    public Callbacks(Vertx vertx, List<GatewayConfig.Sink> sinks, Function<String, String> credentials,
            Map<String, SinkFormat> formats, String gateway, MeterRegistry registry) {
        throw new UnsupportedOperationException("contract placeholder");
    }

    /** No sink at all: the request path skips building records for it. */
    public boolean isEmpty() {
        throw new UnsupportedOperationException("contract placeholder");
    }

    /** Whether some sink that sees a request of this key namespace logs content (then the record carries it). */
    public boolean wantsContent(String keyNamespace) {
        throw new UnsupportedOperationException("contract placeholder");
    }

    /**
     * Hands a finished request to every sink that sees it (a team's sink: its namespace's keys only; the
     * {@code otlp} sink: sampled records only), each stripped of content or redacted as the sink says. Never blocks.
     */
    public void offer(CallRecord record) {
        throw new UnsupportedOperationException("contract placeholder");
    }

    /**
     * Takes over the queues of the sinks of {@code previous} that did not change (same {@link GatewayConfig.Sink}
     * and credentials), so a config reload loses nothing; the others are closed after a last flush.
     */
    public void takeOver(Callbacks previous) {
        throw new UnsupportedOperationException("contract placeholder");
    }

    /** Flushes what is queued (best effort, bounded by a short deadline) and stops. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("contract placeholder");
    }
}
