package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Standalone mode end to end: manifests in a folder, the official OpenAI Java SDK as the client. */
@QuarkusTest
@TestProfile(StandaloneEndToEndTest.Folder.class)
class StandaloneEndToEndTest {
    static final String KEY = "sk-tg-e2e-test-key-0123456789abcdef";
    static final String NARROW_KEY = "sk-tg-e2e-narrow-key-0123456789abcd";
    static Path folder;

    /** A temp folder with a gateway, two mock models and two keys; model.yaml is edited by the tests. */
    public static class Folder implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            folder = StandaloneFolder.create("tollgate-e2e", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: e2e}
                    spec: {}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: keys, labels: {llm.tollgate.dev/secret: key}}
                    stringData: {main: %s, narrow: %s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: main}
                    spec: {existingSecret: {name: keys, key: main}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: narrow}
                    spec: {existingSecret: {name: keys, key: narrow}, models: [other]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: generated}
                    spec: {}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: other}
                    spec: {modelName: other, provider: mock, model: other-1}
                    """.formatted(KEY, NARROW_KEY));
            try {
                writeModel("first answer");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return StandaloneFolder.serve(folder, "tollgate.gateway.max-body-bytes", "65536");
        }
    }

    static void writeModel(String response) throws IOException {
        Files.writeString(folder.resolve("model.yaml"), """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: mock}
                spec:
                  modelName: mock-gpt
                  provider: mock
                  model: mock-gpt-upstream
                  mock: {outputTokens: 4, response: "%s"}
                """.formatted(response));
    }

    @TestHTTPResource("/v1")
    URL base;

    OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey(key).maxRetries(0).build();
    }

    static ChatCompletionCreateParams.Builder chat(String model, String prompt) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage(prompt);
    }

    @Inject
    io.vertx.core.Vertx vertx;

    @Test
    void oneEventLoopPerCpuByDefault() {
        // Quarkus' own default is one per CPU but at least two: on a one-CPU gateway, two loops taking turns
        var configured = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getConfigValue("quarkus.vertx.event-loops-pool-size");
        assertThat(configured.getSourceName()).isEqualTo("tollgate-event-loops-default");
        assertThat(configured.getValue()).isEqualTo(Integer.toString(Runtime.getRuntime().availableProcessors()));
        int loops = 0;
        for (var loop : ((io.vertx.core.impl.VertxInternal) vertx).getEventLoopGroup()) {
            loops++;
        }
        assertThat(loops).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void chatPlainAndStreaming() {
        ChatCompletion c = client(KEY).chat().completions().create(chat("mock-gpt", "three little words").build());
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().get(0).message().content()).isPresent();
        assertThat(c.model()).isEqualTo("mock-gpt-upstream");
        assertThat(c.usage()).hasValueSatisfying(u -> {
            assertThat(u.promptTokens()).isEqualTo(3);
            assertThat(u.completionTokens()).isEqualTo(4);
        });
        String plain = c.choices().get(0).message().content().orElseThrow();

        StringBuilder streamed = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client(KEY).chat().completions()
                .createStreaming(chat("mock-gpt", "three little words").build())) {
            s.stream().forEach(ch -> {
                chunks.add(ch);
                ch.choices().forEach(choice -> choice.delta().content().ifPresent(streamed::append));
            });
        }
        assertThat(streamed.toString()).isEqualTo(plain);
        assertThat(chunks).as("the usage chunk the gateway asked for is hidden from a client that did not")
                .allSatisfy(ch -> assertThat(ch.choices()).isNotEmpty());
        assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason()).isPresent();

        List<ChatCompletionChunk> withUsage = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client(KEY).chat().completions().createStreaming(
                chat("mock-gpt", "three little words")
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(withUsage::add);
        }
        ChatCompletionChunk last = withUsage.get(withUsage.size() - 1);
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isEqualTo(4));
    }

    @Test
    void toolCallsAndEmbeddings() {
        ChatCompletion c = client(KEY).chat().completions().create(chat("mock-gpt", "weather in Paris?")
                .addFunctionTool(FunctionDefinition.builder().name("get_weather")
                        .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object")).build())
                        .build())
                .toolChoice(ChatCompletionToolChoiceOption.ofNamedToolChoice(ChatCompletionNamedToolChoice.builder()
                        .function(ChatCompletionNamedToolChoice.Function.builder().name("get_weather").build()).build()))
                .build());
        var call = c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(call.function().arguments()).isEqualTo("{}");
        assertThat(c.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");

        var e = client(KEY).embeddings().create(EmbeddingCreateParams.builder().model("mock-gpt")
                .input("embed me").dimensions(8).build());
        assertThat(e.data()).singleElement().satisfies(d -> assertThat(d.embedding()).hasSize(8));
        assertThat(e.usage().promptTokens()).isEqualTo(2);
    }

    @Test
    void errorsAreTypedForTheSdk() {
        assertThatThrownBy(() -> client("sk-tg-not-a-key-at-all-xxxxxxxx").chat().completions()
                .create(chat("mock-gpt", "hi").build()))
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(401);
                    assertThat(e.code()).hasValue("invalid_api_key");
                });
        assertThatThrownBy(() -> client(KEY).chat().completions().create(chat("gpt-17", "hi").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.code()).hasValue("model_not_found"));
        assertThatThrownBy(() -> client(NARROW_KEY).chat().completions().create(chat("mock-gpt", "hi").build()))
                .isInstanceOfSatisfying(PermissionDeniedException.class, e -> assertThat(e.code()).hasValue("model_not_allowed"));
        assertThat(client(NARROW_KEY).models().list().data()).extracting(m -> m.id()).containsExactly("other");
        assertThatThrownBy(() -> client(KEY).chat().completions().create(chat("mock-gpt", "hi").logprobs(true).build()))
                .isInstanceOfSatisfying(OpenAIServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.param()).hasValue("logprobs");
                });
    }

    @TestHTTPResource("/")
    URL root;

    private java.net.http.HttpResponse<String> post(String path, String body) throws Exception {
        return post(path, java.net.http.HttpRequest.BodyPublishers.ofString(body));
    }

    private java.net.http.HttpResponse<String> post(String path, java.net.http.HttpRequest.BodyPublisher body)
            throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(root.toURI().resolve(path))
                .header("authorization", "Bearer " + KEY).header("content-type", "application/json")
                .POST(body).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The body handler sizes its buffer by Content-Length and the JSON pass reads that buffer in place; a body
     * without Content-Length grows from 1 KB and is copied. Either way every word must reach the upstream: the
     * mock counts the message's words as prompt tokens.
     */
    @Test
    void largeBodiesArriveWholeWithOrWithoutContentLength() throws Exception {
        String body = "{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "w ".repeat(30_000)
                + "end\"}]}";
        var sized = post("v1/chat/completions", body);
        assertThat(sized.statusCode()).as(sized.body()).isEqualTo(200);
        assertThat(dev.tollgate.gateway.Json.parse(sized.body()).path("usage").path("prompt_tokens").asLong()).isEqualTo(30_001);
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var chunked = post("v1/chat/completions", // of unknown length: sent without Content-Length
                java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes)));
        assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(200);
        assertThat(dev.tollgate.gateway.Json.parse(chunked.body()).path("usage").path("prompt_tokens").asLong()).isEqualTo(30_001);
    }

    @Test
    void badInputGetsAClearErrorAndTheGatewayCarriesOn() throws Exception {
        var malformed = post("v1/chat/completions", "{\"model\": \"mock-gpt\", \"messages\": [");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("\"code\":\"invalid_json\"").contains("\"type\":\"invalid_request_error\"");
        assertThat(malformed.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).hasSize(36));

        var tooBig = post("v1/chat/completions", "{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(70_000) + "\"}]}");
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(tooBig.body()).contains("\"code\":\"request_too_large\"").contains("65536");

        var noModel = post("chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(noModel.statusCode()).isEqualTo(400);
        assertThat(noModel.body()).contains("\"param\":\"model\"");

        var withoutPrefix = post("chat/completions", "{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(withoutPrefix.statusCode()).isEqualTo(200);
        assertThat(withoutPrefix.body()).contains("chat.completion");
        var legacy = post("v1/completions", "{\"model\":\"mock-gpt\",\"prompt\":\"say this\",\"max_tokens\":2}");
        assertThat(legacy.statusCode()).isEqualTo(200);
        assertThat(legacy.body()).contains("\"object\":\"text_completion\"").contains("\"finish_reason\":\"length\"");
        var image = post("v1/images/generations", "{\"model\":\"mock-gpt\",\"prompt\":\"a cat\",\"n\":2}");
        assertThat(image.statusCode()).isEqualTo(200);
        assertThat(image.body()).contains("b64_json");
    }

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @Test
    void generatedKeysLiveInTheStateDirectoryAndWork() throws Exception {
        Path keyFile = folder.resolve(".tollgate-state/keys/default.generated.key");
        assertThat(keyFile).exists();
        assertThat(java.nio.file.Files.getPosixFilePermissions(keyFile))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        String generated = Files.readString(keyFile).trim();
        assertThat(generated).startsWith("sk-tg-").hasSize(49);
        assertThat(client(generated).models().retrieve("mock-gpt").id()).isEqualTo("mock-gpt");
        assertThatThrownBy(() -> client(NARROW_KEY).models().retrieve("mock-gpt"))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.code()).hasValue("model_not_found"));
    }

    @Test
    void requestsAreMeteredOnTheManagementPort() throws Exception {
        client(KEY).chat().completions().create(chat("mock-gpt", "count me").build());
        String text = dev.tollgate.deploy.MonitoringFiles.scrape(metrics);
        assertThat(text).contains("tollgate_request_duration_seconds_count{model=\"mock-gpt\",operation=\"chat\",provider=\"mock\",status=\"200\"}")
                .contains("tollgate_tokens_total{direction=\"output\",model=\"mock-gpt\",provider=\"mock\"}")
                .doesNotContain(KEY).doesNotContain("default/main")
                // requests are timed once, by the gateway's own timer, not also by Quarkus' per-URI one
                .doesNotContain("http_server_requests_seconds");
    }

    static void writeRevocable(String extraSpec) throws IOException {
        Files.writeString(folder.resolve("revocable.yaml"), """
                apiVersion: v1
                kind: Secret
                metadata: {name: revocable, labels: {llm.tollgate.dev/secret: key}}
                stringData: {key: sk-tg-revocable-key-0123456789abcdef}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: revocable}
                spec: {existingSecret: {name: revocable, key: key}%s}
                """.formatted(extraSpec));
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Milliseconds from the manifest edit until the key gets 401 with the expected code. */
    long revocationMillis(String code, ThrowingRunnable edit) throws Exception {
        long start = System.nanoTime();
        edit.run();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThatThrownBy(() -> client("sk-tg-revocable-key-0123456789abcdef").models().list())
                        .isInstanceOfSatisfying(UnauthorizedException.class, e -> assertThat(e.code()).hasValue(code)));
        return (System.nanoTime() - start) / 1_000_000;
    }

    void awaitUsable() {
        await().atMost(Duration.ofSeconds(3)).ignoreExceptions().untilAsserted(() ->
                assertThat(client("sk-tg-revocable-key-0123456789abcdef").models().list().data()).isNotEmpty());
    }

    @Test
    void disabledExpiredAndDeletedKeysStopWorkingWithinTwoSeconds() throws Exception {
        writeRevocable("");
        awaitUsable();
        assertThat(revocationMillis("key_disabled", () -> writeRevocable(", disabled: true"))).isLessThan(2000);
        writeRevocable("");
        awaitUsable();
        assertThat(revocationMillis("key_expired", () -> writeRevocable(", expiresAt: \"2020-01-01T00:00:00Z\"")))
                .isLessThan(2000);
        writeRevocable("");
        awaitUsable();
        assertThat(revocationMillis("invalid_api_key", () -> Files.delete(folder.resolve("revocable.yaml"))))
                .isLessThan(2000);
    }

    @Test
    void editsApplyLiveAndABrokenManifestKeepsTheLastGoodConfig() throws Exception {
        writeModel("second answer");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(client(KEY).chat().completions()
                .create(chat("mock-gpt", "x").build()).choices().get(0).message().content().orElseThrow())
                .startsWith("second answer"));

        Files.writeString(folder.resolve("model.yaml"), "kind: LlmModel\nspec: [this is: not valid\n");
        Thread.sleep(2500);
        assertThat(client(KEY).chat().completions().create(chat("mock-gpt", "x").build()).choices().get(0).message()
                .content().orElseThrow()).startsWith("second answer");

        writeModel("third answer");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(client(KEY).chat().completions()
                .create(chat("mock-gpt", "x").build()).choices().get(0).message().content().orElseThrow())
                .startsWith("third answer"));
    }
}
