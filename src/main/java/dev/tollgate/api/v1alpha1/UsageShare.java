package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

/** What one gateway process (incarnation) reported, or the sum of finished ones. Money as decimal strings. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UsageShare {
    @JsonPropertyDescription("UID of the gateway pod that reported these figures.")
    private String pod;
    @JsonPropertyDescription("Requests.")
    private Long requests;
    @JsonPropertyDescription("Requests that ended in an error.")
    private Long errors;
    @JsonPropertyDescription("Input tokens.")
    private Long inputTokens;
    @JsonPropertyDescription("Output tokens.")
    private Long outputTokens;
    @JsonPropertyDescription("Spend (USD, decimal string).")
    private String spend;
    @JsonPropertyDescription("Requests answered from the response cache (exact or semantic).")
    private Long cacheHits;
    @JsonPropertyDescription("Of cacheHits, those answered by the semantic cache.")
    private Long semanticCacheHits;
    @JsonPropertyDescription("Spend the response-cache hits saved (USD, decimal string).")
    private String cacheSavedSpend;
    @JsonPropertyDescription("Input tokens the provider read from its prompt cache.")
    private Long cachedInputTokens;
    @JsonPropertyDescription("Input tokens the provider wrote to its prompt cache.")
    private Long cacheWriteTokens;
    @JsonSerialize(using = Api.DateTime.class)
    @JsonPropertyDescription("Start of the budget period periodSpend belongs to (RFC 3339).")
    private String periodStart;
    @JsonPropertyDescription("Spend in that budget period (USD, decimal string).")
    private String periodSpend;
    @JsonSerialize(using = Api.DateTime.class)
    @JsonPropertyDescription("Time of the last request (RFC 3339).")
    private String lastUsedAt;
    @JsonPropertyDescription("The GatewayDeployment (namespace/name) whose Redis also keeps these figures, so they outlive "
            + "a crashed process: the share is folded only once that gateway's reports no longer list it.")
    private String journal;

    public String getPod() { return pod; }
    public void setPod(String pod) { this.pod = pod; }
    public Long getRequests() { return requests; }
    public void setRequests(Long requests) { this.requests = requests; }
    public Long getErrors() { return errors; }
    public void setErrors(Long errors) { this.errors = errors; }
    public Long getInputTokens() { return inputTokens; }
    public void setInputTokens(Long inputTokens) { this.inputTokens = inputTokens; }
    public Long getOutputTokens() { return outputTokens; }
    public void setOutputTokens(Long outputTokens) { this.outputTokens = outputTokens; }
    public String getSpend() { return spend; }
    public void setSpend(String spend) { this.spend = spend; }
    public Long getCacheHits() { return cacheHits; }
    public void setCacheHits(Long cacheHits) { this.cacheHits = cacheHits; }
    public Long getSemanticCacheHits() { return semanticCacheHits; }
    public void setSemanticCacheHits(Long semanticCacheHits) { this.semanticCacheHits = semanticCacheHits; }
    public String getCacheSavedSpend() { return cacheSavedSpend; }
    public void setCacheSavedSpend(String cacheSavedSpend) { this.cacheSavedSpend = cacheSavedSpend; }
    public Long getCachedInputTokens() { return cachedInputTokens; }
    public void setCachedInputTokens(Long cachedInputTokens) { this.cachedInputTokens = cachedInputTokens; }
    public Long getCacheWriteTokens() { return cacheWriteTokens; }
    public void setCacheWriteTokens(Long cacheWriteTokens) { this.cacheWriteTokens = cacheWriteTokens; }
    public String getPeriodStart() { return periodStart; }
    public void setPeriodStart(String periodStart) { this.periodStart = periodStart; }
    public String getPeriodSpend() { return periodSpend; }
    public void setPeriodSpend(String periodSpend) { this.periodSpend = periodSpend; }
    public String getLastUsedAt() { return lastUsedAt; }
    public void setLastUsedAt(String lastUsedAt) { this.lastUsedAt = lastUsedAt; }
    public String getJournal() { return journal; }
    public void setJournal(String journal) { this.journal = journal; }
}
