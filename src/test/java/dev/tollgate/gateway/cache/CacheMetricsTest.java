package dev.tollgate.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.TokenUsage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The caches' metrics and the provider prompt-cache token counter, their series and their Prometheus names. */
class CacheMetricsTest {
    /** An exact cache holding what the test says (the real one's figures are its own tests' business). */
    static final class Exact extends ResponseCache {
        final AtomicLong entries = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();

        @Override
        public long entries() {
            return entries.get();
        }

        @Override
        public long bytes() {
            return bytes.get();
        }
    }

    static final class Semantic extends SemanticCache {
        final AtomicLong entries = new AtomicLong();

        @Override
        public long entries() {
            return entries.get();
        }
    }

    static double count(MeterRegistry r, String name, String... tags) {
        var c = r.find(name).tags(tags).counter();
        return c == null ? -1 : c.count();
    }

    @Test
    void lookupsSavedSpendAndStoresCountPerModelGroup() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        CacheMetrics m = new CacheMetrics(r, new Exact(), new Semantic());
        m.lookup("gpt", CacheMetrics.MISS);
        m.stored("gpt");
        m.lookup("gpt", CacheMetrics.HIT);
        m.saved("gpt", 1_500);
        m.lookup("gpt", CacheMetrics.SEMANTIC_HIT);
        m.saved("gpt", 700);
        m.lookup("gpt", CacheMetrics.HIT);
        m.lookup("claude", CacheMetrics.BYPASS);
        m.saved("claude", 0);

        assertThat(count(r, "tollgate.cache.lookups", "model", "gpt", "result", "hit")).isEqualTo(2);
        assertThat(count(r, "tollgate.cache.lookups", "model", "gpt", "result", "semantic_hit")).isEqualTo(1);
        assertThat(count(r, "tollgate.cache.lookups", "model", "gpt", "result", "miss")).isEqualTo(1);
        assertThat(count(r, "tollgate.cache.lookups", "model", "gpt", "result", "bypass")).isZero();
        assertThat(count(r, "tollgate.cache.lookups", "model", "claude", "result", "bypass")).isEqualTo(1);
        assertThat(count(r, "tollgate.cache.saved.micro.usd", "model", "gpt")).isEqualTo(2_200);
        assertThat(count(r, "tollgate.cache.saved.micro.usd", "model", "claude")).isZero();
        assertThat(count(r, "tollgate.cache.stores", "model", "gpt")).isEqualTo(1);
        assertThat(r.find("tollgate.cache.lookups").counters()).as("4 results x 2 groups, registered once").hasSize(8);
        assertThatThrownBy(() -> m.lookup("gpt", "maybe")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theGaugesReadTheCachesNow() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        Exact exact = new Exact();
        Semantic semantic = new Semantic();
        new CacheMetrics(r, exact, semantic);
        exact.entries.set(12);
        exact.bytes.set(48_000);
        semantic.entries.set(5);
        assertThat(r.find("tollgate.cache.entries").tag("cache", "exact").gauge().value()).isEqualTo(12);
        assertThat(r.find("tollgate.cache.entries").tag("cache", "semantic").gauge().value()).isEqualTo(5);
        assertThat(r.find("tollgate.cache.bytes").gauge().value()).isEqualTo(48_000);
        exact.entries.set(0);
        assertThat(r.find("tollgate.cache.entries").tag("cache", "exact").gauge().value()).isZero();

        SimpleMeterRegistry none = new SimpleMeterRegistry();
        new CacheMetrics(none, null, null);
        assertThat(none.find("tollgate.cache.entries").gauges()).isEmpty();
    }

    @Test
    void promptCacheTokensAreCountedByKindOnlyWhenThereAreAny() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        PromptCacheMetrics p = new PromptCacheMetrics(r);
        p.count("claude", "anthropic", new TokenUsage(100, 20, 30, 400));
        p.count("claude", "anthropic", new TokenUsage(100, 20, 0, 600));
        p.count("gpt", "openai", new TokenUsage(100, 20, 0, 0));
        p.count("gpt", "openai", null);
        assertThat(count(r, "tollgate.prompt.cache.tokens", "model", "claude", "provider", "anthropic", "kind", "read"))
                .isEqualTo(1_000);
        assertThat(count(r, "tollgate.prompt.cache.tokens", "model", "claude", "provider", "anthropic", "kind", "write"))
                .isEqualTo(30);
        assertThat(r.find("tollgate.prompt.cache.tokens").tag("model", "gpt").counters())
                .as("no cache activity: no series").isEmpty();
    }

    @Test
    void prometheusNamesAreTheDocumentedOnes() {
        var prom = new io.micrometer.prometheus.PrometheusMeterRegistry(io.micrometer.prometheus.PrometheusConfig.DEFAULT);
        CacheMetrics m = new CacheMetrics(prom, new Exact(), new Semantic());
        m.lookup("gpt", CacheMetrics.HIT);
        m.saved("gpt", 10);
        m.stored("gpt");
        new PromptCacheMetrics(prom).count("gpt", "openai", new TokenUsage(1, 1, 2, 3));
        String scrape = prom.scrape();
        assertThat(scrape).contains("tollgate_cache_lookups_total{model=\"gpt\",result=\"hit\",}",
                "tollgate_cache_saved_micro_usd_total{model=\"gpt\",}", "tollgate_cache_stores_total{model=\"gpt\",}",
                "tollgate_cache_entries{cache=\"exact\",}", "tollgate_cache_entries{cache=\"semantic\",}",
                "tollgate_cache_bytes ", "tollgate_prompt_cache_tokens_total{kind=\"read\",model=\"gpt\",provider=\"openai\",}");
    }
}
