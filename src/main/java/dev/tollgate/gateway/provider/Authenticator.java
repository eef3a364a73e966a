package dev.tollgate.gateway.provider;

import io.vertx.core.Future;

/**
 * How a provider learns who is calling: a static header carrying the model's credential, a token fetched and
 * refreshed asynchronously (Google OAuth), or a signature over the finished request (AWS SigV4). Runs on the event
 * loop: an implementation that must wait (a token refresh) does its waiting elsewhere and completes the future later;
 * one that has what it needs completes at once.
 */
@FunctionalInterface
public interface Authenticator {
    /** Adds what proves the caller to {@code request}; fails with an {@link UpstreamException} when it cannot. */
    Future<Void> authorize(Call call, UpstreamRequest request);

    /** No authentication (local servers). */
    Authenticator NONE = (call, request) -> Future.succeededFuture();

    /**
     * The model's credential in one header, behind a prefix ({@code "Bearer "}, or {@code ""} for a bare key);
     * nothing when the model has no credential.
     */
    static Authenticator header(String name, String prefix) {
        return (call, request) -> {
            if (call.credential() != null) {
                request.headers().set(name, prefix + call.credential());
            }
            return Future.succeededFuture();
        };
    }
}
