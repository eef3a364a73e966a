package dev.tollgate.gateway.fakes;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Proof that {@link FakeAnthropic} speaks the Messages API wire format: the official Anthropic Java SDK
 * (anthropic-java) is pointed at it and parses every scripted behaviour; header and body validation is
 * checked with a raw HTTP client, since the SDK never sends such requests.
 */
class FakeAnthropicSdkTest {

    private static final String KEY = "sk-ant-test-0123456789";
    private static final String MODEL = "claude-sonnet-4-5";

    private static FakeAnthropic fake;
    private static AnthropicClient client;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        fake = FakeAnthropic.start(KEY);
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

    private static AnthropicClient sdk(String key, int retries) {
        return AnthropicOkHttpClient.builder().baseUrl(fake.baseUrl()).apiKey(key).maxRetries(retries).build();
    }

    private static MessageCreateParams.Builder params() {
        return MessageCreateParams.builder().model(MODEL).maxTokens(1024).addUserMessage("Hello, Claude");
    }

    private static Tool tool(String name) {
        return Tool.builder().name(name).inputSchema(Tool.InputSchema.builder()
                .properties(JsonValue.from(Map.of("city", Map.of("type", "string")))).build()).build();
    }

    @Test
    void plainMessage() {
        fake.enqueue(Reply.text("Hi! How can I help?").usage(15, 8));

        Message message = client.messages().create(params().build());

        assertThat(message.id()).startsWith("msg_");
        assertThat(message.model().asString()).isEqualTo(MODEL);
        assertThat(message.content()).hasSize(1);
        assertThat(message.content().get(0).asText().text()).isEqualTo("Hi! How can I help?");
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
        assertThat(message.usage().inputTokens()).isEqualTo(15);
        assertThat(message.usage().outputTokens()).isEqualTo(8);

        RecordedRequest request = fake.lastRequest();
        assertThat(request.path()).isEqualTo("/v1/messages");
        assertThat(request.header("x-api-key")).isEqualTo(KEY);
        assertThat(request.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(request.json().path("max_tokens").asInt()).isEqualTo(1024);
    }

    @Test
    void streamedMessageFollowsTheDocumentedEventSequence() {
        fake.enqueue(Reply.text("Hello there friend").usage(11, 3).every(Duration.ofMillis(10)));

        MessageAccumulator accumulator = MessageAccumulator.create();
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params().build())) {
            stream.stream().forEach(event -> events.add(accumulator.accumulate(event)));
        }

        // the SDK drops `ping`; the rest is: message_start, block start, 3 text deltas, block stop, delta, stop
        assertThat(events).hasSize(8);
        assertThat(events.get(0).isMessageStart()).isTrue();
        assertThat(events.get(0).asMessageStart().message().usage().inputTokens()).isEqualTo(11);
        assertThat(events.get(1).asContentBlockStart().contentBlock().isText()).isTrue();
        assertThat(events.subList(2, 5)).allSatisfy(e -> assertThat(e.asContentBlockDelta().delta().isText()).isTrue());
        assertThat(events.subList(2, 5).stream().map(e -> e.asContentBlockDelta().delta().asText().text())
                .collect(Collectors.joining())).isEqualTo("Hello there friend");
        assertThat(events.get(5).isContentBlockStop()).isTrue();
        assertThat(events.get(6).asMessageDelta().delta().stopReason()).contains(StopReason.END_TURN);
        assertThat(events.get(6).asMessageDelta().usage().outputTokens()).isEqualTo(3);
        assertThat(events.get(7).isMessageStop()).isTrue();

