package dev.tollgate.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.HeaderNames;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Adapter;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.CacheMarkers;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.StreamDecoder;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.util.UUID;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * Bedrock's Converse API behind the hub, for chat (translation: {@link BedrockConverse}).
 * <ul>
 *   <li><b>URLs</b>: {@code POST {base}/model/{modelId}/converse}, and {@code /converse-stream} for a stream, where
 *       {@code base} is the LlmModel's {@code apiBase} or {@code https://bedrock-runtime.{region}.amazonaws.com}, and
 *       the model id (a base model, an inference profile such as {@code us.anthropic.claude-3-5-sonnet-20241022-v2:0},
 *       or an ARN with {@code :} and {@code /}) is percent-encoded as one path segment, as the AWS SDKs send it.</li>
 *   <li><b>Stream</b>: {@code application/vnd.amazon.eventstream} frames ({@link BedrockStream}).</li>
 *   <li><b>Auth</b>: SigV4 with AWS keys, a Bedrock API key as a bearer token, or the pod's identity
 *       ({@link BedrockAuth}).</li>
 *   <li><b>Errors</b>: {@link BedrockErrors}.</li>
 * </ul>
 */
public final class BedrockAdapter implements Adapter {
    static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

    private final Clock clock;
    private final Authenticator auth;

    public BedrockAdapter(io.vertx.core.Vertx vertx, Clock clock) {
        this(clock, new BedrockAuth(vertx, clock));
    }

    BedrockAdapter(Clock clock, Authenticator auth) {
        this.clock = clock;
        this.auth = auth;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT;
    }

    /** The runtime endpoint of the model's region, or its {@code apiBase}, without a trailing slash. */
    static String base(GatewayConfig.Model model) {
        String base = model.apiBase() == null || model.apiBase().isBlank()
                ? "https://bedrock-runtime." + model.region() + ".amazonaws.com" : model.apiBase().trim();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return base;
    }

    /** {@code {base}/model/{modelId, percent-encoded}/{action}}. */
    static String url(GatewayConfig.Model model, String action) {
        return base(model) + "/model/" + SdkHttpUtils.urlEncode(model.upstreamModel()) + "/" + action;
    }

    @Override
    public UpstreamRequest request(Call call, boolean stream) {
        GatewayConfig.Model model = call.model();
        ParamPolicy policy = new ParamPolicy("drop".equals(model.unsupportedParams()) ? UnsupportedParams.DROP
                : UnsupportedParams.REJECT, BedrockConverse.API);
        ObjectNode req = call.body();
        if (!BedrockConverse.caches(call.model().upstreamModel())) {
            req = CacheMarkers.stripped(req); // cachePoint is for the models Bedrock caches prompts of: a 400 elsewhere
        }
        ObjectNode body = BedrockConverse.request(req, policy);
        call.dropped().addAll(policy.dropped());
        UpstreamRequest r = UpstreamRequest.post(url(model, stream ? "converse-stream" : "converse"),
                Buffer.buffer(Json.writeBytes(body)));
        r.headers().set(HeaderNames.CONTENT_TYPE, HeaderNames.APPLICATION_JSON);
        r.headers().set(HeaderNames.ACCEPT, stream ? EVENT_STREAM : HeaderNames.APPLICATION_JSON);
        return r;
    }

    private static String id() {
        return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    }

    @Override
    public ObjectNode response(Call call, JsonNode body) {
        return BedrockConverse.response(body, id(), call.model().upstreamModel(), clock.instant().getEpochSecond());
    }

    @Override
    public StreamDecoder decoder(Call call) {
        return new BedrockStream(id(), call.model().upstreamModel(), clock.instant().getEpochSecond(),
                call.model().id());
    }

    @Override
    public UpstreamException error(Call call, int status, JsonNode body, MultiMap headers) {
        return BedrockErrors.from(status, BedrockErrors.type(headers.get("x-amzn-ErrorType"), body),
                BedrockErrors.message(body), headers.get("retry-after"), call.model().id());
    }

    @Override
    public boolean takesCacheMarkers() {
        return true;
    }

    @Override
    public Authenticator authenticator() {
        return auth;
    }
}
