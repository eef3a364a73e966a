package dev.tollgate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.config.Problem;
import dev.tollgate.config.RenderInput;
import dev.tollgate.config.RenderResult;
import dev.tollgate.config.Renderer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Routing in a standalone folder: the schema lets through what only CEL refuses on a cluster (a group falling back to
 * itself), the renderer refuses it instead, and both problems and warnings point at the line of spec.routing.
 */
class RoutingStandaloneTest {
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private record Folder(RenderResult result, Map<String, Manifests.Document> documents) {
        String where(Problem p) {
            return StandaloneRunner.where(p, documents.get(p.kind() + "/" + p.id())) + ": " + p.message();
        }
    }

    /** As StandaloneRunner.load reads a folder: schema check, strict binding, namespace and creation defaults. */
    private static Folder load(String yaml) throws Exception {
        List<LlmModel> models = new ArrayList<>();
        GatewayDeployment gw = null;
        Map<String, Manifests.Document> documents = new HashMap<>();
        for (Manifests.Document d : Manifests.read(Path.of("routing.yaml"), yaml)) {
            assertThat(SchemaValidator.bundled().validate(d.body())).as(d.where("")).isEmpty();
            Class<? extends io.fabric8.kubernetes.api.model.HasMetadata> type = d.kind().equals("LlmModel")
                    ? LlmModel.class : GatewayDeployment.class;
            io.fabric8.kubernetes.api.model.HasMetadata o = STRICT.treeToValue(d.body(), type);
            o.getMetadata().setNamespace("default");
            o.getMetadata().setCreationTimestamp("1970-01-01T00:00:00Z");
            documents.put(d.kind() + "/" + Renderer.id(o), d);
            if (o instanceof LlmModel m) {
                models.add(m);
            } else {
                gw = (GatewayDeployment) o;
            }
        }
        return new Folder(Renderer.render(new RenderInput(gw, models, List.of(), List.of(), ns -> Map.of(),
                (ns, name) -> Optional.empty())), documents);
    }

    private static final String GATEWAY = """
            apiVersion: llm.tollgate.dev/v1alpha1
            kind: GatewayDeployment
            metadata:
              name: gw
            spec:
              routing:
                retries: {maxRetries: 1}
            """;

    @Test
    void aGroupFallingBackToItselfIsRefusedAtTheLineOfRouting() throws Exception {
        Folder f = load(GATEWAY + """
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata:
                  name: chat
                spec:
                  modelName: chat
                  provider: mock
                  model: chat
                  routing:
                    fallbacks: [chat]
                """);
        assertThat(f.result().config().models()).isEmpty();
        assertThat(f.result().problems()).singleElement().satisfies(p -> assertThat(f.where(p))
                .startsWith("routing.yaml:18: ").contains("spec.routing.fallbacks names 'chat'"));
    }

    @Test
    void disagreeingModelsAreServedAndTheWarningPointsAtTheYoungerOnesRouting() throws Exception {
        Folder f = load(GATEWAY + """
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata:
                  name: a
                spec:
                  modelName: chat
                  provider: mock
                  model: chat
                  routing: {strategy: least-busy}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata:
                  name: b
                spec:
                  modelName: chat
                  provider: mock
                  model: chat
                  priority: 2
                  routing:
                    strategy: latency
                """);
        RenderResult r = f.result();
        assertThat(r.problems()).isEmpty();
        assertThat(r.config().models()).extracting(m -> m.id() + " " + m.tier()).containsExactly("default/a 1", "default/b 2");
        // every member of a standalone folder is "created" at once: namespace/name decides, a before b
        assertThat(r.config().routing().get("chat").strategy()).isEqualTo("least-busy");
        assertThat(r.config().routing().get("chat").retries().maxRetries()).isEqualTo(1);
        assertThat(r.warnings()).singleElement().satisfies(w -> assertThat(f.where(w)).startsWith("routing.yaml:29: ")
                .contains("LlmModel default/a").contains("same spec.routing"));
        assertThat(r.warnings().get(0).reason()).isEqualTo("RoutingConflict");
    }
}
