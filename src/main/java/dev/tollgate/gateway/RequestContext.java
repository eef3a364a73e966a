package dev.tollgate.gateway;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;

/** Per-request state, passed through the stages: auth -> interceptors (limits, budget) -> route -> upstream -> meter. */
public final class RequestContext {
    public final RoutingContext rc;
    /** {@code rc.response()}, looked up once: Quarkus wraps it, and every stage writes to it. */
    public final HttpServerResponse response;
    public final String requestId;
    public final WireFormat ingress;
    public final Operation operation;
    public final Snapshot snapshot;
    public final long startNanos = System.nanoTime();
    public final Cancellation cancellation = new Cancellation();
    /** Stage-private state (e.g. a budget reservation to settle). */
    public final Map<Class<?>, Object> attributes = new HashMap<>();

    /** The client's body: its top-level fields at hand, the whole tree only when a stage asks for it. */
    public JsonBody body;
    /** The size of the client's request body in bytes. */
    public int bodyBytes;
    public GatewayConfig.Key key;
    public String modelName;
    public GatewayConfig.Model deployment;
    public boolean stream;
    public TokenUsage usage;
    /** The search units a rerank used, as the provider reported them (null: not reported, or not a rerank). */
    public Long searchUnits;
    /**
     * The most the request may cost in micro-USD, when its route knows it rather than the body (a pass-through call,
     * priced by the provider's own measure): what a budget reserves for it. Null otherwise.
     */
    public Long maxCostMicros;
    /** What the request cost in micro-USD once known (see Metering); null when unknown. */
    public Long costMicros;
    /** Set while the vocabulary this request's cost must be counted with is loading (see Metering.whenCountable). */
    Future<Void> countable;
    /** The answer's text as it went to the client, kept only to count tokens when the provider reports none. */
    public final StringBuilder answerText = new StringBuilder();
    /** True when the provider failed the request (5xx, timeout, unreachable, cut stream): for deployment health. */
    public boolean upstreamFailed;
    /**
     * A stage after the rate limits (a budget) refused the request: it never reached a provider, so the rate limits
     * give back the request they counted (an RPM unit), not only its parallel slot.
     */
    public boolean refusedAtAdmission;
    public int status;
    public ApiError error;
    /** True when the gateway itself ended this request, unfinished, at its drain deadline (see {@link Drain}). */
    boolean endedByDrain;

    public RequestContext(RoutingContext rc, String requestId, WireFormat ingress, Operation operation, Snapshot snapshot) {
        this.rc = rc;
        this.response = rc.response();
        this.requestId = requestId;
        this.ingress = ingress;
        this.operation = operation;
        this.snapshot = snapshot;
    }

    /** The model label for metrics: a configured public name, never a client-supplied unknown one. */
    public String modelLabel() {
        return deployment != null ? deployment.modelName() : "unknown";
    }

    public String providerLabel() {
        return deployment != null ? deployment.provider() : "none";
    }
}
