package dev.tollgate.gateway.cache;

import dev.tollgate.gateway.TokenUsage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The provider's own prompt caching, as its usage reported it: {@code tollgate_prompt_cache_tokens_total{model,provider,kind}},
 * {@code kind} {@code read} (input tokens served from the provider's cache: OpenAI {@code cached_tokens}, Anthropic
 * {@code cache_read_input_tokens}, Gemini cached content) or {@code write} (Anthropic {@code cache_creation_input_tokens},
 * OpenAI-dialect {@code cache_write_tokens}). Counted where {@code tollgate_tokens_total} is, and part of its input.
 * A request without cache activity costs one comparison; each (model, provider) pair's series are looked up once.
 */
public final class PromptCacheMetrics {
    private record Model(String model, String provider) {}

    private record Series(Counter read, Counter write) {}

    private final MeterRegistry registry;
    private final Map<Model, Series> series = new ConcurrentHashMap<>();

    public PromptCacheMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counts {@code usage}'s prompt-cache tokens (nothing when it has none, or is null). */
    public void count(String model, String provider, TokenUsage usage) {
        if (usage == null || (usage.cacheReadInputTokens() == 0 && usage.cacheCreationInputTokens() == 0)) {
            return;
        }
        Series s = series.computeIfAbsent(new Model(model, provider), k -> new Series(
                counter(k, "read"), counter(k, "write")));
        if (usage.cacheReadInputTokens() > 0) {
            s.read().increment(usage.cacheReadInputTokens());
        }
        if (usage.cacheCreationInputTokens() > 0) {
            s.write().increment(usage.cacheCreationInputTokens());
        }
    }

    private Counter counter(Model k, String kind) {
        return Counter.builder("tollgate.prompt.cache.tokens").tags("model", k.model(), "provider", k.provider(), "kind", kind)
                .description("Input tokens the provider read from (read) or wrote to (write) its prompt cache")
                .register(registry);
    }
}
