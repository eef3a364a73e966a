package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

/**
 * A fake of the Bedrock Runtime's Converse API ({@link #baseUrl()} is the origin, as
 * {@code https://bedrock-runtime.us-east-1.amazonaws.com} is AWS's):
 * <ul>
 *   <li>{@code POST /model/{modelId}/converse} — {@code {output:{message:{role, content:[{text}|{toolUse:{toolUseId,
 *       name, input}}]}}, stopReason, usage:{inputTokens, outputTokens, totalTokens}, metrics:{latencyMs}}}
 *       (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html). The model id is one
 *       percent-encoded path segment ({@code %3A} for {@code :}, {@code %2F} for {@code /}), decoded here.</li>
 *   <li>{@code POST /model/{modelId}/converse-stream} — {@code application/vnd.amazon.eventstream}
 *       (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html): frames encoded with
 *       AWS's own event-stream library, each with headers {@code :message-type event}, {@code :event-type},
 *       {@code :content-type application/json} and the event's JSON payload: messageStart {role}; per text block
 *       contentBlockDelta {contentBlockIndex, delta:{text}} and contentBlockStop; per tool call contentBlockStart
 *       {contentBlockIndex, start:{toolUse:{toolUseId, name}}}, contentBlockDelta {delta:{toolUse:{input}}} per
 *       argument fragment, contentBlockStop; messageStop {stopReason}; metadata {usage, metrics}
 *       (ConverseStreamOutput's members). {@link Reply#streamErrorAfter} sends an exception frame
 *       ({@code :message-type exception}, {@code :exception-type} e.g. {@code throttlingException}, payload
 *       {@code {"message"}}); {@link Reply#cutAfter} closes the connection after n frames; {@link #corruptFrame}
 *       flips a payload byte of one frame so that its message CRC no longer matches.</li>
 * </ul>
 * Request bodies are checked against Converse's top-level members (messages required; an unknown member is a 400
 * ValidationException, as AWS's validating service answers).
 *
 * <p>Auth, as AWS checks it: SigV4 ({@code Authorization: AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/bedrock/
 * aws4_request, SignedHeaders=…, Signature=…} with {@code X-Amz-Date}, and {@code X-Amz-Security-Token} for session
 * credentials). The fake recomputes the signature with the AWS SDK's own signer over the request as received — the
 * raw (encoded) path, the signed headers, the body, the time of {@code X-Amz-Date} — and compares: a client that
 * signs another canonical URI than the one it sends fails. Or a Bedrock API key as {@code Authorization: Bearer}.
 * A refused credential is 403 with {@code x-amzn-ErrorType} UnrecognizedClientException, InvalidSignatureException
 * or AccessDeniedException.
 *
 * <p>Errors (https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html): the status, the error's name
 * in {@code x-amzn-ErrorType} ({@code Name:http://internal.amazon.com/coral/com.amazon.bedrock/}) and
 * {@code {"message": "…"}}; 400 ValidationException, 403 AccessDeniedException, 404 ResourceNotFoundException, 408
 * ModelTimeoutException, 424 ModelErrorException, 429 ThrottlingException, 500 InternalServerException, 503
 * ServiceUnavailableException. A Reply's {@code retry-after} header is sent as is (Bedrock documents no retry hint).
 * {@link Reply#contextTooLong()}: 400 ValidationException "Input is too long for requested model." (the runtime's
 * wording, as users report it). Finish reasons: the Reply's {@code stop}/{@code tool_calls}/{@code length}/
 * {@code content_filter} become end_turn/tool_use/max_tokens/content_filtered; any other is sent verbatim
 * ({@code guardrail_intervened}).
 */
