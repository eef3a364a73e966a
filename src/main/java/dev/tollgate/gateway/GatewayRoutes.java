package dev.tollgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Termination;
import dev.tollgate.gateway.cost.TokenCounter;
import dev.tollgate.gateway.prompt.PromptStage;
import dev.tollgate.gateway.tags.Tags;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.Served;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.Upstreams;
import dev.tollgate.gateway.provider.WireFormat;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.validation.InvalidRequest;
import dev.tollgate.gateway.validation.RequestRules;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The gateway's HTTP front on port 4000 (gateway and standalone mode): the OpenAI-compatible API, Anthropic's
 * /v1/messages, models, and the probes. Every path is also served without the /v1 prefix. The request path is
 * non-blocking: parse, authenticate, route, run interceptors, call the upstream, meter.
 */
@ApplicationScoped
public class GatewayRoutes {
    private static final Logger LOG = Logger.getLogger(GatewayRoutes.class);
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

    private final ConfigHolder holder;
    private final Upstreams upstreams;
    private final dev.tollgate.gateway.passthrough.PassThrough passThrough;
    private final List<RequestInterceptor> interceptors;
    private final MeterRegistry registry;
    private final String mode;
    private final long maxBodyBytes;
    private final Clock clock = Clock.systemUTC();
    private final Bridges bridges = new Bridges();
    private final UsageRecorder usage;
    private final long handoverMillis;
    private final java.util.Optional<Long> drainMillis;
    final Drain open = new Drain();
    final dev.tollgate.gateway.routing.Router router;
    final dev.tollgate.gateway.routing.DeploymentHealth health;
    final dev.tollgate.gateway.routing.RouteStats stats;
    final RoutingMetrics metrics;
    private volatile boolean draining;
    private final dev.tollgate.gateway.cache.ResponseCache responseCache;
    private final dev.tollgate.gateway.cache.SemanticCache semanticCache;
    /** The caches on the request path: made when the first request to a cached group comes (none: nothing cached). */
    private volatile CacheStage cacheStage;

    private CacheStage cacheStage() {
        CacheStage c = cacheStage;
        if (c == null) {
            synchronized (this) {
                if (cacheStage == null) {
                    cacheStage = new CacheStage(this, responseCache, semanticCache,
                            new dev.tollgate.gateway.cache.CacheMetrics(registry, responseCache, semanticCache), usage);
                }
                c = cacheStage;
            }
        }
        return c;
    }

    public GatewayRoutes(ConfigHolder holder, Upstreams upstreams,
            dev.tollgate.gateway.passthrough.PassThrough passThrough, Instance<RequestInterceptor> interceptors,
            MeterRegistry registry, UsageRecorder usage, dev.tollgate.gateway.routing.Router router,
            dev.tollgate.gateway.routing.DeploymentHealth health, dev.tollgate.gateway.routing.RouteStats stats,
            dev.tollgate.gateway.cache.ResponseCache responseCache, dev.tollgate.gateway.cache.SemanticCache semanticCache,
            dev.tollgate.gateway.observe.ObservabilityHub observability,
            @ConfigProperty(name = "tollgate.mode", defaultValue = "standalone") String mode,
            @ConfigProperty(name = "tollgate.gateway.max-body-bytes", defaultValue = "10485760") long maxBodyBytes,
            @ConfigProperty(name = "tollgate.gateway.max-header-bytes", defaultValue = "20480") int maxHeaderBytes,
            @ConfigProperty(name = "tollgate.gateway.max-request-line-bytes", defaultValue = "4096") int maxLineBytes,
            @ConfigProperty(name = "tollgate.gateway.usage-handover-timeout-millis",
                    defaultValue = Termination.HANDOVER_MILLIS_DEFAULT) long handoverMillis,
            @ConfigProperty(name = "tollgate.gateway.drain-timeout-millis") java.util.Optional<Long> drainMillis) {
        this.handoverMillis = handoverMillis;
        this.drainMillis = drainMillis;
        this.observability = observability;
        this.promptCache = new dev.tollgate.gateway.cache.PromptCacheMetrics(registry);
        this.responseCache = responseCache;
        this.semanticCache = semanticCache;
        this.router = router;
        this.health = health;
        this.stats = stats;
        this.metrics = new RoutingMetrics(registry);
        this.holder = holder;
        this.upstreams = upstreams;
        this.passThrough = passThrough;
        this.interceptors = interceptors.stream().sorted(Comparator.comparingInt(RequestInterceptor::order)).toList();
        this.registry = registry;
        this.usage = usage;
        this.mode = mode;
        this.maxBodyBytes = maxBodyBytes;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxLineBytes = maxLineBytes;
    }

