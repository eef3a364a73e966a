package dev.tollgate.gateway.prompt;

/**
 * The prompt version a request was rendered from.
 *
 * @param id      the Prompt's id, {@code <namespace>/<name>}
 * @param version the version served
 * @param label   the label the client named (prompt_label), or null
 */
public record PromptUse(String id, int version, String label) {
    /** The usage report's key for this version: {@code <id>@<version>}. */
    public String usageKey() {
        return id + "@" + version;
    }
}