public final class FakeBedrock extends FakeUpstream {
    public static final String DEFAULT_TEXT = "Hello from the fake Bedrock.";
    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY_ID = "AKIAFAKEBEDROCK00001";
    static final Set<String> CONVERSE_FIELDS = Set.of("messages", "system", "inferenceConfig", "toolConfig",
            "guardrailConfig", "additionalModelRequestFields", "additionalModelResponseFieldPaths", "promptVariables",
            "requestMetadata", "performanceConfig", "serviceTier", "outputConfig");
    private static final Pattern PATH = Pattern.compile("^/model/([^/]+)/(converse|converse-stream)$");
    private static final Pattern AUTH = Pattern.compile(
            "^AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private final String apiKey;
    private final String secretAccessKey;
    private volatile String sessionToken;
    private final AtomicInteger corruptFrame = new AtomicInteger(-1);
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    private FakeBedrock(Vertx vertx, String apiKey) {
        super(vertx, Reply.text(DEFAULT_TEXT));
        this.apiKey = apiKey;
        this.secretAccessKey = "fakeSecret/" + Integer.toHexString(apiKey.hashCode()) + "/wJalrXUtnFEMI/K7MDENG";
    }

    /** A fake that accepts {@code apiKey} as a Bedrock API key and {@link #credentialsJson()}'s keys for SigV4. */
    public static FakeBedrock start(String apiKey) {
        return start(null, apiKey);
    }

    public static FakeBedrock start(Vertx vertx, String apiKey) {
        FakeBedrock fake = new FakeBedrock(vertx, apiKey);
        fake.listen();
        return fake;
    }

    /** Requires SigV4 requests to carry this session token (temporary credentials). */
    public FakeBedrock sessionToken(String token) {
        this.sessionToken = token;
        return this;
    }

    public String accessKeyId() {
        return ACCESS_KEY_ID;
    }

    public String secretAccessKey() {
        return secretAccessKey;
    }

    /** The keys this fake accepts, as the JSON a Secret holds for Tollgate. */
    public String credentialsJson() {
        ObjectNode o = object().put("accessKeyId", ACCESS_KEY_ID).put("secretAccessKey", secretAccessKey);
        if (sessionToken != null) {
            o.put("sessionToken", sessionToken);
        }
        return write(o);
    }

    /** The next stream's frame {@code index} is sent with one payload byte flipped (its message CRC fails). */
    public FakeBedrock corruptFrame(int index) {
        corruptFrame.set(index);
        return this;
    }

    @Override
    public String baseUrl() {
        return origin();
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text(DEFAULT_TEXT);
    }

    static String errorType(int status) {
        return switch (status) {
            case 400 -> "ValidationException";
            case 401, 403 -> "AccessDeniedException";
            case 404 -> "ResourceNotFoundException";
            case 408 -> "ModelTimeoutException";
            case 424 -> "ModelErrorException";
            case 429 -> "ThrottlingException";
            case 503 -> "ServiceUnavailableException";
            default -> "InternalServerException";
        };
    }

    private void fail(HttpServerRequest http, int status, String type, String message, Map<String, String> extra,
            Reply timing) {
        Map<String, String> headers = new LinkedHashMap<>(extra);
        headers.put("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
        headers.put("x-amzn-RequestId", newId("req-"));
        respondJson(http, status, headers, object().put("message", message), timing);
    }

    private void fail(HttpServerRequest http, int status, String type, String message) {
        fail(http, status, type, message, Map.of(), Reply.text(""));
    }

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        Matcher m = PATH.matcher(request.path());
        if (!"POST".equals(request.method()) || !m.matches()) {
            fail(http, 404, "UnknownOperationException", "Unknown operation " + request.method() + " " + request.path());
            return;
        }
        String refused = authenticate(http, request);
        if (refused != null) {
            return;
        }
        String modelId = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
        boolean stream = m.group(2).equals("converse-stream");
        JsonNode json = request.json();
        if (json == null || !json.isObject()) {
            fail(http, 400, "SerializationException", "Could not parse the request body as JSON");
            return;
        }
        for (var it = json.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!CONVERSE_FIELDS.contains(f)) {
                fail(http, 400, "ValidationException", "Malformed input request: extraneous key [" + f
                        + "] is not permitted, please reformat your input and try again.");
                return;
            }
        }
        if (!json.path("messages").isArray() || json.path("messages").isEmpty()) {
            fail(http, 400, "ValidationException", "A conversation must start with a user message.");
            return;
        }
        Reply reply = nextReply();
        if (reply.isError()) {
            String message = reply.isContextTooLong() ? "Input is too long for requested model." : reply.errorMessage();
            fail(http, reply.status(), errorType(reply.status()), message, reply.headers(), reply);
            return;
        }
        if (stream) {
            stream(http, modelId, reply);
        } else {
            respondJson(http, 200, headers(reply), converse(reply), reply);
        }
    }

    private Map<String, String> headers(Reply reply) {
        Map<String, String> h = new LinkedHashMap<>(reply.headers());
        h.put("x-amzn-RequestId", newId("req-"));
        return h;
    }

    // ---- auth ----------------------------------------------------------------------------------------------------

