package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.config.KeyShards;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.BulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code <gw>-keys-<i>}: the key hashes of a gateway with too many keys for one Secret (see
 * {@link KeyShards}). Created and updated, never deleted by the operator (not a Deleter: the shard count never
 * shrinks); they go with the GatewayDeployment through their owner reference.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR + "," + Names.KEY_SHARD_LABEL))
public class GatewayKeyShardSecretsDependent extends KubernetesDependentResource<Secret, GatewayDeployment>
        implements Creator<Secret, GatewayDeployment>, Updater<Secret, GatewayDeployment>,
        BulkDependentResource<Secret, GatewayDeployment, ResourceID> {

    public GatewayKeyShardSecretsDependent() {
        super(Secret.class);
    }

    @Override
    protected boolean addOwnerReference() {
        return true;
    }

    @Override
    public Map<ResourceID, Secret> desiredResources(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        Map<ResourceID, Secret> out = new TreeMap<>(java.util.Comparator.comparing(ResourceID::getName));
        for (KeyShards.Shard s : RenderSupport.packed(gw, ctx).shards()) {
            String name = Names.keyShard(gw, s.index());
            Map<String, String> labels = new TreeMap<>(Names.gatewayLabels(gw));
            labels.put(Names.KEY_SHARD_LABEL, Integer.toString(s.index()));
            out.put(new ResourceID(name, gw.getMetadata().getNamespace()), new SecretBuilder()
                    .withNewMetadata().withName(name).withNamespace(gw.getMetadata().getNamespace()).withLabels(labels)
                    .addToAnnotations(Names.CONFIG_HASH_ANNOTATION, s.hash()).endMetadata()
                    .withType("Opaque")
                    .addToData(KeyShards.FILE, java.util.Base64.getEncoder().encodeToString(
                            s.secretsJson().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .build());
        }
        return out;
    }

    @Override
    public Map<ResourceID, Secret> getSecondaryResources(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        // Straight from this informer's cache, by name: the shards are found whether or not JOSDK indexes
        // them by owner (it would look them up by the primary's own name otherwise).
        String prefix = Names.keyShard(gw, 0).replaceFirst("0$", "");
        return eventSource().orElseThrow().list(gw.getMetadata().getNamespace(), r -> r.getMetadata().getName().startsWith(prefix)
                        && r.getMetadata().getLabels() != null && r.getMetadata().getLabels().containsKey(Names.KEY_SHARD_LABEL))
                .collect(Collectors.toMap(ResourceID::fromResource, r -> r, (a, b) -> a));
    }
}
