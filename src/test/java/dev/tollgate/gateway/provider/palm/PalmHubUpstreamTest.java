package dev.tollgate.gateway.provider.palm;

import dev.tollgate.gateway.provider.HubCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static dev.tollgate.gateway.provider.HubCalls.failure;
import static dev.tollgate.gateway.provider.HubCalls.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakePalm;
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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link PalmAdapter} run by {@link HubUpstream} over HTTP against {@link FakePalm}: no Quarkus. */
class PalmHubUpstreamTest {
    static final String KEY = "AIza-test-key";
    static Vertx vertx;
    static HttpClient client;
    static FakePalm fake;
    static HubUpstream hub;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        client = vertx.createHttpClient();
        fake = FakePalm.start(vertx, KEY);
        hub = new HubUpstream(() -> client,
                new PalmAdapter(Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC)));
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

    static GatewayConfig.Model model(String upstream) {
        return new GatewayConfig.Model("ns/palm", "google/bison-001", "palm", upstream, fake.baseUrl(), null, null,
                "cred", null, null, null, 1, 10_000, null, null, "reject", null);
    }

    static Call call(String upstream, Operation op, String body, String key) {
        return new Call(model(upstream), key, op, JsonBody.of((ObjectNode) Json.parse(body.replace('\'', '"'))),
                new Cancellation());
    }

    /**
     * Runs a call on an event loop, as the gateway does: HubUpstream attaches its body handler when the response
     * arrives, on the loop; from another thread that would race the body.
     */
    static <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> call) {
        return HubCalls.onLoop(vertx, call);
    }

    @Test
    void textModelAnswersAChatRequest() throws Exception {
        fake.enqueue(Reply.text("Once upon a time").usage(10, 4));
        JsonNode answer = await(onLoop(() -> hub.send(call("text-bison-001", Operation.CHAT,
                "{'model':'m','messages':[{'role':'system','content':'Be short.'},{'role':'user','content':'A story'}],"
                        + "'max_tokens':32,'temperature':0.3}", KEY))));
        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.path("created").asLong()).isEqualTo(1_700_000_000L);
        assertThat(answer.path("model").asText()).isEqualTo("text-bison-001");
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Once upon a time");
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(answer.has("usage")).as("PaLM reports no usage: the gateway counts it").isFalse();

        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/v1beta2/models/text-bison-001:generateText");
        assertThat(r.header("x-goog-api-key")).isEqualTo(KEY);
        assertThat(r.query()).doesNotContain(KEY); // the key never travels in the URL
        assertThat(r.json().path("prompt").path("text").asText()).isEqualTo("Be short.\n\nA story");
        assertThat(r.json().path("maxOutputTokens").asInt()).isEqualTo(32);
        assertThat(r.json().path("temperature").asDouble()).isEqualTo(0.3);
    }

    @Test
    void chatModelUsesGenerateMessage() throws Exception {
        fake.enqueue(Reply.text("Hi there!"));
        JsonNode answer = await(onLoop(() -> hub.send(call("models/chat-bison-001", Operation.CHAT,
                "{'messages':[{'role':'system','content':'ctx'},{'role':'user','content':'hi'}],'n':2}", KEY))));
        assertThat(answer.path("choices")).hasSize(2);
        assertThat(answer.path("choices").get(1).path("message").path("content").asText()).isEqualTo("Hi there!");
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/v1beta2/models/chat-bison-001:generateMessage");
        assertThat(r.json().path("prompt").path("context").asText()).isEqualTo("ctx");
        assertThat(r.json().path("prompt").path("messages").get(0).path("author").asText()).isEqualTo("0");
        assertThat(r.json().path("candidateCount").asInt()).isEqualTo(2);
    }

    @Test
    void legacyCompletions() throws Exception {
        fake.enqueue(Reply.text(" there was a backpack."));
        JsonNode answer = await(onLoop(() -> hub.send(call("text-bison-001", Operation.COMPLETIONS,
                "{'model':'m','prompt':'Once upon a time','max_tokens':16,'stop':['\\n']}", KEY))));
        assertThat(answer.path("object").asText()).isEqualTo("text_completion");
        assertThat(answer.path("choices").get(0).path("text").asText()).isEqualTo(" there was a backpack.");
        assertThat(fake.lastRequest().json().path("stopSequences").get(0).asText()).isEqualTo("\n");
    }

    @Test
    void aStreamIsEmulatedFromTheWholeAnswer() throws Exception {
        fake.enqueue(Reply.text("streamed in one piece"));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        await(onLoop(() -> hub.stream(call("text-bison-001", Operation.CHAT,
                "{'messages':[{'role':'user','content':'go'}],'stream':true,'stream_options':{'include_usage':true}}",
                KEY), sink(chunks))));
        assertThat(fake.lastRequest().path()).endsWith(":generateText"); // no streaming method: the plain one
        assertThat(chunks).hasSize(2);
        assertThat(chunks.get(0).path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(chunks.get(0).path("choices").get(0).path("delta").path("content").asText())
                .isEqualTo("streamed in one piece");
        assertThat(chunks.get(1).path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(chunks).noneMatch(c -> c.has("usage")); // none reported: counted by the gateway
    }

    @Test
    void aBlockIsContentFilterPlainAndStreamed() throws Exception {
        fake.enqueue(Reply.text("never shown").finishReason("content_filter"));
        JsonNode answer = await(onLoop(() -> hub.send(call("text-bison-001", Operation.CHAT,
                "{'messages':[{'role':'user','content':'bad'}]}", KEY))));
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEmpty();
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("content_filter");

        fake.enqueue(Reply.text("never shown").finishReason("content_filter"));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        await(onLoop(() -> hub.stream(call("chat-bison-001", Operation.CHAT, "{'messages':[{'role':'user','content':'bad'}]}", KEY),
                sink(chunks))));
        assertThat(chunks.get(chunks.size() - 1).path("choices").get(0).path("finish_reason").asText())
                .isEqualTo("content_filter");
    }

    @Test
    void rateLimitCarriesTheRetryDelay() throws Exception {
        fake.enqueue(Reply.error(429, "rate_limit", "Quota exceeded for quota metric 'Generate requests'")
                .header("retry-after", "7"));
        UpstreamException e = failure(onLoop(() -> hub.send(call("text-bison-001", Operation.CHAT,
                "{'messages':[{'role':'user','content':'x'}]}", KEY))));
        assertThat(e.error().httpStatus()).isEqualTo(429);
        assertThat(e.retryAfter()).isEqualTo("7");
        assertThat(e.error().message()).contains("Quota exceeded");
    }

    @Test
    void aBadKeyIsTollgatesCredentialProblem() throws Exception {
        UpstreamException e = failure(onLoop(() -> hub.send(call("text-bison-001", Operation.CHAT,
                "{'messages':[{'role':'user','content':'x'}]}", "wrong-key"))));
        // Google answers a bad key 400 API_KEY_INVALID: the adapter treats it as the 401 it means
        assertThat(e.upstreamStatus()).isEqualTo(401);
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(e.error().code()).isEqualTo("upstream_auth_failed");
        assertThat(e.error().message()).doesNotContain("wrong-key");

        fake.enqueue(Reply.error(403, "permission_denied", "Permission denied"));
        assertThat(failure(onLoop(() -> hub.send(call("text-bison-001", Operation.CHAT,
                "{'messages':[{'role':'user','content':'x'}]}", KEY)))).error().httpStatus()).isEqualTo(502);
    }

    @Test
    void contextTooLongIsA400ContextLengthExceeded() throws Exception {
        fake.enqueue(Reply.contextTooLong());
        UpstreamException e = failure(onLoop(() -> hub.send(call("text-bison-001", Operation.CHAT,
                "{'messages':[{'role':'user','content':'long'}]}", KEY))));
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().code()).isEqualTo("context_length_exceeded");
        assertThat(e.error().param()).isEqualTo("messages");
    }

    @Test
    void otherErrorsMapAsUsual() throws Exception {
        fake.enqueue(Reply.error(503, "unavailable", "The service is currently unavailable."));
        assertThat(failure(onLoop(() -> hub.send(call("text-bison-001", Operation.CHAT,
                "{'messages':[{'role':'user','content':'x'}]}", KEY)))).error().httpStatus()).isEqualTo(503);
        fake.enqueue(Reply.error(400, "invalid", "* GenerateTextRequest.temperature: must be in [0.0, 1.0]"));
        UpstreamException bad = failure(onLoop(() -> hub.send(call("text-bison-001", Operation.CHAT,
                "{'messages':[{'role':'user','content':'x'}],'temperature':1.5}", KEY))));
        assertThat(bad.error().httpStatus()).isEqualTo(400);
        assertThat(bad.error().message()).contains("temperature");
    }

    @Test
    void aCutAnswerIsAnErrorNeverAnEmptyStream() throws Exception {
        fake.enqueue(Reply.text("this answer is cut in the middle").cutAfter(20));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        UpstreamException e = failure(onLoop(() -> hub.stream(call("text-bison-001", Operation.CHAT,
                "{'messages':[{'role':'user','content':'x'}],'stream':true}", KEY), sink(chunks))));
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(chunks).isEmpty();
    }

    @Test
    void aTranslationErrorNeverReachesTheProvider() throws Exception {
        try {
            await(onLoop(() -> hub.send(call("text-bison-001", Operation.CHAT,
                    "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':'function','function':{'name':'f'}}]}",
                    KEY))));
            throw new AssertionError("translated a request with tools");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).hasMessageContaining("'tools'");
        }
        assertThat(fake.requests()).isEmpty();
    }

    static StreamSink sink(List<JsonNode> chunks) {
        return new StreamSink() {
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
        };
    }
}
