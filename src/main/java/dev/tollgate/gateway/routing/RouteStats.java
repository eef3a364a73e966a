package dev.tollgate.gateway.routing;

import jakarta.enterprise.context.ApplicationScoped;

/** Placeholder; wt19-strategy's version replaces it. */
@ApplicationScoped
public class RouteStats {
    public void started(String deploymentId) {
    }

    public void finished(String deploymentId, long durationNanos, long firstTokenNanos, boolean stream, long tokens) {
    }

    public int inFlight(String deploymentId) {
        return 0;
    }
}
