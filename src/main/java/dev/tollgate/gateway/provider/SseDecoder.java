package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.SseParser;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * A {@link StreamDecoder} for providers that stream Server-Sent Events with a JSON {@code data} (Gemini with
 * {@code alt=sse}, Cohere, Anthropic): the framing is done here, the translation of each event by the subclass.
 * Events whose data is not JSON (keep-alive comments, {@code [DONE]}) reach {@link #onText} instead.
 */
public abstract class SseDecoder implements StreamDecoder {
    private Consumer<ObjectNode> out;
    private final SseParser parser = new SseParser(ev -> {
        JsonNode data = Json.parse(ev.data());
        if (data == null) {
            onText(ev, out);
        } else {
            onEvent(ev.event(), data, out);
        }
    });

    /** One event with its SSE name (null when none) and its parsed data. */
    protected abstract void onEvent(String event, JsonNode data, Consumer<ObjectNode> out);

    /** An event whose data is not JSON; ignored unless a provider gives it meaning. */
    protected void onText(SseParser.Event event, Consumer<ObjectNode> out) {
    }

    /** Whether the provider said the answer is complete (a finish reason, a terminal event). */
    protected abstract boolean complete();

    /** Called once when the body ends, before {@link #complete()} is read: emit the last chunks (usage). */
    protected void finish(Consumer<ObjectNode> out) {
    }

    @Override
    public final void feed(Buffer bytes, Consumer<ObjectNode> out) {
        this.out = out;
        parser.feed(bytes);
    }

    @Override
    public final boolean end(Consumer<ObjectNode> out) {
        if (!complete()) {
            return false;
        }
        finish(out);
        return true;
    }
}
