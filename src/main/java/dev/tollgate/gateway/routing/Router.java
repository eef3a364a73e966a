package dev.tollgate.gateway.routing;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ModelRouter;
import dev.tollgate.gateway.Snapshot;
import io.vertx.core.Future;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Placeholder (weighted over available deployments); wt19-strategy's version replaces it. */
@ApplicationScoped
public class Router {
    private final DeploymentHealth health;

    public Router(RouteStats stats, DeploymentHealth health) {
        this.health = health;
    }

    public Future<Pick> pick(Snapshot snapshot, List<GatewayConfig.Model> group, GatewayConfig.Routing routing,
            Demand demand, Set<String> excluded) {
        long now = System.currentTimeMillis();
        List<GatewayConfig.Model> candidates = new ArrayList<>();
        GatewayConfig.Model soonest = null;
        for (GatewayConfig.Model m : group) {
            if (excluded.contains(m.id())) {
                continue;
            }
            if (health.available(m.id(), now)) {
                candidates.add(m);
            } else if (soonest == null || health.coolingUntil(m.id()) < health.coolingUntil(soonest.id())) {
                soonest = m;
            }
        }
        if (candidates.isEmpty()) {
            return Future.succeededFuture(new Pick(soonest, soonest != null, Map.of()));
        }
        return Future.succeededFuture(new Pick(ModelRouter.pick(candidates), false, Map.of()));
    }

    public void served(Snapshot snapshot, GatewayConfig.Routing routing, Demand demand, GatewayConfig.Model model) {
    }
}
