package dev.tollgate.gateway.provider.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Adapter;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.SseDecoder;
import dev.tollgate.gateway.provider.StreamDecoder;
import dev.tollgate.gateway.provider.Translated;
import dev.tollgate.gateway.provider.TranslationOptions;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import dev.tollgate.gateway.provider.anthropic.AnthropicToOpenAiStream;
import dev.tollgate.gateway.provider.anthropic.AnthropicTranslator;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.util.function.Consumer;

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
    private final Clock clock;

    public VertexAnthropicAdapter(GoogleAccessTokens tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT;
    }

    @Override
    public UpstreamRequest request(Call call, boolean stream) {
        Translated t = AnthropicTranslator.toAnthropicRequest(call.body(), TranslationOptions.forModel(call.model()));
        call.dropped().addAll(t.dropped());
        ObjectNode body = t.body();
        body.remove("model");
        body.put("anthropic_version", VertexAnthropicUpstream.version(call.model()));
        if (stream) {
            body.put("stream", true);
        } else {
            body.remove("stream");
        }
        return UpstreamRequest.post(VertexUrls.anthropic(call.model(), stream), Buffer.buffer(Json.writeBytes(body)));
    }

    @Override
    public ObjectNode response(Call call, JsonNode body) {
        return AnthropicTranslator.toOpenAiResponse((ObjectNode) body, clock.instant().getEpochSecond());
    }

    @Override
    public StreamDecoder decoder(Call call) {
        AnthropicToOpenAiStream conv = new AnthropicToOpenAiStream(true, clock.instant().getEpochSecond());
        return new SseDecoder() {
            @Override
            protected void onEvent(String event, JsonNode data, Consumer<ObjectNode> out) {
                if ("error".equals(event) || "error".equals(data.path("type").asText())) {
                    ApiError err = VertexErrors.parse(0, data);
                    throw UpstreamErrors.from(err.httpStatus(), err, null, call.model().id());
                }
                conv.onEvent(data).forEach(out);
            }

            @Override
            public dev.tollgate.gateway.TokenUsage usageSoFar() {
                return conv.usage().orElse(null);
            }

            @Override
            protected boolean complete() {
                return conv.isComplete();
            }

            @Override
            protected void finish(Consumer<ObjectNode> out) {
                conv.finish().forEach(out);
            }
        };
    }

    @Override
    public UpstreamException error(Call call, int status, JsonNode body, MultiMap headers) {
        return VertexErrors.from(status, body, headers, call.model().id());
    }

    @Override
    public Authenticator authenticator() {
        return tokens;
    }
}
