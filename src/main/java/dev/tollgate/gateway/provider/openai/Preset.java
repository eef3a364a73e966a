package dev.tollgate.gateway.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Provider;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.UpstreamRequest;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What one OpenAI-compatible provider does differently from OpenAI's API, as its own reference documents it: request
 * fix-ups (renamed or refused parameters, fields it rejects), usage in OpenAI's form, and where a stream carries the
 * usage. {@link PresetAdapter} applies them; everything the provider shares with OpenAI passes through untouched. A
 * parameter the provider cannot take goes through the model's unsupported-parameter policy ({@link ParamPolicy}):
 * refused with 400 naming it, or dropped and reported. Output fields a client echoes back in its history
 * ({@code reasoning_content}, {@code refusal} …) are removed without asking where the provider refuses them: they
 * are the provider's own answer, not the caller's request.
 */
abstract class Preset {

    /** The preset for a provider of the registry, or null when the provider is not an OpenAI-compatible preset. */
    static Preset of(Provider provider, Map<String, String> openRouterHeaders) {
        return switch (provider) {
            case MISTRAL -> new Mistral();
            case GROQ -> new Groq();
            case TOGETHER_AI, VLLM -> new Preset() { }; // OpenAI's API, extra sampling fields passed through
            case DEEPSEEK -> new DeepSeek();
            case FIREWORKS_AI -> new Fireworks();
            case OPENROUTER -> new OpenRouter(openRouterHeaders);
            case XAI -> new Xai();
            case PERPLEXITY -> new Perplexity();
            default -> null;
        };
    }

    /** Fix-ups of the request body (the adapter's own copy) for {@code operation}. */
    void request(ObjectNode body, Operation operation, boolean stream, GatewayConfig.Model model, ParamPolicy policy) {
    }

    /**
     * Whether the provider takes prompt-cache markers ({@code cache_control}, see
     * {@link dev.tollgate.gateway.provider.CacheMarkers}) in its OpenAI-style requests; the others never see them.
     */
    boolean takesCacheMarkers() {
        return false;
    }

    /** The provider's {@code usage} object made OpenAI's, in place. */
    void usage(ObjectNode usage) {
    }

    /** Fix-ups of one streamed chunk, before the adapter moves its usage to the final usage chunk. */
    void chunk(ObjectNode chunk) {
    }

    /** Headers beyond the bearer key. */
    void headers(UpstreamRequest request) {
    }

    // ---- shared helpers -------------------------------------------------------------------------------------------

    /** Whether a field is set to something that asks for a behaviour (present, not null, not false). */
    static boolean set(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v != null && !v.isNull() && !(v.isBoolean() && !v.booleanValue());
    }

    /** Each set field goes through the policy (throws under reject); every one of them leaves the body. */
    static void unsupported(ObjectNode body, ParamPolicy policy, String advice, String... fields) {
        for (String f : fields) {
            if (set(body, f)) {
                policy.unsupported(f, advice);
            }
            body.remove(f);
        }
    }

