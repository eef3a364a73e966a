package dev.tollgate.operator.model;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.config.Checks;
import dev.tollgate.config.Problem;
import dev.tollgate.config.Renderer;
import dev.tollgate.config.Result;
import dev.tollgate.config.Selectors;
import dev.tollgate.operator.Caches;
import dev.tollgate.operator.status.StatusBuilders;
import dev.tollgate.operator.status.StatusPatch;
import io.fabric8.kubernetes.api.model.Namespace;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** LlmModel status: whether it can be served (provider, credentials, pricing) and which gateways serve it. */
@ControllerConfiguration(name = "llmmodel")
public class LlmModelReconciler implements Reconciler<LlmModel> {
    private final Clock clock = Clock.systemUTC();
    private final io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource<LlmModel> usageChanged =
            new io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource<>("usage");
    @jakarta.inject.Inject
    dev.tollgate.operator.usage.UsageScraper usage;
    @jakarta.inject.Inject
    dev.tollgate.operator.RenderedGateways rendered;
    @jakarta.inject.Inject
    dev.tollgate.operator.usage.StatusWriteBudget writes;

    @jakarta.inject.Inject
    dev.tollgate.operator.OperatorMetrics metrics;

    @Override
    public List<EventSource<?, LlmModel>> prepareEventSources(EventSourceContext<LlmModel> ctx) {
        if (metrics != null) {
            metrics.watch(LlmModel.class, () -> ctx.getPrimaryCache().list());
        }
        if (usage != null) {
            usage.onChange("models", usageChanged::propagateEvent);
        }
        if (rendered != null) {
            rendered.onChange(dev.tollgate.operator.RenderedGateways.MODEL, usageChanged::propagateEvent);
        }
        if (writes != null) {
            writes.onGrant("models", usageChanged::propagateEvent);
        }
        return List.of(usageChanged,
                Caches.credentialSecrets(ctx, s -> Caches.referencing(s, ctx, m -> m.getSpec() == null
                        || m.getSpec().getCredentialsSecretRef() == null ? List.of()
                        : List.of(m.getSpec().getCredentialsSecretRef().getName()))),
                Caches.mappedToAll(GatewayDeployment.class, ctx),
                Caches.mappedToAll(Namespace.class, ctx));
    }

    @Override
    public UpdateControl<LlmModel> reconcile(LlmModel m, Context<LlmModel> ctx) {
        Optional<Problem> problem = Stream.<Result<?>>of(Checks.provider(m), Checks.credential(m, Caches.secretLookup(ctx)),
                Checks.settings(m), Checks.prices(m), Checks.timeoutMillis(m), Checks.routing(m)).filter(r -> !r.ok())
                .map(Result::problem).findFirst();
        var nsLabels = Caches.namespaceLabels(ctx);
        List<String> gateways = Caches.all(ctx, GatewayDeployment.class).stream()
                .filter(gw -> Selectors.admits(gw.getSpec() == null ? null : gw.getSpec().getModels(),
                        gw.getMetadata().getNamespace(), m.getMetadata().getNamespace(), m.getMetadata().getLabels(), nsLabels))
                .map(Renderer::id).sorted().toList();
        String id = m.getMetadata().getNamespace() + "/" + m.getMetadata().getName();
        var admission = rendered == null ? null : rendered.admission(dev.tollgate.operator.RenderedGateways.MODEL, id,
                m.getMetadata().getGeneration() == null ? 0 : m.getMetadata().getGeneration(),
                Caches.all(ctx, GatewayDeployment.class).stream().map(Renderer::id).toList());
        if (admission != null) {
            // until the gateways rendered this generation (an operator restart), the list status has stands
            boolean same = m.getStatus() != null && java.util.Objects.equals(m.getStatus().getObservedGeneration(),
                    m.getMetadata().getGeneration()) && m.getStatus().getGateways() != null;
            gateways = admission.known() || !same ? admission.servedBy() : m.getStatus().getGateways();
        }
        var existing = m.getStatus() == null ? null : m.getStatus().getUsage();
        var settled = usage == null ? null : usage.settle("models", id, usage.shares("models", id));
        var merged = usage == null ? existing : dev.tollgate.operator.usage.UsageMerge.merge(existing, settled.live(),
                settled.finals(), usage::ended, null, usage.inUse("models", id, "rpm"), usage.inUse("models", id, "tpm"));
        merged = dev.tollgate.operator.usage.UsageMerge.stamp(existing, merged, clock.instant());
        var status = StatusBuilders.model(m, problem, gateways, merged, admission, clock.instant());
        if (usage != null) {
            var replicas = usage.health(id);
            var health = StatusBuilders.health(dev.tollgate.config.HealthMerge.merge(replicas), replicas != null,
                    m.getStatus() == null ? null : m.getStatus().getHealth());
            status.setHealth(health);
            var conditions = new java.util.ArrayList<>(status.getConditions());
            conditions.addAll(dev.tollgate.operator.status.Conditions.merge(m.getStatus() == null ? null : m.getStatus().getConditions(),
                    List.of(StatusBuilders.healthy(usage.inUse("models", id, "rpm"), usage.inUse("models", id, "upstreamFailures"),
                            health)),
                    m.getMetadata().getGeneration() == null ? 0 : m.getMetadata().getGeneration(), clock.instant()));
            status.setConditions(conditions);
        }
        var control = StatusPatch.ifChanged(m, status, writes, "models", StatusBuilders::keepModelFigures);
        if (settled != null && control.isPatchStatus()) {
            usage.folded("models", id, settled.foldedIn(merged));
        }
        return control;
    }
}
