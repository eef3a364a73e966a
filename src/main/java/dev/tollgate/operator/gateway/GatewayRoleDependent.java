package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** Read access to exactly the gateway's own ConfigMap and Secret, by name (for the live-reload watch). */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class GatewayRoleDependent extends CRUDKubernetesDependentResource<Role, GatewayDeployment> {
    public GatewayRoleDependent() {
        super(Role.class);
    }

    @Override
    protected Role desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        return new RoleBuilder()
                .withNewMetadata().withName(Names.role(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw)).endMetadata()
                .addToRules(new PolicyRuleBuilder().withApiGroups("").withResources("configmaps")
                        .withResourceNames(Names.configMap(gw)).withVerbs("get", "list", "watch").build())
                .addToRules(new PolicyRuleBuilder().withApiGroups("").withResources("secrets")
                        .withResourceNames(Names.secret(gw)).withVerbs("get", "list", "watch").build())
                .build();
    }
}
