package dev.tollgate.gateway.provider.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.Provider;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.Adapter;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.SseDecoder;
import dev.tollgate.gateway.provider.StreamDecoder;
import dev.tollgate.gateway.provider.Translated;
import dev.tollgate.gateway.provider.TranslationOptions;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Google's Gemini API behind the hub: chat completions as {@code generateContent} /
 * {@code streamGenerateContent?alt=sse} ({@link GeminiRequest}, {@link GeminiResponse}, {@link GeminiStream}) and
 * embeddings as {@code embedContent} (one string) / {@code batchEmbedContents} (a list). Where the requests go and
 * how they are authenticated are given ({@link Urls}, an {@link Authenticator}), so one adapter serves Google AI
 * Studio ({@link #aiStudio}) and Gemini on Vertex AI (its regional URLs and an OAuth token).
 */
public final class GeminiAdapter implements Adapter {
    /** The Gemini API version AI Studio URLs use unless the LlmModel's apiVersion says otherwise. */
    public static final String DEFAULT_VERSION = "v1beta";

    /** Where a call goes. */
    @FunctionalInterface
    public interface Urls {
        /**
         * The absolute URL of {@code method} (generateContent, streamGenerateContent, embedContent or
         * batchEmbedContents) for the call's model; {@code sse} for a stream (Gemini streams Server-Sent Events only
         * with {@code alt=sse}).
         */
        String url(Call call, String method, boolean sse);
    }

    private final Urls urls;
    private final Authenticator auth;
    private final Clock clock;

    public GeminiAdapter(Urls urls, Authenticator auth, Clock clock) {
        this.urls = Objects.requireNonNull(urls, "urls");
        this.auth = Objects.requireNonNull(auth, "auth");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Google AI Studio: {@code {apiBase}/{apiVersion}/models/{model}:{method}} ({@code ?alt=sse} for streams; apiBase
     * defaults to https://generativelanguage.googleapis.com, apiVersion to v1beta; an apiBase that already ends with a
     * version is used as it is), the model's API key in {@code x-goog-api-key}.
     */
    public static GeminiAdapter aiStudio(Clock clock) {
        return new GeminiAdapter(GeminiAdapter::aiStudioUrl, Authenticator.header("x-goog-api-key", ""), clock);
    }

    static String aiStudioUrl(Call call, String method, boolean sse) {
        String base = call.model().apiBase();
        if (base == null || base.isBlank()) {
            base = Provider.GEMINI.defaultApiBase().orElseThrow();
        }
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        if (!base.matches(".*/v\\d+(alpha|beta)?\\d*$")) {
            String version = call.model().apiVersion();
            base = base + "/" + (version == null || version.isBlank() ? DEFAULT_VERSION : version);
        }
        return base + "/models/" + GeminiRequest.modelId(call.model().upstreamModel()) + ":" + method
                + (sse ? "?alt=sse" : "");
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT || operation == Operation.EMBEDDINGS;
    }

    @Override
    public boolean streams(Operation operation) {
        return operation == Operation.CHAT;
    }

    @Override
    public UpstreamRequest request(Call call, boolean stream) {
        var policy = TranslationOptions.forModel(call.model()).unsupportedParams();
        String model = call.model().upstreamModel();
        Translated t;
        String method;
        if (call.operation() == Operation.EMBEDDINGS) {
            t = GeminiRequest.embeddings(call.body(), model, policy);
            method = GeminiRequest.singleEmbedding(call.body()) ? "embedContent" : "batchEmbedContents";
            stream = false;
        } else {
            t = GeminiRequest.chat(call.body(), model, policy);
            method = stream ? "streamGenerateContent" : "generateContent";
        }
        call.dropped().addAll(t.dropped());
        return UpstreamRequest.post(urls.url(call, method, stream), Buffer.buffer(Json.writeBytes(t.body())));
    }

    @Override
    public ObjectNode response(Call call, JsonNode body) {
        if (call.operation() == Operation.EMBEDDINGS) {
            return GeminiResponse.embeddings(body, call.model().upstreamModel(),
                    "base64".equals(call.body().path("encoding_format").asText()));
        }
        return GeminiResponse.chat(body, call.model().upstreamModel(), clock.instant().getEpochSecond());
    }

    @Override
    public StreamDecoder decoder(Call call) {
        GeminiStream stream = new GeminiStream(call.model().upstreamModel(), clock.instant().getEpochSecond());
        return new SseDecoder() {
            @Override
            protected void onEvent(String event, JsonNode data, Consumer<ObjectNode> out) {
                if (data.has("error")) { // an error Gemini reports inside the stream
                    throw GeminiErrors.from(0, data, null, call.model().id());
                }
                stream.onEvent(data).forEach(out);
            }

            @Override
            public TokenUsage usageSoFar() {
                return stream.usageSoFar();
            }

            @Override
            protected boolean complete() {
                return stream.complete();
            }

            @Override
            protected void finish(Consumer<ObjectNode> out) {
                stream.finish().forEach(out);
            }
        };
    }

    @Override
    public UpstreamException error(Call call, int status, JsonNode body, MultiMap headers) {
        return GeminiErrors.from(status, body, headers.get("retry-after"), call.model().id());
    }

    @Override
    public Authenticator authenticator() {
        return auth;
    }
}
