package dev.tollgate.gateway.routing;

import static dev.tollgate.gateway.routing.Fixtures.demand;
import static dev.tollgate.gateway.routing.Fixtures.model;
import static dev.tollgate.gateway.routing.Fixtures.routing;
import static dev.tollgate.gateway.routing.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewayConfig.Model;
import dev.tollgate.config.GatewayConfig.Routing;
import dev.tollgate.gateway.Snapshot;
import io.vertx.core.Future;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Session affinity in one replica: stickiness, TTL, moving off a deployment that cannot serve, bounds, hashing. */
class AffinityTest {
    final Fixtures.Clock clock = new Fixtures.Clock();
    final RouteStats stats = new RouteStats(clock);
    final DeploymentHealth health = Fixtures.health();
    final Affinities affinities = new Affinities(1000);
    final Router router = new Router(stats, health, affinities, clock, Fixtures.random(7));

    final Model a = model("a");
    final Model b = model("b");
    final Model c = model("c");
    final List<Model> group = List.of(a, b, c);
    final Snapshot snapshot = snapshot(group);

    private Pick pick(Routing routing, Demand demand, Set<String> excluded) {
        Future<Pick> f = router.pick(snapshot, group, routing, demand, excluded);
        assertThat(f.isComplete()).as("no Redis configured: completes at once").isTrue();
        return f.result();
    }

    /** Makes least-busy prefer {@code m}: every other deployment has one request in flight. */
    private void preferByLoad(Model m) {
        for (Model other : group) {
            while (stats.inFlight(other.id()) > 0) {
                stats.finished(other.id(), -1, -1, false, 0);
            }
            if (other != m) {
                stats.started(other.id());
            }
        }
    }

    @Test
    void requestsWithTheSameKeyStayOnOneDeployment() {
        Routing sticky = routing(Routing.WEIGHTED, 60_000);
        Demand user1 = demand("user-1");
        Pick first = pick(sticky, user1, Set.of());
        router.served(snapshot, sticky, user1, first.model());
        for (int i = 0; i < 200; i++) {
            Pick p = pick(sticky, user1, Set.of());
            assertThat(p.model()).isEqualTo(first.model());
            router.served(snapshot, sticky, user1, p.model());
        }
        // other keys still spread by the strategy
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(pick(sticky, demand("user-" + (i + 2)), Set.of()).model().id());
        }
        assertThat(seen).hasSize(3);
    }

    @Test
    void affinityOutranksTheStrategyUntilItsTtlPassesAndEachAnswerRefreshesIt() {
        Routing sticky = routing(Routing.LEAST_BUSY, 1_000);
        Demand user = demand("user-1");
        router.served(snapshot, sticky, user, a);
        preferByLoad(b);
        assertThat(pick(sticky, user, Set.of()).model()).isEqualTo(a);
        clock.advance(800);
        router.served(snapshot, sticky, user, a); // refreshed: until 1800 from the start
        clock.advance(900);
        assertThat(pick(sticky, user, Set.of()).model()).isEqualTo(a);
        clock.advance(100); // 1000 after the last answer
        assertThat(pick(sticky, user, Set.of()).model()).isEqualTo(b);
    }

    @Test
    void aRememberedDeploymentThatCannotServeIsLeftAndTheNewOneRemembered() {
        Routing sticky = routing(Routing.LEAST_BUSY, 600_000);
        Demand user = demand("user-1");
        router.served(snapshot, sticky, user, a);
        preferByLoad(b);
        // cooling down: the strategy decides, and the answer moves the key
        health.failed(snapshot, a, GatewayConfig.Retries.RATE_LIMITED, 10_000, GatewayConfig.Cooldown.DEFAULT,
                clock.getAsLong());
        Pick moved = pick(sticky, user, Set.of());
        assertThat(moved.model()).isEqualTo(b);
        assertThat(moved.cooldownOverridden()).isFalse();
        router.served(snapshot, sticky, user, moved.model());
        // a recovered, and now the least busy: the key stays where its cache is warm
        clock.advance(20_000);
        health.succeeded(snapshot, a, clock.getAsLong());
        preferByLoad(a);
        assertThat(pick(sticky, user, Set.of()).model()).isEqualTo(b);
        // already tried in this request: another one
        assertThat(pick(sticky, user, Set.of(b.id())).model()).isEqualTo(a);
    }

    @Test
    void aRememberedDeploymentThatFailsAPreCallCheckIsLeft() {
        Model limited = model("limited", 1, null, 1L, null, null, null);
        Model other = model("other");
        List<Model> g = List.of(limited, other);
        Routing sticky = routing(Routing.WEIGHTED, 600_000);
        Demand user = demand("user-9");
        router.served(snapshot, sticky, user, limited);
        assertThat(router.pick(snapshot, g, sticky, user, Set.of()).result().model()).isEqualTo(limited);
        stats.started(limited.id()); // its rpm (1) used up
        Pick p = router.pick(snapshot, g, sticky, user, Set.of()).result();
        assertThat(p.model()).isEqualTo(other);
        assertThat(p.skipped()).containsEntry(limited.id(), "rpm");
    }

    @Test
    void withoutAnAffinityPolicyOrKeyNothingIsRemembered() {
        router.served(snapshot, Routing.DEFAULT, demand("user-1"), a);
        router.served(snapshot, routing(Routing.WEIGHTED, 60_000), demand(), a);
        assertThat(affinities.size()).isZero();
    }

    @Test
    void theKeyIsKeptOnlyAsAHashOfGroupAndKey() {
        String t = Affinities.token("chat", "alice@example.com");
        assertThat(t).matches("[0-9a-f]{32}").doesNotContain("alice");
        assertThat(Affinities.token("chat", "alice@example.com")).isEqualTo(t);
        assertThat(Affinities.token("other", "alice@example.com")).isNotEqualTo(t);
        assertThat(Affinities.token("chat", "bob@example.com")).isNotEqualTo(t);
        assertThat(Affinities.token("cha", "talice@example.com")).isNotEqualTo(t); // the separator counts
        assertThat(demand("alice@example.com").toString()).doesNotContain("alice");
    }

    @Test
    void theMemoryIsBounded() {
        Affinities small = new Affinities(100);
        Router r = new Router(stats, health, small, clock, Fixtures.random(3));
        Routing sticky = routing(Routing.WEIGHTED, 600_000);
        for (int i = 0; i < 1_000; i++) {
            r.served(snapshot, sticky, demand("user-" + i), a);
            assertThat(small.size()).isLessThanOrEqualTo(100);
        }
        // expired entries are the first to go
        Affinities expiring = new Affinities(10);
        for (int i = 0; i < 10; i++) {
            expiring.remember(snapshot, "old-" + i, "ns/a", 1_000, clock.getAsLong());
        }
        expiring.remember(snapshot, "fresh", "ns/b", 1_000, clock.getAsLong() + 5_000);
        assertThat(expiring.size()).isEqualTo(1);
        assertThat(expiring.local("fresh", clock.getAsLong() + 5_000)).isEqualTo("ns/b");
    }
}