        Message message = accumulator.message();
        assertThat(message.content().get(0).asText().text()).isEqualTo("Hello there friend");
        assertThat(message.usage().outputTokens()).isEqualTo(3);
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
    }

    @Test
    void toolUse() {
        fake.enqueue(Reply.text("Let me check.").withToolCalls(
                Reply.ToolCall.of("toolu_weather", "get_weather", "{\"city\":\"Paris\"}"),
                Reply.ToolCall.of("get_time", "{\"zone\":\"CET\"}")));

        Message message = client.messages().create(params().addTool(tool("get_weather"))
                .addTool(tool("get_time")).build());

        assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
        assertThat(message.content()).hasSize(3);
        assertThat(message.content().get(0).asText().text()).isEqualTo("Let me check.");
        List<ToolUseBlock> tools = message.content().stream().filter(ContentBlock::isToolUse)
                .map(ContentBlock::asToolUse).toList();
        assertThat(tools).extracting(ToolUseBlock::name).containsExactly("get_weather", "get_time");
        assertThat(tools.get(0).id()).isEqualTo("toolu_weather");
        assertThat(tools.get(1).id()).startsWith("toolu_");
        assertThat(tools.get(0)._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris"));
        assertThat(tools.get(1)._input().convert(Map.class)).isEqualTo(Map.of("zone", "CET"));
        assertThat(fake.lastRequest().json().path("tools")).hasSize(2);
    }

    @Test
    void streamedToolUseWithInputJsonDeltas() {
        fake.enqueue(Reply.toolCalls(
                Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\",\"unit\":\"C\"}").fragments(4),
                Reply.ToolCall.of("get_time", "{\"zone\":\"CET\"}").fragments(2)));

        MessageAccumulator accumulator = MessageAccumulator.create();
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(
                params().addTool(tool("get_weather")).addTool(tool("get_time")).build())) {
            stream.stream().forEach(event -> events.add(accumulator.accumulate(event)));
        }

        List<String> partials = events.stream().filter(RawMessageStreamEvent::isContentBlockDelta)
                .map(e -> e.asContentBlockDelta().delta())
                .filter(d -> d.isInputJson()).map(d -> d.asInputJson().partialJson()).toList();
        assertThat(partials).hasSize(6);
        assertThat(String.join("", partials.subList(0, 4))).isEqualTo("{\"city\":\"Paris\",\"unit\":\"C\"}");
        assertThat(events.stream().filter(RawMessageStreamEvent::isContentBlockStart)
                .map(e -> e.asContentBlockStart().index()).toList()).containsExactly(0L, 1L);

        Message message = accumulator.message();
        assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
        List<ToolUseBlock> tools = message.content().stream().map(ContentBlock::asToolUse).toList();
        assertThat(tools).extracting(ToolUseBlock::name).containsExactly("get_weather", "get_time");
        assertThat(tools.get(0)._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris", "unit", "C"));
        assertThat(tools.get(1)._input().convert(Map.class)).isEqualTo(Map.of("zone", "CET"));
    }

    @Test
    void wrongKeyIsUnauthorized() {
        AnthropicClient wrong = sdk("sk-ant-wrong", 0);
        try {
            assertThatThrownBy(() -> wrong.messages().create(params().build()))
                    .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(401);
                        assertThat(errorType(e.body())).isEqualTo("authentication_error");
                        assertThat(e.getMessage()).contains("invalid x-api-key");
                    });
        } finally {
            wrong.close();
        }
    }

    @Test
    void rateLimitIsRateLimitExceptionWithRetryAfter() {
        fake.enqueue(FakeAnthropic.rateLimited(Duration.ofSeconds(30)));
        assertThatThrownBy(() -> client.messages().create(params().build()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(errorType(e.body())).isEqualTo("rate_limit_error");
                    assertThat(e.headers().values("retry-after")).containsExactly("30");
                    assertThat(e.headers().values("request-id")).singleElement().asString().startsWith("req_");
                });
    }

    @Test
    void overloadedAndApiErrorsAreInternalServerExceptions() {
        fake.enqueue(FakeAnthropic.overloaded(), FakeAnthropic.apiError());
        assertThatThrownBy(() -> client.messages().create(params().build()))
                .isInstanceOfSatisfying(InternalServerException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(529);
                    assertThat(errorType(e.body())).isEqualTo("overloaded_error");
                });
        assertThatThrownBy(() -> client.messages().create(params().build()))
                .isInstanceOfSatisfying(InternalServerException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(500);
                    assertThat(errorType(e.body())).isEqualTo("api_error");
                });
    }

    @Test
    void sdkRetriesOverloadedAndSucceeds() {
        fake.enqueue(FakeAnthropic.overloaded().header("retry-after", "0"), Reply.text("back again"));
        AnthropicClient retrying = sdk(KEY, 1);
        try {
            Message message = retrying.messages().create(params().build());
            assertThat(message.content().get(0).asText().text()).isEqualTo("back again");
        } finally {
            retrying.close();
        }
        assertThat(fake.requests()).hasSize(2);
    }

    @Test
    void errorEventMidStreamIsSseException() {
        fake.enqueue(FakeAnthropic.overloadedMidStream("one two three", 4));
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params().build())) {
            assertThatThrownBy(() -> stream.stream().forEach(events::add))
                    .isInstanceOfSatisfying(SseException.class, e ->
                            assertThat(errorType(e.body())).isEqualTo("overloaded_error"));
        }
        // message_start, content_block_start, (ping), first text delta — then the error event
        assertThat(events).hasSize(3);
        assertThat(events.get(2).asContentBlockDelta().delta().asText().text()).isEqualTo("one ");
    }

    @Test
    void cutStreamEndsWithAnIoError() {
        fake.enqueue(Reply.text("one two three four").cutAfter(5).every(Duration.ofMillis(5)));
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params().build())) {
            assertThatThrownBy(() -> stream.stream().forEach(events::add))
                    .hasRootCauseInstanceOf(java.io.IOException.class);
        }
        // 5 events written: message_start, block start, ping (dropped by the SDK), 2 deltas; no message_stop
        assertThat(events).hasSize(4);
        assertThat(events).noneMatch(RawMessageStreamEvent::isMessageStop);
        assertThat(fake.clientDisconnected()).isNotDone();
    }

    @Test
    void hangingStreamReportsClientDisconnect() throws Exception {
        fake.enqueue(Reply.text("to be continued").hangAfter(4));
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params().build())) {
            Iterator<RawMessageStreamEvent> it = stream.stream().iterator();
            assertThat(it.next().isMessageStart()).isTrue();
            assertThat(it.next().isContentBlockStart()).isTrue();
            assertThat(it.next().asContentBlockDelta().delta().asText().text()).isEqualTo("to ");
            assertThat(fake.clientDisconnected()).isNotDone();
        }
        fake.clientDisconnected().get(5, TimeUnit.SECONDS);
    }

    // ---- what the SDK never sends: checked on the wire ----

    @Test
    void missingKeyVersionAndMaxTokensAreRejectedAsDocumented() throws Exception {
        String body = "{\"model\":\"" + MODEL + "\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        HttpResponse<String> noKey = post(body, Map.of("anthropic-version", "2023-06-01"));
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertError(noKey, "authentication_error", "x-api-key header is required");

        HttpResponse<String> noVersion = post(body, Map.of("x-api-key", KEY));
        assertThat(noVersion.statusCode()).isEqualTo(400);
        assertError(noVersion, "invalid_request_error", "anthropic-version: header is required");

        HttpResponse<String> badVersion = post(body, Map.of("x-api-key", KEY, "anthropic-version", "2024-10-22"));
        assertThat(badVersion.statusCode()).isEqualTo(400);
        assertError(badVersion, "invalid_request_error", "anthropic-version: \"2024-10-22\" is not a valid version");

        HttpResponse<String> noMaxTokens = post("{\"model\":\"" + MODEL + "\",\"messages\":[]}",
                Map.of("x-api-key", KEY, "anthropic-version", "2023-06-01"));
        assertThat(noMaxTokens.statusCode()).isEqualTo(400);
        assertError(noMaxTokens, "invalid_request_error", "max_tokens: Field required");

        assertThat(fake.requests()).hasSize(4); // rejected requests are recorded too
    }

    @Test
    void rawStreamHasExactFraming() throws Exception {
        fake.enqueue(Reply.text("Hi there").usage(3, 2));
        HttpResponse<String> response = post("{\"model\":\"" + MODEL + "\",\"max_tokens\":10,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                Map.of("x-api-key", KEY, "anthropic-version", "2023-06-01"));

        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/event-stream"));
        List<String> names = response.body().lines().filter(l -> l.startsWith("event: "))
                .map(l -> l.substring(7)).toList();
        assertThat(names).containsExactly("message_start", "content_block_start", "ping", "content_block_delta",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        assertThat(response.body()).endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        assertThat(response.body()).contains("event: ping\ndata: {\"type\":\"ping\"}\n\n");
        assertThat(response.body()).contains("{\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi \"}}");
        assertThat(response.body()).contains("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}");
    }

    private static HttpResponse<String> post(String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/messages"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> response, String type, String message) throws Exception {
        JsonNode json = FakeUpstream.JSON.readTree(response.body());
        assertThat(json.path("type").asText()).isEqualTo("error");
        assertThat(json.path("error").path("type").asText()).isEqualTo(type);
        assertThat(json.path("error").path("message").asText()).isEqualTo(message);
        assertThat(json.path("request_id").asText()).startsWith("req_");
        assertThat(response.headers().firstValue("request-id")).contains(json.path("request_id").asText());
    }

    private static String errorType(JsonValue body) {
        return FakeUpstream.JSON.valueToTree(body.convert(Map.class)).path("error").path("type").asText();
    }
}
