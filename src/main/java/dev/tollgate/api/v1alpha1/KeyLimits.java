package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class KeyLimits {
    @Min(1)
    @JsonPropertyDescription("Requests per minute.")
    private Long rpm;
    @Min(1)
    @JsonPropertyDescription("Tokens (input + output) per minute.")
    private Long tpm;
    @Min(1)
    @JsonPropertyDescription("Requests in flight at once.")
    private Integer maxParallelRequests;

    public Long getRpm() { return rpm; }
    public void setRpm(Long rpm) { this.rpm = rpm; }
    public Long getTpm() { return tpm; }
    public void setTpm(Long tpm) { this.tpm = tpm; }
    public Integer getMaxParallelRequests() { return maxParallelRequests; }
    public void setMaxParallelRequests(Integer maxParallelRequests) { this.maxParallelRequests = maxParallelRequests; }
}
