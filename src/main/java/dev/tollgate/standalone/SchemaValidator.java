package dev.tollgate.standalone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a manifest against its CRD's structural schema the way the API server would, for a folder served
 * without one (standalone mode) and for the samples test: unknown fields, types, enums, patterns, ranges and
 * required fields, list and string lengths. CEL rules are not evaluated here; the renderer's own checks cover what they guard.
 */
public final class SchemaValidator {
    public record Violation(String pointer, String message) {}

    private static final String[] CRDS = {"budgets", "gatewaydeployments", "llmmodels", "logsinks", "prompts", "virtualkeys"};
    private static final Set<String> CORE_KINDS = Set.of("Secret", "Namespace");
    private static final Set<String> SECRET_FIELDS = Set.of("apiVersion", "kind", "metadata", "data", "stringData", "type", "immutable");
    private static final Set<String> META_FIELDS = Set.of("name", "namespace", "labels", "annotations", "generateName",
            "uid", "resourceVersion", "generation", "creationTimestamp", "ownerReferences", "finalizers");

    private final Map<String, JsonNode> schemaByKind = new HashMap<>();
    private final Map<String, String> apiVersionByKind = new HashMap<>();

    /** Loads the CRDs bundled in the jar (crds/*.yml). */
    public static SchemaValidator bundled() {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        SchemaValidator v = new SchemaValidator();
        for (String plural : CRDS) {
            String resource = "crds/" + plural + ".llm.tollgate.dev-v1.yml";
            try (InputStream in = SchemaValidator.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(resource + " is missing from the classpath");
                }
                JsonNode crd = yaml.readTree(in);
                JsonNode version = crd.at("/spec/versions/0");
                String kind = crd.at("/spec/names/kind").asText();
                v.schemaByKind.put(kind, version.at("/schema/openAPIV3Schema"));
                v.apiVersionByKind.put(kind, crd.at("/spec/group").asText() + "/" + version.get("name").asText());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return v;
    }

    public Set<String> kinds() {
        return schemaByKind.keySet();
    }

    public List<Violation> validate(JsonNode manifest) {
        List<Violation> out = new ArrayList<>();
        String kind = manifest.path("kind").asText("");
        String apiVersion = manifest.path("apiVersion").asText("");
        JsonNode schema = schemaByKind.get(kind);
        if (schema != null) {
            if (!apiVersion.equals(apiVersionByKind.get(kind))) {
                out.add(new Violation("/apiVersion", "apiVersion of " + kind + " must be " + apiVersionByKind.get(kind)
                        + ", not '" + apiVersion + "'"));
            }
            metadata(manifest.path("metadata"), out);
            for (Iterator<String> it = manifest.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!Set.of("apiVersion", "kind", "metadata", "spec", "status").contains(f)) {
                    out.add(new Violation("/" + f, "unknown field '" + f + "' (expected apiVersion, kind, metadata, spec)"));
                }
            }
            if (manifest.has("spec")) {
                node(manifest.get("spec"), schema.at("/properties/spec"), "/spec", out);
            } else {
                out.add(new Violation("/spec", kind + " needs a spec"));
            }
        } else if (CORE_KINDS.contains(kind)) {
            if (!"v1".equals(apiVersion)) {
                out.add(new Violation("/apiVersion", "apiVersion of " + kind + " must be v1"));
            }
            metadata(manifest.path("metadata"), out);
            if (kind.equals("Secret")) {
                for (Iterator<String> it = manifest.fieldNames(); it.hasNext(); ) {
                    String f = it.next();
                    if (!SECRET_FIELDS.contains(f)) {
                        out.add(new Violation("/" + f, "unknown field '" + f + "' in a Secret (expected data or stringData)"));
                    }
                }
            }
        } else {
            out.add(new Violation("/kind", "kind '" + kind + "' is not served here: use one of "
                    + String.join(", ", new java.util.TreeSet<>(schemaByKind.keySet())) + ", Secret or Namespace"));
        }
        return out;
    }

