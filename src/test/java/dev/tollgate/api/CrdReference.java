package dev.tollgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Renders the field reference (docs/api-reference.md) from the generated CRD schemas. */
final class CrdReference {
    /** Kubernetes' own types: linked, not expanded (their schemas are long and documented upstream). */
    private static final Map<String, String> KUBERNETES_TYPES = Map.of(
            "affinity", "[Affinity](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling)",
            "tolerations", "[Toleration](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling) list",
            "resources", "[ResourceRequirements](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#resources)",
            "selector", "[LabelSelector](https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/label-selector/)",
            "namespaceSelector", "[LabelSelector](https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/label-selector/)",
            "keySelector", "[LabelSelector](https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/label-selector/)",
            "allowFrom", "[LabelSelector](https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/label-selector/) list",
            "monitoringFrom", "[LabelSelector](https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/label-selector/) list",
            "topologySpreadConstraints", "[TopologySpreadConstraint](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling) list",
            "imagePullSecrets", "[LocalObjectReference](https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/local-object-reference/) list");

    private CrdReference() {}

    static String render(List<Path> crds) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        StringBuilder out = new StringBuilder("""
                # API reference: `llm.tollgate.dev/v1alpha1`

                Generated from the CRDs in `crds/` by `GeneratedFilesTest` (do not edit by hand: change the Java
                classes in `src/main/java/dev/tollgate/api/v1alpha1` and run the tests with
                `-Dupdate-generated=true`). Money is a decimal string in USD; durations are written like
                `500ms`, `30s`, `5m`, `2h`, `1d`.
                """);
        for (Path p : crds) {
            JsonNode crd = yaml.readTree(Files.readString(p));
            JsonNode names = crd.at("/spec/names");
            JsonNode version = crd.at("/spec/versions/0");
            out.append("\n## ").append(names.get("kind").asText()).append("\n\n");
            JsonNode description = version.at("/schema/openAPIV3Schema/description");
            if (!description.isMissingNode()) {
                out.append(description.asText()).append("\n\n");
            }
            out.append("`kubectl get ").append(names.get("plural").asText()).append("`");
            if (names.has("shortNames")) {
                for (JsonNode s : names.get("shortNames")) {
                    out.append(" · `").append(s.asText()).append("`");
                }
            }
            if (names.has("categories")) {
                out.append(" · in `kubectl get ").append(String.join(",", texts(names.get("categories")))).append("`");
            }
            out.append("\n");
            JsonNode rootRules = version.at("/schema/openAPIV3Schema/x-kubernetes-validations");
            if (!rootRules.isMissingNode()) {
                out.append("\nRules on the whole resource (its name), checked by the API server:\n\n");
                rules(rootRules, out);
            }
            for (String part : List.of("spec", "status")) {
                JsonNode schema = version.at("/schema/openAPIV3Schema/properties/" + part);
                out.append("\n### ").append(part).append("\n\n");
                JsonNode rules = schema.get("x-kubernetes-validations");
                if (rules != null) {
                    out.append("Rules checked by the API server:\n\n");
                    rules(rules, out);
                    out.append("\n");
                }
                out.append("| Field | Type | Validation and default | Description |\n|---|---|---|---|\n");
                fields(schema, "", out);
            }
        }
        return out.toString();
    }

    private static void rules(JsonNode rules, StringBuilder out) {
        for (JsonNode r : rules) {
            out.append("- ").append(r.get("message").asText()).append(" (`").append(r.get("rule").asText()
                    .replace("|", "\\|")).append("`)\n");
        }
    }

    private static void fields(JsonNode schema, String prefix, StringBuilder out) {
        JsonNode props = schema.get("properties");
        if (props == null) {
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> it = props.fields();
        while (it.hasNext()) {
            var e = it.next();
            String name = e.getKey();
            JsonNode f = e.getValue();
            String path = prefix + name;
            String type = KUBERNETES_TYPES.getOrDefault(name, type(f));
            out.append("| `").append(path).append("` | ").append(type).append(" | ").append(validation(f, schema, name))
                    .append(" | ").append(f.has("description") ? cell(f.get("description").asText()) : "—").append(" |\n");
            if (!KUBERNETES_TYPES.containsKey(name) && !path.endsWith("conditions")) {
                fields(f, path + ".", out);
                if (f.has("items")) {
                    fields(f.get("items"), path + "[].", out);
                }
            }
        }
    }

    private static String type(JsonNode f) {
        if (f.has("x-kubernetes-preserve-unknown-fields") && !f.has("type")) {
            return "any (free-form)";
        }
        String t = f.path("type").asText("object");
        if (t.equals("array")) {
            return f.path("items").path("type").asText("object") + " list";
        }
        if (t.equals("object") && f.has("additionalProperties")) {
            return "map of " + f.get("additionalProperties").path("type").asText("object");
        }
        return t;
    }

    private static String validation(JsonNode f, JsonNode parent, String name) {
        StringBuilder v = new StringBuilder();
        if (parent.has("required")) {
            for (JsonNode r : parent.get("required")) {
                if (r.asText().equals(name)) {
                    v.append("required; ");
                }
            }
        }
        if (f.has("default")) {
            v.append("default `").append(f.get("default").asText()).append("`; ");
        }
        if (f.has("enum")) {
            v.append("one of ").append(String.join(", ", texts(f.get("enum")).stream().map(x -> "`" + x + "`").toList()))
                    .append("; ");
        }
        if (f.has("format")) {
            v.append("`").append(f.get("format").asText()).append("`")
                    .append(f.get("format").asText().equals("date-time") ? " (RFC 3339)" : "").append("; ");
        }
        if (f.has("x-kubernetes-list-map-keys")) {
            v.append("one entry per `").append(String.join("`, `", texts(f.get("x-kubernetes-list-map-keys"))))
                    .append("`; ");
        }
        if (f.has("minimum")) {
            v.append("≥ ").append(f.get("minimum").asLong()).append("; ");
        }
        if (f.has("maximum")) {
            v.append("≤ ").append(f.get("maximum").asLong()).append("; ");
        }
        if (f.has("maxLength")) {
            v.append("at most ").append(f.get("maxLength").asLong()).append(" characters; ");
        }
        if (f.has("pattern")) {
            v.append("pattern `").append(f.get("pattern").asText().replace("|", "\\|")).append("`; ");
        }
        if (f.has("x-kubernetes-validations")) {
            for (JsonNode r : f.get("x-kubernetes-validations")) {
                v.append(cell(r.get("message").asText())).append("; ");
            }
        }
        String s = v.toString().trim();
        return s.isEmpty() ? "" : s.substring(0, s.length() - 1);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
