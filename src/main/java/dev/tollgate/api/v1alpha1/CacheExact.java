package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/**
 * {@code cache.exact}: answers stored under the normalised request and served to the same request again. Present
 * turns it on (unless {@code enabled: false}); fields absent here inherit from the GatewayDeployment's
 * {@code spec.cache.exact}, then from the built-in defaults.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CacheExact {
    @JsonPropertyDescription("false turns the exact cache off for this level and what inherits from it: on an "
            + "LlmModel, its group opts out of the GatewayDeployment's exact cache; on a GatewayDeployment, only groups "
            + "whose LlmModel sets enabled: true use the defaults given here. Absent: true (writing exact turns it on).")
    private Boolean enabled;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("How long a stored answer is served, e.g. 1h. A client may ask for less (Cache-Control "
            + "max-age, or the cache field's ttl), never for more. Default 1h.")
    private String ttl;

    @Pattern(Api.SIZE_PATTERN)
    @JsonPropertyDescription("An answer larger than this (its body as the gateway stores it) is not stored, e.g. "
            + "256Ki. A Kubernetes quantity: bytes, or with a Ki, Mi, Gi, k, M or G suffix. Default 256Ki.")
    private String maxEntrySize;

    public Boolean getEnabled() { return enabled; }
    public void setEnabled(Boolean enabled) { this.enabled = enabled; }
    public String getTtl() { return ttl; }
    public void setTtl(String ttl) { this.ttl = ttl; }
    public String getMaxEntrySize() { return maxEntrySize; }
    public void setMaxEntrySize(String maxEntrySize) { this.maxEntrySize = maxEntrySize; }
}
