package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeOllama;
import dev.tollgate.gateway.fakes.FakeTgi;
import dev.tollgate.gateway.fakes.Reply;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Seed names of the Hugging Face family and an Ollama model through the gateway (standalone) to {@link FakeTgi} and
 * {@link FakeOllama}: {@code bigcode/starcoder} completions through TGI's {@code /generate} and
 * {@code /generate_stream} (usage from TGI's details, priced), a {@code huggingface/...} chat through the Messages
 * API, and Ollama's chat and embeddings through its native API from a base written for its old {@code /v1} path.
 */
@QuarkusTest
@TestProfile(HuggingFaceOllamaEndToEndTest.Upstreams.class)
class HuggingFaceOllamaEndToEndTest {
    static final String KEY = "sk-tg-hf-ollama-e2e-key-0123456789abc";
    static FakeTgi tgi;
    static FakeOllama ollama;

    public static class Upstreams implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            tgi = FakeTgi.start(null);
            ollama = FakeOllama.start(null);
            Path folder = StandaloneFolder.create("tollgate-hf-ollama", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: h}
                    spec: {}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                    stringData: {key: %s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: k}
                    spec: {existingSecret: {name: creds, key: key}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: starcoder}
                    spec: {modelName: bigcode/starcoder, provider: huggingface, model: bigcode/starcoder,
                           apiBase: "%s", pricing: {inputPerMillion: "1.00", outputPerMillion: "2.00"}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: falcon}
                    spec: {modelName: huggingface/tiiuae/falcon-7b-instruct, provider: huggingface,
                           model: tiiuae/falcon-7b-instruct, apiBase: "%s"}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: llama}
                    spec: {modelName: ollama/llama3.2, provider: ollama, model: llama3.2, apiBase: "%s/v1"}
                    """.formatted(KEY, tgi.baseUrl(), tgi.baseUrl(), ollama.baseUrl()));
            return StandaloneFolder.serve(folder);
        }
    }

    @TestHTTPResource("/v1")
    URL base;

    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void reset() {
        tgi.reset();
        ollama.reset();
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("authorization", "Bearer " + KEY)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void starcoderCompletesThroughGenerateWithTgisUsagePriced() throws Exception {
        tgi.enqueue(Reply.text("    return a + b").usage(12, 9));
        HttpResponse<String> r = post("/completions",
                "{\"model\":\"bigcode/starcoder\",\"prompt\":\"def add(a, b):\",\"max_tokens\":16,\"temperature\":0}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode json = Json.parse(r.body());
        assertThat(json.path("choices").get(0).path("text").asText()).isEqualTo("    return a + b");
        assertThat(json.path("usage").path("prompt_tokens").asInt()).isEqualTo(12);
        assertThat(tgi.lastRequest().path()).isEqualTo("/generate");
        assertThat(tgi.lastRequest().json().path("parameters").path("do_sample").asBoolean(true)).isFalse();
        // 12 input tokens at 1 USD and 9 output tokens at 2 USD per million
        assertThat(new BigDecimal(r.headers().firstValue("x-tollgate-cost").orElseThrow()).movePointRight(6)
                .longValueExact()).isEqualTo(12 + 18);
    }

    @Test
    void starcoderStreamsThroughGenerateStream() throws Exception {
        tgi.enqueue(Reply.text("one two three").usage(5, 3));
        HttpResponse<String> r = post("/completions", "{\"model\":\"bigcode/starcoder\",\"prompt\":\"count:\","
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(tgi.lastRequest().path()).isEqualTo("/generate_stream");
        StringBuilder text = new StringBuilder();
        JsonNode usage = null;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("data: ") && !line.contains("[DONE]")) {
                JsonNode c = Json.parse(line.substring(6));
                if (c.path("choices").size() > 0) {
                    text.append(c.path("choices").get(0).path("text").asText());
                }
                if (c.path("usage").isObject()) {
                    usage = c.path("usage");
                }
            }
        }
        assertThat(text.toString()).isEqualTo("one two three");
        assertThat(r.body()).contains("data: [DONE]");
        assertThat(usage).isNotNull();
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void aHuggingFaceSeedNameChatsThroughTheMessagesApi() throws Exception {
        tgi.enqueue(Reply.text("Hello there.").usage(8, 3));
        HttpResponse<String> r = post("/chat/completions", "{\"model\":\"huggingface/tiiuae/falcon-7b-instruct\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("choices").get(0).path("message").path("content").asText())
                .isEqualTo("Hello there.");
        assertThat(tgi.lastRequest().path()).isEqualTo("/v1/chat/completions");
        assertThat(tgi.lastRequest().json().path("model").asText()).isEqualTo("tiiuae/falcon-7b-instruct");
    }

    @Test
    void ollamaChatsAndEmbedsNativelyFromAV1Base() throws Exception {
        ollama.enqueue(Reply.text("Hi!").usage(4, 2));
        HttpResponse<String> r = post("/chat/completions", "{\"model\":\"ollama/llama3.2\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}],\"top_k\":20}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("usage").path("total_tokens").asInt()).isEqualTo(6);
        assertThat(ollama.lastRequest().path()).isEqualTo("/api/chat");
        assertThat(ollama.lastRequest().json().path("options").path("top_k").asInt()).isEqualTo(20);

        ollama.enqueue(Reply.text("").usage(3, 0));
        HttpResponse<String> e = post("/embeddings", "{\"model\":\"ollama/llama3.2\",\"input\":\"hello\"}");
        assertThat(e.statusCode()).as(e.body()).isEqualTo(200);
        assertThat(Json.parse(e.body()).path("data").get(0).path("embedding").isArray()).isTrue();
        assertThat(ollama.lastRequest().path()).isEqualTo("/api/embed");
    }
}
