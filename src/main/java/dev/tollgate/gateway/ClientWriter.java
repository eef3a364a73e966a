package dev.tollgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;
import java.util.Set;

/** Writes answers to the client in its own dialect: JSON bodies, SSE events, and errors of both shapes. */
final class ClientWriter {
    /** Error codes a retry cannot fix: OpenAI's SDKs honour x-should-retry. */
    private static final Set<String> NO_RETRY = Set.of("upstream_auth_failed", "upstream_not_found", "budget_exceeded",
            "model_not_found", "model_not_allowed", "invalid_api_key", "key_disabled", "key_expired", "missing_api_key",
            "model_misconfigured", "request_too_large", "invalid_json", "method_not_allowed", "unknown_url",
            "prompt_not_found", "prompt_not_allowed", "parameter_fixed_by_prompt", "invalid_prompt_variables");

    private ClientWriter() {}

    static void json(RequestContext ctx, int status, JsonNode body) {
        json(ctx, status, Buffer.buffer(Json.writeBytes(body)));
    }

    /** A JSON answer relayed as the upstream sent it. */
    static void json(RequestContext ctx, int status, Buffer body) {
        ctx.status = status;
        if (status == 200) {
            // the cost header may need the answer's tokens counted: never load a vocabulary on the event loop for it
            Metering.whenCountable(ctx, () -> send(ctx, status, body));
        } else {
            send(ctx, status, body);
        }
    }

    private static void send(RequestContext ctx, int status, Buffer body) {
        HttpServerResponse r = ctx.response;
        if (ctx.detached || r.ended() || r.closed()) {
            return;
        }
        if (status == 200) {
            Metering.costHeader(ctx);
            if (ctx.cacheCapture) {
                ctx.cachedBody = body; // the answer as the client gets it, to be stored in the cache
            }
            if (ctx.observation != null) {
                ctx.observation.json(ctx, body);
            }
        }
        r.setStatusCode(status).putHeader(HeaderNames.CONTENT_TYPE, HeaderNames.APPLICATION_JSON).end(body);
    }

    /** Starts the event stream (once): headers go out with the first event, so earlier failures keep a real status. */
    static void startStream(RequestContext ctx) {
        HttpServerResponse r = ctx.response;
        if (!ctx.holding && !ctx.detached && !r.headWritten()) {
            ctx.status = 200;
            r.setStatusCode(200).setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8")
                    .putHeader("cache-control", "no-cache").putHeader("x-accel-buffering", "no");
        }
    }

    /**
     * Ends the hold of a stream attempt ({@link RequestContext#holding}): the head and the events held back go out,
     * and from now on the answer is the client's — no other deployment may take over.
     */
    static void release(RequestContext ctx) {
        if (!ctx.holding) {
            return;
        }
        ctx.holding = false;
        ctx.firstContentNanos = System.nanoTime();
        startStream(ctx);
        if (ctx.held != null) {
            ctx.held.forEach(e -> write(ctx, e));
            ctx.held = null;
        }
    }

