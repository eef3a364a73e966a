package dev.tollgate.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.Condition;
import dev.tollgate.api.v1alpha1.LogSink;
import dev.tollgate.api.v1alpha1.LogSinkStatus;
import dev.tollgate.api.v1alpha1.SinkSpec;
import dev.tollgate.config.Problem;
import dev.tollgate.operator.RenderedGateways;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A LogSink's status from the gateways' verdict (StatusBuilders.logSink), as a pure function. */
class LogSinkStatusTest {
    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

    private static LogSink sink() {
        LogSink s = new LogSink();
        s.setMetadata(Fixtures.meta("team", "audit"));
        s.getMetadata().setGeneration(3L);
        s.setSpec(new SinkSpec());
        return s;
    }

    private static Condition ready(LogSinkStatus s) {
        return s.condition("Ready").orElseThrow();
    }

    @Test
    void sendingWhenAGatewayRendersIt() {
        LogSinkStatus s = StatusBuilders.logSink(sink(), new RenderedGateways.Admission(List.of("ops/a", "ops/b"),
                Optional.empty(), true), NOW);
        assertThat(ready(s).getStatus()).isEqualTo("True");
        assertThat(ready(s).getReason()).isEqualTo("Sending");
        assertThat(ready(s).getMessage()).contains("ops/a, ops/b");
        assertThat(s.getGateways()).containsExactly("ops/a", "ops/b");
        assertThat(s.getObservedGeneration()).isEqualTo(3L);
        assertThat(ready(s).getLastTransitionTime()).isEqualTo(NOW.toString());
    }

    @Test
    void theRendersProblemOrNoGateway() {
        Problem p = new Problem("LogSink", "team", "audit", "InvalidRedactPattern", "gateway ops/a: spec.redact[0] …");
        LogSinkStatus s = StatusBuilders.logSink(sink(), new RenderedGateways.Admission(List.of(), Optional.of(p), true), NOW);
        assertThat(ready(s).getStatus()).isEqualTo("False");
        assertThat(ready(s).getReason()).isEqualTo("InvalidRedactPattern");
        assertThat(s.getGateways()).isNull();

        s = StatusBuilders.logSink(sink(), new RenderedGateways.Admission(List.of(), Optional.empty(), true), NOW);
        assertThat(ready(s).getReason()).isEqualTo("NoGateway");
        assertThat(ready(s).getMessage()).contains("namespace team");
        assertThat(s.condition("Stalled").orElseThrow().getStatus()).isEqualTo("True");

        s = StatusBuilders.logSink(sink(), new RenderedGateways.Admission(List.of(), Optional.empty(), false), NOW);
        assertThat(ready(s).getReason()).as("not every gateway rendered it yet").isEqualTo("WaitingForGateway");
    }
}
