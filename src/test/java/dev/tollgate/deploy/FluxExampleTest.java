package dev.tollgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelOptions;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Flux example in deploy/flux/: valid Flux objects whose references hold (source, dependsOn, paths in this
 * repository), and healthCheckExprs that, evaluated the way kustomize-controller evaluates them (CEL; first
 * observedGeneration, then inProgress, failed, current, else in progress), agree with the Argo CD checks on every
 * status fixture of src/test/resources/argocd/.
 */
class FluxExampleTest {
    static final Path FLUX = Path.of("deploy/flux");
    static final String GIT_REPOSITORY = "source.toolkit.fluxcd.io/v1";
    static final String KUSTOMIZATION = "kustomize.toolkit.fluxcd.io/v1";
    static final YAMLMapper YAML = new YAMLMapper();

    static List<JsonNode> objects;

    @BeforeAll
    static void read() throws IOException {
        objects = new ArrayList<>();
        try (Stream<Path> files = Files.list(FLUX)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
                    while (it.hasNext()) {
                        JsonNode n = it.next();
                        if (n != null && !n.isEmpty()) {
                            objects.add(n);
                        }
                    }
                }
            }
        }
        assertThat(objects).as("objects in %s", FLUX).isNotEmpty();
    }

    @Test
    void everyObjectIsAFluxSourceOrKustomization() {
        for (JsonNode o : objects) {
            String id = o.path("kind").asText() + " " + o.path("metadata").path("name").asText();
            assertThat(o.path("apiVersion").asText() + " " + o.path("kind").asText()).as(id)
                    .isIn(GIT_REPOSITORY + " GitRepository", KUSTOMIZATION + " Kustomization");
            assertThat(o.path("metadata").path("name").asText()).as(id).isNotBlank();
            assertThat(o.path("metadata").path("namespace").asText()).as(id).isEqualTo("flux-system");
            assertThat(o.path("spec").path("interval").asText()).as("%s interval", id).matches("\\d+[smh]");
        }
        assertThat(of("GitRepository")).singleElement().satisfies(g -> {
            assertThat(g.path("spec").path("url").asText()).startsWith("https://");
            assertThat(g.path("spec").path("ref").isObject()).as("ref").isTrue();
        });
        assertThat(of("Kustomization")).extracting(k -> k.path("metadata").path("name").asText())
                .containsExactlyInAnyOrder("tollgate-operator", "tollgate-demo");
    }

    @Test
    void kustomizationsReferToThisRepositoryAndPathsThatExist() throws IOException {
        Set<String> sources = new TreeSet<>();
        of("GitRepository").forEach(g -> sources.add(g.path("metadata").path("name").asText()));
        Set<String> kustomizations = new TreeSet<>();
        of("Kustomization").forEach(k -> kustomizations.add(k.path("metadata").path("name").asText()));
        for (JsonNode k : of("Kustomization")) {
            String name = k.path("metadata").path("name").asText();
            JsonNode spec = k.path("spec");
            assertThat(spec.path("sourceRef").path("kind").asText()).as("%s sourceRef.kind", name).isEqualTo("GitRepository");
            assertThat(spec.path("sourceRef").path("name").asText()).as("%s sourceRef.name", name).isIn(sources);
            assertThat(spec.path("prune").isBoolean()).as("%s prune (required)", name).isTrue();
            assertThat(spec.path("wait").asBoolean()).as("%s wait", name).isTrue();
            assertThat(spec.path("timeout").asText()).as("%s timeout", name).matches("\\d+[smh]");
            spec.path("dependsOn").forEach(d -> assertThat(d.path("name").asText()).as("%s dependsOn", name).isIn(kustomizations));

            String path = spec.path("path").asText();
            assertThat(path).as("%s path", name).startsWith("./").doesNotContain("..");
            Path dir = Path.of(path.substring(2));
            assertThat(dir).as("%s path %s in this repository", name, path).isDirectory();
            assertThat(manifests(dir)).as("%s: manifests under %s", name, path).isNotEmpty();
        }
        // The operator Kustomization installs what DeployManifestsTest checks.
        assertThat(kustomization("tollgate-operator").path("spec").path("path").asText()).isEqualTo("./deploy");
    }

    @Test
    void theDemoChecksEveryKindItAppliesAndTheKindsAreTheCrds() throws IOException {
        JsonNode demo = kustomization("tollgate-demo").path("spec");
        Map<String, String> crds = new TreeMap<>(); // kind -> group/version served
        try (Stream<Path> s = Files.list(Path.of("crds"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".yml")).toList()) {
                JsonNode crd = YAML.readTree(f.toFile());
                String group = crd.path("spec").path("group").asText();
                crd.path("spec").path("versions").forEach(v -> {
                    if (v.path("served").asBoolean()) {
                        crds.put(crd.path("spec").path("names").path("kind").asText(), group + "/" + v.path("name").asText());
                    }
                });
            }
        }
        Map<String, String> checked = new TreeMap<>();
        demo.path("healthCheckExprs").forEach(e -> checked.put(e.path("kind").asText(), e.path("apiVersion").asText()));
        assertThat(checked).as("healthCheckExprs: kind -> apiVersion").isEqualTo(crds);

        Set<String> applied = new TreeSet<>();
        for (Path f : manifests(Path.of(demo.path("path").asText().substring(2)))) {
            try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
                while (it.hasNext()) {
                    JsonNode o = it.next();
                    if (o.path("apiVersion").asText().startsWith("llm.tollgate.dev/")) {
                        applied.add(o.path("kind").asText());
                        assertThat(o.path("metadata").path("namespace").isMissingNode())
                                .as("%s %s takes spec.targetNamespace", f, o.path("kind").asText()).isTrue();
                    }
                }
            }
        }
        assertThat(applied).as("Tollgate kinds the demo applies").isNotEmpty();
        assertThat(checked.keySet()).containsAll(applied);
    }

    /**
     * Flux and Argo CD say the same about every fixture: Healthy is Current, Degraded is Failed, Progressing is
     * InProgress, or Unknown while there is no status at all (the expressions cannot read it; Flux keeps waiting).
     */
    @Test
    void healthCheckExprsAgreeWithTheArgoCdChecksOnEveryFixture() throws IOException {
        Map<String, Exprs> byKind = new LinkedHashMap<>();
        kustomization("tollgate-demo").path("spec").path("healthCheckExprs").forEach(e -> byKind.put(e.path("kind").asText(),
                new Exprs(compile(e.path("inProgress")), compile(e.path("failed")), compile(e.path("current")))));
        int compared = 0;
        for (String kind : ArgoCdHealthTest.KINDS) {
            assertThat(byKind).as("healthCheckExprs for %s", kind).containsKey(kind);
            for (ArgoCdHealthTest.Case c : ArgoCdHealthTest.cases(kind)) {
                String flux = evaluate(byKind.get(kind), c.object());
                String expected = switch (c.expected().status()) {
                    case "Healthy" -> "Current";
                    case "Degraded" -> "Failed";
                    default -> c.object().path("status").isMissingNode() ? "Unknown" : "InProgress";
                };
                assertThat(flux).as("Flux status of %s %s (Argo CD: %s)", kind, c.input(), c.expected()).isEqualTo(expected);
                compared++;
            }
        }
        assertThat(compared).isGreaterThanOrEqualTo(4 * 6);
    }

    // ---- Flux's evaluation (fluxcd/pkg runtime/cel StatusEvaluator), on CEL-Java ------------------------------

    record Exprs(CelRuntime.Program inProgress, CelRuntime.Program failed, CelRuntime.Program current) {}

    static final Cel CEL = CelFactory.standardCelBuilder()
            .setOptions(CelOptions.current().enableHeterogeneousNumericComparisons(true).build())
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS) // has, all, exists, exists_one, map, filter (cel-go's default)
            .addCompilerLibraries(CelExtensions.optional())
            .addRuntimeLibraries(CelExtensions.optional())
            .addVar("apiVersion", SimpleType.DYN).addVar("kind", SimpleType.DYN).addVar("metadata", SimpleType.DYN)
            .addVar("spec", SimpleType.DYN).addVar("status", SimpleType.DYN)
            .build();

    static CelRuntime.Program compile(JsonNode expr) {
        if (expr.isMissingNode() || expr.asText().isBlank()) {
            return null;
        }
        try {
            return CEL.createProgram(CEL.compile(expr.asText()).getAst());
        } catch (Exception e) {
            throw new AssertionError("healthCheckExprs expression does not compile: " + expr.asText(), e);
        }
    }

    /** Current, Failed, InProgress, or Unknown when an expression cannot be evaluated (Flux reports the error and waits). */
    static String evaluate(Exprs e, JsonNode object) {
        JsonNode observed = object.path("status").path("observedGeneration");
        JsonNode generation = object.path("metadata").path("generation");
        if (observed.isIntegralNumber() && generation.isIntegralNumber() && observed.asLong() != generation.asLong()) {
            return "InProgress";
        }
        Map<String, Object> activation = new LinkedHashMap<>();
        object.properties().forEach(f -> activation.put(f.getKey(), plain(f.getValue())));
        try {
            if (e.inProgress() != null && Boolean.TRUE.equals(e.inProgress().eval(activation))) {
                return "InProgress";
            }
            if (e.failed() != null && Boolean.TRUE.equals(e.failed().eval(activation))) {
                return "Failed";
            }
            if (Boolean.TRUE.equals(e.current().eval(activation))) {
                return "Current";
            }
            return "InProgress";
        } catch (CelEvaluationException unreadable) {
            return "Unknown";
        }
    }

    /** JSON as the unstructured object Flux hands CEL: maps, lists, strings, booleans, int64 and double. */
    static Object plain(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            n.properties().forEach(f -> m.put(f.getKey(), plain(f.getValue())));
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(x -> l.add(plain(x)));
            return l;
        }
        if (n.isIntegralNumber()) {
            return n.longValue();
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        return dev.cel.common.values.NullValue.NULL_VALUE;
    }

    // ---- Helpers --------------------------------------------------------------------------------------------

    static List<JsonNode> of(String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    static JsonNode kustomization(String name) {
        return of("Kustomization").stream().filter(k -> k.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no Kustomization " + name + " in " + FLUX));
    }

    /** The YAML files Flux builds from a path: its kustomization.yaml, or (generated) every manifest under it. */
    static List<Path> manifests(Path dir) throws IOException {
        if (Files.exists(dir.resolve("kustomization.yaml"))) {
            return List.of(dir.resolve("kustomization.yaml"));
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
    }
}
