package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.time.Duration;
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
 *
 * <p>Failures as https://docs.anthropic.com/en/api/errors documents them: 429 {@code rate_limit_error} with
 * {@code retry-after}, 500 {@code api_error}, 529 {@code overloaded_error}; a prompt over the context window is 400
 * {@code invalid_request_error} "prompt is too long: N tokens > M maximum". Anthropic has no content-policy error: a
 * refused request is a 200 whose {@code stop_reason} is {@code "refusal"}
 * (https://docs.anthropic.com/en/docs/test-and-evaluate/strengthen-guardrails/handle-streaming-refusals), which is
 * how {@link Reply#contentPolicy()} is rendered here. In a stream, {@code message_start}, {@code content_block_start}
 * and {@code ping} come before any content ({@link Reply#cutBeforeContent()}).
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

    /** 429 {@code rate_limit_error} with {@code retry-after} (seconds, rounded up) and the rate-limit headers. */
    public static Reply rateLimited(Duration retryAfter) {
        return Reply.error(429, "rate_limit_error",
                        "This request would exceed the rate limit for your organization of 50 requests per minute.")
                .header("retry-after", Long.toString(FakeOpenAi.seconds(retryAfter)))
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
        Reply reply = nextReply(request);
        Map<String, String> headers = new LinkedHashMap<>(reply.headers());
        headers.putIfAbsent("request-id", newId("req_"));
        if (reply.isContextTooLong()) { // Anthropic's wording for a prompt over the context window
            respondJson(http, 400, headers, AnthropicWire.error("invalid_request_error", "prompt is too long: 208310 tokens > 200000 "
                    + "maximum", headers.get("request-id")), reply);
            return;
        }
        if (reply.isContentPolicy()) { // a refusal is an answer, not an error: stop_reason "refusal", no content
            Reply refusal = Reply.text("").usage(reply.promptTokens(10), 0).finishReason("refusal");
            String id = newId("msg_");
            String model = body.path("model").asText();
            if (request.streamed()) {
                respondStream(http, headers, AnthropicWire.events(id, model, refusal, this), AnthropicWire.errorEvent(refusal),
                        refusal, 3);
            } else {
                respondJson(http, 200, headers, AnthropicWire.message(id, model, refusal, this), refusal);
            }
            return;
        }
        if (reply.isError()) {
            respondJson(http, reply.status(), headers, AnthropicWire.error(reply.errorType(), reply.errorMessage(),
                    headers.get("request-id")), reply);
            return;
        }
        String id = newId("msg_");
        String model = reply.modelOr(body.path("model").asText());
        if (request.streamed()) {
            // message_start, content_block_start, ping: no content yet
            respondStream(http, headers, AnthropicWire.events(id, model, reply, this), AnthropicWire.errorEvent(reply), reply,
                    3);
        } else {
            respondJson(http, 200, headers, AnthropicWire.message(id, model, reply, this), reply);
        }
    }

    private void fail(HttpServerRequest http, int status, String type, String message) {
        String requestId = newId("req_");
        respondJson(http, status, Map.of("request-id", requestId), AnthropicWire.error(type, message, requestId), Reply.text(""));
    }

}
