package dev.tollgate.gateway.limits;

import io.vertx.core.Future;
import java.util.List;

/**
 * Where rate-limit state lives. {@link InMemoryRateLimiter} is exact for one replica; a shared store (Redis)
 * implements the same contract so several replicas share one limit.
 */
public interface RateLimiter {
    /** One limit to check: a scope (e.g. "key/ns/name") and what is limited. */
    record Limit(String scope, Kind kind, long max) {}

    enum Kind {
        /** Requests per minute: a request takes one. */
        RPM,
        /** Tokens per minute: at least one must be left before, the real count is debited after. */
        TPM,
        /** Requests in flight at once. */
        PARALLEL
    }

    /** State of one limit after a decision, for the x-ratelimit-* headers. */
    record Window(Limit limit, long remaining, long resetMillis) {}

    /**
     * @param refused  the limit that refused the request, or null when admitted (then every limit was taken)
     * @param windows  the state of every limit checked
     */
    record Decision(Limit refused, long retryAfterMillis, List<Window> windows) {
        public boolean admitted() {
            return refused == null;
        }
    }

    /**
     * All or nothing: either every limit admits the request and is taken, or none is touched. Fails when the
     * store cannot be reached (the caller decides whether that refuses the request).
     */
    Future<Decision> acquire(List<Limit> limits);

    /**
     * The request is over: its parallel slots come back and its tokens are debited from the TPM limits. When
     * {@code refund}, a later stage refused it before any provider was called (its budget): the request it took from
     * each RPM limit is given back too, so a refusal costs the caller no rate-limit headroom.
     */
    Future<Void> release(List<Limit> limits, long tokens, boolean refund);
}
