package dev.tollgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.cache.CacheControls;
import dev.tollgate.gateway.cache.CacheKeys;
import dev.tollgate.gateway.cache.CacheMetrics;
import dev.tollgate.gateway.cache.CachedAnswer;
import dev.tollgate.gateway.cache.Partition;
import dev.tollgate.gateway.cache.Replay;
import dev.tollgate.gateway.cache.ResponseCache;
import dev.tollgate.gateway.cache.SemanticCache;
import dev.tollgate.gateway.cache.StreamRecorder;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The response caches on the request path, for a model group that has one ({@link Snapshot#cache}): after the key
 * and the model are checked and before routing, the exact cache is asked, then the semantic one; a hit answers
 * without any upstream attempt (a stream is replayed as one, {@link Replay}), a miss goes on to {@link Attempts} with
 * a {@link Pending} that stores the answer once an attempt has given a whole, successful one. Requests to groups
 * without a cache never get here.
 *
 * <p>What is cached: chat (both dialects), legacy completions and embeddings. A hit costs its key nothing and takes
 * no rate-limit unit unless {@link GatewayConfig.Caching#chargeHits()}; then it passes the request stages like a
 * call, charged what the stored answer cost.
 */
final class CacheStage {
    private static final Logger LOG = Logger.getLogger(CacheStage.class);
    static final String HIT = "HIT";
    static final String SEMANTIC_HIT = "SEMANTIC-HIT";
    static final String MISS = "MISS";
    static final String BYPASS = "BYPASS";

    private final GatewayRoutes routes;
    private final ResponseCache exact;
    private final SemanticCache semantic;
    private final CacheMetrics metrics;
    private final UsageRecorder usage;

    CacheStage(GatewayRoutes routes, ResponseCache exact, SemanticCache semantic, CacheMetrics metrics, UsageRecorder usage) {
        this.routes = routes;
        this.exact = exact;
        this.semantic = semantic;
        this.metrics = metrics;
        this.usage = usage;
    }

    /** Whether answers of this operation are cached at all. */
    static boolean cacheable(Operation op) {
        return op == Operation.CHAT || op == Operation.COMPLETIONS || op == Operation.EMBEDDINGS;
    }

    /**
     * Serves {@code ctx} through the cache of its group: from the cache when an entry answers, else by
     * {@link Attempts}, storing what they answer. {@code controls} are the client's ({@link CacheControls#NONE}
     * when it sent none).
     */
    void run(RequestContext ctx, Buffer raw, List<GatewayConfig.Model> group, GatewayConfig.Cache cache,
            CacheControls controls) {
        Partition partition = Partition.of(cache, ctx.key, ctx.modelName, controls);
        String key = cache.exact() == null ? null : CacheKeys.exactKey(ctx.ingress, ctx.operation, ctx.body.tree());
        long maxAge = controls.maxAge();
        io.vertx.core.Context loop = io.vertx.core.Vertx.currentContext(); // the request's: answers go on there
        Pending pending = new Pending(this, cache, partition, key, controls);
        routes.open.opened(ctx); // a lookup that waits (Redis, an embedding) is a request in flight for a drain
        ctx.response.closeHandler(v -> ctx.cancellation.cancel()); // a client that leaves cancels the embedding too
        if (controls.noCache()) {
            ctx.response.putHeader(HeaderNames.CACHE, BYPASS);
            metrics.lookup(ctx.modelName, CacheMetrics.BYPASS);
            if (!controls.noStore() && cache.semantic() != null && ctx.operation != Operation.EMBEDDINGS) {
                // to store the answer for others, its prompt must be embedded anyway: without looking it up
                semantic(ctx, cache, partition, -1).onComplete(ar -> onLoop(loop, () -> {
                    pending.lookup = ar.succeeded() ? ar.result() : SemanticCache.Lookup.NONE;
                    pending.lookup = pending.lookup.hit() == null ? pending.lookup
                            : new SemanticCache.Lookup(null, 0, pending.lookup.handle());
                    new Attempts(routes, ctx, raw, group, pending).start();
                }));
                return;
            }
            new Attempts(routes, ctx, raw, group, pending).start();
            return;
        }
        Future<CachedAnswer> found = key == null ? Future.succeededFuture() : exact.get(ctx.snapshot, partition, key, maxAge);
        if (found.isComplete()) {
            exactAnswered(ctx, raw, group, cache, pending, found.succeeded() ? found.result() : null, maxAge);
        } else {
            // Redis answers on its own context: the request goes on on its event loop
            found.onComplete(ar -> onLoop(loop, () -> exactAnswered(ctx, raw, group, cache, pending,
                    ar.succeeded() ? ar.result() : null, maxAge)));
        }
    }

    private void exactAnswered(RequestContext ctx, Buffer raw, List<GatewayConfig.Model> group, GatewayConfig.Cache cache,
            Pending pending, CachedAnswer hit, long maxAge) {
        if (hit != null && usable(ctx, hit)) {
            answer(ctx, group, hit, false);
            return;
        }
        if (cache.semantic() == null || ctx.operation == Operation.EMBEDDINGS) {
            miss(ctx, raw, group, pending);
            return;
        }
        io.vertx.core.Context loop = io.vertx.core.Vertx.currentContext();
        semantic(ctx, cache, pending.partition, maxAge).onComplete(ar -> onLoop(loop, () -> {
            SemanticCache.Lookup found = ar.succeeded() && ar.result() != null ? ar.result() : SemanticCache.Lookup.NONE;
            if (found.hit() != null && usable(ctx, found.hit())) {
                answer(ctx, group, found.hit(), true);
                return;
            }
            pending.lookup = found;
            miss(ctx, raw, group, pending);
        }));
    }

    /** Runs {@code then} on the request's event loop ({@code loop}): at once when already there. */
    private static void onLoop(io.vertx.core.Context loop, Runnable then) {
        if (loop == null || io.vertx.core.Vertx.currentContext() == loop) {
            then.run();
        } else {
            loop.runOnContext(v -> then.run());
        }
    }

    private Future<SemanticCache.Lookup> semantic(RequestContext ctx, GatewayConfig.Cache cache, Partition partition,
            long maxAge) {
        try {
            return semantic.lookup(ctx, cache, partition, maxAge);
        } catch (RuntimeException e) {
            LOG.debugf(e, "request %s: semantic cache lookup failed", ctx.requestId);
            return Future.succeededFuture(SemanticCache.Lookup.NONE);
        }
    }

    /** An entry this request may be answered with: its dialect and operation (the key holds them; a cheap check). */
    private static boolean usable(RequestContext ctx, CachedAnswer hit) {
        return hit.dialect() == ctx.ingress && hit.operation() == ctx.operation;
    }

    private void miss(RequestContext ctx, Buffer raw, List<GatewayConfig.Model> group, Pending pending) {
        if (ctx.response.ended() || ctx.response.closed()) {
            if (ctx.status == 0) {
                ctx.status = 499; // the client left while the cache was asked (a drain would have set its status)
            }
            routes.record(ctx);
            routes.open.closed(ctx);
            return;
        }
        ctx.response.putHeader(HeaderNames.CACHE, MISS);
        metrics.lookup(ctx.modelName, CacheMetrics.MISS);
        new Attempts(routes, ctx, raw, group, pending).start();
    }

    // ---- a hit ---------------------------------------------------------------------------------------------------

    /** Answers {@code ctx} with a stored answer: as JSON, or replayed as a stream when the client asked for one. */
    private void answer(RequestContext ctx, List<GatewayConfig.Model> group, CachedAnswer hit, boolean semanticHit) {
        if (ctx.response.ended() || ctx.response.closed()) {
            // the client left, or a drain answered it, while the cache was asked: nothing served, nothing saved
            if (ctx.status == 0) {
                ctx.status = 499;
            }
            routes.record(ctx);
            routes.open.closed(ctx);
            return;
        }
        long saved = Math.max(0, hit.costMicros());
        ctx.deployment = deploymentOf(ctx.snapshot, group, hit.deploymentId());
        ctx.stream = ctx.operation != Operation.EMBEDDINGS && ctx.body.path("stream").asBoolean(false);
        GatewayConfig.Caching caching = ctx.snapshot.caching();
        if (caching != null && caching.chargeHits()) {
            // a hit charged like a call: the request stages (limits, budgets, usage) see it, at the stored cost; it
            // carries no tokens (no provider processed any), and the usage recorder counts it as the hit it is
            UsageRecorder.chargedHit(ctx, hit.deploymentId(), semanticHit, saved);
            ctx.costMicros = saved;
            ctx.maxCostMicros = saved; // what the budget reserves: exactly what the hit will be charged
            routes.runAttempt(ctx, () -> {
                served(ctx, semanticHit, saved); // only once the stages admitted it: a refused hit is no hit
                write(ctx, hit);
                return Future.succeededFuture();
            }, (admitted, failure) -> {
                if (failure != null) {
                    routes.fail(ctx, failure); // refused by a limit or a budget, as a call would be
                }
                routes.completeAttempt(ctx, admitted);
            });
            return;
        }
        ctx.costMicros = 0L;
        served(ctx, semanticHit, saved);
        write(ctx, hit);
        usage.cacheHit(ctx, hit.deploymentId(), semanticHit, saved);
        routes.record(ctx);
        routes.open.closed(ctx);
    }

    /** The header and metrics of a hit about to be written. */
    private void served(RequestContext ctx, boolean semanticHit, long saved) {
        ctx.response.putHeader(HeaderNames.CACHE, semanticHit ? SEMANTIC_HIT : HIT);
        metrics.lookup(ctx.modelName, semanticHit ? CacheMetrics.SEMANTIC_HIT : CacheMetrics.HIT);
        metrics.saved(ctx.modelName, saved);
    }

    /** The deployment that made the stored answer when it is still in the group, else the group's first (labels). */
    private static GatewayConfig.Model deploymentOf(Snapshot s, List<GatewayConfig.Model> group, String id) {
        for (GatewayConfig.Model m : group) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        return group.get(0);
    }

    private static void write(RequestContext ctx, CachedAnswer hit) {
        if (!ctx.stream) {
            ClientWriter.json(ctx, 200, Buffer.buffer(hit.body()));
            return;
        }
        ObjectNode answer = (ObjectNode) Json.parse(hit.body());
        List<String> events = ctx.ingress == WireFormat.ANTHROPIC ? Replay.anthropic(answer)
                : Replay.openAi(answer, ctx.operation,
                        ctx.body.path("stream_options").path("include_usage").asBoolean(false));
        ClientWriter.replay(ctx, events);
    }

    // ---- a miss: storing the answer -------------------------------------------------------------------------------

    /**
     * What a request that missed the cache stores once answered: armed on each attempt ({@link #arm}), stored from
     * the attempt that answered ({@link #store}), unless the client said no-store or a fallback group answered (its
     * answer is not the requested group's to keep).
     */
    static final class Pending {
        private final CacheStage stage;
        private final GatewayConfig.Cache cache;
        final Partition partition;
        private final String key;
        private final CacheControls controls;
        SemanticCache.Lookup lookup = SemanticCache.Lookup.NONE;

        Pending(CacheStage stage, GatewayConfig.Cache cache, Partition partition, String key, CacheControls controls) {
            this.stage = stage;
            this.cache = cache;
            this.partition = partition;
            this.key = key;
            this.controls = controls;
        }

        private boolean storing() {
            return !controls.noStore() && (key != null || lookup.handle() != null);
        }

        /** Prepares an attempt to keep its answer: the JSON it sends, or the stream's events assembled. */
        void arm(RequestContext ctx) {
            if (!storing()) {
                return;
            }
            if (ctx.stream) {
                ctx.cacheRecorder = new StreamRecorder(ctx.ingress, ctx.operation).limit(maxEntryBytes());
            } else {
                ctx.cacheCapture = true;
            }
        }

        private long maxEntryBytes() {
            long exactMax = cache.exact() == null ? 0 : cache.exact().maxEntryBytes();
            long semanticMax = cache.semantic() == null || lookup.handle() == null ? 0 : cache.semantic().maxEntryBytes();
            return Math.max(exactMax, semanticMax);
        }

        /** The attempt {@code ctx} answered the request: its answer is stored when whole. */
        void store(RequestContext ctx, boolean fallback) {
            if (!storing() || fallback || ctx.status != 200) {
                return;
            }
            byte[] body;
            if (ctx.cacheRecorder != null) {
                ObjectNode whole = ctx.cacheRecorder.complete(ctx.usage);
                body = whole == null ? null : Json.writeBytes(whole);
            } else {
                body = ctx.cachedBody == null ? null : ctx.cachedBody.getBytes();
            }
            ctx.cacheRecorder = null;
            ctx.cachedBody = null;
            if (body == null) {
                return; // a stream that was not whole, or an answer that was never sent
            }
            long cost = Metering.cost(ctx).orElse(-1); // computed when the attempt completed: no counting here
            CachedAnswer answer = new CachedAnswer(ctx.ingress, ctx.operation, body, ctx.usage, cost,
                    ctx.deployment.id(), System.currentTimeMillis());
            boolean stored = false;
            try {
                if (key != null && ttl(cache.exact().ttlMillis()) > 0) {
                    stored = stage.exact.put(ctx.snapshot, partition, key, answer, ttl(cache.exact().ttlMillis()),
                            cache.exact().maxEntryBytes());
                }
                if (lookup.handle() != null && body.length <= cache.semantic().maxEntryBytes()
                        && ttl(cache.semantic().ttlMillis()) > 0) {
                    stage.semantic.store(ctx, cache, lookup, answer, ttl(cache.semantic().ttlMillis()));
                    stored = true;
                }
            } catch (RuntimeException e) {
                LOG.debugf(e, "request %s: storing its answer in the cache failed", ctx.requestId);
            }
            if (stored) {
                stage.metrics.stored(ctx.modelName);
            }
        }

        private long ttl(long configured) {
            return controls.ttlMillis(configured);
        }
    }

    /**
     * The client's cache controls, read when the group is cached or the body carries a {@code cache} field, which is
     * then taken out of the body (no provider takes it). Throws {@link GatewayException} (400) for a malformed field.
     */
    static CacheControls controls(RequestContext ctx, boolean cached) {
        JsonNode field = null;
        if (ctx.body.has("cache")) {
            field = ctx.body.tree().remove("cache");
        }
        if (!cached && field == null) {
            return CacheControls.NONE;
        }
        return CacheControls.of(ctx.rc.request().getHeader("cache-control"), field);
    }
}
