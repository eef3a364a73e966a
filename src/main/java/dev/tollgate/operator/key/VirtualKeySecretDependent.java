package dev.tollgate.operator.key;

import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.Checks;
import dev.tollgate.config.Keys;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The Secret holding a generated key. A Creator but not an Updater: it is written once and never regenerated
 * by a reconcile. Owned by the VirtualKey, so it goes when the key does. To rotate, delete the Secret.
 */
public class VirtualKeySecretDependent extends KubernetesDependentResource<Secret, VirtualKey>
        implements Creator<Secret, VirtualKey>, GarbageCollected<VirtualKey> {

    public VirtualKeySecretDependent() {
        super(Secret.class);
    }

    @Override
    protected Secret desired(VirtualKey vk, Context<VirtualKey> ctx) {
        String key = Keys.generate();
        return new SecretBuilder()
                .withNewMetadata().withName(Checks.keySecretName(vk)).withNamespace(vk.getMetadata().getNamespace())
                .withLabels(Names.keySecretLabels(vk.getMetadata().getName())).endMetadata()
                .withType("Opaque")
                .addToData("key", Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)))
                .build();
    }
}
