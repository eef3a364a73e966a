package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.validation.InvalidRequest;
import dev.tollgate.gateway.validation.RequestRules;
import io.vertx.core.buffer.Buffer;
import java.io.CharConversionException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request body that is a JSON object, kept as the client's own bytes for as long as no stage needs more than its
 * top-level fields. Relaying OpenAI to OpenAI only swaps the model name (and at most adds a field or two), so the
 * body is read once with a streaming parser and the changes are spliced into the client's bytes: parsing it into a
 * tree and writing it again was the largest JSON cost per request. The first stage that needs the whole document
 * (a translation, token counting, defaultParams) calls {@link #tree()}; from then on the tree is the body.
 *
 * <p>Top-level fields whose name appears more than once are read as a tree at once (the last one wins, as
 * everywhere in Tollgate), so an upstream never sees a second {@code model} the gateway did not check.
 */
public final class JsonBody {
    /** The fields whose values are kept from the streaming pass: what routing, limits and budgets read. */
    private static final List<String> KEPT = List.of("model", "stream", "n", "max_tokens", "max_completion_tokens",
            "stream_options");

    private final byte[] raw;
    private final Buffer rawBuffer;
    /** Offset of the opening brace in {@link #raw}. */
    private final int open;
    /** Byte span [start, end) of every top-level value in {@link #raw}. */
    private final Map<String, int[]> spans;
    /** Values of the {@link #KEPT} fields (null when absent), by their index there, with the edits made so far. */
    private final JsonNode[] kept;
    /** Top-level fields set since the bytes were read, in order: replaced in place or added after the brace. */
    private Map<String, JsonNode> edits = Map.of();
    private ObjectNode tree;

    private JsonBody(ObjectNode tree) {
        this.raw = null;
        this.rawBuffer = null;
        this.open = 0;
        this.spans = Map.of();
        this.kept = new JsonNode[KEPT.size()];
        this.tree = tree;
    }

    private JsonBody(byte[] raw, Buffer rawBuffer, int open, Map<String, int[]> spans, JsonNode[] kept) {
        this.raw = raw;
        this.rawBuffer = rawBuffer;
        this.open = open;
        this.spans = spans;
        this.kept = kept;
    }

    /** A body built by the gateway (a translation): already a tree. */
    public static JsonBody of(ObjectNode tree) {
        return new JsonBody(tree);
    }

    /** Why a client's body could not be read as one JSON object: a message that says what was wrong and what to do. */
    public static final class Invalid extends RuntimeException {
        private Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Reads a client's body in one streaming pass (validating all of it), or returns null when it is not exactly one
     * JSON object.
     */
    public static JsonBody read(Buffer buffer) {
        try {
            return parse(buffer, null);
        } catch (Invalid e) {
            return null;
        }
    }

    /**
     * Reads a client's body in one streaming pass (validating all of it: JSON syntax, UTF-8, and the gateway's
     * {@link Json#READ_CONSTRAINTS} on nesting depth and number length), or says why it is not exactly one JSON object.
     */
    public static JsonBody parse(Buffer buffer) {
        return parse(buffer, null);
    }

    /**
     * Reads a client's body as {@link #parse(Buffer)} does, checking it against {@code rules} in the same pass (every
     * top-level value is handed to them as the parser passes it: no second parse, no tree). Throws {@link Invalid}
     * when the body is not exactly one JSON object, and {@link InvalidRequest} when it is one that breaks the rules.
     */
    public static JsonBody parse(Buffer buffer, RequestRules rules) {
        if (buffer == null || buffer.length() == 0) {
            throw new Invalid("the request body is empty: send one JSON object (Content-Type: application/json)");
        }
        byte[] bytes = Json.exactArray(buffer);
        try (JsonParser p = Json.mapper().getFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw notAnObject();
            }
            int open = (int) p.currentTokenLocation().getByteOffset();
            if (open < 0) {
                // not UTF-8 (Jackson detected UTF-16 or UTF-32 and counts characters, not bytes): no byte spans to
                // splice, so the body is read as a tree and written as UTF-8, as the upstream APIs expect
                return asTree(bytes, rules);
            }
            Map<String, int[]> spans = new HashMap<>(16);
            JsonNode[] kept = new JsonNode[KEPT.size()];
            boolean duplicate = false;
            int seen = 0;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                int start = (int) p.currentTokenLocation().getByteOffset();
                int k = KEPT.indexOf(name);
                if (k >= 0) {
                    if (rules != null && value.isScalarValue()) {
                        seen |= rules.field(name, p); // a scalar is one token: checked, then still there to keep
                    }
                    kept[k] = value(p, value);
                    if (rules != null && !value.isScalarValue()) {
                        seen |= check(rules, name, kept[k]);
                    }
                } else if (rules != null) {
                    seen |= rules.field(name, p);
                    if (p.currentToken() == JsonToken.VALUE_STRING) {
                        p.finishToken();
                    }
                } else if (value == JsonToken.VALUE_STRING) {
                    p.finishToken(); // strings are read lazily: the end is known once the text is
                } else {
                    p.skipChildren();
                }
                int end = (int) p.currentLocation().getByteOffset();
                duplicate |= spans.put(name, new int[] {start, end}) != null;
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new Invalid("the request body has content after its JSON object: send exactly one JSON object");
            }
            if (duplicate) {
                return asTree(bytes, rules); // checked again as the tree it becomes: the last value of a name wins
            }
            if (rules != null) {
                rules.end(seen);
            }
            return new JsonBody(bytes, buffer, open, spans, kept);
        } catch (InvalidRequest e) {
            // a field named twice is sent on with its last value, so that is the one to judge: the pass above judged
            // the first it met. Read as a tree and checked again (only here, on the refusal path); a body that is not
            // JSON after all is refused as such (Invalid)
            return asTree(bytes, rules);
        } catch (IOException e) {
            throw new Invalid(describe(e));
        }
    }

    private static Invalid notAnObject() {
        return new Invalid("the request body is not a JSON object: send one JSON object (Content-Type: "
                + "application/json) as the API reference describes");
    }

    /**
     * What Jackson found, in words a client can act on. Jackson's own message is kept (it names the byte, the limit
     * or the token), without the source excerpt: Jackson leaves that out by default, and it would only echo the
     * client's bytes back.
     */
    static String describe(IOException e) {
        String what = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        String where = e instanceof JsonProcessingException j && j.getLocation() != null
                ? " (line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")" : "";
        if (e instanceof StreamConstraintsException) {
            return "the request body exceeds a JSON limit of this gateway: " + what + where + ": nest objects and "
                    + "arrays at most " + Json.MAX_NESTING_DEPTH + " deep and write numbers in at most "
                    + Json.MAX_NUMBER_LENGTH + " characters";
        }
        if (e instanceof CharConversionException || (what != null && what.contains("UTF-8"))) {
            return "the request body is not valid UTF-8: " + what + where + ": send JSON encoded as UTF-8";
        }
        if (what != null && what.contains("end-of-input")) {
            return "the request body ends before its JSON does (truncated?): " + what + where + ": send the whole "
                    + "JSON object";
        }
        return "the request body is not valid JSON: " + what + where + ": send one JSON object (Content-Type: "
                + "application/json) as the API reference describes";
    }

    /** The body read as a tree from the start, checked against {@code rules} (or why it is not one JSON object). */
    private static JsonBody asTree(byte[] bytes, RequestRules rules) {
        ObjectNode o;
        try {
            o = Json.mapper().readTree(bytes) instanceof ObjectNode n ? n : throwNotAnObject();
        } catch (IOException e) {
            throw new Invalid(describe(e));
        }
        if (rules != null) {
            try (JsonParser p = o.traverse()) {
                rules.check(p);
            } catch (IOException e) {
                throw new Invalid(describe(e));
            }
        }
        return new JsonBody(o);
    }

    /** Checks a top-level value kept as a node (an object or array), through the node's own parser. */
    private static int check(RequestRules rules, String name, JsonNode value) throws IOException {
        try (JsonParser p = value.traverse()) {
            p.nextToken();
            return rules.field(name, p);
        }
    }

    private static <T> T throwNotAnObject() {
        throw notAnObject();
    }

    /** The current value as a node: scalars directly (a tree reader per field cost more than the rest of the pass). */
    private static JsonNode value(JsonParser p, JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_STRING -> Json.NODES.textNode(p.getText());
            case VALUE_TRUE, VALUE_FALSE -> Json.NODES.booleanNode(token == JsonToken.VALUE_TRUE);
            case VALUE_NULL -> Json.NODES.nullNode();
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? Json.NODES.numberNode(p.getBigIntegerValue()) : Json.NODES.numberNode(p.getLongValue());
            default -> Json.mapper().readTree(p); // objects, arrays, decimals (read exactly)
        };
    }

    /** The top-level field's value (a missing node when absent), without reading the whole body when it need not. */
    public JsonNode path(String field) {
        JsonNode v = get(field);
        return v == null ? MissingNode.getInstance() : v;
    }

    /** The top-level field's value, or null when absent. */
    public JsonNode get(String field) {
        if (tree != null) {
            return tree.get(field);
        }
        int k = KEPT.indexOf(field);
        if (k >= 0) {
            return kept[k];
        }
        return spans.containsKey(field) || edits.containsKey(field) ? tree().get(field) : null;
    }

    /**
     * The top-level field's value, or null when absent: as {@link #get}, but reading only that value's bytes while
     * there is no tree (a stage that looks at one nested field, e.g. {@code metadata}, need not parse the whole body).
     */
    public JsonNode field(String field) {
        if (tree != null || KEPT.contains(field) || edits.containsKey(field)) {
            return get(field);
        }
        int[] span = spans.get(field);
        if (span == null) {
            return null;
        }
        try {
            return Json.mapper().readTree(raw, span[0], span[1] - span[0]);
        } catch (IOException e) {
            return get(field); // read once already: cannot fail, but the tree is the authority
        }
    }

    public boolean has(String field) {
        return tree != null ? tree.has(field) : spans.containsKey(field) || edits.containsKey(field);
    }

    /** Sets a top-level field: an edit of the bytes while there is no tree, else a change of the tree. */
    public void set(String field, JsonNode value) {
        if (tree != null) {
            tree.set(field, value);
            return;
        }
        int k = KEPT.indexOf(field);
        if (k >= 0) {
            if (value.equals(kept[k])) {
                return; // e.g. the upstream model has the public name: the client's bytes go on as they are
            }
            kept[k] = value;
        }
        if (edits.isEmpty()) {
            edits = new LinkedHashMap<>(4);
        }
        edits.put(field, value);
    }

    /** The whole body as a tree (read on first use, with the edits so far applied); changes to it are the body. */
    public ObjectNode tree() {
        if (tree == null) {
            tree = (ObjectNode) Json.parse(raw);
            edits.forEach(tree::set);
            edits = Map.of();
        }
        return tree;
    }

    /**
     * Whether the body may hold {@code needle} (a JSON string literal, e.g. a field name with its quotes): a scan of the
     * client's bytes and of the edits while there is no tree; always true once there is one (look at the tree then).
     * False is certain.
     */
    public boolean mayContain(byte[] needle) {
        if (tree != null) {
            return true;
        }
        if (indexOf(raw, needle) >= 0) {
            return true;
        }
        for (JsonNode edit : edits.values()) {
            if (!edit.isValueNode() && indexOf(Json.writeBytes(edit), needle) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        byte first = needle[0];
        int last = haystack.length - needle.length;
        outer:
        for (int i = 0; i <= last; i++) {
            if (haystack[i] != first) {
                continue;
            }
            for (int k = 1; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Whether the body is still the client's bytes (with splices), not a tree. For tests. */
    boolean spliced() {
        return tree == null;
    }

    /** The body to send: the client's bytes with the edits spliced in, or the tree written once. */
    public Buffer toBuffer() {
        if (tree != null) {
            return Buffer.buffer(Json.writeBytes(tree));
        }
        if (edits.isEmpty()) {
            return rawBuffer;
        }
        List<int[]> replaced = new ArrayList<>(edits.size()); // {start, end, index into values}
        List<byte[]> values = new ArrayList<>(edits.size());
        List<byte[]> added = new ArrayList<>(); // "name", value, "name", value ...
        int size = raw.length;
        for (Map.Entry<String, JsonNode> e : edits.entrySet()) {
            int[] span = spans.get(e.getKey());
            byte[] value = json(e.getValue());
            size += value.length;
            if (span != null) {
                replaced.add(new int[] {span[0], span[1], values.size()});
                values.add(value);
            } else {
                byte[] name = quoted(e.getKey());
                added.add(name);
                added.add(value);
                size += name.length + 2;
            }
        }
        replaced.sort((a, b) -> Integer.compare(a[0], b[0]));
        Buffer out = Buffer.buffer(size);
        out.appendBytes(raw, 0, open + 1);
        for (int i = 0; i < added.size(); i += 2) {
            out.appendBytes(added.get(i)).appendByte((byte) ':').appendBytes(added.get(i + 1));
            if (i + 2 < added.size() || !spans.isEmpty()) {
                out.appendByte((byte) ','); // {} had no field to put the last comma before
            }
        }
        int at = open + 1;
        for (int[] r : replaced) {
            out.appendBytes(raw, at, r[0] - at).appendBytes(values.get(r[2]));
            at = r[1];
        }
        return out.appendBytes(raw, at, raw.length - at);
    }

    /**
     * A value's JSON text: a string quoted directly (the model name, on every request) and a whole number written
     * directly (the output limit a budget sets), anything else by Jackson.
     */
    private static byte[] json(JsonNode value) {
        if (value.isTextual()) {
            return quoted(value.textValue());
        }
        if (value.isIntegralNumber()) {
            return value.asText().getBytes(StandardCharsets.US_ASCII);
        }
        return Json.writeBytes(value);
    }

    /** A JSON string literal, UTF-8. */
    private static byte[] quoted(String text) {
        byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(text);
        byte[] out = new byte[quoted.length + 2];
        out[0] = '"';
        System.arraycopy(quoted, 0, out, 1, quoted.length);
        out[out.length - 1] = '"';
        return out;
    }
}
