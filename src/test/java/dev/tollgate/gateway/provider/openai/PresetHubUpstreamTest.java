package dev.tollgate.gateway.provider.openai;

import dev.tollgate.gateway.provider.HubCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static dev.tollgate.gateway.provider.HubCalls.failure;
import static dev.tollgate.gateway.provider.HubCalls.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Provider;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.fakes.FakeOpenAiCompatible;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link PresetAdapter} run by {@link HubUpstream} over HTTP against {@link FakeOpenAiCompatible}: no Quarkus. */
class PresetHubUpstreamTest {
    static final String KEY = "preset-test-key";
    static Vertx vertx;
    static HttpClient client;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        client = vertx.createHttpClient();
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    static Call call(Provider p, FakeOpenAiCompatible fake, String upstream, Operation op, String body, String key) {
        GatewayConfig.Model model = new GatewayConfig.Model("ns/" + p.wireName(), p.wireName() + "/" + upstream,
                p.wireName(), upstream, fake.baseUrl(), null, null, "cred", null, null, null, 1, 10_000, null, null,
                "reject", null);
        return new Call(model, key, op, JsonBody.of((ObjectNode) Json.parse(body.replace('\'', '"'))), new Cancellation());
    }

    static HubUpstream hub(Provider p) {
        return new HubUpstream(() -> client, new PresetAdapter(p));
    }