    private final int maxHeaderBytes;
    private final int maxLineBytes;
    /** Traces and logging callbacks: {@code observer()} is null when the config declares none (then nothing is done). */
    private final dev.tollgate.gateway.observe.ObservabilityHub observability;

    /** Starts observing a request when the config declares tracing or a sink. */
    private void observe(RequestContext ctx) {
        dev.tollgate.gateway.observe.Observer o = observability.observer();
        if (o != null) {
            ctx.observation = o.begin(ctx);
        }
    }

    /**
     * A request line or headers over the gateway's limits: 414 / 431 in the endpoint's error shape, the connection
     * closed (a body may follow unread). Netty's own limits are set far above these (application.properties), so this
     * is what a client meets; true when the request was answered here.
     */
    private boolean headTooLarge(RoutingContext rc, WireFormat ingress, Operation op) {
        io.vertx.core.http.HttpServerRequest req = rc.request();
        int line = req.method().name().length() + req.uri().length() + 10; // two spaces and HTTP/1.1
        ApiError error = null;
        if (line > maxLineBytes) {
            error = ApiError.of(414, "the request line is " + line + " bytes, over this gateway's limit of " + maxLineBytes
                    + " (tollgate.gateway.max-request-line-bytes): send parameters in the body", null).withCode("uri_too_long");
        } else {
            int size = 0;
            for (Map.Entry<String, String> h : req.headers()) {
                size += h.getKey().length() + h.getValue().length() + 4; // ": " and CRLF
            }
            if (size > maxHeaderBytes) {
                error = ApiError.of(431, "the request headers are " + size + " bytes, over this gateway's limit of "
                        + maxHeaderBytes + " (tollgate.gateway.max-header-bytes): send fewer or smaller headers", null)
                        .withCode("request_header_fields_too_large");
            }
        }
        if (error == null) {
            return false;
        }
        RequestContext ctx = new RequestContext(rc, requestId(rc), ingress, op, holder.current());
        observe(ctx);
        if (req.version() != io.vertx.core.http.HttpVersion.HTTP_2) {
            rc.response().endHandler(v -> req.connection().close()); // as it says: a body may follow, unread
        }
        ClientWriter.error(ctx, error, closeConnection(rc));
        record(ctx);
        return true;
    }

    void routes(@Observes Router router) {
        if ("operator".equalsIgnoreCase(mode)) {
            return;
        }
        router.get("/health/liveness").handler(rc -> rc.response().setStatusCode(200).end("{\"status\":\"UP\"}"));
        router.get("/health/readiness").handler(rc -> {
            if (draining) {
                rc.response().setStatusCode(503).putHeader("content-type", "application/json")
                        .end("{\"status\":\"DOWN\",\"reason\":\"stopping: finishing the requests in flight\"}");
                return;
            }
            Snapshot s = holder.current();
            rc.response().setStatusCode(s == null ? 503 : 200).putHeader("content-type", "application/json")
                    .end(s == null ? "{\"status\":\"DOWN\",\"reason\":\"no configuration loaded yet\"}"
                            : "{\"status\":\"UP\",\"config\":\"" + s.version() + "\"}");
        });
        for (String prefix : List.of("/v1", "")) {
            post(router, prefix + "/chat/completions", WireFormat.OPENAI, Operation.CHAT);
            post(router, prefix + "/completions", WireFormat.OPENAI, Operation.COMPLETIONS);
            post(router, prefix + "/embeddings", WireFormat.OPENAI, Operation.EMBEDDINGS);
            post(router, prefix + "/images/generations", WireFormat.OPENAI, Operation.IMAGES);
            post(router, prefix + "/rerank", WireFormat.OPENAI, Operation.RERANK);
            post(router, prefix + "/messages", WireFormat.ANTHROPIC, Operation.CHAT);
            get(router, prefix + "/models", rc -> models(rc, null));
            get(router, prefix + "/models/:id", rc -> models(rc, rc.pathParam("id")));
        }
        // a provider's own API, for models no OpenAI endpoint fits (dev.tollgate.gateway.passthrough)
        for (String provider : passThrough.providers()) {
            router.route("/" + provider + "/*").handler(rc -> passThrough(rc, provider));
        }
        // last, after every route of the gateway and of Quarkus: a path no route serves, or a method a path does not
        // take, is answered in the API's error shape instead of Vert.x' HTML page or empty 405
        router.route().last().handler(this::unrouted);
    }

    /** The paths the API serves and the one method each takes: what a 405's Allow header names. */
    private final Map<String, String> allowed = new ConcurrentHashMap<>();
    private final Map<Pattern, String> allowedPatterns = new ConcurrentHashMap<>();

