package dev.tollgate.gateway;

import dev.tollgate.config.GatewayConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prometheus counters of routing: upstream attempts by outcome, retries by error class, fallbacks by reason. Labels
 * are configured names only (public model name, provider, the fixed classes and reasons): low cardinality.
 * Each series is looked up once and kept.
 */
final class RoutingMetrics {
    private final MeterRegistry registry;
    private final Map<Series, Counter> counters = new ConcurrentHashMap<>();

    private record Series(String name, String a, String b, String c) {}

    RoutingMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Each deployment's success counter by its id, the one looked up on every request. */
    private final Map<String, Counter> successes = new ConcurrentHashMap<>();

    /** An attempt that answered (on every request: one lookup by the deployment id, no allocation). */
    void success(GatewayConfig.Model m) {
        Counter c = successes.get(m.id());
        if (c == null) {
            c = successes.computeIfAbsent(m.id(), id -> counter(new Series("tollgate.routing.attempts", m.modelName(),
                    m.provider(), "success"), "Upstream attempts", "model", "provider", "outcome"));
        }
        c.increment();
    }

    /** tollgate_routing_attempts_total{model, provider, outcome = success | failure | cancelled}. */
    void attempt(GatewayConfig.Model m, String outcome) {
        counter(new Series("tollgate.routing.attempts", m.modelName(), m.provider(), outcome), "Upstream attempts",
                "model", "provider", "outcome").increment();
    }

    /** tollgate_routing_retries_total{model, provider, class}: an attempt was followed by another in its group. */
    void retry(GatewayConfig.Model m, String errorClass) {
        counter(new Series("tollgate.routing.retries", m.modelName(), m.provider(), errorClass),
                "Retries within a model group", "model", "provider", "class").increment();
    }

    /** tollgate_routing_fallbacks_total{model, fallback, reason = general | context_window | content_policy}. */
    void fallback(String from, String to, String reason) {
        counter(new Series("tollgate.routing.fallbacks", from, to, reason), "Requests moved to a fallback model group",
                "model", "fallback", "reason").increment();
    }

    private Counter counter(Series s, String description, String ka, String kb, String kc) {
        Counter c = counters.get(s);
        if (c == null) {
            c = counters.computeIfAbsent(s, k -> Counter.builder(k.name()).description(description)
                    .tags(ka, k.a(), kb, k.b(), kc, k.c()).register(registry));
        }
        return c;
    }
}
