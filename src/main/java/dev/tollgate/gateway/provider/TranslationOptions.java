package dev.tollgate.gateway.provider;

import java.util.Objects;

/**
 * Options for request translation.
 *
 * @param unsupportedParams     what to do with parameters the target API cannot express
 * @param defaultMaxTokens      OpenAI to Anthropic only: the {@code max_tokens} to send when the OpenAI request has
 *                              neither {@code max_completion_tokens} nor {@code max_tokens} (Anthropic requires it);
 *                              typically the model's configured default. {@code null} means "no default": such a
 *                              request is then rejected with HTTP 400 on param {@code max_tokens}.
 * @param legacyMaxTokensField  Anthropic to OpenAI only: write the token limit as {@code max_tokens} instead of
 *                              {@code max_completion_tokens}. OpenAI deprecated {@code max_tokens} (and rejects it for
 *                              reasoning models) but some OpenAI-style providers only understand {@code max_tokens}.
 */
public record TranslationOptions(UnsupportedParams unsupportedParams, Integer defaultMaxTokens,
                                 boolean legacyMaxTokensField) {

    /** Validates the options. */
    public TranslationOptions {
        Objects.requireNonNull(unsupportedParams, "unsupportedParams");
        if (defaultMaxTokens != null && defaultMaxTokens < 1) {
            throw new IllegalArgumentException("defaultMaxTokens must be positive, was " + defaultMaxTokens);
        }
    }

    /** Options with the given policy and default {@code max_tokens}, writing {@code max_completion_tokens}. */
    public static TranslationOptions of(UnsupportedParams unsupportedParams, int defaultMaxTokens) {
        return new TranslationOptions(unsupportedParams, defaultMaxTokens, false);
    }

    /** Options with the given policy and no default {@code max_tokens}, writing {@code max_completion_tokens}. */
    public static TranslationOptions of(UnsupportedParams unsupportedParams) {
        return new TranslationOptions(unsupportedParams, null, false);
    }

    /** A copy that writes the legacy OpenAI {@code max_tokens} field instead of {@code max_completion_tokens}. */
    public TranslationOptions withLegacyMaxTokensField() {
        return new TranslationOptions(unsupportedParams, defaultMaxTokens, true);
    }

    /**
     * The options a deployment asks for: its unsupported-parameter policy ({@code drop} or, by default, reject) and its
     * default {@code max_tokens} (from {@code defaultParams}; 4096 when it sets none) for APIs that require one.
     */
    public static TranslationOptions forModel(dev.tollgate.config.GatewayConfig.Model model) {
        com.fasterxml.jackson.databind.JsonNode max = model.defaultParams() == null ? null : model.defaultParams().get("max_tokens");
        return of("drop".equals(model.unsupportedParams()) ? UnsupportedParams.DROP : UnsupportedParams.REJECT,
                max != null && max.canConvertToInt() ? max.asInt() : 4096);
    }
}
