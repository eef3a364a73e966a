package dev.tollgate.gateway.provider.huggingface;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Adapter;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamDecoder;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.util.UUID;

/**
 * {@code /v1/completions} on a dedicated Inference Endpoint or a self-hosted Text Generation Inference server,
 * through TGI's native API (translation: {@link TgiTranslator}): {@code POST {root}/generate}, and
 * {@code POST {root}/generate_stream} (SSE, {@link TgiStream}) for a streamed request. For code and base models
 * (starcoder, phi-1_5) that have no chat template. Auth: {@code Authorization: Bearer <token>} when the model has a
 * credential (an Inference Endpoint wants a Hugging Face token; a TGI of one's own usually none).
 */
public final class TgiAdapter implements Adapter {
    private final Clock clock;

    public TgiAdapter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.COMPLETIONS;
    }

    @Override
    public UpstreamRequest request(Call call, boolean stream) {
        if (call.operation() != Operation.COMPLETIONS) {
            throw TranslationException.badRequest(null, "Text Generation Inference's native API serves completions");
        }
        UnsupportedParams policy = "drop".equals(call.model().unsupportedParams()) ? UnsupportedParams.DROP
                : UnsupportedParams.REJECT;
        ObjectNode body = TgiTranslator.toGenerate(call.body(), stream, policy, call.dropped());
        String url = HuggingFaceUrls.tgiRoot(call.model().apiBase()) + (stream ? "/generate_stream" : "/generate");
        return UpstreamRequest.post(url, Buffer.buffer(Json.writeBytes(body)));
    }

    @Override
    public ObjectNode response(Call call, JsonNode body) {
        return TgiTranslator.fromGenerate(body, newId(), call.model().upstreamModel(), clock.instant().getEpochSecond());
    }

    @Override
    public StreamDecoder decoder(Call call) {
        return new TgiStream(newId(), call.model().upstreamModel(), clock.instant().getEpochSecond(), call.model().id());
    }

    private static String newId() {
        return "cmpl-" + UUID.randomUUID().toString().replace("-", "");
    }

    @Override
    public UpstreamException error(Call call, int status, JsonNode body, MultiMap headers) {
        ApiError e = TgiTranslator.error(status, body, "prompt");
        if (e == null) {
            e = ApiError.fromOpenAi(status, body);
        }
        return UpstreamErrors.from(status, e, headers.get("retry-after"), call.model().id());
    }

    @Override
    public Authenticator authenticator() {
        return Authenticator.header("Authorization", "Bearer ");
    }
}
