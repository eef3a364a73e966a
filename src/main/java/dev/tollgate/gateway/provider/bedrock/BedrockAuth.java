package dev.tollgate.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.HeaderNames;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * How Tollgate proves itself to Bedrock, from the model's credential (its Secret's value):
 * <ul>
 *   <li><b>AWS access keys</b>: a JSON object {@code {"accessKeyId": "AKIA…", "secretAccessKey": "…", "sessionToken":
 *       "…"}} (session token optional; the field names are matched ignoring case, so the {@code AccessKeyId /
 *       SecretAccessKey / SessionToken} of {@code aws sts} and {@code aws configure export-credentials} output fit
 *       too). The finished request (method, URL, headers, body) is signed with SigV4 by the AWS SDK's own signer
 *       ({@link AwsV4HttpSigner}, service {@value #SERVICE}, the model's region): the headers it adds
 *       ({@code Authorization}, {@code X-Amz-Date}, {@code X-Amz-Security-Token}) are set on the request. The
 *       signer double-encodes the path as AWS does for every service but S3, so model ids with {@code :} and
 *       {@code /} (inference-profile ARNs) sign as the SDK clients sign them.</li>
 *   <li><b>A Bedrock API key</b>: any other value, sent as {@code Authorization: Bearer <key>} with no signature
 *       (what {@code AWS_BEARER_TOKEN_BEDROCK} does for the AWS SDKs).</li>
 *   <li><b>No credential</b>: the pod's own identity through the SDK's {@link DefaultCredentialsProvider} (IRSA web
 *       identity via STS, EKS Pod Identity / ECS container credentials, EC2 instance profile, AWS_* environment
 *       variables). Resolving is blocking I/O, so it runs on a worker thread ({@link Vertx#executeBlocking}); the
 *       credentials are cached until {@link #REFRESH_AHEAD} before they expire (credentials without an expiry for
 *       {@link #UNKNOWN_LIFETIME}), one resolution in flight at a time, and a request that finds them fresh is signed
 *       at once.</li>
 * </ul>
 * Credentials never reach a log line or an error message: a failure names the model and what to fix.
 */
final class BedrockAuth implements Authenticator {
    static final String SERVICE = "bedrock";
    static final Duration REFRESH_AHEAD = Duration.ofMinutes(5);
    static final Duration UNKNOWN_LIFETIME = Duration.ofMinutes(10);
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(10);
    private static final int MAX_PARSED = 256;

    private final Vertx vertx;
    private final Clock clock;
    private final Callable<AwsCredentialsProvider> podIdentity;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    /** Parsed Secret values, keyed by the value itself (memory only; never logged or printed). */
    private final Map<String, Parsed> parsed = new ConcurrentHashMap<>();

    private AwsCredentialsProvider provider;
    private AwsCredentialsIdentity podCredentials;
    private Instant podRefreshAt = Instant.MIN;
    private Instant podExpiry = Instant.MIN;
    private Instant quietUntil = Instant.MIN;
    private Future<AwsCredentialsIdentity> resolving;

    BedrockAuth(Vertx vertx, Clock clock) {
        this(vertx, clock, () -> DefaultCredentialsProvider.builder().build());
    }

    /** With the pod's credentials from {@code podIdentity} (tests: a stand-in for IRSA). */
    BedrockAuth(Vertx vertx, Clock clock, Callable<AwsCredentialsProvider> podIdentity) {
        this.vertx = vertx;
        this.clock = clock;
        this.podIdentity = podIdentity;
    }

    /** A Secret value: AWS keys (to sign with) or a Bedrock API key (bearer). */
    record Parsed(AwsCredentialsIdentity keys, String bearer) {
        @Override
        public String toString() {
            return keys != null ? "Parsed[aws keys]" : "Parsed[api key]";
        }
    }

    static Parsed parse(String credential) {
        String v = credential.trim();
        if (v.startsWith("{")) {
            JsonNode json = Json.parse(v);
            if (json == null || !json.isObject()) {
                throw new IllegalArgumentException("the credentials Secret holds a JSON value that is not an object: put "
                        + "{\"accessKeyId\": ..., \"secretAccessKey\": ..., \"sessionToken\": ...} or a Bedrock API key");
            }
            String id = field(json, "accesskeyid");
            String secret = field(json, "secretaccesskey");
            String token = field(json, "sessiontoken");
            if (id == null || secret == null) {
                throw new IllegalArgumentException("the credentials Secret's JSON needs accessKeyId and secretAccessKey (and "
                        + "sessionToken for temporary credentials)");
            }
            return new Parsed(token == null ? AwsCredentialsIdentity.create(id, secret)
                    : AwsSessionCredentialsIdentity.create(id, secret, token), null);
        }
        return new Parsed(null, v);
    }

    private static String field(JsonNode json, String lowerName) {
        for (Map.Entry<String, JsonNode> e : json.properties()) {
            if (e.getKey().toLowerCase(Locale.ROOT).equals(lowerName) && e.getValue().isTextual()
                    && !e.getValue().asText().isBlank()) {
                return e.getValue().asText().trim();
            }
        }
        return null;
    }

    @Override
    public Future<Void> authorize(Call call, UpstreamRequest request) {
        String credential = call.credential();
        if (credential != null) {
            Parsed p;
            try {
                p = parsed.get(credential);
                if (p == null) {
                    if (parsed.size() >= MAX_PARSED) {
                        parsed.clear();
                    }
                    p = parse(credential);
                    parsed.put(credential, p);
                }
            } catch (IllegalArgumentException e) { // its message says what is wrong with the value, never the value
                return Future.failedFuture(failure(call.model().id(), e.getMessage()));
            }
            if (p.bearer() != null) {
                request.headers().set(HeaderNames.AUTHORIZATION, "Bearer " + p.bearer());
                return Future.succeededFuture();
            }
            return sign(call, request, p.keys());
        }
        AwsCredentialsIdentity fresh = freshPodCredentials();
        if (fresh != null) {
            return sign(call, request, fresh);
        }
        return onCallersContext(podCredentials(call.model().id())).compose(c -> sign(call, request, c));
    }

    /** Signs {@code request} in place: adds the headers SigV4 adds. */
    Future<Void> sign(Call call, UpstreamRequest request, AwsCredentialsIdentity identity) {
        try {
            signInPlace(signer, request, identity, call.model().region(), clock);
            return Future.succeededFuture();
        } catch (RuntimeException e) {
            return Future.failedFuture(failure(call.model().id(), "the request could not be signed ("
                    + e.getClass().getSimpleName() + "): check the model's region and the AWS keys' format"));
        }
    }

    static void signInPlace(AwsV4HttpSigner signer, UpstreamRequest request, AwsCredentialsIdentity identity,
            String region, Clock clock) {
        SdkHttpRequest.Builder http = SdkHttpRequest.builder()
                .method(SdkHttpMethod.fromValue(request.method().name()))
                .uri(URI.create(request.url()));
        request.headers().forEach(h -> http.appendHeader(h.getKey(), h.getValue()));
        byte[] body = request.body() == null ? new byte[0] : request.body().getBytes();
        SignedRequest signed = signer.sign(r -> r.identity(identity)
                .request(http.build())
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(HttpSigner.SIGNING_CLOCK, clock));
        for (Map.Entry<String, List<String>> h : signed.request().headers().entrySet()) {
            if (h.getKey().equalsIgnoreCase("host")) {
                continue; // the HTTP client writes the same host (and port when not the default)
            }
            request.headers().remove(h.getKey());
            for (String v : h.getValue()) {
                request.headers().add(h.getKey(), v);
            }
        }
    }

    // ---- the pod's identity ----------------------------------------------------------------------------------

    private synchronized AwsCredentialsIdentity freshPodCredentials() {
        Instant now = clock.instant();
        if (podCredentials == null) {
            return null;
        }
        if (now.isBefore(podRefreshAt)) {
            return podCredentials;
        }
        if (now.isBefore(podExpiry)) {
            if (resolving == null && !now.isBefore(quietUntil)) {
                startResolving("(refresh)"); // still valid: used now, replaced in the background
            }
            return podCredentials;
        }
        return null;
    }

    private synchronized Future<AwsCredentialsIdentity> podCredentials(String modelId) {
        if (resolving != null) {
            return resolving;
        }
        return startResolving(modelId);
    }

    /** The one resolution of the pod's credentials, on a worker thread; the caller holds this object's lock. */
    private Future<AwsCredentialsIdentity> startResolving(String modelId) {
        Promise<AwsCredentialsIdentity> done = Promise.promise();
        resolving = done.future();
        vertx.<AwsCredentials>executeBlocking(() -> {
            if (provider == null) {
                provider = podIdentity.call();
            }
            return provider.resolveCredentials();
        }, false).onComplete(ar -> {
            synchronized (this) {
                resolving = null;
                if (ar.succeeded()) {
                    Instant now = clock.instant();
                    AwsCredentials c = ar.result();
                    podCredentials = c;
                    Duration lifetime = c.expirationTime().map(e -> Duration.between(Instant.now(), e))
                            .orElse(UNKNOWN_LIFETIME);
                    Duration ahead = lifetime.dividedBy(2).compareTo(REFRESH_AHEAD) < 0 ? lifetime.dividedBy(2)
                            : REFRESH_AHEAD;
                    podExpiry = now.plus(lifetime);
                    podRefreshAt = podExpiry.minus(ahead);
                } else {
                    quietUntil = clock.instant().plus(RETRY_AFTER_FAILURE);
                }
            }
            if (ar.succeeded()) {
                done.complete(ar.result());
            } else {
                // the SDK's message lists what it tried; it names no secret, but it is not the client's business
                done.fail(failure(modelId, "the pod has no AWS credentials (" + ar.cause().getClass().getSimpleName()
                        + "): set the LlmModel's credentialsSecretRef to AWS keys or a Bedrock API key, or give the "
                        + "pod an AWS identity (IRSA: a service account annotated with eks.amazonaws.com/role-arn)"));
            }
        });
        return done.future();
    }

    private static Future<AwsCredentialsIdentity> onCallersContext(Future<AwsCredentialsIdentity> shared) {
        Context context = Vertx.currentContext();
        if (context == null) {
            return shared;
        }
        Promise<AwsCredentialsIdentity> mine = Promise.promise();
        shared.onComplete(ar -> context.runOnContext(v -> mine.handle(ar)));
        return mine.future();
    }

    static UpstreamException failure(String modelId, String why) {
        return new UpstreamException(new ApiError(502, "api_error", "upstream_auth_error", "could not authenticate to "
                + "AWS Bedrock for " + modelId + ": " + why, null,
                "upstream_auth_failed"), 0, null);
    }
}
