package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

/** Metered usage written back by the operator from the gateway pods. Money as decimal strings (USD). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Usage {
    @JsonPropertyDescription("Spend in the current budget period (USD, decimal string).")
    private String periodSpend;
    @JsonPropertyDescription("Spend since the resource was created (USD, decimal string).")
    private String totalSpend;
    @JsonPropertyDescription("Requests served.")
    private Long requests;
    @JsonPropertyDescription("Input (prompt) tokens.")
    private Long inputTokens;
    @JsonPropertyDescription("Output (completion) tokens.")
    private Long outputTokens;
    @JsonPropertyDescription("Requests that ended in an error.")
    private Long errors;
    @JsonPropertyDescription("Requests answered from the gateway's response cache (exact or semantic), part of requests. "
            + "Absent until the first hit.")
    private Long cacheHits;
    @JsonPropertyDescription("Of cacheHits, those answered by the semantic cache.")
    private Long semanticCacheHits;
    @JsonPropertyDescription("What the answers served from the response cache cost when they were made: the spend the "
            + "hits saved (USD, decimal string). A hit's own charge, when hits are charged, is in totalSpend.")
    private String cacheSavedSpend;
    @JsonPropertyDescription("Input tokens the provider read from its prompt cache (part of inputTokens, priced at its "
            + "cached rate).")
    private Long cachedInputTokens;
    @JsonPropertyDescription("Input tokens the provider wrote to its prompt cache (part of inputTokens).")
    private Long cacheWriteTokens;
    @JsonPropertyDescription("Requests per minute in use when the figures were taken (figuresAt). Live values: the "
            + "gateway's metrics and usage report.")
    private Long rpm;
    @JsonPropertyDescription("Tokens per minute in use when the figures were taken (figuresAt).")
    private Long tpm;
    @JsonSerialize(using = Api.DateTime.class)
    @JsonPropertyDescription("Time of the last request (RFC 3339).")
    private String lastUsedAt;
    @JsonSerialize(using = Api.DateTime.class)
    @JsonPropertyDescription("When these figures were collected from the gateways (RFC 3339). Figures are refreshed "
            + "within the operator's status write budget, stalest first, so they may be older than the collection "
            + "interval (README: \"Status write budget\"); condition changes are written at once.")
    private String figuresAt;
    @JsonPropertyDescription("Figures of each running gateway process (by incarnation id), as last reported. Stored as "
            + "values, never added, so a repeated sync counts nothing twice.")
    private java.util.Map<String, UsageShare> shares;
    @JsonPropertyDescription("Sum of the gateway processes that have ended, folded in once.")
    private UsageShare folded;

    public String getPeriodSpend() { return periodSpend; }
    public void setPeriodSpend(String periodSpend) { this.periodSpend = periodSpend; }
    public String getTotalSpend() { return totalSpend; }
    public void setTotalSpend(String totalSpend) { this.totalSpend = totalSpend; }
    public Long getRequests() { return requests; }
    public void setRequests(Long requests) { this.requests = requests; }
    public Long getInputTokens() { return inputTokens; }
    public void setInputTokens(Long inputTokens) { this.inputTokens = inputTokens; }
    public Long getOutputTokens() { return outputTokens; }
    public void setOutputTokens(Long outputTokens) { this.outputTokens = outputTokens; }
    public Long getErrors() { return errors; }
    public void setErrors(Long errors) { this.errors = errors; }
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
    public Long getRpm() { return rpm; }
    public void setRpm(Long rpm) { this.rpm = rpm; }
    public Long getTpm() { return tpm; }
    public void setTpm(Long tpm) { this.tpm = tpm; }
    public java.util.Map<String, UsageShare> getShares() { return shares; }
    public void setShares(java.util.Map<String, UsageShare> shares) { this.shares = shares; }
    public UsageShare getFolded() { return folded; }
    public void setFolded(UsageShare folded) { this.folded = folded; }
    public String getFiguresAt() { return figuresAt; }
    public void setFiguresAt(String figuresAt) { this.figuresAt = figuresAt; }
    public String getLastUsedAt() { return lastUsedAt; }
    public void setLastUsedAt(String lastUsedAt) { this.lastUsedAt = lastUsedAt; }
}
