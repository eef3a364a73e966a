package dev.tollgate.gateway.provider;

import dev.tollgate.gateway.ApiError;

/**
 * An upstream call that failed: the error as the client should see it (status already mapped, see
 * {@link UpstreamErrors}), the upstream's own status, and a retry-after hint to pass on.
 */
public final class UpstreamException extends RuntimeException {
    private final transient ApiError error;
    private final int upstreamStatus;
    private final String retryAfter;

    public UpstreamException(ApiError error, int upstreamStatus, String retryAfter) {
        super(error.message(), null, false, false);
        this.error = error;
        this.upstreamStatus = upstreamStatus;
        this.retryAfter = retryAfter;
    }

    public ApiError error() { return error; }

    /** 0 when the upstream never answered (connect failure, timeout, cut stream). */
    public int upstreamStatus() { return upstreamStatus; }

    public String retryAfter() { return retryAfter; }
}
