package dev.tollgate.gateway.routing;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Snapshot;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PLACEHOLDER for branch h19-strategy only: the real class (cooldowns, half-open probes, shared through Redis) is
 * written by wt19-health and replaces this one at merge. It has the agreed public signatures and the least
 * behaviour the router's tests need: in memory, a 429 cools at once (for its retry-after, else the policy's
 * duration, at most the policy's maximum), {@code failures} other failures within the window cool for the policy's
 * duration, success clears; {@link #claim} always wins (no probes).
 */
@ApplicationScoped
public class DeploymentHealth {
    private final Map<String, Long> coolingUntil = new ConcurrentHashMap<>();
    private final Map<String, long[]> failures = new ConcurrentHashMap<>(); // {count, windowStartMillis}
    private final Map<String, Long> cooldowns = new ConcurrentHashMap<>();
    private final Map<String, String> reasons = new ConcurrentHashMap<>();

    /** Not cooling down (the placeholder has no half-open probes). */
    public boolean available(String deploymentId, long nowMillis) {
        Long until = coolingUntil.get(deploymentId);
        return until == null || until <= nowMillis;
    }

    /** Epoch millis the cooldown ends, 0 when not cooling. */
    public long coolingUntil(String deploymentId) {
        Long until = coolingUntil.get(deploymentId);
        return until == null ? 0 : until;
    }

    /** The placeholder has no probes: the chosen deployment is always claimed. */
    public boolean claim(String deploymentId, long nowMillis) {
        return true;
    }

    public void succeeded(Snapshot s, GatewayConfig.Model m, long nowMillis) {
        coolingUntil.remove(m.id());
        failures.remove(m.id());
    }

    public void failed(Snapshot s, GatewayConfig.Model m, String errorClass, long retryAfterMillis,
            GatewayConfig.Cooldown policy, long nowMillis) {
        if (GatewayConfig.Retries.RATE_LIMITED.equals(errorClass)) {
            long d = Math.min(retryAfterMillis >= 0 ? retryAfterMillis : policy.durationMillis(), policy.maxMillis());
            coolDown(m.id(), nowMillis + d, "429");
            return;
        }
        long[] f = failures.compute(m.id(), (id, old) -> old == null || nowMillis - old[1] > policy.windowMillis()
                ? new long[] {1, nowMillis} : new long[] {old[0] + 1, old[1]});
        if (f[0] >= policy.failures()) {
            failures.remove(m.id());
            coolDown(m.id(), nowMillis + policy.durationMillis(), f[0] + " failures in "
                    + policy.windowMillis() / 1000 + "s");
        }
    }

    private void coolDown(String id, long until, String reason) {
        coolingUntil.put(id, until);
        cooldowns.merge(id, 1L, Long::sum);
        reasons.put(id, reason);
    }

    public void released(String deploymentId) {
    }

    public Map<String, State> states(long nowMillis) {
        Map<String, State> out = new TreeMap<>();
        cooldowns.forEach((id, n) -> {
            long until = coolingUntil(id);
            out.put(id, new State(until > nowMillis ? "CoolingDown" : "Healthy", until, n, reasons.get(id)));
        });
        return out;
    }

    public record State(String state, long coolingUntilMillis, long cooldowns, String lastReason) {}
}
