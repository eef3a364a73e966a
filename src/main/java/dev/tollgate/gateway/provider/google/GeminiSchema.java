package dev.tollgate.gateway.provider.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import java.util.Map;
import java.util.Set;

/**
 * An OpenAI tool's or response format's JSON Schema as Gemini takes it in {@code parametersJsonSchema} and
 * {@code responseJsonSchema} (https://ai.google.dev/api/caching#FunctionDeclaration,
 * https://ai.google.dev/api/generate-content#generationconfig). Gemini documents the subset it supports:
 * {@code $id, $defs, $ref, $anchor, type, format, title, description, enum, items, prefixItems, minItems, maxItems,
 * minimum, maximum, anyOf, oneOf, properties, additionalProperties, required} and {@code propertyOrdering}. Other
 * keywords are left out (they are constraints the model would not enforce anyway: {@code default}, {@code pattern},
 * {@code minLength}, {@code $schema} …), with two rewrites that keep the meaning: {@code const} becomes a one-value
 * {@code enum}, and draft-07 {@code definitions} become {@code $defs} (with {@code $ref}s into them rewritten).
 * Property names are data, never filtered. The input is not changed.
 */
final class GeminiSchema {
    private static final Set<String> KEPT = Set.of("$id", "$defs", "$ref", "$anchor", "type", "format", "title",
            "description", "enum", "items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "anyOf",
            "oneOf", "properties", "additionalProperties", "required", "propertyOrdering");

    private GeminiSchema() {}

    static JsonNode of(JsonNode schema) {
        if (schema == null || !schema.isObject()) {
            return schema == null ? null : schema.deepCopy();
        }
        return clean((ObjectNode) schema);
    }

    private static ObjectNode clean(ObjectNode in) {
        ObjectNode out = Json.object();
        for (Map.Entry<String, JsonNode> e : in.properties()) {
            String k = e.getKey();
            JsonNode v = e.getValue();
            switch (k) {
                case "properties", "$defs", "definitions" -> {
                    if (v.isObject()) {
                        ObjectNode map = Json.object();
                        v.properties().forEach(p -> map.set(p.getKey(), p.getValue().isObject()
                                ? clean((ObjectNode) p.getValue()) : p.getValue().deepCopy()));
                        out.set("definitions".equals(k) ? "$defs" : k, map);
                    }
                }
                case "items", "additionalProperties" -> out.set(k, v.isObject() ? clean((ObjectNode) v)
                        : v.isArray() ? cleanAll((ArrayNode) v) : v.deepCopy());
                case "prefixItems", "anyOf", "oneOf" -> {
                    if (v.isArray()) {
                        out.set(k, cleanAll((ArrayNode) v));
                    }
                }
                case "$ref" -> out.put(k, v.asText().replace("#/definitions/", "#/$defs/"));
                case "const" -> {
                    if (!in.has("enum") && v.isValueNode() && !v.isNull()) {
                        out.putArray("enum").add(v.deepCopy());
                    }
                }
                default -> {
                    if (KEPT.contains(k)) {
                        out.set(k, v.deepCopy());
                    }
                }
            }
        }
        return out;
    }

    private static ArrayNode cleanAll(ArrayNode in) {
        ArrayNode out = Json.array();
        for (JsonNode n : in) {
            out.add(n.isObject() ? clean((ObjectNode) n) : n.deepCopy());
        }
        return out;
    }
}
