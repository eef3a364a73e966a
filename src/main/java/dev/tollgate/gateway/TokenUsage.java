package dev.tollgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Token usage in Anthropic's decomposition, convertible to and from OpenAI's.
 *
 * <p>Anthropic reports {@code input_tokens} <em>excluding</em> cached input: the total input is
 * {@code input_tokens + cache_creation_input_tokens + cache_read_input_tokens}. OpenAI reports the total as
 * {@code prompt_tokens}, with {@code prompt_tokens_details.cached_tokens} (read from cache) and
 * {@code prompt_tokens_details.cache_write_tokens} (written to cache) as parts of it. So
 * {@code prompt_tokens = input + cacheCreation + cacheRead}, {@code cached_tokens = cacheRead},
 * {@code cache_write_tokens = cacheCreation}, {@code completion_tokens = output_tokens}.
 *
 * @param inputTokens              Anthropic {@code input_tokens} (uncached input)
 * @param outputTokens             Anthropic {@code output_tokens} = OpenAI {@code completion_tokens}
 * @param cacheCreationInputTokens Anthropic {@code cache_creation_input_tokens}
 * @param cacheReadInputTokens     Anthropic {@code cache_read_input_tokens}
 */
public record TokenUsage(long inputTokens, long outputTokens, long cacheCreationInputTokens,
                         long cacheReadInputTokens) {

    /** All input tokens, cached or not: OpenAI {@code prompt_tokens}. */
    public long promptTokens() {
        return inputTokens + cacheCreationInputTokens + cacheReadInputTokens;
    }

    /** OpenAI {@code total_tokens}: prompt plus completion. */
    public long totalTokens() {
        return promptTokens() + outputTokens;
    }

    /** Reads an Anthropic {@code usage} object; absent fields count as 0. */
    public static TokenUsage fromAnthropic(JsonNode usage) {
        return new TokenUsage(Json.longValue(usage, "input_tokens"), Json.longValue(usage, "output_tokens"),
                Json.longValue(usage, "cache_creation_input_tokens"), Json.longValue(usage, "cache_read_input_tokens"));
    }

    /** Reads an OpenAI {@code usage} object; absent fields count as 0. */
    public static TokenUsage fromOpenAi(JsonNode usage) {
        JsonNode details = usage == null ? null : usage.get("prompt_tokens_details");
        long cached = Json.longValue(details, "cached_tokens");
        long written = Json.longValue(details, "cache_write_tokens");
        long prompt = Json.longValue(usage, "prompt_tokens");
        return new TokenUsage(Math.max(0, prompt - cached - written), Json.longValue(usage, "completion_tokens"),
                written, cached);
    }

    /**
     * The OpenAI {@code usage} object. {@code prompt_tokens_details} is written only when there was cache activity.
     */
    public ObjectNode toOpenAi() {
        ObjectNode node = Json.object();
        node.put("prompt_tokens", promptTokens());
        node.put("completion_tokens", outputTokens);
        node.put("total_tokens", totalTokens());
        if (cacheReadInputTokens > 0 || cacheCreationInputTokens > 0) {
            ObjectNode details = node.putObject("prompt_tokens_details");
            details.put("cached_tokens", cacheReadInputTokens);
            details.put("cache_write_tokens", cacheCreationInputTokens);
        }
        return node;
    }

    /** The Anthropic {@code usage} object, cache fields included. */
    public ObjectNode toAnthropic() {
        ObjectNode node = Json.object();
        node.put("input_tokens", inputTokens);
        node.put("cache_creation_input_tokens", cacheCreationInputTokens);
        node.put("cache_read_input_tokens", cacheReadInputTokens);
        node.put("output_tokens", outputTokens);
        return node;
    }
}
