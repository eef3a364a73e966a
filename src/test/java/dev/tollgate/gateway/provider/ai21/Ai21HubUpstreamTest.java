package dev.tollgate.gateway.provider.ai21;

import dev.tollgate.gateway.provider.HubCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static dev.tollgate.gateway.provider.HubCalls.sink;
import static dev.tollgate.gateway.provider.HubCalls.failure;
import static dev.tollgate.gateway.provider.HubCalls.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.fakes.FakeAi21;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.HubUpstream;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Ai21Adapter} run by {@link HubUpstream} over HTTP against {@link FakeAi21}: no Quarkus. */
class Ai21HubUpstreamTest {
    static final String KEY = "ai21-test-key";
    static Vertx vertx;
    static HttpClient client;
    static FakeAi21 fake;
    static HubUpstream hub;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        client = vertx.createHttpClient();
        fake = FakeAi21.start(vertx, KEY);
        hub = new HubUpstream(() -> client,
                new Ai21Adapter(Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC)));
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

    static Call call(String upstream, Operation op, String body, String key, String policy) {
        GatewayConfig.Model model = new GatewayConfig.Model("ns/ai21", "ai21/" + upstream, "ai21", upstream,
                fake.baseUrl(), null, null, "cred", null, null, null, 1, 10_000, null, null, policy, null);
        return new Call(model, key, op, JsonBody.of((ObjectNode) Json.parse(body.replace('\'', '"'))),
                new Cancellation());
    }

    static Call call(String upstream, Operation op, String body) {
        return call(upstream, op, body, KEY, "reject");
    }

    static <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> call) {
        return HubCalls.onLoop(vertx, call);
    }

    static final String HI = "{'model':'m','messages':[{'role':'user','content':'hi'}]}";

    @Test
    void jambaChat() throws Exception {
        fake.enqueue(Reply.text("Hello!").usage(12, 3));
        JsonNode answer = await(onLoop(() -> hub.send(call("jamba-mini", Operation.CHAT,
                "{'model':'m','messages':[{'role':'developer','content':'Be short.'},{'role':'user','content':"
                        + "[{'type':'text','text':'hi'}]}],'max_completion_tokens':20,'temperature':0.2,"
                        + "'stream_options':{'include_usage':true}}"))));
        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.path("model").asText()).isEqualTo("jamba-mini");
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hello!");
        assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(12);
        assertThat(answer.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/studio/v1/chat/completions");
        assertThat(r.header("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(r.json().path("model").asText()).isEqualTo("jamba-mini");
        assertThat(r.json().path("max_tokens").asInt()).isEqualTo(20);
        assertThat(r.json().has("stream_options")).isFalse();
        assertThat(r.json().path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(r.json().path("messages").get(1).path("content").asText()).isEqualTo("hi");
    }

    @Test
    void jambaStreamsWithTheUsageOnTheLastChunk() throws Exception {
        fake.enqueue(Reply.text("one two three").usage(7, 3).chunks(3));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        AtomicReference<TokenUsage> usage = new AtomicReference<>();
        await(onLoop(() -> hub.stream(call("jamba-mini", Operation.CHAT,
                "{'messages':[{'role':'user','content':'go'}],'stream':true}"), sink(chunks, usage))));
        assertThat(fake.lastRequest().json().path("stream").asBoolean()).isTrue();
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            if (c.path("choices").size() > 0) {
                text.append(c.path("choices").get(0).path("delta").path("content").asText(""));
                assertThat(c.has("usage")).isFalse();
            }
        }
        assertThat(text.toString()).isEqualTo("one two three");
        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("prompt_tokens").asInt()).isEqualTo(7);
        assertThat(last.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(usage.get().outputTokens()).isEqualTo(3);
    }

    @Test
    void jambaToolCalls() throws Exception {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("call_1", "get_weather", "{\"city\":\"Paris\"}")));
        JsonNode answer = await(onLoop(() -> hub.send(call("jamba-large", Operation.CHAT,
                "{'messages':[{'role':'user','content':'weather?'}],'tools':[{'type':'function','function':"
                        + "{'name':'get_weather','parameters':{'type':'object'}}}]}"))));
        JsonNode tc = answer.path("choices").get(0).path("message").path("tool_calls").get(0);
        assertThat(tc.path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(fake.lastRequest().json().path("tools").get(0).path("function").path("name").asText())
                .isEqualTo("get_weather");
    }

    @Test
    void aCutJambaStreamIsNotAnEnd() throws Exception {
        fake.enqueue(Reply.text("one two three four").chunks(4).cutAfter(2));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        failure(onLoop(() -> hub.stream(call("jamba-mini", Operation.CHAT,
                "{'messages':[{'role':'user','content':'go'}],'stream':true}"), sink(chunks, new AtomicReference<>()))));
    }

    @Test
    void unsupportedParametersFollowThePolicy() throws Exception {
        String body = "{'messages':[{'role':'user','content':'hi'}],'logit_bias':{'1':2}}";
        Throwable rejected = null;
        try {
            await(onLoop(() -> hub.send(call("jamba-mini", Operation.CHAT, body))));
        } catch (ExecutionException e) {
            rejected = e.getCause();
        }
        assertThat(rejected).isNotNull().hasMessageContaining("logit_bias");
        fake.enqueue(Reply.text("ok"));
        Call dropping = call("jamba-mini", Operation.CHAT, body, KEY, "drop");
        await(onLoop(() -> hub.send(dropping)));
        assertThat(dropping.dropped()).containsExactly("logit_bias");
        assertThat(fake.lastRequest().json().has("logit_bias")).isFalse();
    }

    @Test
    void jurassicCompletionWithUsageFromTheTokenArrays() throws Exception {
        fake.enqueue(Reply.text(" a backpack.").usage(5, 4));
        JsonNode answer = await(onLoop(() -> hub.send(call("j2-ultra", Operation.COMPLETIONS,
                "{'prompt':'Once upon a time','max_tokens':16,'stop':['\\n'],'n':1,'frequency_penalty':0.5}"))));
        assertThat(answer.path("object").asText()).isEqualTo("text_completion");
        assertThat(answer.path("choices").get(0).path("text").asText()).isEqualTo(" a backpack.");
        assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(5);
        assertThat(answer.path("usage").path("completion_tokens").asInt()).isEqualTo(4);
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/studio/v1/j2-ultra/complete");
        assertThat(r.json().path("prompt").asText()).isEqualTo("Once upon a time");
        assertThat(r.json().path("maxTokens").asInt()).isEqualTo(16);
        assertThat(r.json().path("numResults").asInt()).isEqualTo(1);
        assertThat(r.json().path("stopSequences").get(0).asText()).isEqualTo("\n");
        assertThat(r.json().path("frequencyPenalty").path("scale").asDouble()).isEqualTo(0.5);
    }

    @Test
    void jurassicChatIsAFlattenedPromptAndStreamsAsAReplay() throws Exception {
        fake.enqueue(Reply.text("Fine, thanks.").usage(9, 3));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        await(onLoop(() -> hub.stream(call("j2-grande-instruct", Operation.CHAT,
                "{'messages':[{'role':'system','content':'Be kind.'},{'role':'user','content':'Hi'},"
                        + "{'role':'assistant','content':'Hello'},{'role':'user','content':'How are you?'}],"
                        + "'stream':true}"), sink(chunks, new AtomicReference<>()))));
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/studio/v1/j2-grande-instruct/complete");
        assertThat(r.json().path("prompt").asText())
                .isEqualTo("Be kind.\n\nUser: Hi\n\nAssistant: Hello\n\nUser: How are you?\n\nAssistant:");
        assertThat(r.json().has("stream")).isFalse();
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            if (c.path("choices").size() > 0) {
                text.append(c.path("choices").get(0).path("delta").path("content").asText(""));
            }
        }
        assertThat(text.toString()).isEqualTo("Fine, thanks.");
        assertThat(chunks.get(chunks.size() - 1).path("usage").path("completion_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void rateLimitCarriesRetryAfter() throws Exception {
        fake.enqueue(Reply.error(429, "rate_limit", "Too many requests").header("retry-after", "7"));
        UpstreamException e = failure(onLoop(() -> hub.send(call("jamba-mini", Operation.CHAT, HI))));
        assertThat(e.error().httpStatus()).isEqualTo(429);
        assertThat(e.retryAfter()).isEqualTo("7");
        assertThat(e.error().message()).contains("Too many requests");
    }

    @Test
    void aBadKeyIsTollgatesCredentialProblem() throws Exception {
        UpstreamException e = failure(onLoop(() -> hub.send(call("jamba-mini", Operation.CHAT, HI, "wrong-key",
                "reject"))));
        assertThat(e.upstreamStatus()).isEqualTo(401);
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(e.error().message()).doesNotContain("wrong-key");
    }

    @Test
    void contextTooLongIsA400ContextLengthExceeded() throws Exception {
        fake.enqueue(Reply.contextTooLong());
        UpstreamException e = failure(onLoop(() -> hub.send(call("jamba-mini", Operation.CHAT, HI))));
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().code()).isEqualTo("context_length_exceeded");
        assertThat(e.error().param()).isEqualTo("messages");
    }
}
