package dev.tollgate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.config.GatewayConfig;
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
 * Caching in a standalone folder: the schema checks the fields (sizes, thresholds, scopes), the renderer refuses
 * what only CEL refuses on a cluster (a group embedding itself), and problems and warnings point at the line of
 * spec.cache.
 */
class CachingStandaloneTest {
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
        for (Manifests.Document d : Manifests.read(Path.of("caching.yaml"), yaml)) {
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
              cache:
                maxSize: 32Mi
                chargeHits: true
                exact: {ttl: 10m}
            """;

    @Test
    void aFolderRendersItsCachesAndAWarningPointsAtTheLineOfCache() throws Exception {
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
                  cache:
                    scope: key
                    semantic: {embeddingModel: embed-missing}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata:
                  name: embed
                spec:
                  modelName: embed
                  provider: mock
                  model: embed
                """);
        RenderResult r = f.result();
        assertThat(r.problems()).isEmpty();
        GatewayConfig.Caching c = r.config().caching();
        assertThat(c.maxBytes()).isEqualTo(32L * 1024 * 1024);
        assertThat(c.chargeHits()).isTrue();
        // the semantic part is left out (its embedding group is not served), the inherited exact cache stays
        assertThat(c.groups().get("chat")).isEqualTo(new GatewayConfig.Cache(new GatewayConfig.Exact(600_000, 256 * 1024),
                null, "key", null));
        assertThat(c.groups().get("embed").scope()).isEqualTo("namespace");
        assertThat(r.warnings()).singleElement().satisfies(w -> {
            assertThat(w.reason()).isEqualTo("UnknownEmbeddingModel");
            assertThat(f.where(w)).startsWith("caching.yaml:20: ").contains("'embed-missing'");
        });
    }

    @Test
    void aGroupEmbeddingItselfIsRefusedAtTheLineOfCache() throws Exception {
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
                  cache:
                    semantic: {embeddingModel: chat}
                """);
        assertThat(f.result().config().models()).isEmpty();
        assertThat(f.result().config().caching()).isNull();
        assertThat(f.result().problems()).singleElement().satisfies(p -> assertThat(f.where(p))
                .startsWith("caching.yaml:20: ").contains("cannot embed its own prompts"));
    }

    @Test
    void theSchemaRefusesAWrongSizeThresholdAndScope() throws Exception {
        Manifests.Document d = Manifests.read(Path.of("inline.yaml"), """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata:
                  name: gw
                spec:
                  cache:
                    maxSize: 64MB
                    scope: tenant
                    exact: {ttl: 1 hour}
                    semantic: {embeddingModel: embed, threshold: 0.95}
                """).get(0);
        assertThat(SchemaValidator.bundled().validate(d.body())).extracting(SchemaValidator.Violation::pointer)
                .containsExactlyInAnyOrder("/spec/cache/maxSize", "/spec/cache/scope", "/spec/cache/exact/ttl",
                        "/spec/cache/semantic/threshold");
    }
}
