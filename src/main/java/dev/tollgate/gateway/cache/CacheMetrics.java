package dev.tollgate.gateway.cache;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The caches' metrics: {@code tollgate_cache_lookups_total{model,result}} (result {@code hit}, {@code semantic_hit},
 * {@code miss}, {@code bypass}), {@code tollgate_cache_saved_micro_usd_total{model}} (what hits would have cost),
 * {@code tollgate_cache_stores_total{model}}, and gauges {@code tollgate_cache_entries{cache}} (cache {@code exact},
 * {@code semantic}) and {@code tollgate_cache_bytes}. Series are looked up once each (no registration per request).
 */
public final class CacheMetrics {
    public static final String HIT = "hit";
    public static final String SEMANTIC_HIT = "semantic_hit";
    public static final String MISS = "miss";
    public static final String BYPASS = "bypass";

    public CacheMetrics(MeterRegistry registry, ResponseCache exact, SemanticCache semantic) {
        throw new UnsupportedOperationException("placeholder: wt20-usage implements it");
    }

    public void lookup(String model, String result) {
        throw new UnsupportedOperationException("placeholder: wt20-usage implements it");
    }

    public void saved(String model, long micros) {
        throw new UnsupportedOperationException("placeholder: wt20-usage implements it");
    }

    public void stored(String model) {
        throw new UnsupportedOperationException("placeholder: wt20-usage implements it");
    }
}
