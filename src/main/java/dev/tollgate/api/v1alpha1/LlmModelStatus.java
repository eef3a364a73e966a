package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class LlmModelStatus extends StatusBase {
    @JsonPropertyDescription("GatewayDeployments (namespace/name) that serve this model.")
    private List<String> gateways = new ArrayList<>();
    @JsonPropertyDescription("Version of the price catalogue that priced this model, or 'spec' when spec.pricing did.")
    private String pricingSource;
    @JsonPropertyDescription("Usage of this deployment, collected from the gateways.")
    private Usage usage;
    @JsonPropertyDescription("Health of this deployment as the gateways that serve it see it now (state, error rate, "
            + "latency). A change of state is written at once; error rate and latency within the operator's status "
            + "write budget, with the usage figures.")
    private DeploymentHealthStatus health;

    public List<String> getGateways() { return gateways; }
    public void setGateways(List<String> gateways) { this.gateways = gateways; }
    public String getPricingSource() { return pricingSource; }
    public void setPricingSource(String pricingSource) { this.pricingSource = pricingSource; }
    public Usage getUsage() { return usage; }
    public void setUsage(Usage usage) { this.usage = usage; }
    public DeploymentHealthStatus getHealth() { return health; }
    public void setHealth(DeploymentHealthStatus health) { this.health = health; }
}
