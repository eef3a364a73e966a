package dev.tollgate.config;

import java.util.Arrays;
import java.util.Optional;

/** Wire-protocol families a model can be served by, with their public defaults. */
public enum Provider {
    OPENAI("openai", "https://api.openai.com/v1", true, true),
    AZURE("azure", null, true, true),
    ANTHROPIC("anthropic", "https://api.anthropic.com", true, true),
    GEMINI("gemini", "https://generativelanguage.googleapis.com", true, false),
    VERTEX("vertex", null, false, false),
    BEDROCK("bedrock", null, false, false),
    COHERE("cohere", "https://api.cohere.com", true, false),
    HUGGINGFACE("huggingface", "https://router.huggingface.co/v1", true, true),
    REPLICATE("replicate", "https://api.replicate.com/v1", true, false),
    AI21("ai21", "https://api.ai21.com/studio/v1", true, false),
    PALM("palm", "https://generativelanguage.googleapis.com", true, false),
    OLLAMA("ollama", "http://localhost:11434/v1", false, true),
    OPENAI_COMPATIBLE("openai-compatible", null, false, true),
    MOCK("mock", null, false, true);

    private final String wireName;
    private final String defaultApiBase;
    private final boolean requiresCredentials;
    private final boolean served;

    Provider(String wireName, String defaultApiBase, boolean requiresCredentials, boolean served) {
        this.wireName = wireName;
        this.defaultApiBase = defaultApiBase;
        this.requiresCredentials = requiresCredentials;
        this.served = served;
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
