package dev.tollgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The prompt template engine, pure: {@code {{name}}} placeholders (optionally with blanks inside the braces) replaced
 * by the variables' values, never recursively (a value holding {@code {{x}}} stays as it is). Used by the renderer
 * (which checks every placeholder is declared) and by the gateway (which renders a request's prompt).
 *
 * <p>A placeholder is two opening braces, optional spaces or tabs, a name ({@code [A-Za-z_][A-Za-z0-9_]*}),
 * optional spaces or tabs and two closing braces. Anything else is literal text: {@code {{ not a var }}}, a lone pair
 * of opening braces, {@code {{1x}}}.
 */
public final class PromptTemplates {
    /** What a placeholder looks like; group 1 is the variable's name. */
    public static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{[ \\t]*([A-Za-z_][A-Za-z0-9_]*)[ \\t]*\\}\\}");

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
        Set<String> names = new LinkedHashSet<>();
        if (text == null || text.indexOf("{{") < 0) {
            return names;
        }
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /**
     * The values of {@code version}'s variables: the request's {@code prompt_variables} ({@code given}, an object of
     * strings, numbers or booleans; null or missing: none) over the defaults. A number is taken as its node's text (the
     * gateway hands numbers over as the client wrote them). Throws {@link Invalid}: param {@code prompt_variables} when
     * {@code given} is not an object; {@code prompt_variables.<name>} for a value that is null, an object or an array,
     * for a variable the version does not declare, and for a declared variable without a default that is missing.
     */
    public static Map<String, String> values(GatewayConfig.PromptVersion version, JsonNode given) {
        Map<String, String> values = new HashMap<>();
        for (GatewayConfig.Variable v : version.variables()) {
            if (v.defaultValue() != null) {
                values.put(v.name(), v.defaultValue());
            }
        }
        if (given != null && !given.isMissingNode() && !given.isNull()) {
            if (!given.isObject()) {
                throw new Invalid("'prompt_variables' must be an object of variable names to values (strings, numbers "
                        + "or booleans), e.g. {\"customer\": \"Ada\"}; got " + kind(given), "prompt_variables");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                if (!declares(version, name)) {
                    throw new Invalid("prompt version " + version.version() + " has no variable '" + name + "': "
                            + declared(version), "prompt_variables." + name);
                }
                JsonNode value = e.getValue();
                if (value.isTextual()) {
                    values.put(name, value.textValue());
                } else if (value.isNumber() || value.isBoolean()) {
                    values.put(name, value.asText());
                } else {
                    throw new Invalid("the variable '" + name + "' must be a string, a number or a boolean; got "
                            + kind(value), "prompt_variables." + name);
                }
            }
        }
        for (GatewayConfig.Variable v : version.variables()) {
            if (!values.containsKey(v.name())) {
                throw new Invalid("prompt version " + version.version() + " needs the variable '" + v.name()
                        + "' (it has no default): give it in prompt_variables", "prompt_variables." + v.name());
            }
        }
        return values;
    }

    /** {@code version}'s messages with every placeholder replaced: {@code [{"role": …, "content": …}, …]}. */
    public static ArrayNode messages(GatewayConfig.PromptVersion version, Map<String, String> values) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode(version.messages().size());
        for (GatewayConfig.Message m : version.messages()) {
            ObjectNode o = out.addObject();
            o.put("role", m.role());
            o.put("content", render(m.content(), values));
        }
        return out;
    }

    /**
     * {@code text} with each placeholder replaced by its value in one pass: a value is never read for placeholders,
     * and a placeholder without a value stays as written.
     */
    public static String render(String text, Map<String, String> values) {
        if (text == null || text.indexOf("{{") < 0) {
            return text;
        }
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = null;
        int last = 0;
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(text.length() + 64);
            }
            sb.append(text, last, m.start()).append(value);
            last = m.end();
        }
        return sb == null ? text : sb.append(text, last, text.length()).toString();
    }

    private static boolean declares(GatewayConfig.PromptVersion version, String name) {
        for (GatewayConfig.Variable v : version.variables()) {
            if (v.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static String declared(GatewayConfig.PromptVersion version) {
        if (version.variables().isEmpty()) {
            return "it declares none";
        }
        List<String> names = new ArrayList<>();
        version.variables().forEach(v -> names.add(v.name()));
        return "it declares " + String.join(", ", names);
    }

    private static String kind(JsonNode n) {
        return n.isNull() ? "null" : n.isObject() ? "an object" : n.isArray() ? "an array" : n.isTextual() ? "a string"
                : n.isNumber() ? "a number" : n.isBoolean() ? "a boolean" : n.getNodeType().toString().toLowerCase();
    }
}
