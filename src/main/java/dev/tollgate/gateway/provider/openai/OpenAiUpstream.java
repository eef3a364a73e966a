package dev.tollgate.gateway.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.HeaderNames;
import dev.tollgate.gateway.SseParser;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.HttpUpstream;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The OpenAI wire format: OpenAI itself, every OpenAI-compatible server (provider openai-compatible, Ollama's /v1,
 * Hugging Face's router …) and Azure OpenAI, which differs only in its URL
 * ({@code /openai/deployments/{deployment}/…?api-version=…}) and its {@code api-key} header. The named presets
 * (Mistral, Groq, DeepSeek …) go through {@link PresetAdapter}, which handles their documented differences.
 */
public class OpenAiUpstream extends HttpUpstream {
    private final boolean azure;

    public OpenAiUpstream(java.util.function.Supplier<HttpClient> client, boolean azure) {
        super(client);
        this.azure = azure;
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation != Operation.RERANK; // OpenAI's API has no rerank
    }

    /**
     * OpenAI's prompt caching is automatic (https://platform.openai.com/docs/guides/prompt-caching: no markers; the
     * request's {@code prompt_cache_key} passes through), and its API refuses fields it does not define: a chat
     * request's {@code cache_control} breakpoints (meant for Anthropic-family providers, see
     * {@link dev.tollgate.gateway.provider.CacheMarkers}) are taken out, for Azure and OpenAI-compatible servers too.
     */
    @Override
    protected boolean stripsCacheMarkers(Call call) {
        return call.operation() == Operation.CHAT;
    }

    @Override
    protected String url(Call call) {
        String base = trimSlash(call.model().apiBase());
        if (azure) {
            return base + "/openai/deployments/" + URLEncoder.encode(call.model().upstreamModel(), StandardCharsets.UTF_8)
                    + "/" + call.operation().path() + "?api-version="
                    + URLEncoder.encode(call.model().apiVersion(), StandardCharsets.UTF_8);
        }
        return base + "/" + call.operation().path();
    }

    @Override
    protected void headers(Call call, MultiMap headers) {
        if (call.credential() == null) {
            return;
        }
        if (azure) {
            headers.set("api-key", call.credential());
        } else {
            headers.set(HeaderNames.AUTHORIZATION, "Bearer " + call.credential());
        }
    }

    @Override
    protected ApiError parseError(int status, JsonNode body) {
        return ApiError.fromOpenAi(status, body);
    }

    @Override
    protected boolean terminal(SseParser.Event event) {
        return "[DONE]".equals(event.data().trim());
    }

    @Override
    protected ApiError streamError(SseParser.Event event, JsonNode data) {
        return data.has("error") && data.get("error").isObject() ? ApiError.fromOpenAi(0, data) : null;
    }

    static String trimSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
