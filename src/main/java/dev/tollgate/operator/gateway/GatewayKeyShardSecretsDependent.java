package dev.tollgate.operator.gateway;

import dev.tollgate.config.KeyShards;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** {@code <gw>-keys-<i>}: the key hashes of a gateway with too many keys for one Secret (see {@link KeyShards}). */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR + "," + Names.KEY_SHARD_LABEL))
public class GatewayKeyShardSecretsDependent extends GatewayKeyShardDependent<Secret> {
    public GatewayKeyShardSecretsDependent() {
        super(Secret.class);
    }

    @Override
    protected Secret shard(ObjectMeta meta, KeyShards.Shard shard) {
        return new SecretBuilder().withMetadata(meta).withType("Opaque").addToData(KeyShards.FILE,
                Base64.getEncoder().encodeToString(shard.secretsJson().getBytes(StandardCharsets.UTF_8))).build();
    }
}
