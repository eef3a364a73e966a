package dev.tollgate.gateway.provider.bedrock;

import dev.tollgate.gateway.provider.HubCalls;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeBedrockInvoke;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BedrockInvokeUpstream} over a real Vert.x HTTP client against {@link FakeBedrockInvoke}: authenticated with
 * a Bedrock API key ({@code Authorization: Bearer}, {@link #bearer}) or with a recording authenticator that sees the
 * finished request (as SigV4 will); Titan embeddings fanned out one text per call, Cohere Embed in batches, images of
 * Titan/Nova, Stability and SDXL, content filters, and Bedrock's errors.
 */
class BedrockInvokeUpstreamTest {
    static final String KEY = "bedrock-api-key-test";
    static Vertx vertx;
    static HttpClient client;
    static FakeBedrockInvoke fake;
    static FakeBedrockInvoke open; // no key: records whatever the recording authenticator sends
    static final Authenticator bearer = Authenticator.header("Authorization", "Bearer ");
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC);
    static BedrockInvokeUpstream upstream;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        // as the gateway's clients (Upstreams): a pool large enough for a fan-out (Vert.x's default is 5 connections)
        client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions(),
                new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
        fake = FakeBedrockInvoke.start(vertx, KEY);
        open = FakeBedrockInvoke.start(vertx, null);
        upstream = new BedrockInvokeUpstream(() -> client, bearer, CLOCK);
    }

    @AfterAll
    static void stop() throws Exception {
        fake.close();
        open.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void reset() {
        fake.reset();
        open.reset();
    }

    static GatewayConfig.Model model(String upstreamModel, String apiBase, String unsupported) {
        return new GatewayConfig.Model("default/" + upstreamModel, "m", "bedrock", upstreamModel, apiBase, null,
                "us-east-1", "default/aws", null, null, null, 1, 30_000, null, null, unsupported, null);
    }

    static Call call(String upstreamModel, Operation op, String body) {
        return new Call(model(upstreamModel, fake.baseUrl(), "reject"), KEY, op,
                JsonBody.of((ObjectNode) Json.parse(body)), new Cancellation());
    }

    static <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> call) {
        return HubCalls.onLoop(vertx, call);
    }

    static JsonNode send(Call call) throws Exception {
        return onLoop(() -> upstream.send(call)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static Throwable failure(Call call) {
        try {
            send(call);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("no failure but " + e, e);
        }
        throw new AssertionError("expected a failure");
    }

    static float[] floats(String b64) {
        ByteBuffer buf = ByteBuffer.wrap(Base64.getDecoder().decode(b64)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[buf.remaining() / 4];
        for (int i = 0; i < f.length; i++) {
            f[i] = buf.getFloat();
        }
        return f;
    }

    static void assertVector(JsonNode embedding, String text, int dims) {
        float[] want = FakeBedrockInvoke.vector(text, dims);
        assertThat(embedding).hasSize(dims);
        for (int i = 0; i < dims; i += 97) {
            assertThat(embedding.get(i).floatValue()).isEqualTo(want[i]);
        }
    }

    // ---- embeddings ----

    @Test
    void oneTextIsOneTitanCallAtTheEncodedModelPathWithTheBearerKey() throws Exception {
        fake.enqueue(Reply.text("").usage(7, 0));
        JsonNode answer = send(call("amazon.titan-embed-text-v2:0", Operation.EMBEDDINGS,
                "{\"model\":\"m\",\"input\":\"hello world\",\"dimensions\":256}"));

        RecordedRequest sent = fake.lastRequest();
        assertThat(sent.path()).isEqualTo("/model/amazon.titan-embed-text-v2%3A0/invoke");
        assertThat(sent.pathParam("modelId")).isEqualTo("amazon.titan-embed-text-v2:0");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(sent.header("content-type")).isEqualTo("application/json");
        assertThat(sent.json().path("inputText").asText()).isEqualTo("hello world");
        assertThat(sent.json().path("dimensions").asInt()).isEqualTo(256);
        assertThat(answer.path("object").asText()).isEqualTo("list");
        assertThat(answer.path("data")).hasSize(1);
        assertVector(answer.path("data").get(0).path("embedding"), "hello world", 256);
        assertThat(answer.path("usage").path("prompt_tokens").asLong()).isEqualTo(7);
        assertThat(answer.path("usage").path("total_tokens").asLong()).isEqualTo(7);
    }

    @Test
    void anInputArrayFansOutOneTextPerCallInOrderWithUsageSummed() throws Exception {
        List<String> texts = List.of("alpha", "beta gamma", "delta epsilon zeta", "eta", "theta iota kappa lambda",
                "mu", "nu xi", "omicron pi", "rho sigma tau", "upsilon", "phi chi psi omega");
        Call call = call("amazon.titan-embed-text-v1", Operation.EMBEDDINGS, "{\"model\":\"m\",\"input\":"
                + Json.write(Json.mapper().valueToTree(texts)) + "}");
        JsonNode answer = send(call);

        List<RecordedRequest> calls = fake.requests();
        assertThat(calls).hasSize(texts.size());
        List<String> sentTexts = new ArrayList<>();
        for (RecordedRequest r : calls) {
            assertThat(r.json().size()).isEqualTo(1); // v1 takes inputText only
            sentTexts.add(r.json().path("inputText").asText());
        }
        assertThat(sentTexts).containsExactlyInAnyOrderElementsOf(texts);
        assertThat(answer.path("data")).hasSize(texts.size());
        long words = 0;
        for (int i = 0; i < texts.size(); i++) {
            JsonNode e = answer.path("data").get(i);
            assertThat(e.path("index").asInt()).isEqualTo(i);
            assertVector(e.path("embedding"), texts.get(i), 1536); // order kept whatever order the answers came in
            words += texts.get(i).split(" ").length;
        }
        assertThat(answer.path("usage").path("prompt_tokens").asLong()).isEqualTo(words);
        assertThat(call.dropped()).isEmpty();
    }

    @Test
    void aFanOutKeepsAtMostEightCallsInFlight() throws Exception {
        for (int i = 0; i < 20; i++) {
            fake.enqueue(Reply.text("").hangAfter(0));
        }
        StringBuilder input = new StringBuilder("[");
        for (int i = 0; i < 20; i++) {
            input.append(i == 0 ? "" : ",").append("\"text ").append(i).append('"');
        }
        Call call = call("amazon.titan-embed-text-v2:0", Operation.EMBEDDINGS,
                "{\"model\":\"m\",\"input\":" + input + "]}");
        Future<JsonNode> answer = onLoop(() -> upstream.send(call));
        long deadline = System.currentTimeMillis() + 5_000;
        while (fake.requests().size() < BedrockInvokeUpstream.MAX_IN_FLIGHT && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(300); // time enough for a ninth to arrive, if one were sent
        assertThat(fake.requests()).hasSize(BedrockInvokeUpstream.MAX_IN_FLIGHT);
        assertThat(answer.isComplete()).isFalse();
        call.cancellation().cancel(); // the client went away: the hanging calls are reset
        fake.clientDisconnected().get(5, TimeUnit.SECONDS);
    }

    @Test
    void onePartFailingFailsTheWholeRequestWithItsErrorMapped() {
        fake.enqueue(Reply.text(""), Reply.error(429, "ThrottlingException", "Too many requests, please wait before "
                + "trying again.").header("retry-after", "7"));
        for (int i = 0; i < 3; i++) {
            fake.enqueue(Reply.text(""));
        }
        Throwable t = failure(call("amazon.titan-embed-text-v2:0", Operation.EMBEDDINGS,
                "{\"model\":\"m\",\"input\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}"));
        UpstreamException e = (UpstreamException) t;
        assertThat(e.error().httpStatus()).isEqualTo(429);
        assertThat(e.retryAfter()).isEqualTo("7");
        assertThat(e.error().message()).contains("ThrottlingException").contains("Too many requests");
    }

    @Test
    void base64EncodingIsLittleEndianFloat32AsOpenAiSendsIt() throws Exception {
        JsonNode answer = send(call("amazon.titan-embed-text-v2:0", Operation.EMBEDDINGS,
                "{\"model\":\"m\",\"input\":[\"one\",\"two\"],\"encoding_format\":\"base64\",\"dimensions\":512}"));
        assertThat(fake.requests()).hasSize(2);
        float[] two = floats(answer.path("data").get(1).path("embedding").asText());
        assertThat(two).containsExactly(FakeBedrockInvoke.vector("two", 512));
    }

    @Test
    void cohereEmbedOnBedrockIsBatchedByNinetySix() throws Exception {
        StringBuilder input = new StringBuilder("[");
        for (int i = 0; i < 100; i++) {
            input.append(i == 0 ? "" : ",").append("\"doc ").append(i).append('"');
        }
        JsonNode answer = send(call("cohere.embed-english-v3", Operation.EMBEDDINGS,
                "{\"model\":\"m\",\"input\":" + input + "],\"input_type\":\"search_query\"}"));
        List<RecordedRequest> calls = fake.requests();
        assertThat(calls).hasSize(2);
        assertThat(calls.stream().mapToInt(r -> r.json().path("texts").size()).sorted().toArray())
                .containsExactly(4, 96);
        assertThat(calls.get(0).json().path("input_type").asText()).isEqualTo("search_query");
        assertThat(answer.path("data")).hasSize(100);
        assertVector(answer.path("data").get(99).path("embedding"), "doc 99", 1024);
        assertThat(answer.path("data").get(99).path("index").asInt()).isEqualTo(99);
        assertThat(answer.has("usage")).isFalse(); // Bedrock's body has no count: the gateway counts the input
    }

    @Test
    void dimensionsOnTitanV1AreRefusedOrDroppedAsTheModelSays() throws Exception {
        Throwable t = failure(call("amazon.titan-embed-text-v1", Operation.EMBEDDINGS,
                "{\"model\":\"m\",\"input\":[\"a\",\"b\"],\"dimensions\":256}"));
        assertThat(((TranslationException) t).param()).isEqualTo("dimensions");
        assertThat(fake.requests()).isEmpty();

        Call dropping = new Call(model("amazon.titan-embed-text-v1", fake.baseUrl(), "drop"), KEY,
                Operation.EMBEDDINGS, JsonBody.of((ObjectNode) Json.parse(
                "{\"model\":\"m\",\"input\":[\"a\",\"b\"],\"dimensions\":256}")), new Cancellation());
        JsonNode answer = send(dropping);
        assertThat(dropping.dropped()).containsExactly("dimensions");
        assertThat(answer.path("data")).hasSize(2);
        assertThat(fake.requests()).allSatisfy(r -> assertThat(r.json().has("dimensions")).isFalse());
    }

    @Test
    void aTooLongInputIsContextLengthExceeded() {
        fake.enqueue(Reply.contextTooLong());
        UpstreamException e = (UpstreamException) failure(call("amazon.titan-embed-text-v2:0", Operation.EMBEDDINGS,
                "{\"model\":\"m\",\"input\":\"long\"}"));
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().code()).isEqualTo("context_length_exceeded");
        assertThat(e.error().param()).isEqualTo("input");
    }

    @Test
    void aRefusedKeyIsA502ThatDoesNotQuoteIt() {
        Call call = new Call(model("amazon.titan-embed-text-v2:0", fake.baseUrl(), "reject"), "wrong-key",
                Operation.EMBEDDINGS, JsonBody.of((ObjectNode) Json.parse("{\"input\":\"x\"}")), new Cancellation());
        UpstreamException e = (UpstreamException) failure(call);
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(e.error().code()).isEqualTo("upstream_auth_failed");
        assertThat(e.error().message()).doesNotContain("wrong-key");
    }

    @Test
    void aRecordingAuthenticatorSeesTheFinishedRequestAndArnsAreOneEncodedSegment() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Authenticator recording = (call, request) -> {
            seen.add(request.method() + " " + request.url() + " " + request.body().toString());
            request.header("Authorization", "AWS4-HMAC-SHA256 Credential=fake");
            return Future.succeededFuture();
        };
        BedrockInvokeUpstream signed = new BedrockInvokeUpstream(() -> client, recording, CLOCK);
        String arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.titan-embed-text-v2:0";
        Call call = new Call(model(arn, open.baseUrl(), "reject"), null, Operation.EMBEDDINGS,
                JsonBody.of((ObjectNode) Json.parse("{\"input\":[\"x\",\"y\"]}")), new Cancellation());
        JsonNode answer = onLoop(() -> signed.send(call)).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        assertThat(answer.path("data")).hasSize(2);
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).startsWith("POST " + open.baseUrl() + "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A"
                + "123456789012%3Ainference-profile%2Fus.amazon.titan-embed-text-v2%3A0/invoke {\"inputText\":");
        assertThat(open.lastRequest().pathParam("modelId")).isEqualTo(arn);
        assertThat(open.lastRequest().header("authorization")).isEqualTo("AWS4-HMAC-SHA256 Credential=fake");
    }

    // ---- images ----

    @Test
    void titanImagesAreBase64PngsWithSizeAndQualityMapped() throws Exception {
        JsonNode answer = send(call("amazon.titan-image-generator-v2:0", Operation.IMAGES,
                "{\"model\":\"m\",\"prompt\":\"a lighthouse\",\"n\":2,\"size\":\"512x512\",\"quality\":\"hd\","
                        + "\"negative_prompt\":\"fog\",\"seed\":42,\"response_format\":\"b64_json\"}"));
        JsonNode sent = fake.lastRequest().json();
        assertThat(fake.lastRequest().path()).isEqualTo("/model/amazon.titan-image-generator-v2%3A0/invoke");
        assertThat(sent.path("taskType").asText()).isEqualTo("TEXT_IMAGE");
        assertThat(sent.path("textToImageParams").path("text").asText()).isEqualTo("a lighthouse");
        assertThat(sent.path("textToImageParams").path("negativeText").asText()).isEqualTo("fog");
        JsonNode config = sent.path("imageGenerationConfig");
        assertThat(config.path("numberOfImages").asInt()).isEqualTo(2);
        assertThat(config.path("width").asInt()).isEqualTo(512);
        assertThat(config.path("height").asInt()).isEqualTo(512);
        assertThat(config.path("quality").asText()).isEqualTo("premium");
        assertThat(config.path("seed").asInt()).isEqualTo(42);
        assertThat(answer.path("created").asLong()).isEqualTo(CLOCK.instant().getEpochSecond());
        assertThat(answer.path("data")).hasSize(2);
        byte[] png = Base64.getDecoder().decode(answer.path("data").get(1).path("b64_json").asText());
        assertThat(new String(png, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    @Test
    void moreNovaCanvasImagesThanOneCallMakesAreSplitInFives() throws Exception {
        JsonNode answer = send(call("amazon.nova-canvas-v1:0", Operation.IMAGES,
                "{\"model\":\"m\",\"prompt\":\"a fox\",\"n\":7}"));
        assertThat(fake.requests()).hasSize(2);
        assertThat(fake.requests().stream().mapToInt(r -> r.json().path("imageGenerationConfig")
                .path("numberOfImages").asInt()).sorted().toArray()).containsExactly(2, 5);
        assertThat(answer.path("data")).hasSize(7);
    }

    @Test
    void titanOutputBlockedByTheFilterIsContentPolicyViolation() {
        fake.enqueue(Reply.text("").finishReason("content_filter"));
        UpstreamException e = (UpstreamException) failure(call("amazon.nova-canvas-v1:0", Operation.IMAGES,
                "{\"prompt\":\"something\"}"));
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().code()).isEqualTo("content_policy_violation");
        assertThat(e.error().message()).contains(FakeBedrockInvoke.TITAN_OUTPUT_BLOCKED);
    }

    @Test
    void aPromptBlockedOnInputIsContentPolicyViolationToo() {
        fake.enqueue(Reply.error(400, "ValidationException", "This request has been blocked by our content filters. "
                + "Please adjust your text prompt to submit a new request."));
        UpstreamException e = (UpstreamException) failure(call("amazon.titan-image-generator-v1", Operation.IMAGES,
                "{\"prompt\":\"something\"}"));
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().code()).isEqualTo("content_policy_violation");
        assertThat(e.error().param()).isEqualTo("prompt");
    }

    @Test
    void stabilityMakesOneImagePerCallWithTheNearestAspectRatio() throws Exception {
        JsonNode answer = send(call("stability.stable-image-core-v1:1", Operation.IMAGES,
                "{\"model\":\"m\",\"prompt\":\"a panda\",\"n\":2,\"size\":\"1792x1024\",\"output_format\":\"jpeg\","
                        + "\"negative_prompt\":\"blur\"}"));
        assertThat(fake.requests()).hasSize(2);
        JsonNode sent = fake.lastRequest().json();
        assertThat(sent.path("prompt").asText()).isEqualTo("a panda");
        assertThat(sent.path("aspect_ratio").asText()).isEqualTo("16:9");
        assertThat(sent.path("output_format").asText()).isEqualTo("jpeg");
        assertThat(sent.path("negative_prompt").asText()).isEqualTo("blur");
        assertThat(answer.path("data")).hasSize(2);
    }

    @Test
    void aStabilityFilterReasonIsContentPolicyViolation() {
        fake.enqueue(Reply.text("").finishReason("content_filter"));
        UpstreamException e = (UpstreamException) failure(call("stability.sd3-5-large-v1:0", Operation.IMAGES,
                "{\"prompt\":\"something\"}"));
        assertThat(e.error().code()).isEqualTo("content_policy_violation");
        assertThat(e.error().message()).contains("Filter reason: prompt");
    }

    @Test
    void sdxlTakesWeightedPromptsAndItsContentFilteredArtifactIsRefused() throws Exception {
        JsonNode answer = send(call("stability.stable-diffusion-xl-v1", Operation.IMAGES,
                "{\"prompt\":\"a castle\",\"size\":\"1024x1024\",\"negative_prompt\":\"people\",\"steps\":30,"
                        + "\"cfg_scale\":7}"));
        JsonNode sent = fake.lastRequest().json();
        assertThat(sent.path("text_prompts").get(0).path("weight").asDouble()).isEqualTo(1.0);
        assertThat(sent.path("text_prompts").get(1).path("text").asText()).isEqualTo("people");
        assertThat(sent.path("text_prompts").get(1).path("weight").asDouble()).isEqualTo(-1.0);
        assertThat(sent.path("steps").asInt()).isEqualTo(30);
        assertThat(answer.path("data")).hasSize(1);

        fake.enqueue(Reply.text("").finishReason("content_filter"));
        UpstreamException e = (UpstreamException) failure(call("stability.stable-diffusion-xl-v1", Operation.IMAGES,
                "{\"prompt\":\"a castle\"}"));
        assertThat(e.error().code()).isEqualTo("content_policy_violation");
    }

    @Test
    void urlResponsesAreRefusedBeforeAnyCall() {
        TranslationException e = (TranslationException) failure(call("amazon.nova-canvas-v1:0", Operation.IMAGES,
                "{\"prompt\":\"x\",\"response_format\":\"url\"}"));
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.param()).isEqualTo("response_format");
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void aThrottledImageIsA429AndAnOverloadedOneA503() {
        fake.enqueue(Reply.error(429, "ThrottlingException", "Too many requests").header("retry-after", "3"));
        UpstreamException e = (UpstreamException) failure(call("amazon.nova-canvas-v1:0", Operation.IMAGES,
                "{\"prompt\":\"x\"}"));
        assertThat(e.error().httpStatus()).isEqualTo(429);
        assertThat(e.retryAfter()).isEqualTo("3");
        fake.enqueue(Reply.error(503, "ServiceUnavailableException", "Service unavailable"));
        e = (UpstreamException) failure(call("amazon.nova-canvas-v1:0", Operation.IMAGES, "{\"prompt\":\"x\"}"));
        assertThat(e.error().httpStatus()).isEqualTo(503);
    }

    @Test
    void aModelOfTheWrongKindIsA400OnModelAndStreamingIsRefused() throws Exception {
        TranslationException e = (TranslationException) failure(call("amazon.nova-canvas-v1:0", Operation.EMBEDDINGS,
                "{\"input\":\"x\"}"));
        assertThat(e.param()).isEqualTo("model");
        Future<Void> streamed = onLoop(() -> upstream.stream(call("amazon.nova-canvas-v1:0", Operation.IMAGES,
                "{\"prompt\":\"x\",\"stream\":true}"), null));
        Throwable s = streamed.toCompletionStage().toCompletableFuture().handle((v, t) -> t).get(10, TimeUnit.SECONDS);
        s = s instanceof java.util.concurrent.CompletionException ? s.getCause() : s;
        assertThat(((TranslationException) s).param()).isEqualTo("stream");
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void theAdapterBuildsTheRegionalEndpointWhenNoApiBaseIsSet() {
        BedrockInvokeAdapter adapter = upstream.adapter();
        Call call = new Call(model("amazon.titan-embed-text-v2:0", null, "reject"), KEY, Operation.EMBEDDINGS,
                JsonBody.of((ObjectNode) Json.parse("{\"input\":\"x\"}")), new Cancellation());
        UpstreamRequest r = adapter.request(call, false);
        assertThat(r.url()).isEqualTo("https://bedrock-runtime.us-east-1.amazonaws.com/model/"
                + "amazon.titan-embed-text-v2%3A0/invoke");
    }
}
