package dev.tollgate.gateway.routing;

import static dev.tollgate.gateway.routing.Fixtures.model;
import static dev.tollgate.gateway.routing.Fixtures.routing;
import static dev.tollgate.gateway.routing.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.GatewayConfig.Model;
import dev.tollgate.config.GatewayConfig.Routing;
import dev.tollgate.gateway.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * Many threads picking at once, each attempt wrapped in {@link RouteStats#started}/{@link RouteStats#finished} as the
 * request path does: least-busy keeps the deployments' requests in flight even (also when one of them is slow), and
 * usage spreads requests by each deployment's own limits.
 */
class RouterConcurrencyTest {
    static final int THREADS = 8;

    final Fixtures.Clock clock = new Fixtures.Clock();

    /** What a run of the harness saw. */
    record Spread(int maxSpread, double meanSpread, long[] picks) {}

    /**
     * THREADS threads, each holding {@code held} requests open: every step picks and starts one request and finishes
     * those that are due. Deployment 0 is slow (its requests stay open four times as long). After each step the
     * spread of in-flight requests (most minus fewest over the deployments) is sampled.
     */
    private Spread run(String strategy, int steps, int held) throws Exception {
        List<Model> group = List.of(model("slow"), model("b"), model("c"), model("d"));
        Snapshot snapshot = snapshot(group);
        RouteStats stats = new RouteStats(clock);
        Router router = new Router(stats, Fixtures.health(), new Affinities(10), clock, Fixtures.random(11));
        Routing routing = routing(strategy);
        AtomicLongArray picks = new AtomicLongArray(group.size());
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<long[]>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Callable<long[]> worker = () -> {
                // {due step, deployment index}
                PriorityQueue<long[]> open = new PriorityQueue<>((x, y) -> Long.compare(x[0], y[0]));
                long maxSpread = 0;
                long sumSpread = 0;
                start.await();
                for (int step = 0; step < steps; step++) {
                    Pick p = router.pick(snapshot, group, routing, Fixtures.demand(), Set.of()).result();
                    int i = group.indexOf(p.model());
                    stats.started(p.model().id());
                    picks.incrementAndGet(i);
                    open.add(new long[] {step + (i == 0 ? 4L * held : held), i});
                    while (!open.isEmpty() && open.peek()[0] <= step) {
                        stats.finished(group.get((int) open.poll()[1]).id(), 1_000_000, -1, false, 10);
                    }
                    int min = Integer.MAX_VALUE;
                    int max = 0;
                    for (Model m : group) {
                        int n = stats.inFlight(m.id());
                        min = Math.min(min, n);
                        max = Math.max(max, n);
                    }
                    if (step >= 4 * held) { // past the start, when every deployment has had time to fill
                        maxSpread = Math.max(maxSpread, max - min);
                        sumSpread += max - min;
                    }
                }
                while (!open.isEmpty()) {
                    stats.finished(group.get((int) open.poll()[1]).id(), 1_000_000, -1, false, 10);
                }
                return new long[] {maxSpread, sumSpread};
            };
            results.add(pool.submit(worker));
        }
        int maxSpread = 0;
        long sumSpread = 0;
        for (Future<long[]> f : results) {
            long[] r = f.get(60, TimeUnit.SECONDS);
            maxSpread = (int) Math.max(maxSpread, r[0]);
            sumSpread += r[1];
        }
        pool.shutdown();
        for (Model m : group) {
            assertThat(stats.inFlight(m.id())).as("every started request finished").isZero();
        }
        long[] counts = new long[group.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = picks.get(i);
        }
        return new Spread(maxSpread, sumSpread / (double) (THREADS * (steps - 4 * held)), counts);
    }

    @Test
    void leastBusyKeepsRequestsInFlightEvenAcrossDeploymentsUnderConcurrentPicks() throws Exception {
        Spread leastBusy = run(Routing.LEAST_BUSY, 4_000, 12);
        // about 120 requests in flight over four deployments (the slow one sent about 8 % of them), 30 each
        // a thread between its pick and its started() is not seen by the others: at worst about one per thread
        assertThat(leastBusy.maxSpread()).as("most minus fewest in flight, at worst").isLessThanOrEqualTo(2 * THREADS);
        assertThat(leastBusy.meanSpread()).as("on average").isLessThan(3.0);
        // the slow deployment holds its share of requests in flight by being sent fewer (about a quarter as many)
        long slow = leastBusy.picks()[0];
        for (int i = 1; i < 4; i++) {
            assertThat(slow * 2).as("the slow deployment gets far fewer").isLessThan(leastBusy.picks()[i]);
        }

        // the same load by weight alone piles requests up on the slow deployment: the measure tells them apart
        Spread weighted = run(Routing.WEIGHTED, 4_000, 12);
        // (even one thread alone keeps about 12 open on the slow one and 3 on each other: a spread of 9)
        assertThat(weighted.meanSpread()).isGreaterThan(Math.max(6.0, 3 * leastBusy.meanSpread()));
    }

    @Test
    void usageSpreadsRequestsByEachDeploymentsOwnLimits() throws Exception {
        Model small = model("small", 1, null, 1_000L, null, null, null);
        Model large = model("large", 1, null, 2_000L, null, null, null);
        Model tokens = model("tokens", 1, null, null, 3_000_000L, null, null); // 1000 tokens a request: 3000 rpm
        List<Model> group = List.of(small, large, tokens);
        Snapshot snapshot = snapshot(group);
        RouteStats stats = new RouteStats(clock);
        Router router = new Router(stats, Fixtures.health(), new Affinities(10), clock, Fixtures.random(13));
        Routing usage = routing(Routing.USAGE);
        int perThread = 300; // 2400 requests in all, within the minute (the clock stands still)
        AtomicLongArray picks = new AtomicLongArray(group.size());
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    Pick p = router.pick(snapshot, group, usage, Fixtures.demand(), Set.of()).result();
                    stats.started(p.model().id());
                    picks.incrementAndGet(group.indexOf(p.model()));
                    stats.finished(p.model().id(), 1_000_000, -1, false, 1_000);
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        long s = picks.get(0);
        long l = picks.get(1);
        long t = picks.get(2);
        assertThat(s + l + t).isEqualTo((long) THREADS * perThread);
        // equal headroom means picks in proportion to the limits: 1000 : 2000 : 3000, i.e. 400 : 800 : 1200
        assertThat(s).isBetween(360L, 440L);
        assertThat(l).isBetween(740L, 860L);
        assertThat(t).isBetween(1120L, 1280L);
    }
}
