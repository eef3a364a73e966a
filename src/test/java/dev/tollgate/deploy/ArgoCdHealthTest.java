package dev.tollgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.Condition;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.StatusBase;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.Problem;
import dev.tollgate.operator.status.StatusBuilders;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;

/**
 * The Argo CD health checks in deploy/argocd/ (one health.lua per kind), run on LuaJ the way Argo CD runs an
 * argocd-cm script: the resource as the global {@code obj}, only the base, package and table libraries (no
 * {@code string}, no {@code math}), the returned table's {@code status} and {@code message} read back. Fixtures
 * are in Argo CD's own layout (src/test/resources/argocd/&lt;group&gt;/&lt;kind&gt;/health_test.yaml + testdata/),
 * and deploy/argocd/argocd-cm-patch.yaml must be exactly what the .lua files generate
 * (-Dupdate-generated=true rewrites it).
 */
class ArgoCdHealthTest {
    static final String GROUP = "llm.tollgate.dev";
    static final Path CHECKS = Path.of("deploy/argocd");
    static final Path PATCH = CHECKS.resolve("argocd-cm-patch.yaml");
    static final Path FIXTURES = Path.of("src/test/resources/argocd");
    static final List<String> KINDS = List.of("LlmModel", "VirtualKey", "Budget", "GatewayDeployment", "LogSink",
            "Prompt");
    static final Map<String, Class<? extends HasMetadata>> TYPES = Map.of("LlmModel", LlmModel.class, "VirtualKey",
            VirtualKey.class, "Budget", Budget.class, "GatewayDeployment", GatewayDeployment.class,
            "LogSink", dev.tollgate.api.v1alpha1.LogSink.class, "Prompt", dev.tollgate.api.v1alpha1.Prompt.class);
    /** What Argo CD accepts from a health script (anything else becomes Unknown, "Lua returned an invalid health status"). */
    static final Set<String> ARGO_HEALTH = Set.of("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown");
    static final boolean UPDATE = Boolean.getBoolean("update-generated");

    static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    static final KubernetesSerialization K8S = new KubernetesSerialization();

    record Health(String status, String message) {}

    record Case(String kind, String input, JsonNode object, Health expected) {}

