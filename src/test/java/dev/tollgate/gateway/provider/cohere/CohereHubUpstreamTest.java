package dev.tollgate.gateway.provider.cohere;

import dev.tollgate.gateway.provider.HubCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static dev.tollgate.gateway.provider.HubCalls.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.fakes.FakeCohere;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.HubUpstream;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link CohereAdapter} run by {@link HubUpstream} over a real Vert.x HTTP client against {@link FakeCohere}: plain and
 * streamed chat (same content, same usage), tools, a cut stream, a 429 with retry-after, a refused key, a prompt over
 * the context window, embeddings and rerank.
 */
class CohereHubUpstreamTest {
    static final String KEY = "co-test-key";
    static Vertx vertx;
    static HttpClient client;
    static FakeCohere fake;
    static HubUpstream upstream;
    static GatewayConfig.Model model;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        client = vertx.createHttpClient();
        fake = FakeCohere.start(vertx, KEY);
        upstream = new HubUpstream(() -> client,
                new CohereAdapter(Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC)));
        model = model(fake.baseUrl());
    }

    static GatewayConfig.Model model(String apiBase) {
        return new GatewayConfig.Model("default/command", "command", "cohere", "command-a-03-2025", apiBase, null,
                null, "default/cohere", null, null, null, 1, 30_000, null, null, "reject", null);
    }

    @AfterAll
    static void stop() throws Exception {
        fake.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    static Call call(Operation op, String body, String key) {
        return new Call(model, key, op, JsonBody.of((ObjectNode) Json.parse(body)), new Cancellation());
    }

    /**
     * Runs a call on an event loop, as the gateway does: HubUpstream chains its handlers as the futures complete,
     * which from a plain thread could come after the response (and its body) already arrived.
     */
    static <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> call) {
        return HubCalls.onLoop(vertx, call);
    }

    static Future<JsonNode> send(Call call) {
        return onLoop(() -> upstream.send(call));
    }

    static Future<Void> stream(Call call, StreamSink sink) {
        return onLoop(() -> upstream.stream(call, sink));
    }

    static Throwable failure(Future<?> f) {
        try {
            await(f);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no answer within 10 s; the fake received " + fake.requests().size()
                    + " request(s)", e);
        } catch (Exception e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure");
    }

    /** Collects a stream's hub chunks and the usage it reported. */
    static final class Collected implements StreamSink {
        final List<JsonNode> chunks = new ArrayList<>();
        TokenUsage usage;

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
        }

        @Override
        public void onUsage(TokenUsage usage) {
            this.usage = usage;
        }

        String text() {
            StringBuilder sb = new StringBuilder();
            chunks.forEach(c -> c.path("choices").forEach(ch -> sb.append(ch.path("delta").path("content").asText(""))));
            return sb.toString();
        }
    }

    static final String HELLO = "{\"model\":\"command\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @Test
    void plainChatIsTranslatedBothWaysWithBilledUsage() throws Exception {
        fake.enqueue(Reply.text("Hello there, friend").usage(12, 4));
        JsonNode answer = await(send(call(Operation.CHAT, HELLO, KEY)));

        RecordedRequest sent = fake.lastRequest();
        assertThat(sent.path()).isEqualTo("/v2/chat");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(sent.json().path("model").asText()).isEqualTo("command-a-03-2025");
        assertThat(sent.json().path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(sent.json().has("stream")).isFalse();

        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hello there, friend");
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        // billed units (12 in, 4 out), not the counted tokens that include Cohere's template (12 + 64)
        assertThat(answer.path("usage").path("prompt_tokens").asLong()).isEqualTo(12);
        assertThat(answer.path("usage").path("completion_tokens").asLong()).isEqualTo(4);
        assertThat(answer.path("usage").path("total_tokens").asLong()).isEqualTo(16);
    }

    @Test
    void streamedChatHasTheSameContentAndUsage() throws Exception {
        fake.enqueue(Reply.text("Hello there, friend").usage(12, 4).chunks(3));
        Collected sink = new Collected();
        await(stream(call(Operation.CHAT, HELLO.replace("{\"model\"", "{\"stream\":true,\"model\""), KEY),
                sink));

        assertThat(fake.lastRequest().json().path("stream").asBoolean()).isTrue();
        assertThat(fake.lastRequest().header("accept")).isEqualTo("text/event-stream");
        assertThat(sink.text()).isEqualTo("Hello there, friend");
        assertThat(sink.chunks.get(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        JsonNode last = sink.chunks.get(sink.chunks.size() - 1);
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("prompt_tokens").asLong()).isEqualTo(12);
        assertThat(last.path("usage").path("completion_tokens").asLong()).isEqualTo(4);
        JsonNode finish = sink.chunks.get(sink.chunks.size() - 2);
        assertThat(finish.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(sink.usage.promptTokens()).isEqualTo(12);
    }

    static final String WEATHER = "{\"model\":\"command\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in "
            + "Paris?\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
            + "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}],\"tool_choice\":\"required\"}";

    @Test
    void toolCallsComeBackWithoutTheToolPlan() throws Exception {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}")).usage(20, 9));
        JsonNode answer = await(send(call(Operation.CHAT, WEATHER, KEY)));

        JsonNode sent = fake.lastRequest().json();
        assertThat(sent.path("tools").get(0).path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(sent.path("tool_choice").asText()).isEqualTo("REQUIRED");

        JsonNode message = answer.path("choices").get(0).path("message");
        assertThat(message.path("content").isNull()).isTrue(); // the tool plan is not the answer
        assertThat(message.path("tool_calls").get(0).path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(message.path("tool_calls").get(0).path("function").path("arguments").asText())
                .isEqualTo("{\"city\":\"Paris\"}");
        assertThat(message.path("tool_calls").get(0).path("id").asText()).startsWith("get_weather_");
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
    }

    @Test
    void streamedToolCallsAreReassembledAndThePlanIsNotContent() throws Exception {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}").fragments(4),
                Reply.ToolCall.of("get_time", "{\"tz\":\"CET\"}").fragments(2)).usage(20, 9));
        Collected sink = new Collected();
        await(stream(call(Operation.CHAT, WEATHER.replace("{\"model\"", "{\"stream\":true,\"model\""), KEY),
                sink));

        assertThat(sink.text()).isEmpty();
        StringBuilder[] args = {new StringBuilder(), new StringBuilder()};
        List<String> names = new ArrayList<>();
        for (JsonNode c : sink.chunks) {
            for (JsonNode tc : c.path("choices").path(0).path("delta").path("tool_calls")) {
                args[tc.path("index").asInt()].append(tc.path("function").path("arguments").asText(""));
                if (tc.path("function").has("name")) {
                    names.add(tc.path("function").path("name").asText());
                }
            }
        }
        assertThat(names).containsExactly("get_weather", "get_time");
        assertThat(args[0].toString()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(args[1].toString()).isEqualTo("{\"tz\":\"CET\"}");
        JsonNode finish = sink.chunks.get(sink.chunks.size() - 2);
        assertThat(finish.path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
    }

    @Test
    void aCutStreamFails() {
        fake.enqueue(Reply.text("one two three four five").cutAfter(3));
        Collected sink = new Collected();
        Throwable t = failure(stream(call(Operation.CHAT,
                HELLO.replace("{\"model\"", "{\"stream\":true,\"model\""), KEY), sink));
        assertThat(t).isInstanceOf(UpstreamException.class);
        assertThat(((UpstreamException) t).error().httpStatus()).isEqualTo(502);
        assertThat(((UpstreamException) t).error().code()).isEqualTo("upstream_stream_cut");
    }

    @Test
    void aGenerationErrorInTheStreamFails() {
        fake.enqueue(Reply.text("one two three four").streamErrorAfter(3, "api_error", "internal error"));
        Throwable t = failure(stream(call(Operation.CHAT,
                HELLO.replace("{\"model\"", "{\"stream\":true,\"model\""), KEY), new Collected()));
        assertThat(((UpstreamException) t).error().httpStatus()).isEqualTo(502);
        assertThat(((UpstreamException) t).error().message()).contains("finish_reason ERROR");
    }

    @Test
    void aContentFilterStopIsContentFilterPlainAndStreamed() throws Exception {
        fake.enqueue(Reply.text("I cannot").finishReason("content_filter").usage(8, 2));
        JsonNode answer = await(send(call(Operation.CHAT, HELLO, KEY)));
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("content_filter");
        fake.enqueue(Reply.text("I cannot").finishReason("content_filter").usage(8, 2));
        Collected sink = new Collected();
        await(stream(call(Operation.CHAT, HELLO.replace("{\"model\"", "{\"stream\":true,\"model\""), KEY),
                sink));
        assertThat(sink.chunks.get(sink.chunks.size() - 2).path("choices").get(0).path("finish_reason").asText())
                .isEqualTo("content_filter");
    }

    @Test
    void aForbiddenKeyIsA502Too() {
        fake.enqueue(Reply.error(403, "forbidden", "The user does not have the necessary permissions"));
        UpstreamException e = (UpstreamException) failure(send(call(Operation.CHAT, HELLO, KEY)));
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(e.error().code()).isEqualTo("upstream_auth_failed");
    }

    @Test
    void droppedParametersAreReportedThroughTheCall() throws Exception {
        GatewayConfig.Model dropping = new GatewayConfig.Model("default/command", "command", "cohere",
                "command-a-03-2025", fake.baseUrl(), null, null, null, null, null, null, 1, 30_000, null, null, "drop",
                null);
        Call call = new Call(dropping, KEY, Operation.CHAT, JsonBody.of((ObjectNode) Json.parse(
                "{\"model\":\"command\",\"n\":2,\"logit_bias\":{\"5\":1},\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"Hi\"}]}")), new Cancellation());
        await(send(call));
        assertThat(call.dropped()).containsExactly("n", "logit_bias");
        assertThat(fake.lastRequest().json().has("n")).isFalse();
    }

    @Test
    void aRateLimitIsA429WithRetryAfter() {
        fake.enqueue(Reply.error(429, "rate_limit", "You are past the per minute request limit, please wait and try "
                + "again later.").header("retry-after", "7"));
        UpstreamException e = (UpstreamException) failure(send(call(Operation.CHAT, HELLO, KEY)));
        assertThat(e.error().httpStatus()).isEqualTo(429);
        assertThat(e.retryAfter()).isEqualTo("7");
        assertThat(e.error().message()).contains("per minute request limit");
    }

    @Test
    void aRefusedKeyIsA502() {
        UpstreamException e = (UpstreamException) failure(send(call(Operation.CHAT, HELLO, "wrong-key")));
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(e.error().code()).isEqualTo("upstream_auth_failed");
        assertThat(e.error().message()).doesNotContain("wrong-key");
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer wrong-key");
    }

    @Test
    void aPromptOverTheContextWindowIsContextLengthExceeded() {
        fake.enqueue(Reply.contextTooLong());
        UpstreamException e = (UpstreamException) failure(send(call(Operation.CHAT, HELLO, KEY)));
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().code()).isEqualTo("context_length_exceeded");
        assertThat(e.error().param()).isEqualTo("messages");
    }

    @Test
    void anOverloadedCohereIsA503() {
        fake.enqueue(Reply.error(503, "unavailable", "service unavailable"));
        UpstreamException e = (UpstreamException) failure(send(call(Operation.CHAT, HELLO, KEY)));
        assertThat(e.error().httpStatus()).isEqualTo(503);
        assertThat(e.error().openAiType()).isEqualTo("overloaded_error");
    }

    @Test
    void embeddingsGoToEmbedWithAnInputType() throws Exception {
        fake.enqueue(Reply.text("").usage(5, 0));
        JsonNode answer = await(send(call(Operation.EMBEDDINGS,
                "{\"model\":\"embed\",\"input\":[\"hello\",\"goodbye\"],\"dimensions\":4,\"input_type\":\"search_query\"}",
                KEY)));
        JsonNode sent = fake.lastRequest().json();
        assertThat(fake.lastRequest().path()).isEqualTo("/v2/embed");
        assertThat(sent.path("texts")).hasSize(2);
        assertThat(sent.path("input_type").asText()).isEqualTo("search_query");
        assertThat(sent.path("embedding_types").get(0).asText()).isEqualTo("float");
        assertThat(sent.path("output_dimension").asInt()).isEqualTo(4);
        assertThat(answer.path("object").asText()).isEqualTo("list");
        assertThat(answer.path("data")).hasSize(2);
        assertThat(answer.path("data").get(1).path("index").asInt()).isEqualTo(1);
        assertThat(answer.path("data").get(0).path("embedding")).hasSize(4);
        assertThat(answer.path("usage").path("prompt_tokens").asLong()).isEqualTo(5);
    }

    @Test
    void rerankGoesToRerankAndKeepsTheBilledSearchUnits() throws Exception {
        JsonNode answer = await(send(call(Operation.RERANK,
                "{\"model\":\"rerank\",\"query\":\"capital of the united states\",\"top_n\":2,\"return_documents\":true,"
                        + "\"documents\":[\"Carson City is the capital of Nevada\",{\"text\":\"Washington is the "
                        + "capital of the United States\"},\"Capital punishment\"]}", KEY)));
        JsonNode sent = fake.lastRequest().json();
        assertThat(fake.lastRequest().path()).isEqualTo("/v2/rerank");
        assertThat(sent.path("documents").get(1).asText()).isEqualTo("Washington is the capital of the United States");
        assertThat(sent.has("return_documents")).isFalse(); // v2 has no such field: the gateway serves it
        assertThat(answer.path("results")).hasSize(2);
        assertThat(answer.path("results").get(0).path("index").asInt()).isEqualTo(1);
        assertThat(answer.path("results").get(0).path("document").path("text").asText()).startsWith("Washington");
        assertThat(answer.path("meta").path("billed_units").path("search_units").asLong()).isEqualTo(1);
    }
}
