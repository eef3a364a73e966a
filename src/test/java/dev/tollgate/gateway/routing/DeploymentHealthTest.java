package dev.tollgate.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewayConfig.Cooldown;
import dev.tollgate.config.GatewayConfig.Retries;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.gateway.Snapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The local rules of {@link DeploymentHealth}, on an injected clock: 429 cooldowns, N failures in a window,
 * half-open probes (single, success, failure with backoff, release, expiry), states and metrics.
 */
class DeploymentHealthTest {
    static final long T0 = 1_767_225_600_000L;
    static final Cooldown POLICY = new Cooldown(3, 60_000, 30_000, 300_000);
    static final GatewayConfig.Model A = model("team/gpt-a", "gpt", "openai");
    static final GatewayConfig.Model B = model("team/gpt-b", "gpt", "azure");
    static final GatewayConfig.Model C = model("team/claude", "claude", "anthropic");

    static GatewayConfig.Model model(String id, String name, String provider) {
        return new GatewayConfig.Model(id, name, provider, "m", null, null, null, null, null, null, null, 1, 60_000,
                null, null, "reject", null);
    }

    static Snapshot snapshot(String redisUrl, String gateway, GatewayConfig.Model... models) {
        return new Snapshot(new GatewayConfig(GatewayConfig.SCHEMA, gateway, new GatewayConfig.Settings(4000, 10_000,
                redisUrl), List.of(models), List.of(), List.of()), new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(),
                Map.of(), null), "v1");
    }

    static final Snapshot LOCAL = snapshot(null, "ns/gw", A, B, C);

    /** A clock the test moves (read by the gauge). */
    static final class TestClock extends Clock {
        long now = T0;

        @Override
        public long millis() {
            return now;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    final TestClock clock = new TestClock();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final DeploymentHealth health = new DeploymentHealth(clock, registry, null, () -> LOCAL, 0);

    double cooldowns(String model, String provider, String reason) {
        var c = registry.find("tollgate.cooldowns").tags("model", model, "provider", provider, "reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    double cooling(String model) {
        var g = registry.find("tollgate.deployments.cooling").tag("model", model).gauge();
        return g == null ? 0 : g.value();
    }

    @Test
    void a429WithRetryAfterCoolsDownAtOnceForItsRetryAfter() {
        health.failed(LOCAL, A, Retries.RATE_LIMITED, 12_000, POLICY, T0);
        assertThat(health.available(A.id(), T0)).isFalse();
        assertThat(health.available(A.id(), T0 + 11_999)).isFalse();
        assertThat(health.coolingUntil(A.id())).isEqualTo(T0 + 12_000);
        assertThat(health.available(A.id(), T0 + 12_000)).isTrue();
        assertThat(health.available(B.id(), T0)).as("another deployment of the group").isTrue();
        DeploymentHealth.State st = health.states(T0 + 1).get(A.id());
        assertThat(st).isEqualTo(new DeploymentHealth.State("CoolingDown", T0 + 12_000, 1, "429 (retry-after 12s)"));
    }

    @Test
    void a429WithoutRetryAfterCoolsForTheDurationAndARetryAfterIsCappedAtMax() {
        health.failed(LOCAL, A, Retries.RATE_LIMITED, -1, POLICY, T0);
        assertThat(health.coolingUntil(A.id())).isEqualTo(T0 + 30_000);
        assertThat(health.states(T0).get(A.id()).lastReason()).isEqualTo("429");

        health.failed(LOCAL, B, Retries.RATE_LIMITED, 3_600_000, POLICY, T0);
        assertThat(health.coolingUntil(B.id())).as("an hour's retry-after is capped at maxMillis").isEqualTo(T0 + 300_000);
        assertThat(health.available(B.id(), T0 + 299_999)).isFalse();
        assertThat(health.available(B.id(), T0 + 300_000)).isTrue();
    }

    @Test
    void aRetryAfterOfZeroStartsNoCooldownAndALaterLongerOneExtendsIt() {
        health.failed(LOCAL, A, Retries.RATE_LIMITED, 0, POLICY, T0);
        assertThat(health.available(A.id(), T0)).isTrue();
        assertThat(health.coolingUntil(A.id())).isZero();

        health.failed(LOCAL, A, Retries.RATE_LIMITED, 5_000, POLICY, T0);
        health.failed(LOCAL, A, Retries.RATE_LIMITED, 2_000, POLICY, T0 + 1_000);
        assertThat(health.coolingUntil(A.id())).as("a shorter one does not shorten it").isEqualTo(T0 + 5_000);
        health.failed(LOCAL, A, Retries.RATE_LIMITED, 20_000, POLICY, T0 + 1_000);
        assertThat(health.coolingUntil(A.id())).isEqualTo(T0 + 21_000);
        assertThat(cooldowns("gpt", "openai", "rate_limited")).isEqualTo(2);
    }

    @Test
    void nFailuresWithinTheWindowCoolTheDeploymentDown() {
        health.failed(LOCAL, A, Retries.SERVER_ERROR, -1, POLICY, T0);
        health.failed(LOCAL, A, Retries.TIMEOUT, -1, POLICY, T0 + 10_000);
        assertThat(health.available(A.id(), T0 + 10_000)).isTrue();
        assertThat(health.states(T0 + 10_000).get(A.id()).state()).isEqualTo("Healthy");
        health.failed(LOCAL, A, Retries.CONNECTION_FAILED, -1, POLICY, T0 + 59_999);
        assertThat(health.available(A.id(), T0 + 59_999)).isFalse();
        assertThat(health.coolingUntil(A.id())).isEqualTo(T0 + 59_999 + 30_000);
        assertThat(health.states(T0 + 60_000).get(A.id()).lastReason())
                .isEqualTo("3 failures in 60s (last: connectionFailed)");
        assertThat(cooldowns("gpt", "openai", "failures")).isEqualTo(1);
    }

    @Test
    void failuresSpreadWiderThanTheWindowNeverCoolIt() {
        for (int i = 0; i < 10; i++) {
            health.failed(LOCAL, A, Retries.SERVER_ERROR, -1, POLICY, T0 + i * 31_000L);
            assertThat(health.available(A.id(), T0 + i * 31_000L)).as("failure %d", i).isTrue();
        }
        assertThat(cooldowns("gpt", "openai", "failures")).isZero();
    }

    @Test
    void anOverloadCountsDoubleAndClientErrorsNotAtAll() {
        health.failed(LOCAL, A, Retries.OVERLOADED, -1, POLICY, T0);
        assertThat(health.available(A.id(), T0)).as("one overload is a blip").isTrue();
        health.failed(LOCAL, A, "badRequest", -1, POLICY, T0);
        health.failed(LOCAL, A, null, -1, POLICY, T0);
        assertThat(health.available(A.id(), T0)).isTrue();
        health.failed(LOCAL, A, Retries.SERVER_ERROR, -1, POLICY, T0 + 1);
        assertThat(health.available(A.id(), T0 + 1)).as("2 + 1 = 3 failures").isFalse();

        health.failed(LOCAL, B, Retries.OVERLOADED, -1, POLICY, T0);
        health.failed(LOCAL, B, Retries.OVERLOADED, -1, POLICY, T0 + 1);
        assertThat(health.available(B.id(), T0 + 1)).as("two overloads").isFalse();
    }

    @Test
    void failuresWhileCoolingDownAreNotCountedAndASuccessThenEndsNothing() {
        health.failed(LOCAL, A, Retries.RATE_LIMITED, 10_000, POLICY, T0);
        for (int i = 0; i < 5; i++) {
            health.failed(LOCAL, A, Retries.SERVER_ERROR, -1, POLICY, T0 + i);
        }
        health.succeeded(LOCAL, A, T0 + 100);
        assertThat(health.coolingUntil(A.id())).isEqualTo(T0 + 10_000);
        assertThat(health.available(A.id(), T0 + 9_999)).isFalse();
        assertThat(health.states(T0).get(A.id()).cooldowns()).isEqualTo(1);
    }

    @Test
    void whenTheCooldownEndsOneClaimTakesTheProbeAndItsSuccessBringsTheDeploymentBack() {
        health.failed(LOCAL, A, Retries.RATE_LIMITED, 10_000, POLICY, T0);
        assertThat(health.claim(A.id(), T0 + 5_000)).as("the Router's override while cooling takes no probe").isTrue();
        assertThat(health.available(A.id(), T0 + 5_001)).isFalse();

        long end = T0 + 10_000;
        assertThat(health.available(A.id(), end)).isTrue();
        assertThat(health.states(end).get(A.id()).state()).isEqualTo("Probing");
        assertThat(health.claim(A.id(), end)).isTrue();
        assertThat(health.available(A.id(), end + 1)).as("the probe is in flight").isFalse();
        assertThat(health.claim(A.id(), end + 1)).as("a second claim loses the race").isFalse();
        assertThat(health.states(end + 1).get(A.id()).state()).isEqualTo("Probing");
        assertThat(cooling("gpt")).isEqualTo(1);

        health.succeeded(LOCAL, A, end + 500);
        assertThat(health.available(A.id(), end + 501)).isTrue();
        assertThat(health.claim(A.id(), end + 501)).isTrue();
        assertThat(health.coolingUntil(A.id())).isZero();
        assertThat(health.states(end + 501).get(A.id())).isEqualTo(new DeploymentHealth.State("Healthy", 0, 1,
                "429 (retry-after 10s)"));
        assertThat(cooling("gpt")).isZero();
        // the window was cleared: two failures after the recovery do not trip the rule of three
        health.failed(LOCAL, A, Retries.SERVER_ERROR, -1, POLICY, end + 600);
        health.failed(LOCAL, A, Retries.SERVER_ERROR, -1, POLICY, end + 700);
        assertThat(health.available(A.id(), end + 700)).isTrue();
    }

    @Test
    void aFailedProbeCoolsItDownAgainForTwiceAsLongUpToMaxAndASuccessResetsTheBackoff() {
        Cooldown p = new Cooldown(3, 60_000, 30_000, 100_000);
        health.failed(LOCAL, A, Retries.RATE_LIMITED, -1, p, T0);
        long t = T0 + 30_000;
        long[] expected = {60_000, 100_000, 100_000};
        for (long d : expected) {
            assertThat(health.claim(A.id(), t)).isTrue();
            health.failed(LOCAL, A, Retries.SERVER_ERROR, -1, p, t + 10);
            assertThat(health.coolingUntil(A.id())).isEqualTo(t + 10 + d);
            assertThat(health.available(A.id(), t + 10 + d - 1)).isFalse();
            t = t + 10 + d;
            assertThat(health.available(A.id(), t)).isTrue();
        }
        assertThat(cooldowns("gpt", "openai", "probe_failed")).isEqualTo(3);
        assertThat(health.states(t).get(A.id()).lastReason()).isEqualTo("probe failed (serverError)");

        assertThat(health.claim(A.id(), t)).isTrue();
        health.succeeded(LOCAL, A, t + 1);
        health.failed(LOCAL, A, Retries.RATE_LIMITED, -1, p, t + 2);
        assertThat(health.claim(A.id(), t + 2 + 30_000)).isTrue();
        health.failed(LOCAL, A, Retries.TIMEOUT, -1, p, t + 2 + 30_000);
        assertThat(health.coolingUntil(A.id())).as("backoff restarts at 2 x duration").isEqualTo(t + 2 + 30_000 + 60_000);
        assertThat(health.states(t).get(A.id()).cooldowns()).isEqualTo(6);
    }

    @Test
    void aProbeThatFailsWithALongerRetryAfterCoolsForTheRetryAfter() {
        health.failed(LOCAL, A, Retries.RATE_LIMITED, 1_000, POLICY, T0);
        assertThat(health.claim(A.id(), T0 + 1_000)).isTrue();
        health.failed(LOCAL, A, Retries.RATE_LIMITED, 120_000, POLICY, T0 + 1_100);
        assertThat(health.coolingUntil(A.id())).isEqualTo(T0 + 1_100 + 120_000);
    }

    @Test
    void releasedFreesTheProbeForTheNextRequest() {
        health.failed(LOCAL, A, Retries.RATE_LIMITED, 1_000, POLICY, T0);
        assertThat(health.claim(A.id(), T0 + 1_000)).isTrue();
        assertThat(health.available(A.id(), T0 + 1_001)).isFalse();
        health.released(A.id());
        assertThat(health.available(A.id(), T0 + 1_002)).isTrue();
        assertThat(health.claim(A.id(), T0 + 1_002)).isTrue();
        assertThat(health.claim(A.id(), T0 + 1_003)).isFalse();
        health.released(B.id()); // never failed: nothing to free, no entry made
        assertThat(health.states(T0).get(B.id()).state()).isEqualTo("Healthy");
    }

    @Test
    void aProbeThatNeverReportsExpiresAfterTwiceTheDuration() {
        health.failed(LOCAL, A, Retries.RATE_LIMITED, -1, POLICY, T0);
        long end = T0 + 30_000;
        assertThat(health.claim(A.id(), end)).isTrue();
        assertThat(health.available(A.id(), end + 59_999)).isFalse();
        assertThat(health.claim(A.id(), end + 59_999)).isFalse();
        assertThat(health.available(A.id(), end + 60_000)).isTrue();
        assertThat(health.claim(A.id(), end + 60_000)).as("the next request probes instead").isTrue();
        assertThat(health.claim(A.id(), end + 60_001)).isFalse();

        // a short cooldown's probe still gets the minimum (an LLM call may take seconds)
        Cooldown quick = new Cooldown(3, 60_000, 1_000, 10_000);
        health.failed(LOCAL, B, Retries.RATE_LIMITED, -1, quick, T0);
        assertThat(health.claim(B.id(), T0 + 1_000)).isTrue();
        assertThat(health.available(B.id(), T0 + 1_000 + DeploymentHealth.MIN_PROBE_MILLIS - 1)).isFalse();
        assertThat(health.available(B.id(), T0 + 1_000 + DeploymentHealth.MIN_PROBE_MILLIS)).isTrue();
    }

    @Test
    void statesListEveryDeploymentOfTheConfigAndMetricsAreLabelledByModelAndProvider() {
        health.failed(LOCAL, A, Retries.RATE_LIMITED, -1, POLICY, T0);
        health.failed(LOCAL, C, Retries.OVERLOADED, -1, POLICY, T0);
        health.failed(LOCAL, C, Retries.OVERLOADED, -1, POLICY, T0);
        Map<String, DeploymentHealth.State> states = health.states(T0 + 1);
        assertThat(states).containsOnlyKeys(A.id(), B.id(), C.id());
        assertThat(states.get(B.id())).isEqualTo(new DeploymentHealth.State("Healthy", 0, 0, null));
        assertThat(states.get(C.id())).isEqualTo(new DeploymentHealth.State("CoolingDown", T0 + 30_000, 1,
                "3 failures in 60s (last: overloaded)"));
        assertThat(cooldowns("gpt", "openai", "rate_limited")).isEqualTo(1);
        assertThat(cooldowns("claude", "anthropic", "failures")).isEqualTo(1);
        assertThat(cooling("gpt")).isEqualTo(1);
        assertThat(cooling("claude")).isEqualTo(1);
        registry.getMeters().forEach(m -> assertThat(m.getId().getTags())
                .allSatisfy(t -> assertThat(t.getKey()).isIn("model", "provider", "reason")));
    }

    @Test
    void followingTheConfigRegistersEveryGroupsGaugeAndForgetsRemovedDeployments() {
        health.follow(LOCAL);
        assertThat(registry.find("tollgate.deployments.cooling").tag("model", "claude").gauge()).isNotNull();
        assertThat(cooling("claude")).isZero();
        health.failed(LOCAL, A, Retries.RATE_LIMITED, -1, POLICY, T0);
        health.failed(LOCAL, C, Retries.RATE_LIMITED, -1, POLICY, T0);
        health.follow(LOCAL);
        assertThat(health.available(C.id(), T0)).as("the same config: nothing forgotten").isFalse();
        health.follow(snapshot(null, "ns/gw", A, B));
        assertThat(health.available(C.id(), T0)).isTrue();
        assertThat(health.available(A.id(), T0)).isFalse();
        assertThat(cooling("claude")).isZero();
        assertThat(cooling("gpt")).isEqualTo(1);
    }

    @Test
    void theHealthyPathAllocatesNothing() {
        health.failed(LOCAL, B, Retries.SERVER_ERROR, -1, POLICY, T0); // B has history but is healthy
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        boolean all = true;
        for (int round = 0; round < 3; round++) { // warm up (the JIT), then measure
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < 200_000; i++) {
                all &= health.available(A.id(), T0 + i);
                all &= health.claim(A.id(), T0 + i);
                all &= health.available(B.id(), T0 + i);
                all &= health.claim(B.id(), T0 + i);
                health.succeeded(LOCAL, A, T0 + i);
                health.succeeded(LOCAL, B, T0 + i);
                all &= health.coolingUntil(A.id()) == 0;
            }
            long allocated = threads.getThreadAllocatedBytes(id) - before;
            if (round == 2) {
                // 1.4 million calls: a single allocation per call would be megabytes
                assertThat(allocated).isLessThan(64 * 1024);
            }
        }
        assertThat(all).isTrue();
        assertThat(health.states(T0).get(A.id()).cooldowns()).isZero();
    }
}
