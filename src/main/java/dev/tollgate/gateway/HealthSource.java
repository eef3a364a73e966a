package dev.tollgate.gateway;

import java.util.Map;

/**
 * What this replica's routing knows of each deployment's health, for the usage report: {@link UsageRecorder#report}
 * asks it when the report is built (on the management port, off the request path) and puts one
 * {@link dev.tollgate.config.UsageReport.Health} per deployment into the report. The operator merges them across
 * replicas into the LlmModel's {@code status.health}; standalone's status view shows them.
 *
 * <p>The default bean ({@link CountsOnlyHealth}) knows nothing of routing: every deployment is Healthy, with the
 * recorder's own counts. A bean of this type without {@code @DefaultBean} replaces it (the routing's cooldowns and
 * latencies).
 */
public interface HealthSource {
    /** Knows nothing: every deployment Healthy, the recorder's counts. */
    HealthSource NONE = nowMillis -> Map.of();

    /**
     * What is known now, by deployment id ({@code GatewayConfig.Model#id()}). A deployment the recorder counted that
     * is missing here is Healthy with unknown latency; one here the recorder never counted is reported too (a
     * cooldown shared by another replica). Must be cheap: local memory only, never Redis.
     */
    Map<String, View> health(long nowMillis);

    /**
     * One deployment as routing sees it.
     *
     * @param state              "Healthy", "CoolingDown" or "Probing" ({@code UsageReport.Health}'s constants)
     * @param coolingUntilMillis epoch millis the cooldown ends, 0 when not cooling down
     * @param cooldowns          cooldowns started since this process started
     * @param reason             why the last cooldown started (e.g. "429"), null when none did
     * @param latencyMillis      moving average of a call's duration, -1 unknown
     * @param ttftMillis         moving average of a stream's time to first token, -1 unknown
     * @param requests           upstream calls in the last minute, -1: the recorder's count of requests served
     * @param failures           of those, failed at the provider in the last minute, -1: the recorder's count
     */
    record View(String state, long coolingUntilMillis, long cooldowns, String reason, long latencyMillis, long ttftMillis,
            long requests, long failures) {
        /** A view without counts of its own (the recorder's are used). */
        public View(String state, long coolingUntilMillis, long cooldowns, String reason, long latencyMillis, long ttftMillis) {
            this(state, coolingUntilMillis, cooldowns, reason, latencyMillis, ttftMillis, -1, -1);
        }
    }
}
