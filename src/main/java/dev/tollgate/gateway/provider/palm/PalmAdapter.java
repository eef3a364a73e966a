package dev.tollgate.gateway.provider.palm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Adapter;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamDecoder;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.util.Locale;
import java.util.UUID;

/**
 * PaLM 2 on the Generative Language API v1beta2 behind the hub: {@code POST /v1beta2/models/{model}:generateText}
 * for text models and {@code :generateMessage} for chat models (translation: {@link PalmTranslator}). The API was
 * retired by Google, so live calls fail upstream (404); the adapter exists for configurations that still name
 * these models, and follows the archived reference.
 *
 * <ul>
 *   <li><b>Auth</b>: the model's API key in {@code x-goog-api-key} (Google APIs take it there or as {@code ?key=};
 *       the header keeps it out of URLs, which proxies and access logs record).</li>
 *   <li><b>Streaming</b>: PaLM cannot stream, so {@link #streams} is false and a streamed request is answered from the
 *       whole answer replayed as one stream (role and text, the finish reason; no usage chunk).</li>
 *   <li><b>Usage</b>: the API reports none; the answer carries none, so the gateway counts tokens with its tokenizer.</li>
 *   <li><b>Errors</b>: Google's {@code {"error":{"code","message","status","details"}}}. A bad key is a 400
 *       {@code INVALID_ARGUMENT} with reason {@code API_KEY_INVALID} there: treated as the 401 it means (502 for the
 *       client: Tollgate's credential). A 429's {@code google.rpc.RetryInfo.retryDelay} (or a {@code retry-after}
 *       header) becomes {@code retry-after}. A 400 saying the input token count exceeds the maximum becomes 400
 *       {@code context_length_exceeded} on {@code messages}.</li>
 * </ul>
 */
public final class PalmAdapter implements Adapter {
    private final Clock clock;

    public PalmAdapter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT || operation == Operation.COMPLETIONS;
    }

    @Override
    public boolean streams(Operation operation) {
        return false;
    }

    @Override
    public UpstreamRequest request(Call call, boolean stream) {
        GatewayConfig.Model model = call.model();
        PalmTranslator.Request t = PalmTranslator.toPalm(call.operation(), call.body(), model.upstreamModel(),
                "drop".equals(model.unsupportedParams()) ? UnsupportedParams.DROP : UnsupportedParams.REJECT);
        call.dropped().addAll(t.dropped());
        return UpstreamRequest.post(url(model, t.chatModel()), Buffer.buffer(Json.writeBytes(t.body())));
    }

    /**
     * {@code <apiBase>/v1beta2/models/<id>:generateText|generateMessage}; an API base that already ends in a version
     * ({@code …/v1beta2}) is used as it is.
     */
    static String url(GatewayConfig.Model model, boolean chatModel) {
        String base = model.apiBase() == null ? "https://generativelanguage.googleapis.com" : model.apiBase().trim();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        if (!base.matches(".*/v1(beta\\d*)?")) {
            base += "/v1beta2";
        }
        return base + "/models/" + PalmTranslator.modelId(model.upstreamModel())
                + (chatModel ? ":generateMessage" : ":generateText");
    }

    @Override
    public ObjectNode response(Call call, JsonNode body) {
        boolean chat = call.operation() == Operation.CHAT;
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        return PalmTranslator.toOpenAi(call.operation(), body, PalmTranslator.isChatModel(call.model().upstreamModel()),
                id, call.model().upstreamModel(), clock.instant().getEpochSecond());
    }

    /** Never used: PaLM does not stream ({@link #streams} is false), so HubUpstream replays whole answers. */
    @Override
    public StreamDecoder decoder(Call call) {
        throw new IllegalStateException("PaLM does not stream: HubUpstream replays its whole answer");
    }

    @Override
    public UpstreamException error(Call call, int status, JsonNode body, MultiMap headers) {
        JsonNode err = body == null ? null : body.get("error");
        String message = Json.text(err, "message");
        if (message == null) {
            message = "Upstream error (HTTP " + status + ")";
        }
        String reason = null;
        String retryDelay = null;
        if (err != null) {
            for (JsonNode d : err.path("details")) {
                String type = d.path("@type").asText("");
                if (type.endsWith("google.rpc.ErrorInfo") && reason == null) {
                    reason = d.path("reason").asText(null);
                } else if (type.endsWith("google.rpc.RetryInfo") && retryDelay == null) {
                    retryDelay = d.path("retryDelay").asText(null);
                }
            }
        }
        String retryAfter = headers.get("retry-after") != null ? headers.get("retry-after") : seconds(retryDelay);
        String modelId = call.model().id();
        if (status == 400 && ("API_KEY_INVALID".equals(reason) || "API_KEY_SERVICE_BLOCKED".equals(reason))) {
            return UpstreamErrors.from(401, ApiError.of(401, message, null), retryAfter, modelId);
        }
        if (status == 400 && contextTooLong(message)) {
            return UpstreamErrors.from(400, ApiError.of(400, message + " (" + modelId + "): shorten the messages",
                    "messages").withCode("context_length_exceeded"), null, modelId);
        }
        return UpstreamErrors.from(status, ApiError.of(status, message, null), retryAfter, modelId);
    }

    /** The Generative Language API's words for a prompt over the model's input limit. */
    static boolean contextTooLong(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("input token count") && m.contains("exceeds the maximum")
                || m.contains("exceeds the maximum number of tokens");
    }

    /** A protobuf Duration in JSON ({@code "7s"}, {@code "53.016s"}) as whole seconds for retry-after (rounded up). */
    static String seconds(String duration) {
        if (duration == null || !duration.endsWith("s")) {
            return null;
        }
        try {
            BigDecimal s = new BigDecimal(duration.substring(0, duration.length() - 1));
            return s.signum() < 0 ? null : s.setScale(0, RoundingMode.CEILING).toPlainString();
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public Authenticator authenticator() {
        return Authenticator.header("x-goog-api-key", "");
    }
}
