package dev.tollgate.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.config.Provider;
import dev.tollgate.standalone.SchemaValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed CRDs read well through kubectl (issue 15, "kubectl is the UI"): every kind in the {@code tollgate}
 * category, short names that no other project's CRDs are likely to take, enums that {@code kubectl explain}
 * shows, {@code date-time} formats on every time, conditions as a map list keyed by type, a top-level
 * description, and printer columns led by Ready and its reason. Reads crds/ as committed (GeneratedFilesTest
 * keeps them equal to what the Java classes generate, CrdPolish included).
 */
class CrdPolishTest {
    static final Path CRDS = Path.of("crds");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Short names other CRDs use or may well use: Tollgate's start with "tg". */
    static final Set<String> GENERIC = Set.of("llm", "llmm", "llms", "model", "models", "mdl", "vk", "vkey", "key",
            "keys", "apikey", "gwd", "gw", "gtw", "llmgw", "gateway", "gateways", "bgt", "budget", "budgets",
            "llmbudget", "sink", "sinks", "logsink", "ls", "prompt", "prompts", "pr", "pt");

    static Map<String, JsonNode> crds() throws IOException {
        Map<String, JsonNode> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(CRDS)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".llm.tollgate.dev-v1.yml")).toList()) {
                JsonNode crd = YAML.readTree(Files.readString(p));
                out.put(crd.at("/spec/names/kind").asText(), crd);
            }
        }
        assertThat(out.keySet()).containsExactlyInAnyOrder("Budget", "GatewayDeployment", "LlmModel", "LogSink", "Prompt", "VirtualKey");
        return out;
    }

    static JsonNode schema(JsonNode crd) {
        return crd.at("/spec/versions/0/schema/openAPIV3Schema");
    }

    @Test
    void everyKindIsInTheTollgateCategory() throws IOException {
        crds().forEach((kind, crd) -> assertThat(texts(crd.at("/spec/names/categories"))).as(kind).contains("tollgate"));
    }

    @Test
    void shortNamesAreTollgatePrefixedAndNotGeneric() throws IOException {
        List<String> all = new ArrayList<>();
        crds().forEach((kind, crd) -> {
            List<String> names = texts(crd.at("/spec/names/shortNames"));
            assertThat(names).as(kind).isNotEmpty().allSatisfy(n -> assertThat(n).startsWith("tg"))
                    .doesNotContainAnyElementsOf(GENERIC);
            all.addAll(names);
        });
        assertThat(all).as("no short name on two kinds").doesNotHaveDuplicates();
    }

    @Test
    void everyKindHasATopLevelDescription() throws IOException {
        crds().forEach((kind, crd) -> assertThat(schema(crd).path("description").asText()).as(kind).hasSizeGreaterThan(40));
    }

    @Test
    void closedSetsAreSchemaEnumsNotCelLists() throws IOException {
        Map<String, JsonNode> crds = crds();
        JsonNode llmSpec = schema(crds.get("LlmModel")).at("/properties/spec/properties");
        // The CRD's providers are exactly the registry's (config.Provider), which the renderer and adapters read.
        assertThat(texts(llmSpec.at("/provider/enum")))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(Provider.values()).map(Provider::wireName).toList());
        assertThat(texts(llmSpec.at("/unsupportedParams/enum"))).containsExactlyInAnyOrder("reject", "drop");
        // Routing strategies are exactly the contract's (GatewayConfig.Routing.STRATEGIES), on both kinds.
        assertThat(texts(llmSpec.at("/routing/properties/strategy/enum")))
                .containsExactlyInAnyOrderElementsOf(dev.tollgate.config.GatewayConfig.Routing.STRATEGIES);
        assertThat(texts(schema(crds.get("GatewayDeployment")).at("/properties/spec/properties/routing/properties/strategy/enum")))
                .containsExactlyInAnyOrderElementsOf(dev.tollgate.config.GatewayConfig.Routing.STRATEGIES);
        assertThat(texts(schema(crds.get("GatewayDeployment")).at("/properties/spec/properties/serviceType/enum")))
                .containsExactlyInAnyOrder("ClusterIP", "NodePort", "LoadBalancer");
        crds.forEach((kind, crd) -> assertThat(texts(schema(crd).at(
                "/properties/status/properties/conditions/items/properties/status/enum")))
                .as(kind).containsExactlyInAnyOrder("True", "False", "Unknown"));
        // No CEL rule anywhere is a membership test over a literal list: those belong in enums.
        crds.forEach((kind, crd) -> walk(schema(crd), "", (path, node) -> {
            for (JsonNode rule : node.path("x-kubernetes-validations")) {
                assertThat(rule.path("rule").asText()).as("%s %s", kind, path).doesNotContainPattern("\\bin\\s*\\[");
            }
        }));
    }

    @Test
    void standaloneModeRefusesAValueOutsideAnEnumWithTheList() {
        SchemaValidator v = SchemaValidator.bundled();
        var manifest = YAML.createObjectNode();
        manifest.put("apiVersion", "llm.tollgate.dev/v1alpha1").put("kind", "LlmModel");
        manifest.putObject("metadata").put("name", "m");
        manifest.putObject("spec").put("modelName", "gpt-4o").put("provider", "openia").put("model", "gpt-4o")
                .put("unsupportedParams", "ignore");
        assertThat(v.validate(manifest)).extracting(SchemaValidator.Violation::pointer)
                .containsExactlyInAnyOrder("/spec/provider", "/spec/unsupportedParams");
        assertThat(v.validate(manifest).toString()).contains("openai-compatible").contains("reject");
        ((com.fasterxml.jackson.databind.node.ObjectNode) manifest.get("spec")).put("provider", "openai-compatible")
                .put("unsupportedParams", "drop");
        assertThat(v.validate(manifest)).isEmpty();
    }

    @Test
    void everyTimeIsADateTime() throws IOException {
        List<String> times = new ArrayList<>();
        crds().forEach((kind, crd) -> walk(schema(crd), "", (path, node) -> {
            String name = path.substring(path.lastIndexOf('.') + 1);
            boolean time = name.endsWith("Time") || name.endsWith("At") || name.equals("periodStart");
            if (time && "string".equals(node.path("type").asText())) {
                assertThat(node.path("format").asText()).as("%s %s", kind, path).isEqualTo("date-time");
                times.add(kind + " " + path);
            }
        }));
        // The walk reaches them: lastTransitionTime in all four kinds, expiresAt, resetsAt, figuresAt, lastUsedAt …
        assertThat(times).contains("VirtualKey .spec.expiresAt", "Budget .status.resetsAt",
                "Budget .status.periodStart", "LlmModel .status.usage.figuresAt",
                "VirtualKey .status.usage.shares.*.lastUsedAt", "GatewayDeployment .status.conditions[].lastTransitionTime");
    }

    @Test
    void conditionsAreAMapListKeyedByType() throws IOException {
        crds().forEach((kind, crd) -> {
            JsonNode conditions = schema(crd).at("/properties/status/properties/conditions");
            assertThat(conditions.path("x-kubernetes-list-type").asText()).as(kind).isEqualTo("map");
            assertThat(texts(conditions.path("x-kubernetes-list-map-keys"))).as(kind).containsExactly("type");
            assertThat(texts(conditions.at("/items/required"))).as(kind).contains("type");
        });
    }

    @Test
    void printerColumnsLeadWithReadyAndItsReasonAndEndWithAge() throws IOException {
        crds().forEach((kind, crd) -> {
            JsonNode cols = crd.at("/spec/versions/0/additionalPrinterColumns");
            assertThat(cols.size()).as(kind).isGreaterThanOrEqualTo(4);
            assertThat(cols.get(0).path("name").asText()).as(kind).isEqualTo("Ready");
            assertThat(cols.get(0).path("jsonPath").asText()).as(kind)
                    .isEqualTo(".status.conditions[?(@.type==\"Ready\")].status");
            assertThat(cols.get(1).path("name").asText()).as(kind).isEqualTo("Reason");
            assertThat(cols.get(1).path("jsonPath").asText()).as(kind)
                    .isEqualTo(".status.conditions[?(@.type==\"Ready\")].reason");
            assertThat(cols.get(cols.size() - 1).path("name").asText()).as(kind).isEqualTo("Age");
            // One column per name and path: a field's @PrinterColumn repeating a kind's @AdditionalPrinterColumn
            // (easy to get after a merge) would show the same figure twice.
            assertThat(cols.findValuesAsText("name")).as(kind).doesNotHaveDuplicates();
            assertThat(cols.findValuesAsText("jsonPath")).as(kind).doesNotHaveDuplicates();
            // Every column's path exists in the schema (a typo would show an empty column, never an error).
            for (JsonNode c : cols) {
                String p = c.path("jsonPath").asText().replaceAll("\\[\\?\\(.*\\)\\]", "");
                if (!p.startsWith(".metadata.")) {
                    JsonNode node = schema(crd);
                    for (String part : p.substring(1).split("\\.")) {
                        // a key of a map (.spec.labels.production): the map's value schema
                        node = node.path("properties").has(part) || !node.path("additionalProperties").isObject()
                                ? node.path("properties").path(part) : node.get("additionalProperties");
                        if (node.has("items")) {
                            node = node.get("items");
                        }
                    }
                    assertThat(node.isMissingNode()).as("%s column %s: %s", kind, c.path("name").asText(), p).isFalse();
                }
            }
        });
    }

    interface Visitor {
        void visit(String path, JsonNode node);
    }

    /** Every property schema under {@code node}: path like .spec.x, [] for list items, .* for map values. */
    static void walk(JsonNode node, String path, Visitor v) {
        v.visit(path, node);
        JsonNode props = node.path("properties");
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
            var e = it.next();
            walk(e.getValue(), path + "." + e.getKey(), v);
        }
        if (node.has("items")) {
            walk(node.get("items"), path + "[]", v);
        }
        if (node.path("additionalProperties").isObject()) {
            walk(node.get("additionalProperties"), path + ".*", v);
        }
    }

    static List<String> texts(Iterable<JsonNode> array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
