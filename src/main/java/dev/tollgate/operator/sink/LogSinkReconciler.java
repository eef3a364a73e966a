package dev.tollgate.operator.sink;

import dev.tollgate.api.v1alpha1.LogSink;
import dev.tollgate.api.v1alpha1.LogSinkStatus;
import dev.tollgate.operator.Caches;
import dev.tollgate.operator.RenderedGateways;
import dev.tollgate.operator.status.Conditions;
import dev.tollgate.operator.status.StatusBuilders;
import dev.tollgate.operator.status.StatusPatch;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * A team's LogSink status: whether the gateways serving its namespace send it their calls ({@code status.gateways}),
 * or why not, as the gateways' renders judged it ({@link RenderedGateways}). The sink itself is rendered by the
 * GatewayDeployment controller (which watches LogSinks); this controller only writes status, and only when it changed.
 */
@ControllerConfiguration(name = "logsink")
public class LogSinkReconciler implements Reconciler<LogSink> {
    private final Clock clock;
    private final SimpleInboundEventSource<LogSink> verdictChanged = new SimpleInboundEventSource<>("verdict");
    @jakarta.inject.Inject
    RenderedGateways rendered;

    public LogSinkReconciler() {
        this(Clock.systemUTC());
    }

    LogSinkReconciler(Clock clock) {
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, LogSink>> prepareEventSources(EventSourceContext<LogSink> ctx) {
        if (rendered != null) {
            rendered.onChange(RenderedGateways.LOG_SINK, verdictChanged::propagateEvent);
        }
        return List.of(verdictChanged, Caches.gateways(ctx, rendered, RenderedGateways.LOG_SINK));
    }

    @Override
    public UpdateControl<LogSink> reconcile(LogSink sink, Context<LogSink> ctx) {
        var admission = rendered == null ? null : rendered.admission(RenderedGateways.LOG_SINK,
                sink.getMetadata().getNamespace() + "/" + sink.getMetadata().getName(),
                sink.getMetadata().getGeneration() == null ? 0 : sink.getMetadata().getGeneration(), Caches.gatewayIds(ctx));
        return StatusPatch.ifChanged(sink, StatusBuilders.logSink(sink, admission, clock.instant()));
    }

    @Override
    public ErrorStatusUpdateControl<LogSink> updateErrorStatus(LogSink sink, Context<LogSink> ctx, Exception e) {
        LogSinkStatus s = Optional.ofNullable(sink.getStatus()).orElseGet(LogSinkStatus::new);
        s.setConditions(Conditions.merge(s.getConditions(), List.of(
                Conditions.of(StatusBuilders.READY, false, "ReconcileFailed", StatusPatch.describe(e))),
                sink.getMetadata().getGeneration(), clock.instant()));
        sink.setStatus(s);
        return ErrorStatusUpdateControl.patchStatus(sink);
    }
}
