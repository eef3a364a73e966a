package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * {@code GatewayDeployment.spec.cache}: the cache defaults of every model group the gateway serves (a group's
 * LlmModels override them field by field in their spec.cache), and what only the gateway as a whole can say: how
 * much memory the caches may use and whether hits are charged.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.semantic) || (has(self.semantic.enabled) && !self.semantic.enabled)"
        + " || has(self.semantic.embeddingModel)",
        message = "semantic needs embeddingModel, the model group that embeds prompts (e.g. text-embedding-3-small), "
                + "or enabled: false to give only defaults for the groups that turn it on")
public class GatewayCacheSpec extends CacheSpec {
    @Pattern(Api.SIZE_PATTERN)
    @JsonPropertyDescription("Memory each gateway pod gives the exact cache, in bytes of stored answers, e.g. 64Mi (a "
            + "Kubernetes quantity); the least recently used answers go first. The semantic cache's index is bounded "
            + "by the same figure, counted apart (its oldest entries go first). Leave room for both in spec.resources. "
            + "With spec.redis the answers are also in Redis, shared by every replica, and expire there by their "
            + "ttl. Default 64Mi.")
    private String maxSize;

    @Min(1)
    @Max(1000000)
    @JsonPropertyDescription("Most entries of the semantic cache's vector index in each pod, all groups and tenants "
            + "together (an entry holds the prompt's embedding, e.g. 6 KiB for 1536 dimensions, and its answer); "
            + "the index is bounded by maxSize bytes as well. Default 10000.")
    private Integer maxSemanticEntries;

    @JsonPropertyDescription("true: a cache hit is charged to the key's budgets at what the stored answer cost, and "
            + "counts in its rate limits, as if the provider had answered. false (default): a hit costs the key "
            + "nothing; the spend it saved is shown in metrics and status.")
    private Boolean chargeHits;

    public String getMaxSize() { return maxSize; }
    public void setMaxSize(String maxSize) { this.maxSize = maxSize; }
    public Integer getMaxSemanticEntries() { return maxSemanticEntries; }
    public void setMaxSemanticEntries(Integer maxSemanticEntries) { this.maxSemanticEntries = maxSemanticEntries; }
    public Boolean getChargeHits() { return chargeHits; }
    public void setChargeHits(Boolean chargeHits) { this.chargeHits = chargeHits; }
}
