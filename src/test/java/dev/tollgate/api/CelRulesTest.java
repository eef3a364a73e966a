package dev.tollgate.api;

import static dev.tollgate.KubernetesNames.isDns1035Label;
import static dev.tollgate.KubernetesNames.isDns1123Subdomain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.tollgate.api.v1alpha1.Api;
import dev.tollgate.standalone.Manifests;
import dev.tollgate.standalone.SchemaValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every CEL rule of the committed CRDs ({@code x-kubernetes-validations}), compiled and evaluated with Google's
 * cel-java as the API server would: the Fabric8 mock server the operator tests run on ignores them, so without
 * this a rule that does not compile, or that refuses a sample, would first show on a real cluster.
 *
 * <p>A rule is evaluated at the schema node it sits on, with {@code self} bound to the value there (for each item
 * of a list, each value of a map), after the schema's defaults are applied, as the API server does. A rule on the
 * root of a schema sees {@code apiVersion}, {@code kind}, {@code spec}, {@code status} and, of the metadata, only
 * {@code name} and {@code generateName} (all the API server gives it). {@code self} is typed as the API server
 * types it where that is a scalar, a list or a map of one type; objects are maps of dyn. The environment is CEL's
 * standard library plus the strings extension; Kubernetes' own libraries (quantity, url, ip, its lists functions
 * …) are not in it, so a rule using them fails to compile here: teach this test when one is needed. Transition
 * rules ({@code oldSelf}) run on updates only, with {@code oldSelf} bound to the stored value at the same place, as
 * the API server correlates it: the same property of an object, the same key of a map, the item with the same keys
 * of an {@code x-kubernetes-list-type: map} list (items of other lists have no old self: their rules do not run).
 *
 * <p>Fixtures: every sample (samples/) must pass every rule; every file under src/test/resources/cel-invalid/
 * must pass the structural schema and be refused by exactly the one rule its header names (a fixture of two manifests is
an update: the first is the stored object, the second the update):
 * <pre>
 * # refused at: (root) | spec | spec.provider …
 * # refused with: the rule's message
 * </pre>
 * and together the fixtures must make every rule refuse something.
 */
class CelRulesTest {
    static final Path CRDS = Path.of("crds");
    static final Path SAMPLES = Path.of("samples");
    static final Path INVALID = Path.of("src/test/resources/cel-invalid");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();
    static final Rules RULES = Rules.load(committedCrds());

    /** One rule of one CRD, compiled. {@code at} is where it sits: "" for the root, else e.g. "spec.provider". */
    record Rule(String kind, String at, String expression, String message, CelRuntime.Program program, boolean transition) {
        @Override
        public String toString() {
            return kind + " " + where(at) + ": " + expression;
        }
    }

    /** A rule that returned false, where it was evaluated: a path in the object ("spec", "spec.models[0]" …). */
    record Refusal(String at, String pointer, Rule rule) {
        @Override
        public String toString() {
            return where(at) + ": " + rule.message();
        }
    }

    static String where(String at) {
        return at.isEmpty() ? "(root)" : at;
    }

    // ---------------------------------------------------------------------------------------------- the tests

    @Test
    void everyRuleCompilesAndSaysWhatIsWrong() {
        // 9: provider and unsupportedParams are schema enums now, not CEL lists (CrdPolishTest checks them).
        assertThat(RULES.all).as("rules in crds/").hasSizeGreaterThanOrEqualTo(9);
        assertThat(RULES.all).allSatisfy(r -> assertThat(r.message()).as("message of %s", r).isNotBlank());
        // The rules on the root can read the resource's name; the name rules live there.
        assertThat(RULES.all).filteredOn(r -> r.at().isEmpty()).extracting(Rule::kind)
                .contains("GatewayDeployment", "VirtualKey");
    }

