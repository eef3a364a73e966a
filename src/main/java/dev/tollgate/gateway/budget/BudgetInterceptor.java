package dev.tollgate.gateway.budget;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.GatewayException;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.Metering;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.RequestInterceptor;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.cost.CostCalculator;
import dev.tollgate.gateway.cost.TokenCounter;
import dev.tollgate.gateway.limits.SharedStore;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import dev.tollgate.gateway.tags.Tags;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Budgets, enforced exactly: before the upstream call a request reserves its maximum cost on every Budget that
 * binds its key (and counts its model); after it, the reservation is settled to the real cost. The output part of
 * the maximum is the most output the request may produce ({@code max_completion_tokens} / {@code max_tokens} times
 * {@code n}); a request that sets no output limit gets {@code tollgate.gateway.budget.default-max-output-tokens}
 * injected, so the bound holds. The prompt part is first the cheap bound (the body's bytes, {@link CostEstimate#cheap}):
 * when that fits, the request is admitted at once, with no more work than a ledger call. A request is never refused
 * on the cheap bound: when it does not fit, the prompt is counted ({@link CostEstimate#precise}) and that estimate
 * decides and is reserved ({@link PreciseReservation}, which also waits a little for reservations in flight). A
 * request whose real usage is unknown (an aborted stream, a provider that reports none) is charged by counting its
 * tokens, else its reservation: never $0. A budget that cannot take the request answers 429 with code
 * {@code budget_exceeded}, what the budget has left and what the request may cost ({@link #refusal}), and
 * {@code x-should-retry: false}. Unpriced models under a budget are refused: a budget that cannot count is no
 * budget. If the shared store is unreachable, requests are refused (503) unless
 * {@code tollgate.gateway.shared-store-failure=open}.
 */
@ApplicationScoped
public class BudgetInterceptor implements RequestInterceptor {
    private static final Logger LOG = Logger.getLogger(BudgetInterceptor.class);

    private final InMemoryBudgetLedger local = new InMemoryBudgetLedger();
    private final SharedStore store;
    private final boolean failOpen;
    private final long defaultMaxOutput;
    private final BudgetCharges.Windows windows = new BudgetCharges.CachedWindows();
    private final Clock clock = Clock.systemUTC();
    private final PreciseReservation precise;

    public BudgetInterceptor(SharedStore store,
            @ConfigProperty(name = "tollgate.gateway.shared-store-failure", defaultValue = "closed") String onFailure,
            @ConfigProperty(name = "tollgate.gateway.budget.default-max-output-tokens", defaultValue = "4096") long defaultMaxOutput,
            @ConfigProperty(name = "tollgate.gateway.budget.in-flight-wait-millis", defaultValue = "1000") long inFlightWaitMillis) {
        this.store = store;
        this.failOpen = "open".equalsIgnoreCase(onFailure);
        this.defaultMaxOutput = defaultMaxOutput;
        this.precise = new PreciseReservation(System::nanoTime, BudgetInterceptor::timer, inFlightWaitMillis);
    }

    /** A timer on the caller's Vert.x context (its event loop), or at once when there is none. */
    private static Future<Void> timer(long millis) {
        Context here = Vertx.currentContext();
        if (here == null) {
            return Future.succeededFuture();
        }
        Promise<Void> done = Promise.promise();
        here.owner().setTimer(millis, id -> done.complete()); // fires on the context that set it
        return done.future();
    }

    @Override
    public int order() {
        return 200;
    }

    /**
     * Counts the spend other gateway processes made (other replicas, earlier runs) into the in-memory ledger, from a
     * seed the operator (or standalone mode's state directory) provides; {@code incarnation} is this process's id,
     * whose own part of the seed it already counts. A gateway with Redis does not use it: Redis holds the exact figures.
     *
     * @return how many budget periods now carry a baseline
     */
    public int seed(dev.tollgate.config.SpendSeed seed, String incarnation) {
        return local.seed(seed, incarnation, clock.instant());
    }

    /** The ledger this gateway's replicas share (Redis when configured), for status and tests. */
    public BudgetLedger ledger(Snapshot s) {
        String url = s.config().settings().redisUrl();
        return url == null ? local : new RedisBudgetLedger(store.redis(url, s.redisPassword()),
                "tollgate:" + s.config().gateway() + ":");
    }

    @Override
    public Future<Void> admit(RequestContext ctx) {
        List<String> budgetIds = Tags.budgets(ctx); // the key's, and those covering one of the request's tags
        if (budgetIds.isEmpty()) {
            return Future.succeededFuture();
        }
        boolean bound = false;
        for (String id : budgetIds) {
            var b = ctx.snapshot.budget(id);
            if (b.isPresent() && (b.get().models().isEmpty() || b.get().models().contains(ctx.modelName))) {
                bound = true;
                break;
            }
        }
        if (!bound) {
            return Future.succeededFuture();
        }
        OptionalLong max = boundedMaximumCost(ctx);
        if (max.isEmpty()) {
            return Future.failedFuture(new GatewayException(new ApiError(503, "api_error", "server_error",
                    "the model '" + ctx.modelName + "' has no price, so the budget on your key (or your request's tags) cannot be enforced: the "
                            + "platform team must set LlmModel spec.pricing for " + ctx.deployment.id(), null,
                    "model_not_priced")));
        }
        Instant now = clock.instant();
        List<BudgetLedger.Charge> charges = BudgetCharges.of(budgetIds, ctx.modelName, ctx.snapshot::budget,
                max.getAsLong(), now, windows);
        BudgetLedger ledger = ledger(ctx.snapshot);
        Future<BudgetLedger.Reservation> reserved = ledger.reserve(charges);
        if (reserved.succeeded() && reserved.result().granted()) {
            return decide(ctx, charges, reserved.result()); // the cheap bound fits, decided at once (in memory)
        }
        // Refused on the cheap bound, or Redis still to answer: the common case with Redis is one step, as before
        return reserved.transform(ar -> {
            if (ar.failed()) {
                return storeFailed(ctx, charges, ar.cause());
            }
            if (ar.result().granted()) {
                return decide(ctx, charges, ar.result());
            }
            // never refused on the cheap bound: counted precisely, and decided on that
            return precise.afterCheapRefusal(ledger, charges, ar.result(), () -> preciseCost(ctx, max.getAsLong()),
                    amount -> BudgetCharges.of(budgetIds, ctx.modelName, ctx.snapshot::budget, amount, now, windows))
                    .transform(o -> o.failed() ? storeFailed(ctx, charges, o.cause())
                            : decide(ctx, o.result().charges(), o.result().reservation()));
        });
    }

    private Future<Void> storeFailed(RequestContext ctx, List<BudgetLedger.Charge> charges, Throwable t) {
        LOG.warnf("the shared budget store failed (%s): %s", t.getMessage(), failOpen ? "admitting" : "refusing");
        return failOpen ? decide(ctx, charges, new BudgetLedger.Reservation(null, List.of()))
                : Future.failedFuture(GatewayException.of(503, "shared_store_unavailable", "the gateway cannot reach "
                        + "its shared budget store (Redis), so it cannot enforce your budget: retry shortly"));
    }

    private static Future<Void> decide(RequestContext ctx, List<BudgetLedger.Charge> charges, BudgetLedger.Reservation r) {
        if (!r.granted()) {
            ApiError refused = refusal(r);
            if (ctx.operation == Operation.PASSTHROUGH) { // priced by its route (e.g. seconds of compute), not tokens
                refused = new ApiError(429, refused.anthropicType(), refused.openAiType(), refused.message()
                        .replaceFirst(" \\(its prompt and its output limit\\)\\..*", " (what the call may use, "
                                + "as its route reserves it): wait for the period to reset, or ask for a larger Budget."),
                        null, refused.code());
            }
            return Future.failedFuture(new GatewayException(refused));
        }
        if (!r.balances().isEmpty()) {
            ctx.attributes.put(BudgetInterceptor.class, charges);
        }
        return Future.succeededFuture();
    }

    /**
     * The 429 for a reservation that did not fit: what the budget has left (limit less spend less what requests in
     * flight hold) and what this request may cost, as decimal USD.
     */
    static ApiError refusal(BudgetLedger.Reservation r) {
        BudgetLedger.Charge c = r.refused();
        BudgetLedger.Balance b = PreciseReservation.balance(r);
        long left = Math.max(0, c.limitMicros() - b.spentMicros() - b.reservedMicros());
        String why = PreciseReservation.heldByRequestsInFlight(r)
                ? "Requests in flight hold " + Money.format(b.reservedMicros()) + " USD of it and may cost less: retry "
                        + "when they have finished, or send a lower max_tokens."
                : "Send a shorter prompt or a lower max_tokens, wait for the period to reset, or ask for a larger Budget.";
        return new ApiError(429, "rate_limit_error", "budget_exceeded", "budget " + c.budgetId() + " has "
                + Money.format(left) + " USD left of " + Money.format(c.limitMicros()) + " USD this period ("
                + Money.format(b.spentMicros()) + " USD spent, " + Money.format(b.reservedMicros())
                + " USD reserved by requests in flight), and this request may cost up to " + Money.format(c.amountMicros())
                + " USD (its prompt and its output limit). " + why, null, "budget_exceeded");
    }

    @Override
    @SuppressWarnings("unchecked")
    public void complete(RequestContext ctx) {
        List<BudgetLedger.Charge> charges = (List<BudgetLedger.Charge>) ctx.attributes.get(BudgetInterceptor.class);
        if (charges == null || charges.isEmpty()) {
            return;
        }
        long reserved = charges.get(0).amountMicros();
        // Refused before or by the upstream (it bills nothing for an error) costs nothing. A client that went
        // away (499), or an attempt the gateway abandoned (no first token in time), may have left mid-answer: the upstream did the work, so it pays its reservation.
        boolean nothingHappened = ctx.status >= 400 && ctx.status != 499 && ctx.usage == null && !ctx.abandoned;
        // the real cost from reported usage, else from Tollgate's own token count, else (no price for what was
        // counted) the reservation: never $0 for an answer that was produced
        long actual = nothingHappened ? 0 : Metering.cost(ctx).orElse(reserved);
        ctx.costMicros = actual; // what was charged is what the request cost, for every later stage
        ledger(ctx.snapshot).settle(charges, actual)
                .onFailure(t -> LOG.errorf("could not settle %s micro-USD for request %s: %s", actual, ctx.requestId, t.getMessage()));
    }

    /**
     * More than any budget (2.3 million million USD), yet small enough that adding it to a period's spend cannot
     * overflow a long in the ledgers' "spent + reserved + cost > limit".
     */
    static final long BEYOND_ANY_BUDGET = Long.MAX_VALUE / 4;

    /**
     * {@link #maximumCost}, where a bound too large for a long (a client's absurd max_tokens or n) is
     * {@link #BEYOND_ANY_BUDGET}: refused as over budget, never an overflow (a 500) or a wrapped, tiny reservation.
     */
    private OptionalLong boundedMaximumCost(RequestContext ctx) {
        try {
            OptionalLong max = maximumCost(ctx);
            return max.isPresent() && max.getAsLong() > BEYOND_ANY_BUDGET ? OptionalLong.of(BEYOND_ANY_BUDGET) : max;
        } catch (ArithmeticException overflow) {
            return OptionalLong.of(BEYOND_ANY_BUDGET);
        }
    }

    /** {@code a × b} for non-negative factors, {@link Long#MAX_VALUE} when the product does not fit. */
    private static long saturatedMultiply(long a, long b) {
        return Math.multiplyHigh(a, b) != 0 || a * b < 0 ? Long.MAX_VALUE : a * b;
    }

    /**
     * The cheap bound of what this request can cost, in micro-USD ({@link CostEstimate#cheap}; images: their exact
     * price); empty when the model's prices are unknown.
     */
    OptionalLong maximumCost(RequestContext ctx) {
        GatewayConfig.Prices prices = ctx.deployment.prices();
        if (prices == null) {
            return OptionalLong.empty();
        }
        if (ctx.maxCostMicros != null) { // its route knows the bound: a pass-through call, a charged cache hit
            return OptionalLong.of(ctx.maxCostMicros);
        }
        if (ctx.operation == Operation.PASSTHROUGH) { // a pass-through call that cannot be priced
            return OptionalLong.empty();
        }
        if (ctx.operation == Operation.IMAGES) {
            return CostCalculator.costMicros(prices, Math.max(1, ctx.body.path("n").asLong(1)));
        }
        if (ctx.operation == Operation.RERANK) {
            return CostCalculator.searchCostMicros(prices, CostCalculator.estimatedSearchUnits(ctx.body.path("documents")));
        }
        return CostEstimate.cheap(prices, ctx.bodyBytes, outputTokens(ctx));
    }

    /** The most output tokens the request may produce: its output limit (or the default, then set) times n. */
    private long outputTokens(RequestContext ctx) {
        if (ctx.operation == Operation.CHAT || ctx.operation == Operation.COMPLETIONS) {
            // saturated: a client's huge max_tokens × n must not wrap around to a small (or negative) reservation
            return saturatedMultiply(Math.max(0, outputLimit(ctx.body, ctx.ingress)), Math.max(1, ctx.body.path("n").asLong(1)));
        }
        return 0;
    }

    /**
     * The precise estimate ({@link CostEstimate#precise}), counted on a worker thread: it parses the whole body and
     * may have to wait for the model's vocabulary to load, neither of which belongs on an event loop. Empty for
     * images, whose cheap bound is already exact.
     */
    private Future<OptionalLong> preciseCost(RequestContext ctx, long cheapMicros) {
        if (ctx.operation == Operation.IMAGES || ctx.operation == Operation.RERANK
                || ctx.operation == Operation.PASSTHROUGH || cheapMicros >= BEYOND_ANY_BUDGET) {
            return Future.succeededFuture(OptionalLong.empty()); // exact already, or an output limit beyond any budget
        }
        long output = outputTokens(ctx); // the same as in the cheap bound (its limit is set on the body by now)
        if (CostEstimate.cheap(ctx.deployment.prices(), 0, output).orElse(-1) == cheapMicros) {
            return Future.succeededFuture(OptionalLong.empty()); // the prompt costs nothing: counting it changes nothing
        }
        String model = ctx.deployment.upstreamModel();
        Callable<OptionalLong> count = () -> {
            TokenCounter.load(model).toCompletableFuture().join();
            return CostEstimate.precise(ctx.deployment.prices(), ctx.operation, ctx.body.tree(), TokenCounter.forModel(model),
                    output, cheapMicros);
        };
        Context here = Vertx.currentContext();
        Future<OptionalLong> counted;
        if (here == null) {
            try {
                counted = Future.succeededFuture(count.call());
            } catch (Exception e) {
                counted = Future.failedFuture(e);
            }
        } else {
            counted = here.executeBlocking(count, false);
        }
        return counted.recover(t -> { // no better estimate: the cheap bound decides, as it did before
            LOG.warnf("could not count the prompt of request %s precisely (%s): its cheap bound decides", ctx.requestId, t);
            return Future.succeededFuture(OptionalLong.empty());
        });
    }

    private static final List<String> OUTPUT_LIMITS = List.of("max_completion_tokens", "max_tokens");

    /** The request's own output limit, or the default one, which is then set on the request. */
    private long outputLimit(JsonBody body, WireFormat ingress) {
        for (String f : OUTPUT_LIMITS) {
            if (body.path(f).canConvertToLong() && body.path(f).asLong() > 0) {
                return body.path(f).asLong();
            }
        }
        body.set(ingress == WireFormat.ANTHROPIC ? "max_tokens" : "max_completion_tokens", Json.NODES.numberNode(defaultMaxOutput));
        return defaultMaxOutput;
    }
}
