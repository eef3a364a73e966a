package dev.tollgate.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.gateway.Snapshot;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A Budget's spec.limits join the request's rate limits, scoped budget/&lt;id&gt;, for the models the Budget counts. */
class BudgetLimitsTest {
    static final GatewayConfig.Key KEY = new GatewayConfig.Key("team-a/k", List.of(), List.of(), 10L, null, null, null,
            false, null);
    static final GatewayConfig.Model MODEL = new GatewayConfig.Model("team-a/m", "m", "mock", "m", null, null, null, null,
            null, null, null, 1, 1_000, null, null, "reject", null);

    static Snapshot snapshot(GatewayConfig.Budget... budgets) {
        return new Snapshot(new GatewayConfig(GatewayConfig.SCHEMA, "p/g", null, List.of(MODEL), List.of(KEY), List.of(budgets)),
                new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(), Map.of(), null), "v1");
    }

    @Test
    void budgetLimitsAreAddedForTheModelsTheBudgetCounts() {
        GatewayConfig.Budget limited = new GatewayConfig.Budget("p/search", 1_000, "daily", "UTC", 80, List.of(), null,
                List.of("feature:search"), null, 5L, 1_000L, 2);
        GatewayConfig.Budget otherModel = new GatewayConfig.Budget("p/gpt", 1_000, "daily", "UTC", 80, List.of("gpt"), null,
                List.of("feature:search"), null, 1L, null, null);
        GatewayConfig.Budget noLimits = new GatewayConfig.Budget("p/plain", 1_000, "daily", "UTC", 80, List.of());
        Snapshot s = snapshot(limited, otherModel, noLimits);
        List<RateLimiter.Limit> base = RateLimitInterceptor.limits(KEY, MODEL);
        assertThat(RateLimitInterceptor.withBudgets(base, List.of(), s, "m")).isSameAs(base);
        assertThat(RateLimitInterceptor.withBudgets(base, List.of("p/plain", "p/gpt"), s, "m"))
                .as("no limits, or not counting the model: the key's list itself").isSameAs(base);
        assertThat(RateLimitInterceptor.withBudgets(base, List.of("p/search", "p/gpt", "p/gone"), s, "m"))
                .containsExactly(new RateLimiter.Limit("key/team-a/k", RateLimiter.Kind.RPM, 10),
                        new RateLimiter.Limit("budget/p/search", RateLimiter.Kind.RPM, 5),
                        new RateLimiter.Limit("budget/p/search", RateLimiter.Kind.TPM, 1_000),
                        new RateLimiter.Limit("budget/p/search", RateLimiter.Kind.PARALLEL, 2));
    }

    @Test
    void aBudgetsLimitIsSharedAcrossKeysInOneLimiter() {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter();
        List<RateLimiter.Limit> a = List.of(new RateLimiter.Limit("key/ns/a", RateLimiter.Kind.RPM, 100),
                new RateLimiter.Limit("budget/p/search", RateLimiter.Kind.RPM, 2));
        List<RateLimiter.Limit> b = List.of(new RateLimiter.Limit("key/ns/b", RateLimiter.Kind.RPM, 100),
                new RateLimiter.Limit("budget/p/search", RateLimiter.Kind.RPM, 2));
        assertThat(limiter.acquire(a).result().admitted()).isTrue();
        assertThat(limiter.acquire(b).result().admitted()).isTrue();
        RateLimiter.Decision third = limiter.acquire(a).result();
        assertThat(third.admitted()).isFalse();
        assertThat(third.refused().scope()).isEqualTo("budget/p/search");
    }
}
