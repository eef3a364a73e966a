package dev.tollgate.operator.status;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/** Patches status only when it changed: an unchanged reconcile writes nothing, so nothing loops. */
public final class StatusPatch {
    private StatusPatch() {}

    public static <S, R extends CustomResource<?, S>> UpdateControl<R> ifChanged(R resource, S desired) {
        if (same(resource.getStatus(), desired)) {
            return UpdateControl.noUpdate();
        }
        resource.setStatus(desired);
        return UpdateControl.patchStatus(resource);
    }

    /**
     * Like {@link #ifChanged(CustomResource, Object)}, with usage figures under the status write budget: a change of
     * anything but the figures (a condition, a spec-derived field) is written at once; a change of figures only is
     * written when the budget grants this resource a token, else held (status keeps its older figures, and the
     * budget tells the controller when its turn comes).
     *
     * @param kind        the budget's name for the kind ("keys", "models", "budgets", "gateways")
     * @param keepFigures copies the usage figures of its first argument (status now) into its second (a copy of the
     *                    desired status)
     */
    public static <S, R extends CustomResource<?, S>> UpdateControl<R> ifChanged(R resource, S desired,
            dev.tollgate.operator.usage.StatusWriteBudget budget, String kind, java.util.function.BiConsumer<S, S> keepFigures) {
        S existing = resource.getStatus();
        var id = io.javaoperatorsdk.operator.processing.event.ResourceID.fromResource(resource);
        if (same(existing, desired)) {
            if (budget != null) {
                budget.unchanged(kind, id);
            }
            return UpdateControl.noUpdate();
        }
        if (budget != null && existing != null) {
            @SuppressWarnings("unchecked")
            S held = (S) Serialization.jsonMapper().convertValue(desired, desired.getClass());
            keepFigures.accept(existing, held);
            if (same(existing, held)) {
                if (budget.figures(kind, id) == dev.tollgate.operator.usage.StatusWriteBudget.Verdict.HOLD) {
                    return UpdateControl.noUpdate();
                }
                resource.setStatus(desired);
                return UpdateControl.patchStatus(resource);
            }
        }
        if (budget != null) {
            budget.urgent(kind, id);
        }
        resource.setStatus(desired);
        return UpdateControl.patchStatus(resource);
    }

    static boolean same(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        return Serialization.jsonMapper().valueToTree(a).equals(Serialization.jsonMapper().valueToTree(b));
    }

    /** A failure as a status message: the exception's kind and message, never a request body or header. */
    public static String describe(Exception e) {
        if (e instanceof KubernetesClientException k && k.getStatus() != null) {
            return shorten("the Kubernetes API answered " + k.getCode() + ": " + k.getStatus().getMessage()) + " (the operator retries)";
        }
        return shorten(e.getClass().getSimpleName() + ": " + e.getMessage()) + " (the operator retries)";
    }

    /** At most this many characters of a failure go into a condition message; the log has all of it. */
    static final int MAX_MESSAGE = 1000;

    // A failed workflow's exception aggregates every dependent's, each with the API's whole Status: one at
    // 10,000 keys put 14,550 characters into the gateway's Ready condition.
    private static String shorten(String m) {
        return m.length() <= MAX_MESSAGE ? m
                : m.substring(0, MAX_MESSAGE) + "… (" + (m.length() - MAX_MESSAGE) + " more characters in the operator log)";
    }
}
