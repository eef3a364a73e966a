package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.Provider;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A fake of one OpenAI-compatible provider, chosen by a switch ({@link Provider}), rendering OpenAI's wire format
 * ({@link OpenAiWire}: {@code chat.completion}, {@code chat.completion.chunk} SSE ending in {@code data: [DONE]},
 * {@code text_completion}, embeddings lists) under the provider's own base path, with the differences its
 * documentation gives:
 * <ul>
 *   <li><b>mistral</b> ({@code /v1}; https://docs.mistral.ai/api/#tag/chat): a validating API: a field it does not
 *       define (OpenAI's {@code seed}, {@code stream_options}, {@code logit_bias} …, or {@code name}/{@code tool_calls}
 *       on a user message, null or not) is 422 {@code {"object":"error","message":{"detail":[{"type":"extra_forbidden",
 *       "loc":["body","seed"],"msg":"Extra inputs are not permitted","input":…}]},"type":"invalid_request_error",
 *       "param":null,"code":null}} (the body Mistral answers, as its users report it:
 *       https://github.com/nomtek/mistralai_client_dart/issues/44); the seed is {@code random_seed}; {@code tool_choice}
 *       {@code "required"} is refused (Mistral says {@code "any"}); a stream carries its usage on the finishing chunk;
 *       a 401 is {@code {"message":"Unauthorized","request_id":…}}; a prompt over the window is 400 "Prompt contains N
 *       tokens … too large for model with M maximum context length" (wording as reported by users, not in the
 *       reference).</li>
 *   <li><b>groq</b> ({@code /openai/v1}; https://console.groq.com/docs/openai): {@code logprobs},
 *       {@code logit_bias}, {@code top_logprobs}, {@code messages[].name} and {@code n} other than 1 are refused with
 *       400; a stream reports its usage in {@code x_groq.usage} on the finishing chunk (and {@code x_groq.id} on the
 *       first); a prompt over the window is 400 {@code context_length_exceeded}. (The refused-field list is the one
 *       Groq's OpenAI-compatibility page gives; the page was not in the stored documentation to re-read, and the
 *       refusal messages are not Groq's verbatim.)</li>
 *   <li><b>deepseek</b> (root path; https://api-docs.deepseek.com/api/create-chat-completion): usage with
 *       {@code prompt_cache_hit_tokens} / {@code prompt_cache_miss_tokens} ({@link #cacheHitTokens}) and, for
 *       {@code deepseek-reasoner}, {@code reasoning_content} in the answer and {@code completion_tokens_details.
 *       reasoning_tokens}; {@code reasoning_content} in the request's messages is 400
 *       (https://api-docs.deepseek.com/guides/reasoning_model), so are {@code logprobs} for the reasoner.</li>
 *   <li><b>together_ai</b> ({@code /v1}; https://docs.together.ai/reference/chat-completions-1): usage on the
 *       finishing chunk of a stream; a prompt over the window is 400 "Input validation error: `inputs` tokens +
 *       `max_new_tokens` must be <= N".</li>
 *   <li><b>fireworks_ai</b> ({@code /inference/v1}): a request that is not streamed with {@code max_tokens} over 4096
 *       is 400 "Requests with max_tokens > 4096 must have stream=true" (param max_tokens, code BAD_REQUEST, as users
 *       report it).</li>
 *   <li><b>openrouter</b> ({@code /api/v1}; https://openrouter.ai/docs/api-reference/streaming): streams begin with
 *       the SSE comment {@code : OPENROUTER PROCESSING}; errors are {@code {"error":{"code":<status>,"message"}}}.</li>
 *   <li><b>xai</b> ({@code /v1}; https://docs.x.ai/docs/guides/reasoning): reasoning tokens
 *       ({@link #reasoningTokens}) are in {@code completion_tokens_details.reasoning_tokens}, not in
 *       {@code completion_tokens}, but in {@code total_tokens}; errors are {@code {"code":"…","error":"…"}}.</li>
 *   <li><b>perplexity</b> (root path; https://docs.perplexity.ai/api-reference/chat-completions-post):
 *       {@code citations} and {@code search_results} next to the choices (on every chunk of a stream), usage on the
 *       finishing chunk; {@code tools} are refused with 400 (wording not confirmed).</li>
 *   <li><b>vllm</b> ({@code /v1}; https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html): OpenAI's API
 *       plus sampling fields ({@code top_k}, {@code min_p}, {@code repetition_penalty}, {@code guided_json}); a key
 *       only when started with one ({@code --api-key}: 401 {@code {"error":"Unauthorized"}}); a prompt over the window
 *       is 400 {@code {"object":"error","message":"This model's maximum context length is …","type":"BadRequestError",
 *       "param":null,"code":400}}.</li>
 * </ul>
 * Others' errors are OpenAI's {@code {"error":{message,type,param,code}}}; a 429 carries the Reply's
 * {@code retry-after}. A safety block ({@code finishReason("content_filter")}) is rendered as that finish reason
 * (none of these documents another). {@code cutAfter(n)} closes the stream after n events.
 */
public final class FakeOpenAiCompatible extends FakeUpstream {
    public static final String DEFAULT_TEXT = "Hello from the fake OpenAI-compatible provider.";
    static final Set<String> MISTRAL_CHAT = Set.of("model", "messages", "temperature", "top_p", "max_tokens", "stream",
            "stop", "random_seed", "response_format", "tools", "tool_choice", "presence_penalty", "frequency_penalty",
            "n", "prediction", "parallel_tool_calls", "safe_prompt", "prompt_mode");
    static final Map<String, Set<String>> MISTRAL_MESSAGE = Map.of(
            "system", Set.of("role", "content"), "user", Set.of("role", "content"),
            "assistant", Set.of("role", "content", "tool_calls", "prefix"),
            "tool", Set.of("role", "content", "tool_call_id", "name"));

    private final Provider provider;
    private final String apiKey;
    private volatile int cacheHitTokens;
    private volatile int reasoningTokens;

    private FakeOpenAiCompatible(Vertx vertx, Provider provider, String apiKey) {
        super(vertx, Reply.text(DEFAULT_TEXT));
        this.provider = provider;
        this.apiKey = apiKey;
    }

    /** A fake of {@code provider} accepting exactly {@code apiKey} (null: a vLLM started without --api-key). */
    public static FakeOpenAiCompatible start(Provider provider, String apiKey) {
        return start(null, provider, apiKey);
    }

    public static FakeOpenAiCompatible start(Vertx vertx, Provider provider, String apiKey) {
        FakeOpenAiCompatible fake = new FakeOpenAiCompatible(vertx, provider, apiKey);
        fake.listen();
        return fake;
    }

    /** DeepSeek: how many of the prompt's tokens its cache served (reported as prompt_cache_hit_tokens). */
    public FakeOpenAiCompatible cacheHitTokens(int tokens) {
        this.cacheHitTokens = tokens;
        return this;
    }

    /** xAI, DeepSeek's reasoner: reasoning tokens reported with each answer. */
    public FakeOpenAiCompatible reasoningTokens(int tokens) {
        this.reasoningTokens = tokens;
        return this;
    }

    /** The provider's base path, as its documented base URL has it. */
    String basePath() {
        return switch (provider) {
            case GROQ -> "/openai/v1";
            case DEEPSEEK, PERPLEXITY -> "";
            case FIREWORKS_AI -> "/inference/v1";
            case OPENROUTER -> "/api/v1";
            default -> "/v1";
        };
    }

    @Override
    public String baseUrl() {
        return origin() + basePath();
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text(DEFAULT_TEXT);
    }

    // ---- error bodies ---------------------------------------------------------------------------------------------

    private JsonNode errorBody(int status, String message, String type, String param, String code) {
        return switch (provider) {
            case MISTRAL -> status == 401 ? object().put("message", "Unauthorized").put("request_id", newId(""))
                    : object().put("object", "error").put("message", message).put("type", type)
                    .put("param", param).put("code", code);
            case XAI -> object().put("code", type == null ? "Client specified an invalid argument" : type)
                    .put("error", message);
            case VLLM -> status == 401 ? object().put("error", "Unauthorized")
                    : object().put("object", "error").put("message", message).put("type", type).put("param", param)
                    .put("code", status);
            case OPENROUTER -> {
                ObjectNode b = object();
                b.putObject("error").put("code", status).put("message", message).putObject("metadata");
                yield b;
            }
            default -> OpenAiWire.error(message, type, param, code);
        };
    }

    private void fail(HttpServerRequest http, int status, String message, String type, String param, String code) {
        respondJson(http, status, Map.of(), errorBody(status, message, type, param, code), Reply.text(""));
    }

    private JsonNode contextTooLong() {
        return switch (provider) {
            case MISTRAL -> errorBody(400, "Prompt contains 40960 tokens and 0 draft tokens, too large for model "
                    + "with 32768 maximum context length", "invalid_request_message_error", null, null);
            case GROQ -> errorBody(400, "Please reduce the length of the messages or completion.",
                    "invalid_request_error", "messages", "context_length_exceeded");
            case TOGETHER_AI -> errorBody(400, "Input validation error: `inputs` tokens + `max_new_tokens` must be "
                    + "<= 8193. Given: 9000 `inputs` tokens and 256 `max_new_tokens`", "invalid_request_error", null,
                    null);
            default -> errorBody(400, "This model's maximum context length is 65536 tokens. However, you requested "
                    + "70000 tokens (69744 in the messages, 256 in the completion). Please reduce the length of the "
                    + "messages or completion.", "invalid_request_error", null, "invalid_request_error");
        };
    }

    // ---- routing --------------------------------------------------------------------------------------------------

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        String path = request.path();
        String base = basePath();
        String op = path.startsWith(base + "/") ? path.substring(base.length() + 1) : "";
        if (!"POST".equals(request.method()) || !List.of("chat/completions", "completions", "embeddings").contains(op)) {
            fail(http, 404, "Not found: " + path, "invalid_request_error", null, null);
            return;
        }
        if (apiKey != null && !("Bearer " + apiKey).equals(request.header("authorization"))) {
            fail(http, 401, "Invalid API Key", provider == Provider.DEEPSEEK ? "authentication_error"
                    : "invalid_request_error", null, "invalid_api_key");
            return;
        }
        JsonNode json = request.json();
        if (json == null || !json.isObject()) {
            fail(http, 400, "Invalid JSON body", "invalid_request_error", null, null);
            return;
        }
        if (op.equals("chat/completions") && !validChat(http, (ObjectNode) json)) {
            return;
        }
        Reply reply = nextReply();
        if (reply.isError()) {
            Map<String, String> headers = new LinkedHashMap<>(reply.headers());
            JsonNode body = reply.isContextTooLong() ? contextTooLong()
                    : errorBody(reply.status(), reply.errorMessage(), reply.errorType(), reply.errorParam(),
                    reply.errorCode());
            respondJson(http, reply.status(), headers, body, reply);
            return;
        }
        String model = reply.modelOr(json.path("model").asText("model"));
        switch (op) {
            case "chat/completions" -> chat(http, request, reply, model);
            case "completions" -> {
                ObjectNode body = OpenAiWire.textCompletion(newId("cmpl-"), Instant.now().getEpochSecond(), model,
                        reply.text() == null ? "" : reply.text(), reply.finishReasonOr("stop"));
                body.set("usage", usage(reply.promptTokens(10), reply.completionTokens(), model, reply));
                respondJson(http, 200, new LinkedHashMap<>(reply.headers()), body, reply);
            }
            default -> respondJson(http, 200, new LinkedHashMap<>(reply.headers()),
                    OpenAiWire.embeddings(json, model, json.path("output_dimension").asInt(8), reply), reply);
        }
    }

    /** The provider's own checks of a chat request (what it refuses that OpenAI accepts). */
    private boolean validChat(HttpServerRequest http, ObjectNode json) {
        switch (provider) {
            case MISTRAL -> {
                List<String> bad = new ArrayList<>();
                json.fieldNames().forEachRemaining(f -> {
                    if (!MISTRAL_CHAT.contains(f)) {
                        bad.add("body." + f);
                    }
                });
                int i = 0;
                for (JsonNode m : json.path("messages")) {
                    Set<String> allowed = MISTRAL_MESSAGE.getOrDefault(m.path("role").asText(), Set.of());
                    int index = i++;
                    m.fieldNames().forEachRemaining(f -> {
                        if (!allowed.contains(f)) {
                            bad.add("body.messages." + index + "." + m.path("role").asText() + "." + f);
                        }
                    });
                }
                if ("required".equals(json.path("tool_choice").asText())) {
                    bad.add("body.tool_choice");
                }
                if (!bad.isEmpty()) {
                    ObjectNode message = object();
                    ArrayNode detail = message.putArray("detail");
                    for (String loc : bad) {
                        ObjectNode d = detail.addObject().put("type", "extra_forbidden");
                        ArrayNode l = d.putArray("loc");
                        for (String part : loc.split("\\.")) {
                            l.add(part);
                        }
                        d.put("msg", "Extra inputs are not permitted");
                    }
                    respondJson(http, 422, Map.of(), object().put("object", "error").<ObjectNode>set("message", message)
                            .put("type", "invalid_request_error").putNull("param").putNull("code"), Reply.text(""));
                    return false;
                }
            }
            case GROQ -> {
                for (String f : List.of("logprobs", "logit_bias", "top_logprobs")) {
                    if (json.has(f)) {
                        fail(http, 400, "'" + f + "' : property '" + f + "' is unsupported", "invalid_request_error",
                                f, null);
                        return false;
                    }
                }
                if (json.has("n") && json.path("n").asInt() != 1) {
                    fail(http, 400, "'n' : number must be at most 1", "invalid_request_error", "n", null);
                    return false;
                }
                for (JsonNode m : json.path("messages")) {
                    if (m.has("name") && !"tool".equals(m.path("role").asText())) {
                        fail(http, 400, "'messages.name' : property 'name' is unsupported", "invalid_request_error",
                                "messages", null);
                        return false;
                    }
                }
            }
            case DEEPSEEK -> {
                for (JsonNode m : json.path("messages")) {
                    if (m.has("reasoning_content")) {
                        fail(http, 400, "The reasoning_content is an intermediate result for display purposes only "
                                + "and will not be included in the context for inference. Please remove the "
                                + "reasoning_content from your message to reduce network traffic.",
                                "invalid_request_error", null, "invalid_request_error");
                        return false;
                    }
                }
                if (json.path("model").asText().contains("reasoner") && json.has("logprobs")) {
                    fail(http, 400, "logprobs is not supported by deepseek-reasoner", "invalid_request_error",
                            "logprobs", "invalid_request_error");
                    return false;
                }
            }
            case FIREWORKS_AI -> {
                if (!json.path("stream").asBoolean(false) && json.path("max_tokens").asLong(0) > 4096) {
                    fail(http, 400, "Requests with max_tokens > 4096 must have stream=true", "error", "max_tokens",
                            "BAD_REQUEST");
                    return false;
                }
            }
            case PERPLEXITY -> {
                if (json.has("tools")) {
                    fail(http, 400, "Tool calling is not supported", "invalid_parameter", "tools", null);
                    return false;
                }
            }
            default -> {
            }
        }
        return true;
    }

    // ---- answers --------------------------------------------------------------------------------------------------

    /** The provider's usage object for an answer. */
    private ObjectNode usage(int prompt, int completion, String model, Reply reply) {
        ObjectNode u = provider == Provider.DEEPSEEK ? OpenAiWire.usage(prompt, completion)
                : OpenAiWire.usage(prompt, completion, reply); // xAI, Groq, Fireworks: OpenAI's cached_tokens
        if (provider == Provider.DEEPSEEK) {
            u.put("prompt_cache_hit_tokens", cacheHitTokens).put("prompt_cache_miss_tokens", prompt - cacheHitTokens);
            if (reasoningTokens > 0) { // counted in completion_tokens, as OpenAI does
                u.put("completion_tokens", completion + reasoningTokens)
                        .put("total_tokens", prompt + completion + reasoningTokens);
                u.putObject("completion_tokens_details").put("reasoning_tokens", reasoningTokens);
            }
        } else if (provider == Provider.XAI && reasoningTokens > 0) { // counted apart from completion_tokens
            u.put("total_tokens", prompt + completion + reasoningTokens);
            u.putObject("completion_tokens_details").put("reasoning_tokens", reasoningTokens);
        }
        return u;
    }

    private void perplexityExtras(ObjectNode o) {
        o.putArray("citations").add("https://example.com/weather/paris");
        o.putArray("search_results").addObject().put("title", "Paris weather")
                .put("url", "https://example.com/weather/paris").put("date", "2026-12-04");
    }

    private void chat(HttpServerRequest http, RecordedRequest request, Reply reply, String model) {
        String id = newId("chatcmpl-");
        long created = Instant.now().getEpochSecond();
        int prompt = reply.promptTokens(10);
        ObjectNode usage = usage(prompt, reply.completionTokens(), model, reply);
        Map<String, String> headers = new LinkedHashMap<>(reply.headers());
        if (!request.streamed()) {
            ObjectNode body = OpenAiWire.chatCompletion(id, created, model, reply, prompt, false, "call_", this);
            body.set("usage", usage);
            ObjectNode message = (ObjectNode) body.path("choices").get(0).get("message");
            message.remove(List.of("refusal", "annotations"));
            if (provider == Provider.DEEPSEEK && model.contains("reasoner")) {
                message.put("reasoning_content", "Paris is in France; look up the weather.");
            }
            if (provider == Provider.GROQ) {
                body.putObject("x_groq").put("id", newId("req_"));
            }
            if (provider == Provider.PERPLEXITY) {
                perplexityExtras(body);
            }
            respondJson(http, 200, headers, body, reply);
            return;
        }
        boolean includeUsage = request.json().path("stream_options").path("include_usage").asBoolean(false);
        List<ObjectNode> chunks = new ArrayList<>();
        for (String frame : OpenAiWire.chatChunks(id, created, model, reply, prompt, true, false, "call_", this)) {
            JsonNode c = frame.startsWith("data: {") ? read(frame.substring(6).trim()) : null;
            if (c != null) {
                ((ObjectNode) c).remove("usage");
                chunks.add((ObjectNode) c);
            }
        }
        ObjectNode usageChunk = chunks.remove(chunks.size() - 1); // OpenAI's usage-only chunk: placed per provider
        usageChunk.set("usage", usage);
        ObjectNode finishing = chunks.get(chunks.size() - 1);
        switch (provider) {
            case MISTRAL, TOGETHER_AI, PERPLEXITY -> finishing.set("usage", usage);
            case GROQ -> {
                chunks.get(0).putObject("x_groq").put("id", newId("req_"));
                finishing.putObject("x_groq").put("id", newId("req_")).set("usage", usage.deepCopy()
                        .put("queue_time", 0.01).put("prompt_time", 0.002).put("completion_time", 0.03));
            }
            default -> {
                if (includeUsage) {
                    chunks.forEach(c -> c.putNull("usage"));
                    chunks.add(usageChunk);
                }
            }
        }
        if (provider == Provider.PERPLEXITY) {
            chunks.forEach(this::perplexityExtras);
        }
        if (provider == Provider.DEEPSEEK && model.contains("reasoner")) {
            ObjectNode thinking = chunks.get(0).deepCopy();
            ObjectNode delta = (ObjectNode) thinking.path("choices").get(0).get("delta");
            delta.removeAll();
            delta.putNull("content");
            delta.put("reasoning_content", "Paris is in France.");
            chunks.add(1, thinking);
        }
        List<String> frames = new ArrayList<>();
        if (provider == Provider.OPENROUTER) {
            frames.add(": OPENROUTER PROCESSING\n\n");
        }
        for (ObjectNode c : chunks) {
            frames.add("data: " + write(c) + "\n\n");
        }
        frames.add("data: [DONE]\n\n");
        respondStream(http, headers, frames, OpenAiWire.streamErrorFrame(reply), reply);
    }

    private static JsonNode read(String json) {
        return dev.tollgate.gateway.Json.parse(json);
    }
}