    /** Null when the request is authentic; else the reason, already answered. */
    private String authenticate(HttpServerRequest http, RecordedRequest request) {
        String auth = request.header("authorization");
        if (auth == null) {
            fail(http, 403, "MissingAuthenticationTokenException", "Missing Authentication Token");
            return "missing";
        }
        if (auth.startsWith("Bearer ")) {
            if (!auth.substring(7).equals(apiKey)) {
                fail(http, 403, "UnrecognizedClientException", "The security token included in the request is invalid.");
                return "bad api key";
            }
            return null;
        }
        Matcher a = AUTH.matcher(auth);
        if (!a.matches()) {
            fail(http, 403, "IncompleteSignatureException", "Authorization header requires 'Credential', "
                    + "'Signature' and 'SignedHeaders' parameters.");
            return "malformed";
        }
        if (!a.group(1).equals(ACCESS_KEY_ID)) {
            fail(http, 403, "UnrecognizedClientException", "The security token included in the request is invalid.");
            return "unknown key";
        }
        if (!a.group(3).equals(REGION) || !a.group(4).equals("bedrock")) {
            fail(http, 403, "InvalidSignatureException", "Credential should be scoped to a valid region and service.");
            return "scope";
        }
        if (sessionToken != null && !sessionToken.equals(request.header("x-amz-security-token"))) {
            fail(http, 403, "UnrecognizedClientException", "The security token included in the request is invalid.");
            return "session token";
        }
        String expected = expectedSignature(request, a.group(5));
        if (expected == null || !expected.equals(a.group(6))) {
            fail(http, 403, "InvalidSignatureException", "The request signature we calculated does not match the "
                    + "signature you provided. Check your AWS Secret Access Key and signing method. Consult the "
                    + "service documentation for details.");
            return "signature";
        }
        return null;
    }

