package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TerminationTest {
    static GatewayConfig.Model model(String id, long timeoutMillis) {
        return new GatewayConfig.Model("ns/" + id, id, "mock", id, null, null, null, null, null, null, null, 1,
                timeoutMillis, null, null, "reject", null);
    }

    @Test
    void byDefaultTheGracePeriodCoversTenMinutesOfStreamThenTheHandOver() {
        Termination t = Termination.of(null, List.of(model("a", 600_000)), 10);
        assertThat(t.drainMillis()).isEqualTo(600_000);
        assertThat(t.preStopSeconds()).isEqualTo(10);
        assertThat(t.gracePeriodSeconds()).isEqualTo(10 + 600 + 12 + 5);
    }

    @Test
    void modelsAtOrBelowTheFloorDoNotChangeIt() {
        // a model's timeout bounds the wait between two bytes, not a whole answer: short timeouts do not shorten it,
        // and adding, removing or editing such models never changes the pod template
        Termination none = Termination.of(null, List.of(), 10);
        assertThat(Termination.of(null, List.of(model("a", 30_000)), 10)).isEqualTo(none);
        assertThat(Termination.of(null, List.of(model("a", 30_000), model("b", 600_000)), 10)).isEqualTo(none);
    }

    @Test
    void theLongestModelTimeoutAboveTheFloorSetsTheDrain() {
        Termination t = Termination.of(null, List.of(model("a", 60_000), model("slow", 900_500)), 10);
        assertThat(t.drainMillis()).isEqualTo(900_500);
        assertThat(t.gracePeriodSeconds()).as("seconds rounded up").isEqualTo(10 + 901 + 12 + 5);
        assertThat(t.gracePeriodSeconds() * 1000).isGreaterThanOrEqualTo(t.preStopSeconds() * 1000L + 900_500
                + Termination.HANDOVER_MILLIS);
    }

    @Test
    void aDerivedDrainStopsAtAnHour() {
        Termination t = Termination.of(null, List.of(model("day", 86_400_000)), 10);
        assertThat(t.drainMillis()).isEqualTo(3_600_000);
        assertThat(t.gracePeriodSeconds()).isEqualTo(10 + 3600 + 12 + 5);
    }

    @Test
    void anOverrideIsTakenAsIsAndTheDrainGetsWhatIsLeft() {
        Termination t = Termination.of(120, List.of(model("slow", 900_000)), 10);
        assertThat(t.gracePeriodSeconds()).isEqualTo(120);
        assertThat(t.preStopSeconds()).isEqualTo(10);
        assertThat(t.drainMillis()).isEqualTo((120 - 10 - 12 - 5) * 1000L);
    }

    @Test
    void aShortOverrideShortensThePreStopAndLeavesNoDrain() {
        Termination t = Termination.of(30, List.of(), 20);
        assertThat(t.gracePeriodSeconds()).isEqualTo(30);
        assertThat(t.preStopSeconds()).isEqualTo(13);
        assertThat(t.drainMillis()).isZero();
        Termination tiny = Termination.of(10, List.of(), 10);
        assertThat(tiny.preStopSeconds()).as("the sleep action needs at least a second").isEqualTo(1);
        assertThat(tiny.drainMillis()).isZero();
    }

    @Test
    void theHandOverDefaultIsTheGatewaysConfigDefault() {
        assertThat(Termination.HANDOVER_MILLIS_DEFAULT).isEqualTo("12000");
    }
}