    @Test
    void aRuleThatDoesNotCompileFailsTheTest() {
        assertThatThrownBy(() -> Rules.load(List.of(crd("Broken", "{\"type\":\"object\",\"properties\":{\"spec\":{"
                + "\"type\":\"object\",\"x-kubernetes-validations\":[{\"rule\":\"self.a ==\",\"message\":\"m\"}]}}}"))))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Broken spec: self.a ==");
        // Typed as the API server types it: a string compared with an int does not compile either.
        assertThatThrownBy(() -> Rules.load(List.of(crd("Typed", "{\"type\":\"object\",\"properties\":{\"spec\":{"
                + "\"type\":\"object\",\"properties\":{\"provider\":{\"type\":\"string\",\"x-kubernetes-validations\":"
                + "[{\"rule\":\"self > 1\",\"message\":\"m\"}]}}}}}"))))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Typed spec.provider: self > 1");
        // And a rule without a message is refused too: the user would see only the expression.
        assertThatThrownBy(() -> Rules.load(List.of(crd("Silent", "{\"type\":\"object\",\"x-kubernetes-validations\":"
                + "[{\"rule\":\"true\"}]}"))))
                .isInstanceOf(AssertionError.class).hasMessageContaining("has no message");
    }

    @Test
    void everySamplePassesEveryRule() throws IOException {
        Map<String, Integer> evaluatedByKind = new HashMap<>();
        int documents = 0;
        for (Path f : Manifests.files(SAMPLES)) {
            for (Manifests.Document d : Manifests.read(f)) {
                if (RULES.schema(d.apiVersion(), d.kind()) == null) {
                    continue; // a Secret: not ours
                }
                documents++;
                Evaluation e = RULES.evaluate(d.body());
                assertThat(e.refusals()).as("%s (%s %s) is refused", d.where(""), d.kind(), d.body().at("/metadata/name").asText())
                        .isEmpty();
                evaluatedByKind.merge(d.kind(), e.evaluated(), Integer::sum);
            }
        }
        assertThat(documents).isGreaterThanOrEqualTo(7);
        // The samples really go through the rules of each kind that has some.
        for (String kind : RULES.all.stream().map(Rule::kind).distinct().toList()) {
            assertThat(evaluatedByKind.getOrDefault(kind, 0)).as("rules evaluated on %s samples", kind).isPositive();
        }
    }

