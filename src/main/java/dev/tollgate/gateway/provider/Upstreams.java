package dev.tollgate.gateway.provider;

import dev.tollgate.gateway.provider.anthropic.AnthropicUpstream;
import dev.tollgate.gateway.provider.mock.MockUpstream;
import dev.tollgate.gateway.provider.openai.OpenAiUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;

/** The adapter for each provider name of the rendered config, sharing one pooled keep-alive HTTP client. */
@ApplicationScoped
public class Upstreams {
    private final HttpClient client;
    private final Map<String, Upstream> byProvider;

    public Upstreams(Vertx vertx) {
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setKeepAlive(true).setKeepAliveTimeout(60).setTcpNoDelay(true).setConnectTimeout(10_000)
                .setDecompressionSupported(true).setVerifyHost(true),
                new PoolOptions().setHttp1MaxSize(256));
        Upstream openAi = new OpenAiUpstream(client, false);
        this.byProvider = Map.of(
                "openai", openAi,
                "openai-compatible", openAi,
                "ollama", openAi,
                "huggingface", openAi,
                "azure", new OpenAiUpstream(client, true),
                "anthropic", new AnthropicUpstream(client),
                "mock", new MockUpstream(vertx));
    }

    /** Empty for providers this gateway version does not speak yet (gemini, bedrock, cohere …). */
    public Optional<Upstream> forProvider(String provider) {
        return Optional.ofNullable(byProvider.get(provider));
    }

    @PreDestroy
    void close() {
        client.close();
    }
}
