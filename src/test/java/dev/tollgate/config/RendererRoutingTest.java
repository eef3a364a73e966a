package dev.tollgate.config;

import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.RoutingSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The routing part of the renderer: GatewayDeployment defaults under LlmModel routing, into GatewayConfig.routing. */
class RendererRoutingTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final GatewayDeployment gw = gateway("ns", "gw");
    private final List<LlmModel> models = new ArrayList<>();

    private RenderResult render() {
        return Renderer.render(new RenderInput(gw, models, List.of(), List.of(), ns -> Map.of(),
                (ns, name) -> Optional.empty()));
    }

    private LlmModel add(String name, String modelName, String createdAt, String routingYaml) throws Exception {
        LlmModel m = model("ns", name, modelName, "mock");
        m.getMetadata().setCreationTimestamp(createdAt);
        m.getSpec().setRouting(routingYaml == null ? null : YAML.readValue(routingYaml, RoutingSpec.class));
        models.add(m);
        return m;
    }

    private void defaults(String routingYaml) throws Exception {
        gw.getSpec().setRouting(YAML.readValue(routingYaml, RoutingSpec.class));
    }

    @Test
    void noRoutingAnywhereLeavesTheMapOutAndGroupsOnTheDefault() throws Exception {
        add("a", "gpt", "2025-01-01T00:00:00Z", null);
        RenderResult r = render();
        assertThat(r.config().routing()).isNull();
        assertThat(ConfigCodec.toJson(r.config())).doesNotContain("routing").doesNotContain("priority");
        assertThat(r.warnings()).isEmpty();
        // a routing that spells out exactly the defaults is left out as well
        add("b", "other", "2025-01-01T00:00:00Z", "{strategy: weighted, retries: {maxRetries: 2, backoff: 200ms}, "
                + "cooldown: {failures: 3, window: 60s, duration: 30s, max: 5m}, fallbacks: []}");
        assertThat(render().config().routing()).isNull();
    }

    @Test
    void everyFieldRendersInMillisWithTheBuiltInDefaultsForTheRest() throws Exception {
        add("a", "gpt", "2025-01-01T00:00:00Z", """
                strategy: least-busy
                affinity: {header: X-Session-Id, ttl: 10m}
                retries:
                  maxRetries: 4
                  perClass: {rateLimited: 1, timeout: 0}
                  backoff: 100ms
                  timeBudget: 30s
                cooldown: {failures: 5, max: 2m}
                firstTokenTimeout: 20s
                fallbacks: [gpt-mini]
                contextWindowFallbacks: [gpt-long]
                contentPolicyFallbacks: [gpt-mini]
                """);
        add("b", "gpt-mini", "2025-01-01T00:00:00Z", null);
        add("c", "gpt-long", "2025-01-01T00:00:00Z", null);
        RenderResult r = render();
        assertThat(r.problems()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        assertThat(r.config().routing()).containsOnlyKeys("gpt");
        GatewayConfig.Routing g = r.config().routing().get("gpt");
        assertThat(g.strategy()).isEqualTo("least-busy");
        assertThat(g.affinity()).isEqualTo(new GatewayConfig.Affinity("x-session-id", false, 600_000));
        assertThat(g.retries()).isEqualTo(new GatewayConfig.Retries(4,
                Map.of("rateLimited", 1, "timeout", 0), 100, 5_000, 10_000, 30_000));
        assertThat(g.retries().retriesFor("timeout")).isZero();
        assertThat(g.retries().retriesFor("serverError")).isEqualTo(4);
        assertThat(g.cooldown()).isEqualTo(new GatewayConfig.Cooldown(5, 60_000, 30_000, 120_000));
        assertThat(g.firstTokenTimeoutMillis()).isEqualTo(20_000L);
        assertThat(g.fallbacks()).containsExactly("gpt-mini");
        assertThat(g.contextWindowFallbacks()).containsExactly("gpt-long");
        assertThat(g.contentPolicyFallbacks()).containsExactly("gpt-mini");
        // the gateway reads back what was written, and per-class keys come out sorted
        String json = ConfigCodec.toJson(r.config());
        assertThat(json).contains("\"perClass\":{\"rateLimited\":1,\"timeout\":0}");
        assertThat(ConfigCodec.readConfigStrict(json)).isEqualTo(r.config());
    }

    @Test
    void theModelOverridesTheGatewayFieldByFieldNestedObjectsToo() throws Exception {
        defaults("""
                strategy: latency
                affinity: {header: x-session-id, ttl: 30m}
                retries: {maxRetries: 5, perClass: {rateLimited: 3, overloaded: 1}, maxRetryAfter: 20s}
                cooldown: {failures: 10, window: 2m}
                firstTokenTimeout: 15s
                fallbacks: [gpt-mini]
                """);
        add("a", "gpt", "2025-01-01T00:00:00Z", """
                strategy: priority
                affinity: {ttl: 5m}
                retries: {perClass: {overloaded: 4}, backoff: 50ms}
                cooldown: {duration: 10s}
                """);
        add("b", "gpt-mini", "2025-01-01T00:00:00Z", null);
        RenderResult r = render();
        GatewayConfig.Routing g = r.config().routing().get("gpt");
        assertThat(g.strategy()).isEqualTo("priority");
        assertThat(g.affinity()).isEqualTo(new GatewayConfig.Affinity("x-session-id", false, 300_000));
        assertThat(g.retries()).isEqualTo(new GatewayConfig.Retries(5,
                Map.of("rateLimited", 3, "overloaded", 4), 50, 5_000, 20_000, 60_000));
        assertThat(g.cooldown()).isEqualTo(new GatewayConfig.Cooldown(10, 120_000, 10_000, 300_000));
        assertThat(g.firstTokenTimeoutMillis()).isEqualTo(15_000L);
        assertThat(g.fallbacks()).containsExactly("gpt-mini");
        // the group without routing of its own takes the gateway's defaults, minus itself as a fallback
        GatewayConfig.Routing mini = r.config().routing().get("gpt-mini");
        assertThat(mini.strategy()).isEqualTo("latency");
        assertThat(mini.retries().maxRetries()).isEqualTo(5);
        assertThat(mini.fallbacks()).isEmpty();
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void theAffinityKeyIsOneSettingAndAnEmptyListReplacesTheGatewaysList() throws Exception {
        defaults("{affinity: {header: x-session-id, ttl: 30m}, fallbacks: [gpt-mini]}");
        add("a", "gpt", "2025-01-01T00:00:00Z", "{affinity: {user: true}, fallbacks: []}");
        add("b", "gpt-mini", "2025-01-01T00:00:00Z", "{affinity: {user: false}}");
        RenderResult r = render();
        GatewayConfig.Routing g = r.config().routing().get("gpt");
        assertThat(g.affinity()).isEqualTo(new GatewayConfig.Affinity(null, true, 1_800_000));
        assertThat(g.fallbacks()).isEmpty();
        // user: false without a header turns the gateway's affinity off, and its own name leaves the inherited
        // fallbacks: nothing differs from the defaults, so the group is left out (Snapshot.routing gives DEFAULT)
        assertThat(r.config().routing()).doesNotContainKey("gpt-mini");
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void anAffinityWithoutAKeyIsAWarningNotASilentNoOp() throws Exception {
        LlmModel a = add("a", "gpt", "2025-01-01T00:00:00Z", "{affinity: {ttl: 5m}}");
        RenderResult r = render();
        assertThat(r.config().models()).hasSize(1);
        assertThat(r.config().routing()).isNull();
        assertThat(r.warnings()).singleElement().satisfies(w -> {
            assertThat(w.reason()).isEqualTo("AffinityWithoutKey");
            assertThat(w.id()).isEqualTo(Renderer.id(a));
        });
    }

    @Test
    void disagreeingModelsOfAGroupFollowTheOldestAndTheOthersAreWarned() throws Exception {
        LlmModel young = add("a-young", "gpt", "2025-03-01T00:00:00Z", "{strategy: cost}");
        LlmModel old = add("z-old", "gpt", "2025-01-01T00:00:00Z", "{strategy: least-busy}");
        LlmModel same = add("m-same", "gpt", "2025-02-01T00:00:00Z", "{strategy: least-busy, retries: {maxRetries: 2}}");
        LlmModel silent = add("n-silent", "gpt", "2025-01-15T00:00:00Z", null);
        RenderResult r = render();
        assertThat(r.config().models()).hasSize(4); // nobody is refused for it
        assertThat(r.problems()).isEmpty();
        assertThat(r.config().routing().get("gpt").strategy()).isEqualTo("least-busy");
        // one that resolves the same (spelling out a default) or declares nothing does not disagree
        assertThat(r.warnings()).singleElement().satisfies(w -> {
            assertThat(w.reason()).isEqualTo("RoutingConflict");
            assertThat(w.id()).isEqualTo(Renderer.id(young));
            assertThat(w.message()).contains(Renderer.id(old)).contains("'gpt'").contains("same spec.routing");
        });
        assertThat(r.warnings()).noneMatch(w -> w.id().equals(Renderer.id(same)) || w.id().equals(Renderer.id(silent)));
        // the choice does not depend on input order
        java.util.Collections.reverse(models);
        assertThat(render().config()).isEqualTo(r.config());
        assertThat(render().warnings()).isEqualTo(r.warnings());
    }

    @Test
    void aFallbackNamingNoServedGroupStaysAndWarnsWhoeverDeclaredIt() throws Exception {
        defaults("{contentPolicyFallbacks: [safe-model]}");
        LlmModel a = add("a", "gpt", "2025-01-01T00:00:00Z", "{fallbacks: [gpt-mini, gpt-5]}");
        add("b", "gpt-mini", "2025-01-01T00:00:00Z", null);
        RenderResult r = render();
        assertThat(r.problems()).isEmpty();
        assertThat(r.config().routing().get("gpt").fallbacks()).containsExactly("gpt-mini", "gpt-5");
        assertThat(r.warnings()).extracting(Problem::kind, Problem::id, Problem::reason).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("LlmModel", Renderer.id(a), "UnknownFallback"),
                // once for the gateway, though two groups inherit the name
                org.assertj.core.groups.Tuple.tuple("GatewayDeployment", "ns/gw", "UnknownFallback"));
        assertThat(r.warnings()).filteredOn(w -> w.kind().equals("LlmModel")).singleElement()
                .satisfies(w -> assertThat(w.message()).contains("'gpt-5'").contains("routing.fallbacks"));
    }

    @Test
    void priorityRendersPerDeploymentAndAbsentStaysAbsent() throws Exception {
        LlmModel a = add("a", "gpt", "2025-01-01T00:00:00Z", "{strategy: priority}");
        LlmModel b = add("b", "gpt", "2025-01-01T00:00:00Z", null);
        a.getSpec().setPriority(1);
        b.getSpec().setPriority(2);
        add("c", "gpt", "2025-01-01T00:00:00Z", null);
        RenderResult r = render();
        assertThat(r.config().models()).extracting(GatewayConfig.Model::id, GatewayConfig.Model::priority,
                GatewayConfig.Model::tier).containsExactly(org.assertj.core.groups.Tuple.tuple("ns/a", 1, 1),
                org.assertj.core.groups.Tuple.tuple("ns/b", 2, 2), org.assertj.core.groups.Tuple.tuple("ns/c", null, 1));
        b.getSpec().setPriority(0);
        assertThat(render().problems()).singleElement().satisfies(p -> {
            assertThat(p.id()).isEqualTo("ns/b");
            assertThat(p.message()).contains("priority is 0");
        });
    }

    @Test
    void whatTheSchemaOrCelWouldRefuseTheRendererRefusesToo() throws Exception {
        // standalone folders and CEL-less servers reach the renderer with these: the model is refused, as kubectl
        // apply would have refused it, with the field named
        Map<String, String> bad = Map.of(
                "{fallbacks: [gpt]}", "cannot fall back to itself",
                "{contentPolicyFallbacks: [x, gpt]}", "routing.contentPolicyFallbacks",
                "{affinity: {header: x-s, user: true}}", "not both",
                "{strategy: fastest}", "routing.strategy 'fastest'",
                "{retries: {backoff: 9999999999s}}", "routing.retries.backoff",
                "{retries: {backoff: 2s, maxBackoff: 1s}}", "maxBackoff (1s) is below",
                "{cooldown: {window: 0s}}", "routing.cooldown.window must be longer than 0",
                "{retries: {maxRetries: 11}}", "between 0 and 10",
                "{fallbacks: [a, b, c, d, e, f, g, h, i, j, k]}", "at most 10");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            models.clear();
            add("a", "gpt", "2025-01-01T00:00:00Z", e.getKey());
            RenderResult r = render();
            assertThat(r.config().models()).as(e.getKey()).isEmpty();
            assertThat(r.problems()).as(e.getKey()).singleElement().satisfies(p -> {
                assertThat(p.reason()).isEqualTo("InvalidSpec");
                assertThat(p.message()).contains(e.getValue());
            });
        }
    }

    @Test
    void anInvalidGatewayRoutingIsTheGatewaysProblemAndTheGroupsKeepServingOnTheDefaults() throws Exception {
        defaults("{strategy: cost, cooldown: {duration: 1m, max: 30s}}");
        add("a", "gpt", "2025-01-01T00:00:00Z", null);
        RenderResult r = render();
        assertThat(r.config().models()).hasSize(1);
        assertThat(r.config().routing()).isNull();
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo("GatewayDeployment");
            assertThat(p.message()).contains("routing.cooldown.max (30s) is below");
        });
    }

    @Test
    void aCapBelowABaseFromAnotherLevelIsRaisedToTheBase() throws Exception {
        defaults("{retries: {maxBackoff: 1s}, cooldown: {max: 1m}}");
        add("a", "gpt", "2025-01-01T00:00:00Z", "{retries: {backoff: 2s}, cooldown: {duration: 2m}}");
        GatewayConfig.Routing g = render().config().routing().get("gpt");
        assertThat(g.retries().backoffMillis()).isEqualTo(2_000);
        assertThat(g.retries().maxBackoffMillis()).isEqualTo(2_000);
        assertThat(g.cooldown().maxMillis()).isEqualTo(120_000);
    }

    @Test
    void routingChangesTheConfigHashAndEqualRoutingsHashEqually() throws Exception {
        add("a", "gpt", "2025-01-01T00:00:00Z", null);
        String plain = render().configHash();
        defaults("{strategy: least-busy}");
        String gatewayWide = render().configHash();
        gw.getSpec().setRouting(null);
        models.get(0).getSpec().setRouting(YAML.readValue("{strategy: least-busy}", RoutingSpec.class));
        assertThat(gatewayWide).isNotEqualTo(plain);
        // the same resolved routing, declared on the model instead: the same config
        assertThat(render().configHash()).isEqualTo(gatewayWide);
    }
}
