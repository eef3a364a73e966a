package dev.tollgate.gateway.provider.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Adapter;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamDecoder;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import dev.tollgate.gateway.provider.anthropic.AnthropicAdapter;
import dev.tollgate.gateway.provider.anthropic.AnthropicTranslator;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;

/**
 * Claude on Vertex AI behind the hub: an OpenAI chat request is translated to a Messages request by Anthropic's own
 * translation ({@link AnthropicTranslator}), then given Vertex's two changes (no {@code model}, which the URL names;
 * {@code anthropic_version} in the body) and sent to {@code :rawPredict} or {@code :streamRawPredict} with a Google
 * access token. The answer is a Messages response, the stream Anthropic's event stream
 * (https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude): both are translated back
 * as for Anthropic itself ({@link AnthropicToOpenAiStream}).
 */
public final class VertexAnthropicAdapter implements Adapter {
    private final GoogleAccessTokens tokens;
    /** Claude's own adapter: the translation, the answer and the stream are Anthropic's. */
    private final AnthropicAdapter anthropic;

    public VertexAnthropicAdapter(GoogleAccessTokens tokens, Clock clock) {
        this.tokens = tokens;
        this.anthropic = new AnthropicAdapter(clock);
    }

    @Override
    public boolean supports(Operation operation) {
        return anthropic.supports(operation);
    }

    @Override
    public UpstreamRequest request(Call call, boolean stream) {
        ObjectNode body = AnthropicAdapter.messagesBody(call, stream);
        body.put("anthropic_version", VertexAnthropicUpstream.version(call.model()));
        return UpstreamRequest.post(VertexUrls.anthropic(call.model(), stream), Buffer.buffer(Json.writeBytes(body)));
    }

    @Override
    public ObjectNode response(Call call, JsonNode body) {
        return anthropic.response(call, body);
    }

    /** Claude's event stream as Anthropic sends it; an {@code error} event is Anthropic's shape there too. */
    @Override
    public StreamDecoder decoder(Call call) {
        return anthropic.decoder(call);
    }

    @Override
    public UpstreamException error(Call call, int status, JsonNode body, MultiMap headers) {
        return VertexErrors.from(status, body, headers, call.model().id());
    }

    @Override
    public boolean takesCacheMarkers() {
        return true;
    }

    @Override
    public Authenticator authenticator() {
        return tokens;
    }
}
