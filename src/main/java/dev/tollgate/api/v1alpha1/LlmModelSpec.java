package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.provider != 'azure' || (has(self.apiBase) && has(self.apiVersion))",
        message = "provider azure needs apiBase (https://<resource>.openai.azure.com) and apiVersion (e.g. 2024-10-21)")
@ValidationRule(value = "self.provider != 'openai-compatible' || has(self.apiBase)",
        message = "provider openai-compatible needs apiBase, the server's base URL (e.g. http://vllm:8000/v1)")
@ValidationRule(value = "self.provider != 'vllm' || has(self.apiBase)",
        message = "provider vllm needs apiBase, the vLLM server's base URL (e.g. http://vllm:8000/v1)")
@ValidationRule(value = "self.provider != 'bedrock' || has(self.region)",
        message = "provider bedrock needs region (e.g. us-east-1)")
@ValidationRule(value = "self.provider != 'vertex' || (has(self.region) && has(self.project))",
        message = "provider vertex needs region (the location, e.g. us-central1, or global) and project (the Google Cloud project id)")
@ValidationRule(value = "self.provider == 'mock' || !has(self.mock)",
        message = "mock settings are only allowed with provider mock")
@ValidationRule(value = "!has(self.routing) || ((!has(self.routing.fallbacks) || !(self.modelName in self.routing.fallbacks))"
        + " && (!has(self.routing.contextWindowFallbacks) || !(self.modelName in self.routing.contextWindowFallbacks))"
        + " && (!has(self.routing.contentPolicyFallbacks) || !(self.modelName in self.routing.contentPolicyFallbacks)))",
        message = "a model group cannot fall back to itself: remove spec.modelName from routing.fallbacks, "
                + "routing.contextWindowFallbacks and routing.contentPolicyFallbacks")
@ValidationRule(value = "!has(self.cache) || !has(self.cache.semantic) || !has(self.cache.semantic.embeddingModel)"
        + " || self.cache.semantic.embeddingModel != self.modelName",
        message = "a model group cannot embed its own prompts: cache.semantic.embeddingModel names the embedding "
                + "model group (e.g. text-embedding-3-small), not spec.modelName")
public class LlmModelSpec {
    /**
     * Wire-protocol families, as spelled in the spec: the schema's enum of {@code provider} ({@code kubectl explain}
     * lists them). The field stays a String, read through {@code config.Provider} (the registry these names must
     * match, CrdPolishTest checks it), so a manifest with a name this version lacks is refused by the API server
     * with the list, and by standalone mode's schema check, rather than failing to deserialize.
     */
    public enum ProviderName {
        @JsonProperty("openai") OPENAI,
        @JsonProperty("azure") AZURE,
        @JsonProperty("anthropic") ANTHROPIC,
        @JsonProperty("gemini") GEMINI,
        @JsonProperty("vertex") VERTEX,
        @JsonProperty("bedrock") BEDROCK,
        @JsonProperty("cohere") COHERE,
        @JsonProperty("huggingface") HUGGINGFACE,
        @JsonProperty("replicate") REPLICATE,
        @JsonProperty("ai21") AI21,
        @JsonProperty("palm") PALM,
        @JsonProperty("ollama") OLLAMA,
        @JsonProperty("openai-compatible") OPENAI_COMPATIBLE,
        @JsonProperty("mock") MOCK,
        @JsonProperty("mistral") MISTRAL,
        @JsonProperty("groq") GROQ,
        @JsonProperty("together_ai") TOGETHER_AI,
        @JsonProperty("deepseek") DEEPSEEK,
        @JsonProperty("fireworks_ai") FIREWORKS_AI,
        @JsonProperty("openrouter") OPENROUTER,
        @JsonProperty("xai") XAI,
        @JsonProperty("perplexity") PERPLEXITY,
        @JsonProperty("vllm") VLLM
    }

