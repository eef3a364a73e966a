package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * How a model group is routed, retried and failed over: {@code LlmModel.spec.routing} (the whole group: every
 * LlmModel sharing the spec.modelName) over {@code GatewayDeployment.spec.routing} (defaults for every group the
 * gateway serves), field by field. No field has a schema default: an absent field inherits from the level below
 * (GatewayDeployment, then the built-in default the description names), which a defaulted field could not.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RoutingSpec {
    /** Pattern of a public model name (LlmModel spec.modelName), for the fallback lists. */
    static final String MODEL_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$";

    /** Values of {@code strategy}, for the schema's enum (the field stays a String, read by the renderer). */
    public enum Strategy {
        @JsonProperty("weighted") WEIGHTED,
        @JsonProperty("priority") PRIORITY,
        @JsonProperty("least-busy") LEAST_BUSY,
        @JsonProperty("latency") LATENCY,
        @JsonProperty("usage") USAGE,
        @JsonProperty("cost") COST
    }

    @SchemaFrom(type = Strategy.class)
    @JsonPropertyDescription("How each attempt picks a deployment (LlmModel) of the group: weighted (random by "
            + "spec.weight, the default), priority (the lowest spec.priority tier with a deployment that is healthy "
            + "and not saturated, weighted within the tier), least-busy (fewest requests in flight), latency (lowest "
            + "moving average; time to first token for streams), usage (most rpm/tpm headroom under each deployment's "
            + "own spec.rpm/spec.tpm) or cost (lowest catalogue or spec.pricing price for the request's expected "
            + "tokens). Whatever the strategy, a deployment that is cooling down, or whose contextWindow, rpm or tpm "
            + "cannot take the request, is skipped.")
    private String strategy;

    @JsonPropertyDescription("Session affinity: requests carrying the same key (a header, or OpenAI's user field) "
            + "stay on one deployment for a while, so its prompt cache stays warm, unless it becomes unhealthy. "
            + "Absent: none.")
    private RoutingAffinity affinity;

    @JsonPropertyDescription("When a failed attempt is tried again within the group (429, overload, 5xx, timeouts, "
            + "connection failures; never a 400/401/403/404 of the client's own making).")
    private RoutingRetries retries;

    @JsonPropertyDescription("When a failing deployment is taken out of rotation, and for how long.")
    private RoutingCooldown cooldown;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("A stream that has sent no content this long after its attempt started is abandoned and "
            + "retried or failed over (nothing has reached the client yet), e.g. 20s. Absent: none (spec.timeout of "
            + "the LlmModel still applies).")
    private String firstTokenTimeout;

    @Size(max = 10)
    @JsonPropertyDescription("Model groups (public model names) tried in order when this group cannot answer "
            + "(a retryable failure once its retries are spent, or no deployment may serve). A name the gateway does "
            + "not serve, or the caller's key does not allow, is skipped. At most 10.")
    private List<@Pattern(MODEL_NAME_PATTERN) @Size(max = 128) String> fallbacks;

    @Size(max = 10)
    @JsonPropertyDescription("Model groups tried in order when the request is too long for this group (every "
            + "deployment's contextWindow is too small, or the upstream answers context_length_exceeded): larger-context "
            + "models. At most 10.")
    private List<@Pattern(MODEL_NAME_PATTERN) @Size(max = 128) String> contextWindowFallbacks;

    @Size(max = 10)
    @JsonPropertyDescription("Model groups tried in order when this group refuses the request on content policy "
            + "(e.g. OpenAI's content_filter, Azure's content management policy). At most 10.")
    private List<@Pattern(MODEL_NAME_PATTERN) @Size(max = 128) String> contentPolicyFallbacks;

    public String getStrategy() { return strategy; }
    public void setStrategy(String strategy) { this.strategy = strategy; }
    public RoutingAffinity getAffinity() { return affinity; }
    public void setAffinity(RoutingAffinity affinity) { this.affinity = affinity; }
    public RoutingRetries getRetries() { return retries; }
    public void setRetries(RoutingRetries retries) { this.retries = retries; }
    public RoutingCooldown getCooldown() { return cooldown; }
    public void setCooldown(RoutingCooldown cooldown) { this.cooldown = cooldown; }
    public String getFirstTokenTimeout() { return firstTokenTimeout; }
    public void setFirstTokenTimeout(String firstTokenTimeout) { this.firstTokenTimeout = firstTokenTimeout; }
    public List<String> getFallbacks() { return fallbacks; }
    public void setFallbacks(List<String> fallbacks) { this.fallbacks = fallbacks; }
    public List<String> getContextWindowFallbacks() { return contextWindowFallbacks; }
    public void setContextWindowFallbacks(List<String> fallbacks) { this.contextWindowFallbacks = fallbacks; }
    public List<String> getContentPolicyFallbacks() { return contentPolicyFallbacks; }
    public void setContentPolicyFallbacks(List<String> fallbacks) { this.contentPolicyFallbacks = fallbacks; }
}
