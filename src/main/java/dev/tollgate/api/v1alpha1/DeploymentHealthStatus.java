package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

/**
 * How the gateways see one deployment now, merged over every gateway process that serves it: the worst state of
 * any of them, the latest end of a cooldown, summed counts and request-weighted latencies.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DeploymentHealthStatus {
    @JsonPropertyDescription("Healthy; CoolingDown (the gateways send it no requests until coolingDownUntil, unless every "
            + "deployment of its group cools down); or Probing (a cooldown ended and a trial request decides). The worst "
            + "state of any gateway process; a change of state is written at once.")
    private String state;
    @JsonSerialize(using = Api.DateTime.class)
    @JsonPropertyDescription("When the cooldown ends (RFC 3339), while CoolingDown: the latest of the gateway processes'.")
    private String coolingDownUntil;
    @JsonPropertyDescription("Why it is cooling down or probing, e.g. 429 or repeated failures; absent when Healthy.")
    private String reason;
    @JsonPropertyDescription("Share of the last minute's upstream calls that failed at the provider (5xx, timeouts, "
            + "unreachable) over every gateway process, as a decimal string (0.05 is 5%); absent without calls.")
    private String errorRate;
    @JsonPropertyDescription("Moving average of an upstream call's duration in milliseconds (mean of the gateway "
            + "processes, weighted by their requests).")
    private Long latencyMillis;
    @JsonPropertyDescription("Moving average of a stream's time to its first token in milliseconds (weighted the same way).")
    private Long timeToFirstTokenMillis;
    @JsonPropertyDescription("Cooldowns started by the gateway processes running now, since each started.")
    private Long cooldowns;
    @JsonPropertyDescription("Gateway processes whose report was merged.")
    private Integer replicas;

    public String getState() { return state; }
    public void setState(String state) { this.state = state; }
    public String getCoolingDownUntil() { return coolingDownUntil; }
    public void setCoolingDownUntil(String coolingDownUntil) { this.coolingDownUntil = coolingDownUntil; }
    public String getReason() { return reason; }
    public void setReason(String reason) { this.reason = reason; }
    public String getErrorRate() { return errorRate; }
    public void setErrorRate(String errorRate) { this.errorRate = errorRate; }
    public Long getLatencyMillis() { return latencyMillis; }
    public void setLatencyMillis(Long latencyMillis) { this.latencyMillis = latencyMillis; }
    public Long getTimeToFirstTokenMillis() { return timeToFirstTokenMillis; }
    public void setTimeToFirstTokenMillis(Long timeToFirstTokenMillis) { this.timeToFirstTokenMillis = timeToFirstTokenMillis; }
    public Long getCooldowns() { return cooldowns; }
    public void setCooldowns(Long cooldowns) { this.cooldowns = cooldowns; }
    public Integer getReplicas() { return replicas; }
    public void setReplicas(Integer replicas) { this.replicas = replicas; }
}
