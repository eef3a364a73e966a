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
    /** When the request arrived (the first attempt's start: every attempt of one request carries it). */
    public final long startNanos;
    /** When this attempt started. */
    public final long attemptStartNanos;
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
     * priced by the provider's own measure; a charged cache hit, at its stored cost): what a budget reserves for it.
     * Null otherwise.
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

    // ---- routing (gateway/Attempts): one RequestContext per upstream attempt ------------------------------------

    /** Which attempt of its request this is, from 1. */
    public int attempt = 1;
    /**
     * This attempt failed and the request went on to another one (a retry or a fallback): it is not the request's
     * outcome. Its stages still complete (its deployment's limits, the budget charge of what it used), but it is not
     * counted as one of the key's requests and gives its key-scope request unit back.
     */
    public boolean superseded;
    /**
     * Set by the rate limits when a deployment's own quota (LlmModel rpm/tpm), not the key's, refused this attempt:
     * another deployment may still take the request.
     */
    public boolean refusedByDeploymentQuota;
    /**
     * The gateway gave up on this attempt itself after the upstream accepted it (a stream that sent no content within
     * routing.firstTokenTimeout): charged like a request its client left (its prompt is counted).
     */
    public boolean abandoned;
    /**
     * While true, a stream's events are held back (not written, no head) until the first one that carries content:
     * until then the attempt may fail over to another deployment without the client seeing anything of it.
     */
    public boolean holding;
    /**
     * Another attempt took this one's place (or the request ended without it): whatever its upstream still sends is
     * not written to the client.
     */
    public boolean detached;
    /** The events held back while {@link #holding}, in order. */
    java.util.List<String> held;
    // ---- caching (gateway/CacheStage): set only on requests to a cached model group ------------------------------

    /** Assembles this attempt's stream as it goes to the client, to be stored once whole; null when not stored. */
    dev.tollgate.gateway.cache.StreamRecorder cacheRecorder;
    /** Keep the JSON answer this attempt sends ({@link #cachedBody}), to be stored. */
    boolean cacheCapture;
    /** The JSON answer sent to the client, when {@link #cacheCapture}. */
    io.vertx.core.buffer.Buffer cachedBody;

    // ---- observability (gateway/observe): set only when the config declares tracing or a sink --------------------

    /** The request's observation (shared by its attempts), or null when nothing observes it. */
    public dev.tollgate.gateway.observe.Observation observation;
    /** This attempt's span while it runs (see {@link dev.tollgate.gateway.observe.Observation#attemptStarted}). */
    public dev.tollgate.gateway.observe.Observation.Attempt observedAttempt;

    // ---- prompts and tags (gateway/prompt, gateway/tags) -----------------------------------------------------------

    /** The tags this request carries (its key's fixed tags and the client's allowed ones), sorted; empty: none. */
    public java.util.List<String> tags = java.util.List.of();
    /** The prompt version the request was rendered from, or null when it named no prompt. */
    public dev.tollgate.gateway.prompt.PromptUse prompt;
    /**
     * Ids of every Budget this request is charged to (its key's and those covering one of its tags), or null until
     * the budget stage works them out ({@link dev.tollgate.gateway.tags.Tags#budgets}).
     */
    public java.util.List<String> budgetIds;

    /** When the first content reached the client (streams), 0 before. */
    public long firstContentNanos;

    public RequestContext(RoutingContext rc, String requestId, WireFormat ingress, Operation operation, Snapshot snapshot) {
        this.rc = rc;
        this.response = rc.response();
        this.requestId = requestId;
        this.ingress = ingress;
        this.operation = operation;
        this.snapshot = snapshot;
        this.startNanos = System.nanoTime();
        this.attemptStartNanos = startNanos;
    }

    /** The next attempt of the same request: who asks and how, not what was routed, sent or used. */
    RequestContext(RequestContext previous) {
        this.rc = previous.rc;
        this.response = previous.response;
        this.requestId = previous.requestId;
        this.ingress = previous.ingress;
        this.operation = previous.operation;
        this.snapshot = previous.snapshot;
        this.startNanos = previous.startNanos;
        this.attemptStartNanos = System.nanoTime();
        this.key = previous.key;
        this.bodyBytes = previous.bodyBytes;
        this.stream = previous.stream;
        this.modelName = previous.modelName;
        this.attempt = previous.attempt + 1;
        this.observation = previous.observation;
        this.tags = previous.tags;
        this.prompt = previous.prompt;
        this.budgetIds = previous.budgetIds;
    }

    /** The model label for metrics: a configured public name, never a client-supplied unknown one. */
    public String modelLabel() {
        return deployment != null ? deployment.modelName() : "unknown";
    }

    public String providerLabel() {
        return deployment != null ? deployment.provider() : "none";
    }
}
