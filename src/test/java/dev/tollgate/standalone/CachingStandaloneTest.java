package dev.tollgate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.RenderResult;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Caching in a standalone folder: the schema checks the fields (sizes, thresholds, scopes), the renderer refuses
 * what only CEL refuses on a cluster (a group embedding itself), and problems and warnings point at the line of
 * spec.cache.
 */
class CachingStandaloneTest {
    private static RenderedFolder load(String yaml) throws Exception {
        return RenderedFolder.load("caching.yaml", yaml);
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
        RenderedFolder f = load(GATEWAY + """
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
        RenderedFolder f = load(GATEWAY + """
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
