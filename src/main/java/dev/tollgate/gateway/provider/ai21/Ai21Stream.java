package dev.tollgate.gateway.provider.ai21;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.HubChunks;
import dev.tollgate.gateway.provider.SseDecoder;
import dev.tollgate.gateway.SseParser;
import java.util.function.Consumer;

/**
 * Jamba's chat stream as hub chunks. AI21 streams OpenAI-shaped {@code data: <chat.completion.chunk>} events ending
 * in {@code data: [DONE]}; unlike OpenAI, it needs no {@code stream_options}: the usage rides on the LAST chunk, the
 * one with the finish reason. Here each chunk's choices pass through (model set to the deployment's, finish reasons
 * in OpenAI's words), the usage is taken off the chunk and emitted as the hub's last usage-only chunk (empty
 * {@code choices}). Complete once a finish reason (or {@code [DONE]}) arrived; a body that ends before was cut.
 */
final class Ai21Stream extends SseDecoder {
    private final String model;
    private final long created;
    private HubChunks chunks;
    private boolean finished;
    private TokenUsage usage;

    Ai21Stream(String model, long created) {
        this.model = model;
        this.created = created;
    }

    @Override
    protected void onEvent(String event, JsonNode data, Consumer<ObjectNode> out) {
        if (chunks == null) {
            chunks = new HubChunks(data.path("id").asText("chatcmpl-ai21"), model, created);
        }
        if (data.hasNonNull("usage")) {
            usage = TokenUsage.fromOpenAi(Ai21Translator.usage(data.get("usage")));
        }
        JsonNode choices = data.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            return;
        }
        ObjectNode chunk = chunks.base();
        var outChoices = chunk.putArray("choices");
        for (JsonNode c : choices) {
            ObjectNode copy = c.deepCopy();
            String finish = c.path("finish_reason").isTextual() ? c.get("finish_reason").asText() : null;
            if (finish != null) {
                copy.put("finish_reason", Ai21Translator.finishReason(finish));
                finished = true;
            } else {
                copy.putNull("finish_reason");
            }
            outChoices.add(copy);
        }
        out.accept(chunk);
    }

    @Override
    protected void onText(SseParser.Event event, Consumer<ObjectNode> out) {
        if ("[DONE]".equals(event.data().trim())) {
            return; // the end marker: completeness is the finish reason
        }
    }

    @Override
    protected boolean complete() {
        return finished;
    }

    @Override
    protected void finish(Consumer<ObjectNode> out) {
        if (usage != null) {
            if (chunks == null) {
                chunks = new HubChunks("chatcmpl-ai21", model, created);
            }
            out.accept(chunks.usage(usage.toOpenAi()));
        }
    }

    @Override
    public TokenUsage usageSoFar() {
        return usage;
    }
}
