package dev.tollgate.gateway.provider;

/** What a request asks for, with its path under an OpenAI-style base URL. */
public enum Operation {
    CHAT("chat/completions"),
    COMPLETIONS("completions"),
    EMBEDDINGS("embeddings"),
    IMAGES("images/generations");

    private final String path;

    Operation(String path) {
        this.path = path;
    }

    public String path() {
        return path;
    }
}
