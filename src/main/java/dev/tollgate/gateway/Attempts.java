package dev.tollgate.gateway;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.cost.TokenCounter;
import dev.tollgate.gateway.provider.Served;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.routing.Demand;
import dev.tollgate.gateway.routing.Pick;
import dev.tollgate.gateway.validation.ContextWindowInterceptor;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One request's way through its model group and its fallbacks: each upstream attempt is a {@link RequestContext}
 * of its own that passes the request stages (its deployment's context window and quota, the key's limits, the
 * budget at that deployment's prices) and is metered; an attempt that failed in a way another attempt may mend is
 * <em>superseded</em> by the next one, which the {@link dev.tollgate.gateway.routing.Router} picks (another
 * deployment of the group when one may serve, else the same one after a backoff), and when the group cannot
 * answer, by the group's fallbacks in order (general, context window, content policy), never outside the key's
 * allowlist. A stream fails over only while nothing of its answer reached the client ({@link RequestContext#holding});
 * after that a failure ends it with an error event and the attempt is charged for what it delivered.
 *
 * <p>The healthy path is one pick, one attempt, no allocation here beyond this object.
 */
final class Attempts {
    /** Why the request goes on to another group. */
    enum Reason {
        GENERAL("general"), CONTEXT_WINDOW("context_window"), CONTENT_POLICY("content_policy");

        final String label;

        Reason(String label) {
            this.label = label;
        }
    }

    /** Error classes besides {@link GatewayConfig.Retries}' retryable ones. */
    static final String CONTEXT = "contextWindow";
    static final String CONTENT_POLICY = "contentPolicy";
    /** This replica's own quota for the deployment (LlmModel rpm/tpm) refused it: another deployment may take it. */
    static final String QUOTA = "quota";

    private final GatewayRoutes routes;
    private final Buffer raw;
    private final RequestContext first;
    private final String requested;
    private String groupName;
    private List<GatewayConfig.Model> group;
    private GatewayConfig.Routing routing;
    private final GatewayConfig.Routing origin;
    private Demand demand;
    /** Deployments of the current group not to pick again (tried and failed in a way another may mend). */
    private Set<String> excluded = Set.of();
    /** Retries used in the current group, in all and per error class. */
    private int retries;
    private Map<String, Integer> retriesByClass;
    /** Groups already tried (the requested one first). */
    private Set<String> visited;
    /** The client's x-tollgate-retries (-1: none), read on the first failure; MIN_VALUE until then. */
    private int clientRetries = Integer.MIN_VALUE;
    private Boolean fallbacksOff;

    /** What stores the answer in the cache (a cached group's request that missed), or null. */
    private final CacheStage.Pending cache;

    Attempts(GatewayRoutes routes, RequestContext first, Buffer raw, List<GatewayConfig.Model> group) {
        this(routes, first, raw, group, null);
    }

    Attempts(GatewayRoutes routes, RequestContext first, Buffer raw, List<GatewayConfig.Model> group,
            CacheStage.Pending cache) {
        this.cache = cache;
        this.routes = routes;
        this.first = first;
        this.raw = raw;
        this.requested = first.modelName;
        this.groupName = first.modelName;
        this.group = group;
        this.routing = first.snapshot.routing(groupName);
        this.origin = routing;
    }

    void start() {
        pickAndRun(first, null);
    }

    // ---- picking ------------------------------------------------------------------------------------------------

    /** Picks the attempt's deployment in the current group and runs it; {@code failed} is the attempt before, if any. */
    private void pickAndRun(RequestContext ctx, Failed failed) {
        Future<Pick> picked = routes.router.pick(ctx.snapshot, group, routing, demand(ctx), excluded);
        if (picked.isComplete()) {
            picked(ctx, failed, picked.succeeded() ? picked.result() : null, picked.cause());
        } else {
            picked.onComplete(ar -> picked(ctx, failed, ar.result(), ar.cause()));
        }
    }

    private void picked(RequestContext ctx, Failed failed, Pick pick, Throwable error) {
        if (error != null) {
            end(ctx, failed, error);
            return;
        }
        GatewayConfig.Model m = pick.model();
        if (m == null) {
            boolean tooLong = failed != null ? CONTEXT.equals(failed.errorClass) : pick.contextWindowExceeded();
            if (fallBack(ctx, failed, tooLong ? Reason.CONTEXT_WINDOW : Reason.GENERAL)) {
                return;
            }
            GatewayConfig.Model largest = failed == null && pick.contextWindowExceeded() ? largestWindow() : null;
            if (largest != null) {
                // too long for every deployment and nowhere to fall back: the largest one's own context-window check
                // refuses it (before any upstream call), saying by how much
                launch(ctx, largest, false);
                return;
            }
            end(ctx, failed, failed != null ? failed.cause : noDeployment(pick));
            return;
        }
        RequestContext attempt = ctx;
        if (failed != null) {
            attempt = next(failed.ctx);
            supersede(failed);
        }
        RequestContext a = attempt;
        long delay = failed == null || !m.id().equals(failed.ctx.deployment.id()) ? 0 : failed.delayMillis;
        if (delay <= 0) {
            launch(a, m, pick.cooldownOverridden());
        } else {
            routes.open.opened(a); // waiting for its turn is still a request in flight: a drain waits for it
            a.rc.vertx().setTimer(delay, id -> {
                if (a.response.ended() || a.response.closed()) {
                    routes.health.released(m.id());
                    if (a.status == 0) {
                        a.status = 499; // the client left while it waited (a drain's ending set its own status)
                    }
                    routes.record(a); // the request's end: metrics and its observation
                    routes.open.closed(a);
                    return; // the client left, or a drain ended it, while it waited
                }
                launch(a, m, pick.cooldownOverridden());
            });
        }
    }

    /** The group's deployment with the largest context window that is not excluded, or null. */
    private GatewayConfig.Model largestWindow() {
        GatewayConfig.Model best = null;
        for (GatewayConfig.Model m : group) {
            if (!excluded.contains(m.id()) && m.contextWindow() != null
                    && (best == null || m.contextWindow() > best.contextWindow())) {
                best = m;
            }
        }
        return best;
    }

    /**
     * Nothing of the group may serve now (all at their quota, or excluded), and no failure to show for it. A request
     * too long for every deployment never gets here: the largest one's own context-window check answers it.
     */
    private GatewayException noDeployment(Pick pick) {
        return new GatewayException(ApiError.of(429, "no deployment of the model '" + groupName + "' can take the "
                + "request now (" + String.join(", ", new java.util.TreeSet<>(pick.skipped().values())) + "): retry "
                + "shortly", null).withCode("rate_limit_exceeded"), Map.of("retry-after", "1"));
    }

    /** The next attempt's context: the same request, read afresh from the client's bytes. */
    private RequestContext next(RequestContext previous) {
        RequestContext next = new RequestContext(previous);
        next.modelName = groupName;
        next.body = GatewayRoutes.body(raw, next.ingress, next.operation);
        if (next.body.has("cache")) {
            next.body.tree().remove("cache"); // the client's cache controls, read once: no provider takes them
        }
        routes.open.opened(next); // before the one it replaces closes: the request stays in flight for a drain
        return next;
    }

    /** Routes {@code ctx} to {@code m} and runs it through the stages and the upstream. */
    private void launch(RequestContext ctx, GatewayConfig.Model m, boolean cooldownOverridden) {
        Served upstream;
        String credential;
        try {
            ctx.deployment = m;
            upstream = routes.served(ctx);
            credential = ctx.snapshot.credential(m).orElse(null);
            GatewayRoutes.applyDefaults(ctx.body, m.defaultParams());
        } catch (GatewayException e) {
            routes.health.released(m.id());
            ClientWriter.error(ctx, e.error(), e.headers());
            routes.record(ctx);
            routes.open.closed(ctx);
            return;
        }
        ctx.holding = ctx.stream; // until its first content, a stream may still fail over
        ctx.response.putHeader(HeaderNames.DEPLOYMENT, m.id());
        ctx.response.putHeader(HeaderNames.ATTEMPTS, ctx.attempt == 1 ? "1" : Integer.toString(ctx.attempt));
        if (!groupName.equals(requested)) {
            ctx.response.putHeader(HeaderNames.FALLBACK, groupName); // also when nothing of the requested group was tried
        }
        if (ctx.attempt > 1) {
            ctx.response.headers().remove(HeaderNames.COOLDOWN_OVERRIDE);
        }
        if (cooldownOverridden) {
            ctx.response.putHeader(HeaderNames.COOLDOWN_OVERRIDE, m.id());
        }
        routes.stats.started(m.id());
        if (ctx.observation != null) {
            ctx.observation.attemptStarted(ctx);
        }
        if (cache != null) {
            cache.arm(ctx);
        }
        Long firstToken = ctx.stream ? routing.firstTokenTimeoutMillis() : null;
        java.util.function.Supplier<Future<Void>> call = () -> routes.dispatch(ctx, upstream, credential);
        long timer = -1;
        if (firstToken != null) {
            // the attempt ends when its upstream does, or when no content came in time: then it is given up at once
            // (cancelled upstream, detached from the client), whatever the upstream connection does afterwards
            io.vertx.core.Promise<Void> outcome = io.vertx.core.Promise.promise();
            Runnable giveUp = () -> {
                if (ctx.holding && !ctx.response.ended() && !ctx.response.closed() && !ctx.cancellation.cancelled()) {
                    ctx.abandoned = true;
                    ctx.cancellation.cancel();
                    outcome.tryFail(new java.util.concurrent.CancellationException("no first token in time"));
                }
            };
            timer = ctx.rc.vertx().setTimer(firstToken, id -> giveUp.run());
            call = () -> {
                routes.dispatch(ctx, upstream, credential).onComplete(ar -> {
                    if (ar.succeeded()) {
                        outcome.tryComplete();
                    } else {
                        outcome.tryFail(ar.cause());
                    }
                });
                return outcome.future();
            };
        }
        long firstTokenTimer = timer;
        routes.runAttempt(ctx, call, (admitted, t) -> {
            if (firstTokenTimer >= 0) {
                ctx.rc.vertx().cancelTimer(firstTokenTimer);
            }
            // a failure's duration is not a latency: a fast failure must not make a deployment look fast
            routes.stats.finished(m.id(), t == null ? System.nanoTime() - ctx.attemptStartNanos : -1,
                    ctx.firstContentNanos == 0 ? -1 : ctx.firstContentNanos - ctx.attemptStartNanos, ctx.stream,
                    ctx.usage == null ? 0 : ctx.usage.totalTokens());
            if (t == null) {
                routes.health.succeeded(ctx.snapshot, m, System.currentTimeMillis());
                routes.router.served(ctx.snapshot, routing, demand, m);
                routes.metrics.success(m);
                routes.completeAttempt(ctx, admitted);
                if (cache != null) {
                    boolean fallback = !groupName.equals(requested);
                    Metering.whenCountable(ctx, () -> cache.store(ctx, fallback)); // after the cost is known
                }
            } else {
                failed(ctx, admitted, t);
            }
        });
    }

    // ---- after a failure --------------------------------------------------------------------------------------

    /** A failed attempt and what the next one should wait. */
    private record Failed(RequestContext ctx, List<RequestInterceptor> admitted, Throwable cause, String errorClass,
            long delayMillis) {}

    private void failed(RequestContext ctx, List<RequestInterceptor> admitted, Throwable t) {
        long now = System.currentTimeMillis();
        if (ctx.abandoned) {
            t = new UpstreamException(new ApiError(504, "timeout_error", "timeout_error", "the provider sent no content "
                    + "for " + ctx.deployment.id() + " within " + routing.firstTokenTimeoutMillis() + " ms (routing."
                    + "firstTokenTimeout)", null, "upstream_timeout"), 0, null);
        } else if (ctx.cancellation.cancelled() || ctx.endedByDrain) {
            routes.health.released(ctx.deployment.id()); // the client left (or the pod is stopping): nobody failed
            routes.metrics.attempt(ctx.deployment, "cancelled");
            finalFailure(ctx, admitted, t);
            return;
        }
        String cls = errorClass(ctx, t);
        long retryAfter = t instanceof UpstreamException ? retryAfterMillis(((UpstreamException) t).retryAfter()) : -1;
        if (cls != null && GatewayConfig.Retries.CLASSES.contains(cls)) {
            routes.health.failed(ctx.snapshot, ctx.deployment, cls, retryAfter, routing.cooldown(), now);
        } else {
            routes.health.released(ctx.deployment.id());
        }
        if (cls == null || ctx.response.headWritten() || ctx.response.ended() || ctx.response.closed()) {
            // not ours to mend, or the client has part of this answer already: it is the request's outcome
            routes.metrics.attempt(ctx.deployment, "failure");
            finalFailure(ctx, admitted, t);
            return;
        }
        routes.metrics.attempt(ctx.deployment, "failure");
        Failed failed = new Failed(ctx, admitted, t, cls, 0);
        if (CONTEXT.equals(cls)) {
            exclude(ctx.deployment); // too small: a larger deployment of the group, else the context-window fallbacks
            pickAndRun(ctx, failed);
            return;
        }
        if (CONTENT_POLICY.equals(cls)) {
            if (!fallBack(ctx, failed, Reason.CONTENT_POLICY)) {
                end(ctx, failed, t);
            }
            return;
        }
        if (!retry(ctx, failed, cls, retryAfter) && !fallBack(ctx, failed, Reason.GENERAL)) {
            end(ctx, failed, t);
        }
    }

    /** Tries the group again if its policy allows this class another retry; false when it does not. */
    private boolean retry(RequestContext ctx, Failed failed, String cls, long retryAfterMillis) {
        GatewayConfig.Retries policy = routing.retries();
        int total = clientMaxRetries(ctx, policy.maxRetries());
        int allowed = QUOTA.equals(cls) ? total : Math.min(policy.retriesFor(cls), total);
        int used = retriesByClass == null ? 0 : retriesByClass.getOrDefault(cls, 0);
        if (used >= allowed || retries >= total || outOfTime(policy)) {
            return false;
        }
        retries++;
        if (retriesByClass == null) {
            retriesByClass = new HashMap<>(4);
        }
        retriesByClass.merge(cls, 1, Integer::sum);
        routes.metrics.retry(ctx.deployment, cls);
        // another deployment of the group at once; the same one (the only one left) after a jittered backoff, or
        // after its retry-after when that is within the cap (a longer one is not waited for)
        exclude(ctx.deployment);
        boolean others = group.stream().anyMatch(m -> m.weight() > 0 && !excluded.contains(m.id()));
        if (!others) {
            if (retryAfterMillis > policy.maxRetryAfterMillis()) {
                return false;
            }
            excluded = Set.of(); // the same deployment again
            long backoff = backoff(policy, retries);
            long delay = Math.max(backoff, retryAfterMillis);
            if (outOfTime(policy, delay)) {
                return false;
            }
            failed = new Failed(failed.ctx, failed.admitted, failed.cause, cls, delay);
        }
        pickAndRun(ctx, failed);
        return true;
    }

    /** Goes on to the next fallback group of {@code reason} that the key may use; false when none is left. */
    private boolean fallBack(RequestContext ctx, Failed failed, Reason reason) {
        if (fallbacksOff(ctx) || outOfTime(routing.retries())) {
            return false;
        }
        List<String> list = switch (reason) {
            case GENERAL -> origin.fallbacks();
            case CONTEXT_WINDOW -> origin.contextWindowFallbacks();
            case CONTENT_POLICY -> origin.contentPolicyFallbacks();
        };
        if (visited == null) {
            visited = new HashSet<>(4);
            visited.add(requested);
        }
        for (String name : list) {
            if (visited.contains(name)) {
                continue;
            }
            visited.add(name);
            List<GatewayConfig.Model> members = ctx.snapshot.group(name);
            if (members.isEmpty() || !Auth.allows(ctx.key, name)) {
                continue; // a fallback never escapes the key's allowlist
            }
            routes.metrics.fallback(groupName, name, reason.label);
            groupName = name;
            group = members;
            routing = ctx.snapshot.routing(name);
            excluded = Set.of();
            retries = 0;
            retriesByClass = null;
            demand = null;
            if (failed == null) {
                ctx.modelName = name; // nothing was attempted yet (every deployment too small): this one goes there
            }
            pickAndRun(ctx, failed == null ? null
                    : new Failed(failed.ctx, failed.admitted, failed.cause, failed.errorClass, 0));
            return true;
        }
        return false;
    }

    /** The request's outcome is {@code cause}: the failed attempt (if any) answers it, else {@code ctx} does. */
    private void end(RequestContext ctx, Failed failed, Throwable cause) {
        if (failed != null) {
            finalFailure(failed.ctx, failed.admitted, cause);
        } else {
            routes.fail(ctx, cause);
            routes.record(ctx);
            routes.open.closed(ctx);
        }
    }

    private void finalFailure(RequestContext ctx, List<RequestInterceptor> admitted, Throwable t) {
        routes.fail(ctx, t);
        routes.completeAttempt(ctx, admitted);
    }

    /** The failed attempt gives way to the next one: its stages complete as an attempt, not as the request. */
    private void supersede(Failed failed) {
        RequestContext ctx = failed.ctx;
        ctx.superseded = true;
        ctx.holding = false;
        ctx.held = null;
        ctx.detached = true; // its upstream may still send: none of it reaches the client
        ApiError error = failed.cause instanceof UpstreamException ? ((UpstreamException) failed.cause).error()
                : failed.cause instanceof GatewayException ? ((GatewayException) failed.cause).error() : null;
        ctx.error = error;
        ctx.status = error != null ? error.httpStatus() : 502;
        ctx.upstreamFailed = failed.cause instanceof UpstreamException && ctx.status >= 500;
        routes.completeAttempt(ctx, failed.admitted);
    }

    private void exclude(GatewayConfig.Model m) {
        if (excluded.isEmpty()) {
            excluded = new HashSet<>(4);
        }
        excluded.add(m.id());
    }

    // ---- policy helpers ---------------------------------------------------------------------------------------

    /** The client's own retry limit (x-tollgate-retries: a number that may only lower the policy's). */
    private int clientMaxRetries(RequestContext ctx, int policy) {
        if (clientRetries == Integer.MIN_VALUE) { // read once per request, on its first failure
            String h = ctx.rc.request().getHeader(HeaderNames.RETRIES);
            clientRetries = -1;
            if (h != null) {
                try {
                    clientRetries = Math.max(0, Integer.parseInt(h.trim()));
                } catch (NumberFormatException e) {
                    clientRetries = -1; // not a number: the policy's
                }
            }
        }
        return clientRetries < 0 ? policy : Math.min(policy, clientRetries);
    }

    /** x-tollgate-fallbacks: off (or false, none, 0): this request uses no fallback group. */
    private boolean fallbacksOff(RequestContext ctx) {
        if (fallbacksOff == null) {
            String h = ctx.rc.request().getHeader(HeaderNames.FALLBACKS);
            fallbacksOff = h != null && Set.of("off", "false", "none", "0", "no").contains(h.trim().toLowerCase());
        }
        return fallbacksOff;
    }

    private boolean outOfTime(GatewayConfig.Retries policy) {
        return outOfTime(policy, 0);
    }

    private boolean outOfTime(GatewayConfig.Retries policy, long delayMillis) {
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - first.startNanos);
        return elapsed + delayMillis > policy.timeBudgetMillis();
    }

    /** Full-jitter exponential backoff: uniform in [0, min(max, base × 2^(n-1))], at least 1 ms. */
    static long backoff(GatewayConfig.Retries policy, int retry) {
        long cap = Math.min(policy.maxBackoffMillis(), policy.backoffMillis() << Math.min(20, Math.max(0, retry - 1)));
        return cap <= 0 ? 0 : 1 + ThreadLocalRandom.current().nextLong(cap);
    }

    /** What routing needs of this request, built once per group (it differs only in the model's vocabulary). */
    private Demand demand(RequestContext ctx) {
        if (demand == null) {
            String affinityKey = null;
            GatewayConfig.Affinity affinity = routing.affinity();
            if (affinity != null) {
                affinityKey = affinity.header() != null ? ctx.rc.request().getHeader(affinity.header())
                        : affinity.user() && ctx.body.get("user") != null && ctx.body.get("user").isTextual()
                                ? ctx.body.get("user").asText() : null;
            }
            long output = ContextWindowInterceptor.outputLimit(ctx);
            List<GatewayConfig.Model> members = group;
            long[] counted = {Long.MIN_VALUE};
            demand = new Demand(affinityKey, ctx.bodyBytes, output, () -> {
                if (counted[0] == Long.MIN_VALUE) {
                    counted[0] = promptTokens(ctx, members);
                }
                return counted[0];
            }, ctx.stream);
        }
        return demand;
    }

    /** The prompt's tokens by the group's first vocabulary that is loaded; -1 when none is (never loads one here). */
    private static long promptTokens(RequestContext ctx, List<GatewayConfig.Model> members) {
        for (GatewayConfig.Model m : members) {
            if (TokenCounter.loaded(m.upstreamModel())) {
                return ContextWindowInterceptor.promptTokens(ctx, TokenCounter.forModel(m.upstreamModel()));
            }
        }
        return -1;
    }

    /**
     * Which error class a failure is for retries, cooldowns and fallbacks; null when no other attempt may mend it (the
     * client's own 400/401/403/404, a budget or a key limit, a provider refusing Tollgate's credentials).
     */
    static String errorClass(RequestContext ctx, Throwable t) {
        if (t instanceof UpstreamException) {
            UpstreamException u = (UpstreamException) t;
            int status = u.upstreamStatus();
            String code = u.error().code();
            if (status == 429) {
                return GatewayConfig.Retries.RATE_LIMITED;
            }
            if (status == 503 || status == 529 || "overloaded_error".equals(u.error().openAiType())) {
                return GatewayConfig.Retries.OVERLOADED;
            }
            if (status == 408 || status == 504 || "upstream_timeout".equals(code)) {
                return GatewayConfig.Retries.TIMEOUT;
            }
            if ("upstream_unreachable".equals(code)) {
                return GatewayConfig.Retries.CONNECTION_FAILED;
            }
            if ("context_length_exceeded".equals(code)) {
                return CONTEXT;
            }
            if ("content_policy_violation".equals(code) || "content_filter".equals(code)) {
                return CONTENT_POLICY;
            }
            if ("upstream_stream_cut".equals(code) || status >= 500) {
                return GatewayConfig.Retries.SERVER_ERROR;
            }
            return null;
        }
        if (t instanceof GatewayException) {
            ApiError e = ((GatewayException) t).error();
            if ("context_length_exceeded".equals(e.code())) {
                return CONTEXT;
            }
            if (ctx != null && ctx.refusedByDeploymentQuota) {
                return QUOTA;
            }
        }
        return null;
    }

    /** A retry-after header's value in millis: seconds (possibly fractional) or an HTTP date; -1 when absent or bad. */
    static long retryAfterMillis(String value) {
        if (value == null || value.isBlank()) {
            return -1;
        }
        try {
            double seconds = Double.parseDouble(value.trim());
            return seconds < 0 ? -1 : (long) Math.ceil(seconds * 1000);
        } catch (NumberFormatException e) {
            try {
                long at = java.time.ZonedDateTime.parse(value.trim(), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant().toEpochMilli();
                return Math.max(0, at - System.currentTimeMillis());
            } catch (java.time.format.DateTimeParseException e2) {
                return -1;
            }
        }
    }
}