    /** {@code n} other than 1 goes through the policy: the provider answers one choice. */
    static void onlyOneChoice(ObjectNode body, ParamPolicy policy) {
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.canConvertToInt() && n.asInt() == 1)) {
            policy.unsupported("n", "It answers one choice per request: send n: 1 or leave it out.");
        }
        body.remove("n");
    }

    /** Fields of each message removed without asking (answer fields a client echoes back). */
    static void removeFromMessages(ObjectNode body, String... fields) {
        for (JsonNode m : body.path("messages")) {
            if (m.isObject()) {
                ((ObjectNode) m).remove(java.util.List.of(fields));
            }
        }
    }

    /** {@code name} on a message that is not a tool result, through the policy (a participant name). */
    static void messageNames(ObjectNode body, ParamPolicy policy, String provider) {
        for (JsonNode m : body.path("messages")) {
            if (m.isObject() && m.has("name") && !"tool".equals(m.path("role").asText())) {
                if (!m.get("name").isNull()) {
                    policy.unsupported("messages[].name", provider + " takes no participant names: leave out name.");
                }
                ((ObjectNode) m).remove("name");
            }
        }
    }

    /** Removes null-valued fields of an object (not deeper). */
    static void stripNulls(ObjectNode o) {
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            if (it.next().getValue().isNull()) {
                it.remove();
            }
        }
    }

    /** {@code tool_choice: "required"} as the providers that spell it {@code "any"} (Mistral, Fireworks). */
    static void requiredIsAny(ObjectNode body) {
        if ("required".equals(body.path("tool_choice").asText(null))) {
            body.put("tool_choice", "any");
        }
    }

    /** {@code max_completion_tokens} as {@code max_tokens}, for APIs that know only the older name. */
    static void legacyMaxTokens(ObjectNode body) {
        JsonNode mct = body.remove("max_completion_tokens");
        if (mct != null && !mct.isNull() && !set(body, "max_tokens")) {
            body.set("max_tokens", mct);
        }
    }

    static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    // ---- the presets ----------------------------------------------------------------------------------------------

    /**
     * Mistral (https://docs.mistral.ai/api/#tag/chat): a validating API that answers 422 {@code extra_forbidden} for
     * any field it does not define, null ones included. The seed is {@code random_seed}; {@code tool_choice} says
     * {@code any} for OpenAI's {@code required}; {@code safe_prompt} and {@code prompt_mode} are Mistral's own and pass
     * through; there is no {@code stream_options} (the usage rides on the last chunk anyway); embeddings name their
     * size {@code output_dimension}.
     */
    static final class Mistral extends Preset {
        static final Set<String> CHAT = Set.of("model", "messages", "temperature", "top_p", "max_tokens", "stream",
                "stop", "random_seed", "response_format", "tools", "tool_choice", "presence_penalty",
                "frequency_penalty", "n", "prediction", "parallel_tool_calls", "safe_prompt", "prompt_mode");
        static final Set<String> EMBEDDINGS = Set.of("model", "input", "output_dimension", "output_dtype",
                "encoding_format");

        @Override
        void request(ObjectNode body, Operation operation, boolean stream, GatewayConfig.Model model,
                ParamPolicy policy) {
            stripNulls(body);
            if (operation == Operation.EMBEDDINGS) {
                JsonNode dims = body.remove("dimensions");
                if (dims != null) {
                    body.set("output_dimension", dims);
                }
                allowlist(body, EMBEDDINGS, policy);
                return;
            }
            JsonNode seed = body.remove("seed");
            if (seed != null && !body.has("random_seed")) {
                body.set("random_seed", seed);
            }
            legacyMaxTokens(body);
            requiredIsAny(body);
            body.remove("stream_options");
            for (JsonNode m : body.path("messages")) {
                if (m.isObject()) {
                    ObjectNode o = (ObjectNode) m;
                    stripNulls(o); // "name": null, "tool_calls": null … are extra_forbidden too
                    o.remove(java.util.List.of("reasoning_content", "refusal", "annotations", "audio"));
                }
            }
            messageNames(body, policy, "Mistral");
            allowlist(body, CHAT, policy);
        }

        private static void allowlist(ObjectNode body, Set<String> allowed, ParamPolicy policy) {
            for (String f : java.util.List.copyOf(fieldNames(body))) {
                if (!allowed.contains(f)) {
                    policy.unsupported(f, "Mistral's API refuses fields it does not define: leave it out.");
                    body.remove(f);
                }
            }
        }
    }

    static java.util.List<String> fieldNames(ObjectNode o) {
        java.util.List<String> names = new java.util.ArrayList<>(o.size());
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * Groq (https://console.groq.com/docs/openai): {@code logprobs}, {@code logit_bias}, {@code top_logprobs} and
     * {@code messages[].name} are not supported and {@code n} must be 1; null fields of assistant messages are refused.
     * A stream reports its usage in {@code x_groq.usage} on its last chunk, moved here to OpenAI's {@code usage}.
     * (The unsupported-field list is the one Groq's OpenAI-compatibility page gives; that page was not in the stored
     * documentation to re-read. The null-field rule is LiteLLM's Groq config's, for assistant messages.)
     */
    static final class Groq extends Preset {
        @Override
        void request(ObjectNode body, Operation operation, boolean stream, GatewayConfig.Model model,
                ParamPolicy policy) {
            if (operation != Operation.CHAT) {
                return;
            }
            // Groq has refused stream_options ("property 'stream_options' is unsupported", reported in
            // https://github.com/vercel/ai/pull/1578); its streams carry the usage in x_groq on the last chunk anyway
            body.remove("stream_options");
            unsupported(body, policy, "Groq does not support it: leave it out.", "logprobs", "top_logprobs",
                    "logit_bias");
            onlyOneChoice(body, policy);
            messageNames(body, policy, "Groq");
            for (JsonNode m : body.path("messages")) {
                if (m.isObject() && "assistant".equals(m.path("role").asText())) {
                    stripNulls((ObjectNode) m);
                    ((ObjectNode) m).remove(java.util.List.of("refusal", "annotations", "audio"));
                }
            }
        }

        @Override
        void chunk(ObjectNode chunk) {
            JsonNode x = chunk.get("x_groq");
            if (x != null && x.path("usage").isObject()) {
                if (!chunk.path("usage").isObject()) {
                    chunk.set("usage", x.get("usage"));
                }
                ((ObjectNode) x).remove("usage");
            }
        }
    }

    /**
     * DeepSeek (https://api-docs.deepseek.com/): the cache is reported as {@code prompt_cache_hit_tokens} (part of
     * {@code prompt_tokens}), written here as OpenAI's {@code prompt_tokens_details.cached_tokens}; the reasoner's
     * {@code reasoning_content} passes through in answers and must not come back in {@code messages} (DeepSeek answers
     * 400), and the reasoner refuses {@code logprobs} and {@code top_logprobs}. Its reference defines neither
 * {@code logit_bias} nor {@code n}: they go through the policy rather than being ignored upstream unnoticed.
     */
    static final class DeepSeek extends Preset {
        @Override
        void request(ObjectNode body, Operation operation, boolean stream, GatewayConfig.Model model,
                ParamPolicy policy) {
            if (operation != Operation.CHAT) {
                return;
            }
            removeFromMessages(body, "reasoning_content");
            unsupported(body, policy, "DeepSeek's API does not define it: leave it out.", "logit_bias");
            onlyOneChoice(body, policy);
            if (lower(model.upstreamModel()).contains("reasoner")) {
                unsupported(body, policy, "DeepSeek's reasoner refuses it: leave it out.", "logprobs", "top_logprobs");
            }
        }

        @Override
        void usage(ObjectNode usage) {
            JsonNode hit = usage.get("prompt_cache_hit_tokens");
            if (hit != null && hit.canConvertToLong() && !usage.path("prompt_tokens_details").has("cached_tokens")) {
                ObjectNode details = usage.path("prompt_tokens_details").isObject()
                        ? (ObjectNode) usage.get("prompt_tokens_details") : usage.putObject("prompt_tokens_details");
                details.put("cached_tokens", hit.asLong());
            }
        }
    }

    /**
     * Fireworks (https://docs.fireworks.ai/api-reference/post-chatcompletions): a request that is not streamed may ask
     * for at most 4096 tokens ("Requests with max_tokens > 4096 must have stream=true"): refused here with that
     * advice, or, under the drop policy, capped at 4096 and reported; {@code tool_choice: "required"} is spelled
     * {@code "any"}. {@code top_k}, {@code repetition_penalty}, {@code min_p} pass through.
     */
    static final class Fireworks extends Preset {
        static final int UNSTREAMED_MAX_TOKENS = 4096;

        @Override
        void request(ObjectNode body, Operation operation, boolean stream, GatewayConfig.Model model,
                ParamPolicy policy) {
            if (operation != Operation.CHAT && operation != Operation.COMPLETIONS) {
                return;
            }
            requiredIsAny(body);
            if (stream) {
                return;
            }
            for (String f : java.util.List.of("max_tokens", "max_completion_tokens")) {
                JsonNode v = body.get(f);
                if (v != null && v.canConvertToLong() && v.asLong() > UNSTREAMED_MAX_TOKENS) {
                    policy.unsupported(f, "Fireworks allows at most " + UNSTREAMED_MAX_TOKENS + " tokens in an answer "
                            + "that is not streamed: send stream: true, or at most " + UNSTREAMED_MAX_TOKENS + ".");
                    body.put(f, UNSTREAMED_MAX_TOKENS);
                }
            }
        }
    }

    /**
     * OpenRouter (https://openrouter.ai/docs/api-reference/overview): OpenAI's API with routing fields of its own
     * ({@code provider}, {@code models}, {@code route}, {@code transforms}, {@code reasoning}), passed through, and
     * optional attribution headers {@code HTTP-Referer} and {@code X-Title} (the gateway's settings
     * {@code tollgate.openrouter.http-referer} and {@code tollgate.openrouter.x-title}). Free variants are model ids
     * with {@code :free}; errors inside a stream come as a chunk with an {@code error} object.
     */
    static final class OpenRouter extends Preset {
        private final Map<String, String> headers;

        OpenRouter(Map<String, String> headers) {
            this.headers = Map.copyOf(headers);
        }

        /** OpenRouter takes {@code cache_control} on content parts and passes it to the providers that use it
         * (https://openrouter.ai/docs/features/prompt-caching). */
        @Override
        boolean takesCacheMarkers() {
            return true;
        }

        @Override
        void headers(UpstreamRequest request) {
            headers.forEach(request::header);
        }
    }

    /**
     * xAI (https://docs.x.ai/docs/guides/reasoning): reasoning tokens are "counted separately from completion_tokens,
     * but counted in the total_tokens": added here to {@code completion_tokens} (they are billed as output). Its
     * reasoning models refuse {@code presence_penalty}, {@code frequency_penalty} and {@code stop}.
     */
    static final class Xai extends Preset {
        @Override
        void request(ObjectNode body, Operation operation, boolean stream, GatewayConfig.Model model,
                ParamPolicy policy) {
            if (operation == Operation.CHAT && reasoning(model.upstreamModel())) {
                unsupported(body, policy, "xAI's reasoning models refuse it: leave it out.", "presence_penalty",
                        "frequency_penalty", "stop");
            }
        }

        static boolean reasoning(String model) {
            String m = lower(model);
            return !m.contains("non-reasoning") && (m.startsWith("grok-3-mini") || m.startsWith("grok-4")
                    || m.startsWith("grok-code"));
        }

        @Override
        void usage(ObjectNode usage) {
            long reasoning = Json.longValue(usage.get("completion_tokens_details"), "reasoning_tokens");
            long prompt = Json.longValue(usage, "prompt_tokens");
            long completion = Json.longValue(usage, "completion_tokens");
            long total = Json.longValue(usage, "total_tokens");
            // only when the total says they are not counted yet (xAI's documented form)
            if (reasoning > 0 && total >= prompt + completion + reasoning) {
                usage.put("completion_tokens", completion + reasoning);
            }
        }
    }

    /**
     * Perplexity (https://docs.perplexity.ai/api-reference/chat-completions-post): Sonar answers with web search and
     * returns {@code citations} and {@code search_results} next to the choices (passed through); it has no tools,
     * no {@code logit_bias}/{@code logprobs}, and one choice per request.
     */
    static final class Perplexity extends Preset {
        @Override
        void request(ObjectNode body, Operation operation, boolean stream, GatewayConfig.Model model,
                ParamPolicy policy) {
            unsupported(body, policy, "Perplexity's Sonar API has no tools or token probabilities: leave it out.",
                    "tools", "tool_choice", "parallel_tool_calls", "functions", "function_call", "logit_bias",
                    "logprobs", "top_logprobs");
            onlyOneChoice(body, policy);
        }
    }
}