    // ---- The checks against the fixtures -------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> everyFixtureGetsTheHealthItsTestFileExpects() throws IOException {
        List<Case> cases = new ArrayList<>();
        for (String kind : KINDS) {
            cases.addAll(cases(kind));
        }
        assertThat(cases).hasSizeGreaterThanOrEqualTo(4 * 6);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.kind() + " " + c.input(),
                () -> assertThat(health(c.kind(), c.object())).as("%s %s", c.kind(), c.input()).isEqualTo(c.expected())));
    }

    /** The cases the issue names, per kind, each with the health it must get and what its fixture must show. */
    @Test
    void everyKindCoversTheRequiredCasesWithFixturesThatShowWhatTheirNamesSay() throws IOException {
        Map<String, Map<String, Required>> required = new TreeMap<>();
        for (String kind : KINDS) {
            Map<String, Required> r = new LinkedHashMap<>();
            r.put("no-status", new Required("Progressing", o -> o.path("status").isMissingNode()));
            r.put("old-generation", new Required("Progressing", o -> o.path("status").path("observedGeneration").asLong()
                    < o.path("metadata").path("generation").asLong()));
            r.put("ready", new Required("Healthy", o -> is(o, "Ready", "True")));
            r.put("stalled", new Required("Degraded", o -> is(o, "Ready", "False") && is(o, "Stalled", "True")));
            r.put("reconciling", new Required("Progressing", o -> is(o, "Reconciling", "True")));
            r.put("ready-false", new Required("Progressing", o -> is(o, "Ready", "False") && !is(o, "Stalled", "True")));
            required.put(kind, r);
        }
        required.get("VirtualKey").put("disabled", new Required("Healthy", o -> is(o, "Ready", "True") && is(o, "Disabled", "True")));
        required.get("VirtualKey").put("expired", new Required("Healthy", o -> is(o, "Ready", "True") && is(o, "Expired", "True")));
        required.get("VirtualKey").put("disabled-today", new Required("Healthy", o -> is(o, "Ready", "False") && is(o, "Disabled", "True")));
        required.get("VirtualKey").put("expired-today", new Required("Healthy", o -> is(o, "Ready", "False") && is(o, "Expired", "True")));
        required.get("Budget").put("exceeded", new Required("Healthy", o -> is(o, "Ready", "True") && is(o, "Exceeded", "True")));

        for (String kind : KINDS) {
            Map<String, Case> byName = new TreeMap<>();
            cases(kind).forEach(c -> byName.put(c.input().replaceFirst("^testdata/", "").replaceFirst("\\.yaml$", ""), c));
            required.get(kind).forEach((name, req) -> {
                assertThat(byName).as("%s health_test.yaml has testdata/%s.yaml", kind, name).containsKey(name);
                Case c = byName.get(name);
                assertThat(c.expected().status()).as("%s %s is expected", kind, name).isEqualTo(req.health());
                assertThat(req.shows().test(c.object())).as("%s testdata/%s.yaml shows what its name says", kind, name).isTrue();
            });
        }
    }

    record Required(String health, Predicate<JsonNode> shows) {}

    /** Fixtures are real objects of their kind: they bind to the API classes with no unknown field. */
    @Test
    void fixturesAreValidObjectsOfTheirKind() throws IOException {
        for (String kind : KINDS) {
            for (Case c : cases(kind)) {
                JsonNode o = c.object();
                assertThat(o.path("apiVersion").asText()).as("%s %s", kind, c.input()).isEqualTo(GROUP + "/v1alpha1");
                assertThat(o.path("kind").asText()).as("%s %s", kind, c.input()).isEqualTo(kind);
                assertThat(o.path("metadata").path("generation").isIntegralNumber()).as("%s %s has a generation", kind, c.input()).isTrue();
                HasMetadata bound = STRICT.treeToValue(o, TYPES.get(kind));
                assertThat(bound.getMetadata().getName()).isNotBlank();
            }
        }
    }

    @Test
    void theChecksCoverExactlyTheKindsOfTheCrds() throws IOException {
        List<String> crdKinds = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("crds"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".yml")).toList()) {
                JsonNode crd = YAML.readTree(f.toFile());
                assertThat(crd.path("spec").path("group").asText()).as("group of %s", f).isEqualTo(GROUP);
                crdKinds.add(crd.path("spec").path("names").path("kind").asText());
            }
        }
        assertThat(crdKinds).containsExactlyInAnyOrderElementsOf(KINDS);
        try (Stream<Path> s = Files.list(CHECKS.resolve(GROUP))) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrderElementsOf(KINDS);
        }
        try (Stream<Path> s = Files.list(FIXTURES.resolve(GROUP))) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrderElementsOf(KINDS);
        }
        for (String kind : KINDS) {
            assertThat(CHECKS.resolve(GROUP).resolve(kind).resolve("health.lua")).isRegularFile();
        }
    }

    // ---- Today's operator: the statuses the status builders really write -------------------------------------

    /**
     * The statuses the operator's status builders write today (and after the kstatus change, whatever they write
     * then): a key disabled or expired on purpose and an exhausted budget are Healthy, a problem is never Healthy.
     */
    @Nested
    class StatusesTheOperatorWrites {
        static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

        @Test
        void aDisabledKeyIsHealthy() {
            VirtualKey vk = Fixtures.key("team-search", "search-app");
            vk.getMetadata().setGeneration(2L);
            vk.getSpec().setDisabled(true);
            vk.setStatus(StatusBuilders.virtualKey(vk, Optional.empty(), "sk-tg-AbC", NOW));
            assertHealthy("VirtualKey", vk, vk.getStatus(), "Disabled");
        }

        @Test
        void anExpiredKeyIsHealthy() {
            VirtualKey vk = Fixtures.key("team-search", "search-app");
            vk.getMetadata().setGeneration(1L);
            vk.getSpec().setExpiresAt("2025-01-01T00:00:00Z");
            vk.setStatus(StatusBuilders.virtualKey(vk, Optional.empty(), "sk-tg-AbC", NOW));
            assertHealthy("VirtualKey", vk, vk.getStatus(), "Expired");
        }

        @Test
        void anExhaustedBudgetIsHealthyAndSaysSo() {
            Budget b = Fixtures.budget("team-search", "daily", "5.00", "daily");
            b.getMetadata().setGeneration(1L);
            Usage spent = new Usage();
            spent.setPeriodSpend("5.00");
            b.setStatus(StatusBuilders.budget(b, Optional.empty(), null, 1, spent, NOW));
            assertThat(b.getStatus().condition("Exceeded")).map(Condition::getStatus).contains(Condition.TRUE);
            Health h = assertHealthy("Budget", b, b.getStatus(), null);
            assertThat(h.message()).contains(b.getStatus().condition("Exceeded").orElseThrow().getMessage());
        }

        @Test
        void aServedModelIsHealthy() {
            LlmModel m = Fixtures.model("ai-platform", "mock", "mock-gpt", "mock");
            m.getMetadata().setGeneration(1L);
            m.setStatus(StatusBuilders.model(m, Optional.empty(), List.of("ai-platform/llm"), NOW));
            assertHealthy("LlmModel", m, m.getStatus(), null);
        }

        @Test
        void aKeyWithAMissingBudgetIsNeverHealthy() {
            VirtualKey vk = Fixtures.key("team-search", "search-app");
            vk.getMetadata().setGeneration(1L);
            Problem missing = new Problem("VirtualKey", "team-search", "search-app", "BudgetNotFound",
                    "Budget team-search/gone not found: create it, or remove it from spec.budgetRefs");
            vk.setStatus(StatusBuilders.virtualKey(vk, Optional.of(missing), null, NOW));
            assertNotHealthy("VirtualKey", vk, vk.getStatus());
        }

        @Test
        void aBudgetWithAnInvalidTimeZoneIsNeverHealthy() {
            Budget b = Fixtures.budget("team-search", "monthly", "250.00", "monthly");
            b.getMetadata().setGeneration(1L);
            Problem tz = new Problem("Budget", "team-search", "monthly", "InvalidTimeZone",
                    "timeZone 'Mars/Base' is not an IANA time zone: use a name such as Europe/Berlin");
            b.setStatus(StatusBuilders.budget(b, Optional.of(tz), null, 0, NOW));
            assertNotHealthy("Budget", b, b.getStatus());
        }

        private Health assertHealthy(String kind, HasMetadata resource, StatusBase status, String purpose) {
            Health h = health(kind, K8S.convertValue(resource, JsonNode.class));
            assertThat(h.status()).as("%s with %s", kind, status.getConditions()).isEqualTo("Healthy");
            assertThat(h.message()).contains(status.condition("Ready").orElseThrow().getMessage());
            if (purpose != null) {
                assertThat(status.condition(purpose)).as("%s condition", purpose).map(Condition::getStatus).contains(Condition.TRUE);
            }
            return h;
        }

        private void assertNotHealthy(String kind, HasMetadata resource, StatusBase status) {
            Health h = health(kind, K8S.convertValue(resource, JsonNode.class));
            Optional<Condition> stalled = status.condition("Stalled").filter(c -> Condition.TRUE.equals(c.getStatus()));
            // Before the kstatus conditions: Progressing with Ready's message; with them: Degraded with Stalled's.
            Health expected = stalled.map(c -> new Health("Degraded", c.getMessage()))
                    .orElseGet(() -> new Health("Progressing", status.condition("Ready").orElseThrow().getMessage()));
            assertThat(h).as("%s with %s", kind, status.getConditions()).isEqualTo(expected);
        }
    }

    // ---- The sandbox and the Lua tables ------------------------------------------------------------------------

    @Test
    void theSandboxHasArgoCdsLibrariesOnly() {
        // Argo CD runs argocd-cm scripts without Lua's standard libraries (unless useOpenLibs is set): a check
        // that needs string.* or math.* would fail there, so it must fail here too.
        assertThatThrownBy(() -> run("return { status = string.upper('healthy') }", YAML.createObjectNode()))
                .isInstanceOf(LuaError.class);
        assertThatThrownBy(() -> run("return { status = 'Healthy', message = '' .. math.floor(1.5) }", YAML.createObjectNode()))
                .isInstanceOf(LuaError.class);
        assertThat(run("local t = {} table.insert(t, 'Healthy') return { status = t[1], message = tostring(#t) }",
                YAML.createObjectNode())).isEqualTo(new Health("Healthy", "1"));
    }

    @Test
    void luaTablesMirrorTheJsonTree() throws IOException {
        JsonNode o = YAML.readTree("""
                metadata: {generation: 7, name: n}
                status:
                  observedGeneration: 6
                  ratio: 0.25
                  big: 12345678901
                  ok: true
                  off: false
                  gone: null
                  conditions:
                    - {type: Ready, status: "True"}
                    - {type: Stalled, status: "False"}
                  matrix: [[1, 2], [3]]
                """);
        String script = """
                local s = obj.status
                local checks = {
                  obj.metadata.generation == 7, obj.metadata.name == "n", s.observedGeneration < obj.metadata.generation,
                  s.ratio == 0.25, s.big == 12345678901, s.ok == true, s.off == false, s.gone == nil,
                  #s.conditions == 2, s.conditions[1].type == "Ready", s.conditions[2].status == "False",
                  s.conditions[0] == nil, s.matrix[1][2] == 2, s.matrix[2][1] == 3, #s.matrix[2] == 1,
                  "generation " .. obj.metadata.generation == "generation 7"
                }
                local failed = ""
                for i = 1, 16 do
                  if checks[i] ~= true then failed = failed .. " " .. i end
                end
                return { status = "Healthy", message = failed }
                """;
        assertThat(run(script, o)).as("Lua checks that failed (1-based)").isEqualTo(new Health("Healthy", ""));
    }

    // ---- The argocd-cm patch ---------------------------------------------------------------------------------

    @Test
    void argocdCmPatchIsGeneratedFromTheLuaFiles() throws IOException {
        String generated = renderPatch();
        if (UPDATE) {
            Files.writeString(PATCH, generated);
        }
        assertThat(PATCH).as("%s is committed (run the tests with -Dupdate-generated=true)", PATCH).exists();
        assertThat(Files.readString(PATCH)).as("%s drifted from the health.lua files: regenerate with "
                + "-Dupdate-generated=true and commit", PATCH).isEqualTo(generated);

        // And as YAML: one data key per kind, each exactly its file.
        JsonNode cm = YAML.readTree(PATCH.toFile());
        assertThat(cm.path("apiVersion").asText()).isEqualTo("v1");
        assertThat(cm.path("kind").asText()).isEqualTo("ConfigMap");
        assertThat(cm.path("metadata").path("name").asText()).isEqualTo("argocd-cm");
        Map<String, String> data = new TreeMap<>();
        cm.path("data").properties().forEach(e -> data.put(e.getKey(), e.getValue().asText()));
        Map<String, String> expected = new TreeMap<>();
        for (String kind : KINDS) {
            expected.put(configMapKey(kind), script(kind));
        }
        assertThat(data).isEqualTo(expected);
    }

    @Test
    void argocdCmPatchAppliesWithKubectlPatchAndKustomize(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("argocd-cm.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: argocd-cm
                  namespace: gitops
                data:
                  url: https://argocd.example.com
                """);
        // The generated patch (argocdCmPatchIsGeneratedFromTheLuaFiles holds the committed file to it).
        Path patch = Files.writeString(dir.resolve("argocd-cm-patch.yaml"), renderPatch());
        // kubectl -n <ns> patch configmap argocd-cm --patch-file deploy/argocd/argocd-cm-patch.yaml (here --local)
        JsonNode patched = YAML.readTree(DeployManifestsTest.kubectl("-n", "gitops", "patch", "--local", "-o", "yaml",
                "-f", dir.resolve("argocd-cm.yaml").toString(), "--patch-file", patch.toString()));
        assertPatched(patched, "gitops");

        // kustomize: patches: [{path: argocd-cm-patch.yaml, target: {kind: ConfigMap, name: argocd-cm}}]
        Files.writeString(dir.resolve("kustomization.yaml"), """
                resources: [argocd-cm.yaml]
                patches:
                  - path: argocd-cm-patch.yaml
                    target: {kind: ConfigMap, name: argocd-cm}
                """);
        assertPatched(YAML.readTree(DeployManifestsTest.kubectl("kustomize", dir.toString())), "gitops");
    }

    private void assertPatched(JsonNode cm, String namespace) throws IOException {
        assertThat(cm.path("metadata").path("namespace").asText()).isEqualTo(namespace);
        assertThat(cm.path("data").path("url").asText()).as("keys already there stay").isEqualTo("https://argocd.example.com");
        for (String kind : KINDS) {
            assertThat(cm.path("data").path(configMapKey(kind)).asText()).as(configMapKey(kind)).isEqualTo(script(kind));
        }
    }

    // ---- Helpers --------------------------------------------------------------------------------------------

    static String configMapKey(String kind) {
        return "resource.customizations.health." + GROUP + "_" + kind;
    }

    static String script(String kind) throws IOException {
        return Files.readString(CHECKS.resolve(GROUP).resolve(kind).resolve("health.lua"));
    }

    /** deploy/argocd/argocd-cm-patch.yaml: every health.lua as a block scalar, in KINDS order. */
    static String renderPatch() throws IOException {
        StringBuilder b = new StringBuilder("""
                # GENERATED from deploy/argocd/llm.tollgate.dev/<Kind>/health.lua by ArgoCdHealthTest: edit the .lua files and
                # run the tests with -Dupdate-generated=true. Adds Tollgate's health checks to Argo CD's argocd-cm:
                #   kubectl -n argocd patch configmap argocd-cm --patch-file deploy/argocd/argocd-cm-patch.yaml
                # or, in the kustomization that installs Argo CD:
                #   patches: [{path: argocd-cm-patch.yaml, target: {kind: ConfigMap, name: argocd-cm}}]
                # No namespace here on purpose: the patch applies wherever argocd-cm lives.
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: argocd-cm
                data:
                """);
        for (String kind : KINDS) {
            String lua = script(kind);
            assertThat(lua).as("%s/health.lua", kind).endsWith("\n").doesNotContain("\t").doesNotContain("\r")
                    .doesNotContain(" \n").doesNotStartWith(" ");
            b.append("  ").append(configMapKey(kind)).append(": |\n");
            for (String line : lua.substring(0, lua.length() - 1).split("\n", -1)) {
                b.append(line.isEmpty() ? "" : "    " + line).append('\n');
            }
        }
        return b.toString();
    }

    static List<Case> cases(String kind) throws IOException {
        Path dir = FIXTURES.resolve(GROUP).resolve(kind);
        JsonNode tests = YAML.readTree(dir.resolve("health_test.yaml").toFile()).path("tests");
        assertThat(tests.isArray() && !tests.isEmpty()).as("%s/health_test.yaml lists tests", dir).isTrue();
        List<Case> out = new ArrayList<>();
        for (JsonNode t : tests) {
            String input = t.path("inputPath").asText();
            JsonNode expected = t.path("healthStatus");
            out.add(new Case(kind, input, YAML.readTree(dir.resolve(input).toFile()),
                    new Health(expected.path("status").asText(), expected.path("message").asText())));
        }
        return out;
    }

    static boolean is(JsonNode o, String type, String status) {
        for (JsonNode c : o.path("status").path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return status.equals(c.path("status").asText());
            }
        }
        return false;
    }

    static Health health(String kind, JsonNode object) {
        try {
            return run(script(kind), object);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Runs a health script as Argo CD does for argocd-cm entries (util/lua: SkipOpenLibs, then package, base and
     * table; its "safe" os library is left out here as no check may need it): obj set, the chunk's return value
     * read as {status, message}.
     */
    static Health run(String script, JsonNode object) {
        Globals g = new Globals();
        g.load(new JseBaseLib());
        g.load(new PackageLib());
        g.load(new TableLib());
        LoadState.install(g);
        LuaC.install(g);
        g.set("obj", toLua(object));
        LuaValue result = g.load(script, "health.lua").call();
        assertThat(result.istable()).as("the script returns a table, not %s", result.typename()).isTrue();
        LuaValue status = result.get("status");
        LuaValue message = result.get("message");
        assertThat(status.isstring()).as("status is a string").isTrue();
        assertThat(status.tojstring()).as("a health status Argo CD accepts").isIn(ARGO_HEALTH);
        assertThat(message.isnil() || message.isstring()).as("message is a string").isTrue();
        return new Health(status.tojstring(), message.isnil() ? "" : message.tojstring());
    }

    /**
     * A JSON tree as Argo CD hands it to Lua (util/lua decodeValue): objects and arrays as tables (arrays from
     * index 1), numbers as Lua numbers, booleans, strings; JSON null is nil, so the key is absent.
     */
    static LuaValue toLua(JsonNode n) {
        if (n.isObject()) {
            LuaTable t = new LuaTable();
            n.properties().forEach(e -> {
                if (!e.getValue().isNull()) {
                    t.set(e.getKey(), toLua(e.getValue()));
                }
            });
            return t;
        }
        if (n.isArray()) {
            LuaTable t = new LuaTable();
            for (int i = 0; i < n.size(); i++) {
                if (!n.get(i).isNull()) {
                    t.set(i + 1, toLua(n.get(i)));
                }
            }
            return t;
        }
        if (n.isTextual()) {
            return LuaValue.valueOf(n.textValue());
        }
        if (n.isBoolean()) {
            return LuaValue.valueOf(n.booleanValue());
        }
        if (n.isIntegralNumber() && n.canConvertToInt()) {
            return LuaValue.valueOf(n.intValue());
        }
        if (n.isNumber()) {
            return LuaValue.valueOf(n.doubleValue()); // Lua 5.1/5.2 numbers are doubles (gopher-lua's too)
        }
        if (n.isNull() || n.isMissingNode()) {
            return LuaValue.NIL;
        }
        throw new IllegalArgumentException("no Lua value for JSON " + n.getNodeType());
    }
}
