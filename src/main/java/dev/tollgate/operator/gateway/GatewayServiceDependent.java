package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentSpec;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.Map;

/**
 * {@code <gw>}: the LLM API and nothing else. Its type is the user's ({@code spec.serviceType}), so a LoadBalancer
 * exposes the API alone; the management port (usage report, metrics) is on {@link GatewayMetricsServiceDependent}.
 * {@code spec.service.annotations} land on it (a cloud load balancer's settings). With SSA off, JOSDK's updater adds
 * and updates annotations but keeps those it does not know, so one removed from the spec stays until removed by hand,
 * and those a cloud controller adds never cause an update.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class GatewayServiceDependent extends CRUDKubernetesDependentResource<Service, GatewayDeployment> {
    public GatewayServiceDependent() {
        super(Service.class);
    }

    @Override
    protected Service desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        GatewayDeploymentSpec spec = gw.getSpec();
        int port = spec.getPort() == null ? 4000 : spec.getPort();
        return new ServiceBuilder()
                .withNewMetadata().withName(Names.service(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw))
                .withAnnotations(spec.getService() == null || spec.getService().getAnnotations() == null ? Map.of()
                        : spec.getService().getAnnotations()).endMetadata()
                .withNewSpec()
                .withType((spec.getServiceType() == null ? GatewayDeploymentSpec.ServiceType.ClusterIP : spec.getServiceType()).name())
                .withSelector(Names.selectorLabels(gw))
                .addNewPort().withName("http").withProtocol("TCP").withPort(port).withTargetPort(new IntOrString("http")).endPort()
                .endSpec()
                .build();
    }
}
