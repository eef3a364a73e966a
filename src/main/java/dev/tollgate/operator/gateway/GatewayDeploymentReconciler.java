package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentStatus;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LogSink;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.operator.Caches;
import dev.tollgate.operator.status.Conditions;
import dev.tollgate.operator.status.StatusBuilders;
import dev.tollgate.operator.status.StatusPatch;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * GatewayDeployment -> ConfigMap, Secret, ServiceAccount, Role, RoleBinding, Deployment, Service (LLM API),
 * Service {@code <gw>-metrics} (management port, cluster-internal), the budgets' spend handed back to the pods
 * (ConfigMap {@code <gw>-spend}), and when the spec asks: HorizontalPodAutoscaler, PodDisruptionBudget and
 * NetworkPolicy {@code <gw>}. Any change to
 * an LlmModel, VirtualKey, Budget, LogSink, Prompt, labelled Secret or Namespace re-renders every gateway from the informer
 * caches: gateways are few, and the renderer applies each gateway's selections itself. Deletions need no
 * finalizer: a deleted VirtualKey leaves the cache, and the next render (triggered by that very event) drops it.
 */
@Workflow(dependents = {
        // Shards before the config that names them, so a gateway reading a new config finds its shards there.
        @Dependent(name = "key-shards", type = GatewayKeyShardConfigMapsDependent.class),
        @Dependent(name = "key-shard-secrets", type = GatewayKeyShardSecretsDependent.class),
        @Dependent(name = "config", type = GatewayConfigMapDependent.class,
                dependsOn = {"key-shards", "key-shard-secrets", "role"}),
        @Dependent(name = "secrets", type = GatewaySecretDependent.class,
                dependsOn = {"key-shards", "key-shard-secrets", "role"}),
        @Dependent(name = "serviceaccount", type = GatewayServiceAccountDependent.class),
        @Dependent(name = "role", type = GatewayRoleDependent.class),
        @Dependent(name = "rolebinding", type = GatewayRoleBindingDependent.class, dependsOn = {"role", "serviceaccount"}),
        @Dependent(name = "deployment", type = GatewayDeploymentDependent.class,
                dependsOn = {"config", "secrets", "rolebinding"}),
        @Dependent(name = "service", type = GatewayServiceDependent.class),
        @Dependent(name = "metrics-service", type = GatewayMetricsServiceDependent.class),
        @Dependent(name = "spend", type = GatewaySpendConfigMapDependent.class),
        // Optional objects: JOSDK deletes each one when its precondition turns false (hence "delete" in the RBAC).
        @Dependent(name = "autoscaler", type = GatewayAutoscalerDependent.class,
                reconcilePrecondition = GatewayAutoscalerDependent.Enabled.class),
        @Dependent(name = "disruption-budget", type = GatewayDisruptionBudgetDependent.class,
                reconcilePrecondition = GatewayDisruptionBudgetDependent.MoreThanOnePod.class),
        @Dependent(name = "network-policy", type = GatewayNetworkPolicyDependent.class,
                reconcilePrecondition = GatewayNetworkPolicyDependent.Enabled.class)
})
@ControllerConfiguration(name = "gatewaydeployment")
public class GatewayDeploymentReconciler implements Reconciler<GatewayDeployment> {
    private final Clock clock;
    private final io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource<GatewayDeployment> usageChanged =
            new io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource<>("usage");
    @jakarta.inject.Inject
    dev.tollgate.operator.usage.UsageScraper usage;
    @jakarta.inject.Inject
    dev.tollgate.operator.RenderedGateways rendered;
    @jakarta.inject.Inject
    dev.tollgate.operator.usage.StatusWriteBudget writes;
    @jakarta.inject.Inject
    dev.tollgate.operator.usage.ServedIds served;

    public GatewayDeploymentReconciler() {
        this(Clock.systemUTC());
    }

    GatewayDeploymentReconciler(Clock clock) {
        this.clock = clock;
    }

    @jakarta.inject.Inject
    dev.tollgate.operator.OperatorMetrics metrics;

