package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;

/**
 * {@code spec.networkPolicy}: a NetworkPolicy {@code <name>} on the gateway pods, for ingress only (the pods
 * still reach their upstream providers and Redis).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GatewayDeploymentNetworkPolicy {
    @Default("false")
    @JsonPropertyDescription("Create the NetworkPolicy. Default false; set false again to remove it.")
    private Boolean enabled = false;

    @JsonPropertyDescription("Namespaces (namespace label selectors) whose pods may call the LLM API port, besides the "
            + "gateway's own namespace, which always may. An empty selector ({}) admits every namespace.")
    private List<LabelSelector> allowFrom;

    @JsonPropertyDescription("Address ranges (CIDR, e.g. 10.0.0.0/8) that may call the LLM API port: clients outside the "
            + "cluster reaching a LoadBalancer or NodePort Service, which namespace selectors do not match.")
    private List<String> allowCidrs;

    @JsonPropertyDescription("Namespaces (namespace label selectors) whose pods may read the management port (metrics "
            + "on /q/metrics), e.g. the monitoring namespace. The Tollgate operator's pods always may: they collect "
            + "usage there.")
    private List<LabelSelector> monitoringFrom;

    public Boolean getEnabled() { return enabled; }
    public void setEnabled(Boolean enabled) { this.enabled = enabled; }
    public List<LabelSelector> getAllowFrom() { return allowFrom; }
    public void setAllowFrom(List<LabelSelector> allowFrom) { this.allowFrom = allowFrom; }
    public List<String> getAllowCidrs() { return allowCidrs; }
    public void setAllowCidrs(List<String> allowCidrs) { this.allowCidrs = allowCidrs; }
    public List<LabelSelector> getMonitoringFrom() { return monitoringFrom; }
    public void setMonitoringFrom(List<LabelSelector> monitoringFrom) { this.monitoringFrom = monitoringFrom; }
}
