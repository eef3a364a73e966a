package dev.tollgate.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Small Jackson helpers. Numbers in JSON strings (tool arguments) are parsed exactly, never through double. */
public final class Json {

    public static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    /**
     * How deep objects and arrays may nest in JSON the gateway reads (client bodies, upstream answers). Requests nest
     * a few levels (messages, content parts, tool schemas); Jackson's default of 1000 only lets a hostile body cost
     * more stack and time before it is refused.
     */
    public static final int MAX_NESTING_DEPTH = 256;
    /**
     * The longest number, in characters, the gateway reads: a float with every digit a double has is about 25, and a
     * 100-digit max_tokens is an attack or a mistake, not a request (Jackson's default is 1000).
     */
    public static final int MAX_NUMBER_LENGTH = 64;

    /** The limits above, on the shared mapper's parsers: exceeding one is a 400 that says which (JsonBody). */
    public static final StreamReadConstraints READ_CONSTRAINTS = StreamReadConstraints.builder()
            .maxNestingDepth(MAX_NESTING_DEPTH).maxNumberLength(MAX_NUMBER_LENGTH).build();

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(READ_CONSTRAINTS).build())
            .nodeFactory(NODES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private Json() {
    }

    /** The shared mapper (exact decimals), for streaming reads. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static ArrayNode array() {
        return NODES.arrayNode();
    }

    /** Textual value of {@code node.field}, or {@code null} when absent, null or not textual. */
    public static String text(JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    public static long longValue(JsonNode node, String field) {
        if (node == null) {
            return 0;
        }
        JsonNode value = node.get(field);
        return value != null && value.isNumber() ? value.asLong() : 0;
    }

    /** Missing, JSON null, empty array or empty object. */
    public static boolean absent(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode()
                || ((node.isArray() || node.isObject()) && node.isEmpty());
    }

    public static boolean present(JsonNode node, String field) {
        return node != null && !absent(node.get(field));
    }

    /** Parses a JSON text; {@code null} when it is not valid JSON. */
    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** Parses UTF-8 JSON bytes; {@code null} when they are not valid JSON. */
    public static JsonNode parse(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** The JSON tree as UTF-8 bytes (no intermediate String). */
    public static byte[] writeBytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a JSON tree", e);
        }
    }

    /** What {@link #topLevelField} found: whether the text is one JSON object, and the field's value (or null). */
    public record TopLevel(boolean object, JsonNode value) {}

    /**
     * Reads one top-level field of a JSON object without building the rest of the tree: the document is checked
     * token by token (so invalid JSON or trailing content still says {@code object == false}), only the named field's
     * value is materialised. This is how an answer relayed byte for byte still yields its usage.
     */
    public static TopLevel topLevelField(byte[] json, String field) {
        return topLevelField(json, 0, json.length, field);
    }

    /** As {@link #topLevelField(byte[], String)}, read from the buffer's own bytes (not a copy of them). */
    public static TopLevel topLevelField(io.vertx.core.buffer.Buffer json, String field) {
        io.netty.buffer.ByteBuf b = json.getByteBuf();
        return b.hasArray() ? topLevelField(b.array(), b.arrayOffset() + b.readerIndex(), b.readableBytes(), field)
                : topLevelField(json.getBytes(), field);
    }

    private static TopLevel topLevelField(byte[] json, int offset, int length, String field) {
        try (com.fasterxml.jackson.core.JsonParser p = MAPPER.getFactory().createParser(json, offset, length)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return new TopLevel(false, null);
            }
            JsonNode value = null;
            com.fasterxml.jackson.core.JsonToken t;
            while ((t = p.nextToken()) == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                boolean wanted = field.equals(p.currentName());
                p.nextToken();
                if (wanted) {
                    value = MAPPER.readTree(p);
                } else {
                    p.skipChildren();
                }
            }
            if (t != com.fasterxml.jackson.core.JsonToken.END_OBJECT || p.nextToken() != null) {
                return new TopLevel(false, null);
            }
            return new TopLevel(true, value);
        } catch (java.io.IOException e) {
            return new TopLevel(false, null);
        }
    }

    /**
     * The buffer's bytes as an array of exactly its length: its own backing array when that is one (a body read
     * into a buffer sized by its Content-Length), else a copy. The caller must not change it.
     */
    public static byte[] exactArray(io.vertx.core.buffer.Buffer buffer) {
        io.netty.buffer.ByteBuf b = buffer.getByteBuf();
        if (b.hasArray() && b.arrayOffset() + b.readerIndex() == 0 && b.array().length == b.readableBytes()) {
            return b.array();
        }
        return buffer.getBytes();
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a JSON tree", e);
        }
    }
}
