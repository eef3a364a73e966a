package dev.tollgate.gateway.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.SseParser;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.HubChunks;
import dev.tollgate.gateway.provider.SseDecoder;
import dev.tollgate.gateway.provider.UpstreamErrors;
import java.util.function.Consumer;

/**
 * One streamed answer of an OpenAI-compatible preset: OpenAI's chunks, passed on after the preset's fix-ups, with the
 * usage taken off whatever chunk carries it (the finishing one for Mistral and Together, every one for some servers,
 * Groq's {@code x_groq}) and sent once, as a usage-only chunk with empty {@code choices}, when {@code [DONE]} arrives.
 * A chunk with an {@code error} object fails the stream; a body that ends before {@code [DONE]} and before any finish
 * reason was cut.
 */
final class PresetStream extends SseDecoder {
    private final Preset preset;
    private final String modelId;
    private ObjectNode usage;
    private ObjectNode last;
    private boolean done;
    private boolean finished;
    private boolean usageSent;

    PresetStream(Preset preset, String modelId) {
        this.preset = preset;
        this.modelId = modelId;
    }

    @Override
    protected void onEvent(String event, JsonNode data, Consumer<ObjectNode> out) {
        if (!data.isObject()) {
            return;
        }
        ObjectNode chunk = (ObjectNode) data;
        JsonNode err = chunk.get("error");
        if (err != null && err.isObject()) {
            ApiError parsed = PresetAdapter.parseError(0, chunk);
            throw UpstreamErrors.from(parsed.httpStatus(), parsed, null, modelId);
        }
        preset.chunk(chunk);
        JsonNode u = chunk.get("usage");
        if (u != null && u.isObject()) {
            preset.usage((ObjectNode) u);
            usage = (ObjectNode) u; // cumulative where a provider repeats it: the last one counts
            chunk.remove("usage");
        }
        JsonNode choices = chunk.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty()) {
            return; // a usage-only chunk (sent at the end) or one with nothing for the client
        }
        for (JsonNode c : choices) {
            finished |= c.path("finish_reason").isTextual();
        }
        last = chunk;
        out.accept(chunk);
    }

    @Override
    protected void onText(SseParser.Event event, Consumer<ObjectNode> out) {
        if ("[DONE]".equals(event.data().trim())) {
            done = true;
            sendUsage(out);
        }
    }

    @Override
    protected boolean complete() {
        return done || finished;
    }

    @Override
    protected void finish(Consumer<ObjectNode> out) {
        sendUsage(out);
    }

    private void sendUsage(Consumer<ObjectNode> out) {
        if (usage == null || usageSent) {
            return;
        }
        usageSent = true;
        ObjectNode envelope = last == null ? null : last;
        ObjectNode chunk = new HubChunks(envelope == null ? "" : envelope.path("id").asText(""),
                envelope == null ? "" : envelope.path("model").asText(""),
                envelope == null ? 0 : envelope.path("created").asLong(0)).usage(usage);
        if (envelope != null && envelope.path("object").isTextual()) {
            chunk.put("object", envelope.get("object").asText());
        }
        out.accept(chunk);
    }

    @Override
    public TokenUsage usageSoFar() {
        return usage == null ? null : TokenUsage.fromOpenAi(usage);
    }
}
