package dev.tollgate.gateway.provider.vertex;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.TranslationException;

/**
 * Vertex AI's URLs. The host follows the location: {@code https://{location}-aiplatform.googleapis.com}, or
 * {@code https://aiplatform.googleapis.com} for the {@code global} location
 * (https://cloud.google.com/vertex-ai/generative-ai/docs/learn/locations#global-endpoint); the LlmModel's
 * {@code apiBase} replaces the host (a private endpoint, a proxy, a test's fake). Every path names the project and
 * the location: {@code /v1/projects/{project}/locations/{location}/…} (the model's {@code project} and {@code region}).
 */
public final class VertexUrls {
    public static final String GLOBAL = "global";

    private VertexUrls() {}

    /** The scheme and host (no trailing slash). */
    public static String base(GatewayConfig.Model m) {
        if (m.apiBase() != null && !m.apiBase().isBlank()) {
            String b = m.apiBase().trim();
            return b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        }
        String location = m.region();
        return GLOBAL.equals(location) ? "https://aiplatform.googleapis.com"
                : "https://" + location + "-aiplatform.googleapis.com";
    }

    /** {@code {base}/v1/projects/{project}/locations/{location}}. */
    public static String location(GatewayConfig.Model m) {
        return base(m) + "/v1/projects/" + segment(m.project()) + "/locations/" + segment(m.region());
    }

    /** A publisher model's method: {@code …/publishers/{publisher}/models/{model}:{method}}. */
    public static String publisherModel(GatewayConfig.Model m, String publisher, String model, String method) {
        return location(m) + "/publishers/" + publisher + "/models/" + segment(model) + ":" + method;
    }

    /**
     * Anthropic's Claude on Vertex: {@code :rawPredict}, or {@code :streamRawPredict} for a stream
     * (https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude).
     */
    public static String anthropic(GatewayConfig.Model m, boolean stream) {
        return publisherModel(m, "anthropic", Vertex.anthropicModel(m.upstreamModel()),
                stream ? "streamRawPredict" : "rawPredict");
    }

    /**
     * Vertex's OpenAI-compatible Chat Completions endpoint for open and partner models served as an API ("MaaS":
     * Llama, Mistral, DeepSeek, Qwen …; the model in the body as {@code publisher/model}):
     * {@code …/endpoints/openapi/chat/completions}
     * (https://cloud.google.com/vertex-ai/generative-ai/docs/maas/call-open-model-apis).
     */
    public static String openAiCompatible(GatewayConfig.Model m) {
        return location(m) + "/endpoints/openapi/chat/completions";
    }

    /**
     * Gemini on Vertex, in the shape of {@code GeminiAdapter.Urls} ({@code VertexUrls::gemini}): the same methods as
     * Google AI Studio under the Vertex path of publisher {@code google}
     * (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.publishers.models):
     * {@code generateContent}, {@code streamGenerateContent} ({@code ?alt=sse} when {@code sse}) and
     * {@code embedContent} (one input per request). Vertex has no {@code batchEmbedContents}: a request with several
     * inputs is refused (400, param {@code input}) rather than sent to a method that does not exist.
     */
    public static String gemini(Call call, String method, boolean sse) {
        GatewayConfig.Model m = call.model();
        String model = m.upstreamModel().startsWith("models/") ? m.upstreamModel().substring(7) : m.upstreamModel();
        return switch (method) {
            case "generateContent", "embedContent" -> publisherModel(m, "google", model, method);
            case "streamGenerateContent" -> publisherModel(m, "google", model, method) + (sse ? "?alt=sse" : "");
            case "batchEmbedContents" -> throw TranslationException.badRequest("input", "Vertex AI embeds one input "
                    + "per request for Gemini models (" + m.id() + "): send a single string as input");
            default -> throw new IllegalArgumentException("not a Gemini method on Vertex AI: " + method);
        };
    }

    /**
     * A path segment as Google writes it: letters, digits and {@code -._~@} stay (Claude's versioned ids,
     * {@code claude-sonnet-4@20250514}, keep their {@code @}); anything else is percent-encoded, so a value cannot
     * change the path.
     */
    static String segment(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~@".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
