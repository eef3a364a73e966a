package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.LabelSelector;

/**
 * Which resources of one kind a gateway serves. Namespace semantics follow the Prometheus Operator's:
 * no namespaceSelector means the gateway's own namespace only; an empty one ({}) means every namespace.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Selection {
    @JsonPropertyDescription("Label selector over the resources. Absent or empty selects all of them.")
    private LabelSelector selector;
    @JsonPropertyDescription("Label selector over namespaces to look in. Absent: only the gateway's own namespace. "
            + "Empty ({}): all namespaces. Lets teams create resources in their own namespaces.")
    private LabelSelector namespaceSelector;

    public LabelSelector getSelector() { return selector; }
    public void setSelector(LabelSelector selector) { this.selector = selector; }
    public LabelSelector getNamespaceSelector() { return namespaceSelector; }
    public void setNamespaceSelector(LabelSelector namespaceSelector) { this.namespaceSelector = namespaceSelector; }
}
