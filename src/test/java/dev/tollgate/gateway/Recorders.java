package dev.tollgate.gateway;

import io.vertx.core.Future;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;

/** Tests of other packages (the operator's reader) drive a real recorder through its package-private parts. */
public final class Recorders {
    private Recorders() {}

    /** A recorder journaling to the given journal of its incarnation. */
    public static UsageRecorder journaled(Function<String, UsageJournal> journal) {
        return new UsageRecorder(Clock.systemUTC(), journal);
    }

    /** {@link UsageRecorder#record}: one completed request, as the metering stage counts it. */
    public static Future<Void> record(UsageRecorder r, String keyId, String deploymentId, int status, Long inputTokens,
            Long outputTokens, long costMicros, List<String> budgetSlots, boolean rateLimited, boolean upstreamFailed) {
        return r.record(null, keyId, deploymentId, status, inputTokens, outputTokens, costMicros, budgetSlots, rateLimited,
                upstreamFailed);
    }

    /** The same, with the provider's prompt-cache tokens (read from and written to its cache, parts of the input). */
    public static Future<Void> record(UsageRecorder r, String keyId, String deploymentId, int status, Long inputTokens,
            Long outputTokens, long cachedInputTokens, long cacheWriteTokens, long costMicros) {
        return r.record(null, keyId, deploymentId, status, inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens,
                costMicros, List.of(), false, false, true);
    }

    /** The recorder's report takes its health from {@code source} (as the CDI bean would give it). */
    public static UsageRecorder withHealth(UsageRecorder r, HealthSource source) {
        r.useHealth(source);
        return r;
    }

    public static Future<Void> heartbeat(UsageRecorder r) {
        return r.heartbeat(null);
    }
}
