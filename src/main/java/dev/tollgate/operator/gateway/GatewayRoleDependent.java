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
import java.util.List;

/**
 * Read access to exactly the gateway's own ConfigMap and Secret (and key shards), by name (for the live-reload watch),
 * and to the ConfigMap {@code <gw>-spend} the pods take the budgets' cluster-wide spend from.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class GatewayRoleDependent extends CRUDKubernetesDependentResource<Role, GatewayDeployment> {
    public GatewayRoleDependent() {
        super(Role.class);
    }

    @Override
    protected Role desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        RoleBuilder role = new RoleBuilder()
                .withNewMetadata().withName(Names.role(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw)).endMetadata()
                .addToRules(new PolicyRuleBuilder().withApiGroups("").withResources("configmaps")
                        .withResourceNames(Names.configMap(gw), Names.spendConfigMap(gw)).withVerbs("get", "list", "watch").build())
                .addToRules(new PolicyRuleBuilder().withApiGroups("").withResources("secrets")
                        .withResourceNames(Names.secret(gw)).withVerbs("get", "list", "watch").build());
        List<String> shards = RenderSupport.packed(gw, ctx).shards().stream().map(s -> Names.keyShard(gw, s.index())).toList();
        if (!shards.isEmpty()) {
            // Key shards: read by name (get) whenever the config names a new shard hash; no watch needed.
            role.addToRules(new PolicyRuleBuilder().withApiGroups("").withResources("configmaps", "secrets")
                    .withResourceNames(shards).withVerbs("get").build());
        }
        return role.build();
    }
}
