package dev.tollgate.gateway.observe;

import dev.tollgate.config.GatewayConfig;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The GenAI semantic-convention metrics: {@code gen_ai.client.token.usage}, {@code gen_ai.client.operation.duration},
 * {@code gen_ai.server.time_to_first_token}, {@code gen_ai.server.time_per_output_token}, with low-cardinality
 * attributes ({@code gen_ai.operation.name}, {@code gen_ai.provider.name}, {@code gen_ai.request.model},
 * {@code gen_ai.response.model}, {@code gen_ai.token.type}, {@code server.address}, {@code error.type}). On the
 * Prometheus scrape always; over OTLP when tracing says so.
 *
 * <p>CONTRACT PLACEHOLDER: implemented by the tracing work (helper A).
 */
public final class GenAiMetrics implements AutoCloseable {
    public GenAiMetrics(MeterRegistry registry) {
        throw new UnsupportedOperationException("contract placeholder");
    }

    /** Records one finished request (called on the request's event loop: cheap, no I/O). */
    public void record(CallRecord record) {
        throw new UnsupportedOperationException("contract placeholder");
    }

    /**
     * Starts, changes or stops the OTLP export of these metrics for a new config (null: no export).
     *
     * @param credentials credential ref -> value, for {@link GatewayConfig.Tracing#secretHeaders()}
     */
    public void export(GatewayConfig.Tracing tracing, java.util.function.Function<String, String> credentials,
            io.vertx.core.Vertx vertx) {
        throw new UnsupportedOperationException("contract placeholder");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("contract placeholder");
    }
}
