package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * A {@link StreamDecoder} for providers that stream newline-delimited JSON (Ollama's {@code application/x-ndjson}):
 * one JSON document per line, framed here (lines may arrive split across reads; they are cut on the byte
 * {@code '\n'}, so a multi-byte character split across reads is whole again before it is decoded), translated by the
 * subclass. Blank lines are skipped; a line that is not JSON is an upstream fault (502).
 */
public abstract class NdjsonDecoder implements StreamDecoder {
    private Buffer pending = Buffer.buffer();

    /** One line's JSON document. */
    protected abstract void onLine(JsonNode line, Consumer<ObjectNode> out);

    /** Whether the provider said the answer is complete (Ollama: a line with {@code "done": true}). */
    protected abstract boolean complete();

    /** Called once when the body ends complete: emit the last chunks (usage). */
    protected void finish(Consumer<ObjectNode> out) {
    }

    @Override
    public final void feed(Buffer bytes, Consumer<ObjectNode> out) {
        Buffer data = pending.length() == 0 ? bytes : pending.appendBuffer(bytes);
        int start = 0;
        for (int i = 0; i < data.length(); i++) {
            if (data.getByte(i) == '\n') {
                line(data.getBytes(start, i), out);
                start = i + 1;
            }
        }
        pending = start == data.length() ? Buffer.buffer() : data.getBuffer(start, data.length()).copy();
    }

    private void line(byte[] bytes, Consumer<ObjectNode> out) {
        String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8).trim();
        if (text.isEmpty()) {
            return;
        }
        JsonNode json = Json.parse(text);
        if (json == null) {
            throw TranslationException.badUpstream("the provider streamed a line that is not JSON");
        }
        onLine(json, out);
    }

    @Override
    public final boolean end(Consumer<ObjectNode> out) {
        if (pending.length() > 0) { // a last line without its newline
            byte[] rest = pending.getBytes();
            pending = Buffer.buffer();
            line(rest, out);
        }
        if (!complete()) {
            return false;
        }
        finish(out);
        return true;
    }
}
