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

    /**
     * Why a request's prompt was not rendered: its text would pass the budget (the gateway's largest request body), so
     * rendering stopped there; {@link #budget()} is that budget, in characters.
     */
    public static final class TooLarge extends RuntimeException {
        private final long budget;

        public TooLarge(long budget) {
            super("the rendered prompt is larger than " + budget + " characters", null, false, false);
            this.budget = budget;
        }

        public long budget() {
            return budget;
        }
    }

    /** {@code version}'s messages with every placeholder replaced: {@code [{"role": …, "content": …}, …]}. */
    public static ArrayNode messages(GatewayConfig.PromptVersion version, Map<String, String> values) {
        return messages(version, values, Long.MAX_VALUE);
    }

    /**
     * {@code version}'s messages with every placeholder replaced, their contents together at most {@code budget}
     * characters: rendering stops (throws {@link TooLarge}) as soon as they pass it, so a template that uses a large
     * value many times never builds more than {@code budget} characters.
     */
    public static ArrayNode messages(GatewayConfig.PromptVersion version, Map<String, String> values, long budget) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode(version.messages().size());
        long left = budget;
        for (GatewayConfig.Message m : version.messages()) {
            String content = render(m.content(), values, left, budget);
            left -= content == null ? 0 : content.length();
            ObjectNode o = out.addObject();
            o.put("role", m.role());
            o.put("content", content);
        }
        return out;
    }

    /**
     * {@code text} with each placeholder replaced by its value in one pass: a value is never read for placeholders,
     * and a placeholder without a value stays as written.
     */
    public static String render(String text, Map<String, String> values) {
        return render(text, values, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * {@link #render(String, Map)}, throwing {@link TooLarge} (reporting {@code budget}) as soon as the result would
     * pass {@code left} characters.
     */
    public static String render(String text, Map<String, String> values, long left, long budget) {
        if (text == null) {
            return null;
        }
        if (text.indexOf("{{") < 0) {
            if (text.length() > left) {
                throw new TooLarge(budget);
            }
            return text;
        }
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = null;
        int last = 0;
        long size = 0; // the characters the result holds so far (the literal text and the values before m)
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                continue;
            }
            size += (m.start() - last) + (long) value.length();
            if (size > left) {
                throw new TooLarge(budget);
            }
            if (sb == null) {
                sb = new StringBuilder((int) Math.min(Integer.MAX_VALUE - 8, Math.min(left, text.length() + 64L)));
            }
            sb.append(text, last, m.start()).append(value);
            last = m.end();
        }
        if (size + (text.length() - last) > left) {
            throw new TooLarge(budget);
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
