package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fake of the OpenAI API (api.openai.com), serving under {@code /v1} like the real one, so that
 * {@link #baseUrl()} ({@code http://127.0.0.1:PORT/v1}) is what the SDKs and the gateway take as apiBase:
 * <ul>
 *   <li>{@code POST /v1/chat/completions} — {@code chat.completion}, or {@code text/event-stream} of
 *       {@code data: <chat.completion.chunk>} ending in {@code data: [DONE]}, honouring
 *       {@code stream_options.include_usage};</li>
 *   <li>{@code POST /v1/completions} — legacy {@code text_completion} ({@code choices[].text}), streamed too;</li>
 *   <li>{@code POST /v1/embeddings} — a {@code list} of {@code embedding} objects, float arrays or, for
 *       {@code encoding_format: base64}, base64 of little-endian float32s;</li>
 *   <li>{@code POST /v1/images/generations} — {@code created} and {@code data[{b64_json|url, revised_prompt}]};</li>
 *   <li>{@code GET /v1/models} — a {@code list} of {@code model} objects.</li>
 * </ul>
 * Authentication is {@code Authorization: Bearer <key>}; errors use the documented {@code ErrorResponse}
 * {@code {"error":{"message","type","param","code"}}}. Every authenticated, well-formed request consumes one
 * scripted {@link Reply} (or the default behaviour); an error reply applies to any endpoint, the text, tool
 * calls and usage of a normal reply to chat and legacy completions, its usage to embeddings.
 */
public class FakeOpenAi extends FakeUpstream {

    /** The text a fresh fake answers with. */
    public static final String DEFAULT_TEXT = "Hello from the fake upstream.";

    private final String apiKey;
    private volatile List<String> models = List.of("gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "dall-e-3");
    private volatile int embeddingDimensions = 8;

    protected FakeOpenAi(Vertx vertx, String apiKey) {
        super(vertx, Reply.text(DEFAULT_TEXT));
        this.apiKey = apiKey;
    }

    /** Starts a fake that accepts exactly {@code apiKey}, on its own Vert.x. */
    public static FakeOpenAi start(String apiKey) {
        return start(null, apiKey);
    }

    /** Starts a fake on the given Vert.x (not closed by {@link #close()}). */
    public static FakeOpenAi start(Vertx vertx, String apiKey) {
        FakeOpenAi fake = new FakeOpenAi(vertx, apiKey);
        fake.listen();
        return fake;
    }

    /** {@code http://127.0.0.1:PORT/v1}: OpenAI's base URL includes the version prefix. */
    @Override
    public String baseUrl() {
        return origin() + "/v1";
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text(DEFAULT_TEXT);
    }

    /** The model ids {@code GET /v1/models} lists. */
    public FakeOpenAi models(String... ids) {
        this.models = List.of(ids);
        return this;
    }

    /** Length of the embedding vectors when the request names no {@code dimensions} (default 8). */
    public FakeOpenAi embeddingDimensions(int dimensions) {
        this.embeddingDimensions = dimensions;
        return this;
    }

    /** The vector this fake returns for {@code text}, so that tests can compare exact values. */
    public static float[] embeddingFor(String text, int dimensions) {
        return OpenAiWire.vector(text, dimensions);
    }

    // ---- documented error replies ----

    /**
     * 429 as for a request-rate limit: type {@code requests}, code {@code rate_limit_exceeded}, a
     * {@code Retry-After} header (whole seconds, rounded up) and {@code x-ratelimit-*} headers, as
     * https://platform.openai.com/docs/guides/error-codes and https://platform.openai.com/docs/guides/rate-limits
     * describe them ("Rate limit reached for … on requests per min (RPM): Limit …, Used …, Requested ….").
     */
    public static Reply rateLimited(Duration retryAfter) {
        long seconds = seconds(retryAfter);
        return Reply.error(429, "requests",
                        "Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): "
                                + "Limit 3, Used 3, Requested 1. Please try again in " + seconds + "s. Visit "
                                + "https://platform.openai.com/account/rate-limits to learn more.")
                .code("rate_limit_exceeded")
                .header("retry-after", Long.toString(seconds))
                .header("x-ratelimit-limit-requests", "3")
                .header("x-ratelimit-remaining-requests", "0")
                .header("x-ratelimit-reset-requests", seconds + "s");
    }

    /** A {@code Retry-After} in whole seconds, rounded up (the header has no fractions). */
    static long seconds(Duration d) {
        return (d.toMillis() + 999) / 1000;
    }

    /** 429 {@code insufficient_quota}: the one 429 that retrying does not cure. */
    public static Reply insufficientQuota() {
        return Reply.error(429, "insufficient_quota",
                        "You exceeded your current quota, please check your plan and billing details.")
                .code("insufficient_quota");
    }

    /** 500 {@code server_error}. */
    public static Reply serverError() {
        return Reply.error(500, "server_error",
                "The server had an error while processing your request. Sorry about that!");
    }

    /** 503 as when the engine is overloaded. */
    public static Reply overloaded() {
        return Reply.error(503, "server_error", "The engine is currently overloaded, please try again later.");
    }

    // ---- routing ----

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        String route = request.method() + " " + request.path();
        if (!List.of("POST /v1/chat/completions", "POST /v1/completions", "POST /v1/embeddings",
                "POST /v1/images/generations", "GET /v1/models").contains(route)) {
            fail(http, 404, OpenAiWire.error("Invalid URL (" + route + ")", "invalid_request_error", null, null));
            return;
        }
        if (!authenticated(http, request)) {
            return;
        }
        String model = request.json() == null ? null : request.json().path("model").asText(null);
        switch (route) {
            case "POST /v1/chat/completions" -> chatCompletions(http, request, model);
            case "POST /v1/completions" -> completions(http, request, model);
            case "POST /v1/embeddings" -> embeddings(http, request, model);
            case "POST /v1/images/generations" -> images(http, request);
            default -> listModels(http);
        }
    }

    /**
     * {@code Authorization: Bearer <key>}. No key: 401 "You didn't provide an API key…" (code null); a wrong
     * key: 401 "Incorrect API key provided: sk-…abcd…" with code {@code invalid_api_key} — the key is shown
     * redacted, as the API does.
     */
    private boolean authenticated(HttpServerRequest http, RecordedRequest request) {
        String authorization = request.header("authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                || authorization.substring(7).isBlank()) {
            fail(http, 401, OpenAiWire.error("You didn't provide an API key. You need to provide your API key in an "
                    + "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the "
                    + "password field (with blank username) if you're accessing the API from your browser and are "
                    + "prompted for a username and password. You can obtain an API key from "
                    + "https://platform.openai.com/account/api-keys.", "invalid_request_error", null, null));
            return false;
        }
        String key = authorization.substring(7).trim();
        if (!key.equals(apiKey)) {
            fail(http, 401, OpenAiWire.error("Incorrect API key provided: " + redact(key) + ". You can find your "
                    + "API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", null,
                    "invalid_api_key"));
            return false;
        }
        return true;
    }

    /** {@code sk-ab***********wxyz}: the first five and last four characters, like the API's messages. */
    static String redact(String key) {
        if (key.length() <= 9) {
            return "*".repeat(key.length());
        }
        return key.substring(0, 5) + "*".repeat(key.length() - 9) + key.substring(key.length() - 4);
    }

    /** Answers an error that is not scripted (auth, routing, validation); it consumes no reply. */
    protected final void fail(HttpServerRequest http, int status, JsonNode body) {
        respondJson(http, status, Map.of("x-request-id", newId("req_")), body, Reply.text(""));
    }

    /**
     * OpenAI's refusal of a prompt its safety system rejects: 400 {@code invalid_request_error}, code
     * {@code content_policy_violation}, param null (the body api.openai.com answers, e.g. as quoted in
     * https://github.com/songquanpeng/one-api/issues/737; the code is listed with the other 400s at
     * https://platform.openai.com/docs/guides/error-codes).
     */
    static final String CONTENT_POLICY_MESSAGE = "Your request was rejected as a result of our safety system. Your "
            + "prompt may contain text that is not allowed by our safety system.";

    /** The documented error body for a scripted error reply. */
    protected JsonNode errorBody(Reply reply) {
        if (reply.isContentPolicy()) {
            return OpenAiWire.error(CONTENT_POLICY_MESSAGE, "invalid_request_error", null, "content_policy_violation");
        }
        if (reply.isContextTooLong()) { // the API's own wording for a prompt over the context window
            return OpenAiWire.error("This model's maximum context length is 128000 tokens. However, your messages "
                    + "resulted in 131072 tokens. Please reduce the length of the messages.", "invalid_request_error",
                    "messages", "context_length_exceeded");
        }
        return OpenAiWire.error(reply.errorMessage(), reply.errorType(), reply.errorParam(), reply.errorCode());
    }

    /** Sends the scripted error reply with its status, headers and body; true when {@code reply} is one. */
    protected final boolean scriptedError(HttpServerRequest http, Reply reply) {
        if (!reply.isError()) {
            return false;
        }
        Map<String, String> headers = new LinkedHashMap<>(reply.headers());
        headers.putIfAbsent("x-request-id", newId("req_"));
        respondJson(http, reply.status(), headers, errorBody(reply), reply);
        return true;
    }

    /** Body checks the API makes before generating: valid JSON, a {@code model}, the endpoint's input. */
    protected final boolean validBody(HttpServerRequest http, RecordedRequest request, String required,
                                      boolean modelRequired) {
        JsonNode json = request.json();
        if (json == null || !json.isObject()) {
            fail(http, 400, OpenAiWire.error("We could not parse the JSON body of your request. (HINT: This likely "
                    + "means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, "
                    + "but what was sent was not valid JSON.)", "invalid_request_error", null, null));
            return false;
        }
        if (modelRequired && json.path("model").asText("").isEmpty()) {
            fail(http, 400, OpenAiWire.error("you must provide a model parameter", "invalid_request_error", null,
                    null));
            return false;
        }
        if (required != null && (json.get(required) == null || json.get(required).isNull())) {
            fail(http, 400, OpenAiWire.error("Missing required parameter: '" + required + "'.",
                    "invalid_request_error", required, "missing_required_parameter"));
            return false;
        }
        return true;
    }

    // ---- endpoints, shared with Azure ----

    /** {@code POST …/chat/completions}. */
    protected final void chatCompletions(HttpServerRequest http, RecordedRequest request, String model) {
        boolean azure = contentFilterAnnotations();
        if (!validBody(http, request, "messages", !isAzure())) {
            return;
        }
        Reply reply = nextReply(request);
        if (scriptedError(http, reply)) {
            return;
        }
        String id = newId("chatcmpl-");
        long created = Instant.now().getEpochSecond();
        String reported = reply.modelOr(model);
        int prompt = reply.promptTokens(10);
        Map<String, String> headers = responseHeaders(reply);
        if (request.streamed()) {
            boolean includeUsage = request.json().path("stream_options").path("include_usage").asBoolean(false);
            // no content before the role chunk (and, on Azure, the prompt-filter chunk before it)
            respondStream(http, headers, OpenAiWire.chatChunks(id, created, reported, reply, prompt, includeUsage,
                    azure, "call_", this), OpenAiWire.streamErrorFrame(reply), reply, azure ? 2 : 1);
        } else {
            respondJson(http, 200, headers,
                    OpenAiWire.chatCompletion(id, created, reported, reply, prompt, azure, "call_", this), reply);
        }
    }

    /** {@code POST …/completions} (legacy). */
    protected final void completions(HttpServerRequest http, RecordedRequest request, String model) {
        if (!validBody(http, request, "prompt", !isAzure())) {
            return;
        }
        Reply reply = nextReply(request);
        if (scriptedError(http, reply)) {
            return;
        }
        String id = newId("cmpl-");
        long created = Instant.now().getEpochSecond();
        String reported = reply.modelOr(model);
        int prompt = reply.promptTokens(10);
        Map<String, String> headers = responseHeaders(reply);
        if (request.streamed()) {
            boolean includeUsage = request.json().path("stream_options").path("include_usage").asBoolean(false);
            respondStream(http, headers, OpenAiWire.textCompletionChunks(id, created, reported, reply, prompt,
                    includeUsage), OpenAiWire.streamErrorFrame(reply), reply);
        } else {
            ObjectNode body = OpenAiWire.textCompletion(id, created, reported,
                    reply.text() == null ? "" : reply.text(), reply.finishReasonOr("stop"));
            body.set("usage", OpenAiWire.usage(prompt, reply.completionTokens(), reply));
            respondJson(http, 200, headers, body, reply);
        }
    }

    /** {@code POST …/embeddings}. */
    protected final void embeddings(HttpServerRequest http, RecordedRequest request, String model) {
        if (!validBody(http, request, "input", !isAzure())) {
            return;
        }
        Reply reply = nextReply(request);
        if (scriptedError(http, reply)) {
            return;
        }
        respondJson(http, 200, responseHeaders(reply),
                OpenAiWire.embeddings(request.json(), reply.modelOr(model), embeddingDimensions, reply), reply);
    }

    /** {@code POST …/images/generations}. */
    protected final void images(HttpServerRequest http, RecordedRequest request) {
        if (!validBody(http, request, "prompt", false)) {
            return;
        }
        Reply reply = nextReply(request);
        if (scriptedError(http, reply)) {
            return;
        }
        respondJson(http, 200, responseHeaders(reply), OpenAiWire.images(request.json(),
                Instant.now().getEpochSecond(), origin() + BLOB_PREFIX, this), reply);
    }

    /** {@code GET /v1/models}: {@code ListModelsResponse}. */
    private void listModels(HttpServerRequest http) {
        Reply reply = nextReply();
        if (scriptedError(http, reply)) {
            return;
        }
        ObjectNode body = object().put("object", "list");
        ArrayNode data = body.putArray("data");
        for (String id : models) {
            data.addObject().put("id", id).put("object", "model").put("created", 1_686_935_002L)
                    .put("owned_by", id.startsWith("dall-e") ? "system" : "openai");
        }
        respondJson(http, 200, responseHeaders(reply), body, reply);
    }

    /** Azure flavour: the model comes from the deployment, so the body need not name one. */
    protected boolean isAzure() {
        return false;
    }

    /** Azure flavour: chat bodies carry {@code prompt_filter_results} / {@code content_filter_results}. */
    protected boolean contentFilterAnnotations() {
        return false;
    }

    private Map<String, String> responseHeaders(Reply reply) {
        Map<String, String> headers = new LinkedHashMap<>(reply.headers());
        headers.putIfAbsent("x-request-id", newId("req_"));
        return headers;
    }
}
