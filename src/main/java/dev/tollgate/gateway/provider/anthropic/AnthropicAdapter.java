package dev.tollgate.gateway.provider.anthropic;

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
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * Anthropic's Messages API behind the hub: an OpenAI chat request is translated to a Messages request
 * ({@link AnthropicTranslator}), the answer and its stream back ({@link AnthropicToOpenAiStream}). A client speaking
 * Messages itself never comes here: its requests are relayed as they are ({@link AnthropicUpstream}).
 */
public final class AnthropicAdapter implements Adapter {
    private final Clock clock;

    public AnthropicAdapter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT;
    }

    @Override
    public UpstreamRequest request(Call call, boolean stream) {
        ObjectNode body = messagesBody(call, stream);
        body.put("model", call.model().upstreamModel());
        UpstreamRequest request = UpstreamRequest.post(AnthropicUpstream.url(call.model()), Buffer.buffer(Json.writeBytes(body)));
        request.header("anthropic-version", AnthropicUpstream.version(call.model()));
        return request;
    }

    /**
     * The call's OpenAI request as a Messages request body, without {@code model} (hosts of Claude put it in the body or
     * in the URL), streamed or not; the parameters dropped under the model's policy are added to {@link Call#dropped()}.
     */
    public static ObjectNode messagesBody(Call call, boolean stream) {
        Translated t = AnthropicTranslator.toAnthropicRequest(call.body(), TranslationOptions.forModel(call.model()));
        call.dropped().addAll(t.dropped());
        ObjectNode body = t.body();
        body.remove("model");
        if (stream) {
            body.put("stream", true);
        } else {
            body.remove("stream");
        }
        return body;
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
                    ApiError err = ApiError.fromAnthropic(0, data);
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
        ApiError error = ApiError.fromAnthropic(status, body);
        if (status == 400 && error.message() != null && error.message().startsWith("prompt is too long")) {
            // Anthropic has no code for it; OpenAI's clients look for this one
            error = new ApiError(400, error.anthropicType(), "invalid_request_error", error.message(), "messages",
                    "context_length_exceeded");
        }
        return UpstreamErrors.from(status, error, headers.get("retry-after"), call.model().id());
    }

    @Override
    public boolean takesCacheMarkers() {
        return true;
    }

    @Override
    public Authenticator authenticator() {
        return Authenticator.header("x-api-key", "");
    }
}
