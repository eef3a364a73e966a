package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentAutoscaling;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code <gw>}, an autoscaling/v2 HorizontalPodAutoscaler, while {@code spec.autoscaling} is set; JOSDK deletes it
 * when the block goes (the precondition turns false).
 *
 * <p>It scales the gateway's Deployment, not the GatewayDeployment's scale subresource: the Deployment's replicas
 * then have one writer, the autoscaler ({@link GatewayDeploymentDependent#replicas} keeps the live value), while
 * {@code GatewayDeployment.spec.replicas} stays the user's. Aimed at the scale subresource, the autoscaler would write
 * {@code spec.replicas} of an object a GitOps tool (Argo CD, Flux) applies from Git, and each sync would put the
 * committed value back: the two would fight. It also keeps scaling while the operator is down.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class GatewayAutoscalerDependent extends CRUDKubernetesDependentResource<HorizontalPodAutoscaler, GatewayDeployment> {
    public GatewayAutoscalerDependent() {
        super(HorizontalPodAutoscaler.class);
    }

    @Override
    protected HorizontalPodAutoscaler desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        // JOSDK also calls desired() to find the object to delete once spec.autoscaling is gone: only its name matters then
        GatewayDeploymentAutoscaling a = gw.getSpec().getAutoscaling() != null ? gw.getSpec().getAutoscaling()
                : new GatewayDeploymentAutoscaling();
        List<MetricSpec> metrics = new ArrayList<>();
        metrics.add(utilization("cpu", a.getTargetCPUUtilizationPercentage() == null ? 70 : a.getTargetCPUUtilizationPercentage()));
        if (a.getTargetMemoryUtilizationPercentage() != null) {
            metrics.add(utilization("memory", a.getTargetMemoryUtilizationPercentage()));
        }
        return new HorizontalPodAutoscalerBuilder()
                .withNewMetadata().withName(Names.autoscaler(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw)).endMetadata()
                .withNewSpec()
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName(Names.deployment(gw))
                .endScaleTargetRef()
                .withMinReplicas(a.getMinReplicas() == null ? 1 : a.getMinReplicas())
                .withMaxReplicas(a.getMaxReplicas() == null ? 1 : a.getMaxReplicas())
                .withMetrics(metrics)
                .endSpec()
                .build();
    }

    private static MetricSpec utilization(String resource, int percent) {
        return new MetricSpecBuilder().withType("Resource").withNewResource().withName(resource)
                .withNewTarget().withType("Utilization").withAverageUtilization(percent).endTarget()
                .endResource().build();
    }

    /** Only while {@code spec.autoscaling} is set. */
    public static class Enabled implements Condition<HorizontalPodAutoscaler, GatewayDeployment> {
        @Override
        public boolean isMet(DependentResource<HorizontalPodAutoscaler, GatewayDeployment> dependent, GatewayDeployment gw,
                Context<GatewayDeployment> ctx) {
            return gw.getSpec() != null && gw.getSpec().getAutoscaling() != null;
        }
    }
}
