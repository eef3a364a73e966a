package dev.tollgate.gateway.provider.bedrock;

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
import dev.tollgate.gateway.fakes.FakeBedrock;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;

/**
 * {@link BedrockAdapter} run by {@link HubUpstream} over HTTP against {@link FakeBedrock} (which re-signs every SigV4
 * request with the AWS SDK's signer and decodes nothing the SDK would not): no Quarkus.
 */
class BedrockHubUpstreamTest {
    static final String KEY = "ABSKbedrock-api-key-for-tests";
    static final String PROFILE = "us.anthropic.claude-3-5-sonnet-20241022-v2:0";
    static final String ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-3-70b-instruct-v1:0";
    static Vertx vertx;
    static HttpClient client;
    static FakeBedrock fake;
    static HubUpstream hub;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        client = vertx.createHttpClient();
        fake = FakeBedrock.start(vertx, KEY);
        // the signing clock is the real one: the fake checks the signature at the request's own X-Amz-Date
        hub = new HubUpstream(() -> client, new BedrockAdapter(vertx, Clock.systemUTC()));
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

    static GatewayConfig.Model model(String upstream, String policy) {
        return new GatewayConfig.Model("ns/bedrock", "bedrock/" + upstream, "bedrock", upstream, fake.baseUrl(), null,
                FakeBedrock.REGION, "cred", null, null, null, 1, 10_000, null, null, policy, null);
    }

    static Call call(String upstream, String body, String credential, String policy) {
        return new Call(model(upstream, policy), credential, Operation.CHAT,
                JsonBody.of((ObjectNode) Json.parse(body.replace('\'', '"'))), new Cancellation());
    }

    static Call call(String upstream, String body) {
        return call(upstream, body, fake.credentialsJson(), "reject");
    }

