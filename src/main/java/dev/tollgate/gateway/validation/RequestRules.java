package dev.tollgate.gateway.validation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import java.io.IOException;

/**
 * The published description of one endpoint's request body, as far as the gateway reads or forwards it, checked
 * while the body is read: {@link dev.tollgate.gateway.provider.JsonBody#read} hands every top-level field to
 * {@link #field} as its streaming parser passes it, so checking costs no second parse and builds no tree (values
 * are looked at token by token; long strings are skipped, not decoded). A violation throws {@link InvalidRequest}.
 * Fields the rules do not know are passed on untouched: providers add fields faster than any schema.
 *
 * <p>The rules are taken from OpenAI's OpenAPI description (CreateChatCompletionRequest, CreateCompletionRequest,
 * CreateEmbeddingRequest, CreateImageRequest), Cohere's rerank request (for {@code /v1/rerank}) and Anthropic's Messages API reference; see the README's gateway API
 * section for the list. JSON {@code null} is accepted wherever the description says a field is nullable.
 */
public abstract class RequestRules {

    /** The rules for a client dialect and operation; stateless singletons. */
    public static RequestRules of(WireFormat ingress, Operation op) {
        if (ingress == WireFormat.ANTHROPIC) {
            return AnthropicRules.MESSAGES;
        }
        return switch (op) {
            case CHAT -> OpenAiRules.CHAT;
            case COMPLETIONS -> OpenAiRules.COMPLETIONS;
            case EMBEDDINGS -> OpenAiRules.EMBEDDINGS;
            case IMAGES -> OpenAiRules.IMAGES;
            case RERANK -> OpenAiRules.RERANK;
            case PASSTHROUGH -> throw new IllegalArgumentException("a pass-through body is the provider's: no OpenAI rules");
        };
    }

    /**
     * Checks the value of the top-level field {@code name}, the parser on its first token, and consumes it: the
     * parser is left on the value's last token. Returns bits of what was seen, for {@link #end}.
     */
    public abstract int field(String name, JsonParser p) throws IOException;

    /** After the last field: the required fields and the rules between fields, from the bits {@link #field} returned. */
    public abstract void end(int seen);

