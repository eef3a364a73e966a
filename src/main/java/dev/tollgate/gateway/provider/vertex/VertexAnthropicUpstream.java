package dev.tollgate.gateway.provider.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.SseParser;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.http.HttpClient;
import java.util.function.Supplier;

/**
 * Claude on Vertex AI for clients that speak Anthropic's Messages API themselves: their request is passed on with the
 * two changes Vertex makes to Anthropic's API — no {@code model} in the body (the URL names it) and
 * {@code "anthropic_version": "vertex-2023-10-16"} in the body instead of the {@code anthropic-version} header
 * (https://docs.anthropic.com/en/api/claude-on-vertex-ai) — to {@code :rawPredict} or {@code :streamRawPredict}, and
 * the answer (a Messages response or Anthropic's event stream) comes back as it is. The body is copied for the change,
 * so a retry on another member of the model's group still sends the client's own request.
 */
public final class VertexAnthropicUpstream extends GoogleAuthorizedUpstream {
    /** The value Vertex requires in {@code anthropic_version}; LlmModel.spec.apiVersion overrides it. */
    public static final String VERSION = "vertex-2023-10-16";

    public VertexAnthropicUpstream(Supplier<HttpClient> client, GoogleAccessTokens tokens) {
        super(client, tokens);
    }

    @Override
    public WireFormat format() {
        return WireFormat.ANTHROPIC;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT;
    }

    /** Only Claude models are relayed natively; an Anthropic client of another Vertex model goes through the hub. */
    @Override
    public boolean relays(GatewayConfig.Model model) {
        return Vertex.family(model.upstreamModel()) == Vertex.Family.ANTHROPIC;
    }

    static String version(GatewayConfig.Model model) {
        return model.apiVersion() == null || model.apiVersion().isBlank() ? VERSION : model.apiVersion();
    }

    @Override
    protected Call prepare(Call call, boolean stream) {
        ObjectNode body = call.body().deepCopy();
        body.remove("model");
        body.put("anthropic_version", version(call.model()));
        return new Call(call.model(), call.credential(), call.operation(), JsonBody.of(body), call.cancellation(),
                call.dropped());
    }

    @Override
    protected String url(Call call) {
        return VertexUrls.anthropic(call.model(), call.payload().path("stream").asBoolean(false));
    }

    @Override
    protected boolean terminal(SseParser.Event event) {
        return "message_stop".equals(event.event());
    }

    @Override
    protected ApiError streamError(SseParser.Event event, JsonNode data) {
        return "error".equals(event.event()) || "error".equals(data.path("type").asText()) ? ApiError.fromAnthropic(0, data) : null;
    }
}
