package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** {@code <gw>-config}: the rendered routing config (its keys in shards when too many, see KeyShards). No secrets. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class GatewayConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, GatewayDeployment> {
    public GatewayConfigMapDependent() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        var render = RenderSupport.render(gw, ctx);
        return new ConfigMapBuilder()
                .withNewMetadata().withName(Names.configMap(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw))
                .addToAnnotations(Names.CONFIG_HASH_ANNOTATION, render.configHash()).endMetadata()
                .addToData(Names.CONFIG_FILE, RenderSupport.packed(gw, ctx).configJson())
                .build();
    }
}