    @Test
    void everyInvalidFixtureIsRefusedByItsRuleAndTogetherTheyCoverEveryRule() throws IOException {
        List<Path> files = Manifests.files(INVALID);
        assertThat(files).as("fixtures in %s", INVALID).hasSizeGreaterThanOrEqualTo(9);
        SchemaValidator structural = SchemaValidator.bundled();
        Set<Rule> refusedBySome = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Path f : files) {
            String text = Files.readString(f);
            String at = header(f, text, "refused at");
            String message = header(f, text, "refused with");
            List<Manifests.Document> docs = Manifests.read(f, text);
            assertThat(docs).as("%s holds one manifest (a create) or two (the stored one and its update)", f)
                    .hasSizeBetween(1, 2);
            JsonNode body = docs.get(docs.size() - 1).body();
            // Only CEL refuses it: the structural schema (types, patterns, required fields) has nothing against it.
            assertThat(structural.validate(body)).as("%s passes the structural schema", f).isEmpty();
            JsonNode stored = docs.size() == 2 ? docs.get(0).body() : null;
            if (stored != null) {
                assertThat(structural.validate(stored)).as("%s: the stored object passes the structural schema", f).isEmpty();
                assertThat(RULES.evaluate(stored).refusals()).as("%s: the stored object passes every rule", f).isEmpty();
            }
            List<Refusal> refusals = (stored == null ? RULES.evaluate(body) : RULES.evaluateUpdate(stored, body)).refusals();
            assertThat(refusals).as("%s is refused by exactly one rule", f).hasSize(1);
            assertThat(refusals.get(0).toString()).as("%s", f).isEqualTo(at + ": " + message);
            refusedBySome.add(refusals.get(0).rule());
        }
        assertThat(RULES.all).as("rules no fixture in %s makes refuse (add one)", INVALID)
                .allSatisfy(r -> assertThat(refusedBySome).as("%s", r).contains(r));
    }

    /**
     * The GatewayDeployment name rules accept exactly the names whose objects are valid: on top of the DNS
     * subdomain the API server requires of every name, a DNS-1035 label (the Service) of at most
     * GATEWAY_NAME_MAX_LENGTH characters (room for the longest suffix, NamesTest).
     */
    @Test
    void gatewayNameRulesAcceptExactlyTheNamesThatMakeValidObjects() {
        Set<String> names = new LinkedHashSet<>(List.of("gw", "a", "team-gateway", "team.gateway", "1-gw", "9",
                "gw-1", "a.b", "x".repeat(Api.GATEWAY_NAME_MAX_LENGTH), "x".repeat(Api.GATEWAY_NAME_MAX_LENGTH + 1),
                "x".repeat(63), "x".repeat(200), "0gateway", "g0"));
        Random random = new Random(6);
        while (names.size() < 3000) {
            // One in five may hold dots; most start with a letter, some with a digit or a dash.
            String alphabet = random.nextInt(5) == 0 ? "abcxyz0189-." : "abcxyz0189-";
            StringBuilder s = new StringBuilder();
            int length = 1 + random.nextInt(70);
            for (int i = 0; i < length; i++) {
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            names.add(s.toString());
        }
        int accepted = 0;
        for (String name : names) {
            if (!isDns1123Subdomain(name)) {
                continue; // the API server refuses it before any rule runs
            }
            boolean valid = isDns1035Label(name) && name.length() <= Api.GATEWAY_NAME_MAX_LENGTH;
            List<Refusal> refusals = RULES.evaluate(resource("GatewayDeployment", name, "{}")).refusals();
            assertThat(refusals.isEmpty()).as("%s: %s", name, refusals).isEqualTo(valid);
            accepted += valid ? 1 : 0;
        }
        assertThat(accepted).as("names accepted").isGreaterThan(100);
    }

    @Test
    void aLongVirtualKeyNameIsRefusedOnlyWhenItsGeneratedSecretWouldBeTooLong() {
        String longest = "k".repeat(Api.VIRTUAL_KEY_NAME_MAX_LENGTH);
        String tooLong = longest + "k";
        assertThat(RULES.evaluate(resource("VirtualKey", longest, "{}")).refusals()).isEmpty();
        assertThat(RULES.evaluate(resource("VirtualKey", tooLong, "{}")).refusals()).singleElement()
                .satisfies(r -> assertThat(r.rule().message()).contains("<name>-key").contains("spec.secretName"));
        assertThat(RULES.evaluate(resource("VirtualKey", tooLong, "{\"secretName\":\"search-app-key\"}")).refusals()).isEmpty();
        assertThat(RULES.evaluate(resource("VirtualKey", tooLong,
                "{\"existingSecret\":{\"name\":\"byo\",\"key\":\"key\"}}")).refusals()).isEmpty();
    }

    /**
     * A Prompt's published versions are immutable (a transition rule per version, correlated by its number), but an
     * update may add versions, move labels (promotion, rollback) and drop a version no label points at.
     */
    @Test
    void aPublishedPromptVersionIsImmutableButVersionsMayBeAddedAndLabelsMoved() {
        String v1 = "{\"version\":1,\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"}]}";
        String v2 = "{\"version\":2,\"messages\":[{\"role\":\"system\",\"content\":\"Be kind.\"}]}";
        JsonNode stored = resource("Prompt", "support", "{\"versions\":[" + v1 + "],\"labels\":{\"production\":1}}");
        // a new version, promoted; then rolled back; then the old version dropped with the label on the new one
        assertThat(RULES.evaluateUpdate(stored, resource("Prompt", "support", "{\"versions\":[" + v1 + "," + v2
                + "],\"labels\":{\"production\":2,\"staging\":2}}")).refusals()).isEmpty();
        assertThat(RULES.evaluateUpdate(stored, resource("Prompt", "support", "{\"versions\":[" + v2 + "," + v1
                + "],\"labels\":{\"production\":1}}")).refusals()).isEmpty();
        assertThat(RULES.evaluateUpdate(stored, resource("Prompt", "support", "{\"versions\":[" + v2
                + "],\"labels\":{\"production\":2}}")).refusals()).isEmpty();
        // any edit of version 1, even of its description, is refused, once, at that version
        Evaluation edited = RULES.evaluateUpdate(stored, resource("Prompt", "support", "{\"versions\":["
                + v1.replace("}]}", "}],\"description\":\"typo\"}") + "," + v2 + "],\"labels\":{\"production\":1}}"));
        assertThat(edited.refusals()).singleElement().satisfies(r -> {
            assertThat(r.at()).isEqualTo("spec.versions[0]");
            assertThat(r.rule().message()).startsWith("a published version is immutable");
        });
        // the same object as a create runs no transition rule
        assertThat(RULES.evaluate(resource("Prompt", "support", "{\"versions\":["
                + v1.replace("}]}", "}],\"description\":\"typo\"}") + "]}")).refusals()).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static JsonNode resource(String kind, String name, String specJson) {
        try {
            return JSON.readTree("{\"apiVersion\":\"" + Api.API_VERSION + "\",\"kind\":\"" + kind
                    + "\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"team\"},\"spec\":" + specJson + "}");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode crd(String kind, String schemaJson) {
        try {
            return JSON.readTree("{\"spec\":{\"group\":\"test.tollgate.dev\",\"names\":{\"kind\":\"" + kind + "\"},"
                    + "\"versions\":[{\"name\":\"v1\",\"schema\":{\"openAPIV3Schema\":" + schemaJson + "}}]}}");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String header(Path f, String text, String name) {
        var m = Pattern.compile("(?m)^# " + name + ": (.+)$").matcher(text);
        assertThat(m.find()).as("%s has a '# %s: …' line", f, name).isTrue();
        return m.group(1).strip();
    }

    private static List<JsonNode> committedCrds() {
        try (Stream<Path> s = Files.list(CRDS)) {
            List<JsonNode> crds = new ArrayList<>();
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".llm.tollgate.dev-v1.yml")).sorted().toList()) {
                crds.add(YAML.readTree(p.toFile()));
            }
            return crds;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    record Evaluation(List<Refusal> refusals, int evaluated) {}

    /** The compiled rules of a set of CRDs, by the schema node they sit on. */
    static final class Rules {
        private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
                .addLibraries(CelExtensions.strings()).build();
        private static final Pattern OLD_SELF = Pattern.compile("\\boldSelf\\b");

        final Map<String, JsonNode> schemaByKind = new HashMap<>();
        final Map<JsonNode, List<Rule>> bySchemaNode = new IdentityHashMap<>();
        final List<Rule> all = new ArrayList<>();

        /** Compiles every rule; throws AssertionError naming each rule that does not compile or has no message. */
        static Rules load(List<JsonNode> crds) {
            Rules rules = new Rules();
            List<String> problems = new ArrayList<>();
            for (JsonNode crd : crds) {
                String kind = crd.at("/spec/names/kind").asText();
                for (JsonNode version : crd.at("/spec/versions")) {
                    JsonNode schema = version.at("/schema/openAPIV3Schema");
                    rules.schemaByKind.put(crd.at("/spec/group").asText() + "/" + version.get("name").asText() + " " + kind, schema);
                    rules.compile(kind, schema, "", problems);
                }
            }
            if (!problems.isEmpty()) {
                throw new AssertionError("CEL rules that the API server would refuse:\n  " + String.join("\n  ", problems));
            }
            return rules;
        }

        JsonNode schema(String apiVersion, String kind) {
            return schemaByKind.get(apiVersion + " " + kind);
        }

        private void compile(String kind, JsonNode schema, String at, List<String> problems) {
            for (JsonNode r : schema.path("x-kubernetes-validations")) {
                String expression = r.path("rule").asText();
                String id = kind + " " + where(at) + ": " + expression;
                if (r.path("message").asText().isBlank() && r.path("messageExpression").asText().isBlank()) {
                    problems.add(id + " has no message");
                    continue;
                }
                CelType self = celType(schema);
                CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
                        .setStandardMacros(CelStandardMacro.STANDARD_MACROS) // has, all, exists, map, filter …
                        .addLibraries(CelExtensions.strings())
                        .addVar("self", self).addVar("oldSelf", self)
                        .setResultType(SimpleType.BOOL).build();
                CelValidationResult result = compiler.compile(expression);
                if (result.hasError()) {
                    problems.add(id + " does not compile: " + result.getErrorString());
                    continue;
                }
                try {
                    CelAbstractSyntaxTree ast = result.getAst();
                    Rule rule = new Rule(kind, at, expression, r.path("message").asText(), RUNTIME.createProgram(ast),
                            OLD_SELF.matcher(expression).find());
                    bySchemaNode.computeIfAbsent(schema, k -> new ArrayList<>()).add(rule);
                    all.add(rule);
                } catch (CelValidationException | CelEvaluationException e) {
                    problems.add(id + ": " + e.getMessage());
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
                var p = it.next();
                compile(kind, p.getValue(), at.isEmpty() ? p.getKey() : at + "." + p.getKey(), problems);
            }
            if (schema.path("additionalProperties").isObject()) {
                compile(kind, schema.get("additionalProperties"), at + "[*]", problems);
            }
            if (schema.path("items").isObject()) {
                compile(kind, schema.get("items"), at + "[*]", problems);
            }
        }

        /** The CEL type the API server gives a value of this schema (objects: a map of dyn). */
        static CelType celType(JsonNode schema) {
            if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
                return SimpleType.DYN;
            }
            if (schema.has("format") && schema.path("type").asText().equals("string")) {
                // date-time, duration and byte strings are timestamps, durations and bytes in CEL: not needed yet.
                throw new IllegalStateException("string format " + schema.get("format") + ": teach CelRulesTest its CEL type");
            }
            return switch (schema.path("type").asText("")) {
                case "string" -> SimpleType.STRING;
                case "integer" -> SimpleType.INT;
                case "number" -> SimpleType.DOUBLE;
                case "boolean" -> SimpleType.BOOL;
                case "array" -> ListType.create(schema.path("items").isObject() ? celType(schema.get("items")) : SimpleType.DYN);
                case "object" -> MapType.create(SimpleType.STRING, schema.path("additionalProperties").isObject()
                        && !schema.has("properties") ? celType(schema.get("additionalProperties")) : SimpleType.DYN);
                default -> SimpleType.DYN;
            };
        }

        /** Applies the schema's defaults to a copy of {@code resource}, then runs every rule on it (a create). */
        Evaluation evaluate(JsonNode resource) {
            return evaluateUpdate(null, resource);
        }

        /**
         * The update of {@code stored} (null: a create) to {@code resource}: every rule runs on the new object, a
         * transition rule only where the stored object has a correlated value, with it as {@code oldSelf}.
         */
        Evaluation evaluateUpdate(JsonNode stored, JsonNode resource) {
            JsonNode schema = schema(resource.path("apiVersion").asText(), resource.path("kind").asText());
            assertThat(schema).as("a CRD for %s %s", resource.path("apiVersion"), resource.path("kind")).isNotNull();
            JsonNode value = rootView(resource, schema);
            JsonNode old = stored == null ? null : rootView(stored, schema);
            List<Refusal> refusals = new ArrayList<>();
            int[] evaluated = {0};
            evaluate(value, old, schema, "", "", refusals, evaluated);
            return new Evaluation(refusals, evaluated[0]);
        }

        /** The resource with the schema's defaults, and of its metadata only what the root's rules see. */
        private static JsonNode rootView(JsonNode resource, JsonNode schema) {
            JsonNode value = resource.deepCopy();
            applyDefaults(value, schema);
            // The root sees only name and generateName of the metadata.
            ObjectNode meta = JSON.createObjectNode();
            for (String f : List.of("name", "generateName")) {
                if (value.path("metadata").has(f)) {
                    meta.set(f, value.path("metadata").get(f));
                }
            }
            ((ObjectNode) value).set("metadata", meta);
            return value;
        }

        private void evaluate(JsonNode value, JsonNode old, JsonNode schema, String at, String pointer, List<Refusal> out,
                int[] evaluated) {
            if (old != null && old.isNull()) {
                old = null;
            }
            if (value == null || value.isNull() || schema == null) {
                return;
            }
            List<Rule> rules = bySchemaNode.getOrDefault(schema, List.of());
            if (!rules.isEmpty()) {
                Object self = toCel(value, schema);
                Object oldSelf = old == null ? null : toCel(old, schema);
                for (Rule r : rules) {
                    if (r.transition() && oldSelf == null) {
                        continue; // only updates run rules that read oldSelf, where the value has an old self
                    }
                    Object result;
                    try {
                        result = r.program().eval(oldSelf == null ? Map.of("self", self) : Map.of("self", self, "oldSelf", oldSelf));
                    } catch (CelEvaluationException e) {
                        throw new AssertionError(r + " could not be evaluated at " + where(at) + ": " + e.getMessage(), e);
                    }
                    assertThat(result).as("result of %s", r).isInstanceOf(Boolean.class);
                    evaluated[0]++;
                    if (!(Boolean) result) {
                        out.add(new Refusal(at, pointer, r));
                    }
                }
            }
            if (value.isObject()) {
                JsonNode props = schema.path("properties");
                JsonNode additional = schema.path("additionalProperties");
                for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                    var f = it.next();
                    JsonNode oldField = old == null ? null : old.get(f.getKey());
                    if (props.has(f.getKey())) {
                        evaluate(f.getValue(), oldField, props.get(f.getKey()), at.isEmpty() ? f.getKey() : at + "." + f.getKey(),
                                pointer + "/" + f.getKey(), out, evaluated);
                    } else if (additional.isObject()) {
                        evaluate(f.getValue(), oldField, additional, at + "[" + f.getKey() + "]", pointer + "/" + f.getKey(),
                                out, evaluated);
                    }
                }
            } else if (value.isArray() && schema.path("items").isObject()) {
                for (int i = 0; i < value.size(); i++) {
                    evaluate(value.get(i), correlated(value.get(i), old, schema), schema.get("items"), at + "[" + i + "]",
                            pointer + "/" + i, out, evaluated);
                }
            }
        }

        /** The item of the old list the API server correlates with {@code item}: same keys in a map list, else none. */
        private static JsonNode correlated(JsonNode item, JsonNode oldList, JsonNode schema) {
            if (oldList == null || !oldList.isArray() || !"map".equals(schema.path("x-kubernetes-list-type").asText())) {
                return null;
            }
            List<String> keys = new ArrayList<>();
            schema.path("x-kubernetes-list-map-keys").forEach(k -> keys.add(k.asText()));
            for (JsonNode o : oldList) {
                if (keys.stream().allMatch(k -> java.util.Objects.equals(o.get(k), item.get(k)))) {
                    return o;
                }
            }
            return null;
        }

        /** Sets absent fields that have a default, as the API server does before it validates. */
        private static void applyDefaults(JsonNode value, JsonNode schema) {
            if (value instanceof ObjectNode o) {
                for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
                    var p = it.next();
                    if (!o.has(p.getKey()) && p.getValue().has("default")) {
                        o.set(p.getKey(), p.getValue().get("default").deepCopy());
                    }
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                    var f = it.next();
                    JsonNode child = schema.path("properties").has(f.getKey()) ? schema.path("properties").get(f.getKey())
                            : schema.path("additionalProperties");
                    if (child.isObject()) {
                        applyDefaults(f.getValue(), child);
                    }
                }
            } else if (value.isArray() && schema.path("items").isObject()) {
                value.forEach(item -> applyDefaults(item, schema.get("items")));
            }
        }

        /** A JSON value as CEL sees it: maps, lists, String, Long, Double, Boolean; numbers by the schema's type. */
        private static Object toCel(JsonNode value, JsonNode schema) {
            if (value.isObject()) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                    var f = it.next();
                    if (!f.getValue().isNull()) {
                        JsonNode child = schema.path("properties").has(f.getKey()) ? schema.path("properties").get(f.getKey())
                                : schema.path("additionalProperties");
                        m.put(f.getKey(), toCel(f.getValue(), child));
                    }
                }
                return m;
            }
            if (value.isArray()) {
                List<Object> l = new ArrayList<>();
                value.forEach(item -> l.add(toCel(item, schema.path("items"))));
                return l;
            }
            if (value.isTextual()) {
                return value.asText();
            }
            if (value.isBoolean()) {
                return value.asBoolean();
            }
            if (value.isNumber()) {
                return schema.path("type").asText().equals("number") || !value.isIntegralNumber()
                        ? (Object) value.asDouble() : (Object) value.asLong();
            }
            throw new IllegalArgumentException("cannot give CEL " + value);
        }
    }
}