    private void get(Router router, String path, io.vertx.core.Handler<RoutingContext> handler) {
        allow(path, "GET");
        router.get(path).handler(rc -> {
            if (!headTooLarge(rc, WireFormat.OPENAI, Operation.CHAT)) { // /v1/models answers in OpenAI's shape
                handler.handle(rc);
            }
        });
    }

    private void allow(String path, String method) {
        if (path.contains("/:")) {
            allowedPatterns.put(Pattern.compile(Pattern.quote(path.substring(0, path.indexOf("/:") + 1)) + "[^/]+"), method);
        } else {
            allowed.put(path, method);
        }
    }

    /** 404 (no such path) or 405 (the path takes another method, named in Allow), in the API's error shape. */
    private void unrouted(RoutingContext rc) {
        String path = rc.normalizedPath();
        String method = allowed.get(path);
        if (method == null) {
            method = allowedPatterns.entrySet().stream().filter(e -> e.getKey().matcher(path).matches())
                    .map(Map.Entry::getValue).findFirst().orElse(null);
        }
        // a served path answers in its own dialect; an unknown one in Anthropic's when the client says it speaks it
        boolean anthropic = path.endsWith("/messages")
                || method == null && rc.request().getHeader("anthropic-version") != null;
        if (headTooLarge(rc, anthropic ? WireFormat.ANTHROPIC : WireFormat.OPENAI, Operation.CHAT)) {
            return;
        }
        RequestContext ctx = new RequestContext(rc, requestId(rc), anthropic ? WireFormat.ANTHROPIC : WireFormat.OPENAI,
                Operation.CHAT, holder.current());
        Map<String, String> headers = new java.util.HashMap<>();
        if (rc.request().headers().contains("transfer-encoding") || rc.request().getHeader("content-length") != null
                && !"0".equals(rc.request().getHeader("content-length"))) {
            headers.putAll(closeConnection(rc)); // a body this gateway will not read: not kept on a reused connection
        }
        if (method != null) {
            headers.put("allow", method);
            ClientWriter.error(ctx, ApiError.of(405, rc.request().method().name() + " is not allowed on " + path
                    + ": use " + method, null).withCode("method_not_allowed"), headers);
        } else {
            ClientWriter.error(ctx, ApiError.of(404, "no such endpoint: " + rc.request().method().name() + " " + path
                    + ": this gateway serves /v1/chat/completions, /v1/completions, /v1/embeddings, "
                    + "/v1/images/generations, /v1/rerank, /v1/messages and /v1/models", null).withCode("unknown_url"), headers);
        }
    }

    /** The usage report on the management port (9000), where only the operator and Prometheus look. */
    void management(@Observes io.quarkus.vertx.http.ManagementInterface management) {
        if ("operator".equalsIgnoreCase(mode)) {
            return;
        }
        management.router().get("/tollgate/usage").handler(rc -> {
            Snapshot s = holder.current();
            if (rc.request().getHeader("x-tollgate-reader") != null) {
                usage.markRead(); // the operator, not a person with curl: counts for the hand-over
            }
            usage.reportWithJournal(s).onComplete(r -> rc.response().putHeader("content-type", "application/json")
                    .end(r.result().toJson()));
        });
        // the response caches' purge: ?namespace=<ns> and/or ?model=<group> narrow it; neither purges everything
        management.router().post("/tollgate/cache/purge").handler(rc -> {
            Snapshot s = holder.current();
            String namespace = blankToNull(rc.queryParams().get("namespace"));
            String model = blankToNull(rc.queryParams().get("model"));
            Future<Long> exact = s == null ? Future.succeededFuture(0L) : responseCache.purge(s, namespace, model);
            Future<Long> semantic;
            try {
                semantic = s == null ? Future.succeededFuture(0L) : semanticCache.purge(s, namespace, model);
            } catch (RuntimeException e) {
                semantic = Future.failedFuture(e); // answered below as a purge that did not complete
            }
            Future<Long> semanticPurged = semantic;
            Future.all(exact, semanticPurged).onComplete(ar -> {
                if (ar.failed()) {
                    rc.response().setStatusCode(503).putHeader("content-type", "application/json")
                            .end("{\"error\":{\"message\":\"the purge did not complete (the shared Redis did not answer): "
                                    + "retry\",\"type\":\"service_unavailable\"}}");
                    return;
                }
                ObjectNode out = Json.object();
                out.putObject("purged").put("exact", exact.result()).put("semantic", semanticPurged.result());
                LOG.infof("cache purged (namespace %s, model %s): %d exact and %d semantic entries", namespace == null
                        ? "all" : namespace, model == null ? "all" : model, exact.result(), semanticPurged.result());
                rc.response().putHeader("content-type", "application/json").end(Json.write(out));
            });
        });
    }

