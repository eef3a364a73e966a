package dev.tollgate.config;

import dev.tollgate.api.v1alpha1.Selection;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Kubernetes label-selector semantics, and which resources a gateway's {@link Selection} admits. */
public final class Selectors {
    private Selectors() {}

    /** A null or empty selector matches everything, as in Kubernetes. Unknown operators match nothing. */
    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        Map<String, String> l = labels == null ? Map.of() : labels;
        if (selector.getMatchLabels() != null) {
            for (var e : selector.getMatchLabels().entrySet()) {
                if (!e.getValue().equals(l.get(e.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                String v = l.get(r.getKey());
                List<String> values = r.getValues() == null ? List.of() : r.getValues();
                boolean ok = switch (r.getOperator()) {
                    case "In" -> v != null && values.contains(v);
                    case "NotIn" -> v == null || !values.contains(v);
                    case "Exists" -> v != null;
                    case "DoesNotExist" -> v == null;
                    default -> false;
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Whether a resource in {@code resourceNamespace} with {@code labels} is admitted by a gateway in
     * {@code gatewayNamespace}. No namespaceSelector: the gateway's namespace only; {} : every namespace.
     */
    public static boolean admits(Selection selection, String gatewayNamespace, String resourceNamespace,
            Map<String, String> labels, Function<String, Map<String, String>> namespaceLabels) {
        LabelSelector nsSelector = selection == null ? null : selection.getNamespaceSelector();
        boolean nsOk = nsSelector == null
                ? gatewayNamespace.equals(resourceNamespace)
                : matches(nsSelector, namespaceLabels.apply(resourceNamespace));
        return nsOk && matches(selection == null ? null : selection.getSelector(), labels);
    }

    /**
     * Whether the selection's namespace part admits {@code namespace} (its label selector over resources is not
     * looked at): the namespaces a gateway serves keys from, for the teams' LogSinks there.
     */
    public static boolean admitsNamespace(Selection selection, String gatewayNamespace, String namespace,
            Function<String, Map<String, String>> namespaceLabels) {
        LabelSelector nsSelector = selection == null ? null : selection.getNamespaceSelector();
        return nsSelector == null ? gatewayNamespace.equals(namespace) : matches(nsSelector, namespaceLabels.apply(namespace));
    }
}
