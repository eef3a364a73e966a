package dev.tollgate.gateway.provider.ollama;

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
import dev.tollgate.gateway.fakes.FakeOllama;
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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link OllamaAdapter} run by {@link HubUpstream} over HTTP against {@link FakeOllama}: no Quarkus. */
class OllamaHubUpstreamTest {
    static Vertx vertx;
    static HttpClient client;
    static FakeOllama fake;
    static HubUpstream hub;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        client = vertx.createHttpClient();
        fake = FakeOllama.start(vertx, null);
        hub = new HubUpstream(() -> client,
                new OllamaAdapter(Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC)));
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

    static Call call(String model, String apiBase, Operation op, String body, String policy) {
        GatewayConfig.Model m = new GatewayConfig.Model("ns/ollama", "ollama/" + model, "ollama", model, apiBase,
                null, null, null, null, null, null, 1, 10_000, null, null, policy, null);
        return new Call(m, null, op, JsonBody.of((ObjectNode) Json.parse(body.replace('\'', '"'))), new Cancellation());
    }

    static Call call(Operation op, String body) {
        return call("llama3.2", fake.baseUrl(), op, body, "reject");
    }

    static <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> call) {
        return HubCalls.onLoop(vertx, call);
    }

    @Test
    void chatWithOptionsImagesAndUsage() throws Exception {
        fake.enqueue(Reply.text("A pixel.").usage(26, 3));
        JsonNode answer = await(onLoop(() -> hub.send(call(Operation.CHAT,
                "{'model':'m','messages':[{'role':'developer','content':'Be short.'},{'role':'user','content':["
                        + "{'type':'text','text':'What is it?'},{'type':'image_url','image_url':{'url':"
                        + "'data:image/png;base64,iVBORw0KGgo='}}]}],'max_tokens':20,'temperature':0.2,'top_k':5,"
                        + "'num_ctx':8192,'stop':'END','seed':7,'keep_alive':'10m',"
                        + "'response_format':{'type':'json_object'}}"))));
        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.path("model").asText()).isEqualTo("llama3.2");
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("A pixel.");
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(26);
        assertThat(answer.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/api/chat");
        assertThat(r.header("authorization")).isNull();
        JsonNode b = r.json();
        assertThat(b.path("model").asText()).isEqualTo("llama3.2");
        assertThat(b.path("stream").asBoolean(true)).as("Ollama streams unless told not to").isFalse();
        assertThat(b.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(b.path("messages").get(1).path("content").asText()).isEqualTo("What is it?");
        assertThat(b.path("messages").get(1).path("images").get(0).asText()).isEqualTo("iVBORw0KGgo=");
        JsonNode o = b.path("options");
        assertThat(o.path("num_predict").asInt()).isEqualTo(20);
        assertThat(o.path("temperature").asDouble()).isEqualTo(0.2);
        assertThat(o.path("top_k").asInt()).isEqualTo(5);
        assertThat(o.path("num_ctx").asInt()).isEqualTo(8192);
        assertThat(o.path("stop").get(0).asText()).isEqualTo("END");
        assertThat(o.path("seed").asInt()).isEqualTo(7);
        assertThat(b.path("keep_alive").asText()).isEqualTo("10m");
        assertThat(b.path("format").asText()).isEqualTo("json");
    }

    @Test
    void toolCallsAndResultsRoundTripWithObjectArguments() throws Exception {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}")));
        JsonNode answer = await(onLoop(() -> hub.send(call(Operation.CHAT,
                "{'messages':[{'role':'user','content':'weather?'}],'tools':[{'type':'function','function':"
                        + "{'name':'get_weather','parameters':{'type':'object'}}}]}"))));
        JsonNode choice = answer.path("choices").get(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode tc = choice.path("message").path("tool_calls").get(0);
        assertThat(tc.path("id").asText()).isNotEmpty();
        assertThat(tc.path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(tc.path("function").path("arguments").isTextual()).as("OpenAI's arguments are a string").isTrue();
        assertThat(Json.parse(tc.path("function").path("arguments").asText())).isEqualTo(Json.parse("{\"city\":\"Paris\"}"));
        assertThat(fake.lastRequest().json().path("tools").get(0).path("function").path("name").asText())
                .isEqualTo("get_weather");

        fake.enqueue(Reply.text("Sunny."));
        await(onLoop(() -> hub.send(call(Operation.CHAT, "{'messages':[{'role':'user','content':'weather?'},"
                + "{'role':'assistant','content':null,'tool_calls':[{'id':'call_1','type':'function','function':"
                + "{'name':'get_weather','arguments':'{\\\"city\\\":\\\"Paris\\\"}'}}]},"
                + "{'role':'tool','tool_call_id':'call_1','content':'sunny'}]}"))));
        JsonNode sent = fake.lastRequest().json().path("messages");
        assertThat(sent.get(1).path("tool_calls").get(0).path("function").path("arguments").isObject())
                .as("Ollama's arguments are an object").isTrue();
        assertThat(sent.get(1).path("tool_calls").get(0).path("function").path("arguments").path("city").asText())
                .isEqualTo("Paris");
        assertThat(sent.get(2).path("role").asText()).isEqualTo("tool");
        assertThat(sent.get(2).path("tool_name").asText()).isEqualTo("get_weather");
        assertThat(sent.get(2).path("content").asText()).isEqualTo("sunny");
    }

    @Test
    void streamedChatIsNdjsonWithTheUsageLast() throws Exception {
        fake.enqueue(Reply.text("one two three").usage(11, 3));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        AtomicReference<TokenUsage> usage = new AtomicReference<>();
        await(onLoop(() -> hub.stream(call(Operation.CHAT, "{'messages':[{'role':'user','content':'go'}],'stream':true}"),
                sink(chunks, usage))));
        assertThat(fake.lastRequest().json().path("stream").asBoolean()).isTrue();
        assertThat(fake.lastRequest().header("accept")).isEqualTo("application/x-ndjson");
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            if (!c.path("choices").isEmpty()) {
                text.append(c.path("choices").get(0).path("delta").path("content").asText(""));
            }
        }
        assertThat(text.toString()).isEqualTo("one two three");
        assertThat(chunks.get(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("prompt_tokens").asInt()).isEqualTo(11);
        assertThat(last.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
        assertThat(chunks.get(chunks.size() - 2).path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(usage.get().inputTokens()).isEqualTo(11);
    }

    @Test
    void streamedToolCallsArriveWhole() throws Exception {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}")));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        await(onLoop(() -> hub.stream(call(Operation.CHAT, "{'messages':[{'role':'user','content':'w?'}],'stream':true,"
                + "'tools':[{'type':'function','function':{'name':'get_weather','parameters':{'type':'object'}}}]}"),
                sink(chunks, new AtomicReference<>()))));
        JsonNode call = null;
        String finish = null;
        for (JsonNode c : chunks) {
            if (!c.path("choices").isEmpty()) {
                JsonNode ch = c.path("choices").get(0);
                if (ch.path("delta").has("tool_calls")) {
                    call = ch.path("delta").path("tool_calls").get(0);
                }
                if (ch.path("finish_reason").isTextual()) {
                    finish = ch.path("finish_reason").asText();
                }
            }
        }
        assertThat(call).isNotNull();
        assertThat(call.path("index").asInt()).isZero();
        assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(Json.parse(call.path("function").path("arguments").asText())).isEqualTo(Json.parse("{\"city\":\"Paris\"}"));
        assertThat(finish).isEqualTo("tool_calls");
    }

    @Test
    void aCutStreamIsAnError() throws Exception {
        fake.enqueue(Reply.text("one two three four five").cutAfter(2));
        UpstreamException e = failure(onLoop(() -> hub.stream(call(Operation.CHAT,
                "{'messages':[{'role':'user','content':'go'}],'stream':true}"), sink(new CopyOnWriteArrayList<>(),
                new AtomicReference<>()))));
        assertThat(e.error().code()).isEqualTo("upstream_stream_cut");
    }

    @Test
    void anErrorLineInTheStreamFailsTheCall() throws Exception {
        fake.enqueue(Reply.text("one two three").streamErrorAfter(1, "server_error", "model runner has unexpectedly stopped"));
        UpstreamException e = failure(onLoop(() -> hub.stream(call(Operation.CHAT,
                "{'messages':[{'role':'user','content':'go'}],'stream':true}"), sink(new CopyOnWriteArrayList<>(),
                new AtomicReference<>()))));
        assertThat(e.getMessage()).contains("model runner has unexpectedly stopped");
    }

    @Test
    void errors() throws Exception {
        fake.enqueue(Reply.contextTooLong());
        UpstreamException ctx = failure(onLoop(() -> hub.send(call(Operation.CHAT,
                "{'messages':[{'role':'user','content':'long'}]}"))));
        assertThat(ctx.error().httpStatus()).isEqualTo(400);
        assertThat(ctx.error().code()).isEqualTo("context_length_exceeded");
        assertThat(ctx.error().param()).isEqualTo("messages");

        fake.enqueue(Reply.error(429, "rate_limit", "too many requests").header("retry-after", "7"));
        UpstreamException limited = failure(onLoop(() -> hub.send(call(Operation.CHAT,
                "{'messages':[{'role':'user','content':'x'}]}"))));
        assertThat(limited.error().httpStatus()).isEqualTo(429);
        assertThat(limited.retryAfter()).isEqualTo("7");

        UpstreamException missing = failure(onLoop(() -> hub.send(call("missing-model", fake.baseUrl(), Operation.CHAT,
                "{'messages':[{'role':'user','content':'x'}]}", "reject"))));
        assertThat(missing.error().httpStatus()).isEqualTo(502);
        assertThat(missing.error().code()).isEqualTo("upstream_not_found");
        assertThat(missing.getMessage()).contains("not found");
    }

    @Test
    void embeddings() throws Exception {
        fake.enqueue(Reply.text("").usage(6, 0));
        JsonNode answer = await(onLoop(() -> hub.send(call(Operation.EMBEDDINGS,
                "{'model':'m','input':['one','two'],'dimensions':3}"))));
        assertThat(fake.lastRequest().path()).isEqualTo("/api/embed");
        assertThat(fake.lastRequest().json().path("input").size()).isEqualTo(2);
        assertThat(answer.path("object").asText()).isEqualTo("list");
        assertThat(answer.path("data")).hasSize(2);
        assertThat(answer.path("data").get(1).path("index").asInt()).isEqualTo(1);
        assertThat(answer.path("data").get(1).path("embedding")).hasSize(3);
        assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(6);
    }

    @Test
    void completionsGoToGenerate() throws Exception {
        fake.enqueue(Reply.text("return a + b").usage(9, 4));
        JsonNode answer = await(onLoop(() -> hub.send(call(Operation.COMPLETIONS,
                "{'prompt':'def add(a, b):','suffix':'\\n','max_tokens':8}"))));
        assertThat(fake.lastRequest().path()).isEqualTo("/api/generate");
        assertThat(fake.lastRequest().json().path("suffix").asText()).isEqualTo("\n");
        assertThat(fake.lastRequest().json().path("options").path("num_predict").asInt()).isEqualTo(8);
        assertThat(answer.path("object").asText()).isEqualTo("text_completion");
        assertThat(answer.path("choices").get(0).path("text").asText()).isEqualTo("return a + b");
        assertThat(answer.path("usage").path("total_tokens").asInt()).isEqualTo(13);

        fake.enqueue(Reply.text("x y").usage(2, 2));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        await(onLoop(() -> hub.stream(call(Operation.COMPLETIONS, "{'prompt':'p','stream':true}"),
                sink(chunks, new AtomicReference<>()))));
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            assertThat(c.path("object").asText()).isEqualTo("text_completion");
            if (!c.path("choices").isEmpty()) {
                text.append(c.path("choices").get(0).path("text").asText());
            }
        }
        assertThat(text.toString()).isEqualTo("x y");
        assertThat(chunks.get(chunks.size() - 1).path("usage").path("completion_tokens").asInt()).isEqualTo(2);
    }

    @Test
    void aBaseWrittenForTheOpenAiPathUsesTheNativeApi() throws Exception {
        fake.enqueue(Reply.text("hi"));
        await(onLoop(() -> hub.send(call("llama3.2", fake.baseUrl() + "/v1/", Operation.CHAT,
                "{'messages':[{'role':'user','content':'x'}]}", "reject"))));
        assertThat(fake.lastRequest().path()).isEqualTo("/api/chat");
    }
}
