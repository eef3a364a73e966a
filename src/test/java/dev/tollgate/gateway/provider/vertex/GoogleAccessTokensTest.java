package dev.tollgate.gateway.provider.vertex;

import static dev.tollgate.gateway.provider.vertex.VertexTesting.chat;
import static dev.tollgate.gateway.provider.vertex.VertexTesting.hello;
import static dev.tollgate.gateway.provider.vertex.VertexTesting.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import dev.tollgate.gateway.fakes.FakeVertex;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Google access tokens against {@link FakeVertex}'s token endpoint, which checks the service account's signed JWT:
 * cached per credential, refreshed ahead of expiry by the clock, one refresh in flight shared by concurrent requests,
 * refreshed on a worker thread while the event loop keeps running, and failures that never show the key.
 */
class GoogleAccessTokensTest {
    private final Vertx vertx = Vertx.vertx();
    private final FakeVertex fake = FakeVertex.start(vertx);
    private final VertexTesting.MutableClock clock = new VertexTesting.MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final GoogleAccessTokens tokens = new GoogleAccessTokens(vertx, clock);
    private final String key = fake.serviceAccountKeyJson();

    @AfterEach
    void close() {
        fake.close();
        vertx.close();
    }

    private Call call(String credential) {
        return chat(model("claude-sonnet-4@20250514", fake.baseUrl()), credential, hello("claude-sonnet-4@20250514"));
    }

