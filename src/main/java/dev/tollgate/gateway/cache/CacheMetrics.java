package dev.tollgate.gateway.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The caches' metrics: {@code tollgate_cache_lookups_total{model,result}} (result {@code hit}, {@code semantic_hit},
 * {@code miss}, {@code bypass}), {@code tollgate_cache_saved_micro_usd_total{model}} (what hits would have cost),
 * {@code tollgate_cache_stores_total{model}}, and gauges {@code tollgate_cache_entries{cache}} (cache {@code exact},
 * {@code semantic}) and {@code tollgate_cache_bytes}. Series are looked up once each (no registration per request).
 *
 * <p>{@code model} is the public model name (a configured group, never a client-supplied unknown one): low
 * cardinality, never a key id.
 */
public final class CacheMetrics {
    public static final String HIT = "hit";
    public static final String SEMANTIC_HIT = "semantic_hit";
    public static final String MISS = "miss";
    public static final String BYPASS = "bypass";
    private static final String[] RESULTS = {HIT, SEMANTIC_HIT, MISS, BYPASS};

    /** One model group's series, registered together the first time the group is seen. */
    private record Series(Counter[] lookups, Counter saved, Counter stores) {}

    private final MeterRegistry registry;
    private final Map<String, Series> series = new ConcurrentHashMap<>();

    /**
     * @param exact    the exact cache, whose entries and bytes the gauges read (null: no gauges of it)
     * @param semantic the semantic cache, whose entries a gauge reads (null: none)
     */
    public CacheMetrics(MeterRegistry registry, ResponseCache exact, SemanticCache semantic) {
        this.registry = registry;
        if (exact != null) {
            Gauge.builder("tollgate.cache.entries", exact, ResponseCache::entries).tag("cache", "exact")
                    .description("Entries in this process's response cache").strongReference(true).register(registry);
            Gauge.builder("tollgate.cache.bytes", exact, ResponseCache::bytes)
                    .description("Bytes of the exact cache's entries in this process's memory").strongReference(true)
                    .register(registry);
        }
        if (semantic != null) {
            Gauge.builder("tollgate.cache.entries", semantic, SemanticCache::entries).tag("cache", "semantic")
                    .description("Entries in this process's response cache").strongReference(true).register(registry);
        }
    }

    private Series of(String model) {
        Series s = series.get(model);
        if (s == null) {
            s = series.computeIfAbsent(model, m -> {
                Counter[] lookups = new Counter[RESULTS.length];
                for (int i = 0; i < RESULTS.length; i++) {
                    lookups[i] = Counter.builder("tollgate.cache.lookups").tags("model", m, "result", RESULTS[i])
                            .description("Response-cache lookups by result").register(registry);
                }
                return new Series(lookups, Counter.builder("tollgate.cache.saved.micro.usd").tag("model", m)
                        .description("What the answers served from the response cache cost when they were made (micro-USD)")
                        .register(registry),
                        Counter.builder("tollgate.cache.stores").tag("model", m)
                                .description("Answers stored in the response cache").register(registry));
            });
        }
        return s;
    }

    /** A lookup of {@code model}'s cache ended with {@code result} ({@link #HIT}, {@link #SEMANTIC_HIT}, {@link #MISS}, {@link #BYPASS}). */
    public void lookup(String model, String result) {
        Counter[] lookups = of(model).lookups();
        for (int i = 0; i < RESULTS.length; i++) {
            if (RESULTS[i].equals(result)) {
                lookups[i].increment();
                return;
            }
        }
        throw new IllegalArgumentException("no cache lookup result named " + result);
    }

    /** A hit saved {@code micros} (what its stored answer cost). */
    public void saved(String model, long micros) {
        if (micros > 0) {
            of(model).saved().increment(micros);
        }
    }

    /** An answer of {@code model} was stored. */
    public void stored(String model) {
        of(model).stores().increment();
    }
}
