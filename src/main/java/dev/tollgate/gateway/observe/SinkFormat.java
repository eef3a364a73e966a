package dev.tollgate.gateway.observe;

import java.util.List;

/**
 * How one kind of sink (Langfuse, Lunary, Helicone, PromptLayer, Traceloop, a webhook, the gateway's own OTLP traces)
 * receives calls: the HTTP request(s) that deliver a batch, following that service's documented ingestion API. Pure:
 * no I/O, no clock (times come from the records). {@link Callbacks} queues, batches, sends and retries.
 *
 * <p>The records it gets are already filtered (a team's sink sees only its namespace's), and stripped of content or
 * redacted as its sink says ({@link SinkTarget#logContent()}).
 */
public interface SinkFormat {
    /** The requests that deliver this batch, in order (usually one). */
    List<SinkRequest> encode(List<CallRecord> batch, SinkTarget target);

    /**
     * Whether a delivery answered with this status is tried again (with backoff, up to the sink's maxRetries): by
     * default 408, 429 and 5xx; any other non-2xx drops the batch (counted).
     */
    default boolean retryable(int status) {
        return status == 408 || status == 429 || status >= 500;
    }

    /**
     * Whether a 2xx answer's body still says some records failed (e.g. Langfuse's 207 with per-event errors): the
     * number of records it rejected, counted as failed (not retried). Default 0.
     */
    default int rejected(int status, io.vertx.core.buffer.Buffer body) {
        return 0;
    }

    /**
     * Whether {@link #rejected} reads the answer's body: when not, the body is discarded unread (at most
     * {@code 64 KiB} of it is ever read either way). Formats overriding {@link #rejected} say true.
     */
    default boolean readsBody() {
        return false;
    }
}
