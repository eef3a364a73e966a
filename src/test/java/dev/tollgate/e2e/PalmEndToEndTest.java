package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.cost.TokenCounter;
import dev.tollgate.gateway.fakes.FakePalm;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PaLM's seed model names through the gateway (standalone) to {@link FakePalm}: the API reports no usage, so the
 * gateway counts the tokens with its tokenizer and prices them (plain answers: the cost header; emulated streams:
 * the token counters), and a streamed request is the whole answer replayed as one stream.
 */
@QuarkusTest
@TestProfile(PalmEndToEndTest.Upstream.class)
class PalmEndToEndTest {
    static final String KEY = "sk-tg-palm-e2e-key-0123456789abcdefgh";
    static final String PALM_KEY = "AIza-palm-upstream-secret";
    static FakePalm palm;

    public static class Upstream implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            palm = FakePalm.start(PALM_KEY);
            Path folder = StandaloneFolder.create("tollgate-palm", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: p}
                    spec: {}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                    stringData: {palm: %s, key: %s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: k}
                    spec: {existingSecret: {name: creds, key: key}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: bison}
                    spec: {modelName: google/bison-001, provider: palm, model: text-bison-001, apiBase: "%s",
                           credentialsSecretRef: {name: creds, key: palm},
                           pricing: {inputPerMillion: "1.00", outputPerMillion: "2.00"}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: chat-bison}
                    spec: {modelName: google/palm-2-chat-bison-001, provider: palm, model: chat-bison-001,
                           apiBase: "%s", credentialsSecretRef: {name: creds, key: palm},
                           pricing: {inputPerMillion: "1.00", outputPerMillion: "2.00"}}
                    """.formatted(PALM_KEY, KEY, palm.baseUrl(), palm.baseUrl()));
            return StandaloneFolder.serve(folder);
        }
    }

    @TestHTTPResource("/v1")
    URL base;

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void reset() {
        palm.reset();
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
    void aPlainAnswerWithoutUsageIsCountedWithTheTokenizerAndPriced() throws Exception {
        String answer = "Once upon a time there was a magic backpack.";
        palm.enqueue(Reply.text(answer));
        String body = "{\"model\":\"google/bison-001\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Write a story about a magic backpack.\"}]}";
        HttpResponse<String> r = post("/chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode json = Json.parse(r.body());
        assertThat(json.path("choices").get(0).path("message").path("content").asText()).isEqualTo(answer);
        assertThat(palm.lastRequest().path()).isEqualTo("/v1beta2/models/text-bison-001:generateText");
        assertThat(palm.lastRequest().header("x-goog-api-key")).isEqualTo(PALM_KEY);

        TokenCounter counter = TokenCounter.forModel("text-bison-001");
        long prompt = counter.countPrompt(Json.parse(body));
        long completion = counter.countText(answer);
        assertThat(prompt).isPositive();
        assertThat(completion).isPositive();
        // 1 USD per million input tokens and 2 per million output tokens: the cost in micro-USD is the counts
        assertThat(micros(r)).isEqualTo(prompt + 2 * completion);
    }

    @Test
    void legacyCompletionsAreCountedToo() throws Exception {
        palm.enqueue(Reply.text(" lived a fox."));
        HttpResponse<String> r = post("/completions",
                "{\"model\":\"google/bison-001\",\"prompt\":\"Once upon a time\",\"max_tokens\":16}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("choices").get(0).path("text").asText()).isEqualTo(" lived a fox.");
        TokenCounter counter = TokenCounter.forModel("text-bison-001");
        assertThat(micros(r)).isEqualTo(counter.countText("Once upon a time") + 2 * counter.countText(" lived a fox."));
    }

    @Test
    void anAnthropicClientsAnswerIsCountedToo() throws Exception {
        String answer = "Bonjour.";
        palm.enqueue(Reply.text(answer));
        String body = "{\"model\":\"google/bison-001\",\"max_tokens\":64,\"system\":\"Translate to French.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Good morning.\"}]}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/messages"))
                .header("x-api-key", KEY).header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("content").get(0).path("text").asText()).isEqualTo(answer);
        assertThat(palm.lastRequest().json().path("prompt").path("text").asText())
                .isEqualTo("Translate to French.\n\nGood morning.");
        TokenCounter counter = TokenCounter.forModel("text-bison-001");
        assertThat(micros(r)).isEqualTo(counter.countPrompt(Json.parse(body)) + 2 * counter.countText(answer));
    }

    @Test
    void anEmulatedStreamIsOneChunkAndItsTokensAreCounted() throws Exception {
        String answer = "Hi there! How can I help you today?";
        palm.enqueue(Reply.text(answer));
        String body = "{\"model\":\"google/palm-2-chat-bison-001\",\"stream\":true,\"stream_options\":"
                + "{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> r = post("/chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(palm.lastRequest().path()).isEqualTo("/v1beta2/models/chat-bison-001:generateMessage");
        assertThat(r.body()).contains("\"content\":\"" + answer + "\"").contains("\"finish_reason\":\"stop\"")
                .endsWith("data: [DONE]\n\n");
        TokenCounter counter = TokenCounter.forModel("chat-bison-001");
        String scrape = dev.tollgate.deploy.MonitoringFiles.scrape(metrics);
        assertThat(counter("output", scrape)).isEqualTo(counter.countText(answer));
        assertThat(counter("input", scrape)).isEqualTo(counter.countPrompt(Json.parse(body)));
    }

    @Test
    void aBlockIsContentFilterAndABadCredentialIsA502() throws Exception {
        palm.enqueue(Reply.text("x").finishReason("content_filter"));
        HttpResponse<String> blocked = post("/chat/completions",
                "{\"model\":\"google/bison-001\",\"messages\":[{\"role\":\"user\",\"content\":\"bad\"}]}");
        assertThat(blocked.statusCode()).isEqualTo(200);
        assertThat(Json.parse(blocked.body()).path("choices").get(0).path("finish_reason").asText())
                .isEqualTo("content_filter");

        palm.enqueue(Reply.error(401, "unauthenticated", "bad key"));
        HttpResponse<String> refused = post("/chat/completions",
                "{\"model\":\"google/bison-001\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(refused.statusCode()).isEqualTo(502);
        assertThat(refused.body()).doesNotContain(PALM_KEY);
    }

    /** tollgate_tokens_total for the chat model (its only request is the stream test's). */
    static long counter(String direction, String scrape) {
        Matcher m = Pattern.compile("tollgate_tokens_total\\{direction=\"" + direction
                + "\",model=\"google/palm-2-chat-bison-001\",provider=\"palm\"} ([0-9.eE+]+)").matcher(scrape);
        assertThat(m.find()).as("no %s token counter for the chat model in:%n%s", direction, scrape).isTrue();
        return new BigDecimal(m.group(1)).longValue();
    }
}
