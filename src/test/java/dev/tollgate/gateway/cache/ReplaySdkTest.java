package dev.tollgate.gateway.cache;

import static dev.tollgate.gateway.cache.StreamRecorderReplayTest.LONG;
import static dev.tollgate.gateway.cache.StreamRecorderReplayTest.anthropicMessage;
import static dev.tollgate.gateway.cache.StreamRecorderReplayTest.json;
import static dev.tollgate.gateway.cache.StreamRecorderReplayTest.textAnswer;
import static dev.tollgate.gateway.cache.StreamRecorderReplayTest.toolAnswer;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.sun.net.httpserver.HttpServer;
import dev.tollgate.gateway.provider.Operation;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real proof that a replay is a well-formed stream: a tiny JDK HTTP server answers with {@link Replay}'s events
 * (as {@code text/event-stream}), and the official SDKs read them streaming — the OpenAI Java SDK (openai-java) with
 * its {@link ChatCompletionAccumulator}, the Anthropic Java SDK (anthropic-java) with its {@link MessageAccumulator} —
 * into the answer that was stored.
 */
class ReplaySdkTest {

    private static HttpServer server;
    private static final AtomicReference<List<String>> EVENTS = new AtomicReference<>(List.of());
    private static OpenAIClient openAi;
    private static AnthropicClient anthropic;

