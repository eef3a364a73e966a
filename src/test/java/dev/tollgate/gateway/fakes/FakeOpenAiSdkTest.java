package dev.tollgate.gateway.fakes;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.errors.SseException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.ChatModel;
import com.openai.models.FunctionDefinition;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.images.ImagesResponse;
import com.openai.models.models.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Proof that {@link FakeOpenAi} speaks OpenAI's wire format: the official OpenAI Java SDK (openai-java) is
 * pointed at it and parses every scripted behaviour into its typed models and exceptions.
 */
class FakeOpenAiSdkTest {

    private static final String KEY = "sk-test-0123456789abcdef";

    private static FakeOpenAi fake;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        fake = FakeOpenAi.start(KEY);
        client = sdk(KEY, 0);
    }

    @AfterAll
    static void stop() {
        client.close();
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    private static OpenAIClient sdk(String key, int retries) {
        return OpenAIOkHttpClient.builder().baseUrl(fake.baseUrl()).apiKey(key).maxRetries(retries).build();
    }

    private static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model(ChatModel.GPT_4O_MINI).addUserMessage("Say hello");
    }

    private static FunctionDefinition function(String name) {
        return FunctionDefinition.builder().name(name).description("test tool").build();
    }

    @Test
    void plainChatCompletion() {
        fake.enqueue(Reply.text("Hello, world!").usage(12, 4));

        ChatCompletion completion = client.chat().completions().create(chat().build());

        assertThat(completion.id()).startsWith("chatcmpl-");
        assertThat(completion.model()).isEqualTo("gpt-4o-mini");
        assertThat(completion.choices()).hasSize(1);
        ChatCompletion.Choice choice = completion.choices().get(0);
        assertThat(choice.message().content()).contains("Hello, world!");
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(12);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(4);
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(16);

        RecordedRequest request = fake.lastRequest();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/chat/completions");
        assertThat(request.header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(request.json().path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(request.json().path("messages").get(0).path("content").asText()).isEqualTo("Say hello");
    }

    @Test
    void streamedChatCompletionWithUsage() {
        fake.enqueue(Reply.text("one two three four").usage(7, 4).chunks(4).every(Duration.ofMillis(10)));

        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            chunks = stream.stream().toList();
        }

        String text = chunks.stream().flatMap(c -> c.choices().stream())
                .map(c -> c.delta().content().orElse("")).collect(Collectors.joining());
        assertThat(text).isEqualTo("one two three four");
        // role chunk + 4 content chunks + finish chunk + usage chunk
        assertThat(chunks).hasSize(7);
        assertThat(chunks.get(0).choices().get(0).delta().role())
                .contains(ChatCompletionChunk.Choice.Delta.Role.ASSISTANT);
        assertThat(chunks.get(5).choices().get(0).finishReason())
                .contains(ChatCompletionChunk.Choice.FinishReason.STOP);
        ChatCompletionChunk last = chunks.get(6);
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().promptTokens()).isEqualTo(7);
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(4);
        assertThat(chunks.subList(0, 6)).allSatisfy(c -> assertThat(c.usage()).isEmpty());
        assertThat(chunks).extracting(ChatCompletionChunk::id).containsOnly(chunks.get(0).id());
        assertThat(fake.lastRequest().json().path("stream").asBoolean()).isTrue();
    }

    @Test
    void streamWithoutIncludeUsageHasNoUsageChunk() {
        fake.enqueue(Reply.text("a b").chunks(2));

        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat().build())) {
            chunks = stream.stream().toList();
        }

        assertThat(chunks).hasSize(4).allSatisfy(c -> assertThat(c.choices()).hasSize(1));
        assertThat(chunks).allSatisfy(c -> assertThat(c.usage()).isEmpty());
    }

    @Test
    void parallelToolCalls() {
        fake.enqueue(Reply.toolCalls(
                Reply.ToolCall.of("call_weather", "get_weather", "{\"city\":\"Paris\"}"),
                Reply.ToolCall.of("call_time", "get_time", "{\"zone\":\"CET\"}")));

        ChatCompletion completion = client.chat().completions().create(chat()
                .addFunctionTool(function("get_weather")).addFunctionTool(function("get_time")).build());

        ChatCompletion.Choice choice = completion.choices().get(0);
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(choice.message().content()).isEmpty();
        List<ChatCompletionMessageFunctionToolCall> calls = choice.message().toolCalls().orElseThrow().stream()
                .map(ChatCompletionMessageToolCall::asFunction).toList();
        assertThat(calls).extracting(ChatCompletionMessageFunctionToolCall::id)
                .containsExactly("call_weather", "call_time");
        assertThat(calls).extracting(c -> c.function().name()).containsExactly("get_weather", "get_time");
        assertThat(calls).extracting(c -> c.function().arguments())
                .containsExactly("{\"city\":\"Paris\"}", "{\"zone\":\"CET\"}");
        assertThat(fake.lastRequest().json().path("tools")).hasSize(2);
    }

    @Test
    void streamedParallelToolCallsWithArgumentFragments() {
        fake.enqueue(Reply.toolCalls(
                Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\",\"unit\":\"C\"}").fragments(4),
                Reply.ToolCall.of("get_time", "{\"zone\":\"CET\"}").fragments(3)));

        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat().addFunctionTool(function("get_weather")).addFunctionTool(function("get_time")).build())) {
            stream.stream().forEach(chunk -> chunks.add(accumulator.accumulate(chunk)));
        }

        // role + (head + 4 fragments) + (head + 3 fragments) + finish
        assertThat(chunks).hasSize(11);
        List<ChatCompletionChunk.Choice.Delta.ToolCall> argumentDeltas = chunks.stream()
                .flatMap(c -> c.choices().get(0).delta().toolCalls().orElse(List.of()).stream())
                .filter(tc -> tc.id().isEmpty()).toList();
        assertThat(argumentDeltas).hasSize(7);
        assertThat(argumentDeltas).extracting(ChatCompletionChunk.Choice.Delta.ToolCall::index)
                .containsExactly(0L, 0L, 0L, 0L, 1L, 1L, 1L);

        ChatCompletion assembled = accumulator.chatCompletion();
        List<ChatCompletionMessageFunctionToolCall> calls = assembled.choices().get(0).message().toolCalls()
                .orElseThrow().stream().map(ChatCompletionMessageToolCall::asFunction).toList();
        assertThat(calls).extracting(c -> c.function().name()).containsExactly("get_weather", "get_time");
        assertThat(calls).extracting(c -> c.function().arguments())
                .containsExactly("{\"city\":\"Paris\",\"unit\":\"C\"}", "{\"zone\":\"CET\"}");
        assertThat(calls).allSatisfy(c -> assertThat(c.id()).startsWith("call_"));
        assertThat(assembled.choices().get(0).finishReason())
                .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    }

    @Test
    void embeddingsAsFloats() {
        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").inputOfArrayOfStrings(List.of("hello world", "bye"))
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).dimensions(4).build());

        assertThat(response.data()).hasSize(2);
        assertThat(response.data().get(0).index()).isZero();
        assertThat(response.data().get(1).index()).isEqualTo(1);
        assertThat(response.data().get(0).embedding()).containsExactly(boxed(FakeOpenAi.embeddingFor("hello world", 4)));
        assertThat(response.data().get(1).embedding()).containsExactly(boxed(FakeOpenAi.embeddingFor("bye", 4)));
        assertThat(response.model()).isEqualTo("text-embedding-3-small");
        assertThat(response.usage().promptTokens()).isEqualTo(3);
        assertThat(response.usage().totalTokens()).isEqualTo(3);
        assertThat(fake.lastRequest().json().path("encoding_format").asText()).isEqualTo("float");
    }

    @Test
    void embeddingsAsBase64() {
        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("hello world")
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build());

        assertThat(fake.lastRequest().json().path("encoding_format").asText()).isEqualTo("base64");
        assertThat(response.data().get(0).embeddingValue().isBase64()).isTrue();
        // the SDK decodes little-endian float32s
        assertThat(response.data().get(0).embeddingValue().asFloats())
                .containsExactly(boxed(FakeOpenAi.embeddingFor("hello world", 8)));
    }

    @Test
    void embeddingsWithTheSdkDefaultEncoding() {
        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("default encoding").build());

        // openai-java asks for base64 unless told otherwise, and decodes it: a gateway must pass base64 through
        assertThat(fake.lastRequest().json().path("encoding_format").asText("<absent>")).isEqualTo("base64");
        assertThat(response.data().get(0).embeddingValue().asFloats())
                .containsExactly(boxed(FakeOpenAi.embeddingFor("default encoding", 8)));
    }

    @Test
    void imagesAsBase64AndUrl() throws Exception {
        ImagesResponse b64 = client.images().generate(ImageGenerateParams.builder().prompt("a red fox")
                .model("dall-e-3").responseFormat(ImageGenerateParams.ResponseFormat.B64_JSON).build());
        assertThat(b64.created()).isPositive();
        assertThat(b64.data().orElseThrow()).hasSize(1);
        byte[] png = Base64.getDecoder().decode(b64.data().orElseThrow().get(0).b64Json().orElseThrow());
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        assertThat(b64.data().orElseThrow().get(0).revisedPrompt()).contains("A detailed rendering of: a red fox");

        ImagesResponse urls = client.images().generate(ImageGenerateParams.builder().prompt("a cat")
                .model("dall-e-2").n(2).build());
        assertThat(urls.data().orElseThrow()).hasSize(2)
                .allSatisfy(image -> assertThat(image.b64Json()).isEmpty())
                .allSatisfy(image -> assertThat(image.revisedPrompt()).isEmpty());
        String url = urls.data().orElseThrow().get(0).url().orElseThrow();
        assertThat(url).startsWith(fake.origin());
        HttpResponse<byte[]> blob = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(blob.headers().firstValue("content-type")).contains("image/png");
        assertThat(blob.body()).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void legacyCompletions() {
        fake.enqueue(Reply.text("This is a test.").usage(5, 5));
        Completion completion = client.completions().create(CompletionCreateParams.builder()
                .model("gpt-3.5-turbo-instruct").prompt("Say this is a test").build());
        assertThat(completion.id()).startsWith("cmpl-");
        assertThat(completion.choices().get(0).text()).isEqualTo("This is a test.");
        assertThat(completion.choices().get(0).finishReason()).isEqualTo(
                com.openai.models.completions.CompletionChoice.FinishReason.STOP);
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(10);

        fake.enqueue(Reply.text("streamed legacy text").chunks(3));
        try (StreamResponse<Completion> stream = client.completions().createStreaming(CompletionCreateParams.builder()
                .model("gpt-3.5-turbo-instruct").prompt("Say this").build())) {
            List<Completion> parts = stream.stream().toList();
            assertThat(parts).hasSize(4);
            assertThat(parts.stream().map(p -> p.choices().get(0).text()).collect(Collectors.joining()))
                    .isEqualTo("streamed legacy text");
        }
    }

    @Test
    void listModels() {
        fake.models("gpt-4o-mini", "text-embedding-3-small");
        List<Model> models = client.models().list().data();
        assertThat(models).extracting(Model::id).containsExactly("gpt-4o-mini", "text-embedding-3-small");
        assertThat(models).allSatisfy(m -> assertThat(m.ownedBy()).isEqualTo("openai"));
        assertThat(fake.lastRequest().method()).isEqualTo("GET");
    }

    @Test
    void wrongKeyIsUnauthorized() {
        OpenAIClient wrong = sdk("sk-wrong-key-000000", 0);
        try {
            assertThatThrownBy(() -> wrong.chat().completions().create(chat().build()))
                    .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(401);
                        assertThat(e.code()).contains("invalid_api_key");
                        assertThat(e.type()).contains("invalid_request_error");
                        assertThat(e.getMessage()).contains("Incorrect API key provided: sk-wr**********0000")
                                .doesNotContain("sk-wrong-key-000000");
                    });
        } finally {
            wrong.close();
        }
    }

    @Test
    void rateLimitIsRateLimitException() {
        fake.enqueue(FakeOpenAi.rateLimited(Duration.ofSeconds(20)));
        assertThatThrownBy(() -> client.chat().completions().create(chat().build()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.code()).contains("rate_limit_exceeded");
                    assertThat(e.type()).contains("requests");
                    assertThat(e.headers().values("retry-after")).containsExactly("20");
                });
    }

    @Test
    void serverErrorsAreInternalServerExceptions() {
        fake.enqueue(FakeOpenAi.serverError(), FakeOpenAi.overloaded());
        assertThatThrownBy(() -> client.chat().completions().create(chat().build()))
                .isInstanceOfSatisfying(InternalServerException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(500);
                    assertThat(e.type()).contains("server_error");
                });
        assertThatThrownBy(() -> client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("x").build()))
                .isInstanceOfSatisfying(InternalServerException.class, e -> assertThat(e.statusCode()).isEqualTo(503));
    }

    @Test
    void sdkRetriesAfterRetryAfterAndSucceeds() {
        fake.enqueue(FakeOpenAi.rateLimited(Duration.ofSeconds(0)), Reply.text("second time lucky"));
        OpenAIClient retrying = sdk(KEY, 1);
        try {
            ChatCompletion completion = retrying.chat().completions().create(chat().build());
            assertThat(completion.choices().get(0).message().content()).contains("second time lucky");
        } finally {
            retrying.close();
        }
        assertThat(fake.requests()).hasSize(2);
    }

    @Test
    void insufficientQuotaIsNotRetried() {
        fake.enqueue(FakeOpenAi.insufficientQuota());
        assertThatThrownBy(() -> client.chat().completions().create(chat().build()))
                .isInstanceOfSatisfying(OpenAIServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.code()).contains("insufficient_quota");
                });
    }

    @Test
    void streamErrorMidwayIsSseException() {
        fake.enqueue(Reply.text("a b c d").streamErrorAfter(3, "server_error", "boom"));
        List<String> seen = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat().build())) {
            assertThatThrownBy(() -> stream.stream().forEach(c -> seen.add(c.choices().get(0).delta().content()
                    .orElse(""))))
                    .isInstanceOfSatisfying(SseException.class, e -> assertThat(e.getMessage()).contains("boom"));
        }
        assertThat(seen).containsExactly("", "a ", "b ");
    }

    @Test
    void cutStreamFailsAfterTheChunksSent() {
        fake.enqueue(Reply.text("one two three four five").cutAfter(3).every(Duration.ofMillis(5)));
        List<String> seen = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat().build())) {
            assertThatThrownBy(() -> stream.stream().forEach(c -> seen.add(c.choices().get(0).delta().content()
                    .orElse(""))))
                    .hasRootCauseInstanceOf(java.io.IOException.class);
        }
        assertThat(seen).containsExactly("", "one ", "two ");
        assertThat(fake.clientDisconnected()).isNotDone(); // the fake closed it, not the client
    }

    @Test
    void hangingStreamReportsClientDisconnect() throws Exception {
        fake.enqueue(Reply.text("never ending story").chunks(3).hangAfter(2));
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat().build())) {
            Iterator<ChatCompletionChunk> it = stream.stream().iterator();
            assertThat(it.next().choices().get(0).delta().role()).isPresent();
            assertThat(it.next().choices().get(0).delta().content()).contains("never ");
            assertThat(fake.clientDisconnected()).isNotDone();
        } // closing the stream closes the connection
        fake.clientDisconnected().get(5, TimeUnit.SECONDS);
        assertThat(fake.disconnects()).isEqualTo(1);
    }

    private static Float[] boxed(float[] values) {
        Float[] boxed = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }
}
