package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** {@code routing.retries}: how often, and how fast, a failed attempt is tried again within its group. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RoutingRetries {
    @Min(0)
    @Max(10)
    @JsonPropertyDescription("Retries after the first attempt, within the group (on another deployment when one may "
            + "serve, else the same); each fallback group gets its own. 0 turns retries off. Default 2.")
    private Integer maxRetries;

    @JsonPropertyDescription("Retries per error class, each capped by maxRetries; 0 does not retry that class. A "
            + "class left out gets maxRetries.")
    private RetriesPerClass perClass;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("Base of the jittered exponential backoff between two attempts on the same deployment, "
            + "e.g. 200ms. Default 200ms.")
    private String backoff;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("Longest backoff. Default 5s.")
    private String maxBackoff;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("A 429's retry-after is waited for up to this; a longer one is not waited for on that "
            + "deployment (another one, or a fallback, is tried instead). Default 10s.")
    private String maxRetryAfter;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("No attempt (retry or fallback) starts later than this after the request arrived. "
            + "Default 60s.")
    private String timeBudget;

    public Integer getMaxRetries() { return maxRetries; }
    public void setMaxRetries(Integer maxRetries) { this.maxRetries = maxRetries; }
    public RetriesPerClass getPerClass() { return perClass; }
    public void setPerClass(RetriesPerClass perClass) { this.perClass = perClass; }
    public String getBackoff() { return backoff; }
    public void setBackoff(String backoff) { this.backoff = backoff; }
    public String getMaxBackoff() { return maxBackoff; }
    public void setMaxBackoff(String maxBackoff) { this.maxBackoff = maxBackoff; }
    public String getMaxRetryAfter() { return maxRetryAfter; }
    public void setMaxRetryAfter(String maxRetryAfter) { this.maxRetryAfter = maxRetryAfter; }
    public String getTimeBudget() { return timeBudget; }
    public void setTimeBudget(String timeBudget) { this.timeBudget = timeBudget; }
}
