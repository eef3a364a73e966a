package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The gateway pods' identity: may read its own ConfigMap and Secret, nothing else. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class GatewayServiceAccountDependent extends CRUDKubernetesDependentResource<ServiceAccount, GatewayDeployment> {
    public GatewayServiceAccountDependent() {
        super(ServiceAccount.class);
    }

    @Override
    protected ServiceAccount desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        return new ServiceAccountBuilder()
                .withNewMetadata().withName(Names.serviceAccount(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw)).endMetadata()
                .build();
    }
}