    /** Checks a whole body (a tree, e.g. one with a duplicate field, read through its parser). */
    public final void check(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return;
        }
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            seen |= field(name, p);
        }
        end(seen);
    }

    // ---- checks of one value: null when it is fine, else what is wrong (allocated only then) -------------------

    static String got(JsonParser p) {
        JsonToken t = p.currentToken();
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a decimal number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }

    static Problem type(JsonParser p, String expected) {
        return new Problem(InvalidRequest.Kind.TYPE, "invalid_type", "expected " + expected + ", but got " + got(p)
                + " instead");
    }

    static boolean isNull(JsonParser p) {
        return p.currentToken() == JsonToken.VALUE_NULL;
    }

    static Problem string(JsonParser p) {
        return p.currentToken() == JsonToken.VALUE_STRING ? null : type(p, "a string");
    }

    static Problem bool(JsonParser p) {
        return p.currentToken() == JsonToken.VALUE_TRUE || p.currentToken() == JsonToken.VALUE_FALSE ? null
                : type(p, "a boolean");
    }

    static Problem object(JsonParser p) {
        return p.currentToken() == JsonToken.START_OBJECT ? null : type(p, "an object");
    }

    /** A whole number within [min, max]. */
    static Problem integer(JsonParser p, long min, long max) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            return type(p, "an integer");
        }
        boolean big = p.getNumberType() == JsonParser.NumberType.BIG_INTEGER;
        if (big ? p.getBigIntegerValue().signum() < 0 : p.getLongValue() < min) {
            return new Problem(InvalidRequest.Kind.VALUE, "integer_below_min_value", "integer below minimum value. "
                    + "Expected a value >= " + min + ", but got " + p.getText() + " instead");
        }
        if (big || p.getLongValue() > max) {
            return new Problem(InvalidRequest.Kind.VALUE, "integer_above_max_value", "integer above maximum value. "
                    + "Expected a value <= " + max + ", but got " + p.getText() + " instead");
        }
        return null;
    }

    /** A number (whole or decimal) within [min, max]. */
    static Problem number(JsonParser p, double min, double max) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            return type(p, "a number");
        }
        double v = p.getDoubleValue();
        if (v < min) {
            return new Problem(InvalidRequest.Kind.VALUE, "decimal_below_min_value", "number below minimum value. "
                    + "Expected a value >= " + plain(min) + ", but got " + p.getText() + " instead");
        }
        if (!(v <= max)) {
            return new Problem(InvalidRequest.Kind.VALUE, "decimal_above_max_value", "number above maximum value. "
                    + "Expected a value <= " + plain(max) + ", but got " + p.getText() + " instead");
        }
        return null;
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /** A string that is one of {@code allowed}. */
    static Problem oneOf(JsonParser p, String... allowed) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            return type(p, "a string");
        }
        String v = p.getText();
        for (String a : allowed) {
            if (a.equals(v)) {
                return null;
            }
        }
        return new Problem(InvalidRequest.Kind.VALUE, "invalid_value", "value must be one of "
                + String.join(", ", allowed) + ", but got '" + abbreviate(v) + "' instead");
    }

    static String abbreviate(String v) {
        return v.length() <= 40 ? v : v.substring(0, 40) + "…";
    }

    static InvalidRequest tooMany(int max, Object... path) {
        return InvalidRequest.value("array_above_max_length", "array too long. Expected an array with at most " + max
                + " items", path);
    }

    static InvalidRequest empty(Object... path) {
        return InvalidRequest.value("empty_array", "empty array. Expected an array with at least 1 item", path);
    }

    // Throws when {@code problem} is not null. One overload per shape of path, so that a field that is fine costs no
    // array (and no boxed index): the path is built only to name a field that is wrong.

    static void ok(Problem problem, Object[] path) {
        if (problem != null) {
            throw InvalidRequest.of(problem, path);
        }
    }

    static void ok(Problem problem, String a) {
        if (problem != null) {
            throw InvalidRequest.of(problem, a);
        }
    }

    static void ok(Problem problem, String a, String b) {
        if (problem != null) {
            throw InvalidRequest.of(problem, a, b);
        }
    }

    static void ok(Problem problem, String a, String b, String c) {
        if (problem != null) {
            throw InvalidRequest.of(problem, a, b, c);
        }
    }

    static void ok(Problem problem, String a, int i) {
        if (problem != null) {
            throw InvalidRequest.of(problem, a, i);
        }
    }

    static void ok(Problem problem, String a, int i, String b) {
        if (problem != null) {
            throw InvalidRequest.of(problem, a, i, b);
        }
    }

    static void ok(Problem problem, String a, int i, String b, String c) {
        if (problem != null) {
            throw InvalidRequest.of(problem, a, i, b, c);
        }
    }

    static void ok(Problem problem, String a, int i, int j) {
        if (problem != null) {
            throw InvalidRequest.of(problem, a, i, j);
        }
    }

    static void ok(Problem problem, String a, int i, String b, int j) {
        if (problem != null) {
            throw InvalidRequest.of(problem, a, i, b, j);
        }
    }

    static void ok(Problem problem, String a, int i, String b, int j, String c) {
        if (problem != null) {
            throw InvalidRequest.of(problem, a, i, b, j, c);
        }
    }

    static void ok(Problem problem, String a, int i, String b, int j, String c, String d) {
        if (problem != null) {
            throw InvalidRequest.of(problem, a, i, b, j, c, d);
        }
    }

    /** A nullable field: null passes, anything else must meet {@code problem}'s check. */
    static void okOrNull(JsonParser p, Problem problem, String field) {
        if (problem != null && !isNull(p)) {
            throw InvalidRequest.of(problem, field);
        }
    }

    static void okOrNull(JsonParser p, Problem problem, String a, int i, String b) {
        if (problem != null && !isNull(p)) {
            throw InvalidRequest.of(problem, a, i, b);
        }
    }

    /** {@code stop} / {@code stop_sequences}: a string, or an array of at most {@code max} strings. */
    static void stringOrStrings(JsonParser p, String field, int min, int max, boolean stringAllowed) throws IOException {
        if (isNull(p) || (stringAllowed && p.currentToken() == JsonToken.VALUE_STRING)) {
            return;
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw InvalidRequest.of(type(p, stringAllowed ? "a string or an array of strings" : "an array of strings"),
                    field);
        }
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            ok(string(p), field, i);
            i++;
        }
        if (i > max) {
            throw tooMany(max, field);
        }
        if (i < min) {
            throw empty(field);
        }
    }

    /** An object whose fields are not checked (only that it is one). */
    static void anyObject(JsonParser p, Object... path) throws IOException {
        ok(object(p), (Object[]) path);
        p.skipChildren();
    }
}