    /**
     * A gateway pod being stopped (SIGTERM) drains: readiness answers 503 at once, new LLM requests get 503
     * shutting_down with x-should-retry: true (clients retry on another replica), and requests in flight, streams
     * included, run for up to tollgate.gateway.drain-timeout-millis (default: the longest stream its models may
     * serve, see {@link Termination}); those still open then end with an error event, never a silent cut, and are
     * metered. Then the pod keeps its usage report up until the operator has read it once more (at most
     * tollgate.gateway.usage-handover-timeout-millis): its last usage is handed over, not lost.
     *
     * <p>This runs in Quarkus' pre-shutdown phase (quarkus.shutdown.delay-enabled), whose wait has no timeout, with
     * every port still serving: Quarkus closes the HTTP server only after it returns. quarkus.shutdown.timeout stays
     * unset: it bounds a later phase in which nothing is left to wait for. The pod's grace period is sized to cover
     * the preStop pause, this drain and the hand-over (GatewayDeploymentDependent).
     */
    void onStop(@Observes io.quarkus.runtime.ShutdownDelayInitiatedEvent event) throws InterruptedException {
        if (!"gateway".equalsIgnoreCase(mode)) {
            return;
        }
        draining = true;
        Snapshot snapshot = holder.current();
        long deadline = drainMillis.orElseGet(() -> Termination.drainMillis(snapshot == null ? List.of() : snapshot.config().models()));
        int inFlight = open.size();
        if (inFlight > 0) {
            LOG.infof("stopping: %d request(s) in flight may run for up to %d ms", inFlight, deadline);
        }
        if (!open.awaitNone(java.time.Duration.ofMillis(deadline))) {
            LOG.warnf("stopping: %d request(s) still open at the drain deadline (%d ms, tollgate.gateway.drain-timeout-millis)"
                    + " end with an error their clients may retry", open.endAll(), deadline);
        }
        boolean handedOver = usage.awaitHandover(java.time.Duration.ofMillis(handoverMillis));
        LOG.infof(handedOver ? "stopping: usage handed over to the operator"
                : "stopping: the operator did not read the last usage within %d ms; it may miss up to one read interval",
                handoverMillis);
    }

    private void post(Router router, String path, WireFormat ingress, Operation op) {
        allow(path, "POST");
        // the body is read as bytes whatever its Content-Type (BodyReader): no form decoder runs on the API
        router.post(path).handler(rc -> {
            if (headTooLarge(rc, ingress, op)) {
                return;
            }
            BodyReader.read(rc.request(), maxBodyBytes, body -> {
                try {
                    handle(rc, body, ingress, op);
                } catch (RuntimeException e) {
                    rc.fail(e); // called from the request's end handler, outside the router: hand it the failure
                }
            }, refusal -> refuseTransfer(rc, ingress, op, refusal));
        }).failureHandler(rc -> {
            RequestContext ctx = new RequestContext(rc, requestId(rc), ingress, op, holder.current());
            observe(ctx);
            LOG.errorf(rc.failure(), "request %s failed inside the gateway", ctx.requestId);
            ClientWriter.error(ctx, ApiError.of(500, "internal gateway error (request " + ctx.requestId + ")", null),
                    Map.of());
            record(ctx);
        });
    }

    /** A body too large to read (413) or an Expect header other than 100-continue (417); the connection is closed. */
    private void refuseTransfer(RoutingContext rc, WireFormat ingress, Operation op, BodyReader.Refusal refusal) {
        RequestContext ctx = new RequestContext(rc, requestId(rc), ingress, op, holder.current());
        observe(ctx);
        ApiError error = refusal == BodyReader.Refusal.TOO_LARGE
                ? ApiError.of(413, "the request body is larger than this gateway's limit of " + maxBodyBytes
                        + " bytes (tollgate.gateway.max-body-bytes): send a smaller request (fewer or shorter messages, "
                        + "smaller images)", null).withCode("request_too_large")
                : ApiError.of(417, "the Expect header '" + rc.request().getHeader("expect") + "' cannot be met: send "
                        + "none, or 100-continue", null).withCode("expectation_failed");
        ClientWriter.error(ctx, error, closeConnection(rc));
        record(ctx);
    }

    /**
     * Over HTTP/1.x, closes the connection after the answer (the body left unread must not be taken for the next
     * request); HTTP/2 has no such header (a client must reject it) and ends just the stream.
     */
    private static Map<String, String> closeConnection(RoutingContext rc) {
        return rc.request().version() == io.vertx.core.http.HttpVersion.HTTP_2 ? Map.of() : Map.of("connection", "close");
    }

