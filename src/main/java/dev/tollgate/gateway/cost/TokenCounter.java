package dev.tollgate.gateway.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts tokens with OpenAI's BPE encodings (jtokkit), for providers that report no usage.
 *
 * <p><b>Encoding.</b> {@code o200k_base} for the gpt-4o, gpt-4.1, gpt-4.5, gpt-5 and o-series (o1, o3, o4…)
 * families, whose tokenizer it is; {@code cl100k_base} for every other model. For non-OpenAI models (Claude, Gemini,
 * Llama, Mistral…) cl100k_base is only an <em>approximation</em>: their tokenizers are not public or not bundled,
 * and counts may differ by some tens of percent.
 *
 * <p><b>Prompt.</b> {@link #countPrompt} follows OpenAI's documented recipe for chat models (the cookbook
 * "How to count tokens with tiktoken"): every message costs 3 tokens of framing plus the tokens of each of its
 * string fields (role, content, name, tool_call_id…), a {@code name} costs 1 more, and every reply is primed with 3
 * tokens ({@code <|start|>assistant<|message|>}). Approximations beyond that recipe:
 * <ul>
 *   <li>content given as parts counts the {@code text} parts; images, audio and files are not counted;</li>
 *   <li>an Anthropic Messages body counts the same way, plus its top-level {@code system} (a string or text blocks),
 *       the arguments of {@code tool_use} blocks and the content of {@code tool_result} blocks;</li>
 *   <li>an assistant message's {@code tool_calls} count the tokens of each function name and arguments string;</li>
 *   <li>{@code tools} (and legacy {@code functions}) count the tokens of each definition's JSON text. OpenAI renders
 *       them into the system prompt in an undocumented format, so this is an estimate.</li>
 * </ul>
 * Special-token text such as {@code <|endoftext|>} in user content is counted as ordinary text, never refused.
 */
public final class TokenCounter {
    /** Per-message framing in OpenAI's recipe. */
    static final int TOKENS_PER_MESSAGE = 3;
    /** Extra for a message's {@code name}. */
    static final int TOKENS_PER_NAME = 1;
    /** Every reply is primed with {@code <|start|>assistant<|message|>}. */
    static final int REPLY_PRIMING = 3;

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    private static final List<String> O200K_FAMILIES = List.of(
            "gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4");

    private final Encoding encoding;

    private TokenCounter(Encoding encoding) {
        this.encoding = encoding;
    }

    public static TokenCounter of(EncodingType type) {
        return new TokenCounter(REGISTRY.getEncoding(type));
    }

    /** Vocabulary loads, started at most once per encoding, each on a background thread (see {@link #load}). */
    private static final Map<EncodingType, CompletableFuture<Void>> LOADS = new ConcurrentHashMap<>();

    /**
     * Loads the model's vocabulary on a background thread, once, if it is not loaded yet: so that a count needed
     * later (a stream cut short, a provider reporting no usage) does not load it on an event loop. The
     * vocabularies are large (about 35 MB of heap each once loaded), so a gateway loads one only when a request
     * that may need it arrives, not at start: an idle gateway, or one whose providers always report usage on
     * answers it never needs to count, does not carry them. A count before the load has finished waits for it.
     */
    public static void preload(String upstreamModel) {
        load(upstreamModel);
    }

    /**
     * The load of the model's vocabulary, started on a background thread if nobody started it yet. Loading takes
     * most of a second (0.2 s for cl100k_base, 0.9 s for o200k_base, first use on one core), so code on an event
     * loop waits for this rather than counting with a vocabulary that is not {@link #loaded} yet. The stage fails
     * if the vocabulary could not be loaded.
     */
    public static CompletionStage<Void> load(String upstreamModel) {
        return load(encodingFor(upstreamModel));
    }

