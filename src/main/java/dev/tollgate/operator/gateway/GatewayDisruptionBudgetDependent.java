package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentSpec;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * {@code <gw>}, a PodDisruptionBudget allowing one gateway pod down at a time (maxUnavailable 1), so a node drain or
 * cluster upgrade never takes every pod at once. It exists only when the gateway may run more than one pod
 * ({@link MoreThanOnePod}); JOSDK deletes it when that turns false. {@code unhealthyPodEvictionPolicy: AlwaysAllow}
 * lets a drain evict a pod that is not ready anyway, so a crash-looping pod never blocks a node upgrade.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class GatewayDisruptionBudgetDependent extends CRUDKubernetesDependentResource<PodDisruptionBudget, GatewayDeployment> {
    public GatewayDisruptionBudgetDependent() {
        super(PodDisruptionBudget.class);
    }

    @Override
    protected PodDisruptionBudget desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        return new PodDisruptionBudgetBuilder()
                .withNewMetadata().withName(Names.disruptionBudget(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw)).endMetadata()
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(Names.selectorLabels(gw)).endSelector()
                .withUnhealthyPodEvictionPolicy("AlwaysAllow")
                .endSpec()
                .build();
    }

    /**
     * More than one pod may run: {@code spec.replicas > 1}, or with {@code spec.autoscaling} a maxReplicas above 1 (the
     * autoscaler may add pods at any time; maxUnavailable 1 never blocks a drain even when it is down to one pod).
     * At one pod the budget would protect nothing.
     */
    public static class MoreThanOnePod implements Condition<PodDisruptionBudget, GatewayDeployment> {
        @Override
        public boolean isMet(DependentResource<PodDisruptionBudget, GatewayDeployment> dependent, GatewayDeployment gw,
                Context<GatewayDeployment> ctx) {
            return mostPods(gw.getSpec()) > 1;
        }
    }

    /** The most pods the gateway may run: maxReplicas with autoscaling, else spec.replicas. */
    static int mostPods(GatewayDeploymentSpec spec) {
        if (spec == null) {
            return 1;
        }
        if (spec.getAutoscaling() != null && spec.getAutoscaling().getMaxReplicas() != null) {
            return spec.getAutoscaling().getMaxReplicas();
        }
        return spec.getReplicas() == null ? 1 : spec.getReplicas();
    }
}
