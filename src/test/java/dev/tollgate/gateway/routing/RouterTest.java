package dev.tollgate.gateway.routing;

import static dev.tollgate.gateway.routing.Fixtures.demand;
import static dev.tollgate.gateway.routing.Fixtures.model;
import static dev.tollgate.gateway.routing.Fixtures.prices;
import static dev.tollgate.gateway.routing.Fixtures.routing;
import static dev.tollgate.gateway.routing.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewayConfig.Model;
import dev.tollgate.config.GatewayConfig.Routing;
import dev.tollgate.gateway.Snapshot;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Each strategy's choice, the pre-call checks, weight 0, exclusions and the all-cooling override. */
class RouterTest {
    final Fixtures.Clock clock = new Fixtures.Clock();
    final RouteStats stats = new RouteStats(clock);
    final DeploymentHealth health = Fixtures.health();
    final Router router = new Router(stats, health, new Affinities(1000), clock, Fixtures.random(42));

    private Pick pick(List<Model> group, Routing routing, Demand demand, Set<String> excluded) {
        Future<Pick> f = router.pick(snapshot(group), group, routing, demand, excluded);
        assertThat(f.isComplete()).as("completes at once without affinity").isTrue();
        return f.result();
    }

    private Pick pick(List<Model> group, Routing routing) {
        return pick(group, routing, demand(), Set.of());
    }

