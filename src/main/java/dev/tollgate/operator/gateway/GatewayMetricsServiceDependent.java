package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * {@code <gw>-metrics}: the gateway pods' management port (Prometheus metrics on {@code /q/metrics}, the usage
 * report the operator reads pod by pod), always ClusterIP whatever {@code spec.serviceType} says, with its port named
 * {@code metrics} for a ServiceMonitor. Labelled like the gateway's other objects plus
 * {@code app.kubernetes.io/component=metrics}, so a ServiceMonitor can select it alone.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class GatewayMetricsServiceDependent extends CRUDKubernetesDependentResource<Service, GatewayDeployment> {
    public GatewayMetricsServiceDependent() {
        super(Service.class);
    }

    @Override
    protected Service desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        return new ServiceBuilder()
                .withNewMetadata().withName(Names.metricsService(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw)).addToLabels("app.kubernetes.io/component", "metrics").endMetadata()
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(Names.selectorLabels(gw))
                .addNewPort().withName(Names.METRICS_PORT_NAME).withProtocol("TCP").withPort(Names.MANAGEMENT_PORT)
                .withTargetPort(new IntOrString(Names.METRICS_PORT_NAME)).endPort()
                .endSpec()
                .build();
    }
}
