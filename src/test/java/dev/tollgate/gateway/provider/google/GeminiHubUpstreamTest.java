package dev.tollgate.gateway.provider.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.fakes.FakeGemini;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.HubUpstream;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Gemini adapter run by {@link HubUpstream} over HTTP against {@link FakeGemini}: what a client of the hub gets
 * for plain and streamed answers, a tool round trip with Gemini 3's thought signature, an image, safety blocks, rate
 * limits, a prompt too long, bad credentials, a cut stream and embeddings.
 */
class GeminiHubUpstreamTest {
    static final String KEY = "AIza-hub-test";
    static Vertx vertx;
    static HttpClient http;
    static FakeGemini fake;
    static HubUpstream hub;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        http = vertx.createHttpClient();
        fake = FakeGemini.start(vertx, KEY);
        hub = new HubUpstream(() -> http, GeminiAdapter.aiStudio(Clock.fixed(Instant.ofEpochSecond(1_700_000_000L),
                ZoneOffset.UTC)));
    }

    @AfterAll
    static void stop() {
        fake.close();
        vertx.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    static Call call(Operation op, String body, String key, String policy) {
        GatewayConfig.Model model = new GatewayConfig.Model("ns/gemini-pro", "gemini-pro", "gemini", "gemini-2.5-flash",
                fake.baseUrl(), null, null, "cred", null, null, null, 1, 10_000, null, null, policy, null);
        return new Call(model, key, op, JsonBody.of((ObjectNode) Json.parse(body.replace('\'', '"'))),
                new Cancellation());
    }

    static Call chat(String body) {
        return call(Operation.CHAT, body, KEY, "reject");
    }

    /**
     * Runs {@code call} on an event loop, as the gateway does: a response future completed on the loop before the test
     * thread adds its handlers would let the body go by unread.
     */
    static <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> call) {
        io.vertx.core.Promise<T> promise = io.vertx.core.Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> call.get().onComplete(promise));
        return promise.future();
    }

    static JsonNode send(Call call) throws Exception {
        return await(onLoop(() -> hub.send(call)));
    }

    static <T> T await(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    /** Streams a call, returning its chunks; the usage reported along the way goes to {@code usage}. */
    static List<JsonNode> stream(Call call, List<TokenUsage> usage) throws Exception {
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        await(onLoop(() -> hub.stream(call, new StreamSink() {
            @Override
            public void onEvent(String event, JsonNode data, String raw) {
                chunks.add(data);
            }

            @Override
            public boolean full() {
                return false;
            }

            @Override
            public void onDrain(Runnable resume) {
                resume.run();
            }

            @Override
            public void onUsage(TokenUsage u) {
                usage.add(u);
            }
        })));
        return chunks;
    }

    static String text(List<JsonNode> chunks) {
        return chunks.stream().filter(c -> !c.path("choices").isEmpty())
                .map(c -> c.path("choices").get(0).path("delta").path("content").asText(""))
                .collect(Collectors.joining());
    }

    static String finish(List<JsonNode> chunks) {
        return chunks.stream().filter(c -> !c.path("choices").isEmpty())
                .map(c -> c.path("choices").get(0).path("finish_reason")).filter(JsonNode::isTextual)
                .map(JsonNode::asText).findFirst().orElse(null);
    }

    static final String HELLO = "{'model':'gemini-pro','messages':[{'role':'system','content':'Be brief.'},"
            + "{'role':'user','content':'Say hello'}],'max_tokens':20}";

    @Test
    void plainAndStreamedAnswersCarryTheSameTextAndUsage() throws Exception {
        fake.enqueue(Reply.text("Hello there, friend").usage(12, 3), Reply.text("Hello there, friend").usage(12, 3));

        JsonNode answer = send(chat(HELLO));
        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hello there, friend");
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(12);
        assertThat(answer.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
        assertThat(answer.path("usage").path("total_tokens").asInt()).isEqualTo(15);
        RecordedRequest plain = fake.lastRequest();
        assertThat(plain.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(plain.header("x-goog-api-key")).isEqualTo(KEY);
        assertThat(plain.json().path("systemInstruction").path("parts").get(0).path("text").asText()).isEqualTo("Be brief.");
        assertThat(plain.json().path("generationConfig").path("maxOutputTokens").asInt()).isEqualTo(20);

        List<TokenUsage> usage = new ArrayList<>();
        List<JsonNode> chunks = stream(chat(HELLO), usage);
        assertThat(chunks.get(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        assertThat(text(chunks)).isEqualTo("Hello there, friend");
        assertThat(finish(chunks)).isEqualTo("stop");
        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage")).isEqualTo(answer.path("usage"));
        assertThat(usage).last().isEqualTo(new TokenUsage(12, 3, 0, 0));
        RecordedRequest streamed = fake.lastRequest();
        assertThat(streamed.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
        assertThat(streamed.queryParam("alt")).isEqualTo("sse");
    }

    @Test
    void toolRoundTripEchoesTheThoughtSignature() throws Exception {
        String ask = "{'model':'gemini-pro','messages':[{'role':'user','content':'Weather in Paris?'}],"
                + "'tools':[{'type':'function','function':{'name':'get_weather','parameters':{'type':'object',"
                + "'properties':{'city':{'type':'string'}}}}}]}";
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}")));
        JsonNode first = send(chat(ask));
        JsonNode message = first.path("choices").get(0).path("message");
        assertThat(first.path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode toolCall = message.path("tool_calls").get(0);
        assertThat(toolCall.path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(toolCall.path("function").path("arguments").asText()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(fake.lastRequest().json().path("tools").get(0).path("functionDeclarations").get(0)
                .path("parametersJsonSchema").path("properties").has("city")).isTrue();

        // the client sends the assistant message back as it got it, with the tool's result
        ObjectNode next = (ObjectNode) Json.parse(ask.replace('\'', '"'));
        ((com.fasterxml.jackson.databind.node.ArrayNode) next.get("messages")).add(message);
        ObjectNode result = ((com.fasterxml.jackson.databind.node.ArrayNode) next.get("messages")).addObject();
        result.put("role", "tool").put("tool_call_id", toolCall.path("id").asText()).put("content", "sunny, 21 C");
        fake.enqueue(Reply.text("It is sunny."));
        JsonNode second = send(new Call(chat(ask).model(), KEY, Operation.CHAT, JsonBody.of(next),
                new Cancellation()));
        assertThat(second.path("choices").get(0).path("message").path("content").asText()).isEqualTo("It is sunny.");
        JsonNode contents = fake.lastRequest().json().path("contents");
        assertThat(contents.get(1).path("role").asText()).isEqualTo("model");
        assertThat(contents.get(1).path("parts").get(0).path("thoughtSignature").asText()).isEqualTo(FakeGemini.SIGNATURE);
        assertThat(contents.get(2).path("parts").get(0).path("functionResponse").path("name").asText())
                .isEqualTo("get_weather");
        assertThat(contents.get(2).path("parts").get(0).path("functionResponse").path("response").path("output").asText())
                .isEqualTo("sunny, 21 C");

        // streamed, the call arrives whole with the same kind of id
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Rome\"}")));
        List<JsonNode> chunks = stream(chat(ask), new ArrayList<>());
        JsonNode streamedCall = chunks.stream().map(c -> c.path("choices").path(0).path("delta").path("tool_calls"))
                .filter(JsonNode::isArray).findFirst().orElseThrow().get(0);
        assertThat(streamedCall.path("function").path("arguments").asText()).isEqualTo("{\"city\":\"Rome\"}");
        assertThat(ToolCallIds.read(streamedCall.path("id").asText()).signature()).isEqualTo(FakeGemini.SIGNATURE);
        assertThat(finish(chunks)).isEqualTo("tool_calls");
    }

    @Test
    void imagesGoInlineAndUrlsAreRefusedBeforeAnyCall() throws Exception {
        fake.enqueue(Reply.text("A cat."));
        JsonNode answer = send(chat("{'model':'gemini-pro-vision','messages':[{'role':'user','content':["
                + "{'type':'text','text':'What is it?'},{'type':'image_url','image_url':{'url':"
                + "'data:image/png;base64,iVBORw0KGgo='}}]}]}"));
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("A cat.");
        JsonNode inline = fake.lastRequest().json().path("contents").get(0).path("parts").get(1).path("inlineData");
        assertThat(inline.path("mimeType").asText()).isEqualTo("image/png");
        assertThat(inline.path("data").asText()).isEqualTo("iVBORw0KGgo=");

        fake.reset();
        assertThatThrownBy(() -> send(chat("{'messages':[{'role':'user','content':[{'type':'image_url',"
                + "'image_url':{'url':'https://example.com/cat.png'}}]}]}")))
                .isInstanceOfSatisfying(TranslationException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo("messages[0].content[0].image_url");
                });
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void safetyBlocksAreContentFilterPlainAndStreamed() throws Exception {
        fake.enqueue(Reply.text("").finishReason("content_filter"), Reply.text("Partial").finishReason("content_filter"),
                FakeGemini.promptBlocked("SAFETY"), FakeGemini.promptBlocked("SAFETY"));
        JsonNode blocked = send(chat(HELLO));
        assertThat(blocked.path("choices").get(0).path("finish_reason").asText()).isEqualTo("content_filter");
        List<JsonNode> chunks = stream(chat(HELLO), new ArrayList<>());
        assertThat(text(chunks)).isEqualTo("Partial");
        assertThat(finish(chunks)).isEqualTo("content_filter");

        JsonNode prompt = send(chat(HELLO));
        assertThat(prompt.path("choices").get(0).path("finish_reason").asText()).isEqualTo("content_filter");
        assertThat(prompt.path("choices").get(0).path("message").path("content").asText()).isEmpty();
        assertThat(finish(stream(chat(HELLO), new ArrayList<>()))).isEqualTo("content_filter");
    }

    @Test
    void rateLimitKeepsGeminisRetryDelay() {
        fake.enqueue(Reply.error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.").header("retry-after", "7"));
        assertThatThrownBy(() -> send(chat(HELLO)))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.error().httpStatus()).isEqualTo(429);
                    assertThat(e.retryAfter()).isEqualTo("7");
                    assertThat(e.error().message()).isEqualTo("You exceeded your current quota.");
                });
    }

    @Test
    void promptTooLongIsContextLengthExceeded() {
        fake.enqueue(Reply.contextTooLong(), Reply.contextTooLong());
        for (int i = 0; i < 2; i++) {
            boolean streamed = i == 1;
            assertThatThrownBy(() -> {
                if (streamed) {
                    stream(chat(HELLO), new ArrayList<>());
                } else {
                    send(chat(HELLO));
                }
            }).isInstanceOfSatisfying(UpstreamException.class, e -> {
                assertThat(e.error().httpStatus()).isEqualTo(400);
                assertThat(e.error().code()).isEqualTo("context_length_exceeded");
                assertThat(e.error().param()).isEqualTo("messages");
            });
        }
    }

    @Test
    void badCredentialsAre502WithoutTheKey() {
        fake.enqueue(Reply.error(403, "PERMISSION_DENIED", "denied"));
        assertThatThrownBy(() -> send(call(Operation.CHAT, HELLO, "AIza-wrong", "reject")))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.error().httpStatus()).isEqualTo(502);
                    assertThat(e.error().code()).isEqualTo("upstream_auth_failed");
                    assertThat(e.error().message()).doesNotContain("AIza-wrong");
                });
        assertThat(fake.lastRequest().header("x-goog-api-key")).isEqualTo("AIza-wrong");
        assertThatThrownBy(() -> send(chat(HELLO)))
                .isInstanceOfSatisfying(UpstreamException.class, e -> assertThat(e.error().httpStatus()).isEqualTo(502));
    }

    @Test
    void overloadIs503() {
        fake.enqueue(FakeGemini.overloaded());
        assertThatThrownBy(() -> send(chat(HELLO)))
                .isInstanceOfSatisfying(UpstreamException.class, e -> assertThat(e.error().httpStatus()).isEqualTo(503));
    }

    @Test
    void aCutStreamFailsAndKeepsTheUsageSoFar() {
        fake.enqueue(Reply.text("one two three four").usage(9, 4).cutAfter(2).every(Duration.ofMillis(5)));
        List<TokenUsage> usage = new ArrayList<>();
        assertThatThrownBy(() -> stream(chat(HELLO), usage))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.error().httpStatus()).isEqualTo(502);
                    assertThat(e.error().code()).isEqualTo("upstream_stream_cut");
                });
        assertThat(usage).isNotEmpty();
        assertThat(usage.get(usage.size() - 1).promptTokens()).isEqualTo(9);
    }

    @Test
    void unsupportedParametersFollowTheModelsPolicy() throws Exception {
        String body = "{'messages':[{'role':'user','content':'hi'}],'logprobs':true}";
        assertThatThrownBy(() -> send(chat(body))).isInstanceOfSatisfying(TranslationException.class,
                e -> assertThat(e.param()).isEqualTo("logprobs"));
        assertThat(fake.requests()).isEmpty();
        Call dropping = call(Operation.CHAT, body, KEY, "drop");
        send(dropping);
        assertThat(dropping.dropped()).containsExactly("logprobs");
    }

    @Test
    void embeddingsOneAndMany() throws Exception {
        JsonNode one = send(call(Operation.EMBEDDINGS, "{'model':'e','input':'hello','dimensions':8}", KEY,
                "reject"));
        assertThat(fake.lastRequest().path()).isEqualTo("/v1beta/models/gemini-2.5-flash:embedContent");
        assertThat(one.path("object").asText()).isEqualTo("list");
        assertThat(one.path("data").get(0).path("embedding")).hasSize(8);

        JsonNode many = send(call(Operation.EMBEDDINGS, "{'model':'e','input':['a','b','c']}", KEY,
                "reject"));
        assertThat(fake.lastRequest().path()).isEqualTo("/v1beta/models/gemini-2.5-flash:batchEmbedContents");
        assertThat(many.path("data")).hasSize(3);
        assertThat(many.path("data").get(2).path("index").asInt()).isEqualTo(2);
        assertThat(many.path("data").get(0).path("embedding")).hasSize(FakeGemini.DIMENSIONS);
        assertThat(many.path("data").get(0).path("embedding")).isEqualTo(
                send(call(Operation.EMBEDDINGS, "{'input':'a'}", KEY, "reject")).path("data").get(0)
                        .path("embedding"));
    }
}
