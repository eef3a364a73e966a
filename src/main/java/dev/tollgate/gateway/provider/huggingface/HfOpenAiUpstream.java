package dev.tollgate.gateway.provider.huggingface;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.SseParser;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.openai.OpenAiUpstream;
import io.vertx.core.http.HttpClient;
import java.util.function.Supplier;

/**
 * Hugging Face's OpenAI-compatible routes, relayed as OpenAI's wire (the fast path): the Inference Providers router's
 * {@code {apiBase}/chat/completions} (model ids {@code org/name} with an optional {@code :provider} or
 * {@code :fastest}/{@code :cheapest} suffix pass through unchanged), and a TGI server's Messages API
 * {@code {root}/v1/chat/completions} (https://huggingface.co/docs/text-generation-inference/messages_api). TGI
 * answers errors in its own shape, {@code {"error": "<message>", "error_type": "<kind>"}} (in a stream too, as an
 * event): read here, with its context-window validation error as 400 {@code context_length_exceeded}.
 */
final class HfOpenAiUpstream extends OpenAiUpstream {
    HfOpenAiUpstream(Supplier<HttpClient> client) {
        super(client, false);
    }

    @Override
    protected String url(Call call) {
        String base = call.model().apiBase();
        return HuggingFaceUrls.router(base) ? HuggingFaceUrls.routerBase(base) + "/" + call.operation().path()
                : HuggingFaceUrls.tgiRoot(base) + "/v1/" + call.operation().path();
    }

    @Override
    protected ApiError parseError(int status, JsonNode body) {
        ApiError tgi = TgiTranslator.error(status, body, "messages");
        return tgi != null ? tgi : super.parseError(status, body);
    }

    @Override
    protected ApiError streamError(SseParser.Event event, JsonNode data) {
        if (data.path("error").isTextual()) {
            return TgiTranslator.error(0, data, "messages");
        }
        return super.streamError(event, data);
    }
}
