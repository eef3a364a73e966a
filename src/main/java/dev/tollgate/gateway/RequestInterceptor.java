package dev.tollgate.gateway;

import io.vertx.core.Future;

/**
 * A stage around the upstream call, run after authentication and routing, in {@link #order()} (limits, then
 * budgets …); {@link #complete} runs for every admitted request, in reverse order, however it ended (success,
 * upstream error, client abort), so reservations and slots are always released. Implementations are CDI beans.
 */
public interface RequestInterceptor {
    int order();

    /** Fail with {@link GatewayException} to refuse the request. Runs on the event loop: never block. */
    Future<Void> admit(RequestContext ctx);

    /** The request is over; {@code ctx.usage} holds what the upstream reported (null when nothing). */
    void complete(RequestContext ctx);
}
