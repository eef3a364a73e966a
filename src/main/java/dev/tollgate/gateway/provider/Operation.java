package dev.tollgate.gateway.provider;

/** What a request asks for, with its path under an OpenAI-style base URL. */
public enum Operation {
    CHAT("chat/completions"),
    COMPLETIONS("completions"),
    EMBEDDINGS("embeddings"),
    IMAGES("images/generations"),
    /** {@code POST /v1/rerank}: a query and documents in, relevance scores out (the shape Cohere and LiteLLM use). */
    RERANK("rerank"),
    /**
     * A call to a provider's own API through a pass-through route ({@code /replicate/...}): the body is the
     * provider's, relayed as it came (dev.tollgate.gateway.passthrough); no OpenAI path.
     */
    PASSTHROUGH("");

    private final String path;

    Operation(String path) {
        this.path = path;
    }

    public String path() {
        return path;
    }
}
