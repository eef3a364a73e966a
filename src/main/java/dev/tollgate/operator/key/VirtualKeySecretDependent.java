package dev.tollgate.operator.key;

import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.Checks;
import dev.tollgate.config.Keys;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import dev.tollgate.api.v1alpha1.Api;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The Secret holding a generated key. A Creator but not an Updater: it is written once and never regenerated
 * by a reconcile. Owned by the VirtualKey, so Kubernetes deletes it with the key. To rotate, delete the Secret.
 *
 * <p>Deliberately not a Deleter, and watched through its own informer (owned key Secrets only): JOSDK deletes
 * a Deleter's secondary when its precondition turns false, and a shared informer would have made a user's
 * bring-your-own Secret look like ours.
 */
// Existence only: this dependent never reads a key back (the reconciler reads it through input-secrets).
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR + "," + Api.SECRET_LABEL + "=key",
        itemStore = dev.tollgate.operator.SlimStore.ExistenceOnly.class))
public class VirtualKeySecretDependent extends KubernetesDependentResource<Secret, VirtualKey>
        implements Creator<Secret, VirtualKey> {

    public VirtualKeySecretDependent() {
        super(Secret.class);
    }

    @Override
    protected boolean addOwnerReference() {
        return true;
    }

    /** Where create() leaves the Secret it created, for this reconcile's reconciler (see {@link #justCreated}). */
    private static final String CREATED = "tollgate.created-key-secret";

    /**
     * Also hands the created Secret to this reconcile's reconciler: the input-secrets informer that it reads keys
     * from has usually not seen the Secret yet, so the key's first status would say KeySecretNotFound and the
     * Secret's watch event would fix it a moment later, two status patches per new key. Kept in the reconcile's
     * own context only, never logged.
     */
    @Override
    public Secret create(Secret desired, VirtualKey vk, Context<VirtualKey> ctx) {
        Secret created;
        try {
            created = super.create(desired, vk, ctx);
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            // A reconcile that runs before this dependent's informer has seen the Secret an earlier reconcile created
            // (a render's verdict wakes the key at once) finds it already there: it is this key's own, so it is kept
            // (created once, never regenerated). A Secret of that name owned by anyone else is still an error.
            Secret existing = e.getCode() != 409 ? null : ctx.getClient().secrets()
                    .inNamespace(desired.getMetadata().getNamespace()).withName(desired.getMetadata().getName()).get();
            if (existing == null || existing.getMetadata().getOwnerReferences() == null || existing.getMetadata()
                    .getOwnerReferences().stream().noneMatch(o -> vk.getMetadata().getUid().equals(o.getUid()))) {
                throw e;
            }
            created = existing;
        }
        ctx.managedWorkflowAndDependentResourceContext().put(CREATED, created);
        return created;
    }

    /** The key Secret this reconcile's workflow just created, if it created one. */
    public static java.util.Optional<Secret> justCreated(Context<VirtualKey> ctx) {
        return ctx.managedWorkflowAndDependentResourceContext().get(CREATED, Secret.class);
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
