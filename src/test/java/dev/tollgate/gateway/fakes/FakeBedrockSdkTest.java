package dev.tollgate.gateway.fakes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.BedrockRuntimeException;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.StopReason;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

/**
 * The official AWS SDK for Java's Bedrock Runtime client against {@link FakeBedrock}: the SDK signs its requests
 * (SigV4, model ids with {@code :} and {@code /} percent-encoded in the path) and the fake accepts them only when its
 * own re-signing agrees; the SDK parses the fake's Converse answers, its event-stream frames (converseStream on the
 * async client) and its error bodies. So the fake's framing, signature check and errors are AWS's, not our guess.
 */
class FakeBedrockSdkTest {
    static final String KEY = "bedrock-api-key-sdk-test";
    static final String PROFILE = "us.anthropic.claude-3-5-sonnet-20241022-v2:0";
    static final String ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-3-70b-instruct-v1:0";
    static FakeBedrock fake;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeAsyncClient async;

    @BeforeAll
    static void start() {
        fake = FakeBedrock.start(KEY);
        sync = client(fake.secretAccessKey());
        async = BedrockRuntimeAsyncClient.builder().region(Region.US_EAST_1)
                .endpointOverride(URI.create(fake.baseUrl()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(fake.accessKeyId(),
                        fake.secretAccessKey())))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    static BedrockRuntimeClient client(String secret) {
        return BedrockRuntimeClient.builder().region(Region.US_EAST_1).endpointOverride(URI.create(fake.baseUrl()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(fake.accessKeyId(),
                        secret)))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @AfterAll
    static void stop() {
        sync.close();
        async.close();
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    static Message user(String text) {
        return Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build();
    }

    @Test
    void converseIsSignedByTheSdkAndParsedByIt() {
        fake.enqueue(Reply.text("Hello from Bedrock").usage(11, 4));
        ConverseResponse r = sync.converse(b -> b.modelId(PROFILE).messages(user("Hi"))
                .inferenceConfig(c -> c.maxTokens(100).temperature(0.5f)));
        assertThat(r.output().message().content().get(0).text()).isEqualTo("Hello from Bedrock");
        assertThat(r.stopReason()).isEqualTo(StopReason.END_TURN);
        assertThat(r.usage().inputTokens()).isEqualTo(11);
        assertThat(r.usage().outputTokens()).isEqualTo(4);
        RecordedRequest sent = fake.lastRequest();
        assertThat(sent.path()).as("the SDK encodes the model id as one segment")
                .isEqualTo("/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse");
        assertThat(sent.header("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=" + fake.accessKeyId());
        assertThat(sent.json().path("inferenceConfig").path("maxTokens").asInt()).isEqualTo(100);
    }

    @Test
    void anInferenceProfileArnSignsAndRoutes() {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}")));
        ConverseResponse r = sync.converse(b -> b.modelId(ARN).messages(user("Weather?")));
        assertThat(r.stopReason()).isEqualTo(StopReason.TOOL_USE);
        ContentBlock use = r.output().message().content().get(0);
        assertThat(use.toolUse().name()).isEqualTo("get_weather");
        assertThat(use.toolUse().input().asMap().get("city").asString()).isEqualTo("Paris");
        assertThat(fake.lastRequest().path()).contains("%3A").contains("%2F");
    }

    @Test
    void aWrongSecretFailsTheSignatureCheck() {
        try (BedrockRuntimeClient wrong = client("not-the-secret")) {
            assertThatThrownBy(() -> wrong.converse(b -> b.modelId(PROFILE).messages(user("Hi"))))
                    .isInstanceOfSatisfying(BedrockRuntimeException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
                    });
        }
    }

    @Test
    void sessionCredentialsCarryTheirToken() {
        fake.sessionToken("FwoGZXIvYXdzEFAKE-session-token");
        try (BedrockRuntimeClient temp = BedrockRuntimeClient.builder().region(Region.US_EAST_1)
                .endpointOverride(URI.create(fake.baseUrl()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsSessionCredentials.create(
                        fake.accessKeyId(), fake.secretAccessKey(), "FwoGZXIvYXdzEFAKE-session-token")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())).build()) {
            fake.enqueue(Reply.text("ok"));
            assertThat(temp.converse(b -> b.modelId(PROFILE).messages(user("Hi"))).output().message().content()
                    .get(0).text()).isEqualTo("ok");
        } finally {
            fake.sessionToken(null);
        }
    }

    @Test
    void errorsAreTheSdksTypedExceptions() {
        fake.enqueue(Reply.error(429, "rate_limit_error", "Too many requests, please wait before trying again."));
        assertThatThrownBy(() -> sync.converse(b -> b.modelId(PROFILE).messages(user("Hi"))))
                .isInstanceOfSatisfying(ThrottlingException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo("Too many requests, please wait before trying again."));
        fake.enqueue(Reply.contextTooLong());
        assertThatThrownBy(() -> sync.converse(b -> b.modelId(PROFILE).messages(user("Hi"))))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo("Input is too long for requested model."));
    }

    @Test
    void converseStreamFramesAreParsedByTheSdk() throws Exception {
        fake.enqueue(Reply.text("one two three").usage(7, 3).withToolCalls(
                Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}").fragments(3)));
        StringBuilder text = new StringBuilder();
        StringBuilder input = new StringBuilder();
        List<String> events = new ArrayList<>();
        int[] usage = new int[2];
        String[] stop = new String[1];
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                        .onMessageStart(e -> events.add("messageStart:" + e.roleAsString()))
                        .onContentBlockStart(e -> events.add("toolUse:" + e.start().toolUse().name()))
                        .onContentBlockDelta(e -> {
                            if (e.delta().text() != null) {
                                text.append(e.delta().text());
                            } else if (e.delta().toolUse() != null) {
                                input.append(e.delta().toolUse().input());
                            }
                        })
                        .onMessageStop(e -> stop[0] = e.stopReasonAsString())
                        .onMetadata(e -> {
                            usage[0] = e.usage().inputTokens();
                            usage[1] = e.usage().outputTokens();
                        })
                        .build())
                .build();
        async.converseStream(ConverseStreamRequest.builder().modelId(ARN).messages(user("Hi")).build(), handler)
                .get(20, TimeUnit.SECONDS);
        assertThat(text.toString()).isEqualTo("one two three");
        assertThat(input.toString()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(events).containsExactly("messageStart:assistant", "toolUse:get_weather");
        assertThat(stop[0]).isEqualTo("tool_use");
        assertThat(usage).containsExactly(7, 3);
        assertThat(fake.lastRequest().path()).endsWith("/converse-stream");
    }

    @Test
    void anExceptionFrameFailsTheSdksStream() {
        fake.enqueue(Reply.text("one two three four").streamErrorAfter(2, "rate_limit_error", "Slow down"));
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder().build()).build();
        assertThatThrownBy(() -> async.converseStream(ConverseStreamRequest.builder().modelId(PROFILE)
                .messages(user("Hi")).build(), handler).join())
                .isInstanceOf(CompletionException.class)
                .hasRootCauseInstanceOf(ThrottlingException.class);
    }

    @Test
    void aCorruptFrameFailsTheSdksStreamToo() {
        fake.corruptFrame(1);
        fake.enqueue(Reply.text("one two three").every(Duration.ofMillis(1)));
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder().build()).build();
        assertThatThrownBy(() -> async.converseStream(ConverseStreamRequest.builder().modelId(PROFILE)
                .messages(user("Hi")).build(), handler).join())
                .isInstanceOf(CompletionException.class)
                .satisfies(e -> assertThat(e.getCause()).isInstanceOfAny(SdkClientException.class,
                        IllegalArgumentException.class, IllegalStateException.class, RuntimeException.class));
    }
}