    /**
     * Whether an OpenAI chunk carries anything of the answer: text, a refusal, a tool call, or a finish reason. A
     * chunk with only the role (the first one) or only usage does not.
     */
    static boolean content(JsonNode chunk) {
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode delta = choice.path("delta");
            if (!delta.path("content").asText("").isEmpty() || !delta.path("refusal").asText("").isEmpty()
                    || delta.has("tool_calls") || delta.has("function_call")
                    || !choice.path("text").asText("").isEmpty() || choice.path("finish_reason").isTextual()) {
                return true;
            }
        }
        return false;
    }

    /** Whether an Anthropic stream event carries anything of the answer (a block's content, the stop, an error). */
    static boolean content(String type, JsonNode data) {
        switch (type) {
            case "message_start", "ping" -> {
                return false;
            }
            case "content_block_start" -> {
                JsonNode block = data.path("content_block");
                return !"text".equals(block.path("type").asText()) && !"thinking".equals(block.path("type").asText())
                        || !block.path("text").asText("").isEmpty();
            }
            default -> {
                return true; // content_block_delta, content_block_stop, message_delta, message_stop
            }
        }
    }

    /** An OpenAI-style event: {@code data: <json>}. */
    static void data(RequestContext ctx, JsonNode chunk) {
        data(ctx, chunk, null);
    }

    /** An OpenAI-style event whose data is relayed as {@code raw} when given (the upstream's own text of {@code chunk}). */
    static void data(RequestContext ctx, JsonNode chunk, String raw) {
        startStream(ctx);
        // data spread over several lines would need a "data:" prefix per line: re-serialise that (rare) case
        boolean relay = raw != null && raw.indexOf('\n') < 0 && raw.indexOf('\r') < 0;
        if (ctx.cacheRecorder != null && !ctx.detached) {
            ctx.cacheRecorder.openAi(chunk);
        }
        if (ctx.observation != null && !ctx.detached) {
            ctx.observation.chunk(ctx, chunk);
        }
        if (ctx.holding && content(chunk)) {
            release(ctx);
        }
        write(ctx, "data: " + (relay ? raw : Json.write(chunk)) + "\n\n");
    }

    /** An Anthropic-style event: {@code event: <type>} and {@code data: <json>}. */
    static void event(RequestContext ctx, String type, JsonNode data) {
        startStream(ctx);
        if (ctx.cacheRecorder != null && !ctx.detached) {
            ctx.cacheRecorder.anthropic(type, data);
        }
        if (ctx.observation != null && !ctx.detached) {
            ctx.observation.event(ctx, type, data);
        }
        if (ctx.holding && content(type, data)) {
            release(ctx);
        }
        write(ctx, "event: " + type + "\ndata: " + Json.write(data) + "\n\n");
    }

    /**
     * A whole stream at once (a cached answer replayed, {@link dev.tollgate.gateway.cache.Replay}): each element one
     * event. When the request is observed, each event is shown to the observation as a live one is ({@link #data},
     * {@link #event}), so a streamed hit's record has the answer's id, model, finish reasons and (for sinks that log
     * content) text like a streamed miss's; the time of its first content is when that event goes out.
     */
    static void replay(RequestContext ctx, java.util.List<String> events) {
        startStream(ctx);
        for (String e : events) {
            if (ctx.observation != null && !ctx.detached) {
                observeReplayed(ctx, e);
            } else if (ctx.firstContentNanos == 0) {
                ctx.firstContentNanos = System.nanoTime(); // unobserved: the whole answer goes out now
            }
            write(ctx, e);
        }
        end(ctx);
    }

    /**
     * Shows one replayed event to the observation: {@code data: <json>} (OpenAI) or {@code event: <type>\ndata:
     * <json>} (Anthropic), as {@link dev.tollgate.gateway.cache.Replay} writes them (one data line each); sets the
     * first content's time at the first event that carries content.
     */
    private static void observeReplayed(RequestContext ctx, String e) {
        int data = e.indexOf("data: ");
        if (data < 0) {
            return;
        }
        int end = e.indexOf('\n', data);
        JsonNode node = Json.parse(e.substring(data + 6, end < 0 ? e.length() : end));
        if (node == null || !node.isObject()) {
            return;
        }
        boolean content;
        if (e.startsWith("event: ")) {
            String type = e.substring(7, e.indexOf('\n'));
            ctx.observation.event(ctx, type, node);
            content = content(type, node);
        } else {
            ctx.observation.chunk(ctx, node);
            content = content(node);
        }
        if (content && ctx.firstContentNanos == 0) {
            ctx.firstContentNanos = System.nanoTime();
        }
    }

    static void done(RequestContext ctx) {
        release(ctx); // a whole answer without content (empty) is still an answer
        if (ctx.ingress == WireFormat.OPENAI) {
            if (ctx.cacheRecorder != null && !ctx.detached) {
                ctx.cacheRecorder.openAiDone();
            }
            write(ctx, "data: [DONE]\n\n");
        }
        end(ctx);
    }

    static void end(RequestContext ctx) {
        release(ctx);
        HttpServerResponse r = ctx.response;
        if (!ctx.detached && !r.ended() && !r.closed()) {
            r.end();
        }
    }

    /**
     * The error as a status and body when nothing was sent yet; once a stream has started, as an error event
     * (never a clean end: a client must not mistake a cut answer for a whole one).
     */
    static void error(RequestContext ctx, ApiError e, Map<String, String> headers) {
        ctx.error = e;
        ctx.cacheRecorder = null; // an answer that ends in an error is never stored
        ctx.holding = false; // what was held back never reached the client: the error goes out as a plain answer
        ctx.held = null;
        HttpServerResponse r = ctx.response;
        if (ctx.detached || r.ended() || r.closed()) {
            return;
        }
        JsonNode body = ctx.ingress == WireFormat.ANTHROPIC ? e.toAnthropicBody() : e.toOpenAiBody();
        if (r.headWritten()) {
            if (ctx.ingress == WireFormat.ANTHROPIC) {
                write(ctx, "event: error\ndata: " + Json.write(body) + "\n\n");
            } else {
                write(ctx, "data: " + Json.write(body) + "\n\n");
            }
            r.end();
            return;
        }
        ctx.status = e.httpStatus();
        headers.forEach(r::putHeader);
        if (e.code() != null && NO_RETRY.contains(e.code())) {
            r.putHeader(HeaderNames.SHOULD_RETRY, "false");
        }
        r.setStatusCode(e.httpStatus()).putHeader(HeaderNames.CONTENT_TYPE, HeaderNames.APPLICATION_JSON).end(Json.write(body));
    }

    private static void write(RequestContext ctx, String s) {
        if (ctx.holding || ctx.detached) {
            if (ctx.detached) {
                return;
            }
            if (ctx.held == null) {
                ctx.held = new java.util.ArrayList<>(4);
            }
            ctx.held.add(s);
            return;
        }
        HttpServerResponse r = ctx.response;
        if (!r.ended() && !r.closed()) {
            r.write(s);
        }
    }
}
