package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake of Vertex AI ({@code https://{location}-aiplatform.googleapis.com}) with its own Google OAuth 2.0 token
 * endpoint; {@link #baseUrl()} ({@code http://127.0.0.1:PORT}) is what an LlmModel's {@code apiBase} takes.
 *
 * <p><b>Token endpoint</b>, {@code POST /token}, as Google's service-account flow documents it
 * (https://developers.google.com/identity/protocols/oauth2/service-account#httprest): a form body with
 * {@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer} and {@code assertion}, a JWT signed RS256 by the
 * service account's key whose claims are {@code iss} (the account's email), {@code scope}, {@code aud} (always
 * {@value #AUDIENCE}, wherever the key's {@code token_uri} points), {@code iat} and {@code exp} (at most an hour
 * later). The fake owns one service account with a fresh RSA key
 * pair ({@link #serviceAccountKeyJson()}, the JSON the Cloud console downloads, with {@code token_uri} pointing here),
 * verifies the assertion's signature with the public key and its claims, and answers
 * {@code {"access_token","expires_in","token_type":"Bearer"}}; a bad assertion is 400
 * {@code {"error":"invalid_grant","error_description":…}}. Issued tokens are the only ones the model endpoints accept.
 *
 * <p><b>Model endpoints</b> (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.publishers.models),
 * with {@code Authorization: Bearer <issued token>}:
 * <ul>
 *   <li>{@code POST /v1/projects/{p}/locations/{l}/publishers/anthropic/models/{m}:rawPredict} and
 *       {@code :streamRawPredict}: Claude
 *       (https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude,
 *       https://docs.anthropic.com/en/api/claude-on-vertex-ai). The body is Anthropic's Messages request without
 *       {@code model} and with {@code "anthropic_version": "vertex-2023-10-16"}; answers are Anthropic's message object
 *       or its event stream ({@link AnthropicWire}), Claude's own errors in Anthropic's shape;</li>
 *   <li>{@code POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent},
 *       {@code :streamGenerateContent} (with {@code ?alt=sse} each response as a {@code data:} event, without one JSON
 *       array) and {@code :embedContent}: Gemini
 *       (the methods of the reference above). Gemini's
 *       {@code GenerateContentResponse} ({@link GeminiWire}, Vertex's dialect: {@code createTime}, {@code trafficType}
 *       and {@code candidatesTokensDetails} in the usage, scored safety ratings), the same reply features as
 *       {@link FakeGemini} ({@code content_filter} is finish reason {@code SAFETY}, a first function call carries a
 *       {@code thoughtSignature}); {@link Reply#contextTooLong()} is 400 INVALID_ARGUMENT "The input token count (N)
 *       exceeds the maximum number of tokens allowed (M)." as Vertex answers it
 *       (https://github.com/googleapis/python-genai/issues/2050). {@code :embedContent}
 *       (https://docs.cloud.google.com/dotnet/docs/reference/Google.Cloud.AIPlatform.V1/latest/Google.Cloud.AIPlatform.V1.EmbedContentResponse) takes one
 *       {@code content}, its size {@code embedContentConfig.outputDimensionality} (or the deprecated top-level
 *       {@code outputDimensionality}), and answers {@code {"embedding":{"values"},"usageMetadata":{"promptTokenCount",
 *       "totalTokenCount"},"truncated":false}}; Vertex has no {@code batchEmbedContents} (404);</li>
 *   <li>{@code POST /v1/projects/{p}/locations/{l}/endpoints/openapi/chat/completions}: the OpenAI-compatible Chat
 *       Completions API for open models (https://cloud.google.com/vertex-ai/generative-ai/docs/maas/call-open-model-apis),
 *       the model in the body as {@code publisher/model}; OpenAI's bodies and stream ({@link OpenAiWire}).</li>
 * </ul>
 * Vertex's own errors have Google's shape (https://cloud.google.com/apis/design/errors#http_mapping):
 * {@code {"error":{"code","message","status"}}}: 401 {@code UNAUTHENTICATED} (no or unknown token), 403
 * {@code PERMISSION_DENIED}, 404 {@code NOT_FOUND}, 429 {@code RESOURCE_EXHAUSTED} with the retry hint as a
 * {@code google.rpc.RetryInfo} detail ({@code "retryDelay":"7s"}, from a scripted reply's {@code retry-after} header,
 * which is not sent as a header). {@link Reply#contextTooLong()} is Claude's own 400 "prompt is too long" in
 * Anthropic's shape, and for the OpenAI-compatible endpoint a 400 {@code INVALID_ARGUMENT} with the maximum-context
 * wording of the vLLM servers behind it (Vertex documents no wording of its own). {@code finishReason("content_filter")}
 * is Claude's {@code stop_reason: refusal}. Project, location and model of each call are its path parameters.
 */
public final class FakeVertex extends FakeUpstream {
    public static final String DEFAULT_TEXT = "Hello from the fake Vertex AI.";
    public static final String ANTHROPIC_VERSION = "vertex-2023-10-16";
    public static final String CLIENT_EMAIL = "tollgate-test@fake-project.iam.gserviceaccount.com";
    public static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
    /** The assertion's {@code aud}: "When making an access token request this value is always" Google's endpoint. */
    public static final String AUDIENCE = "https://oauth2.googleapis.com/token";

    private static final Pattern PUBLISHER_MODEL = Pattern.compile(
            "^/v1/projects/([^/]+)/locations/([^/]+)/publishers/([^/]+)/models/([^/:]+):([A-Za-z]+)$");
    private static final Set<String> GEMINI_METHODS = Set.of("generateContent", "streamGenerateContent", "embedContent");
    private static final Pattern OPENAPI = Pattern.compile(
            "^/v1/projects/([^/]+)/locations/([^/]+)/endpoints/openapi/chat/completions$");

    private final KeyPair key;
    private final Set<String> issued = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private volatile Duration tokenLifetime = Duration.ofSeconds(3599);
    private volatile Duration tokenDelay = Duration.ZERO;
    private volatile boolean refuseTokens;

    private FakeVertex(Vertx vertx) {
        super(vertx, Reply.text(DEFAULT_TEXT));
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            this.key = g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static FakeVertex start() {
        return start(null);
    }

    public static FakeVertex start(Vertx vertx) {
        FakeVertex fake = new FakeVertex(vertx);
        fake.listen();
        return fake;
    }

    /** The origin: Vertex's host, under which every path starts with {@code /v1/projects/…}. */
    @Override
    public String baseUrl() {
        return origin();
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text(DEFAULT_TEXT);
    }

    /** The token endpoint, the key's {@code token_uri}. */
    public String tokenUri() {
        return origin() + "/token";
    }

    /** The service account's key file, as the Cloud console downloads it, its {@code token_uri} this fake's. */
    public String serviceAccountKeyJson() {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        ObjectNode json = object()
                .put("type", "service_account")
                .put("project_id", "fake-project")
                .put("private_key_id", "0123456789abcdef0123456789abcdef01234567")
                .put("private_key", pem)
                .put("client_email", CLIENT_EMAIL)
                .put("client_id", "100000000000000000001")
                .put("auth_uri", "https://accounts.google.com/o/oauth2/auth")
                .put("token_uri", tokenUri())
                .put("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs")
                .put("client_x509_cert_url", "https://www.googleapis.com/robot/v1/metadata/x509/tollgate-test")
                .put("universe_domain", "googleapis.com");
        return writeIndented(json);
    }

    /** How long issued tokens live ({@code expires_in}; default 3599 s, as Google answers). */
    public FakeVertex tokenLifetime(Duration lifetime) {
        this.tokenLifetime = lifetime;
        return this;
    }

    /** How long the token endpoint takes to answer (default at once). */
    public FakeVertex tokenDelay(Duration delay) {
        this.tokenDelay = delay;
        return this;
    }

    /** Whether the token endpoint refuses every assertion (400 invalid_grant), as for a deleted key. */
    public FakeVertex refuseTokens(boolean refuse) {
        this.refuseTokens = refuse;
        return this;
    }

    /** Accepts a token it did not issue (the pod's workload identity in tests). */
    public FakeVertex acceptToken(String token) {
        issued.add(token);
        return this;
    }

    /** Forgets every issued token: the next model call with an old one is 401 (a revoked token). */
    public FakeVertex revokeTokens() {
        issued.clear();
        return this;
    }

    /** Token requests answered with a token. */
    public int tokensIssued() {
        return tokenRequests.get();
    }

    /** The calls made to model endpoints (token requests left out). */
    public List<RecordedRequest> modelRequests() {
        return requests().stream().filter(r -> !r.path().equals("/token")).toList();
    }

    @Override
    protected Map<String, String> pathParams(String path) {
        Matcher m = PUBLISHER_MODEL.matcher(path);
        if (m.matches()) {
            return Map.of("project", m.group(1), "location", m.group(2), "publisher", m.group(3), "model", m.group(4),
                    "method", m.group(5));
        }
        Matcher o = OPENAPI.matcher(path);
        return o.matches() ? Map.of("project", o.group(1), "location", o.group(2)) : Map.of();
    }

    // ---- handling ----

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        if ("POST".equals(request.method()) && "/token".equals(request.path())) {
            token(http, request);
            return;
        }
        Matcher pm = PUBLISHER_MODEL.matcher(request.path());
        boolean anthropic = pm.matches() && "anthropic".equals(pm.group(3))
                && ("rawPredict".equals(pm.group(5)) || "streamRawPredict".equals(pm.group(5)));
        boolean gemini = pm.matches() && "google".equals(pm.group(3)) && GEMINI_METHODS.contains(pm.group(5));
        boolean openApi = OPENAPI.matcher(request.path()).matches();
        if (!"POST".equals(request.method()) || (!anthropic && !gemini && !openApi)) {
            google(http, 404, "NOT_FOUND", "The requested URL " + request.path() + " was not found on this server.", null);
            return;
        }
        String authorization = request.header("authorization");
        if (authorization == null || !authorization.startsWith("Bearer ") || !issued.contains(authorization.substring(7))) {
            google(http, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access "
                    + "token, login cookie or other valid authentication credential. See "
                    + "https://developers.google.com/identity/sign-in/web/devconsole-project.", null);
            return;
        }
        if (anthropic) {
            claude(http, request, pm.group(4), "streamRawPredict".equals(pm.group(5)));
        } else if (gemini) {
            gemini(http, request, pm.group(4), pm.group(5));
        } else {
            chatCompletions(http, request);
        }
    }

    private void claude(HttpServerRequest http, RecordedRequest request, String model, boolean stream) {
        JsonNode body = request.json();
        if (body == null || !body.isObject()) {
            anthropicError(http, 400, "invalid_request_error", "There was an issue with the format of your request: "
                    + "the body is not valid JSON", Map.of());
            return;
        }
        if (!ANTHROPIC_VERSION.equals(body.path("anthropic_version").asText(null))) {
            anthropicError(http, 400, "invalid_request_error", "anthropic_version: Input should be '"
                    + ANTHROPIC_VERSION + "'", Map.of());
            return;
        }
        if (body.has("model")) {
            anthropicError(http, 400, "invalid_request_error", "model: Extra inputs are not permitted", Map.of());
            return;
        }
        for (String field : List.of("max_tokens", "messages")) {
            if (body.get(field) == null || body.get(field).isNull()) {
                anthropicError(http, 400, "invalid_request_error", field + ": Field required", Map.of());
                return;
            }
        }
        Reply reply = nextReply();
        if (reply.isError()) {
            if (reply.isContextTooLong()) {
                anthropicError(http, 400, "invalid_request_error", "prompt is too long: 213345 tokens > 200000 maximum",
                        reply.headers());
            } else if (!platformError(http, reply)) {
                anthropicError(http, reply.status(), reply.errorType() == null ? "api_error" : reply.errorType(),
                        reply.errorMessage(), reply.headers());
            }
            return;
        }
        // the reply's neutral safety block is Claude's refusal (the reply itself is left as the test made it)
        String stopReason = "content_filter".equals(reply.finishReasonOr(null)) ? "refusal" : AnthropicWire.stopReason(reply);
        String id = newId("msg_vrtx_");
        String reported = reply.modelOr(model);
        if (stream) {
            respondStream(http, reply.headers(), AnthropicWire.events(id, reported, reply, this, stopReason),
                    AnthropicWire.errorEvent(reply), reply);
        } else {
            respondJson(http, 200, reply.headers(), AnthropicWire.message(id, reported, reply, this, stopReason), reply);
        }
    }

    private void gemini(HttpServerRequest http, RecordedRequest request, String model, String method) {
        JsonNode body = request.json();
        if (body == null || !body.isObject()) {
            google(http, 400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected end of string.", null);
            return;
        }
        String invalid = "embedContent".equals(method) ? (GeminiWire.text(body.path("content")) == null
                ? "* EmbedContentRequest.content: content is not specified\n" : null)
                : GeminiWire.checkContents(body.get("contents"));
        if (invalid != null) {
            google(http, 400, "INVALID_ARGUMENT", invalid, null);
            return;
        }
        Reply reply = nextReply();
        Map<String, String> headers = new LinkedHashMap<>(reply.headers());
        headers.remove("retry-after");
        if (reply.isError()) {
            if (reply.isContextTooLong()) {
                respondJson(http, 400, headers, GeminiWire.contextTooLong(), reply);
            } else if (!platformError(http, reply)) {
                google(http, reply.status(), GeminiWire.rpcStatus(reply.status()),
                        reply.errorMessage() == null ? "Internal error encountered." : reply.errorMessage(), null);
            }
            return;
        }
        if ("embedContent".equals(method)) {
            String text = GeminiWire.text(body.path("content"));
            int tokens = reply.promptTokens(Math.max(1, text.length() / 4));
            ObjectNode out = object();
            // the size: embedContentConfig.outputDimensionality, or the deprecated top-level field
            int dimensions = body.path("embedContentConfig").path("outputDimensionality")
                    .asInt(body.path("outputDimensionality").asInt(FakeGemini.DIMENSIONS));
            out.putObject("embedding").set("values", GeminiWire.vector(text, dimensions));
            out.putObject("usageMetadata").put("promptTokenCount", tokens).put("totalTokenCount", tokens);
            out.put("truncated", false);
            respondJson(http, 200, headers, out, reply);
            return;
        }
        String responseId = newId("vrtx-");
        String reported = reply.modelOr(model);
        if (!"streamGenerateContent".equals(method)) {
            respondJson(http, 200, headers, GeminiWire.whole(reply, responseId, reported, FakeGemini.SIGNATURE,
                    GeminiWire.VERTEX), reply);
            return;
        }
        List<ObjectNode> events = GeminiWire.events(reply, responseId, reported, FakeGemini.SIGNATURE,
                GeminiWire.VERTEX);
        if ("sse".equals(request.queryParam("alt"))) {
            respondStream(http, headers, GeminiWire.sseFrames(events), GeminiWire.streamErrorFrame(reply), reply);
        } else {
            ArrayNode all = JSON.createArrayNode();
            events.forEach(all::add);
            respondJson(http, 200, headers, all, reply);
        }
    }

    private void chatCompletions(HttpServerRequest http, RecordedRequest request) {
        JsonNode body = request.json();
        if (body == null || !body.isObject() || body.path("model").asText("").isEmpty() || !body.has("messages")) {
            google(http, 400, "INVALID_ARGUMENT", "Invalid JSON payload received: the body needs model and messages.", null);
            return;
        }
        Reply reply = nextReply();
        if (reply.isError()) {
            if (reply.isContextTooLong()) {
                google(http, 400, "INVALID_ARGUMENT", "This model's maximum context length is 131072 tokens. However, "
                        + "you requested 140000 tokens (139000 in the messages, 1000 in the completion). Please reduce "
                        + "the length of the messages or completion.", null);
            } else if (!platformError(http, reply)) {
                google(http, reply.status(), reply.status() >= 500 ? "INTERNAL" : "INVALID_ARGUMENT",
                        reply.errorMessage(), null);
            }
            return;
        }
        String id = newId("chatcmpl-vrtx-");
        long created = Instant.now().getEpochSecond();
        String model = reply.modelOr(body.path("model").asText());
        int prompt = reply.promptTokens(10);
        if (request.streamed()) {
            boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
            respondStream(http, reply.headers(), OpenAiWire.chatChunks(id, created, model, reply, prompt, includeUsage,
                    false, "call_", this), OpenAiWire.streamErrorFrame(reply), reply);
        } else {
            respondJson(http, 200, reply.headers(), OpenAiWire.chatCompletion(id, created, model, reply, prompt, false,
                    "call_", this), reply);
        }
    }

    /** Vertex's own errors for a scripted reply (quota, credentials, permissions): true when it was one. */
    private boolean platformError(HttpServerRequest http, Reply reply) {
        switch (reply.status()) {
            case 401 -> google(http, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. "
                    + "Expected OAuth 2 access token, login cookie or other valid authentication credential.", null);
            case 403 -> google(http, 403, "PERMISSION_DENIED", "Permission 'aiplatform.endpoints.predict' denied on "
                    + "resource (or it may not exist).", null);
            case 404 -> google(http, 404, "NOT_FOUND", reply.errorMessage(), null);
            case 429 -> google(http, 429, "RESOURCE_EXHAUSTED", reply.errorMessage() != null ? reply.errorMessage()
                    : "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model.",
                    reply.headers().get("retry-after"));
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Google's error body; {@code retrySeconds} becomes a {@code google.rpc.RetryInfo} detail. */
    private void google(HttpServerRequest http, int status, String code, String message, String retrySeconds) {
        ObjectNode body = object();
        ObjectNode error = body.putObject("error").put("code", status).put("message", message).put("status", code);
        if (retrySeconds != null) {
            error.putArray("details").addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                    .put("retryDelay", retrySeconds + "s");
        }
        respondJson(http, status, Map.of(), body, Reply.text(""));
    }

    private void anthropicError(HttpServerRequest http, int status, String type, String message, Map<String, String> headers) {
        respondJson(http, status, headers, AnthropicWire.error(type, message, newId("req_vrtx_")), Reply.text(""));
    }

    // ---- the token endpoint ----

    private void token(HttpServerRequest http, RecordedRequest request) {
        Map<String, String> form = form(request.body());
        String refusal = refuseTokens ? "Invalid JWT Signature." : check(form);
        Reply timing = Reply.text("").delay(tokenDelay);
        if (refusal != null) {
            respondJson(http, 400, Map.of(), object().put("error", "invalid_grant").put("error_description", refusal),
                    timing);
            return;
        }
        String token = "ya29.fake-" + newId("");
        issued.add(token);
        tokenRequests.incrementAndGet();
        respondJson(http, 200, Map.of(), object().put("access_token", token)
                .put("expires_in", tokenLifetime.toSeconds()).put("token_type", "Bearer"), timing);
    }

    /** Why the assertion is refused, or null when it is a valid one of this fake's service account. */
    private String check(Map<String, String> form) {
        if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
            return "Invalid grant_type: " + form.get("grant_type");
        }
        String assertion = form.get("assertion");
        String[] parts = assertion == null ? new String[0] : assertion.split("\\.");
        if (parts.length != 3) {
            return "Invalid JWT: not a signed JWT";
        }
        try {
            JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            if (!"RS256".equals(header.path("alg").asText())) {
                return "Invalid JWT: alg must be RS256";
            }
            Signature verifier = Signature.getInstance("SHA256withRSA");
            verifier.initVerify((RSAPublicKey) key.getPublic());
            verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!verifier.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                return "Invalid JWT Signature.";
            }
            if (!CLIENT_EMAIL.equals(claims.path("iss").asText())) {
                return "Invalid JWT: iss is not the service account";
            }
            if (!AUDIENCE.equals(claims.path("aud").asText())) {
                return "Invalid JWT: aud must be " + AUDIENCE;
            }
            if (!List.of(claims.path("scope").asText("").split(" ")).contains(SCOPE)) {
                return "Invalid JWT: scope lacks " + SCOPE;
            }
            long iat = claims.path("iat").asLong(-1);
            long exp = claims.path("exp").asLong(-1);
            if (iat < 0 || exp <= iat || exp - iat > 3600) {
                return "Invalid JWT: exp must be after iat and at most one hour later";
            }
            return null;
        } catch (Exception e) {
            return "Invalid JWT: " + e.getClass().getSimpleName();
        }
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        if (body == null) {
            return form;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }
}
