package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A fake of Anthropic's Messages API ({@code POST /v1/messages}); {@link #baseUrl()} is the origin,
 * {@code http://127.0.0.1:PORT}, as the Anthropic SDKs take it.
 *
 * <p>Requests need {@code x-api-key} and {@code anthropic-version} ({@code 2023-06-01} or {@code 2023-01-01})
 * and a body with {@code model}, {@code messages} and {@code max_tokens}. Answers are a {@code message} object
 * or, for {@code "stream": true}, the documented event sequence, each event as
 * {@code event: <type>\ndata: <json>\n\n}: {@code message_start}, then per content block
 * {@code content_block_start}, ({@code ping} after the first), {@code content_block_delta}s
 * ({@code text_delta} / {@code input_json_delta}), {@code content_block_stop}; then {@code message_delta}
 * (stop_reason, usage.output_tokens) and {@code message_stop}. Errors are
 * {@code {"type":"error","error":{"type","message"},"request_id"}}, every response has a {@code request-id}
 * header, and an in-stream error is {@code event: error}.
 */
public final class FakeAnthropic extends FakeUpstream {

    /** The text a fresh fake answers with. */
    public static final String DEFAULT_TEXT = "Hello from the fake upstream.";

    /** The {@code anthropic-version} values the API accepts. */
    public static final Set<String> VERSIONS = Set.of("2023-06-01", "2023-01-01");

    private final String apiKey;

    private FakeAnthropic(Vertx vertx, String apiKey) {
        super(vertx, Reply.text(DEFAULT_TEXT));
        this.apiKey = apiKey;
    }

    /** Starts a fake that accepts exactly {@code apiKey} in {@code x-api-key}, on its own Vert.x. */
    public static FakeAnthropic start(String apiKey) {
        return start(null, apiKey);
    }

    public static FakeAnthropic start(Vertx vertx, String apiKey) {
        FakeAnthropic fake = new FakeAnthropic(vertx, apiKey);
        fake.listen();
        return fake;
    }

    /** {@code http://127.0.0.1:PORT}: Anthropic's base URL has no version prefix. */
    @Override
    public String baseUrl() {
        return origin();
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text(DEFAULT_TEXT);
    }

    // ---- documented error replies ----

    /** 529 {@code overloaded_error} "Overloaded". */
    public static Reply overloaded() {
        return Reply.error(529, "overloaded_error", "Overloaded");
    }

    /** 429 {@code rate_limit_error} with {@code retry-after} (seconds) and the rate-limit headers. */
    public static Reply rateLimited(Duration retryAfter) {
        return Reply.error(429, "rate_limit_error",
                        "This request would exceed the rate limit for your organization of 50 requests per minute.")
                .header("retry-after", Long.toString(retryAfter.toSeconds()))
                .header("anthropic-ratelimit-requests-limit", "50")
                .header("anthropic-ratelimit-requests-remaining", "0");
    }

    /** 500 {@code api_error}. */
    public static Reply apiError() {
        return Reply.error(500, "api_error", "Internal server error");
    }

    /** A stream that fails after {@code events} events with {@code event: error} / {@code overloaded_error}. */
    public static Reply overloadedMidStream(String text, int events) {
        return Reply.text(text).streamErrorAfter(events, "overloaded_error", "Overloaded");
    }

    // ---- handling ----

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        if (!"POST".equals(request.method()) || !"/v1/messages".equals(request.path())) {
            fail(http, 404, "not_found_error", "Not found");
            return;
        }
        String key = request.header("x-api-key");
        if (key == null || key.isBlank()) {
            fail(http, 401, "authentication_error", "x-api-key header is required");
            return;
        }
        if (!key.equals(apiKey)) {
            fail(http, 401, "authentication_error", "invalid x-api-key");
            return;
        }
        String version = request.header("anthropic-version");
        if (version == null || version.isBlank()) {
            fail(http, 400, "invalid_request_error", "anthropic-version: header is required");
            return;
        }
        if (!VERSIONS.contains(version)) {
            fail(http, 400, "invalid_request_error", "anthropic-version: \"" + version + "\" is not a valid version");
            return;
        }
        JsonNode body = request.json();
        if (body == null || !body.isObject()) {
            fail(http, 400, "invalid_request_error", "There was an issue with the format of your request: "
                    + "the body is not valid JSON");
            return;
        }
        for (String field : List.of("max_tokens", "messages", "model")) {
            if (body.get(field) == null || body.get(field).isNull()) {
                fail(http, 400, "invalid_request_error", field + ": Field required");
                return;
            }
        }
        Reply reply = nextReply();
        Map<String, String> headers = new LinkedHashMap<>(reply.headers());
        headers.putIfAbsent("request-id", newId("req_"));
        if (reply.isContextTooLong()) { // Anthropic's wording for a prompt over the context window
            respondJson(http, 400, headers, error("invalid_request_error", "prompt is too long: 208310 tokens > 200000 "
                    + "maximum", headers.get("request-id")), reply);
            return;
        }
        if (reply.isError()) {
            respondJson(http, reply.status(), headers, error(reply.errorType(), reply.errorMessage(),
                    headers.get("request-id")), reply);
            return;
        }
        String id = newId("msg_");
        String model = reply.modelOr(body.path("model").asText());
        if (request.streamed()) {
            respondStream(http, headers, events(id, model, reply), errorEvent(reply), reply);
        } else {
            respondJson(http, 200, headers, message(id, model, reply), reply);
        }
    }

    /** The documented error body: {@code {"type":"error","error":{"type","message"},"request_id"}}. */
    static ObjectNode error(String type, String message, String requestId) {
        ObjectNode body = object().put("type", "error");
        body.putObject("error").put("type", type).put("message", message);
        body.put("request_id", requestId);
        return body;
    }

    private void fail(HttpServerRequest http, int status, String type, String message) {
        String requestId = newId("req_");
        respondJson(http, status, Map.of("request-id", requestId), error(type, message, requestId), Reply.text(""));
    }

    private static String stopReason(Reply reply) {
        return reply.finishReasonOr(reply.toolCallList().isEmpty() ? "end_turn" : "tool_use");
    }

    private List<String> toolIds(Reply reply) {
        List<String> ids = new ArrayList<>();
        for (Reply.ToolCall call : reply.toolCallList()) {
            ids.add(call.id() != null ? call.id() : newId("toolu_"));
        }
        return ids;
    }

    private static ObjectNode usage(int input, int output) {
        return object()
                .put("input_tokens", input)
                .put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", 0)
                .put("output_tokens", output);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tool arguments must be a JSON object: " + json, e);
        }
    }

    /** The {@code message} object: content blocks {@code text} and {@code tool_use} (input as an object). */
    private ObjectNode message(String id, String model, Reply reply) {
        ObjectNode message = object()
                .put("id", id)
                .put("type", "message")
                .put("role", "assistant")
                .put("model", model);
        ArrayNode content = message.putArray("content");
        if (reply.text() != null) {
            content.addObject().put("type", "text").put("text", reply.text());
        }
        List<String> ids = toolIds(reply);
        List<Reply.ToolCall> calls = reply.toolCallList();
        for (int i = 0; i < calls.size(); i++) {
            content.addObject().put("type", "tool_use").put("id", ids.get(i)).put("name", calls.get(i).name())
                    .set("input", parse(calls.get(i).argumentsJson()));
        }
        message.put("stop_reason", stopReason(reply));
        message.putNull("stop_sequence");
        message.set("usage", usage(reply.promptTokens(10), reply.completionTokens()));
        return message;
    }

    private static String event(ObjectNode data) {
        return "event: " + data.get("type").asText() + "\ndata: " + write(data) + "\n\n";
    }

    /** The stream's events in documented order; see the class comment. */
    private List<String> events(String id, String model, Reply reply) {
        List<String> events = new ArrayList<>();
        ObjectNode start = object().put("type", "message_start");
        ObjectNode message = start.putObject("message")
                .put("id", id)
                .put("type", "message")
                .put("role", "assistant");
        message.putArray("content");
        message.put("model", model);
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.set("usage", usage(reply.promptTokens(10), 1));
        events.add(event(start));

        int index = 0;
        if (reply.text() != null) {
            ObjectNode blockStart = object().put("type", "content_block_start").put("index", index);
            blockStart.putObject("content_block").put("type", "text").put("text", "");
            events.add(event(blockStart));
            events.add(event(object().put("type", "ping")));
            for (String piece : reply.textPieces()) {
                ObjectNode delta = object().put("type", "content_block_delta").put("index", index);
                delta.putObject("delta").put("type", "text_delta").put("text", piece);
                events.add(event(delta));
            }
            events.add(event(object().put("type", "content_block_stop").put("index", index)));
            index++;
        }
        List<String> ids = toolIds(reply);
        List<Reply.ToolCall> calls = reply.toolCallList();
        for (int i = 0; i < calls.size(); i++, index++) {
            ObjectNode blockStart = object().put("type", "content_block_start").put("index", index);
            blockStart.putObject("content_block").put("type", "tool_use").put("id", ids.get(i))
                    .put("name", calls.get(i).name()).putObject("input");
            events.add(event(blockStart));
            if (index == 0) {
                events.add(event(object().put("type", "ping")));
            }
            for (String fragment : calls.get(i).argumentFragments()) {
                ObjectNode delta = object().put("type", "content_block_delta").put("index", index);
                delta.putObject("delta").put("type", "input_json_delta").put("partial_json", fragment);
                events.add(event(delta));
            }
            events.add(event(object().put("type", "content_block_stop").put("index", index)));
        }

        ObjectNode messageDelta = object().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", stopReason(reply)).putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", reply.completionTokens());
        events.add(event(messageDelta));
        events.add(event(object().put("type", "message_stop")));
        return events;
    }

    /** {@code event: error} with {@code {"type":"error","error":{"type","message"}}}. */
    private static String errorEvent(Reply reply) {
        ObjectNode data = object().put("type", "error");
        data.putObject("error").put("type", reply.errorType() == null ? "api_error" : reply.errorType())
                .put("message", reply.errorMessage() == null ? "Internal server error" : reply.errorMessage());
        return event(data);
    }
}
