package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class GatewayRef {
    @Required
    @JsonPropertyDescription("Name of the GatewayDeployment.")
    private String name;
    @JsonPropertyDescription("Namespace of the GatewayDeployment. Default: this resource's namespace.")
    private String namespace;

    public GatewayRef() {}

    public GatewayRef(String name, String namespace) {
        this.name = name;
        this.namespace = namespace;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getNamespace() { return namespace; }
    public void setNamespace(String namespace) { this.namespace = namespace; }
}
