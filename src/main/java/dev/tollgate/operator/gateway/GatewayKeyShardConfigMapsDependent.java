package dev.tollgate.operator.gateway;

import dev.tollgate.config.KeyShards;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** {@code <gw>-keys-<i>}: the keys' policies of a gateway with too many keys for one ConfigMap (see {@link KeyShards}). */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR + "," + Names.KEY_SHARD_LABEL))
public class GatewayKeyShardConfigMapsDependent extends GatewayKeyShardDependent<ConfigMap> {
    public GatewayKeyShardConfigMapsDependent() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap shard(ObjectMeta meta, KeyShards.Shard shard) {
        return new ConfigMapBuilder().withMetadata(meta).addToData(KeyShards.FILE, shard.configJson()).build();
    }
}
