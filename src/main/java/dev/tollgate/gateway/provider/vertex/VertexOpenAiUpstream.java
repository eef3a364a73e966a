package dev.tollgate.gateway.provider.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.SseParser;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.http.HttpClient;
import java.util.function.Supplier;

/**
 * Vertex AI's OpenAI-compatible Chat Completions endpoint for open and partner models served as an API (Llama,
 * Mistral, DeepSeek, Qwen … "MaaS"): {@code POST …/v1/projects/{p}/locations/{l}/endpoints/openapi/chat/completions}
 * with a Google access token, the model in the body as {@code publisher/model}
 * (https://cloud.google.com/vertex-ai/generative-ai/docs/maas/call-open-model-apis). It speaks OpenAI's dialect, so an
 * OpenAI client's request is relayed byte for byte (model swapped) and streams end with {@code [DONE]}.
 */
public final class VertexOpenAiUpstream extends GoogleAuthorizedUpstream {
    public VertexOpenAiUpstream(Supplier<HttpClient> client, GoogleAccessTokens tokens) {
        super(client, tokens);
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT;
    }

    @Override
    protected String url(Call call) {
        return VertexUrls.openAiCompatible(call.model());
    }

    /** The open models behind Vertex's OpenAI-compatible endpoint take no prompt-cache markers. */
    @Override
    protected boolean stripsCacheMarkers(Call call) {
        return true;
    }

    @Override
    protected boolean terminal(SseParser.Event event) {
        return "[DONE]".equals(event.data().trim());
    }

    @Override
    protected ApiError streamError(SseParser.Event event, JsonNode data) {
        return data.has("error") && data.get("error").isObject() ? VertexErrors.parse(0, data) : null;
    }
}