    @Override
    public List<EventSource<?, GatewayDeployment>> prepareEventSources(EventSourceContext<GatewayDeployment> ctx) {
        if (metrics != null) {
            metrics.watch(GatewayDeployment.class, () -> ctx.getPrimaryCache().list());
        }
        if (usage != null) {
            usage.onChange("gateways", usageChanged::propagateEvent);
            usage.onChange("budgets", b -> GatewaySpendConfigMapDependent.gatewaysEnforcing(b).stream() // spend to hand back
                    .filter(g -> ctx.getPrimaryCache().get(g).isPresent()).forEach(usageChanged::propagateEvent));
        }
        if (writes != null) {
            writes.onGrant("gateways", usageChanged::propagateEvent);
        }
        if (rendered != null) {
            RenderSupport.listener = (gw, render, seen) -> rendered.update(dev.tollgate.config.Renderer.id(gw), render, seen);
        }
        return List.of(usageChanged,
                Caches.mappedToAll(LlmModel.class, ctx),
                Caches.mappedToAll(VirtualKey.class, ctx),
                Caches.mappedToAll(Budget.class, ctx),
                Caches.mappedToAll(LogSink.class, ctx), // a team's sink changes what its namespace's gateways render
                Caches.mappedToAll(dev.tollgate.api.v1alpha1.Prompt.class, ctx), // so does a team's Prompt
                Caches.mappedToAll(Namespace.class, ctx),
                Caches.inputSecrets(ctx, s -> ctx.getPrimaryCache().list().map(ResourceID::fromResource).collect(Collectors.toSet())));
    }

    @Override
    public UpdateControl<GatewayDeployment> reconcile(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        var render = RenderSupport.render(gw, ctx); // recorded in RenderedGateways as it was made
        Deployment deployment = ctx.getSecondaryResource(Deployment.class).orElse(null);
        if (served != null) {
            // what the usage scraper may accept from this gateway's pods: its Deployment and the ids it serves now
            served.update(gw, deployment, render);
            served.retainGateways(ctx.getPrimaryCache().list().map(g -> g.getMetadata().getNamespace() + "/"
                    + g.getMetadata().getName()).toList());
        }
        GatewayDeploymentStatus status = StatusBuilders.gateway(gw, render, deployment, clock.instant());
        dev.tollgate.operator.usage.UsageScraper.Settled settled = null;
        if (usage != null) {
            String ns = gw.getMetadata().getNamespace();
            String name = gw.getMetadata().getName();
            var existing = gw.getStatus() == null ? null : gw.getStatus().getUsage();
            settled = usage.settle("gateways", ns + "/" + name, usage.gatewayShares(ns, name));
            status.setUsage(dev.tollgate.operator.usage.UsageMerge.stamp(existing, dev.tollgate.operator.usage.UsageMerge.merge(
                    existing, settled.live(), settled.finals(), usage::ended, null, null, null), clock.instant()));
            var served = usage.servedConfigs(ns, name);
            status.setServedConfigs(served.isEmpty() ? null : served);
        }
        var control = StatusPatch.ifChanged(gw, status, writes, "gateways", (old, held) -> held.setUsage(old.getUsage()));
        if (settled != null && control.isPatchStatus()) {
            usage.folded("gateways", dev.tollgate.config.Renderer.id(gw), settled.foldedIn(status.getUsage()));
        }
        GatewaySpendConfigMapDependent.pending(ctx).ifPresent(control::rescheduleAfter); // a spend change waiting for its interval
        return control;
    }

    @Override
    public ErrorStatusUpdateControl<GatewayDeployment> updateErrorStatus(GatewayDeployment gw, Context<GatewayDeployment> ctx,
            Exception e) {
        GatewayDeploymentStatus s = Optional.ofNullable(gw.getStatus()).orElseGet(GatewayDeploymentStatus::new);
        s.setConditions(Conditions.merge(s.getConditions(), List.of(
                Conditions.of(StatusBuilders.READY, false, "ReconcileFailed", StatusPatch.describe(e))),
                gw.getMetadata().getGeneration(), clock.instant()));
        gw.setStatus(s);
        return ErrorStatusUpdateControl.patchStatus(gw);
    }
}