    @BeforeAll
    static void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("content-type", "text/event-stream; charset=utf-8");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (String event : EVENTS.get()) {
                    out.write(event.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        openAi = OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey("sk-test").maxRetries(0).build();
        anthropic = AnthropicOkHttpClient.builder().baseUrl(base).apiKey("sk-ant-test").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        openAi.close();
        anthropic.close();
        server.stop(0);
    }

    private static ChatCompletion streamChat(ObjectNode answer, List<ChatCompletionChunk> chunks) {
        EVENTS.set(Replay.openAi(answer, Operation.CHAT, true));
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = openAi.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("hi")
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> chunks.add(accumulator.accumulate(chunk)));
        }
        return accumulator.chatCompletion();
    }

    @Test
    void openAiSdkReadsATextReplay() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        ChatCompletion completion = streamChat(textAnswer(), chunks);

        assertThat(completion.id()).isEqualTo("chatcmpl-abc123");
        assertThat(completion.created()).isEqualTo(1733400000L);
        assertThat(completion.model()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(completion.systemFingerprint()).contains("fp_44709d6fcb");
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().get(0).message().content()).contains(LONG);
        assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(120);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(60);
        assertThat(completion.usage().orElseThrow().promptTokensDetails().orElseThrow().cachedTokens()).contains(100L);
        assertThat(chunks).extracting(ChatCompletionChunk::id).containsOnly("chatcmpl-abc123");
        assertThat(chunks.size()).isLessThan(LONG.length() / 20);
    }

    @Test
    void openAiSdkReadsToolCallsAndSeveralChoices() {
        ChatCompletion tools = streamChat(toolAnswer(), new ArrayList<>());
        ChatCompletion.Choice choice = tools.choices().get(0);
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        List<ChatCompletionMessageFunctionToolCall> calls = choice.message().toolCalls().orElseThrow().stream()
                .map(ChatCompletionMessageToolCall::asFunction).toList();
        assertThat(calls).extracting(ChatCompletionMessageFunctionToolCall::id).containsExactly("call_weather", "call_time");
        assertThat(calls).extracting(c -> c.function().name()).containsExactly("get_weather", "get_time");
        assertThat(calls).extracting(c -> c.function().arguments()).containsExactly(
                toolAnswer().at("/choices/0/message/tool_calls/0/function/arguments").asText(), "{}");

        ObjectNode several = json("""
                {"id":"chatcmpl-n2","object":"chat.completion","created":1733400002,"model":"gpt-4o",
                 "choices":[
                   {"index":0,"message":{"role":"assistant","content":"First answer, with enough words to be cut in two pieces or more.","refusal":null},"logprobs":null,"finish_reason":"stop"},
                   {"index":1,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":5,"completion_tokens":40,"total_tokens":45}}""");
        ChatCompletion two = streamChat(several, new ArrayList<>());
        assertThat(two.choices()).hasSize(2);
        assertThat(two.choices().get(0).message().content())
                .contains("First answer, with enough words to be cut in two pieces or more.");
        assertThat(two.choices().get(1).message().refusal()).contains("I can't help with that.");
        assertThat(two.choices().get(1).index()).isEqualTo(1);
    }

    @Test
    void openAiSdkReadsALegacyCompletionReplay() {
        ObjectNode answer = json("""
                {"id":"cmpl-1","object":"text_completion","created":1690759702,"model":"gpt-3.5-turbo-instruct",
                 "choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"length"}],
                 "usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}""");
        ((ObjectNode) answer.at("/choices/0")).put("text", LONG);
        EVENTS.set(Replay.openAi(answer, Operation.COMPLETIONS, false));
        List<Completion> parts;
        try (StreamResponse<Completion> stream = openAi.completions().createStreaming(CompletionCreateParams.builder()
                .model("gpt-3.5-turbo-instruct").prompt("Say this").build())) {
            parts = stream.stream().toList();
        }
        assertThat(parts.stream().map(p -> p.choices().get(0).text()).collect(Collectors.joining())).isEqualTo(LONG);
        assertThat(parts.get(parts.size() - 1).choices().get(0).finishReason())
                .isEqualTo(CompletionChoice.FinishReason.LENGTH);
        assertThat(parts).extracting(Completion::id).containsOnly("cmpl-1");
    }

    @Test
    void anthropicSdkReadsAMessageReplay() {
        ObjectNode stored = anthropicMessage();
        EVENTS.set(Replay.anthropic(stored));
        MessageAccumulator accumulator = MessageAccumulator.create();
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(
                MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(1024).addUserMessage("hi").build())) {
            stream.stream().forEach(e -> events.add(accumulator.accumulate(e)));
        }
        Message message = accumulator.message();

        assertThat(message.id()).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
        assertThat(message.model().asString()).isEqualTo("claude-sonnet-4-5");
        assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
        List<ContentBlock> content = message.content();
        assertThat(content).hasSize(6);
        assertThat(content.get(0).asThinking().thinking()).isEqualTo(stored.at("/content/0/thinking").asText());
        assertThat(content.get(0).asThinking().signature()).isEqualTo(stored.at("/content/0/signature").asText());
        assertThat(content.get(1).asRedactedThinking().data()).isEqualTo(stored.at("/content/1/data").asText());
        assertThat(content.get(2).asText().text()).isEqualTo(LONG);
        assertThat(content.get(3).asText().text()).isEqualTo("The weather in Paris");
        assertThat(content.get(3).asText().citations().orElseThrow()).hasSize(1);
        assertThat(content.get(3).asText().citations().orElseThrow().get(0).asCharLocation().citedText())
                .isEqualTo("Paris is sunny");
        assertThat(content.get(4).asToolUse().name()).isEqualTo("get_weather");
        assertThat(content.get(4).asToolUse()._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris",
                "unit", "celsius", "days", List.of(1, 2, 3), "nested", Map.of("deep", true, "n", 1.5)));
        assertThat(content.get(5).asToolUse()._input().convert(Map.class)).isEqualTo(Map.of());
        assertThat(message.usage().inputTokens()).isEqualTo(25);
        assertThat(message.usage().outputTokens()).isEqualTo(95);
        assertThat(message.usage().cacheReadInputTokens()).contains(2000L);
        assertThat(message.usage().cacheCreationInputTokens()).contains(10L);
        assertThat(events.get(0).isMessageStart()).isTrue();
        assertThat(events.get(events.size() - 1).isMessageStop()).isTrue();
    }
}