    /** The signature AWS would compute for this request: the SDK's signer over what arrived, at its X-Amz-Date. */
    String expectedSignature(RecordedRequest request, String signedHeaders) {
        String date = request.header("x-amz-date");
        if (date == null) {
            return null;
        }
        Instant at = LocalDateTime.parse(date, AMZ_DATE).toInstant(ZoneOffset.UTC);
        String host = request.header("host");
        SdkHttpRequest.Builder http = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(request.method()))
                .protocol("http").host("127.0.0.1").port(port()).encodedPath(request.path());
        if (!request.query().isEmpty()) {
            for (String pair : request.query().split("&")) {
                int eq = pair.indexOf('=');
                http.appendRawQueryParameter(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? null : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        for (String name : signedHeaders.split(";")) {
            List<String> values = request.headers().get(name);
            if (values == null) {
                return null; // a signed header that did not arrive
            }
            for (String v : values) {
                http.appendHeader(name, v);
            }
        }
        if (host == null) {
            return null;
        }
        AwsCredentialsIdentity identity = sessionToken == null ? AwsCredentialsIdentity.create(ACCESS_KEY_ID,
                secretAccessKey) : AwsSessionCredentialsIdentity.create(ACCESS_KEY_ID, secretAccessKey, sessionToken);
        byte[] body = request.body().getBytes(StandardCharsets.UTF_8);
        SignedRequest signed = signer.sign(r -> r.identity(identity).request(http.build())
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, REGION)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
        String authorization = signed.request().firstMatchingHeader("Authorization").orElse("");
        Matcher m = AUTH.matcher(authorization);
        return m.matches() && m.group(5).equals(signedHeaders) ? m.group(6) : null;
    }

    // ---- answers -------------------------------------------------------------------------------------------------

    static String stopReason(Reply reply) {
        String r = reply.finishReasonOr(reply.toolCallList().isEmpty() ? "stop" : "tool_calls");
        return switch (r) {
            case "stop" -> "end_turn";
            case "tool_calls" -> "tool_use";
            case "length" -> "max_tokens";
            case "content_filter" -> "content_filtered";
            default -> r;
        };
    }

    private String toolUseId(Reply.ToolCall call, int i) {
        return call.id() != null ? call.id() : "tooluse_fake" + i + Integer.toHexString(call.name().hashCode());
    }

    private ObjectNode usage(Reply reply) {
        // https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html: inputTokens leaves out
        // the cache reads and writes, which totalTokens counts
        int in = reply.uncachedPromptTokens(10);
        int out = reply.completionTokens();
        ObjectNode u = object().put("inputTokens", in).put("outputTokens", out)
                .put("totalTokens", reply.promptTokens(10) + out);
        if (reply.cacheReadTokens() > 0 || reply.cacheWriteTokens() > 0) {
            u.put("cacheReadInputTokens", reply.cacheReadTokens()).put("cacheWriteInputTokens", reply.cacheWriteTokens());
        }
        return u;
    }

    private ObjectNode converse(Reply reply) {
        ObjectNode body = object();
        ObjectNode message = body.putObject("output").putObject("message").put("role", "assistant");
        ArrayNode content = message.putArray("content");
        if (reply.text() != null && !reply.text().isEmpty()) {
            content.addObject().put("text", reply.text());
        }
        int i = 0;
        for (Reply.ToolCall call : reply.toolCallList()) {
            ObjectNode use = content.addObject().putObject("toolUse");
            use.put("toolUseId", toolUseId(call, i++));
            use.put("name", call.name());
            use.set("input", dev.tollgate.gateway.Json.parse(call.argumentsJson()));
        }
        body.put("stopReason", stopReason(reply));
        body.set("usage", usage(reply));
        body.putObject("metrics").put("latencyMs", 42);
        return body;
    }

    static Buffer frame(String kind, String typeHeader, String type, JsonNode payload) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(typeHeader, HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString(kind));
        ByteBuffer bytes = new Message(headers, write(payload).getBytes(StandardCharsets.UTF_8)).toByteBuffer();
        byte[] out = new byte[bytes.remaining()];
        bytes.get(out);
        return Buffer.buffer(out);
    }

    static Buffer event(String type, JsonNode payload) {
        return frame("event", ":event-type", type, payload);
    }

    private void stream(HttpServerRequest http, String modelId, Reply reply) {
        List<Buffer> frames = new ArrayList<>();
        frames.add(event("messageStart", object().put("role", "assistant")));
        int block = 0;
        List<String> pieces = reply.textPieces();
        if (!pieces.isEmpty()) {
            for (String piece : pieces) {
                ObjectNode d = object().put("contentBlockIndex", block);
                d.putObject("delta").put("text", piece);
                frames.add(event("contentBlockDelta", d));
            }
            frames.add(event("contentBlockStop", object().put("contentBlockIndex", block)));
            block++;
        }
        int i = 0;
        for (Reply.ToolCall call : reply.toolCallList()) {
            ObjectNode start = object().put("contentBlockIndex", block);
            start.putObject("start").putObject("toolUse").put("toolUseId", toolUseId(call, i++)).put("name", call.name());
            frames.add(event("contentBlockStart", start));
            for (String fragment : call.argumentFragments()) {
                ObjectNode d = object().put("contentBlockIndex", block);
                d.putObject("delta").putObject("toolUse").put("input", fragment);
                frames.add(event("contentBlockDelta", d));
            }
            frames.add(event("contentBlockStop", object().put("contentBlockIndex", block)));
            block++;
        }
        frames.add(event("messageStop", object().put("stopReason", stopReason(reply))));
        ObjectNode metadata = object();
        metadata.set("usage", usage(reply));
        metadata.putObject("metrics").put("latencyMs", 42);
        frames.add(event("metadata", metadata));
        int corrupt = corruptFrame.getAndSet(-1);
        if (corrupt >= 0 && corrupt < frames.size()) {
            byte[] bytes = frames.get(corrupt).getBytes();
            bytes[bytes.length - 6] ^= 0x20; // inside the payload, before the 4-byte message CRC
            frames.set(corrupt, Buffer.buffer(bytes));
        }
        String type = reply.errorType() == null ? "modelStreamErrorException" : exceptionType(reply.errorType());
        Buffer error = frame("exception", ":exception-type", type, object().put("message",
                reply.errorMessage() == null ? "error" : reply.errorMessage()));
        Map<String, String> headers = headers(reply);
        respondFrames(http, headers, "application/vnd.amazon.eventstream", frames, error, reply);
    }

    /** A Reply's error type as the stream's exception name (ConverseStreamOutput's members, lower camel case). */
    static String exceptionType(String type) {
        String t = type.toLowerCase(Locale.ROOT);
        if (t.contains("rate") || t.contains("throttl")) {
            return "throttlingException";
        }
        if (t.contains("invalid") || t.contains("validation")) {
            return "validationException";
        }
        if (t.contains("overload") || t.contains("unavailable")) {
            return "serviceUnavailableException";
        }
        if (t.contains("internal") || t.contains("server")) {
            return "internalServerException";
        }
        return Arrays.asList("throttlingException", "validationException", "modelStreamErrorException",
                "internalServerException", "serviceUnavailableException").contains(type) ? type
                : "modelStreamErrorException";
    }
}