    static <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> call) {
        return HubCalls.onLoop(vertx, call);
    }

    /** A streamed call's chunks and the usage reported along the way. */
    record Streamed(List<JsonNode> chunks, List<TokenUsage> usages) {
        String text() {
            StringBuilder sb = new StringBuilder();
            chunks.forEach(c -> sb.append(c.path("choices").path(0).path("delta").path("content").asText("")));
            return sb.toString();
        }

        JsonNode usage() {
            JsonNode last = chunks.get(chunks.size() - 1);
            assertThat(last.path("choices")).as("the usage chunk comes last").isEmpty();
            return last.path("usage");
        }
    }

    static Streamed stream(HubUpstream hub, Call call) throws Exception {
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        List<TokenUsage> usages = new CopyOnWriteArrayList<>();
        await(onLoop(() -> hub.stream(call, new StreamSink() {
            @Override
            public void onEvent(String event, JsonNode data, String raw) {
                chunks.add(data);
            }

            @Override
            public void onUsage(TokenUsage usage) {
                usages.add(usage);
            }

            @Override
            public boolean full() {
                return false;
            }

            @Override
            public void onDrain(Runnable resume) {
            }
        })));
        return new Streamed(chunks, usages);
    }

    static final String HI = "'messages':[{'role':'system','content':'Be brief.'},{'role':'user','content':'hi'}]";

    @Test
    void mistralAcceptsWhatTheAdapterSendsWhereOpenAisOwnBodyIsRefused() throws Exception {
        try (FakeOpenAiCompatible fake = FakeOpenAiCompatible.start(vertx, Provider.MISTRAL, KEY)) {
            String body = "{'model':'m'," + HI + ",'seed':7,'tool_choice':'required','stream_options':{'include_usage':true},"
                    + "'tools':[{'type':'function','function':{'name':'f','parameters':{'type':'object'}}}],'stop':null}";
            // OpenAI's relay would send this as it is: the fake refuses it as Mistral does (422 extra_forbidden)
            fake.enqueue(Reply.text("Hello!").usage(12, 3));
            JsonNode answer = await(onLoop(() -> hub(Provider.MISTRAL).send(call(Provider.MISTRAL, fake,
                    "mistral-small-latest", Operation.CHAT, body.replace(",'stream_options':{'include_usage':true}", ""),
                    KEY))));
            assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hello!");
            assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(12);
            RecordedRequest r = fake.lastRequest();
            assertThat(r.path()).isEqualTo("/v1/chat/completions");
            assertThat(r.header("authorization")).isEqualTo("Bearer " + KEY);
            assertThat(r.json().path("random_seed").asInt()).isEqualTo(7);
            assertThat(r.json().path("tool_choice").asText()).isEqualTo("any");

            fake.enqueue(Reply.text("one two three").usage(12, 3));
            Streamed s = stream(hub(Provider.MISTRAL), call(Provider.MISTRAL, fake, "mistral-small-latest",
                    Operation.CHAT, body.replace("'stop':null", "'stream':true"), KEY));
            assertThat(s.text()).isEqualTo("one two three");
            assertThat(s.usage().path("completion_tokens").asInt()).isEqualTo(3);
            assertThat(s.usages()).isNotEmpty();
            assertThat(fake.lastRequest().json().has("stream_options")).isFalse();
        }
    }

    /** Why Mistral needs its preset: OpenAI's request relayed as it is (provider openai-compatible) is refused. */
    @Test
    void theSameRequestRelayedUntranslatedIsRefusedByMistral() throws Exception {
        try (FakeOpenAiCompatible fake = FakeOpenAiCompatible.start(vertx, Provider.MISTRAL, KEY)) {
            String body = "{'model':'m'," + HI + ",'seed':7,'temperature':null}";
            UpstreamException e = failure(onLoop(() -> new OpenAiUpstream(() -> client, false).send(
                    call(Provider.MISTRAL, fake, "m", Operation.CHAT, body, KEY))));
            assertThat(e.error().httpStatus()).isEqualTo(400);
            assertThat(fake.requests()).hasSize(1);
            fake.enqueue(Reply.text("fine"));
            JsonNode answer = await(onLoop(() -> hub(Provider.MISTRAL).send(call(Provider.MISTRAL, fake, "m",
                    Operation.CHAT, body, KEY))));
            assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("fine");
        }
    }

    @Test
    void mistralsValidationErrorReachesTheClientAs400NamingTheField() throws Exception {
        try (FakeOpenAiCompatible fake = FakeOpenAiCompatible.start(vertx, Provider.MISTRAL, KEY)) {
            // prediction is Mistral's own field, passed through; a message field Mistral does not define is not ours
            // to know: its 422 comes back as 400 with the field named
            UpstreamException e = failure(onLoop(() -> hub(Provider.MISTRAL).send(call(Provider.MISTRAL, fake, "m",
                    Operation.CHAT, "{'model':'m','messages':[{'role':'user','content':'hi','tool_call_id':'x'}]}",
                    KEY))));
            assertThat(e.error().httpStatus()).isEqualTo(400);
            assertThat(e.error().message()).contains("tool_call_id").contains("Extra inputs are not permitted");
        }
    }

    @Test
    void groqStreamUsageFromXGroq() throws Exception {
        try (FakeOpenAiCompatible fake = FakeOpenAiCompatible.start(vertx, Provider.GROQ, KEY)) {
            fake.enqueue(Reply.text("fast answer").usage(20, 4));
            Streamed s = stream(hub(Provider.GROQ), call(Provider.GROQ, fake, "llama-3.3-70b-versatile",
                    Operation.CHAT, "{'model':'x'," + HI + ",'stream':true}", KEY));
            assertThat(fake.lastRequest().path()).isEqualTo("/openai/v1/chat/completions");
            assertThat(s.text()).isEqualTo("fast answer");
            assertThat(s.usage().path("prompt_tokens").asInt()).isEqualTo(20);
            assertThat(s.usage().path("completion_tokens").asInt()).isEqualTo(4);
            for (JsonNode c : s.chunks()) {
                assertThat(c.path("x_groq").has("usage")).isFalse();
            }
        }
    }

    @Test
    void deepSeekCacheAndReasoning() throws Exception {
        try (FakeOpenAiCompatible fake = FakeOpenAiCompatible.start(vertx, Provider.DEEPSEEK, KEY)
                .cacheHitTokens(64).reasoningTokens(30)) {
            fake.enqueue(Reply.text("Sunny.").usage(100, 5));
            JsonNode answer = await(onLoop(() -> hub(Provider.DEEPSEEK).send(call(Provider.DEEPSEEK, fake,
                    "deepseek-reasoner", Operation.CHAT, "{'model':'deepseek-reasoner','messages':[{'role':'user','content':'a'},"
                            + "{'role':'assistant','content':'b','reasoning_content':'r'},{'role':'user','content':'c'}]}",
                    KEY))));
            assertThat(fake.lastRequest().path()).isEqualTo("/chat/completions");
            JsonNode usage = answer.path("usage");
            assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(64);
            assertThat(usage.path("completion_tokens").asInt()).as("reasoning billed as output").isEqualTo(35);
            assertThat(answer.path("choices").get(0).path("message").path("reasoning_content").asText()).isNotEmpty();
            TokenUsage t = TokenUsage.fromOpenAi(usage);
            assertThat(t.cacheReadInputTokens()).isEqualTo(64);
            assertThat(t.inputTokens()).isEqualTo(36);

            fake.enqueue(Reply.text("Sunny.").usage(100, 5));
            Streamed s = stream(hub(Provider.DEEPSEEK), call(Provider.DEEPSEEK, fake, "deepseek-reasoner",
                    Operation.CHAT, "{'model':'deepseek-reasoner'," + HI + ",'stream':true,'stream_options':{'include_usage':"
                            + "true}}", KEY));
            assertThat(s.text()).isEqualTo("Sunny.");
            assertThat(s.chunks().stream().anyMatch(c -> c.path("choices").path(0).path("delta")
                    .path("reasoning_content").isTextual())).isTrue();
            assertThat(s.usage().path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(64);
        }
    }

    @Test
    void xaiUsageCountsReasoningAsOutput() throws Exception {
        try (FakeOpenAiCompatible fake = FakeOpenAiCompatible.start(vertx, Provider.XAI, KEY).reasoningTokens(90)) {
            fake.enqueue(Reply.text("42").usage(30, 2));
            JsonNode answer = await(onLoop(() -> hub(Provider.XAI).send(call(Provider.XAI, fake, "grok-3-mini",
                    Operation.CHAT, "{'model':'x'," + HI + "}", KEY))));
            assertThat(answer.path("usage").path("completion_tokens").asInt()).isEqualTo(92);
            assertThat(answer.path("usage").path("total_tokens").asInt()).isEqualTo(122);
        }
    }

    @Test
    void perplexityCitationsPassThrough() throws Exception {
        try (FakeOpenAiCompatible fake = FakeOpenAiCompatible.start(vertx, Provider.PERPLEXITY, KEY)) {
            fake.enqueue(Reply.text("It is sunny [1].").usage(8, 6));
            JsonNode answer = await(onLoop(() -> hub(Provider.PERPLEXITY).send(call(Provider.PERPLEXITY, fake, "sonar",
                    Operation.CHAT, "{'model':'x'," + HI + "}", KEY))));
            assertThat(answer.path("citations").get(0).asText()).startsWith("https://");
            assertThat(answer.path("search_results")).hasSize(1);
            fake.enqueue(Reply.text("It is sunny.").usage(8, 6));
            Streamed s = stream(hub(Provider.PERPLEXITY), call(Provider.PERPLEXITY, fake, "sonar", Operation.CHAT,
                    "{'model':'x'," + HI + ",'stream':true}", KEY));
            assertThat(s.text()).isEqualTo("It is sunny.");
            assertThat(s.usage().path("total_tokens").asInt()).isEqualTo(14);
            assertThat(s.chunks().get(0).path("citations")).hasSize(1);
        }
    }

    @Test
    void fireworksAndOpenRouterAndVllm() throws Exception {
        try (FakeOpenAiCompatible fw = FakeOpenAiCompatible.start(vertx, Provider.FIREWORKS_AI, KEY);
             FakeOpenAiCompatible or = FakeOpenAiCompatible.start(vertx, Provider.OPENROUTER, KEY);
             FakeOpenAiCompatible vllm = FakeOpenAiCompatible.start(vertx, Provider.VLLM, null)) {
            fw.enqueue(Reply.text("ok"));
            await(onLoop(() -> hub(Provider.FIREWORKS_AI).send(call(Provider.FIREWORKS_AI, fw,
                    "accounts/fireworks/models/llama-v3p1-8b-instruct", Operation.CHAT, "{'model':'x'," + HI
                            + ",'max_tokens':4096,'top_k':40}", KEY))));
            assertThat(fw.lastRequest().path()).isEqualTo("/inference/v1/chat/completions");
            assertThat(fw.lastRequest().json().path("top_k").asInt()).isEqualTo(40);

            or.enqueue(Reply.text("routed").usage(5, 1));
            Streamed s = stream(new HubUpstream(() -> client, new PresetAdapter(Provider.OPENROUTER,
                    Map.of("X-Title", "Tollgate"))), call(Provider.OPENROUTER, or, "meta-llama/llama-3.3-70b-instruct:free",
                    Operation.CHAT, "{'model':'x'," + HI + ",'stream':true,'stream_options':{'include_usage':true}}", KEY));
            assertThat(or.lastRequest().path()).isEqualTo("/api/v1/chat/completions");
            assertThat(or.lastRequest().header("x-title")).isEqualTo("Tollgate");
            assertThat(s.text()).isEqualTo("routed");
            assertThat(s.usage().path("completion_tokens").asInt()).isEqualTo(1);

            vllm.enqueue(Reply.text("local"));
            JsonNode answer = await(onLoop(() -> hub(Provider.VLLM).send(call(Provider.VLLM, vllm, "qwen",
                    Operation.COMPLETIONS, "{'model':'x','prompt':'a','min_p':0.1}", null))));
            assertThat(answer.path("choices").get(0).path("text").asText()).isEqualTo("local");
            assertThat(vllm.lastRequest().header("authorization")).isNull();
        }
    }

    @Test
    void errorsOfTheFakesMapAsTheKitExpects() throws Exception {
        for (Provider p : List.of(Provider.MISTRAL, Provider.GROQ, Provider.DEEPSEEK, Provider.XAI, Provider.VLLM,
                Provider.TOGETHER_AI, Provider.OPENROUTER)) {
            try (FakeOpenAiCompatible fake = FakeOpenAiCompatible.start(vertx, p, KEY)) {
                UpstreamException bad = failure(onLoop(() -> hub(p).send(call(p, fake, "m", Operation.CHAT,
                        "{'model':'x'," + HI + "}", "wrong"))));
                assertThat(bad.error().code()).as(p.wireName()).isEqualTo("upstream_auth_failed");
                fake.enqueue(Reply.contextTooLong());
                UpstreamException ctx = failure(onLoop(() -> hub(p).send(call(p, fake, "m", Operation.CHAT,
                        "{'model':'x'," + HI + "}", KEY))));
                assertThat(ctx.error().code()).as(p.wireName()).isEqualTo("context_length_exceeded");
                fake.enqueue(Reply.error(429, "rate_limit_error", "slow down").header("retry-after", "7"));
                UpstreamException limited = failure(onLoop(() -> hub(p).send(call(p, fake, "m", Operation.CHAT,
                        "{'model':'x'," + HI + "}", KEY))));
                assertThat(limited.error().httpStatus()).as(p.wireName()).isEqualTo(429);
                assertThat(limited.retryAfter()).isEqualTo("7");
                fake.enqueue(Reply.text("one two three four five six").cutAfter(3));
                assertThat(failure(onLoop(() -> hubStream(p, fake))).error().code()).as(p.wireName())
                        .isEqualTo("upstream_stream_cut");
            }
        }
    }

    static Future<Void> hubStream(Provider p, FakeOpenAiCompatible fake) {
        return hub(p).stream(call(p, fake, "m", Operation.CHAT, "{'model':'x'," + HI + ",'stream':true}", KEY),
                new StreamSink() {
                    @Override
                    public void onEvent(String event, JsonNode data, String raw) {
                    }

                    @Override
                    public boolean full() {
                        return false;
                    }

                    @Override
                    public void onDrain(Runnable resume) {
                    }
                });
    }
}
