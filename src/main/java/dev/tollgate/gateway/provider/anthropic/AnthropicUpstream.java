package dev.tollgate.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.SseParser;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.HttpUpstream;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;

/**
 * Anthropic's Messages API: {@code POST {apiBase}/v1/messages} with {@code x-api-key} and
 * {@code anthropic-version} (LlmModel.spec.apiVersion, default 2023-06-01). Streams end with
 * {@code message_stop}; an {@code error} event mid-stream is a failure.
 */
public class AnthropicUpstream extends HttpUpstream {
    public static final String DEFAULT_VERSION = "2023-06-01";

    public AnthropicUpstream(java.util.function.Supplier<HttpClient> client) {
        super(client);
    }

    @Override
    public WireFormat format() {
        return WireFormat.ANTHROPIC;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT;
    }

    @Override
    protected String url(Call call) {
        return url(call.model());
    }

    static String url(dev.tollgate.config.GatewayConfig.Model model) {
        String base = model.apiBase();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/messages";
    }

    static String version(dev.tollgate.config.GatewayConfig.Model model) {
        return model.apiVersion() == null ? DEFAULT_VERSION : model.apiVersion();
    }

    @Override
    protected void headers(Call call, MultiMap headers) {
        headers.set("anthropic-version", version(call.model()));
        if (call.credential() != null) {
            headers.set("x-api-key", call.credential());
        }
    }

    @Override
    protected ApiError parseError(int status, JsonNode body) {
        return ApiError.fromAnthropic(status, body);
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
