package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.azure.AzureOpenAIServiceVersion;
import com.openai.azure.AzureUrlPathMode;
import com.openai.azure.credential.AzureApiKeyCredential;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link FakeAzureOpenAi} on the wire (java.net.http) and through the official OpenAI Java SDK in its Azure
 * mode ({@code AzureApiKeyCredential} sends {@code api-key}; {@code azureServiceVersion} adds
 * {@code api-version}; {@code AzureUrlPathMode.LEGACY} builds {@code /openai/deployments/{model}/…} even
 * though 127.0.0.1 is no {@code *.openai.azure.com} host).
 */
class FakeAzureOpenAiTest {

    private static final String KEY = "0123456789abcdef0123456789abcdef";
    private static final String API_VERSION = "2024-10-21";

    private static FakeAzureOpenAi fake;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        fake = FakeAzureOpenAi.start(KEY);
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
        fake.deployment("chat", "gpt-4o-mini-2024-07-18").deployment("embed", "text-embedding-3-small");
    }

    private static HttpResponse<String> post(String pathAndQuery, String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fake.baseUrl() + pathAndQuery))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("api-key", key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return FakeUpstream.JSON.readTree(response.body());
    }

    private static final String CHAT = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void chatCompletionRecordsDeploymentAndApiVersion() throws Exception {
        fake.enqueue(Reply.text("Hello from Azure").usage(9, 3));

        HttpResponse<String> response = post("/openai/deployments/chat/chat/completions?api-version=" + API_VERSION,
                KEY, CHAT);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(body.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hello from Azure");
        assertThat(body.path("choices").get(0).path("content_filter_results").path("hate").path("severity").asText())
                .isEqualTo("safe");
        assertThat(body.path("prompt_filter_results").get(0).path("prompt_index").asInt()).isZero();
        assertThat(body.path("usage").path("total_tokens").asInt()).isEqualTo(12);

        RecordedRequest request = fake.lastRequest();
        assertThat(request.pathParam("deployment")).isEqualTo("chat");
        assertThat(request.queryParam("api-version")).isEqualTo(API_VERSION);
        assertThat(request.header("api-key")).isEqualTo(KEY);
    }

    @Test
    void streamStartsWithTheContentFilterChunk() throws Exception {
        fake.enqueue(Reply.text("a b").usage(2, 2));
        HttpResponse<String> response = post("/openai/deployments/chat/chat/completions?api-version=" + API_VERSION,
                KEY, "{\"stream\":true,\"stream_options\":{\"include_usage\":true}," + CHAT.substring(1));

        List<String> data = response.body().lines().filter(l -> l.startsWith("data: "))
                .map(l -> l.substring(6)).toList();
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        JsonNode first = FakeUpstream.JSON.readTree(data.get(0));
        assertThat(first.path("choices")).isEmpty();
        assertThat(first.path("id").asText()).isEmpty();
        assertThat(first.path("prompt_filter_results").get(0).path("content_filter_results").path("violence")
                .path("filtered").asBoolean(true)).isFalse();
        JsonNode usage = FakeUpstream.JSON.readTree(data.get(data.size() - 2));
        assertThat(usage.path("choices")).isEmpty();
        assertThat(usage.path("usage").path("prompt_tokens").asInt()).isEqualTo(2);
        String text = data.subList(1, data.size() - 2).stream().map(d -> {
            try {
                return FakeUpstream.JSON.readTree(d).path("choices").get(0).path("delta").path("content").asText("");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).collect(Collectors.joining());
        assertThat(text).isEqualTo("a b");
    }

    @Test
    void missingApiVersionIs404ResourceNotFound() throws Exception {
        HttpResponse<String> response = post("/openai/deployments/chat/chat/completions", KEY, CHAT);
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response).path("error").path("code").asText()).isEqualTo("404");
        assertThat(json(response).path("error").path("message").asText()).isEqualTo("Resource not found");
    }

    @Test
    void unsupportedApiVersionIs400WhenVersionsAreRestricted() throws Exception {
        fake.apiVersions(API_VERSION);
        try {
            HttpResponse<String> response = post("/openai/deployments/chat/chat/completions?api-version=1999-01-01",
                    KEY, CHAT);
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(json(response).path("error").path("code").asText()).isEqualTo("BadRequest");
            assertThat(json(response).path("error").path("message").asText()).isEqualTo("API version not supported");
        } finally {
            fake.apiVersions();
        }
    }

    @Test
    void missingOrWrongKeyIs401() throws Exception {
        for (String key : new String[] {null, "wrong"}) {
            HttpResponse<String> response = post("/openai/deployments/chat/chat/completions?api-version=" + API_VERSION,
                    key, CHAT);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(json(response).path("error").path("code").asText()).isEqualTo("401");
            assertThat(json(response).path("error").path("message").asText())
                    .startsWith("Access denied due to invalid subscription key or wrong API endpoint.");
        }
    }

    @Test
    void unknownDeploymentIsDeploymentNotFound() throws Exception {
        HttpResponse<String> response = post("/openai/deployments/nope/chat/completions?api-version=" + API_VERSION,
                KEY, CHAT);
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response).path("error").path("code").asText()).isEqualTo("DeploymentNotFound");
        assertThat(fake.lastRequest().pathParam("deployment")).isEqualTo("nope");
    }

    // ---- the official SDK in Azure mode ----

    private static OpenAIClient sdk() {
        return OpenAIOkHttpClient.builder()
                .baseUrl(fake.baseUrl())
                .credential(AzureApiKeyCredential.create(KEY))
                .azureServiceVersion(AzureOpenAIServiceVersion.fromString(API_VERSION))
                .azureUrlPathMode(AzureUrlPathMode.LEGACY)
                .maxRetries(0)
                .build();
    }

    @Test
    void officialSdkInAzureMode() {
        OpenAIClient client = sdk();
        try {
            fake.enqueue(Reply.text("Hi via SDK").usage(4, 3));
            ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model("chat").addUserMessage("hi").build());
            assertThat(completion.choices().get(0).message().content()).contains("Hi via SDK");
            assertThat(completion.model()).isEqualTo("gpt-4o-mini-2024-07-18");
            assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(7);
            RecordedRequest request = fake.lastRequest();
            assertThat(request.path()).isEqualTo("/openai/deployments/chat/chat/completions");
            assertThat(request.queryParam("api-version")).isEqualTo(API_VERSION);
            assertThat(request.header("api-key")).isEqualTo(KEY);
            assertThat(request.header("authorization")).isNull();

            fake.enqueue(Reply.text("streamed via SDK").chunks(2));
            List<ChatCompletionChunk> chunks;
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                    ChatCompletionCreateParams.builder().model("chat").addUserMessage("hi").build())) {
                chunks = stream.stream().toList();
            }
            assertThat(chunks.get(0).choices()).isEmpty(); // Azure's prompt-filter chunk
            assertThat(chunks.get(0)._additionalProperties()).containsKey("prompt_filter_results");
            assertThat(chunks.stream().flatMap(c -> c.choices().stream()).map(c -> c.delta().content().orElse(""))
                    .collect(Collectors.joining())).isEqualTo("streamed via SDK");

            CreateEmbeddingResponse embeddings = client.embeddings().create(EmbeddingCreateParams.builder()
                    .model("embed").input("hello").encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());
            assertThat(embeddings.data().get(0).embedding()).hasSize(8);
            assertThat(embeddings.model()).isEqualTo("text-embedding-3-small");
            assertThat(fake.lastRequest().pathParam("deployment")).isEqualTo("embed");

            fake.enqueue(FakeAzureOpenAi.rateLimited(Duration.ofSeconds(6)));
            assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model("chat").addUserMessage("hi").build()))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> {
                        assertThat(e.headers().values("retry-after")).containsExactly("6");
                        assertThat(e.code()).contains("429");
                        assertThat(e.getMessage()).contains("Please retry after 6 seconds");
                    });
        } finally {
            client.close();
        }
    }
}