    /** How often each deployment is picked in {@code n} picks. */
    private Map<String, Integer> counts(List<Model> group, Routing routing, int n) {
        Map<String, Integer> out = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Pick p = pick(group, routing);
            out.merge(p.model() == null ? "none" : p.model().id(), 1, Integer::sum);
        }
        return out;
    }

    private void coolDown(Model m, long retryAfterMillis) {
        health.failed(snapshot(List.of(m)), m, GatewayConfig.Retries.RATE_LIMITED, retryAfterMillis,
                GatewayConfig.Cooldown.DEFAULT, clock.getAsLong());
    }

    // ---- weighted, weight 0, exclusions ----

    @Test
    void weightedSharesTrafficByWeight() {
        Model a = model("a", 1, null, null, null, null, null);
        Model b = model("b", 3, null, null, null, null, null);
        Map<String, Integer> c = counts(List.of(a, b), Routing.DEFAULT, 8000);
        assertThat(c.get("ns/b")).isBetween(5700, 6300);
        assertThat(c.get("ns/a")).isBetween(1700, 2300);
    }

    @Test
    void aDeploymentOfWeightZeroTakesNoTrafficUnlessTheWholeGroupHasWeightZero() {
        Model a = model("a", 1, null, null, null, null, null);
        Model zero = model("zero", 0, null, null, null, null, null);
        for (String strategy : Routing.STRATEGIES) {
            assertThat(counts(List.of(zero, a), routing(strategy), 200)).as(strategy).containsOnlyKeys("ns/a");
        }
        // as before (ModelRouter): a group of weight-0 deployments only shares evenly
        Model zero2 = model("zero2", 0, null, null, null, null, null);
        Map<String, Integer> even = counts(List.of(zero, zero2), Routing.DEFAULT, 2000);
        assertThat(even.get("ns/zero")).isBetween(900, 1100);
        assertThat(pick(List.of(zero), Routing.DEFAULT).model()).isEqualTo(zero);
        // the weighted deployment tried already: the weight-0 one still takes nothing
        Pick none = pick(List.of(a, zero), Routing.DEFAULT, demand(), Set.of("ns/a"));
        assertThat(none.model()).isNull();
        assertThat(none.skipped()).isEmpty();
    }

    @Test
    void excludedDeploymentsAreNotPickedAgain() {
        Model a = model("a");
        Model b = model("b");
        Model c = model("c");
        for (String strategy : Routing.STRATEGIES) {
            for (int i = 0; i < 50; i++) {
                assertThat(pick(List.of(a, b, c), routing(strategy), demand(), Set.of("ns/a", "ns/c")).model())
                        .as(strategy).isEqualTo(b);
            }
            Pick none = pick(List.of(a), routing(strategy), demand(), Set.of("ns/a"));
            assertThat(none.model()).isNull();
            assertThat(none.cooldownOverridden()).isFalse();
        }
    }

    // ---- priority ----

    @Test
    void priorityUsesTheLowestTierThatCanServeWeightedWithinIt() {
        Model a1 = model("a1", 1, 1, 2L, null, null, null);
        Model b1 = model("b1", 3, null, null, null, null, null); // no priority: tier 1
        Model c2 = model("c2", 1, 2, null, null, null, null);
        Model d3 = model("d3", 1, 3, null, null, null, null);
        List<Model> group = List.of(d3, c2, a1, b1);
        Routing priority = routing(Routing.PRIORITY);
        Map<String, Integer> c = counts(group, priority, 4000);
        assertThat(c).containsOnlyKeys("ns/a1", "ns/b1");
        assertThat(c.get("ns/b1")).isBetween(2800, 3200);

        coolDown(b1, 10_000);
        stats.started(a1.id());
        stats.started(a1.id()); // a1's rpm (2) used up
        Pick p = pick(group, priority);
        assertThat(p.model()).isEqualTo(c2);
        assertThat(p.cooldownOverridden()).isFalse();
        assertThat(p.skipped()).containsExactlyInAnyOrderEntriesOf(Map.of("ns/a1", "rpm", "ns/b1", "cooling"));
        // the next tiers down follow in order
        assertThat(pick(group, priority, demand(), Set.of("ns/c2")).model()).isEqualTo(d3);
        // tier 1 back once b1's cooldown is over
        clock.advance(10_001); // past the cooldown (however its end is compared)
        assertThat(pick(group, priority).model()).isEqualTo(b1);
    }

    // ---- least-busy ----

    @Test
    void leastBusyPicksTheFewestInFlightAndSpreadsTies() {
        Model a = model("a");
        Model b = model("b");
        Model c = model("c");
        stats.started(a.id());
        stats.started(a.id());
        stats.started(b.id());
        stats.started(c.id());
        Map<String, Integer> tied = counts(List.of(a, b, c), routing(Routing.LEAST_BUSY), 1000);
        assertThat(tied).containsOnlyKeys("ns/b", "ns/c");
        assertThat(tied.get("ns/b")).isBetween(400, 600);
        stats.finished(c.id(), 1_000_000, -1, false, 10);
        assertThat(counts(List.of(a, b, c), routing(Routing.LEAST_BUSY), 50)).containsOnlyKeys("ns/c");
        assertThat(stats.inFlight(c.id())).isZero();
        assertThat(stats.inFlight(a.id())).isEqualTo(2);
    }

    // ---- latency ----

    @Test
    void latencyMeasuresUnknownDeploymentsFirstThenPicksTheFastest() {
        Model a = model("a");
        Model b = model("b");
        Model c = model("c");
        List<Model> group = List.of(a, b, c);
        Routing latency = routing(Routing.LATENCY);
        stats.started(a.id());
        stats.finished(a.id(), 50_000_000, -1, false, 0);
        stats.started(b.id());
        stats.finished(b.id(), 10_000_000, -1, false, 0);
        assertThat(counts(group, latency, 20)).containsOnlyKeys("ns/c"); // never measured
        stats.started(c.id());
        stats.finished(c.id(), 30_000_000, -1, false, 0);
        assertThat(counts(group, latency, 20)).containsOnlyKeys("ns/b");
        // a failed attempt (-1) is no sample: it must not make b look fast or slow
        stats.started(b.id());
        stats.finished(b.id(), -1, -1, false, 0);
        assertThat(stats.latencyMillis(b.id(), false)).isEqualTo(10);
    }

    @Test
    void latencyRanksStreamsByTimeToFirstTokenAndOthersByDuration() {
        Model a = model("a");
        Model b = model("b");
        stats.started(a.id());
        stats.finished(a.id(), 900_000_000, 20_000_000, true, 0); // fast first token, long answer
        stats.started(a.id());
        stats.finished(a.id(), 400_000_000, -1, false, 0);
        stats.started(b.id());
        stats.finished(b.id(), 900_000_000, 300_000_000, true, 0);
        stats.started(b.id());
        stats.finished(b.id(), 100_000_000, -1, false, 0);
        Demand stream = new Demand(null, 100, 0, () -> -1, true);
        for (int i = 0; i < 20; i++) {
            assertThat(pick(List.of(a, b), routing(Routing.LATENCY), stream, Set.of()).model()).isEqualTo(a);
            assertThat(pick(List.of(a, b), routing(Routing.LATENCY)).model()).isEqualTo(b);
        }
    }

    // ---- usage ----

    @Test
    void usagePicksTheMostHeadroomUnderEachDeploymentsOwnLimits() {
        Model a = model("a", 1, null, 100L, null, null, null);
        Model b = model("b", 1, null, 1000L, 10_000L, null, null);
        Model free = model("free"); // no limits: headroom 1
        for (int i = 0; i < 50; i++) {
            stats.started(a.id()); // a: 50 of 100 used, headroom 0.5
        }
        for (int i = 0; i < 300; i++) {
            stats.started(b.id()); // b: rpm headroom 0.7
        }
        stats.finished(b.id(), -1, -1, false, 6_000); // b: tpm headroom 0.4, the smaller of its two
        assertThat(router.headroom(a)).isEqualTo(0.5);
        assertThat(router.headroom(b)).isEqualTo(0.4);
        Routing usage = routing(Routing.USAGE);
        assertThat(counts(List.of(a, b, free), usage, 30)).containsOnlyKeys("ns/free");
        assertThat(counts(List.of(a, b), usage, 30)).containsOnlyKeys("ns/a");
    }

    @Test
    void usageCountsOnlyTheLastMinute() {
        Model a = model("a", 1, null, 10L, null, null, null);
        Model b = model("b", 1, null, 10L, null, null, null);
        for (int i = 0; i < 5; i++) {
            stats.started(a.id());
        }
        assertThat(counts(List.of(a, b), routing(Routing.USAGE), 5)).containsOnlyKeys("ns/b");
        clock.advance(60_000);
        assertThat(stats.requestsLastMinute(a.id())).isZero();
        assertThat(stats.requestsLastMinute(b.id())).isZero();
    }

    // ---- cost ----

    @Test
    void costPicksTheLowestExpectedPriceAndUnknownPricesLast() {
        Model dear = model("dear", 1, null, null, null, null, prices(2_500_000, 10_000_000));
        Model cheap = model("cheap", 1, null, null, null, null, prices(150_000, 600_000));
        Model unknown = model("unknown");
        Model halfKnown = model("half", 1, null, null, null, null,
                new GatewayConfig.Prices(1L, null, null, null, "spec"));
        Routing cost = routing(Routing.COST);
        assertThat(counts(List.of(unknown, dear, cheap, halfKnown), cost, 20)).containsOnlyKeys("ns/cheap");
        assertThat(counts(List.of(unknown, halfKnown, dear), cost, 20)).containsOnlyKeys("ns/dear");
        Map<String, Integer> unknowns = counts(List.of(unknown, halfKnown), cost, 400);
        assertThat(unknowns).containsOnlyKeys("ns/unknown", "ns/half"); // no price: at random
    }

    @Test
    void costWeighsPromptAgainstOutputByTheRequest() {
        // cheap input, dear output vs the other way round: a long prompt with a short answer goes to the first
        Model cheapIn = model("cheap-in", 1, null, null, null, null, prices(100_000, 10_000_000));
        Model cheapOut = model("cheap-out", 1, null, null, null, null, prices(1_000_000, 1_000_000));
        Demand longPrompt = new Demand(null, 400_000, 10, () -> -1, false);
        Demand longAnswer = new Demand(null, 400, 4_000, () -> -1, false);
        Routing cost = routing(Routing.COST);
        assertThat(pick(List.of(cheapOut, cheapIn), cost, longPrompt, Set.of()).model()).isEqualTo(cheapIn);
        assertThat(pick(List.of(cheapIn, cheapOut), cost, longAnswer, Set.of()).model()).isEqualTo(cheapOut);
        // integer arithmetic: 100 000 prompt tokens (400 000 bytes / 4) and 10 output tokens, no rounding
        assertThat(Router.expectedCost(cheapIn, longPrompt)).isEqualTo(100_000L * 100_000 + 10_000_000L * 10);
        // no output limit: 256 assumed
        assertThat(Router.expectedCost(cheapIn, new Demand(null, 4, 0, () -> -1, false)))
                .isEqualTo(100_000L + 10_000_000L * 256);
    }

    @Test
    void costUsesTheTierPricesThePromptFallsIn() {
        GatewayConfig.Prices tiered = new GatewayConfig.Prices(1_000_000L, 1_000_000L, null, null, null, null,
                "spec", List.of(new GatewayConfig.Tier(1000, 9_000_000L, 9_000_000L, null)), null, null);
        Model t = model("tiered", 1, null, null, null, null, tiered);
        Model flat = model("flat", 1, null, null, null, null, prices(2_000_000, 2_000_000));
        Routing cost = routing(Routing.COST);
        assertThat(pick(List.of(flat, t), cost, new Demand(null, 400, 10, () -> -1, false), Set.of()).model())
                .isEqualTo(t);
        assertThat(pick(List.of(t, flat), cost, new Demand(null, 40_000, 10, () -> -1, false), Set.of()).model())
                .isEqualTo(flat);
    }

    // ---- pre-call checks ----

    @Test
    void aRequestThatFitsByItsSizeIsNotCounted() {
        Model small = model("small", 1, null, null, null, 300, null);
        // 200 bytes + 100 output <= 300: fits without counting (the fixture's counter throws when asked)
        Demand d = new Demand(null, 200, 100, () -> {
            throw new AssertionError("counted");
        }, false);
        assertThat(pick(List.of(small), Routing.DEFAULT, d, Set.of()).model()).isEqualTo(small);
        assertThat(pick(List.of(small, model("other")), Routing.DEFAULT, d, Set.of()).skipped()).isEmpty();
    }

    @Test
    void aDeploymentWhoseContextWindowCannotHoldTheRequestIsSkipped() {
        Model small = model("small", 1, null, null, null, 1000, null);
        Model large = model("large", 1, null, null, null, 100_000, null);
        AtomicInteger counted = new AtomicInteger();
        Demand big = new Demand(null, 50_000, 200, () -> {
            counted.incrementAndGet();
            return 900;
        }, false);
        for (String strategy : Routing.STRATEGIES) {
            Pick p = pick(List.of(small, large), routing(strategy), big, Set.of());
            assertThat(p.model()).as(strategy).isEqualTo(large);
            assertThat(p.skipped()).as(strategy).containsExactlyEntriesOf(Map.of("ns/small", "context-window"));
        }
        assertThat(counted.get()).isPositive();
        // too long for every deployment: nobody, and the lead can tell it is the context window (its fallbacks)
        Pick none = pick(List.of(small), Routing.DEFAULT, big, Set.of());
        assertThat(none.model()).isNull();
        assertThat(none.contextWindowExceeded()).isTrue();
        Pick none2 = pick(List.of(small, model("small2", 1, null, null, null, 500, null)), Routing.DEFAULT, big, Set.of());
        assertThat(none2.model()).isNull();
        assertThat(none2.skipped()).containsOnlyKeys("ns/small", "ns/small2");
        assertThat(none2.contextWindowExceeded()).isTrue();
        // the prompt fits but not with its output limit
        Demand fitsWithoutOutput = new Demand(null, 50_000, 200, () -> 850, false);
        assertThat(pick(List.of(small), Routing.DEFAULT, fitsWithoutOutput, Set.of()).model()).isNull();
        assertThat(pick(List.of(small), Routing.DEFAULT, new Demand(null, 50_000, 100, () -> 850, false), Set.of())
                .model()).isEqualTo(small);
        // cannot count (-1): not skipped, the upstream judges
        Demand uncountable = new Demand(null, 50_000, 200, () -> -1, false);
        assertThat(pick(List.of(small), Routing.DEFAULT, uncountable, Set.of()).model()).isEqualTo(small);
        assertThat(pick(List.of(small), Routing.DEFAULT, new Demand(null, 50_000, 200, null, false), Set.of()).model())
                .isEqualTo(small);
    }

    @Test
    void aDeploymentWhoseRpmOrTpmThisReplicaHasUsedUpIsSkipped() {
        Model a = model("a", 1, null, 2L, 1000L, null, null);
        Model b = model("b");
        stats.started(a.id());
        assertThat(pick(List.of(a), Routing.DEFAULT).model()).isEqualTo(a);
        stats.started(a.id());
        Pick rpm = pick(List.of(a, b), Routing.DEFAULT);
        assertThat(rpm.model()).isEqualTo(b);
        assertThat(rpm.skipped()).containsExactlyEntriesOf(Map.of("ns/a", "rpm"));
        Pick alone = pick(List.of(a), Routing.DEFAULT);
        assertThat(alone.model()).isNull();
        assertThat(alone.cooldownOverridden()).isFalse();
        assertThat(alone.skipped()).containsExactlyEntriesOf(Map.of("ns/a", "rpm"));

        clock.advance(60_000); // a new minute: rpm free again
        stats.finished(a.id(), 1, -1, false, 900);
        stats.finished(a.id(), 1, -1, false, 0);
        // 900 used + 400 bytes (100 tokens) + 50 output > 1000
        Pick tpm = pick(List.of(a, b), Routing.DEFAULT, new Demand(null, 400, 50, () -> -1, false), Set.of());
        assertThat(tpm.model()).isEqualTo(b);
        assertThat(tpm.skipped()).containsExactlyEntriesOf(Map.of("ns/a", "tpm"));
        // 900 + 25 + 50 fits
        assertThat(pick(List.of(a), Routing.DEFAULT, new Demand(null, 100, 50, () -> -1, false), Set.of()).model())
                .isEqualTo(a);
    }

    // ---- cooling and the override ----

    @Test
    void aCoolingDeploymentIsSkippedWhileAnotherCanServe() {
        Model a = model("a");
        Model b = model("b");
        coolDown(a, 10_000);
        for (String strategy : Routing.STRATEGIES) {
            Pick p = pick(List.of(a, b), routing(strategy));
            assertThat(p.model()).as(strategy).isEqualTo(b);
            assertThat(p.cooldownOverridden()).isFalse();
            assertThat(p.skipped()).containsExactlyEntriesOf(Map.of("ns/a", "cooling"));
        }
    }

    @Test
    void whenEveryDeploymentIsCoolingTheOneWhoseCooldownEndsFirstIsTried() {
        Model a = model("a");
        Model b = model("b");
        Model c = model("c");
        coolDown(a, 20_000);
        coolDown(b, 5_000);
        coolDown(c, 30_000);
        for (String strategy : Routing.STRATEGIES) {
            Pick p = pick(List.of(a, b, c), routing(strategy));
            assertThat(p.model()).as(strategy).isEqualTo(b);
            assertThat(p.cooldownOverridden()).isTrue();
            assertThat(p.skipped()).containsOnlyKeys("ns/a", "ns/b", "ns/c").containsValue("cooling");
        }
        // b tried and excluded: the next to recover
        Pick next = pick(List.of(a, b, c), Routing.DEFAULT, demand(), Set.of("ns/b"));
        assertThat(next.model()).isEqualTo(a);
        assertThat(next.cooldownOverridden()).isTrue();
        // a group of one that is cooling is still tried (and says so)
        Pick single = pick(List.of(c), Routing.DEFAULT);
        assertThat(single.model()).isEqualTo(c);
        assertThat(single.cooldownOverridden()).isTrue();
        assertThat(single.skipped()).containsExactlyEntriesOf(Map.of("ns/c", "cooling"));
    }

    @Test
    void theOverrideIsOnlyAmongDeploymentsThatWereSkippedForCoolingAlone() {
        Model small = model("small", 1, null, null, null, 100, null);
        Model cooling = model("cooling", 1, null, null, null, 100_000, null);
        Model busy = model("busy", 1, null, 1L, null, null, null);
        Demand big = new Demand(null, 5_000, 0, () -> 1_000, false);
        coolDown(cooling, 10_000);
        coolDown(small, 1_000); // cooling too, but the request would not fit it anyway
        Pick p = pick(List.of(small, cooling), Routing.DEFAULT, big, Set.of());
        assertThat(p.model()).isEqualTo(cooling);
        assertThat(p.cooldownOverridden()).isTrue();
        assertThat(p.skipped()).containsExactlyInAnyOrderEntriesOf(Map.of("ns/small", "context-window",
                "ns/cooling", "cooling"));
        stats.started(busy.id());
        Pick none = pick(List.of(small, busy), Routing.DEFAULT, big, Set.of());
        assertThat(none.model()).isNull();
        assertThat(none.contextWindowExceeded()).isFalse();
        assertThat(none.skipped()).containsExactlyInAnyOrderEntriesOf(Map.of("ns/small", "context-window",
                "ns/busy", "rpm"));
    }

    @Test
    void aDeploymentThatLosesItsClaimCountsAsCooling() {
        Model a = model("a");
        Model b = model("b");
        DeploymentHealth probing = new DeploymentHealth(java.time.Clock.systemUTC()) {
            @Override
            public boolean claim(String deploymentId, long nowMillis) {
                return !deploymentId.equals("ns/a"); // another request holds a's half-open probe
            }

            @Override
            public long coolingUntil(String deploymentId) {
                return 0;
            }
        };
        Router r = new Router(stats, probing, new Affinities(10), clock, Fixtures.random(1));
        for (int i = 0; i < 20; i++) {
            Pick p = r.pick(snapshot(List.of(a, b)), List.of(a, b), Routing.DEFAULT, demand(), Set.of()).result();
            assertThat(p.model()).isEqualTo(b);
        }
        Pick onlyA = r.pick(snapshot(List.of(a)), List.of(a), Routing.DEFAULT, demand(), Set.of()).result();
        assertThat(onlyA.model()).isEqualTo(a);
        assertThat(onlyA.cooldownOverridden()).isTrue();
    }

    // ---- the fast path ----

    @Test
    void aGroupOfOneWithoutAffinityAllocatesNextToNothing() {
        Model a = model("a");
        List<Model> group = List.of(a);
        Snapshot s = snapshot(group);
        Demand d = demand();
        Set<String> none = Set.of();
        Pick p = router.pick(s, group, Routing.DEFAULT, d, none).result();
        assertThat(p.model()).isSameAs(a);
        assertThat(p.skipped()).isSameAs(Map.of());
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) {
            router.pick(s, group, Routing.DEFAULT, d, none); // warm up
        }
        long before = mx.getThreadAllocatedBytes(tid);
        int n = 100_000;
        long picked = 0;
        for (int i = 0; i < n; i++) {
            picked += router.pick(s, group, Routing.DEFAULT, d, none).result().model() == a ? 1 : 0;
        }
        long perPick = (mx.getThreadAllocatedBytes(tid) - before) / n;
        assertThat(picked).isEqualTo(n);
        assertThat(perPick).as("bytes allocated per pick (the Pick and its Future)").isLessThanOrEqualTo(64);
    }

    @Test
    void statsOfDeploymentsNoLongerConfiguredAreDroppedOnANewConfiguration() {
        Model a = model("a");
        Model gone = model("gone");
        stats.started(gone.id());
        stats.finished(gone.id(), 1, -1, false, 5);
        router.pick(snapshot(List.of(a, gone), null, "v1"), List.of(a), Routing.DEFAULT, demand(), Set.of());
        assertThat(stats.size()).isEqualTo(1);
        router.pick(snapshot(List.of(a), null, "v2"), List.of(a), Routing.DEFAULT, demand(), Set.of());
        assertThat(stats.size()).as("kept while it started something in the last minute").isEqualTo(1);
        clock.advance(61_000);
        router.pick(snapshot(List.of(a), null, "v3"), List.of(a), Routing.DEFAULT, demand(), Set.of());
        assertThat(stats.size()).isZero();
    }
}
