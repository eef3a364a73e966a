package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.cost.TokenCounter;
import dev.tollgate.gateway.fakes.FakeReplicate;
import dev.tollgate.gateway.fakes.RecordedRequest;
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
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Replicate's seed model names through the gateway (standalone) to {@link FakeReplicate}: a multi-turn Llama 2 chat
 * in Meta's format, a model without token counts counted by the gateway's tokenizer, and Stable Diffusion behind
 * {@code /v1/images/generations}, priced per image.
 */
@QuarkusTest
@TestProfile(ReplicateEndToEndTest.Upstream.class)
class ReplicateEndToEndTest {
    static final String KEY = "sk-tg-replicate-e2e-key-0123456789abc";
    static final String TOKEN = "r8_replicate-upstream-secret";
    static final String SD_VERSION = "db21e45d3f7023abc2a46ee38a23973f6dce16bb082a930b0c49861f96d1e5bf";
    static FakeReplicate replicate;

    public static class Upstream implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            replicate = FakeReplicate.start(TOKEN);
            Path folder = StandaloneFolder.create("tollgate-replicate", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: r}
                    spec: {}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                    stringData: {replicate: %1$s, key: %2$s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: k}
                    spec: {existingSecret: {name: creds, key: key}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: llama-2-70b-chat}
                    spec: {modelName: meta/llama-2-70b-chat, provider: replicate, model: meta/llama-2-70b-chat,
                           apiBase: "%3$s", credentialsSecretRef: {name: creds, key: replicate},
                           pricing: {inputPerMillion: "1.00", outputPerMillion: "2.00"}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: mpt-7b-instruct}
                    spec: {modelName: mosaicml/mpt-7b-instruct, provider: replicate, model: replicate/mpt-7b-instruct,
                           apiBase: "%3$s", credentialsSecretRef: {name: creds, key: replicate},
                           pricing: {inputPerMillion: "1.00", outputPerMillion: "2.00"}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: stable-diffusion}
                    spec: {modelName: replicate/stability-ai/stable-diffusion, provider: replicate,
                           model: "stability-ai/stable-diffusion:%4$s",
                           apiBase: "%3$s", credentialsSecretRef: {name: creds, key: replicate},
                           pricing: {perImage: "0.0023"}}
                    """.formatted(TOKEN, KEY, replicate.baseUrl(), SD_VERSION));
            replicate.version(SD_VERSION, "stability-ai/stable-diffusion");
            return StandaloneFolder.serve(folder);
        }
    }

    @TestHTTPResource("/v1")
    URL base;

    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void reset() {
        replicate.reset();
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("authorization", "Bearer " + KEY)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static long micros(HttpResponse<String> r) {
        return new BigDecimal(r.headers().firstValue("x-tollgate-cost").orElseThrow()).movePointRight(6).longValueExact();
    }

    @Test
    void aLlama2ConversationIsFormattedAndPricedFromTheTokenCounts() throws Exception {
        replicate.enqueue(Reply.text("I am fine, thanks.").usage(40, 6));
        HttpResponse<String> r = post("/chat/completions", "{\"model\":\"meta/llama-2-70b-chat\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Be kind.\"},{\"role\":\"user\",\"content\":\"Hello\"},"
                + "{\"role\":\"assistant\",\"content\":\"Hi!\"},{\"role\":\"user\",\"content\":\"How are you?\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("choices").get(0).path("message").path("content").asText())
                .isEqualTo("I am fine, thanks.");
        RecordedRequest create = replicate.lastRequest();
        assertThat(create.path()).isEqualTo("/v1/models/meta/llama-2-70b-chat/predictions");
        assertThat(create.header("authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(create.json().path("input").path("prompt").asText()).isEqualTo(
                "[INST] <<SYS>>\nBe kind.\n<</SYS>>\n\nHello [/INST] Hi! </s><s>[INST] How are you? [/INST]");
        assertThat(micros(r)).isEqualTo(40 + 2 * 6);
    }

    @Test
    void aModelWithoutTokenCountsIsCountedByTheGateway() throws Exception {
        String answer = "Paris is the capital of France.";
        replicate.enqueue(Reply.text(answer));
        HttpResponse<String> r = post("/completions",
                "{\"model\":\"mosaicml/mpt-7b-instruct\",\"prompt\":\"What is the capital of France?\",\"max_tokens\":32}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("choices").get(0).path("text").asText()).isEqualTo(answer);
        assertThat(replicate.lastRequest().path()).isEqualTo("/v1/models/replicate/mpt-7b-instruct/predictions");
        TokenCounter counter = TokenCounter.forModel("replicate/mpt-7b-instruct");
        assertThat(micros(r)).isEqualTo(counter.countText("What is the capital of France?") + 2 * counter.countText(answer));
    }

    @Test
    void stableDiffusionServesImageGenerationsPricedPerImage() throws Exception {
        replicate.enqueue(Reply.text("ignored"));
        HttpResponse<String> r = post("/images/generations", "{\"model\":\"replicate/stability-ai/stable-diffusion\","
                + "\"prompt\":\"a wombat gentleman\",\"n\":2,\"size\":\"512x512\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode data = Json.parse(r.body()).path("data");
        assertThat(data).hasSize(2);
        assertThat(data.get(0).path("url").asText()).startsWith(replicate.origin() + "/fake-blob/");
        RecordedRequest create = replicate.requests().get(0);
        assertThat(create.path()).isEqualTo("/v1/predictions");
        assertThat(create.json().path("version").asText()).isEqualTo(SD_VERSION);
        assertThat(create.json().path("input").path("num_outputs").asInt()).isEqualTo(2);
        assertThat(micros(r)).isEqualTo(2 * 2300);

        replicate.enqueue(Reply.text("ignored"));
        HttpResponse<String> b64 = post("/images/generations", "{\"model\":\"replicate/stability-ai/stable-diffusion\","
                + "\"prompt\":\"a cat\",\"response_format\":\"b64_json\"}");
        assertThat(b64.statusCode()).as(b64.body()).isEqualTo(200);
        byte[] png = Base64.getDecoder().decode(Json.parse(b64.body()).path("data").get(0).path("b64_json").asText());
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    }
}
