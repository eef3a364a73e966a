package dev.tollgate.gateway.provider.vertex;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.HeaderNames;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Google OAuth 2.0 access tokens for Vertex AI, as {@code Authorization: Bearer <token>}.
 *
 * <p>The model's credential (its Secret's value) is a service-account key JSON as the Cloud console downloads it
 * ({@code "type": "service_account"}, {@code private_key}, {@code client_email}, {@code token_uri}); Google's library
 * signs a JWT with the key and exchanges it at the key's {@code token_uri} (the documented flow:
 * https://developers.google.com/identity/protocols/oauth2/service-account#httprest). A model without a credential uses
 * the pod's own identity (application default credentials: GKE workload identity, the metadata server,
 * {@code GOOGLE_APPLICATION_CREDENTIALS}). Scope: {@value #SCOPE}.
 *
 * <p>Tokens are cached per credential, keyed by the credential's SHA-256 (the key itself is never a map key, a log
 * line or a message), and used until {@link #REFRESH_AHEAD} before they expire (half-way through a token that lives
 * less than twice that, so a short-lived token is not refreshed on every request). Getting one is blocking I/O (Google's
 * library uses a blocking HTTP client), so it runs on a worker thread ({@link Vertx#executeBlocking}), never on an
 * event loop, and at most one refresh per credential is in flight: concurrent requests wait on the same future. A
 * request meets a token three ways: fresh (the header is set at once, no future to wait for); in the refresh window
 * (the current token is used and one refresh starts in the background); missing or expired (the request waits for the
 * refresh). A failed refresh is a 502 {@code upstream_auth_error} naming the model, never the key.
 */
public final class GoogleAccessTokens implements Authenticator {
    public static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
    /** How long before its expiry a token is replaced. */
    public static final Duration REFRESH_AHEAD = Duration.ofMinutes(5);
    /** A token the library reports without an expiry is kept this long (Google's tokens live an hour). */
    static final Duration UNKNOWN_LIFETIME = Duration.ofMinutes(10);
    /** After a failed refresh, how long a still-valid token is used before the next attempt. */
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(10);
    /** Cached credentials (rotated keys leave old entries behind): past this many, the cache starts over. */
    static final int MAX_ENTRIES = 256;

    private static final String WORKLOAD_IDENTITY = "workload-identity";

    private final Vertx vertx;
    private final Clock clock;
    private final Callable<GoogleCredentials> applicationDefault;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    public GoogleAccessTokens(Vertx vertx, Clock clock) {
        this(vertx, clock, GoogleCredentials::getApplicationDefault);
    }

    /** With the pod's credentials from {@code applicationDefault} (tests: a stand-in for the metadata server). */
    GoogleAccessTokens(Vertx vertx, Clock clock, Callable<GoogleCredentials> applicationDefault) {
        this.vertx = vertx;
        this.clock = clock;
        this.applicationDefault = applicationDefault;
    }

    /** One credential's token, the credentials it comes from, and the refresh in flight (all guarded by this). */
    private static final class Entry {
        private GoogleCredentials credentials;
        private String token;
        private Instant expiry;
        /** When to start replacing the token: {@link #REFRESH_AHEAD} before expiry, or half-way for short lives. */
        private Instant refreshAt;
        private Future<String> refreshing;
        /** No ahead-of-expiry refresh before this (set by a failed one), so a failing endpoint is not asked per request. */
        private Instant quietUntil = Instant.MIN;
    }

    @Override
    public Future<Void> authorize(Call call, UpstreamRequest request) {
        return token(call).map(token -> {
            request.headers().set(HeaderNames.AUTHORIZATION, "Bearer " + token);
            return null;
        });
    }

    /**
     * The access token for the call's credential: completed at once when a fresh one is cached, else when the refresh
     * completes (on the caller's context). Fails with an {@link UpstreamException} (502) when no token can be had.
     */
    public Future<String> token(Call call) {
        String credential = call.credential();
        String id = credential == null ? WORKLOAD_IDENTITY : sha256(credential);
        Entry e = cache.get(id);
        if (e == null) {
            if (cache.size() >= MAX_ENTRIES) {
                cache.clear();
            }
            e = cache.computeIfAbsent(id, k -> new Entry());
        }
        Instant now = clock.instant();
        Future<String> refresh;
        synchronized (e) {
            if (e.token != null && now.isBefore(e.refreshAt)) {
                return Future.succeededFuture(e.token);
            }
            boolean valid = e.token != null && now.isBefore(e.expiry);
            if (valid && e.refreshing == null && now.isBefore(e.quietUntil)) {
                return Future.succeededFuture(e.token); // the last refresh failed moments ago: not again yet
            }
            refresh = e.refreshing != null ? e.refreshing : startRefresh(e, credential, call.model().id());
            if (valid) {
                return Future.succeededFuture(e.token); // still valid: this request does not wait for the new one
            }
        }
        return onCallersContext(refresh);
    }

    /** A token that can be used now without waiting, or null (tests, and upstreams that set headers synchronously). */
    public String cached(Call call) {
        Entry e = cache.get(call.credential() == null ? WORKLOAD_IDENTITY : sha256(call.credential()));
        if (e == null) {
            return null;
        }
        synchronized (e) {
            return e.token != null && clock.instant().isBefore(e.expiry) ? e.token : null;
        }
    }

    /** Whether a refresh of the call's credential is under way (tests). */
    boolean refreshing(Call call) {
        Entry e = cache.get(call.credential() == null ? WORKLOAD_IDENTITY : sha256(call.credential()));
        if (e == null) {
            return false;
        }
        synchronized (e) {
            return e.refreshing != null;
        }
    }

    /** Starts the one refresh of {@code e} on a worker thread; the caller holds e's lock. */
    private Future<String> startRefresh(Entry e, String credential, String modelId) {
        Promise<String> done = Promise.promise();
        e.refreshing = done.future();
        GoogleCredentials known = e.credentials;
        vertx.<Fetched>executeBlocking(() -> fetch(known, credential, modelId), false).onComplete(ar -> {
            synchronized (e) {
                e.refreshing = null;
                if (ar.succeeded()) {
                    e.credentials = ar.result().credentials();
                    e.token = ar.result().token();
                    e.expiry = ar.result().expiry();
                    e.refreshAt = ar.result().refreshAt();
                } else {
                    e.quietUntil = clock.instant().plus(RETRY_AFTER_FAILURE);
                }
            }
            if (ar.succeeded()) {
                done.complete(ar.result().token());
            } else {
                done.fail(ar.cause());
            }
        });
        return done.future();
    }

    private record Fetched(GoogleCredentials credentials, String token, Instant expiry, Instant refreshAt) {}

    /** Blocking: runs on a worker thread. */
    private Fetched fetch(GoogleCredentials known, String credential, String modelId) {
        GoogleCredentials credentials = known;
        if (credentials == null) {
            try {
                credentials = credential == null ? applicationDefault.call()
                        : ServiceAccountCredentials.fromStream(new ByteArrayInputStream(credential.getBytes(StandardCharsets.UTF_8)));
            } catch (Exception ex) {
                throw failure(modelId, credential == null
                        ? "the pod has no Google credentials (workload identity or GOOGLE_APPLICATION_CREDENTIALS): set "
                                + "the LlmModel's credentialsSecretRef to a service-account key, or give the pod's "
                                + "service account a Google identity"
                        : "the credentials Secret does not hold a service-account key JSON (\"type\": \"service_account\" "
                                + "with private_key, client_email and token_uri): put the key file the Cloud console "
                                + "downloads there");
            }
            if (credentials.createScopedRequired()) {
                credentials = credentials.createScoped(List.of(SCOPE));
            }
        }
        Instant asked = clock.instant();
        AccessToken token;
        try {
            token = credentials.refreshAccessToken();
        } catch (IOException | RuntimeException ex) {
            // the library's message can quote the token endpoint's answer and the account: not passed on
            throw failure(modelId, "Google's token endpoint refused the credentials or could not be reached ("
                    + ex.getClass().getSimpleName() + "): check the service-account key, that the account may use "
                    + "Vertex AI in the model's project, and the pod's egress to oauth2.googleapis.com");
        }
        if (token == null || token.getTokenValue() == null) {
            throw failure(modelId, "Google's token endpoint answered without an access token");
        }
        // The library states the expiry on the system clock; the cache runs on this class's clock: keep the lifetime.
        Duration lifetime = token.getExpirationTime() == null ? UNKNOWN_LIFETIME
                : Duration.ofMillis(token.getExpirationTime().getTime() - System.currentTimeMillis());
        Duration ahead = lifetime.dividedBy(2).compareTo(REFRESH_AHEAD) < 0 ? lifetime.dividedBy(2) : REFRESH_AHEAD;
        return new Fetched(credentials, token.getTokenValue(), asked.plus(lifetime), asked.plus(lifetime).minus(ahead));
    }

    private static UpstreamException failure(String modelId, String why) {
        return new UpstreamException(new ApiError(502, "api_error", "upstream_auth_error", "could not get a Google "
                + "Cloud access token for " + modelId + ": " + why, null, "upstream_auth_failed"), 0, null);
    }

    /**
     * The shared refresh, completed on the calling request's own context: the waiter goes on (opens its upstream
     * connection) on its event loop, not on the one that happened to start the refresh.
     */
    private Future<String> onCallersContext(Future<String> shared) {
        Context context = Vertx.currentContext();
        if (context == null) {
            return shared;
        }
        Promise<String> mine = Promise.promise();
        shared.onComplete(ar -> context.runOnContext(v -> mine.handle(ar)));
        return mine.future();
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