    /** Values of {@code unsupportedParams}, for the schema's enum (the field stays a String). */
    public enum UnsupportedParamsMode {
        @JsonProperty("reject") REJECT,
        @JsonProperty("drop") DROP
    }

    @Required
    @Pattern(RoutingSpec.MODEL_NAME_PATTERN)
    @Size(max = 128)
    @JsonPropertyDescription("Public model name clients send (e.g. gpt-4o). LlmModels sharing one name form a load-balanced group.")
    private String modelName;

    @Required
    @SchemaFrom(type = ProviderName.class)
    @JsonPropertyDescription("Wire-protocol family of the upstream: openai, azure, anthropic, gemini, vertex, bedrock, "
            + "cohere, huggingface, replicate, ai21, palm, ollama, openai-compatible (any server speaking OpenAI's API), "
            + "the OpenAI-compatible presets mistral, groq, together_ai, deepseek, fireworks_ai, openrouter, xai, "
            + "perplexity and vllm (base URL and quirks known: a key is all they need; vllm needs apiBase) or mock (deterministic, no network). "
            + "palm (PaLM 2) is "
            + "served, but Google has retired its API: live calls fail upstream.")
    private String provider;

    @Required
    @JsonPropertyDescription("Model id at the upstream (e.g. gpt-4o-2024-08-06, claude-sonnet-4-20250514; for azure the deployment name).")
    private String model;

    @Pattern("^https?://\\S+$")
    @JsonPropertyDescription("Base URL of the upstream API. Default: the provider's public endpoint.")
    private String apiBase;

    @JsonPropertyDescription("API version (azure: api-version query parameter; anthropic: anthropic-version header).")
    private String apiVersion;

    @JsonPropertyDescription("Cloud region: bedrock's AWS region; vertex's location (e.g. us-central1, europe-west4, or "
            + "global for Vertex AI's global endpoint).")
    private String region;

    @Pattern("^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$")
    @JsonPropertyDescription("Google Cloud project id whose Vertex AI quota and billing serve the model (vertex only, "
            + "required there), e.g. my-project-123 (a domain-scoped id, example.com:my-project, works too).")
    private String project;

    @JsonPropertyDescription("Secret key holding the provider credential (API key). Not needed for mock, or for "
            + "ollama/openai-compatible/vllm servers without auth.")
    private SecretKeyRef credentialsSecretRef;

    @JsonPropertyDescription("Prices for this deployment, overriding the bundled catalogue.")
    private Pricing pricing;

    @Min(1)
    @JsonPropertyDescription("Requests per minute this deployment may receive (its upstream quota).")
    private Long rpm;

    @Min(1)
    @JsonPropertyDescription("Tokens per minute this deployment may receive (its upstream quota).")
    private Long tpm;

    @Min(0)
    @Max(1000)
    @Default("1")
    @JsonPropertyDescription("Share of traffic within its modelName group, relative to the others. 0 takes no traffic. Default 1.")
    private Integer weight = 1;

    @Pattern(Api.DURATION_PATTERN)
    @Default("600s")
    @JsonPropertyDescription("How long the upstream may stay silent (before the first byte of its answer, or between "
            + "two streamed chunks) before the request fails with 504, e.g. 60s. Default 600s.")
    private String timeout = "600s";

    @Min(1)
    @JsonPropertyDescription("Context window in tokens (prompt + completion). When set, a request whose counted prompt tokens plus "
            + "max_tokens (or max_completion_tokens) exceed it is not sent to this deployment: another deployment of "
            + "the group that can hold it serves it, else the group's routing.contextWindowFallbacks are tried, else "
            + "it is refused with 400 context_length_exceeded before any upstream call.")
    private Integer contextWindow;

    @PreserveUnknownFields
    @JsonPropertyDescription("Request parameters applied when the client does not set them (e.g. {max_tokens: 1024, temperature: 0.2}).")
    private JsonNode defaultParams;