    static CompletableFuture<Void> load(EncodingType type) {
        return LOADS.computeIfAbsent(type, t -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread loader = new Thread(() -> {
                try {
                    of(t).countText("warm up");
                    done.complete(null);
                } catch (Throwable e) {
                    done.completeExceptionally(e);
                }
            }, "tollgate-tokenizer-load");
            loader.setDaemon(true);
            loader.start();
            return done;
        });
    }

    /** Whether the model's vocabulary was loaded by {@link #load}: counting with it then takes no load. */
    public static boolean loaded(String upstreamModel) {
        return loaded(encodingFor(upstreamModel));
    }

    static boolean loaded(EncodingType type) {
        CompletableFuture<Void> load = LOADS.get(type);
        return load != null && load.isDone() && !load.isCompletedExceptionally();
    }

    /** The counter for an upstream model id, by the rule in the class comment. */
    public static TokenCounter forModel(String upstreamModel) {
        return of(encodingFor(upstreamModel));
    }

    static EncodingType encodingFor(String upstreamModel) {
        if (upstreamModel != null) {
            String m = upstreamModel.startsWith("ft:") ? upstreamModel.substring(3) : upstreamModel;
            for (String family : O200K_FAMILIES) {
                if (m.equals(family) || m.startsWith(family + "-") || m.startsWith(family + ":")) {
                    return EncodingType.O200K_BASE;
                }
            }
        }
        return EncodingType.CL100K_BASE;
    }

    /** {@code cl100k_base} or {@code o200k_base}. */
    public String encodingName() {
        return encoding.getName();
    }

    /** Tokens of a completion's (or any) text. */
    public long countText(String text) {
        return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }

    /** Prompt tokens of an OpenAI chat completions request body, by the recipe in the class comment. */
    public long countPrompt(JsonNode request) {
        long tokens = 0;
        JsonNode messages = request == null ? null : request.get("messages");
        if (messages != null && messages.isArray()) {
            for (JsonNode message : messages) {
                tokens += TOKENS_PER_MESSAGE + countMessage(message);
            }
            tokens += REPLY_PRIMING;
        }
        JsonNode system = request == null ? null : request.get("system");
        if (system != null) {
            tokens += countContent(system); // Anthropic Messages: the system prompt is a top-level field
        }
        tokens += countDefinitions(request == null ? null : request.get("tools"));
        tokens += countDefinitions(request == null ? null : request.get("functions"));
        return tokens;
    }

    private long countMessage(JsonNode message) {
        long tokens = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = message.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            switch (field.getKey()) {
                case "content" -> tokens += countContent(value);
                case "tool_calls" -> tokens += countToolCalls(value);
                case "function_call" -> tokens += countFunctionCall(value);
                default -> {
                    if (value.isTextual()) {
                        tokens += countText(value.asText());
                    }
                }
            }
            if (field.getKey().equals("name")) {
                tokens += TOKENS_PER_NAME;
            }
        }
        return tokens;
    }

    private long countContent(JsonNode content) {
        if (content.isTextual()) {
            return countText(content.asText());
        }
        long tokens = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                JsonNode text = part.get("text");
                if (text != null && text.isTextual()) {
                    tokens += countText(text.asText());
                }
                JsonNode input = part.get("input"); // Anthropic tool_use: the call's arguments
                if (input != null && input.isObject()) {
                    tokens += countText(input.toString());
                }
                JsonNode result = part.get("content"); // Anthropic tool_result: a string or text blocks
                if (result != null && (result.isTextual() || result.isArray())) {
                    tokens += countContent(result);
                }
            }
        }
        return tokens;
    }

    private long countToolCalls(JsonNode calls) {
        long tokens = 0;
        if (calls.isArray()) {
            for (JsonNode call : calls) {
                tokens += countFunctionCall(call.get("function"));
            }
        }
        return tokens;
    }

    private long countFunctionCall(JsonNode function) {
        if (function == null) {
            return 0;
        }
        return countText(function.path("name").asText("")) + countText(function.path("arguments").asText(""));
    }

    private long countDefinitions(JsonNode definitions) {
        long tokens = 0;
        if (definitions != null && definitions.isArray()) {
            for (JsonNode definition : definitions) {
                tokens += countText(definition.toString());
            }
        }
        return tokens;
    }
}