    // ---- the request path ----------------------------------------------------------------------------------------

    private void handle(RoutingContext rc, io.vertx.core.buffer.Buffer rawBody, WireFormat ingress, Operation op) {
        String requestId = requestId(rc);
        Snapshot snapshot = holder.current();
        RequestContext ctx = new RequestContext(rc, requestId, ingress, op, snapshot);
        observe(ctx);
        List<GatewayConfig.Model> group;
        GatewayConfig.Cache cache;
        dev.tollgate.gateway.cache.CacheControls controls = dev.tollgate.gateway.cache.CacheControls.NONE;
        io.vertx.core.buffer.Buffer raw = rawBody;
        try {
            ready(rc, snapshot);
            ctx.key = Auth.authenticate(rc.request(), ingress == WireFormat.ANTHROPIC, snapshot, clock.instant());
            ctx.body = body(raw, ingress, op);
            if (op == Operation.CHAT && ingress == WireFormat.OPENAI && ctx.body.has("prompt_id")) {
                raw = PromptStage.apply(ctx, raw, maxBodyBytes); // the prompt's messages, model and parameters: the body from here on
                ctx.body = body(raw, ingress, op);
            }
            raw = Tags.apply(ctx, raw); // the request's tags, refused when the key does not allow them
            ctx.bodyBytes = raw.length();
            JsonNode model = ctx.body.get("model");
            if (model == null || !model.isTextual() || model.asText().isBlank()) {
                throw new GatewayException(ApiError.of(400, "'model' is required: name one of GET /v1/models", "model"));
            }
            ctx.modelName = model.asText();
            if (ctx.observation != null) {
                ctx.observation.requested(ctx.modelName);
            }
            group = snapshot.group(ctx.modelName);
            if (group.isEmpty()) {
                throw new GatewayException(ApiError.of(404, "the model '" + ctx.modelName + "' does not exist on this "
                        + "gateway: GET /v1/models lists the models your key may use", "model").withCode("model_not_found"));
            }
            if (!Auth.allows(ctx.key, ctx.modelName)) {
                throw new GatewayException(ApiError.of(403, "your key may not use the model '" + ctx.modelName
                        + "' (VirtualKey " + ctx.key.id() + " spec.models)", "model").withCode("model_not_allowed"));
            }
            cache = CacheStage.cacheable(op) ? snapshot.cache(ctx.modelName) : null;
            if (cache != null || ctx.body.has("cache")) {
                controls = CacheStage.controls(ctx, cache != null);
            }
        } catch (GatewayException e) {
            ClientWriter.error(ctx, e.error(), e.headers());
            record(ctx);
            return;
        }
        if (cache != null) {
            cacheStage().run(ctx, raw, group, cache, controls);
            return;
        }
        new Attempts(this, ctx, raw, group).start();
    }

    /**
     * What serves the attempt's deployment ({@code ctx.deployment}) for its operation; also settles whether it
     * streams. Throws {@link GatewayException} when this gateway cannot serve it.
     */
    Served served(RequestContext ctx) {
        Operation op = ctx.operation;
        Served upstream = upstreams.forProvider(ctx.deployment.provider()).orElseThrow(() -> new GatewayException(
                ApiError.of(501, "provider " + ctx.deployment.provider() + " (model " + ctx.modelName
                        + ") is not served on this API by this gateway version" + (passThrough.providers()
                        .contains(ctx.deployment.provider()) ? ": call it through /" + ctx.deployment.provider()
                        + "/ (its own API)" : ""), null).withCode("provider_not_supported"),
                Map.of("x-should-retry", "false"))); // the renderer refuses such models: only an old config gets here
        if (!upstream.supports(op)) {
            throw new GatewayException(ApiError.of(400, "the model '" + ctx.modelName + "' (provider "
                    + ctx.deployment.provider() + ") does not serve " + ctx.rc.request().path(), "model")
                    .withCode("unsupported_operation"));
        }
        ctx.stream = (op == Operation.CHAT || op == Operation.COMPLETIONS) && ctx.body.path("stream").asBoolean(false);
        if (ctx.stream && ctx.deployment.prices() != null) {
            // a stream cut short is charged by counting its tokens: have the vocabulary ready by then
            TokenCounter.preload(ctx.deployment.upstreamModel());
        }
        return upstream;
    }

