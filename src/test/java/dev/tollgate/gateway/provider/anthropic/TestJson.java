package dev.tollgate.gateway.provider.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Parsing helpers for the tests' JSON text blocks. */
final class TestJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private TestJson() {
    }

    static ObjectNode obj(String json) {
        return (ObjectNode) node(json);
    }

    static JsonNode node(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad test JSON: " + json, e);
        }
    }

    /** One JSON object per non-blank line (an SSE capture reduced to its data lines). */
    static List<JsonNode> lines(String jsonLines) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : jsonLines.split("\n")) {
            if (!line.isBlank()) {
                out.add(node(line));
            }
        }
        return out;
    }

    /**
     * Compares through re-parsing with a plain mapper, so that numbers are compared by value regardless of the
     * node classes (the translator keeps exact decimals).
     */
    static JsonNode normalized(JsonNode node) {
        try {
            return MAPPER.readTree(MAPPER.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asserts that {@code actual} equals the JSON text {@code expected}, numbers compared by value. */
    static void assertJson(JsonNode actual, String expected) {
        assertThat(normalized(actual)).isEqualTo(node(expected));
    }
}
