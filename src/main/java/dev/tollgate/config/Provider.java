package dev.tollgate.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Wire-protocol families a model can be served by, with their public defaults and the settings each needs beyond the
 * model name ({@link #required()}): the renderer refuses a model that lacks one (MissingProviderSetting), so a
 * request never meets a half-configured provider.
 */
public enum Provider {
    OPENAI("openai", "https://api.openai.com/v1", true, true),
    // Azure OpenAI: the resource's endpoint and the data-plane API version are part of every request URL
    // (https://<resource>.openai.azure.com/openai/deployments/<deployment>/chat/completions?api-version=...)
    AZURE("azure", null, true, true,
            new Required(Setting.API_BASE, "the Azure OpenAI endpoint, https://<resource>.openai.azure.com"),
            new Required(Setting.API_VERSION, "the Azure OpenAI API version, e.g. 2024-10-21")),
    ANTHROPIC("anthropic", "https://api.anthropic.com", true, true),
    GEMINI("gemini", "https://generativelanguage.googleapis.com", true, false),
    // Vertex AI and Bedrock endpoints are regional (<region>-aiplatform.googleapis.com, bedrock-runtime.<region>...)
    VERTEX("vertex", null, false, false,
            new Required(Setting.REGION, "the Google Cloud region of the Vertex AI endpoint, e.g. us-central1")),
    BEDROCK("bedrock", null, false, false,
            new Required(Setting.REGION, "the AWS region of the Bedrock runtime, e.g. us-east-1")),
    COHERE("cohere", "https://api.cohere.com", true, false),
    HUGGINGFACE("huggingface", "https://router.huggingface.co/v1", true, true),
    REPLICATE("replicate", "https://api.replicate.com/v1", true, false),
    AI21("ai21", "https://api.ai21.com/studio/v1", true, false),
    PALM("palm", "https://generativelanguage.googleapis.com", true, true),
    OLLAMA("ollama", "http://localhost:11434/v1", false, true),
    // any server speaking OpenAI's API (vLLM, LM Studio, Together ...): it has no public address to default to
    OPENAI_COMPATIBLE("openai-compatible", null, false, true,
            new Required(Setting.API_BASE, "the server's base URL, e.g. http://vllm:8000/v1")),
    MOCK("mock", null, false, true);

    /** A setting of LlmModel.spec that a provider may need. */
    public enum Setting {
        API_BASE("apiBase"), API_VERSION("apiVersion"), REGION("region");

        private final String field;

        Setting(String field) {
            this.field = field;
        }

        /** The field's name in LlmModel.spec and in the rendered model. */
        public String field() { return field; }

        String of(String apiBase, String apiVersion, String region) {
            return switch (this) {
                case API_BASE -> apiBase;
                case API_VERSION -> apiVersion;
                case REGION -> region;
            };
        }
    }

    /** A setting the provider cannot work without, and what to put there. */
    public record Required(Setting setting, String hint) {}

    private final String wireName;
    private final String defaultApiBase;
    private final boolean requiresCredentials;
    private final boolean served;
    private final List<Required> required;

    Provider(String wireName, String defaultApiBase, boolean requiresCredentials, boolean served, Required... required) {
        this.wireName = wireName;
        this.defaultApiBase = defaultApiBase;
        this.requiresCredentials = requiresCredentials;
        this.served = served;
        this.required = List.of(required);
    }

    /** The settings this provider needs (besides credentials: {@link #requiresCredentials()}). */
    public List<Required> required() { return required; }

    /**
     * The first required setting that is missing (absent or blank) among the given values, the API base counting as
     * set when the provider has a default.
     */
    public Optional<Required> missing(String apiBase, String apiVersion, String region) {
        String base = apiBase != null && !apiBase.isBlank() ? apiBase : defaultApiBase;
        return required.stream().filter(r -> {
            String v = r.setting().of(base, apiVersion, region);
            return v == null || v.isBlank();
        }).findFirst();
    }

    /** As {@link #missing(String, String, String)}, for a rendered model: what the gateway checks when a call fails. */
    public static Optional<Required> missing(GatewayConfig.Model m) {
        return fromWireName(m.provider()).flatMap(p -> p.missing(m.apiBase(), m.apiVersion(), m.region()));
    }

    /**
     * Whether this gateway version has an adapter for the provider. A model of a provider it does not serve is
     * refused when rendered (ProviderNotSupported), so no request and no member of a load-balanced group ever meets
     * a 501; ProvidersServedTest ties this flag to the gateway's adapters.
     */
    public boolean served() { return served; }

    /** The name as written in LlmModel.spec.provider and in the rendered config. */
    public String wireName() { return wireName; }

    public Optional<String> defaultApiBase() { return Optional.ofNullable(defaultApiBase); }

    /** Whether a model of this provider cannot work without an API key (cloud-identity providers can). */
    public boolean requiresCredentials() { return requiresCredentials; }

    public static Optional<Provider> fromWireName(String name) {
        return Arrays.stream(values()).filter(p -> p.wireName.equals(name)).findFirst();
    }

    public static String wireNames() {
        return String.join(", ", Arrays.stream(values()).map(Provider::wireName).toList());
    }
}
