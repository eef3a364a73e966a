package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class GatewayRoleBindingDependent extends CRUDKubernetesDependentResource<RoleBinding, GatewayDeployment> {
    public GatewayRoleBindingDependent() {
        super(RoleBinding.class);
    }

    @Override
    protected RoleBinding desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        return new RoleBindingBuilder()
                .withNewMetadata().withName(Names.role(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw)).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(Names.role(gw)).endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName(Names.serviceAccount(gw))
                .withNamespace(gw.getMetadata().getNamespace()).endSubject()
                .build();
    }
}
