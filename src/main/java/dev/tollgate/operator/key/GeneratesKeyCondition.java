package dev.tollgate.operator.key;

import dev.tollgate.api.v1alpha1.VirtualKey;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Tollgate generates the key unless the VirtualKey brings its own (spec.existingSecret). */
public class GeneratesKeyCondition implements Condition<Secret, VirtualKey> {
    @Override
    public boolean isMet(DependentResource<Secret, VirtualKey> dependent, VirtualKey vk, Context<VirtualKey> ctx) {
        return vk.getSpec() == null || vk.getSpec().getExistingSecret() == null;
    }
}
