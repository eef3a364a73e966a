package dev.tollgate.gateway.provider.vertex;

import static dev.tollgate.gateway.provider.vertex.VertexTesting.chat;
import static dev.tollgate.gateway.provider.vertex.VertexTesting.hello;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Vertex's URLs, the family a model id chooses, and Google's error bodies: pure functions. */
class VertexUrlsTest {
    private static GatewayConfig.Model model(String upstream, String location, String apiBase) {
        return new GatewayConfig.Model("team/m", "m", "vertex", upstream, apiBase, null, location, "my-project-123",
                null, null, null, null, 1, 1000, null, null, "reject", null);
    }

    private static Call call(String upstream, String location) {
        return chat(model(upstream, location, null), null, hello(upstream));
    }

    @Nested
    class Urls {
        @Test
        void theHostFollowsTheLocationAndGlobalHasNoRegionPrefix() {
            assertThat(VertexUrls.base(model("gemini-2.5-flash", "europe-west4", null)))
                    .isEqualTo("https://europe-west4-aiplatform.googleapis.com");
            assertThat(VertexUrls.base(model("gemini-2.5-flash", "global", null))).isEqualTo("https://aiplatform.googleapis.com");
            assertThat(VertexUrls.location(model("gemini-2.5-flash", "global", null)))
                    .isEqualTo("https://aiplatform.googleapis.com/v1/projects/my-project-123/locations/global");
            assertThat(VertexUrls.base(model("gemini-2.5-flash", "us-central1", "http://127.0.0.1:9999/")))
                    .isEqualTo("http://127.0.0.1:9999");
        }

        @Test
        void claudeUsesRawPredictAndStreamRawPredictUnderPublisherAnthropic() {
            GatewayConfig.Model m = model("claude-sonnet-4@20250514", "us-east5", null);
            assertThat(VertexUrls.anthropic(m, false)).isEqualTo("https://us-east5-aiplatform.googleapis.com/v1/projects/"
                    + "my-project-123/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict");
            assertThat(VertexUrls.anthropic(m, true)).endsWith("/models/claude-sonnet-4@20250514:streamRawPredict");
            assertThat(VertexUrls.anthropic(model("anthropic/claude-3-5-haiku@20241022", "global", null), false))
                    .isEqualTo("https://aiplatform.googleapis.com/v1/projects/my-project-123/locations/global/publishers/"
                            + "anthropic/models/claude-3-5-haiku@20241022:rawPredict");
        }

        @Test
        void theOpenAiCompatibleEndpointIsPerLocation() {
            assertThat(VertexUrls.openAiCompatible(model("meta/llama-3.3-70b-instruct-maas", "us-central1", null)))
                    .isEqualTo("https://us-central1-aiplatform.googleapis.com/v1/projects/my-project-123/locations/"
                            + "us-central1/endpoints/openapi/chat/completions");
        }

        @Test
        void geminiMethodsInGeminiAdaptersUrlsShape() {
            Call c = call("gemini-2.5-flash", "us-central1");
            String prefix = "https://us-central1-aiplatform.googleapis.com/v1/projects/my-project-123/locations/"
                    + "us-central1/publishers/google/models/gemini-2.5-flash";
            assertThat(VertexUrls.gemini(c, "generateContent", false)).isEqualTo(prefix + ":generateContent");
            assertThat(VertexUrls.gemini(c, "streamGenerateContent", true)).isEqualTo(prefix + ":streamGenerateContent?alt=sse");
            assertThat(VertexUrls.gemini(c, "embedContent", false)).isEqualTo(prefix + ":embedContent");
            assertThat(VertexUrls.gemini(call("models/gemini-2.5-pro", "global"), "generateContent", false))
                    .isEqualTo("https://aiplatform.googleapis.com/v1/projects/my-project-123/locations/global/publishers/"
                            + "google/models/gemini-2.5-pro:generateContent");
            assertThatThrownBy(() -> VertexUrls.gemini(c, "batchEmbedContents", false))
                    .isInstanceOf(TranslationException.class)
                    .satisfies(e -> assertThat(((TranslationException) e).httpStatus()).isEqualTo(400));
        }

        /** GeminiAdapter.Urls' shape, as the Gemini adapter declares it: VertexUrls::gemini must fit it. */
        interface GeminiUrls {
            String url(Call call, String method, boolean sse);
        }

        @Test
        void geminiFitsTheGeminiAdaptersUrlsInterface() {
            GeminiUrls urls = VertexUrls::gemini;
            assertThat(urls.url(call("gemini-2.5-flash", "global"), "streamGenerateContent", true))
                    .endsWith("/locations/global/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
        }

        @Test
        void aValueCannotChangeThePath() {
            assertThat(VertexUrls.segment("claude-3-5-sonnet-v2@20241022")).isEqualTo("claude-3-5-sonnet-v2@20241022");
            assertThat(VertexUrls.segment("../../x?y#z")).isEqualTo("..%2F..%2Fx%3Fy%23z");
            assertThat(VertexUrls.segment("example.com:proj")).isEqualTo("example.com%3Aproj");
            assertThat(VertexUrls.location(model("gemini-2.5-flash", "us-central1/../../evil", null)))
                    .contains("/locations/us-central1%2F..%2F..%2Fevil");
        }
    }

