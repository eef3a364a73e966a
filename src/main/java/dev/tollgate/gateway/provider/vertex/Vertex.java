package dev.tollgate.gateway.provider.vertex;

import dev.tollgate.gateway.provider.HubUpstream;
import dev.tollgate.gateway.provider.Served;
import dev.tollgate.gateway.provider.Upstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Clock;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Vertex AI serves three wire families under one provider name, chosen by the LlmModel's {@code model} (the id at
 * Vertex):
 * <ul>
 *   <li>{@code claude-…} (or {@code anthropic/claude-…}): Anthropic's Claude, Messages bodies on {@code :rawPredict} /
 *       {@code :streamRawPredict} ({@link VertexAnthropicAdapter}; Anthropic clients relayed by
 *       {@link VertexAnthropicUpstream});</li>
 *   <li>an id with a publisher ({@code meta/llama-3.3-70b-instruct-maas}, {@code mistralai/…}) or ending in
 *       {@code -maas}: the OpenAI-compatible Chat Completions endpoint ({@link VertexOpenAiUpstream});</li>
 *   <li>anything else ({@code gemini-2.5-flash}, {@code text-embedding-005} …): Gemini's {@code generateContent}
 *       family under publisher {@code google} ({@link VertexUrls#gemini}).</li>
 * </ul>
 */
public final class Vertex {
    private Vertex() {}

    public enum Family { ANTHROPIC, OPENAI_COMPATIBLE, GEMINI }

    public static Family family(String upstreamModel) {
        String m = upstreamModel.toLowerCase(Locale.ROOT);
        if (m.startsWith("claude-") || m.startsWith("anthropic/claude-")) {
            return Family.ANTHROPIC;
        }
        if (m.contains("/") || m.endsWith("-maas")) {
            return Family.OPENAI_COMPATIBLE;
        }
        return Family.GEMINI;
    }

    /** Claude's id as Vertex's URL names it: without an {@code anthropic/} publisher prefix. */
    static String anthropicModel(String upstreamModel) {
        return upstreamModel.regionMatches(true, 0, "anthropic/", 0, 10) ? upstreamModel.substring(10) : upstreamModel;
    }

    /**
     * What serves provider {@code vertex}: a hub that hands each call to its model's family, and a relay for
     * Anthropic-dialect clients of Claude models (other models' Anthropic clients go through the hub).
     *
     * @param gemini the hub upstream of Gemini on Vertex, {@code new HubUpstream(client, new GeminiAdapter(
     *               VertexUrls::gemini, tokens, clock))}; null until there is one (Gemini models then get 501)
     */
    public static Served served(Supplier<HttpClient> client, GoogleAccessTokens tokens, Clock clock, Upstream gemini) {
        return new Served(new VertexUpstream(new HubUpstream(client, new VertexAnthropicAdapter(tokens, clock)),
                new VertexOpenAiUpstream(client, tokens), gemini), new VertexAnthropicUpstream(client, tokens));
    }

    /** As {@link #served(Supplier, GoogleAccessTokens, Clock, Upstream)} with a token cache of its own. */
    public static Served served(Vertx vertx, Supplier<HttpClient> client, Clock clock, Upstream gemini) {
        return served(client, new GoogleAccessTokens(vertx, clock), clock, gemini);
    }
}
