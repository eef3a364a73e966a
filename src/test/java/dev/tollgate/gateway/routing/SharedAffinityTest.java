package dev.tollgate.gateway.routing;

import static dev.tollgate.gateway.routing.Fixtures.demand;
import static dev.tollgate.gateway.routing.Fixtures.model;
import static dev.tollgate.gateway.routing.Fixtures.routing;
import static dev.tollgate.gateway.routing.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.RedisServer;
import dev.tollgate.config.GatewayConfig.Model;
import dev.tollgate.config.GatewayConfig.Routing;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.limits.SharedStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two replicas (two Vert.x instances, two Redis clients, two routers with their own memory and stats) sharing one
 * real Redis share session affinity: a key served on one replica goes to the same deployment on the other.
 */
class SharedAffinityTest {
    static RedisServer server;
    static Vertx vertx1;
    static Vertx vertx2;
    static RedisAPI inspect;

    final Fixtures.Clock clock = new Fixtures.Clock();
    final Model a = model("a");
    final Model b = model("b");
    final List<Model> group = List.of(a, b);

    @BeforeAll
    static void start() {
        server = RedisServer.start();
        vertx1 = Vertx.vertx();
        vertx2 = Vertx.vertx();
        inspect = new SharedStore(vertx1).redis(server.url(), null);
    }

    @AfterAll
    static void stop() throws Exception {
        get(vertx1.close());
        get(vertx2.close());
        server.close();
    }

    private static <T> T get(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** One replica: its own store client, memory, stats (least-busy made to prefer {@code preferred}) and health. */
    private Router replica(Vertx vertx, Model preferred) {
        RouteStats stats = new RouteStats(clock);
        for (Model m : group) {
            if (m != preferred) {
                stats.started(m.id());
            }
        }
        Affinities affinities = new Affinities(new SharedStore(vertx), vertx, 1000, 2_000);
        return new Router(stats, Fixtures.health(), affinities, clock, Fixtures.random(5));
    }

    private List<String> keys() throws Exception {
        List<String> out = new ArrayList<>();
        for (Response r : get(inspect.keys("tollgate:ns/gw:aff:*"))) {
            out.add(r.toString());
        }
        return out;
    }

    @Test
    void aKeyServedOnOneReplicaStaysOnItsDeploymentOnAnother() throws Exception {
        Snapshot snapshot = snapshot(group, server.url(), "v1");
        Routing sticky = routing(Routing.LEAST_BUSY, 60_000);
        Router one = replica(vertx1, a);
        Router two = replica(vertx2, b); // on its own, replica two would pick b
        Demand user = demand("carol@example.com");

        Pick first = get(one.pick(snapshot, group, sticky, user, Set.of()));
        assertThat(first.model()).isEqualTo(a);
        one.served(snapshot, sticky, user, first.model());
        await().atMost(Duration.ofSeconds(5)).until(() -> !keys().isEmpty()); // the SET is fire and forget

        Future<Pick> onTwo = two.pick(snapshot, group, sticky, user, Set.of());
        assertThat(get(onTwo).model()).as("asked Redis on a local miss").isEqualTo(a);
        // a key nobody has served: replica two's own strategy
        assertThat(get(two.pick(snapshot, group, sticky, demand("dave"), Set.of())).model()).isEqualTo(b);

        // what Redis holds: a hash of group and key (never the key), the deployment, and the TTL
        List<String> keys = keys();
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0)).isEqualTo("tollgate:ns/gw:aff:" + Affinities.token("chat", "carol@example.com"))
                .doesNotContain("carol");
        assertThat(get(inspect.get(keys.get(0))).toString()).isEqualTo("ns/a");
        assertThat(get(inspect.pttl(keys.get(0))).toLong()).isBetween(1L, 60_000L);

        // replica two moves the key (a excluded, say after a failure): replica one keeps its own memory, but a
        // third replica that knows nothing follows the move
        two.served(snapshot, sticky, user, b);
        await().atMost(Duration.ofSeconds(5)).until(() -> "ns/b".equals(get(inspect.get(keys.get(0))).toString()));
        assertThat(get(one.pick(snapshot, group, sticky, user, Set.of())).model()).isEqualTo(a);
        Router three = replica(vertx2, a);
        assertThat(get(three.pick(snapshot, group, sticky, user, Set.of())).model()).isEqualTo(b);
    }

    @Test
    void aGroupOfOneNeverAsksOrTellsRedis() throws Exception {
        List<Model> one = List.of(a);
        Snapshot snapshot = snapshot(one, server.url(), "v1");
        Affinities affinities = new Affinities(new SharedStore(vertx1), vertx1, 1000, 2_000);
        Router r = new Router(new RouteStats(clock), Fixtures.health(), affinities, clock, Fixtures.random(5));
        Routing sticky = routing(Routing.WEIGHTED, 60_000);
        Future<Pick> p = r.pick(snapshot, one, sticky, demand("grace"), Set.of());
        assertThat(p.isComplete()).as("no Redis round trip").isTrue();
        assertThat(p.result().model()).isEqualTo(a);
        r.served(snapshot, sticky, demand("grace"), a);
        assertThat(affinities.size()).as("nothing remembered, so nothing SET").isZero();
    }

    @Test
    void aRedisThatCannotAnswerLeavesRoutingToTheStrategy() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Snapshot unreachable = snapshot(group, "redis://127.0.0.1:" + closed, "v1");
        Routing sticky = routing(Routing.LEAST_BUSY, 60_000);
        Router r = replica(vertx1, b);
        Demand user = demand("erin");
        assertThat(get(r.pick(unreachable, group, sticky, user, Set.of())).model()).isEqualTo(b);
        r.served(unreachable, sticky, user, a); // the SET fails quietly; this replica's memory still holds it
        assertThat(get(r.pick(unreachable, group, sticky, user, Set.of())).model()).isEqualTo(a);
    }

    @Test
    void aRedisThatHangsIsWaitedForOnlyUpToTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) { // accepts connections (backlog), never answers
            Snapshot hanging = snapshot(group, "redis://127.0.0.1:" + silent.getLocalPort(), "v1");
            Affinities affinities = new Affinities(new SharedStore(vertx1), vertx1, 1000, 300);
            RouteStats stats = new RouteStats(clock);
            stats.started(a.id());
            Router r = new Router(stats, Fixtures.health(), affinities, clock, Fixtures.random(5));
            long started = System.nanoTime();
            Pick p = get(r.pick(hanging, group, routing(Routing.LEAST_BUSY, 60_000), demand("frank"), Set.of()));
            assertThat(p.model()).isEqualTo(b);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }
}
