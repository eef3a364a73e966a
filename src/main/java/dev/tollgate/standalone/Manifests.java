package dev.tollgate.standalone;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads Kubernetes manifests (YAML or JSON, several documents per file) and remembers the line of every field,
 * so a problem can be reported as {@code file:line: path: message}.
 */
public final class Manifests {
    private static final YAMLFactory YAML = new YAMLFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** One document of a manifest file. {@code lines} maps JSON pointers ("/spec/limit") to 1-based lines. */
    public record Document(Path file, int line, JsonNode body, Map<String, Integer> lines) {
        public String kind() {
            return body.path("kind").asText("");
        }

        public String apiVersion() {
            return body.path("apiVersion").asText("");
        }

        /** The line of the field at {@code pointer}, or of its closest parent that has one. */
        public int lineOf(String pointer) {
            String p = pointer;
            while (!p.isEmpty()) {
                Integer l = lines.get(p);
                if (l != null) {
                    return l;
                }
                p = p.substring(0, Math.max(0, p.lastIndexOf('/')));
            }
            return line;
        }

        public String where(String pointer) {
            return file + ":" + lineOf(pointer);
        }
    }

    /** A file that could not be parsed at all. */
    public static final class ParseException extends IOException {
        public ParseException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Manifests() {}

    /** Every *.yaml, *.yml and *.json file below {@code folder}, in path order. */
    public static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().matches(".*\\.(ya?ml|json)$"))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
    }

    public static List<Document> read(Path file) throws IOException {
        return read(file, Files.newBufferedReader(file));
    }

    public static List<Document> read(Path file, String content) throws IOException {
        return read(file, new StringReader(content));
    }

    private static List<Document> read(Path file, Reader reader) throws IOException {
        List<Document> docs = new ArrayList<>();
        try (JsonParser p = YAML.createParser(reader)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.VALUE_NULL) {
                    continue; // an empty document, e.g. a trailing "---"
                }
                int line = p.currentTokenLocation().getLineNr();
                if (t != JsonToken.START_OBJECT) {
                    throw new ParseException(file + ":" + line + ": a manifest must be a mapping (kind, apiVersion, "
                            + "metadata …), found " + t.asString(), null);
                }
                Map<String, Integer> lines = new HashMap<>();
                JsonNode body = node(p, "", lines);
                docs.add(new Document(file, line, body, lines));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var loc = e.getLocation();
            throw new ParseException(file + ":" + (loc == null ? "?" : loc.getLineNr()) + ": not valid YAML: "
                    + e.getOriginalMessage(), e);
        }
        return docs;
    }

    private static JsonNode node(JsonParser p, String path, Map<String, Integer> lines) throws IOException {
        lines.put(path, p.currentTokenLocation().getLineNr());
        switch (p.currentToken()) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() != JsonToken.END_OBJECT) {
                    String name = p.currentName();
                    p.nextToken();
                    o.set(name, node(p, path + "/" + name.replace("~", "~0").replace("/", "~1"), lines));
                }
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(node(p, path + "/" + i++, lines));
                }
                return a;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return NODES.numberNode(p.getBigIntegerValue());
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(p.getDecimalValue());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return NODES.booleanNode(p.getBooleanValue());
            }
            default -> {
                return NODES.nullNode();
            }
        }
    }
}
