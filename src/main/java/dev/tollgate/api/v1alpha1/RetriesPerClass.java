package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** {@code routing.retries.perClass}: retries allowed for each class of upstream failure. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RetriesPerClass {
    @Min(0)
    @Max(10)
    @JsonPropertyDescription("429 Too Many Requests (its retry-after is honoured up to maxRetryAfter).")
    private Integer rateLimited;

    @Min(0)
    @Max(10)
    @JsonPropertyDescription("The upstream is overloaded: 503, 529, Anthropic's overloaded_error.")
    private Integer overloaded;

    @Min(0)
    @Max(10)
    @JsonPropertyDescription("Any other 5xx.")
    private Integer serverError;

    @Min(0)
    @Max(10)
    @JsonPropertyDescription("No answer in time (the LlmModel's timeout, or routing.firstTokenTimeout for streams).")
    private Integer timeout;

    @Min(0)
    @Max(10)
    @JsonPropertyDescription("The upstream could not be reached (DNS, connection refused or reset, TLS).")
    private Integer connectionFailed;

    public Integer getRateLimited() { return rateLimited; }
    public void setRateLimited(Integer rateLimited) { this.rateLimited = rateLimited; }
    public Integer getOverloaded() { return overloaded; }
    public void setOverloaded(Integer overloaded) { this.overloaded = overloaded; }
    public Integer getServerError() { return serverError; }
    public void setServerError(Integer serverError) { this.serverError = serverError; }
    public Integer getTimeout() { return timeout; }
    public void setTimeout(Integer timeout) { this.timeout = timeout; }
    public Integer getConnectionFailed() { return connectionFailed; }
    public void setConnectionFailed(Integer connectionFailed) { this.connectionFailed = connectionFailed; }
}
