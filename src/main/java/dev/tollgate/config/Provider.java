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
    GEMINI("gemini", "https://generativelanguage.googleapis.com", true, true),
    // Vertex AI and Bedrock endpoints are regional (<region>-aiplatform.googleapis.com, bedrock-runtime.<region>...)
    // Vertex AI: every URL names the project and the location (https://<location>-aiplatform.googleapis.com/v1/
    // projects/<project>/locations/<location>/...; location global: https://aiplatform.googleapis.com)
    VERTEX("vertex", null, false, true,
            new Required(Setting.REGION, "the Vertex AI location, e.g. us-central1, or global"),
            new Required(Setting.PROJECT, "the Google Cloud project id, e.g. my-project-123")),
    BEDROCK("bedrock", null, false, true,
            new Required(Setting.REGION, "the AWS region of the Bedrock runtime, e.g. us-east-1")),
    COHERE("cohere", "https://api.cohere.com", true, true),
    // the Inference Providers router by default; a dedicated Inference Endpoint or one's own TGI by apiBase (which may
    // need no token: the credential is optional)
    HUGGINGFACE("huggingface", "https://router.huggingface.co/v1", false, true),
    REPLICATE("replicate", "https://api.replicate.com/v1", true, true),
    AI21("ai21", "https://api.ai21.com/studio/v1", true, true),
    PALM("palm", "https://generativelanguage.googleapis.com", true, true),
    OLLAMA("ollama", "http://localhost:11434", false, true),
    // any server speaking OpenAI's API (vLLM, LM Studio, Together ...): it has no public address to default to
    OPENAI_COMPATIBLE("openai-compatible", null, false, true,
            new Required(Setting.API_BASE, "the server's base URL, e.g. http://vllm:8000/v1")),
    MOCK("mock", null, false, true),
    // Named presets of the OpenAI-compatible family (LiteLLM's provider names): the base URL and the provider's
    // documented quirks are known, so `provider: mistral` and a key are all a model needs
    MISTRAL("mistral", "https://api.mistral.ai/v1", true, true),
    GROQ("groq", "https://api.groq.com/openai/v1", true, true),
    TOGETHER_AI("together_ai", "https://api.together.xyz/v1", true, true),
    DEEPSEEK("deepseek", "https://api.deepseek.com", true, true),
    FIREWORKS_AI("fireworks_ai", "https://api.fireworks.ai/inference/v1", true, true),
    OPENROUTER("openrouter", "https://openrouter.ai/api/v1", true, true),
    XAI("xai", "https://api.x.ai/v1", true, true),
    PERPLEXITY("perplexity", "https://api.perplexity.ai", true, true),
    // vLLM runs where its operator put it: no public address to default to
    VLLM("vllm", null, false, true,
            new Required(Setting.API_BASE, "the vLLM server's OpenAI-compatible base URL, e.g. http://vllm:8000/v1"));

    /** What a provider serves through the gateway: the README's provider table and the conformance kit follow it. */
    public enum Capability {
        CHAT("chat"), STREAM("stream"), TOOLS("tools"), IMAGES_IN("images in"), COMPLETIONS("completions"),
        EMBEDDINGS("embeddings"), IMAGE_GENERATION("image generation"), RERANK("rerank");

        private final String label;

        Capability(String label) {
            this.label = label;
        }

        public String label() { return label; }
    }

    /** How the gateway proves itself to the provider. */
    public enum Credential {
        API_KEY("API key from a Secret"),
        API_KEY_OPTIONAL("API key from a Secret, if the server wants one"),
        CLOUD_IDENTITY("cloud identity: a key from a Secret or the pod's workload identity"),
        NONE("none");

        private final String label;

        Credential(String label) {
            this.label = label;
        }

        public String label() { return label; }
    }

    /**
     * The wire family: one adapter package under dev.tollgate.gateway.provider serves every provider of a family
     * (openai: OpenAI's API and the servers that speak it; google: the Gemini API …).
     */
    public String family() {
        return switch (this) {
            case OPENAI, AZURE, OPENAI_COMPATIBLE -> "openai";
            case HUGGINGFACE -> "huggingface"; // the router and TGI's Messages API relayed as OpenAI's; TGI /generate
            case OLLAMA -> "ollama"; // the native /api/chat, /api/generate, /api/embed
            case ANTHROPIC -> "anthropic";
            case GEMINI -> "google";
            case VERTEX -> "vertex"; // Google's models, Anthropic's and open models, each in its own dialect
            case PALM -> "palm";
            case COHERE -> "cohere";
            case BEDROCK -> "bedrock";
            case REPLICATE -> "replicate";
            case AI21 -> "ai21";
            case MOCK -> "mock";
            case MISTRAL, GROQ, TOGETHER_AI, DEEPSEEK, FIREWORKS_AI, OPENROUTER, XAI, PERPLEXITY, VLLM -> "openai";
        };
    }

    public Credential credential() {
        return switch (this) {
            case OPENAI, AZURE, ANTHROPIC, GEMINI, COHERE, REPLICATE, AI21, PALM -> Credential.API_KEY;
            case VERTEX, BEDROCK -> Credential.CLOUD_IDENTITY;
            case OLLAMA, OPENAI_COMPATIBLE, HUGGINGFACE -> Credential.API_KEY_OPTIONAL;
            case MOCK -> Credential.NONE;
            case MISTRAL, GROQ, TOGETHER_AI, DEEPSEEK, FIREWORKS_AI, OPENROUTER, XAI, PERPLEXITY -> Credential.API_KEY;
            case VLLM -> Credential.API_KEY_OPTIONAL;
        };
    }

    /**
     * What the gateway serves for this provider (empty while it is not {@link #served()}). ProviderRegistryTest ties
     * the operations to the gateway's adapters; the conformance kit runs the cases each capability calls for.
     */
    public java.util.Set<Capability> capabilities() {
        if (!served) {
            return java.util.EnumSet.noneOf(Capability.class);
        }
        return switch (this) {
            case OPENAI, AZURE, OPENAI_COMPATIBLE -> java.util.EnumSet.of(Capability.CHAT,
                    Capability.STREAM, Capability.TOOLS, Capability.IMAGES_IN, Capability.COMPLETIONS,
                    Capability.EMBEDDINGS, Capability.IMAGE_GENERATION);
            case ANTHROPIC -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.IMAGES_IN);
            case GEMINI, VERTEX -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.IMAGES_IN, Capability.EMBEDDINGS);
            case PALM -> java.util.EnumSet.of(Capability.CHAT, Capability.COMPLETIONS);
            case COHERE -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.IMAGES_IN, Capability.EMBEDDINGS, Capability.RERANK);
            // Jamba: chat, streams, tools; Jurassic-2 (j2-*): completions (and chat as a flattened prompt)
            case AI21 -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.COMPLETIONS);
            // Converse: chat, streams (event-stream framing), tools, images in; InvokeModel: embeddings, image generation
            case BEDROCK -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.IMAGES_IN, Capability.EMBEDDINGS, Capability.IMAGE_GENERATION);
            // predictions of language models (chat, completions; streamed) and image models (stable diffusion)
            case REPLICATE -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.COMPLETIONS,
                    Capability.IMAGE_GENERATION);
            // chat: the router or TGI's Messages API; completions: TGI's /generate (dedicated endpoints, own TGI);
            // embeddings: a dedicated endpoint's OpenAI route (Text Embeddings Inference)
            case HUGGINGFACE -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.IMAGES_IN, Capability.COMPLETIONS, Capability.EMBEDDINGS);
            case OLLAMA -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.IMAGES_IN, Capability.COMPLETIONS, Capability.EMBEDDINGS);
            case MOCK -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.COMPLETIONS, Capability.EMBEDDINGS, Capability.IMAGE_GENERATION, Capability.RERANK);
            // the OpenAI-compatible presets, as each provider's API reference offers them (the adapter serves what is
            // listed here: gateway/provider/openai/PresetAdapter)
            // Mistral: chat (Pixtral and Mistral Small/Medium read images), tools, mistral-embed; no /completions
            // (its FIM endpoint has another shape)
            case MISTRAL -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.IMAGES_IN, Capability.EMBEDDINGS);
            // Groq: chat, tools, vision models (Llama 4); no embeddings, no legacy completions
            case GROQ -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.IMAGES_IN);
            // Together, Fireworks: chat, tools, vision models, legacy completions and embeddings
            case TOGETHER_AI, FIREWORKS_AI -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.IMAGES_IN, Capability.COMPLETIONS, Capability.EMBEDDINGS);
            // DeepSeek: chat and tools, text only (its FIM completions live under /beta)
            case DEEPSEEK -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS);
            // OpenRouter: chat, tools, images, legacy completions
            case OPENROUTER -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.IMAGES_IN, Capability.COMPLETIONS);
            // xAI: chat, tools, images in
            case XAI -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.IMAGES_IN);
            // Perplexity (Sonar): chat with web search; no tools
            case PERPLEXITY -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM);
            // vLLM: OpenAI's chat, completions and embeddings APIs
            case VLLM -> java.util.EnumSet.of(Capability.CHAT, Capability.STREAM, Capability.TOOLS,
                    Capability.IMAGES_IN, Capability.COMPLETIONS, Capability.EMBEDDINGS);
        };
    }

    /**
     * The README's provider table (between its {@code providers} markers), made from this registry; ProviderRegistryTest
     * keeps the committed one equal to it.
     */
    public static String docsTable() {
        StringBuilder t = new StringBuilder("| provider | family | default `apiBase` | credentials | also required |");
        for (Capability c : Capability.values()) {
            t.append(' ').append(c.label()).append(" |");
        }
        t.append("\n|---|---|---|---|---|").append("---|".repeat(Capability.values().length)).append('\n');
        for (Provider p : values()) {
            t.append("| `").append(p.wireName).append("` | ").append(p.family()).append(" | ")
                    .append(p.defaultApiBase == null ? "—" : "`" + p.defaultApiBase + "`").append(" | ")
                    .append(p.credential().label()).append(" | ")
                    .append(p.required.isEmpty() ? "—" : String.join(", ", p.required.stream()
                            .map(r -> "`" + r.setting().field() + "`").toList())).append(" |");
            for (Capability c : Capability.values()) {
                t.append(p.served ? (p.capabilities().contains(c) ? " ✓ |" : " — |") : " not yet |");
            }
            t.append('\n');
        }
        return t.toString();
    }

    /** A setting of LlmModel.spec that a provider may need. */
    public enum Setting {
        API_BASE("apiBase"), API_VERSION("apiVersion"), REGION("region"), PROJECT("project");

        private final String field;

        Setting(String field) {
            this.field = field;
        }

        /** The field's name in LlmModel.spec and in the rendered model. */
        public String field() { return field; }

        String of(String apiBase, String apiVersion, String region, String project) {
            return switch (this) {
                case API_BASE -> apiBase;
                case API_VERSION -> apiVersion;
                case REGION -> region;
                case PROJECT -> project;
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
    public Optional<Required> missing(String apiBase, String apiVersion, String region, String project) {
        String base = apiBase != null && !apiBase.isBlank() ? apiBase : defaultApiBase;
        return required.stream().filter(r -> {
            String v = r.setting().of(base, apiVersion, region, project);
            return v == null || v.isBlank();
        }).findFirst();
    }

    /**
     * As {@link #missing(String, String, String, String)}, for a rendered model: what the gateway checks when a call
     * fails.
     */
    public static Optional<Required> missing(GatewayConfig.Model m) {
        return fromWireName(m.provider()).flatMap(p -> p.missing(m.apiBase(), m.apiVersion(), m.region(), m.project()));
    }

    /**
     * Whether this gateway version has an adapter for the provider. A model of a provider it does not serve is
     * refused when rendered (ProviderNotSupported), so no request and no member of a load-balanced group ever meets
     * a 501; ProvidersServedTest ties this flag to the gateway's adapters.
     */
    public boolean served() { return served; }

    /**
     * Whether the gateway serves this provider's own API on a pass-through route ({@code /<wireName>/...}, see
     * dev.tollgate.gateway.passthrough) for models no OpenAI endpoint fits: such a provider's models are accepted
     * even while {@link #served()} is false (its OpenAI-shaped path then answers 501 naming the route).
     * ReplicatePassThroughEndToEndTest ties this to the gateway's routes; PassThrough refuses a route it does not flag.
     */
    public boolean passThrough() {
        return this == REPLICATE;
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
