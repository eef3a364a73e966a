package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake of PaLM 2 on the Generative Language API v1beta2 (retired by Google; this follows the archived reference):
 * {@code POST /v1beta2/models/{model}:generateText} and {@code POST /v1beta2/models/{model}:generateMessage}.
 * {@link #baseUrl()} is the origin, as {@code https://generativelanguage.googleapis.com} is the API's.
 *
 * <p>Sources:
 * <ul>
 *   <li>Methods, request and response messages: googleapis/googleapis
 *       {@code google/ai/generativelanguage/v1beta2/text_service.proto} ({@code GenerateTextRequest}: prompt.text,
 *       temperature, candidateCount, maxOutputTokens, topP, topK, safetySettings, stopSequences;
 *       {@code GenerateTextResponse}: candidates[].output, filters, safetyFeedback),
 *       {@code discuss_service.proto} ({@code GenerateMessageRequest}: prompt.context/examples/messages,
 *       temperature, candidateCount, topP, topK; {@code GenerateMessageResponse}: candidates[] (author, content),
 *       messages, filters) and {@code safety.proto} (ContentFilter reason SAFETY/OTHER, SafetyFeedback); REST JSON
 *       uses the lowerCamelCase field names.</li>
 *   <li>Examples of both calls with {@code ?key=}: https://ai.google.dev/palm_docs/curl_quickstart and
 *       https://developers.generativeai.google/api/rest/generativelanguage/models/generateMessage (a generateMessage
 *       answer has {@code candidates[{author:"1",content}]} and the {@code messages} it was given, authors "0"/"1").</li>
 *   <li>API keys as the {@code key} query parameter or the {@code x-goog-api-key} header:
 *       https://cloud.google.com/docs/authentication/api-keys-use.</li>
 *   <li>Errors: Google's {@code {"error":{"code","message","status","details"}}}; an invalid key is 400
 *       {@code INVALID_ARGUMENT} "API key not valid. Please pass a valid API key." with a
 *       {@code google.rpc.ErrorInfo} reason {@code API_KEY_INVALID} (as generativelanguage.googleapis.com answers,
 *       e.g. https://github.com/google/timesketch/pull/3703); a 429 is {@code RESOURCE_EXHAUSTED} with a
 *       {@code google.rpc.RetryInfo} {@code retryDelay} (https://github.com/googleapis/python-genai/issues/1875); a
 *       prompt over the input limit is 400 {@code INVALID_ARGUMENT} "The input token count (N) exceeds the maximum
 *       number of tokens allowed (M)." (the service's wording, seen for Gemini on the same API; no archived PaLM
 *       sample was found — 8196 is text-bison-001's documented input limit).</li>
 * </ul>
 *
 * <p>How a {@link Reply} renders: text as the candidate's {@code output}/{@code content}; usage is not rendered (the
 * API reports none); {@code finishReason("content_filter")} as a blocked answer (no candidates, {@code filters}
 * [{reason: SAFETY}], and for generateText a {@code safetyFeedback}); {@code cutAfter(n)} as a body cut after n
 * bytes of the JSON answer and the connection closed (PaLM does not stream: a cut can only hit the whole answer);
 * {@code error(429, …)} with a {@code retry-after} header as RESOURCE_EXHAUSTED with {@code retryDelay}; error 401
 * as the real 400 API_KEY_INVALID; 403 PERMISSION_DENIED; {@link Reply#contextTooLong()} as the 400 above. PaLM has
 * no tools: a reply with tool calls is a test bug (500 from the fake).
 */
public final class FakePalm extends FakeUpstream {
    public static final String DEFAULT_TEXT = "Hello from the fake PaLM.";
    private static final Pattern PATH = Pattern.compile("^/v1beta2/models/([^/:]+):(generateText|generateMessage)$");

    private final String apiKey;

    private FakePalm(Vertx vertx, String apiKey) {
        super(vertx, Reply.text(DEFAULT_TEXT));
        this.apiKey = apiKey;
    }

    /** A fake accepting exactly {@code apiKey} (as {@code ?key=} or {@code x-goog-api-key}), on its own Vert.x. */
    public static FakePalm start(String apiKey) {
        return start(null, apiKey);
    }

    public static FakePalm start(Vertx vertx, String apiKey) {
        FakePalm fake = new FakePalm(vertx, apiKey);
        fake.listen();
        return fake;
    }

    @Override
    public String baseUrl() {
        return origin();
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text(DEFAULT_TEXT);
    }

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        Matcher m = PATH.matcher(request.path());
        if (!"POST".equals(request.method()) || !m.matches()) {
            error(http, 404, "NOT_FOUND", "Method not found.", List.of(), Reply.text(""));
            return;
        }
        String key = request.header("x-goog-api-key");
        if (key == null) {
            List<String> q = request.queryParams().get("key");
            key = q == null || q.isEmpty() ? null : q.get(0);
        }
        if (key == null) {
            error(http, 403, "PERMISSION_DENIED", "The request is missing a valid API key.", List.of(), Reply.text(""));
            return;
        }
        if (!key.equals(apiKey)) {
            error(http, 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                    List.of(errorInfo("API_KEY_INVALID")), Reply.text(""));
            return;
        }
        boolean message = "generateMessage".equals(m.group(2));
        JsonNode body = request.json();
        String invalid = invalid(body, message);
        if (invalid != null) {
            error(http, 400, "INVALID_ARGUMENT", invalid, List.of(), Reply.text(""));
            return;
        }
        Reply reply = nextReply();
        if (reply.isError()) {
            renderError(http, reply);
            return;
        }
        if (!reply.toolCallList().isEmpty()) {
            throw new IllegalStateException("PaLM has no tool calls: this reply cannot be rendered");
        }
        ObjectNode answer = object();
        int candidates = Math.max(1, body.path("candidateCount").asInt(1));
        if ("content_filter".equals(reply.finishReasonOr("stop"))) {
            answer.putArray("filters").addObject().put("reason", "SAFETY");
            if (!message) {
                ObjectNode feedback = answer.putArray("safetyFeedback").addObject();
                feedback.putObject("rating").put("category", "HARM_CATEGORY_TOXICITY").put("probability", "HIGH");
                feedback.putObject("setting").put("category", "HARM_CATEGORY_TOXICITY")
                        .put("threshold", "BLOCK_MEDIUM_AND_ABOVE");
            }
        } else {
            ArrayNode out = answer.putArray("candidates");
            for (int i = 0; i < candidates; i++) {
                ObjectNode c = out.addObject();
                if (message) {
                    c.put("author", "1").put("content", reply.text());
                } else {
                    c.put("output", reply.text());
                    ArrayNode ratings = c.putArray("safetyRatings");
                    for (String cat : List.of("HARM_CATEGORY_DEROGATORY", "HARM_CATEGORY_TOXICITY",
                            "HARM_CATEGORY_VIOLENCE", "HARM_CATEGORY_SEXUAL", "HARM_CATEGORY_MEDICAL",
                            "HARM_CATEGORY_DANGEROUS")) {
                        ratings.addObject().put("category", cat).put("probability", "NEGLIGIBLE");
                    }
                }
            }
        }
        if (message) {
            answer.set("messages", body.path("prompt").path("messages").deepCopy());
        }
        if (reply.cutAfter() != null) {
            byte[] bytes = write(answer).getBytes(StandardCharsets.UTF_8);
            int n = Math.min(reply.cutAfter(), bytes.length - 1);
            http.response().setStatusCode(200).setChunked(true).putHeader("content-type", "application/json; charset=UTF-8");
            http.response().write(io.vertx.core.buffer.Buffer.buffer(java.util.Arrays.copyOf(bytes, n)))
                    .onComplete(v -> http.connection().close());
            return;
        }
        respondJson(http, 200, reply.headers(), answer, reply);
    }

    /** What the API refuses before generating: a missing prompt, an out-of-range candidateCount, authors. */
    private static String invalid(JsonNode body, boolean message) {
        if (body == null || !body.isObject()) {
            return "Invalid JSON payload received.";
        }
        JsonNode prompt = body.path("prompt");
        if (message) {
            JsonNode messages = prompt.path("messages");
            if (!messages.isArray() || messages.isEmpty()) {
                return "* GenerateMessageRequest.prompt.messages: messages must not be empty";
            }
            for (String f : List.of("maxOutputTokens", "stopSequences", "safetySettings")) {
                if (body.has(f)) {
                    return "Invalid JSON payload received. Unknown name \"" + f + "\": Cannot find field.";
                }
            }
        } else if (!prompt.path("text").isTextual()) {
            return "* GenerateTextRequest.prompt: prompt is required";
        }
        int n = body.path("candidateCount").asInt(1);
        if (n < 1 || n > 8) {
            return "candidate_count must be in [1, 8]";
        }
        return null;
    }

    private void renderError(HttpServerRequest http, Reply reply) {
        int status = reply.status();
        String message = reply.errorMessage() == null ? "error" : reply.errorMessage();
        if (reply.isContextTooLong()) {
            error(http, 400, "INVALID_ARGUMENT",
                    "The input token count (9120) exceeds the maximum number of tokens allowed (8196).", List.of(), reply);
            return;
        }
        switch (status) {
            case 401 -> error(http, 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                    List.of(errorInfo("API_KEY_INVALID")), reply);
            case 403 -> error(http, 403, "PERMISSION_DENIED", message, List.of(), reply);
            case 429 -> {
                String retry = reply.headers().get("retry-after");
                List<ObjectNode> details = retry == null ? List.of() : List.of(retryInfo(retry + "s"));
                error(http, 429, "RESOURCE_EXHAUSTED", message, details, reply);
            }
            default -> error(http, status, googleStatus(status), message, List.of(), reply);
        }
    }

    static String googleStatus(int status) {
        return switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 409 -> "ABORTED";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 499 -> "CANCELLED";
            case 501 -> "UNIMPLEMENTED";
            case 503 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
        };
    }

    private static ObjectNode errorInfo(String reason) {
        ObjectNode d = object();
        d.put("@type", "type.googleapis.com/google.rpc.ErrorInfo");
        d.put("reason", reason);
        d.put("domain", "googleapis.com");
        d.putObject("metadata").put("service", "generativelanguage.googleapis.com");
        return d;
    }

    private static ObjectNode retryInfo(String delay) {
        ObjectNode d = object();
        d.put("@type", "type.googleapis.com/google.rpc.RetryInfo");
        d.put("retryDelay", delay);
        return d;
    }

    /** Google's error body; Google sends no retry-after header (the hint is in the RetryInfo detail). */
    private void error(HttpServerRequest http, int status, String googleStatus, String message, List<ObjectNode> details,
            Reply timing) {
        ObjectNode body = object();
        ObjectNode err = body.putObject("error");
        err.put("code", status);
        err.put("message", message);
        err.put("status", googleStatus);
        if (!details.isEmpty()) {
            ArrayNode d = err.putArray("details");
            details.forEach(d::add);
        }
        Map<String, String> headers = new LinkedHashMap<>(timing.headers());
        headers.remove("retry-after");
        respondJson(http, status, headers, body, timing);
    }
}