    static <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> call) {
        return HubCalls.onLoop(vertx, call);
    }

    static final String HI = "{'model':'m','messages':[{'role':'user','content':'hi'}]}";

    @Test
    void converseSignedWithAccessKeys() throws Exception {
        fake.enqueue(Reply.text("Hello!").usage(12, 3));
        JsonNode answer = await(onLoop(() -> hub.send(call(PROFILE,
                "{'model':'m','messages':[{'role':'system','content':'Be short.'},{'role':'user','content':'hi'}],"
                        + "'max_tokens':20,'temperature':0.2,'top_k':40,'stop':['END']}"))));
        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.path("model").asText()).isEqualTo(PROFILE);
        assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hello!");
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(12);
        assertThat(answer.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
        RecordedRequest r = fake.lastRequest();
        assertThat(r.path()).isEqualTo("/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse");
        assertThat(r.header("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=" + FakeBedrock.ACCESS_KEY_ID
                + "/").contains("/us-east-1/bedrock/aws4_request");
        assertThat(r.header("x-amz-date")).isNotBlank();
        assertThat(r.json().path("system").get(0).path("text").asText()).isEqualTo("Be short.");
        assertThat(r.json().path("inferenceConfig").path("maxTokens").asInt()).isEqualTo(20);
        assertThat(r.json().path("inferenceConfig").path("stopSequences").get(0).asText()).isEqualTo("END");
        assertThat(r.json().path("additionalModelRequestFields").path("top_k").asInt()).isEqualTo(40);
    }

    @Test
    void anInferenceProfileArnIsOneEncodedSegmentAndSigns() throws Exception {
        fake.enqueue(Reply.text("ok"));
        await(onLoop(() -> hub.send(call(ARN, HI))));
        assertThat(fake.lastRequest().path()).isEqualTo("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012"
                + "%3Ainference-profile%2Fus.meta.llama3-3-70b-instruct-v1%3A0/converse");
    }

    @Test
    void aSignatureOverAnotherCanonicalUriFails() throws Exception {
        // signs the path with the model id unencoded while the request goes out encoded: AWS (and the fake) refuse it
        AwsV4HttpSigner signer = AwsV4HttpSigner.create();
        BedrockAdapter wrong = new BedrockAdapter(Clock.systemUTC(), (c, req) -> {
            String sent = req.url();
            req.url(sent.replace("%3A", ":"));
            BedrockAuth.signInPlace(signer, req, BedrockAuth.parse(fake.credentialsJson()).keys(), FakeBedrock.REGION,
                    Clock.systemUTC());
            req.url(sent);
            return Future.succeededFuture();
        });
        HubUpstream bad = new HubUpstream(() -> client, wrong);
        UpstreamException e = failure(onLoop(() -> bad.send(call(PROFILE, HI))));
        assertThat(e.upstreamStatus()).isEqualTo(403);
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(e.error().code()).isEqualTo("upstream_auth_failed");
    }

    @Test
    void aWrongSecretIsA502ThatNamesNoSecret() throws Exception {
        String wrong = "{\"accessKeyId\":\"" + FakeBedrock.ACCESS_KEY_ID + "\",\"secretAccessKey\":\"not-the-right-one\"}";
        UpstreamException e = failure(onLoop(() -> hub.send(call(PROFILE, HI, wrong, "reject"))));
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(e.error().code()).isEqualTo("upstream_auth_failed");
        assertThat(e.error().message()).doesNotContain("not-the-right-one");
    }

    @Test
    void aBedrockApiKeyIsABearerTokenWithoutSignature() throws Exception {
        fake.enqueue(Reply.text("ok"));
        await(onLoop(() -> hub.send(call(PROFILE, HI, KEY, "reject"))));
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(fake.lastRequest().header("x-amz-date")).isNull();
    }

    @Test
    void sessionCredentialsSendTheirToken() throws Exception {
        fake.sessionToken("session-token-123");
        try {
            fake.enqueue(Reply.text("ok"));
            String creds = "{\"AccessKeyId\":\"" + FakeBedrock.ACCESS_KEY_ID + "\",\"SecretAccessKey\":\""
                    + fake.secretAccessKey() + "\",\"SessionToken\":\"session-token-123\"}";
            await(onLoop(() -> hub.send(call(PROFILE, HI, creds, "reject"))));
            assertThat(fake.lastRequest().header("x-amz-security-token")).isEqualTo("session-token-123");
        } finally {
            fake.sessionToken(null);
        }
    }

    @Test
    void withoutASecretThePodIdentityIsResolvedOffTheLoopAndCached() throws Exception {
        AtomicInteger resolved = new AtomicInteger();
        AtomicReference<String> thread = new AtomicReference<>();
        AwsCredentialsProvider pod = () -> {
            resolved.incrementAndGet();
            thread.set(Thread.currentThread().getName());
            return AwsSessionCredentials.builder().accessKeyId(FakeBedrock.ACCESS_KEY_ID)
                    .secretAccessKey(fake.secretAccessKey()).sessionToken("irsa-token")
                    .expirationTime(Instant.now().plus(Duration.ofHours(1))).build();
        };
        fake.sessionToken("irsa-token");
        try {
            HubUpstream irsa = new HubUpstream(() -> client, new BedrockAdapter(Clock.systemUTC(),
                    new BedrockAuth(vertx, Clock.systemUTC(), () -> pod)));
            fake.enqueue(Reply.text("one"), Reply.text("two"));
            await(onLoop(() -> irsa.send(call(PROFILE, HI, null, "reject"))));
            await(onLoop(() -> irsa.send(call(PROFILE, HI, null, "reject"))));
            assertThat(resolved.get()).as("cached until it expires").isEqualTo(1);
            assertThat(thread.get()).doesNotContain("eventloop");
            assertThat(fake.lastRequest().header("x-amz-security-token")).isEqualTo("irsa-token");
        } finally {
            fake.sessionToken(null);
        }
        AwsCredentialsProvider none = () -> {
            throw new IllegalStateException("Unable to load credentials from any of the providers in the chain");
        };
        HubUpstream nothing = new HubUpstream(() -> client, new BedrockAdapter(Clock.systemUTC(),
                new BedrockAuth(vertx, Clock.systemUTC(), () -> none)));
        UpstreamException e = failure(onLoop(() -> nothing.send(call(PROFILE, HI, null, "reject"))));
        assertThat(e.error().code()).isEqualTo("upstream_auth_failed");
        assertThat(e.error().message()).contains("IRSA");
    }

    @Test
    void streamsTextAndUsage() throws Exception {
        fake.enqueue(Reply.text("one two three").usage(7, 3).chunks(3));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        AtomicReference<TokenUsage> usage = new AtomicReference<>();
        await(onLoop(() -> hub.stream(call(PROFILE, "{'messages':[{'role':'user','content':'go'}],'stream':true}"),
                sink(chunks, usage))));
        assertThat(fake.lastRequest().path()).endsWith("/converse-stream");
        assertThat(fake.lastRequest().header("accept")).isEqualTo("application/vnd.amazon.eventstream");
        assertThat(fake.lastRequest().json().has("stream")).isFalse();
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            if (c.path("choices").size() > 0) {
                text.append(c.path("choices").get(0).path("delta").path("content").asText(""));
            }
        }
        assertThat(text.toString()).isEqualTo("one two three");
        assertThat(chunks.get(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("prompt_tokens").asInt()).isEqualTo(7);
        assertThat(last.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
        assertThat(chunks.get(chunks.size() - 2).path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(usage.get().outputTokens()).isEqualTo(3);
    }

    @Test
    void streamsToolCalls() throws Exception {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}").fragments(3)));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        await(onLoop(() -> hub.stream(call(ARN, "{'messages':[{'role':'user','content':'weather?'}],'stream':true,"
                + "'tools':[{'type':'function','function':{'name':'get_weather','parameters':{'type':'object'}}}]}"),
                sink(chunks, new AtomicReference<>()))));
        StringBuilder args = new StringBuilder();
        String id = null;
        String finish = null;
        for (JsonNode c : chunks) {
            JsonNode choice = c.path("choices").path(0);
            for (JsonNode tc : choice.path("delta").path("tool_calls")) {
                args.append(tc.path("function").path("arguments").asText(""));
                if (tc.has("id")) {
                    id = tc.get("id").asText();
                }
            }
            if (choice.path("finish_reason").isTextual()) {
                finish = choice.get("finish_reason").asText();
            }
        }
        assertThat(Json.parse(args.toString())).isEqualTo(Json.parse("{\"city\":\"Paris\"}"));
        assertThat(id).isNotBlank();
        assertThat(finish).isEqualTo("tool_calls");
        assertThat(fake.lastRequest().json().path("toolConfig").path("tools").get(0).path("toolSpec").path("name")
                .asText()).isEqualTo("get_weather");
    }

    @Test
    void aCutStreamIsNotAnEnd() throws Exception {
        fake.enqueue(Reply.text("one two three four").chunks(4).cutAfter(3));
        UpstreamException e = failure(onLoop(() -> hub.stream(call(PROFILE,
                "{'messages':[{'role':'user','content':'go'}],'stream':true}"), sink(new CopyOnWriteArrayList<>(),
                new AtomicReference<>()))));
        assertThat(e.error().code()).isEqualTo("upstream_stream_cut");
    }

    @Test
    void aCorruptFrameFailsTheStream() throws Exception {
        fake.corruptFrame(2);
        fake.enqueue(Reply.text("one two three four").chunks(4));
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        UpstreamException e = failure(onLoop(() -> hub.stream(call(PROFILE,
                "{'messages':[{'role':'user','content':'go'}],'stream':true}"), sink(chunks, new AtomicReference<>()))));
        assertThat(e.error().message()).contains("corrupt frame");
        assertThat(chunks).noneMatch(c -> c.path("choices").path(0).path("finish_reason").isTextual());
    }

    @Test
    void anExceptionEventFailsTheStreamWithItsStatus() throws Exception {
        fake.enqueue(Reply.text("one two three four").chunks(4).streamErrorAfter(2, "rate_limit_error", "Slow down"));
        UpstreamException e = failure(onLoop(() -> hub.stream(call(PROFILE,
                "{'messages':[{'role':'user','content':'go'}],'stream':true}"), sink(new CopyOnWriteArrayList<>(),
                new AtomicReference<>()))));
        assertThat(e.error().httpStatus()).isEqualTo(429);
        assertThat(e.error().message()).contains("Slow down");
    }

    @Test
    void errorsMapFromTheErrorTypeHeader() throws Exception {
        fake.enqueue(Reply.error(429, "rate_limit_error", "Too many requests").header("retry-after", "7"));
        UpstreamException throttled = failure(onLoop(() -> hub.send(call(PROFILE, HI))));
        assertThat(throttled.error().httpStatus()).isEqualTo(429);
        assertThat(throttled.retryAfter()).isEqualTo("7");
        fake.enqueue(Reply.contextTooLong());
        UpstreamException tooLong = failure(onLoop(() -> hub.send(call(PROFILE, HI))));
        assertThat(tooLong.error().httpStatus()).isEqualTo(400);
        assertThat(tooLong.error().code()).isEqualTo("context_length_exceeded");
        assertThat(tooLong.error().param()).isEqualTo("messages");
    }

    @Test
    void safetyStopsAreContentFilter() throws Exception {
        fake.enqueue(Reply.text("").finishReason("guardrail_intervened"));
        JsonNode a = await(onLoop(() -> hub.send(call(PROFILE, HI))));
        assertThat(a.path("choices").get(0).path("finish_reason").asText()).isEqualTo("content_filter");
        fake.enqueue(Reply.text("").finishReason("content_filter")); // rendered as content_filtered
        JsonNode b = await(onLoop(() -> hub.send(call(PROFILE, HI))));
        assertThat(b.path("choices").get(0).path("finish_reason").asText()).isEqualTo("content_filter");
    }

    @Test
    void unsupportedParametersFollowThePolicy() throws Exception {
        String body = "{'messages':[{'role':'user','content':'hi'}],'logit_bias':{'1':2}}";
        Throwable rejected = null;
        try {
            await(onLoop(() -> hub.send(call(PROFILE, body))));
        } catch (ExecutionException e) {
            rejected = e.getCause();
        }
        assertThat(rejected).isNotNull().hasMessageContaining("logit_bias");
        assertThat(fake.requests()).isEmpty();
        fake.enqueue(Reply.text("ok"));
        Call dropping = call(PROFILE, body, fake.credentialsJson(), "drop");
        await(onLoop(() -> hub.send(dropping)));
        assertThat(dropping.dropped()).containsExactly("logit_bias");
        assertThat(fake.lastRequest().body()).doesNotContain("logit_bias");
    }
}
