package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/** {@code spec.service}: settings of the Service {@code <name>} that carries the LLM API. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GatewayDeploymentServiceSpec {
    @JsonPropertyDescription("Annotations on the Service <name> (the LLM API, not <name>-metrics), e.g. a cloud load "
            + "balancer's settings such as service.beta.kubernetes.io/aws-load-balancer-scheme: internal. The operator "
            + "adds and updates these; one removed from here stays on the Service until removed with kubectl annotate.")
    private Map<String, String> annotations;

    public Map<String, String> getAnnotations() { return annotations; }
    public void setAnnotations(Map<String, String> annotations) { this.annotations = annotations; }
}
