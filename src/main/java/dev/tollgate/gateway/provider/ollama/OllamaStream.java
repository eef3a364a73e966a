package dev.tollgate.gateway.provider.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.HubChunks;
import dev.tollgate.gateway.provider.NdjsonDecoder;
import dev.tollgate.gateway.provider.UpstreamErrors;
import java.util.function.Consumer;

/**
 * Ollama's streamed {@code /api/chat} or {@code /api/generate} answer (NDJSON, one object a line:
 * {@code {"message": {"role", "content", "tool_calls"?}, "done": false}} — {@code "response"} instead of
 * {@code message} for generate — and a last {@code "done": true} line with {@code done_reason},
 * {@code prompt_eval_count}, {@code eval_count}) as hub chunks: the role first, text deltas, each tool call whole in
 * one delta (Ollama sends a call's arguments at once), the finish reason, then the usage-only chunk. A line
 * {@code {"error": "..."}} is an error the server met while generating. Complete once a {@code done: true} line
 * arrived; a body that ends before was cut.
 */
final class OllamaStream extends NdjsonDecoder {
    private final boolean chat;
    private final String id;
    private final String model;
    private final long created;
    private final String modelId;
    private final HubChunks chunks;
    private boolean started;
    private boolean done;
    private boolean calledTools;
    private int nextTool;
    private ObjectNode usage;

    OllamaStream(boolean chat, String id, String model, long created, String modelId) {
        this.chat = chat;
        this.id = id;
        this.model = model;
        this.created = created;
        this.modelId = modelId;
        this.chunks = new HubChunks(id, model, created);
    }

    @Override
    protected void onLine(JsonNode line, Consumer<ObjectNode> out) {
        if (line.has("error")) {
            ApiError e = OllamaTranslator.error(0, line, chat ? "messages" : "prompt");
            throw UpstreamErrors.from(e.httpStatus(), e, null, modelId);
        }
        if (done) {
            return;
        }
        if (chat) {
            chatLine(line, out);
        } else {
            String text = line.path("response").asText("");
            boolean last = line.path("done").asBoolean(false);
            if (!text.isEmpty() || last) {
                out.accept(chunks.completion(text, last ? OllamaTranslator.finishReason(Json.text(line, "done_reason"), false)
                        : null));
            }
        }
        if (line.path("done").asBoolean(false)) {
            done = true;
            usage = OllamaTranslator.usage(line);
        }
    }

    private void chatLine(JsonNode line, Consumer<ObjectNode> out) {
        if (!started) {
            started = true;
            out.accept(chunks.role());
        }
        JsonNode message = line.path("message");
        String text = message.path("content").asText("");
        if (!text.isEmpty()) {
            out.accept(chunks.text(text));
        }
        ArrayNode calls = OllamaTranslator.toolCalls(message.path("tool_calls"), nextTool, id);
        if (calls != null) {
            for (JsonNode tc : calls) {
                out.accept(chunks.toolCall(nextTool++, tc.path("id").asText(), tc.path("function").path("name").asText(),
                        tc.path("function").path("arguments").asText()));
            }
            calledTools = true;
        }
        if (line.path("done").asBoolean(false)) {
            out.accept(chunks.finish(OllamaTranslator.finishReason(Json.text(line, "done_reason"), calledTools)));
        }
    }

    @Override
    protected boolean complete() {
        return done;
    }

    @Override
    protected void finish(Consumer<ObjectNode> out) {
        if (usage != null) {
            out.accept(chat ? chunks.usage(usage) : chunks.completionUsage(usage));
        }
    }

    @Override
    public TokenUsage usageSoFar() {
        return usage == null ? null : TokenUsage.fromOpenAi(usage);
    }
}
