package dev.tollgate.gateway.provider.replicate;

import dev.tollgate.gateway.provider.HubCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static dev.tollgate.gateway.provider.HubCalls.failure;
import static dev.tollgate.gateway.provider.HubCalls.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeReplicate;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ReplicateUpstream} over HTTP against {@link FakeReplicate}: create, poll, stream, cancel, files. No Quarkus. */
class ReplicateUpstreamTest {
    static final String KEY = "r8_replicate-test-token";
    static Vertx vertx;
    static HttpClient client;
    static FakeReplicate fake;
    static ReplicateUpstream upstream;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        client = vertx.createHttpClient();
        fake = FakeReplicate.start(vertx, KEY);
        upstream = new ReplicateUpstream(vertx, () -> client,
                Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC), 5);
    }

    @AfterAll
    static void stop() {
        fake.close();
        vertx.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
        fake.pollsUntilDone(2).syncWait(true).urlOrigin(null).streams(true);
    }

    static Call call(String upstreamModel, Operation op, String body, String key, long timeoutMillis) {
        GatewayConfig.Model model = new GatewayConfig.Model("ns/rep", "rep", "replicate", upstreamModel,
                fake.baseUrl(), null, null, "cred", null, null, null, 1, timeoutMillis, null, null, "reject", null);
        return new Call(model, key, op, JsonBody.of((ObjectNode) Json.parse(body.replace('\'', '"'))),
                new Cancellation());
    }

    static Call call(String upstreamModel, Operation op, String body) {
        return call(upstreamModel, op, body, KEY, 10_000);
    }

    static <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> call) {
        return HubCalls.onLoop(vertx, call);
    }

    static final String CHAT = "{'model':'m','messages':[{'role':'system','content':'Be brief.'},"
            + "{'role':'user','content':'Hi there'}],'max_tokens':64,'temperature':0,'stop':['END','STOP']}";

    /** A sink that collects the chunks. */
    static final class Collect implements StreamSink {
        final List<JsonNode> chunks = new CopyOnWriteArrayList<>();

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

        String text() {
            StringBuilder sb = new StringBuilder();
            chunks.forEach(c -> sb.append(c.path("choices").path(0).path("delta").path("content").asText("")));
            return sb.toString();
        }

        String legacyText() {
            StringBuilder sb = new StringBuilder();
            chunks.forEach(c -> sb.append(c.path("choices").path(0).path("text").asText("")));
            return sb.toString();
        }

        String finish() {
            String f = null;
            for (JsonNode c : chunks) {
                if (c.path("choices").path(0).path("finish_reason").isTextual()) {
                    f = c.path("choices").path(0).path("finish_reason").asText();
                }
            }
            return f;
        }

        JsonNode usage() {
            JsonNode u = null;
            for (JsonNode c : chunks) {
                if (c.path("usage").isObject()) {
                    u = c.get("usage");
                }
            }
            return u;
        }
    }

    @Test
    void chatWithPreferWaitComesBackFinishedInOneRequest() throws Exception {
        fake.enqueue(Reply.text("Hello, how are you?").usage(21, 6));
        JsonNode answer = await(onLoop(() -> upstream.send(call("meta/llama-2-70b-chat", Operation.CHAT, CHAT))));
        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.path("model").asText()).isEqualTo("meta/llama-2-70b-chat");
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hello, how are you?");
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(21);
        assertThat(answer.path("usage").path("completion_tokens").asInt()).isEqualTo(6);
        assertThat(answer.path("replicate").path("predict_time").asDouble()).isEqualTo(1.25);
        assertThat(fake.requests()).hasSize(1);
        RecordedRequest r = fake.lastRequest();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/v1/models/meta/llama-2-70b-chat/predictions");
        assertThat(r.header("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(r.header("prefer")).isEqualTo("wait=9");
        JsonNode input = r.json().path("input");
        assertThat(input.path("prompt").asText()).isEqualTo("Hi there");
        assertThat(input.path("system_prompt").asText()).isEqualTo("Be brief.");
        assertThat(input.path("max_new_tokens").asInt()).isEqualTo(64);
        assertThat(input.path("temperature").decimalValue()).isEqualByComparingTo("0.01");
        assertThat(input.path("stop_sequences").asText()).isEqualTo("END,STOP");
        assertThat(r.json().has("version")).isFalse();
        assertThat(r.json().has("stream")).isFalse();
    }

    @Test
    void aModelWithoutTokenCountsAnswersWithoutUsageForTheGatewayToCount() throws Exception {
        fake.enqueue(Reply.text("no counts here"));
        JsonNode answer = await(onLoop(() -> upstream.send(call("mosaicml/mpt-7b-instruct", Operation.CHAT, CHAT))));
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("no counts here");
        assertThat(answer.has("usage")).isFalse();
        assertThat(fake.lastRequest().json().path("input").path("prompt").asText()).isEqualTo("Be brief.\n\nHi there");
        assertThat(fake.lastRequest().json().path("input").has("system_prompt")).isFalse();
    }

    @Test
    void aPinnedVersionIsCreatedThroughPredictionsWithTheVersion() throws Exception {
        fake.enqueue(Reply.text("ok"));
        await(onLoop(() -> upstream.send(call("meta/llama-2-7b-chat:13c3cdee13ee059ab779f0291d29f6338d3b0e3384c7f16e450ecf369ba52b82",
                Operation.CHAT, CHAT))));
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/v1/predictions");
        assertThat(r.json().path("version").asText())
                .isEqualTo("13c3cdee13ee059ab779f0291d29f6338d3b0e3384c7f16e450ecf369ba52b82");
    }

    @Test
    void aSlowPredictionIsPolledUntilItSucceeds() throws Exception {
        fake.syncWait(false).pollsUntilDone(3);
        fake.enqueue(Reply.text("after a while").usage(5, 3));
        JsonNode answer = await(onLoop(() -> upstream.send(call("meta/llama-2-13b-chat", Operation.CHAT, CHAT))));
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("after a while");
        List<RecordedRequest> rs = fake.requests();
        assertThat(rs).hasSize(4); // create + 3 polls
        assertThat(rs.subList(1, 4)).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.path()).startsWith("/v1/predictions/");
            assertThat(r.header("authorization")).isEqualTo("Bearer " + KEY);
        });
    }

    @Test
    void aPredictionThatOutlivesTheTimeoutIsCanceledAnd504() throws Exception {
        fake.syncWait(false).pollsUntilDone(1_000_000);
        UpstreamException e = failure(onLoop(() -> upstream.send(call("meta/llama-2-13b-chat", Operation.CHAT, CHAT,
                KEY, 1_000))));
        assertThat(e.error().httpStatus()).isEqualTo(504);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (fake.cancels() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(fake.cancels()).isEqualTo(1);
    }

    @Test
    void streamsOutputEventsThenReadsTheTokenCounts() throws Exception {
        fake.enqueue(Reply.text("The quick brown fox\njumps.").usage(12, 7));
        Collect sink = new Collect();
        await(onLoop(() -> upstream.stream(call("meta/meta-llama-3-70b-instruct", Operation.CHAT, CHAT), sink)));
        assertThat(sink.text()).isEqualTo("The quick brown fox\njumps.");
        assertThat(sink.chunks.get(0).path("choices").path(0).path("delta").path("role").asText()).isEqualTo("assistant");
        assertThat(sink.finish()).isEqualTo("stop");
        assertThat(sink.usage().path("prompt_tokens").asInt()).isEqualTo(12);
        assertThat(sink.usage().path("completion_tokens").asInt()).isEqualTo(7);
        RecordedRequest create = fake.requests().get(0);
        assertThat(create.json().path("stream").asBoolean()).isTrue();
        assertThat(create.header("prefer")).isNull();
        assertThat(create.json().path("input").path("max_tokens").asInt()).isEqualTo(64);
        RecordedRequest stream = fake.requests().get(1);
        assertThat(stream.path()).startsWith("/stream/v1/predictions/");
        assertThat(stream.header("accept")).isEqualTo("text/event-stream");
    }

    @Test
    void aModelThatCannotStreamIsPolledAndReplayedAsAStream() throws Exception {
        fake.streams(false);
        fake.enqueue(Reply.text("whole answer").usage(4, 2));
        Collect sink = new Collect();
        await(onLoop(() -> upstream.stream(call("someone/no-stream-model", Operation.CHAT, CHAT), sink)));
        assertThat(sink.text()).isEqualTo("whole answer");
        assertThat(sink.finish()).isEqualTo("stop");
        assertThat(sink.usage().path("completion_tokens").asInt()).isEqualTo(2);
        assertThat(fake.requests()).hasSize(3); // create, then polled twice
        assertThat(fake.requests().get(1).path()).startsWith("/v1/predictions/");
    }

    @Test
    void completionsStreamAsTextCompletionChunks() throws Exception {
        fake.enqueue(Reply.text("def add(a, b): return a + b"));
        Collect sink = new Collect();
        await(onLoop(() -> upstream.stream(call("meta/llama-2-70b-chat", Operation.COMPLETIONS,
                "{'model':'m','prompt':'def add','max_tokens':20,'stream':true}"), sink)));
        assertThat(sink.legacyText()).isEqualTo("def add(a, b): return a + b");
        assertThat(sink.chunks).allSatisfy(c -> assertThat(c.path("object").asText()).isEqualTo("text_completion"));
        assertThat(sink.finish()).isEqualTo("stop");
        assertThat(sink.usage()).as("no token counts reported: the gateway counts").isNull();
    }

    @Test
    void aCutStreamFails() throws Exception {
        fake.enqueue(Reply.text("one two three four five six").cutAfter(3));
        UpstreamException e = failure(onLoop(() -> upstream.stream(call("meta/llama-2-70b-chat", Operation.CHAT, CHAT),
                new Collect())));
        assertThat(e.error().code()).isEqualTo("upstream_stream_cut");
    }

    @Test
    void anErrorEventFailsTheStream() throws Exception {
        fake.enqueue(Reply.text("one two three four").streamErrorAfter(2, "model_error", "CUDA out of memory"));
        UpstreamException e = failure(onLoop(() -> upstream.stream(call("meta/llama-2-70b-chat", Operation.CHAT, CHAT),
                new Collect())));
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(e.error().message()).contains("CUDA out of memory");
    }

    @Test
    void theClientGoingAwayCancelsThePrediction() throws Exception {
        fake.enqueue(Reply.text("one two three four five").hangAfter(2));
        Call c = call("meta/llama-2-70b-chat", Operation.CHAT, CHAT);
        Collect sink = new Collect();
        Future<Void> f = onLoop(() -> upstream.stream(c, sink));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (sink.chunks.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        vertx.runOnContext(v -> c.cancellation().cancel());
        fake.clientDisconnected().get(5, TimeUnit.SECONDS);
        while (fake.cancels() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(fake.cancels()).isEqualTo(1);
        assertThat(f.toCompletionStage().toCompletableFuture()).failsWithin(Duration.ofSeconds(5));
    }

    @Test
    void httpErrorsAreMapped() throws Exception {
        fake.enqueue(Reply.error(429, "Too Many Requests", "Request was throttled. Expected available in 7 seconds.")
                .header("retry-after", "7"));
        UpstreamException limited = failure(onLoop(() -> upstream.send(call("meta/llama-2-70b-chat", Operation.CHAT, CHAT))));
        assertThat(limited.error().httpStatus()).isEqualTo(429);
        assertThat(limited.retryAfter()).isEqualTo("7");
        assertThat(limited.error().message()).contains("throttled");

        UpstreamException auth = failure(onLoop(() -> upstream.send(call("meta/llama-2-70b-chat", Operation.CHAT, CHAT,
                "wrong", 10_000))));
        assertThat(auth.error().httpStatus()).isEqualTo(502);
        assertThat(auth.error().code()).isEqualTo("upstream_auth_failed");

        fake.enqueue(Reply.error(402, "Insufficient credit", "You have insufficient credit to run this model."));
        UpstreamException credit = failure(onLoop(() -> upstream.send(call("meta/llama-2-70b-chat", Operation.CHAT, CHAT))));
        assertThat(credit.error().httpStatus()).isEqualTo(502);
        assertThat(credit.error().message()).contains("no credit");

        fake.enqueue(Reply.error(422, "Input validation failed", "- input.max_new_tokens: must be <= 4096"));
        UpstreamException invalid = failure(onLoop(() -> upstream.send(call("meta/llama-2-70b-chat", Operation.CHAT, CHAT))));
        assertThat(invalid.error().httpStatus()).isEqualTo(400);
        assertThat(invalid.error().message()).contains("max_new_tokens");
    }

    @Test
    void failedPredictionsAreMapped() throws Exception {
        fake.enqueue(Reply.contextTooLong());
        UpstreamException tooLong = failure(onLoop(() -> upstream.send(call("meta/llama-2-70b-chat", Operation.CHAT, CHAT))));
        assertThat(tooLong.error().httpStatus()).isEqualTo(400);
        assertThat(tooLong.error().code()).isEqualTo("context_length_exceeded");

        fake.enqueue(Reply.text("").finishReason("nsfw"));
        JsonNode blocked = await(onLoop(() -> upstream.send(call("meta/llama-2-70b-chat", Operation.CHAT, CHAT))));
        assertThat(blocked.path("choices").get(0).path("finish_reason").asText()).isEqualTo("content_filter");

        fake.enqueue(Reply.text("").finishReason("nsfw"));
        UpstreamException image = failure(onLoop(() -> upstream.send(call("stability-ai/stable-diffusion",
                Operation.IMAGES, "{'prompt':'a cat'}"))));
        assertThat(image.error().httpStatus()).isEqualTo(400);
        assertThat(image.error().code()).isEqualTo("content_policy_violation");

        fake.enqueue(Reply.contextTooLong());
        UpstreamException streamed = failure(onLoop(() -> upstream.stream(call("meta/llama-2-70b-chat", Operation.CHAT,
                CHAT), new Collect())));
        assertThat(streamed.error().code()).isEqualTo("context_length_exceeded");
    }

    @Test
    void imagesAnswerWithUrlsOrTheFetchedFiles() throws Exception {
        fake.version("db21e45d3f7023abc2a46ee38a23973f6dce16bb082a930b0c49861f96d1e5bf", "stability-ai/stable-diffusion");
        fake.enqueue(Reply.text("ignored"));
        JsonNode urls = await(onLoop(() -> upstream.send(call("stability-ai/stable-diffusion:db21e45d3f7023abc2a46ee38a23973f6dce16bb082a930b0c49861f96d1e5bf",
                Operation.IMAGES, "{'prompt':'a wombat gentleman','n':2,'size':'512x768','negative_prompt':'blurry'}"))));
        assertThat(urls.path("data")).hasSize(2);
        assertThat(urls.path("data").get(0).path("url").asText()).startsWith(fake.origin() + "/fake-blob/");
        JsonNode input = fake.lastRequest().json().path("input");
        assertThat(input.path("num_outputs").asInt()).isEqualTo(2);
        assertThat(input.path("width").asInt()).isEqualTo(512);
        assertThat(input.path("height").asInt()).isEqualTo(768);
        assertThat(input.path("negative_prompt").asText()).isEqualTo("blurry");

        fake.enqueue(Reply.text("ignored"));
        JsonNode b64 = await(onLoop(() -> upstream.send(call("stability-ai/stable-diffusion", Operation.IMAGES,
                "{'prompt':'a cat','response_format':'b64_json'}"))));
        byte[] png = Base64.getDecoder().decode(b64.path("data").get(0).path("b64_json").asText());
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void aForeignUrlIsNeverFollowed() throws Exception {
        try (FakeReplicate elsewhere = FakeReplicate.start(vertx, KEY)) {
            fake.syncWait(false).urlOrigin("http://localhost:" + elsewhere.port());
            fake.enqueue(Reply.text("x"));
            UpstreamException e = failure(onLoop(() -> upstream.send(call("meta/llama-2-70b-chat", Operation.CHAT, CHAT))));
            assertThat(e.error().httpStatus()).isEqualTo(502);
            assertThat(e.error().code()).isEqualTo("upstream_foreign_url");
            assertThat(e.error().message()).contains("localhost");
            assertThat(elsewhere.requests()).isEmpty();
        }
    }
}
