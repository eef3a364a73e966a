package dev.tollgate.gateway.provider;

/** What a request asks for, with its path under an OpenAI-style base URL. */
public enum Operation {
    CHAT("chat/completions"),
    COMPLETIONS("completions"),
    EMBEDDINGS("embeddings"),
    IMAGES("images/generations"),
    /** {@code POST /v1/rerank}: a query and documents in, relevance scores out (the shape Cohere and LiteLLM use). */
    RERANK("rerank");

    private final String path;

    Operation(String path) {
        this.path = path;
    }

    public String path() {
        return path;
    }
}
