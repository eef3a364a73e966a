package dev.tollgate.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Adapter;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.StreamDecoder;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import dev.tollgate.gateway.provider.bedrock.BedrockInvokeModels.Family;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.util.List;

/**
 * Bedrock's InvokeModel ({@code POST /model/{modelId}/invoke}) for embeddings and image generation, one HTTP exchange
 * per call; {@link BedrockInvokeUpstream} splits a request that needs several (Titan's one text per call, more images
 * than one call makes) and merges the answers. Bodies: {@link BedrockInvokeEmbeddings}, {@link BedrockInvokeImages};
 * errors: {@link BedrockInvokeErrors}; the body family from the model id: {@link BedrockInvokeModels}. How the request
 * is authenticated (SigV4 with the model's AWS credentials, or a Bedrock API key as {@code Authorization: Bearer}) is
 * the {@link Authenticator} given, which sees the finished request (URL, headers and body).
 */
public final class BedrockInvokeAdapter implements Adapter {
    private final Authenticator authenticator;
    private final Clock clock;

    public BedrockInvokeAdapter(Authenticator authenticator, Clock clock) {
        this.authenticator = authenticator;
        this.clock = clock;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.EMBEDDINGS || operation == Operation.IMAGES;
    }

    @Override
    public boolean streams(Operation operation) {
        return false;
    }

    /** The body family of the call's model, checked against the operation: 400 on {@code model} when it does not fit. */
    static Family family(Call call) {
        Family family = BedrockInvokeModels.family(call.model().upstreamModel());
        boolean fits = call.operation() == Operation.EMBEDDINGS ? family.embeds()
                : call.operation() == Operation.IMAGES && family.draws();
        if (!fits) {
            throw TranslationException.badRequest("model", "Bedrock model " + call.model().upstreamModel()
                    + " (behind " + call.model().modelName() + ") is not one Tollgate serves on /v1/"
                    + call.operation().path() + " through InvokeModel: embeddings take amazon.titan-embed-text-v1, "
                    + "amazon.titan-embed-text-v2:0 or cohere.embed-*; images take amazon.titan-image-generator-*, "
                    + "amazon.nova-canvas-v1:0, stability.sd3-*, stability.stable-image-* or "
                    + "stability.stable-diffusion-xl-v1.");
        }
        return family;
    }

    /** The OpenAI requests of the provider calls the call takes (one when it fits one call). */
    static List<ObjectNode> split(Call call) {
        Family family = family(call);
        return call.operation() == Operation.EMBEDDINGS ? BedrockInvokeEmbeddings.split(family, call.body())
                : BedrockInvokeImages.split(family, call.body());
    }

    @Override
    public UpstreamRequest request(Call call, boolean stream) {
        if (stream) {
            throw TranslationException.badRequest("stream", "Bedrock's embedding and image models do not stream: "
                    + "send the request without 'stream'.");
        }
        Family family = family(call);
        UnsupportedParams policy = "drop".equals(call.model().unsupportedParams()) ? UnsupportedParams.DROP
                : UnsupportedParams.REJECT;
        ParamPolicy params = new ParamPolicy(policy, "Bedrock (" + call.model().upstreamModel() + ")");
        ObjectNode body = call.operation() == Operation.EMBEDDINGS
                ? BedrockInvokeEmbeddings.request(family, call.body(), params)
                : BedrockInvokeImages.request(family, call.body(), params);
        call.dropped().addAll(params.dropped());
        return UpstreamRequest.post(BedrockInvokeModels.invokeUrl(call.model()), Buffer.buffer(Json.writeBytes(body)));
    }

    @Override
    public ObjectNode response(Call call, JsonNode body) {
        Family family = family(call);
        if (call.operation() == Operation.EMBEDDINGS) {
            return BedrockInvokeEmbeddings.response(family, body, call.model().upstreamModel(),
                    "base64".equals(call.body().path("encoding_format").asText()));
        }
        return BedrockInvokeImages.response(family, body, clock.instant().getEpochSecond(), call.model().id());
    }

    @Override
    public StreamDecoder decoder(Call call) {
        throw TranslationException.badRequest("stream", "Bedrock's embedding and image models do not stream.");
    }

    @Override
    public UpstreamException error(Call call, int status, JsonNode body, MultiMap headers) {
        return BedrockInvokeErrors.from(status, body, headers.get(BedrockInvokeErrors.ERROR_TYPE_HEADER),
                headers.get("retry-after"), call.model().id());
    }

    @Override
    public Authenticator authenticator() {
        return authenticator;
    }
}
