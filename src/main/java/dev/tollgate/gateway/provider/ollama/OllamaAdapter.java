package dev.tollgate.gateway.provider.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Adapter;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamDecoder;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.util.UUID;

/**
 * Ollama through its native API (https://github.com/ollama/ollama/blob/main/docs/api.md; translation:
 * {@link OllamaTranslator}): {@code POST {root}/api/chat} for chat, {@code /api/generate} for
 * {@code /v1/completions}, {@code /api/embed} for embeddings; streams are NDJSON ({@link OllamaStream}).
 * <ul>
 *   <li><b>Base URL</b>: the server's root, {@code http://localhost:11434} by default. A base ending in {@code /v1}
 *       (written for Ollama's OpenAI-compatible endpoint, the adapter this provider used before) is accepted: the
 *       {@code /v1} is taken off and the native API used, so such configs keep working and gain native usage and
 *       options.</li>
 *   <li><b>Auth</b>: none by default; {@code Authorization: Bearer <key>} when the model has a credential (Ollama
 *       behind an authenticating proxy, or ollama.com).</li>
 *   <li><b>Errors</b>: {@code {"error": "..."}} with the HTTP status; a model the server does not have (404) is the
 *       LlmModel's fault (502 {@code upstream_not_found}, as for every provider), a context-length message is 400
 *       {@code context_length_exceeded}.</li>
 * </ul>
 */
public final class OllamaAdapter implements Adapter {
    public static final String DEFAULT_ROOT = "http://localhost:11434";
    private final Clock clock;

    public OllamaAdapter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT || operation == Operation.COMPLETIONS || operation == Operation.EMBEDDINGS;
    }

    /** The server's root from the model's apiBase: trailing slashes and a trailing {@code /v1} or {@code /api} off. */
    public static String root(String apiBase) {
        String base = apiBase == null || apiBase.isBlank() ? DEFAULT_ROOT : apiBase.trim();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        for (String suffix : new String[] {"/v1", "/api"}) {
            if (base.endsWith(suffix)) {
                base = base.substring(0, base.length() - suffix.length());
            }
        }
        return base;
    }

    @Override
    public UpstreamRequest request(Call call, boolean stream) {
        UnsupportedParams policy = "drop".equals(call.model().unsupportedParams()) ? UnsupportedParams.DROP
                : UnsupportedParams.REJECT;
        String model = call.model().upstreamModel();
        String root = root(call.model().apiBase());
        ObjectNode body;
        String path;
        switch (call.operation()) {
            case CHAT -> {
                body = OllamaTranslator.toChat(call.body(), model, stream, policy, call.dropped());
                path = "/api/chat";
            }
            case COMPLETIONS -> {
                body = OllamaTranslator.toGenerate(call.body(), model, stream, policy, call.dropped());
                path = "/api/generate";
            }
            case EMBEDDINGS -> {
                body = OllamaTranslator.toEmbed(call.body(), model, policy, call.dropped());
                path = "/api/embed";
            }
            default -> throw TranslationException.badRequest(null, "Ollama does not serve " + call.operation().path());
        }
        UpstreamRequest r = UpstreamRequest.post(root + path, Buffer.buffer(Json.writeBytes(body)));
        if (stream) {
            r.header("Accept", "application/x-ndjson");
        }
        return r;
    }

    @Override
    public ObjectNode response(Call call, JsonNode body) {
        long now = clock.instant().getEpochSecond();
        String model = call.model().upstreamModel();
        return switch (call.operation()) {
            case CHAT -> OllamaTranslator.fromChat(body, newId("chatcmpl-"), model, now);
            case COMPLETIONS -> OllamaTranslator.fromGenerate(body, newId("cmpl-"), model, now);
            case EMBEDDINGS -> OllamaTranslator.fromEmbed(body, model);
            default -> throw TranslationException.badUpstream("Ollama answered an operation it does not serve");
        };
    }

    @Override
    public StreamDecoder decoder(Call call) {
        boolean chat = call.operation() == Operation.CHAT;
        return new OllamaStream(chat, newId(chat ? "chatcmpl-" : "cmpl-"), call.model().upstreamModel(),
                clock.instant().getEpochSecond(), call.model().id());
    }

    private static String newId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "");
    }

    @Override
    public UpstreamException error(Call call, int status, JsonNode body, MultiMap headers) {
        ApiError e = OllamaTranslator.error(status, body, call.operation() == Operation.CHAT ? "messages"
                : call.operation() == Operation.EMBEDDINGS ? "input" : "prompt");
        int s = "context_length_exceeded".equals(e.code()) ? 400 : status; // whatever status Ollama gave it
        return UpstreamErrors.from(s, e, headers.get("retry-after"), call.model().id());
    }

    @Override
    public Authenticator authenticator() {
        return Authenticator.header("Authorization", "Bearer ");
    }
}