    private static void metadata(JsonNode meta, List<Violation> out) {
        if (!meta.isObject() || !meta.path("name").isTextual() || meta.path("name").asText().isBlank()) {
            out.add(new Violation("/metadata/name", "metadata.name is required"));
            return;
        }
        if (!meta.path("name").asText().matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            out.add(new Violation("/metadata/name", "metadata.name '" + meta.path("name").asText()
                    + "' must be lower-case letters, digits, '-' or '.'"));
        }
        for (Iterator<String> it = meta.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!META_FIELDS.contains(f)) {
                out.add(new Violation("/metadata/" + f, "unknown field '" + f + "' in metadata"));
            }
        }
    }

    private static void node(JsonNode value, JsonNode schema, String path, List<Violation> out) {
        if (schema.isMissingNode()) {
            return;
        }
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean(false)) {
                out.add(new Violation(path, "must not be null"));
            }
            return;
        }
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!value.isTextual() && !value.isIntegralNumber()) {
                out.add(new Violation(path, "must be an integer or a string (e.g. 250m, 1Gi), not " + describe(value)));
            }
            return;
        }
        boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        String type = schema.path("type").asText(preserve ? "" : "object");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    out.add(new Violation(path, "must be an object (a mapping), not " + describe(value)));
                    return;
                }
                JsonNode props = schema.get("properties");
                JsonNode additional = schema.get("additionalProperties");
                for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                    var e = it.next();
                    String child = path + "/" + e.getKey();
                    if (props != null && props.has(e.getKey())) {
                        node(e.getValue(), props.get(e.getKey()), child, out);
                    } else if (additional != null && additional.isObject()) {
                        node(e.getValue(), additional, child, out);
                    } else if (!preserve) {
                        out.add(new Violation(child, "unknown field '" + e.getKey() + "'" + (props == null ? ""
                                : " (known: " + String.join(", ", iterable(props.fieldNames())) + ")")));
                    }
                }
                if (schema.has("required")) {
                    for (JsonNode r : schema.get("required")) {
                        if (!value.has(r.asText())) {
                            out.add(new Violation(path + "/" + r.asText(), "required field '" + r.asText() + "' is missing"));
                        }
                    }
                }
            }
            case "array" -> {
                if (!value.isArray()) {
                    out.add(new Violation(path, "must be a list, not " + describe(value)));
                    return;
                }
                if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
                    out.add(new Violation(path, "has " + value.size() + " items: at most " + schema.get("maxItems").asInt()));
                }
                for (int i = 0; i < value.size(); i++) {
                    node(value.get(i), schema.path("items"), path + "/" + i, out);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    out.add(new Violation(path, "must be a string, not " + describe(value)
                            + (value.isNumber() ? " (quote it, e.g. \"" + value.asText() + "\")" : "")));
                    return;
                }
                if (schema.has("maxLength") && value.asText().codePointCount(0, value.asText().length())
                        > schema.get("maxLength").asInt()) {
                    out.add(new Violation(path, "is " + value.asText().codePointCount(0, value.asText().length()) + " characters long: at most "
                            + schema.get("maxLength").asInt()));
                }
                if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
                    out.add(new Violation(path, "'" + value.asText() + "' does not match " + schema.get("pattern").asText()));
                }
                enumCheck(value, schema, path, out);
            }
            case "integer", "number" -> {
                if (!(type.equals("integer") ? value.isIntegralNumber() : value.isNumber())) {
                    out.add(new Violation(path, "must be " + (type.equals("integer") ? "an integer" : "a number")
                            + ", not " + describe(value)));
                    return;
                }
                if (schema.has("minimum") && value.decimalValue().compareTo(schema.get("minimum").decimalValue()) < 0) {
                    out.add(new Violation(path, value.asText() + " is below the minimum " + schema.get("minimum").asLong()));
                }
                if (schema.has("maximum") && value.decimalValue().compareTo(schema.get("maximum").decimalValue()) > 0) {
                    out.add(new Violation(path, value.asText() + " is above the maximum " + schema.get("maximum").asLong()));
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    out.add(new Violation(path, "must be true or false, not " + describe(value)));
                }
            }
            default -> {
                // x-kubernetes-preserve-unknown-fields without a type, or int-or-string: anything goes
            }
        }
    }

    private static void enumCheck(JsonNode value, JsonNode schema, String path, List<Violation> out) {
        if (schema.has("enum")) {
            for (JsonNode e : schema.get("enum")) {
                if (e.asText().equals(value.asText())) {
                    return;
                }
            }
            out.add(new Violation(path, "'" + value.asText() + "' is not one of " + schema.get("enum")));
        }
    }

    private static String describe(JsonNode v) {
        if (v.isTextual()) {
            return "the string '" + v.asText() + "'";
        }
        return v.isObject() ? "an object" : v.isArray() ? "a list" : v.toString();
    }

    private static Iterable<String> iterable(Iterator<String> it) {
        return () -> it;
    }
}
