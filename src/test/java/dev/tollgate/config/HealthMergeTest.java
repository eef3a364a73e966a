package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.UsageReport.Health;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One deployment's health merged over the gateway processes that serve it (operator status, standalone view). */
class HealthMergeTest {
    static Health healthy(long requests, long failures, Long latency, Long ttft) {
        return new Health(Health.HEALTHY, null, requests, failures, latency, ttft, 0, null);
    }

    @Test
    void theWorstStateWinsWithItsReasonAndTheLatestCooldownEnd() {
        Health a = healthy(10, 0, 100L, null);
        Health probing = new Health(Health.PROBING, null, 1, 0, null, null, 1, "5xx");
        Health coolingEarly = new Health(Health.COOLING_DOWN, "2026-12-05T06:00:00Z", 2, 2, null, null, 1, "429");
        Health coolingLate = new Health(Health.COOLING_DOWN, "2026-12-05T06:00:30.200Z", 3, 3, null, null, 2, "3 failures in 60s");

        assertThat(HealthMerge.merge(List.of(a, probing)).state()).isEqualTo(Health.PROBING);
        assertThat(HealthMerge.merge(List.of(a, probing)).reason()).isEqualTo("5xx");
        HealthMerge.Merged m = HealthMerge.merge(List.of(a, coolingEarly, probing, coolingLate));
        assertThat(m.state()).isEqualTo(Health.COOLING_DOWN);
        assertThat(m.coolingDownUntil()).as("the latest, rounded up to the second").isEqualTo("2026-12-05T06:00:31Z");
        assertThat(m.reason()).as("the reason of the replica whose cooldown ends last").isEqualTo("3 failures in 60s");
        assertThat(m.cooldowns()).isEqualTo(4);
        assertThat(m.replicas()).isEqualTo(4);
        assertThat(m.requests()).isEqualTo(16);
        assertThat(m.failures()).isEqualTo(5);

        Health healthyWithOldReason = new Health(Health.HEALTHY, null, 5, 0, 50L, null, 3, "429");
        assertThat(HealthMerge.merge(List.of(healthyWithOldReason, a))).satisfies(h -> {
            assertThat(h.state()).isEqualTo(Health.HEALTHY);
            assertThat(h.reason()).as("a healthy deployment has no reason to show").isNull();
            assertThat(h.coolingDownUntil()).isNull();
        });
        assertThat(HealthMerge.merge(List.of(a, new Health("Draining", null, 0, 0, null, null, 0, "drain"))).state())
                .as("a state this reader does not know is worse than Healthy, better than Probing").isEqualTo("Draining");
        assertThat(HealthMerge.merge(List.of(probing, new Health("Draining", null, 0, 0, null, null, 0, "drain"))).state())
                .isEqualTo(Health.PROBING);
    }

    @Test
    void errorRateIsFailuresOverRequestsOfTheLastMinuteAcrossReplicas() {
        assertThat(HealthMerge.merge(List.of(healthy(60, 3, null, null), healthy(40, 2, null, null))).errorRate())
                .isEqualTo("0.05");
        assertThat(HealthMerge.merge(List.of(healthy(3, 1, null, null))).errorRate()).isEqualTo("0.333");
        assertThat(HealthMerge.merge(List.of(healthy(4, 4, null, null))).errorRate()).isEqualTo("1");
        assertThat(HealthMerge.merge(List.of(healthy(7, 0, null, null))).errorRate()).isEqualTo("0");
        assertThat(HealthMerge.merge(List.of(healthy(0, 0, null, null), healthy(0, 0, null, null))).errorRate())
                .as("no requests: no rate").isNull();
        assertThat(HealthMerge.errorRate(1, 2000)).isEqualTo("0.001");
    }

    @Test
    void latencyIsTheRequestWeightedMeanOfTheReplicasThatKnowOne() {
        // 90 requests at 100 ms and 10 at 600 ms: 150 ms (a plain mean would say 350)
        HealthMerge.Merged m = HealthMerge.merge(List.of(healthy(90, 0, 100L, 40L), healthy(10, 0, 600L, null),
                healthy(50, 0, null, null)));
        assertThat(m.latencyMillis()).isEqualTo(150);
        assertThat(m.ttftMillis()).as("only one replica timed a first token").isEqualTo(40);
        assertThat(HealthMerge.merge(List.of(healthy(0, 0, 100L, null), healthy(0, 0, 301L, null))).latencyMillis())
                .as("none had requests this minute: the plain mean").isEqualTo(201);
        assertThat(HealthMerge.merge(List.of(healthy(5, 0, null, null))).latencyMillis()).as("unknown").isNull();
    }

    @Test
    void theOrderOfTheReportsChangesNothingAndNoReportsIsNoHealth() {
        List<Health> all = new ArrayList<>(List.of(healthy(10, 1, 100L, null),
                new Health(Health.COOLING_DOWN, "2026-12-05T06:00:00Z", 2, 2, 300L, null, 1, "429"),
                new Health(Health.COOLING_DOWN, "2026-12-05T06:00:00Z", 2, 2, 300L, null, 1, "503"),
                new Health(Health.PROBING, null, 1, 0, null, 20L, 1, "5xx")));
        HealthMerge.Merged first = HealthMerge.merge(all);
        for (int i = 0; i < 10; i++) {
            Collections.shuffle(all, new java.util.Random(i));
            assertThat(HealthMerge.merge(all)).isEqualTo(first);
        }
        assertThat(first.reason()).as("equal ends: the same reason whatever the order").isEqualTo("429");
        assertThat(HealthMerge.merge(List.of())).isNull();
        assertThat(HealthMerge.merge(null)).isNull();
    }
}
