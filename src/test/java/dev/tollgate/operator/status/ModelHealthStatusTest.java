package dev.tollgate.operator.status;

import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.Condition;
import dev.tollgate.api.v1alpha1.DeploymentHealthStatus;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LlmModelStatus;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.config.HealthMerge;
import dev.tollgate.config.UsageReport.Health;
import dev.tollgate.operator.usage.StatusWriteBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The LlmModel's status.health and Healthy condition, and how they go through the status write budget: a change of
 * state is written at once, drifting figures (error rate, latency, counts) wait for the budget like usage figures.
 */
class ModelHealthStatusTest {
    static DeploymentHealthStatus health(String state, String until, long requests, long failures, Long latency) {
        return StatusBuilders.health(HealthMerge.merge(List.of(new Health(state, until, requests, failures, latency, null, 0,
                Health.HEALTHY.equals(state) ? null : "429"))), true, null);
    }

    static LlmModelStatus status(DeploymentHealthStatus health, long requests) {
        LlmModelStatus s = new LlmModelStatus();
        s.setObservedGeneration(1L);
        Usage u = new Usage();
        u.setRequests(requests);
        s.setUsage(u);
        s.setHealth(health);
        s.setConditions(Conditions.merge(null, List.of(StatusBuilders.healthy(requests, 0L, health)), 1,
                java.time.Instant.parse("2026-12-05T06:00:00Z")));
        return s;
    }

    static LlmModelStatus copy(LlmModelStatus s) {
        return Serialization.jsonMapper().convertValue(s, LlmModelStatus.class);
    }

    @Test
    void mergedHealthBecomesTheStatusField() {
        DeploymentHealthStatus h = StatusBuilders.health(HealthMerge.merge(List.of(
                new Health(Health.HEALTHY, null, 90, 3, 100L, 40L, 1, null),
                new Health(Health.COOLING_DOWN, "2026-12-05T06:00:10Z", 10, 7, 600L, null, 2, "429"))), true, null);
        assertThat(h.getState()).isEqualTo("CoolingDown");
        assertThat(h.getCoolingDownUntil()).isEqualTo("2026-12-05T06:00:10Z");
        assertThat(h.getReason()).isEqualTo("429");
        assertThat(h.getErrorRate()).isEqualTo("0.1");
        assertThat(h.getLatencyMillis()).isEqualTo(150);
        assertThat(h.getTimeToFirstTokenMillis()).isEqualTo(40);
        assertThat(h.getCooldowns()).isEqualTo(3);
        assertThat(h.getReplicas()).isEqualTo(2);

        DeploymentHealthStatus before = health(Health.COOLING_DOWN, "2026-12-05T06:00:10Z", 1, 1, null);
        assertThat(StatusBuilders.health(null, false, before)).as("nothing read yet in this operator run: kept")
                .isSameAs(before);
        assertThat(StatusBuilders.health(null, true, before)).as("reports were read, none names it: no health").isNull();
    }

    @Test
    void theHealthyConditionSaysWhyTheGatewaysRouteAroundIt() {
        Condition cooling = StatusBuilders.healthy(0L, 0L, health(Health.COOLING_DOWN, "2026-12-05T06:00:10Z", 2, 2, null));
        assertThat(cooling.getStatus()).isEqualTo("False");
        assertThat(cooling.getReason()).isEqualTo("CoolingDown");
        assertThat(cooling.getMessage()).as("no figures in a message").doesNotContainPattern("[0-9]");
        Condition probing = StatusBuilders.healthy(0L, 0L, health(Health.PROBING, null, 1, 0, null));
        assertThat(probing.getStatus()).isEqualTo("False");
        assertThat(probing.getReason()).isEqualTo("Probing");
        assertThat(StatusBuilders.healthy(4L, 3L, health(Health.HEALTHY, null, 4, 3, null)).getReason())
                .as("healthy to routing, but most calls fail").isEqualTo("UpstreamFailing");
        assertThat(StatusBuilders.healthy(4L, 1L, null).getStatus()).isEqualTo("True");
    }

    @Test
    void aChangeOfStateIsWrittenAtOnceDriftingFiguresWaitForTheBudget() {
        AtomicLong nanos = new AtomicLong();
        StatusWriteBudget budget = new StatusWriteBudget(1, nanos::get);
        LlmModel m = model("team", "m", "m", "mock");
        m.setStatus(status(health(Health.HEALTHY, null, 10, 0, 100L), 10));
        budget.urgent("models", io.javaoperatorsdk.operator.processing.event.ResourceID.fromResource(m)); // spends the burst

        // latency and error rate drift, usage moves: figures only, held (status keeps what it had)
        LlmModelStatus drift = status(health(Health.HEALTHY, null, 12, 1, 180L), 12);
        UpdateControl<LlmModel> held = StatusPatch.ifChanged(m, copy(drift), budget, "models", StatusBuilders::keepModelFigures);
        assertThat(held.isNoUpdate()).isTrue();
        assertThat(m.getStatus().getHealth().getLatencyMillis()).isEqualTo(100);
        assertThat(budget.backlog()).as("queued for a token").isEqualTo(1);

        // the deployment cools down: written at once, although no token is left, with the figures of the moment
        long urgentBefore = budget.urgentWrites();
        LlmModelStatus cooled = status(health(Health.COOLING_DOWN, "2026-12-05T06:01:00Z", 13, 3, 200L), 13);
        UpdateControl<LlmModel> now = StatusPatch.ifChanged(m, copy(cooled), budget, "models", StatusBuilders::keepModelFigures);
        assertThat(now.isPatchStatus()).isTrue();
        assertThat(budget.urgentWrites()).isEqualTo(urgentBefore + 1);
        assertThat(m.getStatus().getHealth().getState()).isEqualTo("CoolingDown");
        assertThat(m.getStatus().getHealth().getCoolingDownUntil()).isEqualTo("2026-12-05T06:01:00Z");
        assertThat(m.getStatus().condition("Healthy").orElseThrow().getReason()).isEqualTo("CoolingDown");

        // still cooling down, the cooldown extended and figures moved: figures, held
        LlmModelStatus extended = status(health(Health.COOLING_DOWN, "2026-12-05T06:02:00Z", 14, 4, 210L), 14);
        assertThat(StatusPatch.ifChanged(m, copy(extended), budget, "models", StatusBuilders::keepModelFigures).isNoUpdate())
                .isTrue();
        assertThat(m.getStatus().getHealth().getCoolingDownUntil()).isEqualTo("2026-12-05T06:01:00Z");

        // healthy again: at once
        LlmModelStatus recovered = status(health(Health.HEALTHY, null, 20, 0, 90L), 20);
        assertThat(StatusPatch.ifChanged(m, copy(recovered), budget, "models", StatusBuilders::keepModelFigures).isPatchStatus())
                .isTrue();
        assertThat(m.getStatus().getHealth().getState()).isEqualTo("Healthy");

        // a deployment first seen healthy is a figure like any other; first seen cooling down is news
        LlmModel fresh = model("team", "n", "n", "mock");
        fresh.setStatus(status(null, 0));
        assertThat(StatusPatch.ifChanged(fresh, copy(status(health(Health.HEALTHY, null, 1, 0, 50L), 0)), budget, "models",
                StatusBuilders::keepModelFigures).isNoUpdate()).isTrue();
        assertThat(StatusPatch.ifChanged(fresh, copy(status(health(Health.COOLING_DOWN, "2026-12-05T06:01:00Z", 1, 1, 50L), 0)),
                budget, "models", StatusBuilders::keepModelFigures).isPatchStatus()).isTrue();
    }
}
