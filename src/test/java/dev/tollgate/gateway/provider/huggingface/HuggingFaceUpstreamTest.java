package dev.tollgate.gateway.provider.huggingface;

import dev.tollgate.gateway.provider.HubCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static dev.tollgate.gateway.provider.HubCalls.sink;
import static dev.tollgate.gateway.provider.HubCalls.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.fakes.FakeTgi;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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

/** {@link HuggingFaceUpstream} (TGI's /generate through HubUpstream, the Messages API relayed) against {@link FakeTgi}. */
class HuggingFaceUpstreamTest {
    static final String KEY = "hf_test_token";
    static Vertx vertx;
    static HttpClient client;
    static FakeTgi fake;
    static HuggingFaceUpstream hf;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        client = vertx.createHttpClient();
        fake = FakeTgi.start(vertx, KEY);
        hf = new HuggingFaceUpstream(() -> client, Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC));
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

    static Call call(String apiBase, Operation op, String body, String key, String policy) {
        GatewayConfig.Model model = new GatewayConfig.Model("ns/hf", "bigcode/starcoder", "huggingface",
                "bigcode/starcoder", apiBase, null, null, "cred", null, null, null, 1, 10_000, null, null, policy, null);
        return new Call(model, key, op, JsonBody.of((ObjectNode) Json.parse(body.replace('\'', '"'))), new Cancellation());
    }

    static Call call(Operation op, String body) {
        return call(fake.baseUrl(), op, body, KEY, "reject");
    }

    static <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> call) {
        return HubCalls.onLoop(vertx, call);
    }

    static Throwable failure(Future<?> f) throws Exception {
        try {
            await(f);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void completionsGoToGenerateWithUsageFromDetails() throws Exception {
        fake.enqueue(Reply.text("def fib(n):").usage(7, 4).finishReason("length"));
        JsonNode answer = await(onLoop(() -> hf.send(call(Operation.COMPLETIONS,
                "{'model':'x','prompt':'# fibonacci','max_tokens':4,'temperature':0.2,'top_p':1,'stop':'\\n\\n',"
                        + "'top_k':10,'seed':3}"))));
        assertThat(answer.path("object").asText()).isEqualTo("text_completion");
        assertThat(answer.path("model").asText()).isEqualTo("bigcode/starcoder");
        assertThat(answer.path("choices").get(0).path("text").asText()).isEqualTo("def fib(n):");
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
        assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(7);
        assertThat(answer.path("usage").path("completion_tokens").asInt()).isEqualTo(4);
        assertThat(answer.path("usage").path("total_tokens").asInt()).isEqualTo(11);
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/generate");
        assertThat(r.header("authorization")).isEqualTo("Bearer " + KEY);
        JsonNode p = r.json().path("parameters");
        assertThat(r.json().path("inputs").asText()).isEqualTo("# fibonacci");
        assertThat(p.path("max_new_tokens").asInt()).isEqualTo(4);
        assertThat(p.path("temperature").asDouble()).isEqualTo(0.2);
        assertThat(p.path("do_sample").asBoolean()).isTrue();
        assertThat(p.has("top_p")).as("top_p 1 is TGI's 'off', which it refuses as a value").isFalse();
        assertThat(p.path("stop").get(0).asText()).isEqualTo("\n\n");
        assertThat(p.path("top_k").asInt()).isEqualTo(10);
        assertThat(p.path("seed").asLong()).isEqualTo(3);
        assertThat(p.path("details").asBoolean()).isTrue();
        assertThat(p.path("decoder_input_details").asBoolean()).isTrue();
    }

    @Test
    void theRawAnswerIsAnOpenAiCompletionToo() throws Exception {
        fake.enqueue(Reply.text("x = 1").usage(3, 2));
        Buffer raw = await(onLoop(() -> hf.sendRaw(call(Operation.COMPLETIONS, "{'prompt':['a = 0'],'max_tokens':2}"))));
        JsonNode answer = Json.parse(raw.getBytes());
        assertThat(answer.path("choices").get(0).path("text").asText()).isEqualTo("x = 1");
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void streamedCompletionsSkipTheSpecialTokenAndEndWithUsage() throws Exception {
        fake.enqueue(Reply.text("one two three").usage(5, 3));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        AtomicReference<TokenUsage> usage = new AtomicReference<>();
        await(onLoop(() -> hf.stream(call(Operation.COMPLETIONS, "{'prompt':'count','stream':true,'max_tokens':3}"),
                sink(chunks, usage))));
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/generate_stream");
        assertThat(r.json().path("parameters").has("decoder_input_details")).isFalse();
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            assertThat(c.path("object").asText()).isEqualTo("text_completion");
            if (!c.path("choices").isEmpty()) {
                text.append(c.path("choices").get(0).path("text").asText());
            }
        }
        assertThat(text.toString()).isEqualTo("one two three").doesNotContain("</s>");
        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("prompt_tokens").asInt()).isEqualTo(5);
        assertThat(last.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
        assertThat(chunks.get(chunks.size() - 2).path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(usage.get().outputTokens()).isEqualTo(3);
    }

    @Test
    void aCutStreamIsAnError() throws Exception {
        fake.enqueue(Reply.text("one two three four five").cutAfter(2));
        Throwable t = failure(onLoop(() -> hf.stream(call(Operation.COMPLETIONS, "{'prompt':'p','stream':true}"),
                sink(new CopyOnWriteArrayList<>(), new AtomicReference<>()))));
        assertThat(t).isInstanceOf(UpstreamException.class);
        assertThat(((UpstreamException) t).error().code()).isEqualTo("upstream_stream_cut");
    }

    @Test
    void anErrorEventInTheStreamFailsTheCall() throws Exception {
        fake.enqueue(Reply.text("one two three").streamErrorAfter(1, "generation", "CUDA out of memory"));
        Throwable t = failure(onLoop(() -> hf.stream(call(Operation.COMPLETIONS, "{'prompt':'p','stream':true}"),
                sink(new CopyOnWriteArrayList<>(), new AtomicReference<>()))));
        assertThat(t).isInstanceOf(UpstreamException.class);
        assertThat(t.getMessage()).contains("CUDA out of memory");
    }

    @Test
    void tooLongIsContextLengthExceeded() throws Exception {
        fake.enqueue(Reply.contextTooLong());
        UpstreamException e = (UpstreamException) failure(onLoop(() -> hf.send(call(Operation.COMPLETIONS,
                "{'prompt':'long','max_tokens':256}"))));
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().code()).isEqualTo("context_length_exceeded");
        assertThat(e.error().param()).isEqualTo("prompt");
    }

    @Test
    void overloadedIs429WithTheRetryHint() throws Exception {
        fake.enqueue(Reply.error(429, "overloaded", "Model is overloaded").header("retry-after", "7"));
        UpstreamException e = (UpstreamException) failure(onLoop(() -> hf.send(call(Operation.COMPLETIONS,
                "{'prompt':'p'}"))));
        assertThat(e.error().httpStatus()).isEqualTo(429);
        assertThat(e.retryAfter()).isEqualTo("7");
    }

    @Test
    void aRefusedTokenIs502() throws Exception {
        UpstreamException e = (UpstreamException) failure(onLoop(() -> hf.send(call(fake.baseUrl(),
                Operation.COMPLETIONS, "{'prompt':'p'}", "hf_wrong", "reject"))));
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(e.error().code()).isEqualTo("upstream_auth_failed");
    }

    @Test
    void unsupportedParametersAreRefusedOrDropped() throws Exception {
        TranslationException refused = (TranslationException) failure(onLoop(() -> hf.send(call(Operation.COMPLETIONS,
                "{'prompt':'p','logprobs':3}"))));
        assertThat(refused.param()).isEqualTo("logprobs");
        assertThat(fake.requests()).isEmpty();
        fake.enqueue(Reply.text("ok"));
        Call dropping = call(fake.baseUrl(), Operation.COMPLETIONS, "{'prompt':'p','logprobs':3,'echo':true}", KEY, "drop");
        await(onLoop(() -> hf.send(dropping)));
        assertThat(dropping.dropped()).containsExactlyInAnyOrder("logprobs", "echo");
        assertThat(fake.lastRequest().body()).doesNotContain("logprobs").doesNotContain("echo");
    }

    @Test
    void chatGoesToTheMessagesApiUnderV1EvenWhenTheBaseEndsInV1() throws Exception {
        fake.enqueue(Reply.text("Hi!").usage(9, 2));
        JsonNode answer = await(onLoop(() -> hf.send(call(fake.baseUrl() + "/v1/", Operation.CHAT,
                "{'model':'tgi','messages':[{'role':'user','content':'hi'}]}", KEY, "reject"))));
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hi!");
        assertThat(fake.lastRequest().path()).isEqualTo("/v1/chat/completions");
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer " + KEY);

        fake.enqueue(Reply.text("x").usage(3, 1));
        await(onLoop(() -> hf.send(call(fake.baseUrl() + "/v1", Operation.COMPLETIONS, "{'prompt':'p'}", KEY, "reject"))));
        assertThat(fake.lastRequest().path()).isEqualTo("/generate");
    }

    @Test
    void chatErrorsInTgisShapeAreRead() throws Exception {
        fake.enqueue(Reply.contextTooLong());
        UpstreamException e = (UpstreamException) failure(onLoop(() -> hf.send(call(Operation.CHAT,
                "{'messages':[{'role':'user','content':'hi'}]}"))));
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().code()).isEqualTo("context_length_exceeded");
        assertThat(e.error().param()).isEqualTo("messages");
    }

    @Test
    void theRouterServesNoCompletionsAndTheCallNeverLeaves() throws Exception {
        Throwable t = failure(onLoop(() -> hf.send(call("https://router.huggingface.co/v1", Operation.COMPLETIONS,
                "{'prompt':'p'}", KEY, "reject"))));
        assertThat(t).isInstanceOf(TranslationException.class);
        assertThat(((TranslationException) t).httpStatus()).isEqualTo(400);
        assertThat(t.getMessage()).contains("/v1/chat/completions");
    }

    @Test
    void routerEmbeddingsGoToTheFeatureExtractionPipeline() throws Exception {
        RouterEmbeddings e = new RouterEmbeddings(() -> client);
        JsonNode one = await(onLoop(() -> e.send(call(fake.baseUrl() + "/v1", Operation.EMBEDDINGS,
                "{'model':'x','input':'hello'}", KEY, "reject"))));
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/hf-inference/models/bigcode/starcoder/pipeline/feature-extraction");
        assertThat(r.header("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(r.json().path("inputs").asText()).isEqualTo("hello");
        assertThat(one.path("object").asText()).isEqualTo("list");
        assertThat(one.path("data")).hasSize(1);
        assertThat(one.path("data").get(0).path("embedding")).hasSize(3);

        JsonNode two = await(onLoop(() -> e.send(call(fake.baseUrl() + "/v1", Operation.EMBEDDINGS,
                "{'input':['a','b']}", KEY, "reject"))));
        assertThat(two.path("data")).hasSize(2);
        assertThat(two.path("data").get(1).path("index").asInt()).isEqualTo(1);
        assertThat(two.path("data").get(1).path("embedding").get(0).asDouble()).isEqualTo(0.2);
    }

    @Test
    void tokenLevelFeaturesAreNoEmbedding() throws Exception {
        RouterEmbeddings e = new RouterEmbeddings(() -> client);
        GatewayConfig.Model model = new GatewayConfig.Model("ns/hf", "bert", "huggingface", "google/bert-tokens",
                fake.baseUrl() + "/v1", null, null, "cred", null, null, null, 1, 10_000, null, null, "reject", null);
        Throwable t = failure(onLoop(() -> e.send(new Call(model, KEY, Operation.EMBEDDINGS,
                JsonBody.of((ObjectNode) Json.parse("{\"input\":[\"a\"]}")), new Cancellation()))));
        assertThat(t).isInstanceOf(TranslationException.class);
        assertThat(((TranslationException) t).httpStatus()).isEqualTo(502);
        assertThat(RouterEmbeddings.url("https://router.huggingface.co/v1", "BAAI/bge-small-en-v1.5:hf-inference"))
                .isEqualTo("https://router.huggingface.co/hf-inference/models/BAAI/bge-small-en-v1.5/pipeline/"
                        + "feature-extraction");
    }
}
