package dev.tollgate.gateway.provider;

import dev.tollgate.config.Provider;
import dev.tollgate.gateway.provider.anthropic.AnthropicAdapter;
import dev.tollgate.gateway.provider.anthropic.AnthropicUpstream;
import dev.tollgate.gateway.provider.ai21.Ai21Adapter;
import dev.tollgate.gateway.provider.cohere.CohereAdapter;
import dev.tollgate.gateway.provider.google.GeminiAdapter;
import dev.tollgate.gateway.provider.huggingface.HuggingFaceUpstream;
import dev.tollgate.gateway.provider.ollama.OllamaAdapter;
import dev.tollgate.gateway.provider.palm.PalmAdapter;
import dev.tollgate.gateway.provider.replicate.ReplicateUpstream;
import dev.tollgate.gateway.provider.vertex.GoogleAccessTokens;
import dev.tollgate.gateway.provider.vertex.Vertex;
import dev.tollgate.gateway.provider.vertex.VertexUrls;
import dev.tollgate.gateway.provider.mock.MockUpstream;
import dev.tollgate.gateway.provider.openai.OpenAiUpstream;
import dev.tollgate.gateway.provider.openai.PresetAdapter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * The adapter for each provider name of the rendered config, sharing pooled keep-alive HTTP clients: one per
 * event loop. A request's upstream call then runs on the event loop that serves the client's connection, from
 * connections opened there: no hand-over between event-loop threads (a queued task and a wake-up) on every
 * request and every response, which the benchmark measured at about a fifth of the gateway's throughput.
 */
@ApplicationScoped
public class Upstreams {
    /** Upstream connections per event loop (HTTP/1.1 carries one request at a time per connection). */
    static final int MAX_CONNECTIONS_PER_EVENT_LOOP = 4096;

    private final Vertx vertx;
    /** For calls made off the event loops (tests, blocking code); never the request path. */
    private final HttpClient shared;
    private final ThreadLocal<HttpClient> perEventLoop = new ThreadLocal<>();
    private final Queue<HttpClient> all = new ConcurrentLinkedQueue<>();
    private final Map<String, Served> byProvider = new java.util.HashMap<>();

    public Upstreams(Vertx vertx) {
        this.vertx = vertx;
        this.shared = newClient();
        Supplier<HttpClient> client = this::client;
        java.time.Clock clock = java.time.Clock.systemUTC();
        GoogleAccessTokens googleTokens = new GoogleAccessTokens(vertx, clock);
        Served openAi = Served.hub(new OpenAiUpstream(client, false));
        for (Provider p : Provider.values()) {
            Served served = switch (p) { // one arm per provider of the registry: a new one does not compile without
                case OPENAI, OPENAI_COMPATIBLE -> openAi;
                case HUGGINGFACE -> Served.hub(new HuggingFaceUpstream(client, clock));
                case OLLAMA -> Served.hub(new HubUpstream(client, new OllamaAdapter(clock)));
                case AZURE -> Served.hub(new OpenAiUpstream(client, true));
                case ANTHROPIC -> new Served(new HubUpstream(client, new AnthropicAdapter(java.time.Clock.systemUTC())),
                        new AnthropicUpstream(client));
                case MOCK -> Served.hub(new MockUpstream(vertx));
                case COHERE -> Served.hub(new HubUpstream(client, new CohereAdapter(clock)));
                case GEMINI -> Served.hub(new HubUpstream(client, GeminiAdapter.aiStudio(clock)));
                case VERTEX -> Vertex.served(client, googleTokens, clock,
                        new HubUpstream(client, new GeminiAdapter(VertexUrls::gemini, googleTokens, clock)));
                case PALM -> Served.hub(new HubUpstream(client, new PalmAdapter(clock)));
                case AI21 -> Served.hub(new HubUpstream(client, new Ai21Adapter(clock)));
                case BEDROCK -> dev.tollgate.gateway.provider.bedrock.BedrockUpstream.converse(vertx, client, clock)
                        .served();
                case REPLICATE -> Served.hub(new ReplicateUpstream(vertx, client, clock));
                case MISTRAL, GROQ, TOGETHER_AI, DEEPSEEK, FIREWORKS_AI, OPENROUTER, XAI, PERPLEXITY, VLLM ->
                        Served.hub(new HubUpstream(client, PresetAdapter.configured(p)));
            };
            if (served != null) {
                byProvider.put(p.wireName(), served);
            }
        }
    }

    /** Empty for providers this gateway version does not speak (the renderer refuses their models). */
    public Optional<Served> forProvider(String provider) {
        return Optional.ofNullable(byProvider.get(provider));
    }

    private HttpClient newClient() {
        HttpClient c = vertx.createHttpClient(new HttpClientOptions()
                .setKeepAlive(true).setKeepAliveTimeout(60).setTcpNoDelay(true).setConnectTimeout(10_000)
                .setDecompressionSupported(true).setVerifyHost(true),
                // Streams hold their upstream connection for their whole length (seconds to minutes), so the pool
                // must allow as many connections as the gateway has streams in flight: with 256 per pool, the
                // benchmark's 1,000 concurrent streams queued for a connection for seconds before their first token.
                new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS_PER_EVENT_LOOP));
        all.add(c);
        return c;
    }

    /** The calling event loop's own client (created on its first call there), or the shared one off the loops. */
    HttpClient client() {
        if (!Context.isOnEventLoopThread()) {
            return shared;
        }
        HttpClient c = perEventLoop.get();
        if (c == null) {
            c = newClient();
            perEventLoop.set(c);
        }
        return c;
    }

    @PreDestroy
    void close() {
        all.forEach(HttpClient::close);
    }
}
