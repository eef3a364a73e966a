package dev.tollgate.gateway.provider;

/**
 * What to do with a request parameter that has no equivalent on the target API.
 *
 * <p>The policy applies to request parameters and per-message/per-tool fields whose loss does not change the
 * conversation itself (sampling knobs, caching hints, participant names, ...). Conversation <em>content</em> that
 * cannot be represented on the other side (audio input, files, documents, images inside OpenAI tool messages ...)
 * is always rejected with HTTP 400, whatever the policy: dropping part of a prompt would silently change it.
 */
public enum UnsupportedParams {
    /**
     * Omit the parameter and report its name in {@link Translated#dropped()} so that the caller can log it or
     * expose it (for example in a response header).
     */
    DROP,
    /**
     * Fail the translation with a {@link TranslationException} carrying HTTP 400, the offending parameter name
     * and a message telling the client what to change.
     */
    REJECT
}
