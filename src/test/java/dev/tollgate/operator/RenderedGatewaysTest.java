package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.config.Problem;
import dev.tollgate.config.RenderResult;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RenderedGatewaysTest {
    private final RenderedGateways registry = new RenderedGateways();
    private final List<ResourceID> told = new ArrayList<>();

    RenderedGatewaysTest() {
        registry.onChange(RenderedGateways.KEY, told::add);
    }

    private static GatewayConfig.Key key(String id) {
        return new GatewayConfig.Key(id, List.of(), List.of(), null, null, null, null, false, null);
    }

    private static RenderResult render(List<String> keys, Problem... problems) {
        GatewayConfig c = new GatewayConfig(GatewayConfig.SCHEMA, "gw", new GatewayConfig.Settings(4000, 10_000, null),
                List.of(), keys.stream().map(RenderedGatewaysTest::key).toList(), List.of());
        return new RenderResult(c, new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(), Map.of(), null), "h", "s", List.of(problems));
    }

    private static Map<String, Map<String, Long>> seen(Map<String, Long> keys) {
        return Map.of(RenderedGateways.KEY, keys, RenderedGateways.MODEL, Map.of(), RenderedGateways.BUDGET, Map.of());
    }

    @Test
    void aResourceIsServedOnlyByGatewaysThatExistAndRenderedItsGeneration() {
        registry.update("ops/gw", render(List.of("team/a")), seen(Map.of("team/a", 2L, "team/b", 1L)));
        var a = registry.admission(RenderedGateways.KEY, "team/a", 2, List.of("ops/gw"));
        assertThat(a.servedBy()).containsExactly("ops/gw");
        assertThat(a.complete()).isTrue();

        var b = registry.admission(RenderedGateways.KEY, "team/b", 1, List.of("ops/gw"));
        assertThat(b.servedBy()).isEmpty();
        assertThat(b.complete()).as("rendered and not served: nobody admits it").isTrue();

        assertThat(registry.admission(RenderedGateways.KEY, "team/a", 3, List.of("ops/gw")).complete())
                .as("generation 3 not rendered yet").isFalse();
        assertThat(registry.admission(RenderedGateways.KEY, "team/a", 2, List.of("ops/gw", "ops/other")).complete())
                .as("another gateway has not rendered at all").isFalse();
        assertThat(registry.admission(RenderedGateways.KEY, "team/a", 2, List.of()).servedBy())
                .as("a deleted gateway's render does not count").isEmpty();
    }

    @Test
    void warningsReachTheResourceWithTheGatewayNamedAndAChangeInThemIsTold() {
        Problem conflict = new Problem("VirtualKey", "team", "a", "RoutingConflict", "spec.routing differs");
        registry.update("ops/gw", render(List.of("team/a")), seen(Map.of("team/a", 1L)));
        told.clear();
        RenderResult r = render(List.of("team/a"));
        registry.update("ops/gw", new RenderResult(r.config(), r.secrets(), "h", "s", List.of(), List.of(conflict)),
                seen(Map.of("team/a", 1L)));
        assertThat(told).containsExactly(new ResourceID("a", "team"));
        var a = registry.admission(RenderedGateways.KEY, "team/a", 1, List.of("ops/gw"));
        assertThat(a.servedBy()).containsExactly("ops/gw");
        assertThat(a.problem()).as("a warning refuses nothing").isEmpty();
        assertThat(a.complete()).isTrue();
        assertThat(a.warnings()).singleElement().satisfies(w -> {
            assertThat(w.reason()).isEqualTo("RoutingConflict");
            assertThat(w.message()).isEqualTo("gateway ops/gw: spec.routing differs");
        });
        told.clear();
        registry.update("ops/gw", render(List.of("team/a")), seen(Map.of("team/a", 1L)));
        assertThat(told).as("the warning is gone").containsExactly(new ResourceID("a", "team"));
        assertThat(registry.admission(RenderedGateways.KEY, "team/a", 1, List.of("ops/gw")).warnings()).isEmpty();
    }

    @Test
    void onlyResourcesWhoseVerdictChangedAreTold() {
        registry.update("ops/gw", render(List.of("team/a", "team/b")), seen(Map.of("team/a", 1L, "team/b", 1L, "team/c", 1L)));
        assertThat(told).hasSize(3);
        told.clear();
        registry.update("ops/gw", render(List.of("team/a", "team/b")), seen(Map.of("team/a", 1L, "team/b", 1L, "team/c", 1L)));
        assertThat(told).as("same render: nobody").isEmpty();
        registry.update("ops/gw", render(List.of("team/a", "team/c")), seen(Map.of("team/a", 1L, "team/b", 2L, "team/c", 1L)));
        assertThat(told).containsExactlyInAnyOrder(new ResourceID("b", "team"), new ResourceID("c", "team"));
    }

    @Test
    void renderOnlyProblemsLandOnTheResourceWithTheGatewayNamedOthersMeanTheRenderIsBehind() {
        Problem budget = new Problem("VirtualKey", "team", "a", "BudgetNotFound", "budgetRefs names Budget team/x");
        registry.update("ops/gw", render(List.of(), budget), seen(Map.of("team/a", 1L)));
        var a = registry.admission(RenderedGateways.KEY, "team/a", 1, List.of("ops/gw"));
        assertThat(a.problem()).get().satisfies(p -> {
            assertThat(p.reason()).isEqualTo("BudgetNotFound");
            assertThat(p.message()).isEqualTo("gateway ops/gw: budgetRefs names Budget team/x");
        });

        Problem stale = new Problem("VirtualKey", "team", "a", "KeySecretNotFound", "Secret team/a-key was not found");
        registry.update("ops/gw", render(List.of(), stale), seen(Map.of("team/a", 1L)));
        var behind = registry.admission(RenderedGateways.KEY, "team/a", 1, List.of("ops/gw"));
        assertThat(behind.problem()).as("the key's own controller checks its Secret").isEmpty();
        assertThat(behind.complete()).isFalse();
    }

    /**
     * A team's LogSink is served by a render whose observability holds it (platform sinks, with no namespace, are not
     * LogSinks); the render's problem with it is its verdict (the renders alone judge LogSinks), and a change is told.
     */
    @Test
    void logSinksAreJudgedByTheRendersAlone() {
        List<ResourceID> sinksTold = new ArrayList<>();
        registry.onChange(RenderedGateways.LOG_SINK, sinksTold::add);
        GatewayConfig.Sink team = new GatewayConfig.Sink("team/audit", "webhook", "http://hook", "team", Map.of(),
                Map.of(), false, List.of(), 10, 10, 1000, 0);
        GatewayConfig.Sink platform = new GatewayConfig.Sink("ops/gw/all", "webhook", "http://all", null, Map.of(),
                Map.of(), false, List.of(), 10, 10, 1000, 0);
        RenderResult base = render(List.of());
        GatewayConfig c = base.config();
        GatewayConfig withSinks = new GatewayConfig(c.schema(), c.gateway(), c.settings(), c.models(), c.keys(),
                c.budgets(), null, null, null, new GatewayConfig.Observability(null, List.of(platform, team), null));
        Map<String, Map<String, Long>> seen = Map.of(RenderedGateways.KEY, Map.of(), RenderedGateways.MODEL, Map.of(),
                RenderedGateways.BUDGET, Map.of(), RenderedGateways.LOG_SINK, Map.of("team/audit", 1L, "team/broken", 1L));
        Problem broken = new Problem("LogSink", "team", "broken", "SecretNotFound", "spec.credentials.apiKey: Secret team/s was not found");
        registry.update("ops/gw", new RenderResult(withSinks, base.secrets(), "h", "s", List.of(broken)), seen);
        assertThat(sinksTold).containsExactlyInAnyOrder(new ResourceID("audit", "team"), new ResourceID("broken", "team"));

        var audit = registry.admission(RenderedGateways.LOG_SINK, "team/audit", 1, List.of("ops/gw"));
        assertThat(audit.servedBy()).containsExactly("ops/gw");
        assertThat(audit.complete()).isTrue();
        assertThat(registry.admission(RenderedGateways.LOG_SINK, "ops/gw/all", 1, List.of("ops/gw")).servedBy())
                .as("a platform sink is no LogSink").isEmpty();
        var b = registry.admission(RenderedGateways.LOG_SINK, "team/broken", 1, List.of("ops/gw"));
        assertThat(b.complete()).isTrue();
        assertThat(b.problem()).hasValueSatisfying(p -> {
            assertThat(p.reason()).isEqualTo("SecretNotFound");
            assertThat(p.message()).startsWith("gateway ops/gw: ");
        });

        sinksTold.clear();
        registry.update("ops/gw", new RenderResult(withSinks, base.secrets(), "h", "s", List.of(broken)), seen);
        assertThat(sinksTold).as("the same verdicts again: nobody is told").isEmpty();
    }
}
