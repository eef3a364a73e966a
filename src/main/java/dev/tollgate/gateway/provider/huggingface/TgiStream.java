package dev.tollgate.gateway.provider.huggingface;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.HubChunks;
import dev.tollgate.gateway.provider.SseDecoder;
import dev.tollgate.gateway.provider.UpstreamErrors;
import java.util.function.Consumer;

/**
 * TGI's {@code /generate_stream} as OpenAI {@code text_completion} chunks. TGI sends one SSE event per token,
 * {@code data:{"index", "token": {"id", "text", "logprob", "special"}, "generated_text": null, "details": null}};
 * the last one carries the whole {@code generated_text} and {@code details} ({@code finish_reason},
 * {@code generated_tokens}, {@code input_length} in TGI ≥ 2). Special tokens (the end-of-sequence token) are not
 * text: they are not passed on. An error during generation is an event {@code data:{"error", "error_type"}}. The
 * stream is complete once the details arrived; a body that ends before was cut.
 */
final class TgiStream extends SseDecoder {
    private final HubChunks chunks;
    private final String modelId;
    private boolean finished;
    private ObjectNode usage;

    TgiStream(String id, String model, long created, String modelId) {
        this.chunks = new HubChunks(id, model, created);
        this.modelId = modelId;
    }

    @Override
    protected void onEvent(String event, JsonNode data, Consumer<ObjectNode> out) {
        if (data.has("error")) {
            ApiError e = TgiTranslator.error(0, data, "prompt");
            if (e == null) {
                e = ApiError.of(502, "Text Generation Inference reported an error in the stream", null);
            }
            throw UpstreamErrors.from(e.httpStatus(), e, null, modelId);
        }
        if (finished) {
            return;
        }
        JsonNode token = data.path("token");
        String text = token.path("special").asBoolean(false) ? "" : token.path("text").asText("");
        JsonNode details = data.get("details");
        boolean last = details != null && details.isObject();
        if (!text.isEmpty() || last) {
            out.accept(chunks.completion(text, last ? TgiTranslator.finishReason(Json.text(details, "finish_reason")) : null));
        }
        if (last) {
            finished = true;
            usage = TgiTranslator.usage(details);
        }
    }

    @Override
    protected boolean complete() {
        return finished;
    }

    @Override
    protected void finish(Consumer<ObjectNode> out) {
        if (usage != null) {
            out.accept(chunks.completionUsage(usage));
        }
    }

    @Override
    public TokenUsage usageSoFar() {
        return usage == null ? null : TokenUsage.fromOpenAi(usage);
    }
}
