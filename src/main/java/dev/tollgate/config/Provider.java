package dev.tollgate.config;

import java.util.Arrays;
import java.util.Optional;

/** Wire-protocol families a model can be served by, with their public defaults. */
public enum Provider {
    OPENAI("openai", "https://api.openai.com/v1", true),
    AZURE("azure", null, true),
    ANTHROPIC("anthropic", "https://api.anthropic.com", true),
    GEMINI("gemini", "https://generativelanguage.googleapis.com", true),
    VERTEX("vertex", null, false),
    BEDROCK("bedrock", null, false),
    COHERE("cohere", "https://api.cohere.com", true),
    HUGGINGFACE("huggingface", "https://router.huggingface.co/v1", true),
    REPLICATE("replicate", "https://api.replicate.com/v1", true),
    AI21("ai21", "https://api.ai21.com/studio/v1", true),
    PALM("palm", "https://generativelanguage.googleapis.com", true),
    OLLAMA("ollama", "http://localhost:11434/v1", false),
    OPENAI_COMPATIBLE("openai-compatible", null, false),
    MOCK("mock", null, false);

    private final String wireName;
    private final String defaultApiBase;
    private final boolean requiresCredentials;

    Provider(String wireName, String defaultApiBase, boolean requiresCredentials) {
        this.wireName = wireName;
        this.defaultApiBase = defaultApiBase;
        this.requiresCredentials = requiresCredentials;
    }

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
