package dev.tollgate.gateway;

import dev.tollgate.config.Money;
import dev.tollgate.gateway.cost.Characters;
import dev.tollgate.gateway.cost.CostCalculator;
import dev.tollgate.gateway.cost.TokenCounter;
import dev.tollgate.gateway.provider.Operation;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

/** The cost of a request, from the usage the provider reported and the deployment's prices. */
public final class Metering {
    private Metering() {}

    /** Micro-USD, computed once; empty when the usage or a needed price is unknown. */
    public static OptionalLong cost(RequestContext ctx) {
        if (ctx.costMicros != null) {
            return OptionalLong.of(ctx.costMicros);
        }
        if (ctx.deployment == null || ctx.deployment.prices() == null) {
            return OptionalLong.empty();
        }
        OptionalLong c = OptionalLong.empty();
        if (ctx.operation == Operation.IMAGES && ctx.status == 200) {
            long n = ctx.body == null ? 1 : Math.max(1, ctx.body.path("n").asLong(1));
            c = CostCalculator.costMicros(ctx.deployment.prices(), n);
        } else if (ctx.operation == Operation.RERANK) {
            // priced per search unit, as the provider billed them (or as many as the documents make, if it did not
            // say); a rerank that was not answered used none
            if (ctx.status == 200) {
                long units = ctx.searchUnits != null ? ctx.searchUnits
                        : CostCalculator.estimatedSearchUnits(ctx.body == null ? null : ctx.body.path("documents"));
                c = CostCalculator.searchCostMicros(ctx.deployment.prices(), units);
            }
        } else {
            if (mustCount(ctx)) {
                // No usage reported (a provider that sends none, a stream cut or left mid-way): count it ourselves.
                var counter = TokenCounter.forModel(ctx.deployment.upstreamModel());
                long prompt = ctx.operation == Operation.CHAT ? counter.countPrompt(ctx.body.tree())
                        : counter.countText(ctx.body.path("input").toString() + ctx.body.path("prompt").asText(""));
                ctx.usage = new TokenUsage(prompt, counter.countText(ctx.answerText.toString()), 0, 0);
            }
            if (ctx.usage != null) {
                c = CostCalculator.costMicros(ctx.deployment.prices(), ctx.usage, characters(ctx));
            }
        }
        c.ifPresent(v -> ctx.costMicros = v);
        return c;
    }

    /**
     * The characters of the request and of its answer, for a model billed per character (null for the others: nothing
     * to count). The answer's text is what the bridge collected ({@link RequestContext#answerText}).
     */
    static Characters characters(RequestContext ctx) {
        if (!ctx.deployment.prices().perCharacter() || ctx.body == null) {
            return null;
        }
        return new Characters(Characters.ofRequest(ctx.operation, ctx.body.tree()), Characters.count(ctx.answerText));
    }

    /**
     * Whether {@link #cost} has to count the tokens itself: no usage was reported for an answer (or for a request
     * cut short) that is priced by tokens.
     */
    static boolean mustCount(RequestContext ctx) {
        boolean answeredOrLeft = ctx.status == 200 || ctx.status == 499 || ctx.endedByDrain || ctx.abandoned;
        boolean pricedPerImage = ctx.operation == Operation.IMAGES && ctx.status == 200
                || ctx.operation == Operation.RERANK; // priced per search unit: no tokens to count
        return ctx.costMicros == null && ctx.usage == null && answeredOrLeft && !pricedPerImage && ctx.body != null
                && ctx.deployment != null && ctx.deployment.prices() != null;
    }

    /**
     * Runs {@code then} now, or, when {@link #cost} would have to count tokens with a vocabulary that is not loaded
     * yet, once it is: loading one takes most of a second, and on an event loop it would hold up every request the
     * loop serves. The vocabulary then loads on a background thread and {@code then} runs on the caller's Vert.x
     * context afterwards. Calls made for one request run in the order they were made (the answer is written before
     * the request is completed).
     */
    static void whenCountable(RequestContext ctx, Runnable then) {
        whenCountable(ctx, then, TokenCounter::loaded, TokenCounter::load);
    }

    /** {@link #whenCountable(RequestContext, Runnable)} with the vocabulary's state and load given (for tests). */
    static void whenCountable(RequestContext ctx, Runnable then, Predicate<String> loaded,
            Function<String, CompletionStage<Void>> load) {
        if (ctx.countable == null) {
            // the usual case (usage reported) is settled by the first test, on every request
            if (!mustCount(ctx) || loaded.test(ctx.deployment.upstreamModel())) {
                then.run();
                return;
            }
            Context here = Vertx.currentContext();
            if (here == null) { // not on a Vert.x thread: there is no event loop to hold up
                then.run();
                return;
            }
            Promise<Void> ready = Promise.promise();
            ctx.countable = ready.future();
            load.apply(ctx.deployment.upstreamModel()).whenComplete((v, t) -> here.runOnContext(x -> ready.complete()));
        }
        ctx.countable.onComplete(ar -> then.run());
    }

    /** Puts the cost header on a response about to be written (non-streamed answers; streams send headers first). */
    static void costHeader(RequestContext ctx) {
        cost(ctx).ifPresent(c -> ctx.response.putHeader(HeaderNames.COST, Money.format(c)));
    }
}
