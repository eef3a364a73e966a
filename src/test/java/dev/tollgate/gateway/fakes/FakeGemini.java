package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake of Google's Gemini API (Google AI Studio) after its reference, https://ai.google.dev/api:
 * generate-content (https://ai.google.dev/api/generate-content), embeddings (https://ai.google.dev/api/embeddings)
 * and errors (https://ai.google.dev/gemini-api/docs/troubleshooting). {@link #baseUrl()} is the origin,
 * {@code http://127.0.0.1:PORT}, as the google-genai SDKs take it ({@code HttpOptions.baseUrl}).
 *
 * <ul>
 *   <li>{@code POST /v1beta/models/{model}:generateContent} (or {@code /v1/…}, the stable version), {@code :streamGenerateContent} (with {@code ?alt=sse}
 *       each {@code GenerateContentResponse} as {@code data: <json>\r\n\r\n}, as the API frames it; without, one
 *       JSON array of them), {@code :embedContent} and {@code :batchEmbedContents}.</li>
 *   <li>The API key in {@code x-goog-api-key} or {@code ?key=}. None: 403 PERMISSION_DENIED; a wrong one: 400
 *       INVALID_ARGUMENT "API key not valid" with {@code google.rpc.ErrorInfo} reason {@code API_KEY_INVALID}, as
 *       the API answers.</li>
 *   <li>Requests are checked as the API checks them: {@code contents} present, roles {@code user} / {@code model},
 *       each turn with parts; a model turn of the current turn whose function calls carry no
 *       {@code thoughtSignature} is refused with Gemini 3's 400 (this fake answers function calls as Gemini 3 does, with a signature on the first call);
 *       each batch request names {@code models/{model}} of the path.</li>
 *   <li>{@link Reply} rendering: text and tool calls as {@code candidates[0].content.parts} (text, functionCall);
 *       finish reason {@code STOP}, or the reply's: {@code length} → MAX_TOKENS, {@code content_filter} → SAFETY
 *       (the candidate's safety ratings blocked), {@code prompt:<REASON>} → a blocked prompt
 *       ({@code promptFeedback.blockReason}, no candidates), anything else verbatim; usage as
 *       {@code usageMetadata}; errors as {@code {"error":{"code","message","status","details"}}} with the gRPC status
 *       of the HTTP code; a 429's {@code retry-after} header becomes {@code google.rpc.RetryInfo.retryDelay}
 *       ("7s"), the API's retry hint (it sends no header); {@link Reply#contextTooLong()} is the API's "The input
 *       token count … exceeds the maximum number of tokens allowed …". A stream's error after N events is a
 *       {@code data:} event with the error body.</li>
 * </ul>
 */
public final class FakeGemini extends FakeUpstream {

    /** The text a fresh fake answers with. */
    public static final String DEFAULT_TEXT = "Hello from the fake Gemini.";
    /** The thought signature this fake puts on the first function call of an answer (base64, as the API sends). */
    public static final String SIGNATURE = Base64.getEncoder().encodeToString(
            "fake-thought-signature/\u00ff\u00fe".getBytes(StandardCharsets.ISO_8859_1));
    /** The default embedding size (text-embedding-004's). */
    public static final int DIMENSIONS = 768;

    private static final Pattern PATH = Pattern.compile("/(v1|v1beta)/models/([^/:]+):([A-Za-z]+)");

    private final String apiKey;

    private FakeGemini(Vertx vertx, String apiKey) {
        super(vertx, Reply.text(DEFAULT_TEXT));
        this.apiKey = apiKey;
    }

    /** Starts a fake that accepts exactly {@code apiKey}, on its own Vert.x. */
    public static FakeGemini start(String apiKey) {
        return start(null, apiKey);
    }

    public static FakeGemini start(Vertx vertx, String apiKey) {
        FakeGemini fake = new FakeGemini(vertx, apiKey);
        fake.listen();
        return fake;
    }

    /** {@code http://127.0.0.1:PORT}: the SDKs and the gateway add {@code /v1beta}. */
    @Override
    public String baseUrl() {
        return origin();
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text(DEFAULT_TEXT);
    }

    @Override
    protected Map<String, String> pathParams(String path) {
        Matcher m = PATH.matcher(path);
        return m.matches() ? Map.of("version", m.group(1), "model", m.group(2), "method", m.group(3)) : Map.of();
    }

    // ---- documented replies ----

    /** A prompt Gemini blocks: 200 with {@code promptFeedback.blockReason} and no candidates. */
    public static Reply promptBlocked(String reason) {
        return Reply.text("").finishReason("prompt:" + reason);
    }

    /** 503 UNAVAILABLE "The model is overloaded. Please try again later." */
    public static Reply overloaded() {
        return Reply.error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
    }

    // ---- handling ----

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        String model = request.pathParam("model");
        String method = request.pathParam("method");
        if (!"POST".equals(request.method()) || model == null) {
            fail(http, 404, "NOT_FOUND", "Requested entity was not found.", null);
            return;
        }
        String key = request.header("x-goog-api-key");
        if (key == null) {
            key = request.queryParam("key");
        }
        if (key == null || key.isEmpty()) {
            fail(http, 403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without "
                    + "established identity). Please use API Key or other form of API consumer identity to call "
                    + "this API.", null);
            return;
        }
        if (!key.equals(apiKey)) {
            ArrayNode details = JSON.createArrayNode();
            ObjectNode info = details.addObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                    .put("reason", "API_KEY_INVALID").put("domain", "googleapis.com");
            info.putObject("metadata").put("service", "generativelanguage.googleapis.com");
            details.addObject().put("@type", "type.googleapis.com/google.rpc.LocalizedMessage").put("locale", "en-US")
                    .put("message", "API key not valid. Please pass a valid API key.");
            fail(http, 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", details);
            return;
        }
        JsonNode body = request.json();
        if (body == null || !body.isObject()) {
            fail(http, 400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected end of string.", null);
            return;
        }
        switch (method) {
            case "generateContent", "streamGenerateContent" -> generate(http, request, model, body,
                    "streamGenerateContent".equals(method));
            case "embedContent", "batchEmbedContents" -> embed(http, model, body, "batchEmbedContents".equals(method));
            default -> fail(http, 404, "NOT_FOUND", "Method not found.", null);
        }
    }

    private void generate(HttpServerRequest http, RecordedRequest request, String model, JsonNode body,
                          boolean stream) {
        String invalid = GeminiWire.checkContents(body.get("contents"));
        if (invalid != null) {
            fail(http, 400, "INVALID_ARGUMENT", invalid, null);
            return;
        }
        Reply reply = nextReply();
        Map<String, String> headers = new LinkedHashMap<>(reply.headers());
        if (reply.isError()) {
            String retryAfter = headers.remove("retry-after");
            respondJson(http, reply.status(), headers, error(reply, retryAfter), reply);
            return;
        }
        String responseId = newId("resp");
        model = reply.modelOr(model);
        List<ObjectNode> events = GeminiWire.events(reply, responseId, model, SIGNATURE, GeminiWire.AI_STUDIO);
        if (!stream) {
            respondJson(http, 200, headers,
                    GeminiWire.whole(reply, responseId, model, SIGNATURE, GeminiWire.AI_STUDIO), reply);
        } else if ("sse".equals(request.queryParam("alt"))) {
            respondStream(http, headers, GeminiWire.sseFrames(events), GeminiWire.streamErrorFrame(reply), reply);
        } else {
            ArrayNode all = JSON.createArrayNode();
            events.forEach(all::add);
            respondJson(http, 200, headers, all, reply);
        }
    }

    // ---- embeddings ----

    private void embed(HttpServerRequest http, String model, JsonNode body, boolean batch) {
        Reply reply = nextReply();
        if (reply.isError()) {
            Map<String, String> headers = new LinkedHashMap<>(reply.headers());
            String retryAfter = headers.remove("retry-after");
            respondJson(http, reply.status(), headers, error(reply, retryAfter), reply);
            return;
        }
        ObjectNode out = object();
        if (!batch) {
            String text = GeminiWire.text(body.path("content"));
            if (text == null) {
                fail(http, 400, "INVALID_ARGUMENT", "* EmbedContentRequest.content: content is not specified\n", null);
                return;
            }
            out.putObject("embedding").set("values",
                    GeminiWire.vector(text, body.path("outputDimensionality").asInt(DIMENSIONS)));
        } else {
            JsonNode requests = body.path("requests");
            if (!requests.isArray() || requests.isEmpty()) {
                fail(http, 400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: requests is not "
                        + "specified\n", null);
                return;
            }
            ArrayNode embeddings = out.putArray("embeddings");
            for (int i = 0; i < requests.size(); i++) {
                JsonNode r = requests.get(i);
                if (!("models/" + model).equals(r.path("model").asText())) {
                    fail(http, 400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests[" + i + "].model: "
                            + "model must be the same as the batch model: models/" + model + "\n", null);
                    return;
                }
                String text = GeminiWire.text(r.path("content"));
                if (text == null) {
                    fail(http, 400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests[" + i + "].content: "
                            + "content is not specified\n", null);
                    return;
                }
                embeddings.addObject().set("values",
                        GeminiWire.vector(text, r.path("outputDimensionality").asInt(DIMENSIONS)));
            }
        }
        respondJson(http, 200, reply.headers(), out, reply);
    }

    // ---- errors ----

    /** The API's error body for a scripted error reply. */
    private static ObjectNode error(Reply reply, String retryAfter) {
        int status = reply.status();
        if (reply.isContextTooLong()) {
            return GeminiWire.contextTooLong();
        }
        ArrayNode details = null;
        if (status == 429) {
            details = JSON.createArrayNode();
            ObjectNode quota = details.addObject().put("@type", "type.googleapis.com/google.rpc.QuotaFailure");
            quota.putArray("violations").addObject()
                    .put("quotaMetric", "generativelanguage.googleapis.com/generate_content_free_tier_requests")
                    .put("quotaId", "GenerateRequestsPerMinutePerProjectPerModel-FreeTier");
            ObjectNode help = details.addObject().put("@type", "type.googleapis.com/google.rpc.Help");
            help.putArray("links").addObject().put("description", "Learn more about Gemini API quotas")
                    .put("url", "https://ai.google.dev/gemini-api/docs/rate-limits");
            if (retryAfter != null) {
                details.addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                        .put("retryDelay", retryAfter + "s");
            }
        }
        String message = reply.errorMessage() == null ? "Error" : reply.errorMessage();
        return GeminiWire.errorBody(status, GeminiWire.rpcStatus(status), message, details);
    }

    private void fail(HttpServerRequest http, int status, String rpcStatus, String message, ArrayNode details) {
        respondJson(http, status, Map.of(), GeminiWire.errorBody(status, rpcStatus, message, details), Reply.text(""));
    }
}
