package dev.tollgate.gateway.limits;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.GatewayException;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.RequestInterceptor;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.tags.Tags;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-key rpm, tpm and max parallel requests, per-Budget ones (a Budget's {@code spec.limits}, shared by every
 * request it covers: its keys' and its tags'), and per-deployment rpm/tpm (the upstream quota). Admitted requests
 * carry OpenAI's {@code x-ratelimit-limit/remaining/reset-requests|tokens} headers for the key's limits; a refused
 * one gets 429 with {@code retry-after}. Slots and tokens are settled in {@link #complete}, which runs however
 * the request ended (success, error, client abort), so an aborted stream gives its parallel slot back.
 *
 * <p>Exact for one replica (in memory). With several replicas and no shared store each replica enforces the
 * whole limit on its own, so the effective limit is up to replicas × the limit.
 */
@ApplicationScoped
public class RateLimitInterceptor implements RequestInterceptor {
    private static final Logger LOG = Logger.getLogger(RateLimitInterceptor.class);
    private final InMemoryRateLimiter local = new InMemoryRateLimiter();
    private final SharedStore store;
    private final boolean failOpen;

    public RateLimitInterceptor(SharedStore store,
            @ConfigProperty(name = "tollgate.gateway.shared-store-failure", defaultValue = "closed") String onFailure) {
        this.store = store;
        this.failOpen = "open".equalsIgnoreCase(onFailure);
    }

    /** Redis when the gateway names one (exact across replicas), else this replica's memory. */
    private RateLimiter limiter(Snapshot s) {
        String url = s.config().settings().redisUrl();
        return url == null ? local : new RedisRateLimiter(store.redis(url, s.redisPassword()),
                "tollgate:" + s.config().gateway() + ":");
    }

    @Override
    public int order() {
        return 100;
    }

    /**
     * The limits of a (key, deployment) pair, built once per pair and configuration: building the list and its scope
     * strings on every request (and hashing fresh strings in the limiter) was a measurable share of the request.
     * Keyed by identity and emptied when a new configuration (snapshot) arrives, so it holds only pairs in use now.
     */
    private final Map<Pair, List<RateLimiter.Limit>> cache = new ConcurrentHashMap<>();
    private volatile Snapshot cachedFor;

    private record Pair(GatewayConfig.Key key, GatewayConfig.Model model) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Pair p && p.key == key && p.model == model;
        }

        @Override
        public int hashCode() {
            return 31 * System.identityHashCode(key) + System.identityHashCode(model);
        }
    }

    private List<RateLimiter.Limit> cachedLimits(Snapshot snapshot, GatewayConfig.Key key, GatewayConfig.Model model) {
        if (snapshot != cachedFor) {
            cache.clear(); // requests still on the previous snapshot only rebuild their entries
            cachedFor = snapshot;
        }
        return cache.computeIfAbsent(new Pair(key, model), p -> limits(p.key(), p.model()));
    }

    @Override
    public Future<Void> admit(RequestContext ctx) {
        List<RateLimiter.Limit> own = cachedLimits(ctx.snapshot, ctx.key, ctx.deployment);
        // the usual case: no Budget has spec.limits, nothing to add
        List<RateLimiter.Limit> limits = Tags.anyBudgetLimits(ctx.snapshot)
                ? withBudgets(own, Tags.budgets(ctx), ctx.snapshot, ctx.modelName) : own;
        if (limits.isEmpty()) {
            return Future.succeededFuture();
        }
        Future<RateLimiter.Decision> acquired = limiter(ctx.snapshot).acquire(limits);
        if (acquired.succeeded()) {
            return decide(ctx, limits, acquired.result()); // decided at once (in memory): no future chain
        }
        return acquired.recover(t -> {
            LOG.warnf("the shared rate-limit store failed (%s): %s", t.getMessage(), failOpen ? "admitting" : "refusing");
            return failOpen ? Future.succeededFuture(new RateLimiter.Decision(null, 0, List.of()))
                    : Future.failedFuture(GatewayException.of(503, "shared_store_unavailable", "the gateway cannot reach "
                            + "its shared rate-limit store (Redis), so it cannot enforce your limits: retry shortly"));
        }).compose(d -> decide(ctx, limits, d));
    }

    private Future<Void> decide(RequestContext ctx, List<RateLimiter.Limit> limits, RateLimiter.Decision d) {
        headers(ctx.response, d);
        if (!d.admitted()) {
            RateLimiter.Limit l = d.refused();
            ctx.refusedByDeploymentQuota = !shared(l); // another deployment may take it
            String seconds = Long.toString(Math.max(1, (d.retryAfterMillis() + 999) / 1000));
            return Future.failedFuture(new GatewayException(new ApiError(429, "rate_limit_error",
                    l.kind() == RateLimiter.Kind.TPM ? "tokens" : "requests", message(l, d.retryAfterMillis()), null,
                    "rate_limit_exceeded"), Map.of("retry-after", seconds)));
        }
        ctx.attributes.put(RateLimitInterceptor.class, limits);
        return Future.succeededFuture();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void complete(RequestContext ctx) {
        List<RateLimiter.Limit> limits = (List<RateLimiter.Limit>) ctx.attributes.get(RateLimitInterceptor.class);
        if (limits == null) {
            return;
        }
        long tokens = ctx.usage == null ? 0 : ctx.usage.totalTokens();
        if (ctx.superseded && !ctx.refusedAtAdmission) {
            // an attempt another one replaced: the deployment keeps the request its upstream saw, the key gets its
            // unit back (the attempt that answers counts the key's request once)
            List<RateLimiter.Limit> key = new ArrayList<>();
            List<RateLimiter.Limit> model = new ArrayList<>();
            limits.forEach(l -> (shared(l) ? key : model).add(l));
            settle(ctx, key, tokens, true);
            settle(ctx, model, tokens, false);
        } else {
            settle(ctx, limits, tokens, ctx.refusedAtAdmission);
        }
    }

    private void settle(RequestContext ctx, List<RateLimiter.Limit> limits, long tokens, boolean refund) {
        if (!limits.isEmpty()) {
            limiter(ctx.snapshot).release(limits, tokens, refund)
                    .onFailure(t -> LOG.warnf("could not settle rate limits for request %s: %s", ctx.requestId, t.getMessage()));
        }
    }

    /**
     * A limit of the request itself (its key's, or a Budget's covering it) rather than of the deployment: another
     * deployment would hit it too, and a superseded attempt gives its unit back (the answering one counts it).
     */
    private static boolean shared(RateLimiter.Limit l) {
        return l.scope().startsWith("key/") || l.scope().startsWith(BUDGET);
    }

    static final String BUDGET = "budget/";

    /**
     * {@code base} and the limits ({@code spec.limits}) of every Budget the request is charged to that counts its
     * model (as for charges: a Budget's {@code models} filter applies), scoped {@code budget/<id>}; {@code base}
     * itself when none has limits.
     */
    static List<RateLimiter.Limit> withBudgets(List<RateLimiter.Limit> base, List<String> budgetIds, Snapshot snapshot,
            String modelName) {
        if (budgetIds.isEmpty()) {
            return base;
        }
        List<RateLimiter.Limit> out = null;
        for (String id : budgetIds) {
            GatewayConfig.Budget b = snapshot.budget(id).orElse(null);
            if (b == null || (b.rpm() == null && b.tpm() == null && b.maxParallelRequests() == null)
                    || !(b.models() == null || b.models().isEmpty() || b.models().contains(modelName))) {
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(base);
            }
            String scope = BUDGET + b.id();
            if (b.rpm() != null) {
                out.add(new RateLimiter.Limit(scope, RateLimiter.Kind.RPM, b.rpm()));
            }
            if (b.tpm() != null) {
                out.add(new RateLimiter.Limit(scope, RateLimiter.Kind.TPM, b.tpm()));
            }
            if (b.maxParallelRequests() != null) {
                out.add(new RateLimiter.Limit(scope, RateLimiter.Kind.PARALLEL, b.maxParallelRequests()));
            }
        }
        return out == null ? base : List.copyOf(out);
    }

    static List<RateLimiter.Limit> limits(GatewayConfig.Key key, GatewayConfig.Model model) {
        List<RateLimiter.Limit> out = new ArrayList<>();
        String k = "key/" + key.id();
        if (key.rpm() != null) {
            out.add(new RateLimiter.Limit(k, RateLimiter.Kind.RPM, key.rpm()));
        }
        if (key.tpm() != null) {
            out.add(new RateLimiter.Limit(k, RateLimiter.Kind.TPM, key.tpm()));
        }
        if (key.maxParallelRequests() != null) {
            out.add(new RateLimiter.Limit(k, RateLimiter.Kind.PARALLEL, key.maxParallelRequests()));
        }
        String m = "model/" + model.id();
        if (model.rpm() != null) {
            out.add(new RateLimiter.Limit(m, RateLimiter.Kind.RPM, model.rpm()));
        }
        if (model.tpm() != null) {
            out.add(new RateLimiter.Limit(m, RateLimiter.Kind.TPM, model.tpm()));
        }
        return List.copyOf(out);
    }

    private static String message(RateLimiter.Limit l, long retryAfterMillis) {
        String who = l.scope().startsWith("key/") ? "your key (VirtualKey " + l.scope().substring(4) + ")"
                : l.scope().startsWith(BUDGET) ? "Budget " + l.scope().substring(BUDGET.length())
                        + " (its spec.limits, shared by every request it covers: its keys and tags)"
                : "the model deployment " + l.scope().substring(6) + " (its upstream quota)";
        String what = switch (l.kind()) {
            case RPM -> l.max() + " requests per minute";
            case TPM -> l.max() + " tokens per minute";
            case PARALLEL -> l.max() + " requests in flight at once";
        };
        return "rate limit reached for " + who + ": " + what + "; retry in " + goDuration(retryAfterMillis);
    }

    /** The key's own windows as OpenAI names them (the deployment's quota is the platform's business). */
    private static void headers(HttpServerResponse r, RateLimiter.Decision d) {
        RateLimiter.Window requests = null;
        RateLimiter.Window tokens = null;
        for (RateLimiter.Window w : d.windows()) {
            if (!w.limit().scope().startsWith("key/")) {
                continue;
            }
            switch (w.limit().kind()) {
                case RPM -> requests = w;
                case TPM -> tokens = w;
                case PARALLEL -> { }
            }
        }
        if (requests != null) {
            window(r, REQUESTS, requests);
        }
        if (tokens != null) {
            window(r, TOKENS, tokens);
        }
    }

    /** x-ratelimit-limit-, -remaining- and -reset-requests (or -tokens), pre-encoded: they go out on every answer. */
    private static final CharSequence[] REQUESTS = names("requests");
    private static final CharSequence[] TOKENS = names("tokens");

    private static CharSequence[] names(String window) {
        return new CharSequence[] {HttpHeaders.createOptimized("x-ratelimit-limit-" + window),
                HttpHeaders.createOptimized("x-ratelimit-remaining-" + window),
                HttpHeaders.createOptimized("x-ratelimit-reset-" + window)};
    }

    private static void window(HttpServerResponse r, CharSequence[] names, RateLimiter.Window w) {
        r.putHeader(names[0], Long.toString(w.limit().max()));
        r.putHeader(names[1], Long.toString(w.remaining()));
        r.putHeader(names[2], goDuration(w.resetMillis()));
    }

    /** Durations as OpenAI writes them in x-ratelimit-reset-*: 250ms, 1s, 6m0s. */
    static String goDuration(long millis) {
        if (millis < 1000) {
            return millis + "ms";
        }
        long s = (millis + 999) / 1000;
        return s < 60 ? s + "s" : (s / 60) + "m" + (s % 60) + "s";
    }
}
