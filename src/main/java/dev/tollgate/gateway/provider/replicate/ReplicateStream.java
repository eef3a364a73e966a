package dev.tollgate.gateway.provider.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.SseParser;
import dev.tollgate.gateway.provider.HubChunks;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * A prediction's stream ({@code GET urls.stream}, {@code text/event-stream}) as hub chunks. Events
 * (https://replicate.com/docs/topics/predictions/streaming): {@code output} — a piece of text, plain (not JSON; a
 * piece with line breaks arrives as several {@code data} lines, joined back with {@code \n}); {@code error} — JSON
 * {@code {"detail": …}}; {@code done} — JSON, {@code {}} on success or {@code {"reason": "canceled"|"error"}}. The
 * finish and usage chunks are not written here: the upstream reads the finished prediction's metrics first
 * ({@link #finish}).
 */
final class ReplicateStream {
    private final HubChunks chunks;
    private final boolean legacy;
    private final SseParser parser;
    private Consumer<ObjectNode> out;
    private boolean started;
    private boolean done;
    private String doneReason;
    private String error;
    private final StringBuilder text = new StringBuilder();

    /** @param legacy write {@code text_completion} chunks ({@code /v1/completions}) instead of chat chunks */
    ReplicateStream(HubChunks chunks, boolean legacy) {
        this.chunks = chunks;
        this.legacy = legacy;
        this.parser = new SseParser(this::onEvent);
    }

    void feed(Buffer bytes, Consumer<ObjectNode> out) {
        this.out = out;
        parser.feed(bytes);
    }

    private void onEvent(SseParser.Event ev) {
        if (done || error != null) {
            return;
        }
        String name = ev.event() == null ? "output" : ev.event();
        switch (name) {
            case "output" -> {
                start();
                if (!ev.data().isEmpty()) {
                    text.append(ev.data());
                    out.accept(legacy ? chunks.completion(ev.data(), null) : chunks.text(ev.data()));
                }
            }
            case "error" -> {
                JsonNode data = Json.parse(ev.data());
                String detail = Json.text(data, "detail");
                error = detail != null ? detail : ev.data().isBlank() ? "the stream reported an error" : ev.data();
            }
            case "done" -> {
                done = true;
                doneReason = Json.text(Json.parse(ev.data()), "reason");
            }
            default -> { } // other events (logs, keep-alives) carry nothing for the answer
        }
    }

    private void start() {
        if (!started) {
            started = true;
            if (!legacy) {
                out.accept(chunks.role());
            }
        }
    }

    /** Whether the {@code done} event (or an error) arrived: the stream is over. */
    boolean over() {
        return done || error != null;
    }

    boolean done() {
        return done;
    }

    /** {@code canceled} or {@code error} when the prediction did not succeed; null on success. */
    String doneReason() {
        return doneReason;
    }

    /** The {@code detail} of an {@code error} event, or null. */
    String error() {
        return error;
    }

    String text() {
        return text.toString();
    }

    /** The last chunks: the finish reason, and the usage when the prediction reported token counts. */
    void finish(String finishReason, ObjectNode usage, Consumer<ObjectNode> out) {
        this.out = out;
        start();
        out.accept(legacy ? chunks.completion("", finishReason) : chunks.finish(finishReason));
        if (usage != null) {
            out.accept(legacy ? chunks.completionUsage(usage) : chunks.usage(usage));
        }
    }

}
