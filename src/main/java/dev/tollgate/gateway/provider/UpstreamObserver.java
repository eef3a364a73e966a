package dev.tollgate.gateway.provider;

import io.vertx.core.http.HttpClientRequest;

/**
 * Sees each request an attempt sends to its provider, as it is sent: tracing adds the attempt's {@code traceparent}
 * and notes the server it went to. Set on the attempt's {@link Cancellation} (which every call of one attempt
 * carries, through every translation) only when the request is observed; otherwise nothing is done.
 */
public interface UpstreamObserver {
    /** The request is about to be sent: its headers may still change. */
    void sending(HttpClientRequest request);

    /** Tells the observer of {@code cancellation}'s attempt, if any, about {@code request}. */
    static void sending(Cancellation cancellation, HttpClientRequest request) {
        UpstreamObserver o = cancellation.observer();
        if (o != null) {
            o.sending(request);
        }
    }
}