    /** Refuses a request when there is no configuration yet, or this replica is stopping. */
    private void ready(RoutingContext rc, Snapshot snapshot) {
        if (snapshot == null) {
            throw GatewayException.of(503, "not_ready", "the gateway has no configuration yet: retry shortly");
        }
        if (draining) {
            throw new GatewayException(ApiError.of(503, "this gateway replica is stopping: retry (another replica "
                    + "answers)", null).withCode("shutting_down"), refusedWhileDraining(rc));
        }
    }

    /**
     * A provider's own API (a pass-through route, {@link dev.tollgate.gateway.passthrough.PassThrough}): the same key
     * auth, allowlist, stages (limits, budgets, usage) and metrics as the OpenAI routes; the body goes on as it came.
     */
    private void passThrough(RoutingContext rc, String provider) {
        if (headTooLarge(rc, WireFormat.OPENAI, Operation.PASSTHROUGH)) {
            return;
        }
        BodyReader.read(rc.request(), maxBodyBytes, body -> {
            RequestContext ctx = new RequestContext(rc, requestId(rc), WireFormat.OPENAI, Operation.PASSTHROUGH,
                    holder.current());
            observe(ctx);
            java.util.function.Supplier<Future<Void>> call;
            try {
                ready(rc, ctx.snapshot);
                call = passThrough.prepare(ctx, provider, body, clock.instant());
            } catch (GatewayException e) {
                ClientWriter.error(ctx, e.error(), e.headers());
                record(ctx);
                return;
            } catch (RuntimeException e) { // called from the request's end handler: nobody else would answer it
                LOG.errorf(e, "request %s failed inside the gateway", ctx.requestId);
                ClientWriter.error(ctx, ApiError.of(500, "internal gateway error (request " + ctx.requestId + ")", null),
                        Map.of());
                record(ctx);
                return;
            }
            run(ctx, call);
        }, refusal -> refuseTransfer(rc, WireFormat.OPENAI, Operation.PASSTHROUGH, refusal));
    }

    /** Runs an authenticated, routed request: the stages admit it, {@code call} serves it, and it is metered. */
    private void run(RequestContext ctx, java.util.function.Supplier<Future<Void>> call) {
        ctx.response.putHeader(HeaderNames.DEPLOYMENT, ctx.deployment.id());
        if (ctx.observation != null) {
            ctx.observation.attemptStarted(ctx);
        }
        ctx.response.closeHandler(v -> ctx.cancellation.cancel());
        open.opened(ctx);
        List<RequestInterceptor> admitted = new ArrayList<>(interceptors.size());
        Future<Void> admission = admit(ctx, 0, admitted);
        // in memory every stage decides at once: no future chain to build when there is nothing to wait for
        (admission.succeeded() ? start(call) : admission.compose(v -> start(call)))
                .onFailure(t -> fail(ctx, t))
                // completing charges the request, which may mean counting its tokens: not while a vocabulary loads
                .onComplete(ar -> Metering.whenCountable(ctx, () -> complete(ctx, admitted)));
    }

    /** How an attempt ended: {@code failure} null when it succeeded; the stages that admitted it still to complete. */
    interface AttemptEnd {
        void ended(List<RequestInterceptor> admitted, Throwable failure);
    }

    /**
     * Runs one upstream attempt of a routed request ({@link Attempts}): the stages admit it, {@code call} serves it,
     * and {@code end} decides what follows — {@link #completeAttempt} when it is the request's outcome.
     */
    void runAttempt(RequestContext ctx, java.util.function.Supplier<Future<Void>> call, AttemptEnd end) {
        ctx.response.closeHandler(v -> ctx.cancellation.cancel());
        open.opened(ctx);
        List<RequestInterceptor> admitted = new ArrayList<>(interceptors.size());
        Future<Void> admission = admit(ctx, 0, admitted);
        (admission.succeeded() ? start(call) : admission.compose(v -> start(call)))
                .onComplete(ar -> end.ended(admitted, ar.failed() ? ar.cause() : null));
    }

    /** Completes an attempt in its stages (once its tokens can be counted) and, unless superseded, the request. */
    void completeAttempt(RequestContext ctx, List<RequestInterceptor> admitted) {
        Metering.whenCountable(ctx, () -> complete(ctx, admitted));
    }

    /** Completes the request in every stage that admitted it, last first, then records its metrics. */
    private void complete(RequestContext ctx, List<RequestInterceptor> admitted) {
        for (int i = admitted.size() - 1; i >= 0; i--) {
            try {
                admitted.get(i).complete(ctx);
            } catch (RuntimeException e) {
                LOG.errorf(e, "interceptor %s failed to complete request %s", admitted.get(i), ctx.requestId);
            }
        }
        if (ctx.observation != null) {
            ctx.observation.attemptEnded(ctx); // its cost is known now
        }
        if (!ctx.superseded) {
            record(ctx);
        }
        open.closed(ctx); // only now: a stopping gateway's drain waits until the request is metered
    }