    @Nested
    class Families {
        @Test
        void theModelIdChoosesTheFamily() {
            assertThat(Vertex.family("claude-sonnet-4@20250514")).isEqualTo(Vertex.Family.ANTHROPIC);
            assertThat(Vertex.family("anthropic/claude-opus-4-1@20250805")).isEqualTo(Vertex.Family.ANTHROPIC);
            assertThat(Vertex.family("meta/llama-3.3-70b-instruct-maas")).isEqualTo(Vertex.Family.OPENAI_COMPATIBLE);
            assertThat(Vertex.family("deepseek-r1-0528-maas")).isEqualTo(Vertex.Family.OPENAI_COMPATIBLE);
            assertThat(Vertex.family("mistralai/mistral-small-2503")).isEqualTo(Vertex.Family.OPENAI_COMPATIBLE);
            assertThat(Vertex.family("gemini-2.5-flash")).isEqualTo(Vertex.Family.GEMINI);
            assertThat(Vertex.family("text-embedding-005")).isEqualTo(Vertex.Family.GEMINI);
            assertThat(Vertex.family("gemini-pro")).isEqualTo(Vertex.Family.GEMINI);
        }
    }

    @Nested
    class Errors {
        private JsonNode json(String s) {
            return Json.parse(s.getBytes(StandardCharsets.UTF_8));
        }

        @Test
        void googlesRetryInfoIsTheRetryHintRoundedUpToSeconds() {
            String body = "{\"error\":{\"code\":429,\"message\":\"Quota exceeded\",\"status\":\"RESOURCE_EXHAUSTED\","
                    + "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"%s\"}]}}";
            assertThat(VertexErrors.retryAfter(null, json(body.formatted("7s")))).isEqualTo("7");
            assertThat(VertexErrors.retryAfter(null, json(body.formatted("0.2s")))).isEqualTo("1");
            assertThat(VertexErrors.retryAfter(null, json(body.formatted("12.000s")))).isEqualTo("12");
            assertThat(VertexErrors.retryAfter(null, json(body.formatted("soon")))).isNull();
            assertThat(VertexErrors.retryAfter("3", json(body.formatted("7s")))).isEqualTo("3"); // a header wins
            UpstreamException e = VertexErrors.from(429, json("[" + body.formatted("7s") + "]"), MultiMap.caseInsensitiveMultiMap(),
                    "team/m");
            assertThat(e.error().httpStatus()).isEqualTo(429);
            assertThat(e.retryAfter()).isEqualTo("7");
            assertThat(e.error().message()).contains("Quota exceeded").contains("RESOURCE_EXHAUSTED");
        }

        @Test
        void eachFamilysOwnErrorShapeIsRead() {
            assertThat(VertexErrors.parse(400, json("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                    + "\"message\":\"max_tokens: Field required\"}}")).message()).isEqualTo("max_tokens: Field required");
            assertThat(VertexErrors.parse(400, json("{\"error\":{\"message\":\"bad temperature\",\"type\":"
                    + "\"invalid_request_error\",\"param\":\"temperature\"}}")).param()).isEqualTo("temperature");
            assertThat(VertexErrors.parse(500, null).httpStatus()).isEqualTo(500);
            assertThat(VertexErrors.from(401, json("{\"error\":{\"code\":401,\"message\":\"Request had invalid "
                    + "authentication credentials.\",\"status\":\"UNAUTHENTICATED\"}}"), null, "team/m").error().httpStatus())
                    .isEqualTo(502);
        }

        @Test
        void aPromptOverTheWindowIsContextLengthExceededInEachWording() {
            for (String body : new String[] {
                    "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: "
                            + "213345 tokens > 200000 maximum\"}}",
                    "{\"error\":{\"code\":400,\"message\":\"This model's maximum context length is 131072 tokens.\","
                            + "\"status\":\"INVALID_ARGUMENT\"}}",
                    "{\"error\":{\"code\":400,\"message\":\"The input token count (1200000) exceeds the maximum number "
                            + "of tokens allowed (1048576).\",\"status\":\"INVALID_ARGUMENT\"}}"}) {
                UpstreamException e = VertexErrors.from(400, json(body), null, "team/m");
                assertThat(e.error().httpStatus()).as(body).isEqualTo(400);
                assertThat(e.error().code()).as(body).isEqualTo("context_length_exceeded");
                assertThat(e.error().param()).isEqualTo("messages");
            }
            assertThat(VertexErrors.from(400, json("{\"error\":{\"code\":400,\"message\":\"temperature out of range\","
                    + "\"status\":\"INVALID_ARGUMENT\"}}"), null, "team/m").error().code()).isNull();
        }
    }
}
