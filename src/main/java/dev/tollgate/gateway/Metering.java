package dev.tollgate.gateway;

import dev.tollgate.config.Money;
import dev.tollgate.gateway.cost.CostCalculator;
import dev.tollgate.gateway.provider.Operation;
import java.util.OptionalLong;

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
        } else {
            if (ctx.usage == null && (ctx.status == 200 || ctx.status == 499) && ctx.body != null) {
                // No usage reported (a provider that sends none, a stream cut or left mid-way): count it ourselves.
                var counter = dev.tollgate.gateway.cost.TokenCounter.forModel(ctx.deployment.upstreamModel());
                long prompt = ctx.operation == Operation.CHAT ? counter.countPrompt(ctx.body.tree())
                        : counter.countText(ctx.body.path("input").toString() + ctx.body.path("prompt").asText(""));
                ctx.usage = new TokenUsage(prompt, counter.countText(ctx.answerText.toString()), 0, 0);
            }
            if (ctx.usage != null) {
                c = CostCalculator.costMicros(ctx.deployment.prices(), ctx.usage);
            }
        }
        c.ifPresent(v -> ctx.costMicros = v);
        return c;
    }

    /** Puts the cost header on a response about to be written (non-streamed answers; streams send headers first). */
    static void costHeader(RequestContext ctx) {
        cost(ctx).ifPresent(c -> ctx.response.putHeader(HeaderNames.COST, Money.format(c)));
    }
}