    /**
     * Runs the stages from {@code i} on, each once the one before admitted the request; every stage that admitted it
     * is added to {@code admitted} (and so completed later, however the request ends). A stage that has decided at
     * once (the in-memory limits and budgets) is followed without a future per stage; one that waits (Redis) is
     * followed when it answers. A stage that throws refuses the request like one that fails.
     */
    private Future<Void> admit(RequestContext ctx, int i, List<RequestInterceptor> admitted) {
        for (; i < interceptors.size(); i++) {
            RequestInterceptor next = interceptors.get(i);
            Future<Void> decided;
            try {
                decided = next.admit(ctx);
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
            if (!decided.isComplete()) {
                int after = i + 1;
                decided.onFailure(t -> ctx.refusedAtAdmission = true); // before the chain below reaches complete()
                return decided.compose(v -> {
                    admitted.add(next);
                    return admit(ctx, after, admitted);
                });
            }
            if (decided.failed()) {
                ctx.refusedAtAdmission = true;
                return decided;
            }
            admitted.add(next);
        }
        return Future.succeededFuture();
    }

    /** Starts the call; one that throws fails the request instead of leaving it unanswered. */
    private static Future<Void> start(java.util.function.Supplier<Future<Void>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    /** The upstream call; a bridge that throws fails the request instead of leaving it unanswered. */
    Future<Void> dispatch(RequestContext ctx, Served upstream, String credential) {
        try {
            return bridges.dispatch(ctx, upstream, credential);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    void fail(RequestContext ctx, Throwable t) {
        if (ctx.endedByDrain) {
            return; // the drain deadline ended it, and wrote what the client gets
        }
        if (ctx.cancellation.cancelled()) {
            ctx.status = 499; // the client went away; nothing to write
            return;
        }
        if (t instanceof UpstreamException u) {
            ctx.upstreamFailed = u.error().httpStatus() >= 500;
            ClientWriter.error(ctx, u.error(), u.retryAfter() == null ? Map.of() : Map.of("retry-after", u.retryAfter()));
        } else if (t instanceof GatewayException g) {
            ClientWriter.error(ctx, g.error(), g.headers());
        } else if (t instanceof TranslationException te) {
            ClientWriter.error(ctx, te.error(), Map.of());
        } else {
            ApiError config = misconfigured(ctx);
            if (config != null) {
                LOG.warnf("request %s: %s", ctx.requestId, config.message());
                ClientWriter.error(ctx, config, Map.of());
            } else {
                LOG.errorf(t, "request %s failed inside the gateway", ctx.requestId);
                ClientWriter.error(ctx, ApiError.of(500, "internal gateway error (request " + ctx.requestId + ")", null), Map.of());
            }
        }
    }

    /**
     * A call that failed because the model lacks a setting its provider needs (the renderer refuses such a model, so
     * only a config the renderer did not check gets here): a 502 that names the model and the setting, not a 500.
     * Looked at only when a call failed in an unexpected way, never on the way of a request that works.
     */
    private static ApiError misconfigured(RequestContext ctx) {
        if (ctx.deployment == null) {
            return null;
        }
        return dev.tollgate.config.Provider.missing(ctx.deployment).map(r -> ApiError.of(502, "the model '"
                + ctx.modelName + "' (LlmModel " + ctx.deployment.id() + ", provider " + ctx.deployment.provider()
                + ") lacks spec." + r.setting().field() + " (" + r.hint() + "): the gateway's operator must set it",
                null).withCode("model_misconfigured")).orElse(null);
    }

    private void models(RoutingContext rc, String id) {
        RequestContext ctx = new RequestContext(rc, requestId(rc), WireFormat.OPENAI, Operation.CHAT, holder.current());
        try {
            if (ctx.snapshot == null) {
                throw GatewayException.of(503, "not_ready", "the gateway has no configuration yet: retry shortly");
            }
            GatewayConfig.Key key = Auth.authenticate(rc.request(), true, ctx.snapshot, clock.instant());
            List<String> names = ctx.snapshot.modelNames().stream().filter(n -> Auth.allows(key, n)).sorted().toList();
            if (id != null) {
                if (!names.contains(id)) {
                    throw new GatewayException(ApiError.of(404, "the model '" + id + "' does not exist on this gateway "
                            + "(or your key may not use it)", "model").withCode("model_not_found"));
                }
                ClientWriter.json(ctx, 200, model(id));
                return;
            }
            ObjectNode list = Json.object();
            list.put("object", "list");
            ArrayNode data = list.putArray("data");
            names.forEach(n -> data.add(model(n)));
            ClientWriter.json(ctx, 200, list);
        } catch (GatewayException e) {
            ClientWriter.error(ctx, e.error(), e.headers());
        }
    }

    private static ObjectNode model(String name) {
        ObjectNode m = Json.object();
        m.put("id", name).put("object", "model").put("created", 0).put("owned_by", "tollgate");
        return m;
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /**
     * A request refused because this replica is stopping: the client may retry, and over HTTP/1.1 the connection is
     * closed so the retry opens a new one, which the Service sends to another replica (HTTP/2 has no such header).
     */
    private static Map<String, String> refusedWhileDraining(RoutingContext rc) {
        return rc.request().version() == io.vertx.core.http.HttpVersion.HTTP_2 ? Drain.RETRY
                : Map.of(HeaderNames.SHOULD_RETRY.toString(), "true", "connection", "close");
    }

    private static String requestId(RoutingContext rc) {
        String id = rc.get("tollgate.request-id");
        if (id == null) {
            String given = rc.request().getHeader("x-request-id");
            id = given != null && REQUEST_ID.matcher(given).matches() ? given : randomId();
            rc.put("tollgate.request-id", id);
            rc.response().putHeader(HeaderNames.REQUEST_ID, id);
        }
        return id;
    }

    /**
     * A random (version 4) UUID from a per-thread generator: a request id must be unique, not unguessable, and
     * UUID.randomUUID() draws on SecureRandom (about 1 % of the gateway's CPU per request in bench/).
     */
    static String randomId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long high = (r.nextLong() & ~0xF000L) | 0x4000L;
        long low = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    /**
     * The client's body, read once and checked in the same pass: as JSON (syntax, UTF-8, nesting and number limits)
     * and against its endpoint's published description ({@link RequestRules}). A body that breaks either is refused
     * here, before it takes a rate-limit slot, reserves budget or reaches an upstream.
     */
    public static JsonBody body(io.vertx.core.buffer.Buffer raw, WireFormat ingress, Operation op) {
        try {
            return JsonBody.parse(raw, RequestRules.of(ingress, op));
        } catch (InvalidRequest e) {
            throw new GatewayException(e.toApiError(ingress == WireFormat.ANTHROPIC));
        } catch (JsonBody.Invalid e) {
            throw new GatewayException(ApiError.of(400, e.getMessage(), null).withCode("invalid_json"));
        }
    }

    /** The LlmModel's defaultParams fill in what the client did not set. */
    static void applyDefaults(JsonBody body, JsonNode defaults) {
        if (defaults == null || !defaults.isObject()) {
            return;
        }
        defaults.fields().forEachRemaining(e -> {
            if (!body.has(e.getKey())) {
                body.set(e.getKey(), e.getValue().deepCopy());
            }
        });
    }

    /** The request's metric series, looked up once each: building and registering them was ~2 % of every request. */
    private record Series(String model, String provider, int status, Operation operation) {}

    private record Model(String model, String provider) {}

    private record Tokens(Counter input, Counter output) {}

    private final Map<Series, Timer> timers = new ConcurrentHashMap<>();
    private final dev.tollgate.gateway.cache.PromptCacheMetrics promptCache;
    private final Map<Model, Tokens> tokens = new ConcurrentHashMap<>();

    void record(RequestContext ctx) {
        if (ctx.observation != null) {
            ctx.observation.ended(ctx);
        }
        Series series = new Series(ctx.modelLabel(), ctx.providerLabel(), ctx.status == 0 ? 200 : ctx.status, ctx.operation);
        timers.computeIfAbsent(series, k -> Timer.builder("tollgate.request.duration")
                .description("Gateway request time, upstream included")
                .tags("model", k.model(), "provider", k.provider(), "status", Integer.toString(k.status()),
                        "operation", k.operation().name().toLowerCase())
                .register(registry)).record(System.nanoTime() - ctx.startNanos, TimeUnit.NANOSECONDS);
        usage.requestFinished(ctx); // slow and hanging requests, for the operator's alerts (RequestWatch)
        if (ctx.usage != null) {
            Tokens t = tokens.computeIfAbsent(new Model(series.model(), series.provider()), k -> new Tokens(
                    registry.counter("tollgate.tokens", "model", k.model(), "provider", k.provider(), "direction", "input"),
                    registry.counter("tollgate.tokens", "model", k.model(), "provider", k.provider(), "direction", "output")));
            t.input().increment(ctx.usage.promptTokens());
            t.output().increment(ctx.usage.outputTokens());
            promptCache.count(series.model(), series.provider(), ctx.usage);
        }
    }
}
