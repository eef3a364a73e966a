package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class LogSinkStatus extends StatusBase {
    @JsonPropertyDescription("The GatewayDeployments (namespace/name) that send this namespace's calls to the sink.")
    private List<String> gateways;

    public List<String> getGateways() { return gateways; }
    public void setGateways(List<String> gateways) { this.gateways = gateways; }
}
