package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import io.vertx.core.MultiMap;

/**
 * One upstream wire family, as small separate parts that {@link HubUpstream} runs. Calls arrive in the hub's form:
 * OpenAI's request for the operation ({@code /v1/chat/completions}, {@code /v1/embeddings} …, in
 * {@link Call#body()}), with the deployment's model id in {@link Call#model()}. The adapter translates the request to
 * its provider ({@link #request}), the provider's answer back to the hub's ({@link #response}, {@link #decoder}), its
 * usage into the hub's {@code usage} object, its errors into the client-facing ones ({@link #error}), and says how to
 * authenticate ({@link #authenticator}). Client dialects (OpenAI, Anthropic Messages) are translated to and from the
 * hub once, outside any adapter; nothing provider-specific lives outside the adapter's package.
 */
public interface Adapter {
    boolean supports(Operation operation);

    /**
     * Whether the provider streams this operation. When it does not (PaLM), a streamed request is served from one
     * whole answer replayed as a stream ({@link HubChunks#replay}).
     */
    default boolean streams(Operation operation) {
        return operation == Operation.CHAT || operation == Operation.COMPLETIONS;
    }

    /**
     * The provider request for a hub call. Throws {@link TranslationException} (400, naming the parameter) for a
     * request the provider cannot serve; applies the model's unsupported-parameter policy ({@link ParamPolicy}) and
     * reports dropped parameters through {@link Call#dropped()}.
     */
    UpstreamRequest request(Call call, boolean stream);

    /** The provider's successful answer (one JSON document) as the hub's answer for the call's operation. */
    ObjectNode response(Call call, JsonNode body);

    /** A decoder for one streamed answer to {@code call}. */
    StreamDecoder decoder(Call call);

    /**
     * The provider's error answer as the client should see it: usually {@link UpstreamErrors#from} with the provider's
     * message, type and retry hint, and {@code context_length_exceeded} / {@code content_filter} codes where the
     * provider's error says so. {@code body} is null when it was not JSON.
     */
    default UpstreamException error(Call call, int status, JsonNode body, MultiMap headers) {
        return UpstreamErrors.from(status, ApiError.fromOpenAi(status, body), headers.get("retry-after"), call.model().id());
    }

    Authenticator authenticator();

    /**
     * Whether the provider takes prompt-cache breakpoints ({@link CacheMarkers}: Anthropic's Messages, Bedrock's
     * Converse, OpenRouter); the others' adapters get the call without them.
     */
    default boolean takesCacheMarkers() {
        return false;
    }
}
