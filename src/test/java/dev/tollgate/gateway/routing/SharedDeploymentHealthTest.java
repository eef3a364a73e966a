package dev.tollgate.gateway.routing;

import static dev.tollgate.gateway.routing.DeploymentHealthTest.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.RedisServer;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewayConfig.Cooldown;
import dev.tollgate.config.GatewayConfig.Retries;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.limits.SharedStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three {@link DeploymentHealth} instances (three replicas: each its own Vert.x and Redis client) sharing one real
 * redis-server: a cooldown one starts is seen by the others through their poll, failures spread over the three trip
 * the shared rule of N in a window, and a Redis that is down changes nothing about the local rules.
 */
class SharedDeploymentHealthTest {
    static final Cooldown POLICY = new Cooldown(3, 60_000, 30_000, 300_000);
    static final long POLL_MILLIS = 50;
    /** How long a poll may take to carry a cooldown to the other replicas here (many poll intervals). */
    static final long DEADLINE_MILLIS = 5_000;
    static RedisServer server;
    final List<Vertx> vertxes = new ArrayList<>();
    final List<DeploymentHealth> replicas = new ArrayList<>();
    final List<SimpleMeterRegistry> registries = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        server = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        server.close();
    }

    @AfterEach
    void stopReplicas() throws Exception {
        replicas.forEach(DeploymentHealth::stop);
        for (Vertx v : vertxes) {
            v.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    DeploymentHealth replica(Snapshot s) {
        Vertx vertx = Vertx.vertx();
        vertxes.add(vertx);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registries.add(registry);
        DeploymentHealth h = new DeploymentHealth(Clock.systemUTC(), registry, new SharedStore(vertx), () -> s,
                POLL_MILLIS);
        h.start(vertx);
        replicas.add(h);
        return h;
    }

    static GatewayConfig.Model model(String id) {
        return DeploymentHealthTest.model(id, "gpt", "openai");
    }

    static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("within %d ms: %s", DEADLINE_MILLIS, what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    double cooldownsCounted(String reason) {
        return registries.stream().mapToDouble(r -> {
            var c = r.find("tollgate.cooldowns").tag("reason", reason).counter();
            return c == null ? 0 : c.count();
        }).sum();
    }

    @Test
    void aCooldownStartedOnOneReplicaIsSeenByTheOtherTwo() throws Exception {
        GatewayConfig.Model a = model("shared1/gpt-a");
        GatewayConfig.Model b = model("shared1/gpt-b");
        Snapshot s = snapshot(server.url(), "shared1/gw", a, b);
        DeploymentHealth one = replica(s);
        DeploymentHealth two = replica(s);
        DeploymentHealth three = replica(s);
        long now = System.currentTimeMillis();
        one.failed(s, a, Retries.RATE_LIMITED, 60_000, POLICY, now);
        assertThat(one.available(a.id(), now)).isFalse();

        eventually("replica two sees the cooldown", () -> !two.available(a.id(), System.currentTimeMillis()));
        eventually("replica three sees the cooldown", () -> !three.available(a.id(), System.currentTimeMillis()));
        assertThat(two.coolingUntil(a.id())).isEqualTo(now + 60_000);
        assertThat(three.coolingUntil(a.id())).isEqualTo(now + 60_000);
        assertThat(three.states(System.currentTimeMillis()).get(a.id()))
                .isEqualTo(new DeploymentHealth.State("CoolingDown", now + 60_000, 0, "429 (retry-after 60s)"));
        assertThat(two.available(b.id(), System.currentTimeMillis())).isTrue();
        assertThat(cooldownsCounted("rate_limited")).as("counted once, where it started").isEqualTo(1);
        // the adopted cooldown shows in the other replicas' gauge
        assertThat(registries.get(2).find("tollgate.deployments.cooling").tag("model", "gpt").gauge().value())
                .isEqualTo(1);

        // a later, longer cooldown (a failed probe elsewhere) replaces it everywhere; a shorter one does not
        long later = System.currentTimeMillis();
        three.failed(s, a, Retries.RATE_LIMITED, 120_000, POLICY, later);
        eventually("replica one adopts the longer cooldown", () -> one.coolingUntil(a.id()) == later + 120_000);
        two.failed(s, a, Retries.RATE_LIMITED, 1_000, POLICY, later);
        assertThat(two.poll().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)).isNull();
        eventually("replica two adopts the longer cooldown", () -> two.coolingUntil(a.id()) == later + 120_000);
    }

    @Test
    void failuresSpreadOverThreeReplicasTripTheSharedRule() throws Exception {
        GatewayConfig.Model a = model("shared2/gpt-a");
        Snapshot s = snapshot(server.url(), "shared2/gw", a);
        DeploymentHealth one = replica(s);
        DeploymentHealth two = replica(s);
        DeploymentHealth three = replica(s);
        long now = System.currentTimeMillis();
        one.failed(s, a, Retries.SERVER_ERROR, -1, POLICY, now);
        two.failed(s, a, Retries.TIMEOUT, -1, POLICY, now);
        // each replica alone has seen one failure, under the rule of three
        RedisAPI redis = new SharedStore(vertxes.get(0)).redis(server.url(), null);
        eventually("both failures counted in Redis", () -> count(redis, "tollgate:shared2/gw:health:shared2/gpt-a:failures") == 2);
        assertThat(one.available(a.id(), now)).isTrue();
        assertThat(two.available(a.id(), now)).isTrue();
        assertThat(three.available(a.id(), now)).isTrue();

        three.failed(s, a, Retries.CONNECTION_FAILED, -1, POLICY, now);
        for (DeploymentHealth r : List.of(one, two, three)) {
            eventually("every replica cools it down", () -> !r.available(a.id(), System.currentTimeMillis()));
            assertThat(r.coolingUntil(a.id())).isEqualTo(now + 30_000);
        }
        assertThat(cooldownsCounted("failures")).as("exactly one replica tripped it").isEqualTo(1);
        assertThat(three.states(now).get(a.id()).lastReason())
                .isEqualTo("3 failures in 60s across replicas (last: connectionFailed)");
        assertThat(count(redis, "tollgate:shared2/gw:health:shared2/gpt-a:failures"))
                .as("the count starts over").isZero();
    }

    @Test
    void gatewaysSharingOneRedisDoNotSeeEachOthersCooldowns() throws Exception {
        GatewayConfig.Model a = model("shared3/gpt-a");
        Snapshot mine = snapshot(server.url(), "shared3/gw", a);
        Snapshot theirs = snapshot(server.url(), "shared3/other", a);
        DeploymentHealth one = replica(mine);
        DeploymentHealth other = replica(theirs);
        DeploymentHealth two = replica(mine);
        long now = System.currentTimeMillis();
        one.failed(mine, a, Retries.RATE_LIMITED, 60_000, POLICY, now);
        eventually("the same gateway's replica sees it", () -> !two.available(a.id(), System.currentTimeMillis()));
        // the other gateway has polled since (a poll of its own, awaited): still nothing
        other.poll().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(other.available(a.id(), System.currentTimeMillis())).isTrue();
    }

    @Test
    void withRedisDownTheLocalRulesStillWork() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        GatewayConfig.Model a = model("down/gpt-a");
        GatewayConfig.Model b = model("down/gpt-b");
        Snapshot s = snapshot("redis://127.0.0.1:" + closed, "down/gw", a, b);
        DeploymentHealth one = replica(s);
        long now = System.currentTimeMillis();
        one.failed(s, a, Retries.RATE_LIMITED, 10_000, POLICY, now);
        assertThat(one.available(a.id(), now)).isFalse();
        for (int i = 0; i < 3; i++) {
            one.failed(s, b, Retries.SERVER_ERROR, -1, POLICY, now + i);
        }
        assertThat(one.available(b.id(), now + 2)).isFalse();
        // the poll fails quietly; the local state stands
        assertThat(one.poll().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)).isNull();
        assertThat(one.coolingUntil(a.id())).isEqualTo(now + 10_000);
        assertThat(one.claim(a.id(), now + 10_000)).isTrue();
        one.succeeded(s, a, now + 10_001);
        assertThat(one.available(a.id(), now + 10_002)).isTrue();
        assertThat(cooldownsCounted("rate_limited")).isEqualTo(1);
        assertThat(cooldownsCounted("failures")).isEqualTo(1);
    }

    static long count(RedisAPI redis, String key) {
        try {
            var r = redis.get(key).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            return r == null ? 0 : r.toLong();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
