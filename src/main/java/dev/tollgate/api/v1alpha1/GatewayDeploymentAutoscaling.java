package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * {@code spec.autoscaling}: the operator creates a HorizontalPodAutoscaler (autoscaling/v2) for the gateway's
 * Deployment, and from then on leaves that Deployment's replicas to it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.minReplicas <= self.maxReplicas",
        message = "autoscaling.minReplicas must be at most autoscaling.maxReplicas (write e.g. minReplicas: 2, maxReplicas: 10)")
public class GatewayDeploymentAutoscaling {
    @Min(1)
    @Max(1000)
    @Default("1")
    @JsonPropertyDescription("Fewest gateway pods the autoscaler keeps. Default 1; 2 or more keeps the API up while a "
            + "node drains.")
    private Integer minReplicas = 1;

    @Required
    @Min(1)
    @Max(1000)
    @JsonPropertyDescription("Most gateway pods the autoscaler may run.")
    private Integer maxReplicas;

    @Min(1)
    @Max(1000)
    @Default("70")
    @JsonPropertyDescription("Average CPU use the autoscaler aims for, in percent of the gateway container's CPU request. "
            + "Default 70.")
    private Integer targetCPUUtilizationPercentage = 70;

    @Min(1)
    @Max(1000)
    @JsonPropertyDescription("Average memory use the autoscaler aims for, in percent of the container's memory request. "
            + "Absent: memory does not scale the gateway.")
    private Integer targetMemoryUtilizationPercentage;

    public Integer getMinReplicas() { return minReplicas; }
    public void setMinReplicas(Integer minReplicas) { this.minReplicas = minReplicas; }
    public Integer getMaxReplicas() { return maxReplicas; }
    public void setMaxReplicas(Integer maxReplicas) { this.maxReplicas = maxReplicas; }
    public Integer getTargetCPUUtilizationPercentage() { return targetCPUUtilizationPercentage; }
    public void setTargetCPUUtilizationPercentage(Integer percent) { this.targetCPUUtilizationPercentage = percent; }
    public Integer getTargetMemoryUtilizationPercentage() { return targetMemoryUtilizationPercentage; }
    public void setTargetMemoryUtilizationPercentage(Integer percent) { this.targetMemoryUtilizationPercentage = percent; }
}
