package dev.tollgate.gateway.routing;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.HealthSource;
import dev.tollgate.gateway.Snapshot;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The routing's view of each deployment for the usage report: its cooldown state ({@link DeploymentHealth}) and this
 * replica's moving latencies ({@link RouteStats}); calls and failures are the recorder's per-attempt counts. Built
 * when the report is read, from local memory only.
 */
@ApplicationScoped
public class RoutingHealthSource implements HealthSource {
    private final DeploymentHealth health;
    private final RouteStats stats;
    private final ConfigHolder holder;

    public RoutingHealthSource(DeploymentHealth health, RouteStats stats, ConfigHolder holder) {
        this.health = health;
        this.stats = stats;
        this.holder = holder;
    }

    @Override
    public Map<String, View> health(long nowMillis) {
        Map<String, DeploymentHealth.State> states = health.states(nowMillis);
        Set<String> ids = new HashSet<>(states.keySet());
        Snapshot s = holder.current();
        if (s != null) {
            for (GatewayConfig.Model m : s.config().models()) {
                ids.add(m.id());
            }
        }
        Map<String, View> out = new HashMap<>();
        for (String id : ids) {
            DeploymentHealth.State st = states.get(id);
            long latency = stats.latencyMillis(id, false);
            long ttft = stats.latencyMillis(id, true);
            if (st == null && latency < 0 && ttft < 0) {
                continue; // nothing known beyond the recorder's counts
            }
            out.put(id, new View(st == null ? DeploymentHealth.HEALTHY : st.state(),
                    st == null ? 0 : st.coolingUntilMillis(), st == null ? 0 : st.cooldowns(),
                    st == null ? null : st.lastReason(), latency, ttft));
        }
        return out;
    }
}
