package dev.tollgate.gateway;

import dev.tollgate.config.GatewayConfig;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Picks a deployment of a model group: weighted random over members with weight > 0. */
public final class ModelRouter {
    private ModelRouter() {}

    public static GatewayConfig.Model pick(List<GatewayConfig.Model> group) {
        if (group.size() == 1) {
            return group.get(0);
        }
        long total = 0;
        for (GatewayConfig.Model m : group) {
            total += Math.max(0, m.weight());
        }
        if (total == 0) {
            return group.get(ThreadLocalRandom.current().nextInt(group.size()));
        }
        long r = ThreadLocalRandom.current().nextLong(total);
        for (GatewayConfig.Model m : group) {
            r -= Math.max(0, m.weight());
            if (r < 0) {
                return m;
            }
        }
        return group.get(group.size() - 1);
    }
}
