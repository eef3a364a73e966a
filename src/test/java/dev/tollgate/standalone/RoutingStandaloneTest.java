package dev.tollgate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.config.RenderResult;
import org.junit.jupiter.api.Test;

/**
 * Routing in a standalone folder: the schema lets through what only CEL refuses on a cluster (a group falling back to
 * itself), the renderer refuses it instead, and both problems and warnings point at the line of spec.routing.
 */
class RoutingStandaloneTest {
    private static RenderedFolder load(String yaml) throws Exception {
        return RenderedFolder.load("routing.yaml", yaml);
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
                  routing:
                    fallbacks: [chat]
                """);
        assertThat(f.result().config().models()).isEmpty();
        assertThat(f.result().problems()).singleElement().satisfies(p -> assertThat(f.where(p))
                .startsWith("routing.yaml:18: ").contains("spec.routing.fallbacks names 'chat'"));
    }

    @Test
    void disagreeingModelsAreServedAndTheWarningPointsAtTheYoungerOnesRouting() throws Exception {
        RenderedFolder f = load(GATEWAY + """
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