    /** Authorizes on an event loop, as the gateway does, and returns the header it set. */
    private String authorize(String credential) throws Exception {
        CompletableFuture<String> header = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            UpstreamRequest r = UpstreamRequest.post("http://x/", Buffer.buffer());
            tokens.authorize(call(credential), r).onComplete(ar -> {
                if (ar.succeeded()) {
                    header.complete(r.headers().get("authorization"));
                } else {
                    header.completeExceptionally(ar.cause());
                }
            });
        });
        return header.get(20, TimeUnit.SECONDS);
    }

    @Test
    void aServiceAccountKeyGetsABearerTokenFromItsTokenUriOnceAndItIsCached() throws Exception {
        String first = authorize(key);
        assertThat(first).startsWith("Bearer ya29.fake-");
        assertThat(fake.tokensIssued()).isEqualTo(1);
        // the fake verified the JWT: RS256 signature by the key, iss, aud = token_uri, the cloud-platform scope
        var tokenRequest = fake.requests().get(0);
        assertThat(tokenRequest.path()).isEqualTo("/token");
        assertThat(tokenRequest.body()).contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");

        clock.advance(Duration.ofMinutes(50));
        assertThat(authorize(key)).isEqualTo(first);
        assertThat(fake.tokensIssued()).isEqualTo(1);
        assertThat(tokens.cached(call(key))).isEqualTo(first.substring(7));
    }

    @Test
    void aTokenIsReplacedAheadOfItsExpiryWithoutMakingTheRequestWait() throws Exception {
        String first = authorize(key); // lives 3599 s
        clock.advance(Duration.ofSeconds(3599).minus(Duration.ofMinutes(4))); // inside the 5-minute window
        // still valid: used at once, while one refresh starts in the background
        assertThat(authorize(key)).isEqualTo(first);
        await().atMost(Duration.ofSeconds(20)).until(() -> fake.tokensIssued() == 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> !first.substring(7).equals(tokens.cached(call(key))));
        String second = authorize(key);
        assertThat(second).isNotEqualTo(first).startsWith("Bearer ya29.fake-");
        assertThat(fake.tokensIssued()).isEqualTo(2);
    }

    @Test
    void aShortLivedTokenIsReplacedHalfWayNotOnEveryRequest() throws Exception {
        fake.tokenLifetime(Duration.ofMinutes(4)); // less than twice the 5-minute margin
        String first = authorize(key);
        clock.advance(Duration.ofMinutes(1));
        assertThat(authorize(key)).isEqualTo(first);
        assertThat(fake.tokensIssued()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(1).plusSeconds(30)); // past half-way, still valid
        assertThat(authorize(key)).isEqualTo(first);
        await().atMost(Duration.ofSeconds(20)).until(() -> fake.tokensIssued() == 2);
    }

    @Test
    void aFailingRefreshAheadOfExpiryKeepsTheValidTokenAndIsRetriedAfterAPauseNotPerRequest() throws Exception {
        String first = authorize(key);
        clock.advance(Duration.ofMinutes(57));
        fake.refuseTokens(true);
        assertThat(authorize(key)).isEqualTo(first); // starts a refresh, which fails
        await().atMost(Duration.ofSeconds(20)).until(() -> fake.requests().size() == 2 && !tokens.refreshing(call(key)));
        for (int i = 0; i < 5; i++) {
            assertThat(authorize(key)).isEqualTo(first);
        }
        assertThat(fake.requests()).hasSize(2); // no new attempt within the pause
        fake.refuseTokens(false);
        clock.advance(GoogleAccessTokens.RETRY_AFTER_FAILURE);
        assertThat(authorize(key)).isEqualTo(first);
        await().atMost(Duration.ofSeconds(20)).until(() -> fake.tokensIssued() == 2);
    }

    @Test
    void anExpiredTokenIsNeverSentTheRequestWaitsForANewOne() throws Exception {
        String first = authorize(key);
        clock.advance(Duration.ofHours(2));
        assertThat(tokens.cached(call(key))).isNull();
        String second = authorize(key);
        assertThat(second).isNotEqualTo(first);
        assertThat(fake.tokensIssued()).isEqualTo(2);
    }

    @Test
    void concurrentRequestsShareOneRefreshPerCredential() throws Exception {
        fake.tokenDelay(Duration.ofMillis(400));
        List<Future<String>> all = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> issued = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            for (int i = 0; i < 25; i++) {
                all.add(tokens.token(call(key)));
            }
            issued.complete(null);
        });
        issued.get(5, TimeUnit.SECONDS);
        // and from another event loop (another context) at the same time
        CompletableFuture<Future<String>> other = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> other.complete(tokens.token(call(key))));
        all.add(other.get(5, TimeUnit.SECONDS));
        List<String> got = new ArrayList<>();
        for (Future<String> f : all) {
            got.add(f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS));
        }
        assertThat(got).hasSize(26).containsOnly(got.get(0));
        assertThat(fake.tokensIssued()).isEqualTo(1);
        // another credential has a refresh (and a token) of its own
        AtomicInteger adc = new AtomicInteger();
        GoogleAccessTokens both = new GoogleAccessTokens(vertx, clock, () -> stub(adc, "pod-token", null));
        assertThat(both.token(call(key)).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS))
                .isNotEqualTo(got.get(0));
        assertThat(both.token(call(null)).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS))
                .isEqualTo("pod-token");
        assertThat(fake.tokensIssued()).isEqualTo(2);
        assertThat(adc).hasValue(1);
    }

    @Test
    void theRefreshRunsOnAWorkerThreadAndTheEventLoopKeepsRunningMeanwhile() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        List<Boolean> onEventLoop = new CopyOnWriteArrayList<>();
        GoogleAccessTokens pod = new GoogleAccessTokens(vertx, clock, () -> new GoogleCredentials() {
            @Override
            public AccessToken refreshAccessToken() {
                threads.add(Thread.currentThread().getName());
                onEventLoop.add(Context.isOnEventLoopThread());
                return new AccessToken("pod-token", new Date(System.currentTimeMillis() + 3_600_000));
            }
        });
        CompletableFuture<String> completedOn = new CompletableFuture<>();
        vertx.runOnContext(v -> pod.token(call(null)).onSuccess(t -> completedOn.complete(Thread.currentThread().getName())));
        String waiterThread = completedOn.get(20, TimeUnit.SECONDS);
        assertThat(onEventLoop).containsExactly(false);
        assertThat(threads).singleElement().satisfies(t -> assertThat(t).contains("worker").doesNotContain("eventloop"));
        assertThat(waiterThread).contains("eventloop"); // the request goes on on its own event loop

        // a slow token endpoint does not hold the loop: a timer set after the request fires long before the token
        fake.tokenDelay(Duration.ofMillis(800));
        CompletableFuture<Long> timerAt = new CompletableFuture<>();
        CompletableFuture<Long> tokenAt = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            tokens.token(call(key)).onSuccess(t -> tokenAt.complete(System.nanoTime()));
            vertx.setTimer(20, id -> timerAt.complete(System.nanoTime()));
        });
        assertThat(timerAt.get(20, TimeUnit.SECONDS)).isLessThan(tokenAt.get(20, TimeUnit.SECONDS));
    }

    @Test
    void aModelWithoutACredentialUsesThePodsIdentity() throws Exception {
        AtomicInteger loads = new AtomicInteger();
        GoogleAccessTokens pod = new GoogleAccessTokens(vertx, clock, () -> stub(loads, "pod-token", null));
        assertThat(pod.token(call(null)).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS))
                .isEqualTo("pod-token");
        assertThat(pod.token(call(null)).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS))
                .isEqualTo("pod-token");
        assertThat(loads).hasValue(1);
        assertThat(fake.tokensIssued()).isZero();
    }

    @Test
    void aRefusedKeyIsA502NamingTheModelNeverTheKey() throws Exception {
        fake.refuseTokens(true);
        UpstreamException e = failure(tokens, key);
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(e.error().openAiType()).isEqualTo("upstream_auth_error");
        assertThat(e.error().message()).contains("team/claude-sonnet-4-20250514").contains("token endpoint refused")
                .doesNotContain("PRIVATE KEY").doesNotContain(FakeVertex.CLIENT_EMAIL).doesNotContain("invalid_grant");
        // once the key works again, the next request gets a token: failures are not cached
        fake.refuseTokens(false);
        assertThat(authorize(key)).startsWith("Bearer ya29.fake-");
    }

    @Test
    void aKeyTheAccountDoesNotOwnIsRefusedByTheTokenEndpointsSignatureCheck() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        String otherPem = "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(g.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) dev.tollgate.gateway.Json.parse(key.getBytes());
        String forged = json.put("private_key", otherPem).toString();
        UpstreamException e = failure(tokens, forged);
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(fake.tokensIssued()).isZero();
        assertThat(fake.requests()).singleElement().satisfies(r -> assertThat(r.path()).isEqualTo("/token"));
    }

    @Test
    void aSecretThatIsNoServiceAccountKeyIsA502ThatDoesNotQuoteIt() throws Exception {
        String notAKey = "AIzaSy-this-is-an-api-key-not-a-service-account-1234";
        UpstreamException e = failure(tokens, notAKey);
        assertThat(e.error().httpStatus()).isEqualTo(502);
        assertThat(e.error().message()).contains("service-account key JSON").doesNotContain(notAKey);
        UpstreamException noPod = failure(new GoogleAccessTokens(vertx, clock, () -> {
            throw new java.io.IOException("The Application Default Credentials are not available.");
        }), null);
        assertThat(noPod.error().message()).contains("workload identity");
    }

    @Test
    void tokensAreCachedUnderTheCredentialsHashNeverTheCredential() throws Exception {
        authorize(key);
        var field = GoogleAccessTokens.class.getDeclaredField("cache");
        field.setAccessible(true);
        java.util.Map<?, ?> cache = (java.util.Map<?, ?>) field.get(tokens);
        assertThat(cache.keySet()).singleElement().isEqualTo(GoogleAccessTokens.sha256(key))
                .satisfies(k -> assertThat(k.toString()).doesNotContain("PRIVATE"));
    }

    private UpstreamException failure(GoogleAccessTokens t, String credential) throws Exception {
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        vertx.runOnContext(v -> t.token(call(credential)).onComplete(ar -> failed.complete(ar.cause())));
        Throwable cause = failed.get(20, TimeUnit.SECONDS);
        assertThat(cause).isInstanceOf(UpstreamException.class);
        return (UpstreamException) cause;
    }

    private static GoogleCredentials stub(AtomicInteger loads, String token, Duration lifetime) {
        loads.incrementAndGet();
        long ms = lifetime == null ? 3_600_000 : lifetime.toMillis();
        return new GoogleCredentials() {
            @Override
            public AccessToken refreshAccessToken() {
                return new AccessToken(token, new Date(System.currentTimeMillis() + ms));
            }
        };
    }
}
