package dev.tollgate.gateway.provider.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.HeaderNames;
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
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;

/**
 * Cohere's v2 API behind the hub: chat ({@code POST /v2/chat}, plain and streamed: {@link CohereChat},
 * {@link CohereStream}), embeddings ({@code POST /v2/embed}: {@link CohereEmbed}) and rerank ({@code POST /v2/rerank}:
 * {@link CohereRerank}), authenticated with the model's key as {@code Authorization: Bearer <key>}, at the model's
 * {@code apiBase} (default {@code https://api.cohere.com}). Errors: {@link CohereErrors}.
 */
public final class CohereAdapter implements Adapter {
    private final Clock clock;

    public CohereAdapter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT || operation == Operation.EMBEDDINGS || operation == Operation.RERANK;
    }

    @Override
    public UpstreamRequest request(Call call, boolean stream) {
        ObjectNode req = call.body();
        UnsupportedParams policy = "drop".equals(call.model().unsupportedParams()) ? UnsupportedParams.DROP
                : UnsupportedParams.REJECT;
        ParamPolicy params = new ParamPolicy(policy, "Cohere");
        ObjectNode body;
        String path;
        switch (call.operation()) {
            case CHAT -> {
                body = CohereChat.request(req, params, stream);
                path = "/v2/chat";
            }
            case EMBEDDINGS -> {
                body = CohereEmbed.request(req, params);
                path = "/v2/embed";
            }
            case RERANK -> {
                body = CohereRerank.request(req, params);
                path = "/v2/rerank";
            }
            default -> throw TranslationException.badRequest(null, "Cohere does not serve " + call.operation().path());
        }
        call.dropped().addAll(params.dropped());
        ObjectNode withModel = Json.object().put("model", call.model().upstreamModel());
        withModel.setAll(body);
        return UpstreamRequest.post(url(call.model().apiBase(), path), Buffer.buffer(Json.writeBytes(withModel)));
    }

    static String url(String apiBase, String path) {
        String base = apiBase == null ? "https://api.cohere.com" : apiBase;
        base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        if (base.endsWith("/v2") || base.endsWith("/v1")) {
            base = base.substring(0, base.length() - 3); // an apiBase given with a version: the path carries it
        }
        return base + path;
    }

    @Override
    public ObjectNode response(Call call, JsonNode body) {
        return switch (call.operation()) {
            case CHAT -> CohereChat.response(body, call.model().upstreamModel(), clock.instant().getEpochSecond(),
                    call.model().id());
            case EMBEDDINGS -> CohereEmbed.response(body, call.model().upstreamModel(),
                    "base64".equals(call.body().path("encoding_format").asText()));
            case RERANK -> CohereRerank.response(body, call.body());
            default -> throw TranslationException.badUpstream("Cohere does not serve " + call.operation().path());
        };
    }

    @Override
    public StreamDecoder decoder(Call call) {
        return new CohereStream(call.model().upstreamModel(), clock.instant().getEpochSecond(), call.model().id());
    }

    @Override
    public UpstreamException error(Call call, int status, JsonNode body, MultiMap headers) {
        return CohereErrors.from(status, body, headers.get("retry-after"), call.model().id());
    }

    @Override
    public Authenticator authenticator() {
        return Authenticator.header(HeaderNames.AUTHORIZATION.toString(), "Bearer ");
    }
}
