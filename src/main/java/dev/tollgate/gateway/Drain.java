package dev.tollgate.gateway;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests a gateway is serving, so a stopping pod can let them finish and end those left at its drain
 * deadline cleanly (see {@link dev.tollgate.config.Termination}). A request is open from the moment it is accepted
 * for an upstream until it is completed (answered, failed or left by its client, and metered).
 */
final class Drain {
    /** What a client whose request is still open at the drain deadline gets: an error it may retry elsewhere. */
    static final ApiError CUT = ApiError.of(503, "this gateway replica is stopping and its drain deadline "
            + "(tollgate.gateway.drain-timeout-millis) passed before the answer was complete: retry the request "
            + "(another replica answers)", null).withCode("shutting_down");
    static final Map<String, String> RETRY = Map.of(HeaderNames.SHOULD_RETRY.toString(), "true");

    /** Each open request and the Vert.x context (event loop) it runs on. */
    private final Map<RequestContext, Context> open = new ConcurrentHashMap<>();

    /** Called on the request's event loop when it is accepted. */
    void opened(RequestContext ctx) {
        Context here = Vertx.currentContext();
        if (here != null) { // always, on the request path; a request without one could not be ended here anyway
            open.put(ctx, here);
        }
    }

    void closed(RequestContext ctx) {
        open.remove(ctx);
    }

    int size() {
        return open.size();
    }

    /** Waits until no request is open, or the timeout passes; returns whether none is. */
    boolean awaitNone(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return open.isEmpty();
    }

    /**
     * Ends every open request with {@link #CUT}, each on its own event loop: a stream gets an error event in its
     * client's dialect and is closed (never a clean end such as OpenAI's {@code [DONE]}, which an SDK would read as a
     * complete answer); a request whose answer has not started gets 503 with {@code x-should-retry: true}. The
     * upstream call is cancelled; the request then completes as usual, so its usage is metered (a cut answer's
     * tokens are counted). Returns how many requests were open.
     */
    int endAll() {
        int n = 0;
        for (var e : open.entrySet()) {
            RequestContext ctx = e.getKey();
            e.getValue().runOnContext(v -> end(ctx));
            n++;
        }
        return n;
    }

    private static void end(RequestContext ctx) {
        if (ctx.response.ended() || ctx.response.closed()) {
            return; // answered (or left) already: it is completing on its own
        }
        ctx.endedByDrain = true;
        if (ctx.operation == dev.tollgate.gateway.provider.Operation.PASSTHROUGH && ctx.response.headWritten()) {
            ctx.response.reset(); // a relayed answer in the provider's format: no error event fits it, so it is cut
        } else {
            ClientWriter.error(ctx, CUT, RETRY);
        }
        ctx.cancellation.cancel();
    }
}