    @Default("reject")
    @SchemaFrom(type = UnsupportedParamsMode.class)
    @JsonPropertyDescription("What to do with a request parameter the provider cannot honour: reject (400, the default) "
            + "or drop it. Applies where the gateway translates a request to another API (e.g. an OpenAI request to an "
            + "anthropic model) and to the mock provider; a request in the upstream's own API is passed on as sent.")
    private String unsupportedParams = "reject";

    @JsonPropertyDescription("Behaviour of the mock provider (only with provider mock).")
    private MockSpec mock;

    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Tier of this deployment for routing.strategy priority: the group sends to tier 1 while "
            + "one of its deployments is healthy and not saturated, then to tier 2, and so on (weighted within a "
            + "tier). Absent: 1. Other strategies ignore it.")
    private Integer priority;

    @JsonPropertyDescription("Routing, retries, cooldowns and fallbacks of this model's group (every LlmModel with "
            + "this spec.modelName), over the GatewayDeployment's spec.routing field by field. LlmModels of one group "
            + "should declare the same routing, or only one of them any: when they differ, the oldest one's applies "
            + "and the others are told so.")
    private RoutingSpec routing;

    @JsonPropertyDescription("Response caching of this model's group (every LlmModel with this spec.modelName), over "
            + "the GatewayDeployment's spec.cache field by field: e.g. exact: {ttl: 1h} turns the exact cache on, "
            + "exact: {enabled: false} opts the group out of the gateway's. LlmModels of one group should declare "
            + "the same cache, or only one of them any: when they differ, the oldest one's applies and the others "
            + "are told so (CacheResolved=False).")
    private CacheSpec cache;

    public String getModelName() { return modelName; }
    public void setModelName(String modelName) { this.modelName = modelName; }
    public String getProvider() { return provider; }
    public void setProvider(String provider) { this.provider = provider; }
    public String getModel() { return model; }
    public void setModel(String model) { this.model = model; }
    public String getApiBase() { return apiBase; }
    public void setApiBase(String apiBase) { this.apiBase = apiBase; }
    public String getApiVersion() { return apiVersion; }
    public void setApiVersion(String apiVersion) { this.apiVersion = apiVersion; }
    public String getRegion() { return region; }
    public void setRegion(String region) { this.region = region; }
    public String getProject() { return project; }
    public void setProject(String project) { this.project = project; }
    public SecretKeyRef getCredentialsSecretRef() { return credentialsSecretRef; }
    public void setCredentialsSecretRef(SecretKeyRef credentialsSecretRef) { this.credentialsSecretRef = credentialsSecretRef; }
    public Pricing getPricing() { return pricing; }
    public void setPricing(Pricing pricing) { this.pricing = pricing; }
    public Long getRpm() { return rpm; }
    public void setRpm(Long rpm) { this.rpm = rpm; }
    public Long getTpm() { return tpm; }
    public void setTpm(Long tpm) { this.tpm = tpm; }
    public Integer getWeight() { return weight; }
    public void setWeight(Integer weight) { this.weight = weight; }
    public String getTimeout() { return timeout; }
    public void setTimeout(String timeout) { this.timeout = timeout; }
    public Integer getContextWindow() { return contextWindow; }
    public void setContextWindow(Integer contextWindow) { this.contextWindow = contextWindow; }
    public JsonNode getDefaultParams() { return defaultParams; }
    public void setDefaultParams(JsonNode defaultParams) { this.defaultParams = defaultParams; }
    public String getUnsupportedParams() { return unsupportedParams; }
    public void setUnsupportedParams(String unsupportedParams) { this.unsupportedParams = unsupportedParams; }
    public MockSpec getMock() { return mock; }
    public void setMock(MockSpec mock) { this.mock = mock; }
    public Integer getPriority() { return priority; }
    public void setPriority(Integer priority) { this.priority = priority; }
    public RoutingSpec getRouting() { return routing; }
    public void setRouting(RoutingSpec routing) { this.routing = routing; }
    public CacheSpec getCache() { return cache; }
    public void setCache(CacheSpec cache) { this.cache = cache; }
}
