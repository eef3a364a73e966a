package dev.tollgate.gateway.provider.ai21;

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
import java.time.Clock;
import java.util.Locale;
import java.util.UUID;

/**
 * AI21 Studio behind the hub (translation: {@link Ai21Translator}).
 * <ul>
 *   <li><b>Jamba</b> ({@code jamba-*} and any non-j2 model): {@code POST {apiBase}/chat/completions}, streamed as
 *       SSE ({@link Ai21Stream}); chat and tools.</li>
 *   <li><b>Jurassic-2</b> ({@code j2-*}): {@code POST {apiBase}/{model}/complete} for {@code /v1/completions} and
 *       {@code /v1/chat/completions} (messages flattened to one prompt). It cannot stream: {@link #streams} is false
 *       for j2 models and HubUpstream replays the whole answer. The legacy {@code /{model}/chat} endpoint is not
 *       used (the complete API serves both operations).</li>
 *   <li><b>Auth</b>: {@code Authorization: Bearer <key>}.</li>
 *   <li><b>Errors</b>: AI21 answers {@code {"detail": "…"}} (a string, or FastAPI's list of validation errors).
 *       401/403 become 502 (Tollgate's credential); a 429's {@code retry-after} is kept; a 400/422 whose detail
 *       says the prompt is too long for the model becomes 400 {@code context_length_exceeded} on {@code messages}.</li>
 * </ul>
 */
public final class Ai21Adapter implements Adapter {
    private final Clock clock;

    public Ai21Adapter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT || operation == Operation.COMPLETIONS;
    }

    /**
     * Only Jamba's chat streams. {@code streams} sees only the operation: completions (Jurassic-2 only) are replayed by
     * HubUpstream; a streamed chat call on a Jurassic-2 model gets a decoder that reads the whole (non-streamed)
     * answer and replays it ({@link #decoder}), so j2 never streams either.
     */
    @Override
    public boolean streams(Operation operation) {
        return operation == Operation.CHAT;
    }

    /** Whether this call goes to a streaming-capable API (Jamba chat). */
    private static boolean jurassic(Call call) {
        return Ai21Translator.isJurassic(call.model().upstreamModel());
    }

    @Override
    public UpstreamRequest request(Call call, boolean stream) {
        GatewayConfig.Model model = call.model();
        UnsupportedParams policy = "drop".equals(model.unsupportedParams()) ? UnsupportedParams.DROP
                : UnsupportedParams.REJECT;
        Ai21Translator.Request t;
        String url;
        if (jurassic(call)) {
            t = Ai21Translator.toJurassic(call.operation(), call.body(), policy);
            url = base(model) + "/" + model.upstreamModel() + "/complete";
        } else {
            if (call.operation() != Operation.CHAT) {
                throw dev.tollgate.gateway.provider.TranslationException.badRequest("model", "'"
                        + model.upstreamModel() + "' is an AI21 Jamba model: it serves /v1/chat/completions only");
            }
            t = Ai21Translator.toJamba(call.body(), model.upstreamModel(), stream, policy);
            url = base(model) + "/chat/completions";
        }
        call.dropped().addAll(t.dropped());
        return UpstreamRequest.post(url, Buffer.buffer(Json.writeBytes(t.body())));
    }

    static String base(GatewayConfig.Model model) {
        String base = model.apiBase() == null ? "https://api.ai21.com/studio/v1" : model.apiBase().trim();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return base;
    }

    @Override
    public ObjectNode response(Call call, JsonNode body) {
        long now = clock.instant().getEpochSecond();
        if (jurassic(call)) {
            boolean chat = call.operation() == Operation.CHAT;
            String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
            return Ai21Translator.fromJurassic(call.operation(), body, id, call.model().upstreamModel(), now);
        }
        return Ai21Translator.fromJamba(body, call.model().upstreamModel(), now);
    }

    @Override
    public StreamDecoder decoder(Call call) {
        if (jurassic(call)) {
            return new WholeAnswer(call);
        }
        return new Ai21Stream(call.model().upstreamModel(), clock.instant().getEpochSecond());
    }

    /** Jurassic-2 asked to stream: it answers one JSON document, replayed as hub chunks when the body ends. */
    private final class WholeAnswer implements StreamDecoder {
        private final Call call;
        private final Buffer body = Buffer.buffer();

        WholeAnswer(Call call) {
            this.call = call;
        }

        @Override
        public void feed(Buffer bytes, java.util.function.Consumer<ObjectNode> out) {
            body.appendBuffer(bytes);
        }

        @Override
        public boolean end(java.util.function.Consumer<ObjectNode> out) {
            JsonNode json = Json.parse(body.getBytes());
            if (json == null || !json.has("completions")) {
                return false;
            }
            dev.tollgate.gateway.provider.HubChunks.replay(response(call, json)).forEach(out);
            return true;
        }
    }

    @Override
    public UpstreamException error(Call call, int status, JsonNode body, MultiMap headers) {
        String message = detail(body);
        if (message == null) {
            message = "Upstream error (HTTP " + status + ")";
        }
        String modelId = call.model().id();
        if ((status == 400 || status == 422) && contextTooLong(message)) {
            return UpstreamErrors.from(400, ApiError.of(400, message + " (" + modelId + "): shorten the messages",
                    "messages").withCode("context_length_exceeded"), null, modelId);
        }
        return UpstreamErrors.from(status, ApiError.of(status == 422 ? 400 : status, message, null),
                headers.get("retry-after"), modelId);
    }

    /** {@code detail} as text: a string, or the messages of FastAPI's validation-error list joined. */
    static String detail(JsonNode body) {
        if (body == null) {
            return null;
        }
        JsonNode d = body.get("detail");
        if (d == null || d.isNull()) {
            return Json.text(body.path("error"), "message");
        }
        if (d.isTextual()) {
            return d.asText();
        }
        if (d.isArray()) {
            StringBuilder s = new StringBuilder();
            for (JsonNode e : d) {
                if (s.length() > 0) {
                    s.append("; ");
                }
                s.append(e.path("msg").asText(e.toString()));
            }
            return s.toString();
        }
        return d.toString();
    }

    /**
     * AI21's words for a prompt over the model's context window. Not confirmed against AI21's reference (not found in
     * the stored documentation): matched loosely on the phrases its messages are reported to use.
     */
    static boolean contextTooLong(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("context length") || m.contains("context window")
                || (m.contains("too long") || m.contains("exceed")) && (m.contains("token") || m.contains("prompt"));
    }

    @Override
    public Authenticator authenticator() {
        return Authenticator.header("Authorization", "Bearer ");
    }
}
