package dev.tollgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Map;
import java.util.Set;

/**
 * The prompt template engine, pure: {@code {{name}}} placeholders (optionally with blanks inside the braces) replaced
 * by the variables' values, never recursively (a value holding {@code {{x}}} stays as it is). Used by the renderer
 * (which checks every placeholder is declared) and by the gateway (which renders a request's prompt).
 */
public final class PromptTemplates {
    private PromptTemplates() {}

    /** Why a request's prompt could not be rendered: a message saying what to do, and the request field at fault. */
    public static final class Invalid extends RuntimeException {
        private final String param;

        public Invalid(String message, String param) {
            super(message, null, false, false);
            this.param = param;
        }

        public String param() {
            return param;
        }
    }

    /** The names of the placeholders {@code text} uses, in order of first use. */
    public static Set<String> placeholders(String text) {
        // minimal version for the renderer's check (lane A1); the prompt helper's engine replaces it at merge
        Set<String> out = new java.util.LinkedHashSet<>();
        if (text == null) {
            return out;
        }
        java.util.regex.Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\{\\{\\s*([^{}]*?)\\s*\\}\\}");

    /**
     * The values of {@code version}'s variables: the request's {@code prompt_variables} ({@code given}, an object of
     * strings, numbers or booleans; null or missing: none) over the defaults. Throws {@link Invalid} (param
     * {@code prompt_variables}) for a variable that is missing, not declared, or not a scalar.
     */
    public static Map<String, String> values(GatewayConfig.PromptVersion version, JsonNode given) {
        throw new UnsupportedOperationException("placeholder: implemented by the prompt helper");
    }

    /** {@code version}'s messages with every placeholder replaced: {@code [{"role": …, "content": …}, …]}. */
    public static ArrayNode messages(GatewayConfig.PromptVersion version, Map<String, String> values) {
        throw new UnsupportedOperationException("placeholder: implemented by the prompt helper");
    }
}
