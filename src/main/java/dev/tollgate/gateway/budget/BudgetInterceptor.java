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
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.cost.CostCalculator;
import dev.tollgate.gateway.limits.SharedStore;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;
import java.util.OptionalLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Budgets, enforced exactly: before the upstream call a request reserves its maximum cost on every Budget that
 * binds its key (and counts its model); after it, the reservation is settled to the real cost. The maximum is
 * the price of an upper bound of the prompt (the token count of the whole request body, which contains it) plus
 * the most output the request may produce ({@code max_completion_tokens} / {@code max_tokens} times {@code n});
 * a request that sets no output limit gets {@code tollgate.gateway.budget.default-max-output-tokens} injected, so
 * the bound holds. A request whose real usage is unknown (an aborted stream, a provider that reports none) is
 * charged its reservation: never $0. A budget over its limit answers 429 with code {@code budget_exceeded} and
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

    public BudgetInterceptor(SharedStore store,
            @ConfigProperty(name = "tollgate.gateway.shared-store-failure", defaultValue = "closed") String onFailure,
            @ConfigProperty(name = "tollgate.gateway.budget.default-max-output-tokens", defaultValue = "4096") long defaultMaxOutput) {
        this.store = store;
        this.failOpen = "open".equalsIgnoreCase(onFailure);
        this.defaultMaxOutput = defaultMaxOutput;
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
        if (ctx.key.budgets().isEmpty()) {
            return Future.succeededFuture();
        }
        boolean bound = false;
        for (String id : ctx.key.budgets()) {
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
                    "the model '" + ctx.modelName + "' has no price, so the budget on your key cannot be enforced: the "
                            + "platform team must set LlmModel spec.pricing for " + ctx.deployment.id(), null,
                    "model_not_priced")));
        }
        List<BudgetLedger.Charge> charges = BudgetCharges.of(ctx.key, ctx.modelName, ctx.snapshot::budget,
                max.getAsLong(), clock.instant(), windows);
        Future<BudgetLedger.Reservation> reserved = ledger(ctx.snapshot).reserve(charges);
        if (reserved.succeeded()) {
            return decide(ctx, charges, reserved.result()); // decided at once (in memory): no future chain
        }
        return reserved.recover(t -> {
            LOG.warnf("the shared budget store failed (%s): %s", t.getMessage(), failOpen ? "admitting" : "refusing");
            return failOpen ? Future.succeededFuture(new BudgetLedger.Reservation(null, List.of()))
                    : Future.failedFuture(GatewayException.of(503, "shared_store_unavailable", "the gateway cannot reach "
                            + "its shared budget store (Redis), so it cannot enforce your budget: retry shortly"));
        }).compose(r -> decide(ctx, charges, r));
    }

    private static Future<Void> decide(RequestContext ctx, List<BudgetLedger.Charge> charges, BudgetLedger.Reservation r) {
        if (!r.granted()) {
            BudgetLedger.Charge c = r.refused();
            BudgetLedger.Balance b = r.balances().stream().filter(x -> x.budgetId().equals(c.budgetId())).findFirst()
                    .orElseThrow();
            return Future.failedFuture(new GatewayException(new ApiError(429, "rate_limit_error", "budget_exceeded",
                    "budget " + c.budgetId() + " would be exceeded: " + Money.format(b.spentMicros()) + " USD spent and "
                            + Money.format(b.reservedMicros()) + " USD in flight of " + Money.format(c.limitMicros())
                            + " USD this period, and this request may cost up to " + Money.format(c.amountMicros())
                            + " USD. Wait for the period to reset or ask for a larger Budget.", null, "budget_exceeded")));
        }
        if (!r.balances().isEmpty()) {
            ctx.attributes.put(BudgetInterceptor.class, charges);
        }
        return Future.succeededFuture();
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
        // away (499) may have left mid-answer: the upstream did the work, so it pays its reservation.
        boolean nothingHappened = ctx.status >= 400 && ctx.status != 499 && ctx.usage == null;
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

    /** The most this request can cost, in micro-USD; empty when the model's prices are unknown. */
    OptionalLong maximumCost(RequestContext ctx) {
        GatewayConfig.Prices prices = ctx.deployment.prices();
        if (prices == null) {
            return OptionalLong.empty();
        }
        if (ctx.operation == Operation.IMAGES) {
            return CostCalculator.costMicros(prices, Math.max(1, ctx.body.path("n").asLong(1)));
        }
        // An upper bound of the prompt's tokens without tokenizing it on the hot path: a byte-level BPE token is at
        // least one byte, so the request body's size in bytes bounds the prompt's tokens (and the message framing).
        long promptBound = ctx.bodyBytes;
        long output = 0;
        if (ctx.operation == Operation.CHAT || ctx.operation == Operation.COMPLETIONS) {
            // saturated: a client's huge max_tokens × n must not wrap around to a small (or negative) reservation
            output = saturatedMultiply(Math.max(0, outputLimit(ctx.body, ctx.ingress)),
                    Math.max(1, ctx.body.path("n").asLong(1)));
        }
        return CostCalculator.costMicros(prices, new TokenUsage(promptBound, output, 0, 0));
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
