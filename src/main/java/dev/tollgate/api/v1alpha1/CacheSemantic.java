package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * {@code cache.semantic}: a stored answer is served to a request whose prompt means nearly the same (the cosine
 * similarity of their embeddings at or above the threshold), within the same tenant, model group, system prompt,
 * tool set and other parameters. Present turns it on (unless {@code enabled: false}); fields absent here inherit
 * from the GatewayDeployment's {@code spec.cache.semantic}, then from the built-in defaults.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CacheSemantic {
    @JsonPropertyDescription("false turns the semantic cache off for this level and what inherits from it: on an "
            + "LlmModel, its group opts out of the GatewayDeployment's semantic cache; on a GatewayDeployment, only "
            + "groups whose LlmModel sets enabled: true use the defaults given here. Absent: true (writing semantic "
            + "turns it on).")
    private Boolean enabled;

    @Pattern(RoutingSpec.MODEL_NAME_PATTERN)
    @Size(max = 128)
    @JsonPropertyDescription("Public model name (an LlmModel spec.modelName) of the group that embeds the prompts: a "
            + "group this gateway serves whose providers serve embeddings (e.g. text-embedding-3-small). A request "
            + "to a cached group makes one embedding call (to look up, and to store its answer), charged to the "
            + "request's own key like any call. The embedding group itself is never semantically cached. Without "
            + "it, or when it names no such group, the semantic cache stays off (CacheResolved=False says why).")
    private String embeddingModel;

    @Pattern("^[01](\\.[0-9]{1,6})?$")
    @ValidationRule(value = "double(self) <= 1.0",
            message = "threshold is a cosine similarity between 0 and 1, e.g. \"0.95\"")
    @JsonPropertyDescription("Cosine similarity, a decimal string between 0 and 1 (e.g. \"0.95\"), at or above which a "
            + "stored answer is served. Higher is stricter; a lower one risks serving the answer to another question. "
            + "Default \"0.95\".")
    private String threshold;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("How long a stored answer is served, e.g. 1h. Default 1h.")
    private String ttl;

    @Pattern(Api.SIZE_PATTERN)
    @JsonPropertyDescription("An answer larger than this is not stored, e.g. 256Ki. Default 256Ki.")
    private String maxEntrySize;

    public Boolean getEnabled() { return enabled; }
    public void setEnabled(Boolean enabled) { this.enabled = enabled; }
    public String getEmbeddingModel() { return embeddingModel; }
    public void setEmbeddingModel(String embeddingModel) { this.embeddingModel = embeddingModel; }
    public String getThreshold() { return threshold; }
    public void setThreshold(String threshold) { this.threshold = threshold; }
    public String getTtl() { return ttl; }
    public void setTtl(String ttl) { this.ttl = ttl; }
    public String getMaxEntrySize() { return maxEntrySize; }
    public void setMaxEntrySize(String maxEntrySize) { this.maxEntrySize = maxEntrySize; }
}
