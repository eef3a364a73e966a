package dev.tollgate.config;

import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.api.v1alpha1.CacheSpec;
import dev.tollgate.api.v1alpha1.GatewayCacheSpec;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The caching part of the renderer: GatewayDeployment spec.cache under LlmModel spec.cache, into GatewayConfig.caching. */
class RendererCachingTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final long HOUR = 3_600_000;
    private static final long KI256 = 256 * 1024;

    private final GatewayDeployment gw = gateway("ns", "gw");
    private final List<LlmModel> models = new ArrayList<>();

    private RenderResult render() {
        return Renderer.render(new RenderInput(gw, models, List.of(), List.of(), ns -> Map.of(),
                (ns, name) -> Optional.empty()));
    }

    private LlmModel add(String name, String modelName, String provider, String createdAt, String cacheYaml) throws Exception {
        LlmModel m = model("ns", name, modelName, provider);
        m.getMetadata().setCreationTimestamp(createdAt);
        m.getSpec().setCache(cacheYaml == null ? null : YAML.readValue(cacheYaml, CacheSpec.class));
        models.add(m);
        return m;
    }

    private LlmModel add(String name, String modelName, String cacheYaml) throws Exception {
        return add(name, modelName, "mock", "2025-01-01T00:00:00Z", cacheYaml);
    }

    private void defaults(String cacheYaml) throws Exception {
        gw.getSpec().setCache(YAML.readValue(cacheYaml, GatewayCacheSpec.class));
    }

    /**
     * A config whose resources declare no cache part renders byte for byte as before caching existed: the golden
     * document of RendererCanonicalTest (taken before routing existed) and its hash, although the gateway and a model
     * say something about caching (a memory bound, a scope) that caches nothing.
     */
    @Test
    void aConfigWithoutACachedGroupRendersAsBeforeCachingExisted() throws Exception {
        LlmModel a = model("ns", "a", "mock-gpt", "mock");
        LlmModel b = model("ns", "b", "mock-gpt", "mock");
        b.getSpec().setWeight(3);
        b.getSpec().setContextWindow(8192);
        RenderResult plain = Renderer.render(new RenderInput(gateway("ns", "gw"), List.of(b, a), List.of(), List.of(),
                ns -> Map.of(), (ns, name) -> Optional.empty()));
        assertThat(ConfigCodec.toJson(plain.config())).isEqualTo(RendererCanonicalTest.GOLDEN_JSON);
        assertThat(plain.configHash()).isEqualTo(RendererCanonicalTest.GOLDEN_HASH);

        GatewayDeployment declared = gateway("ns", "gw");
        declared.getSpec().setCache(YAML.readValue("{maxSize: 128Mi, chargeHits: true, scope: key, "
                + "exact: {enabled: false, ttl: 5m}}", GatewayCacheSpec.class));
        a.getSpec().setCache(YAML.readValue("{scope: gateway, semantic: {enabled: false}}", CacheSpec.class));
        RenderResult r = Renderer.render(new RenderInput(declared, List.of(b, a), List.of(), List.of(),
                ns -> Map.of(), (ns, name) -> Optional.empty()));
        assertThat(r.problems()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        assertThat(r.config().caching()).isNull();
        assertThat(ConfigCodec.toJson(r.config())).isEqualTo(RendererCanonicalTest.GOLDEN_JSON);
        assertThat(r.configHash()).isEqualTo(RendererCanonicalTest.GOLDEN_HASH);
    }

    @Test
    void anEmptyExactTurnsTheCacheOnWithTheBuiltInDefaults() throws Exception {
        add("a", "gpt", "{exact: {}}");
        add("b", "other", null);
        RenderResult r = render();
        assertThat(r.problems()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        GatewayConfig.Caching c = r.config().caching();
        assertThat(c.maxBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(c.maxSemanticEntries()).isEqualTo(10_000);
        assertThat(c.chargeHits()).isFalse();
        assertThat(c.groups()).containsOnlyKeys("gpt");
        assertThat(c.groups().get("gpt")).isEqualTo(new GatewayConfig.Cache(new GatewayConfig.Exact(HOUR, KI256), null,
                "namespace", null));
        // the gateway reads back what was written
        String json = ConfigCodec.toJson(r.config());
        assertThat(json).contains("\"caching\":{\"maxBytes\":67108864,\"maxSemanticEntries\":10000,\"chargeHits\":false,"
                + "\"groups\":{\"gpt\":{\"exact\":{\"ttlMillis\":3600000,\"maxEntryBytes\":262144},\"scope\":\"namespace\"}}}");
        assertThat(ConfigCodec.readConfigStrict(json)).isEqualTo(r.config());
    }

    @Test
    void theModelOverridesTheGatewayFieldByFieldInsideExactAndSemanticToo() throws Exception {
        defaults("""
                maxSize: 128Mi
                maxSemanticEntries: 500
                chargeHits: true
                scope: key
                purge: g1
                exact: {ttl: 2h, maxEntrySize: 1Mi}
                semantic: {enabled: false, embeddingModel: embed, threshold: "0.9", ttl: 10m}
                """);
        add("a", "gpt", """
                exact: {ttl: 5m}
                semantic: {enabled: true, threshold: "0.97"}
                purge: m1
                """);
        add("b", "mini", null);
        add("c", "embed", null);
        RenderResult r = render();
        assertThat(r.problems()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        GatewayConfig.Caching c = r.config().caching();
        assertThat(c.maxBytes()).isEqualTo(128L * 1024 * 1024);
        assertThat(c.maxSemanticEntries()).isEqualTo(500);
        assertThat(c.chargeHits()).isTrue();
        assertThat(c.groups().get("gpt")).isEqualTo(new GatewayConfig.Cache(new GatewayConfig.Exact(300_000, 1 << 20),
                new GatewayConfig.Semantic("embed", 0.97, 600_000, KI256), "key", "g1/m1"));
        // a group without a cache of its own takes the gateway's defaults: exact on, semantic only as defaults
        GatewayConfig.Cache gatewayDefaults = new GatewayConfig.Cache(new GatewayConfig.Exact(2 * HOUR, 1 << 20), null,
                "key", "g1/");
        assertThat(c.groups().get("mini")).isEqualTo(gatewayDefaults);
        assertThat(c.groups().get("embed")).isEqualTo(gatewayDefaults);
    }

    @Test
    void aModelOptsItsGroupOutAndNothingCachedLeavesCachingOut() throws Exception {
        defaults("{exact: {ttl: 1h}, semantic: {embeddingModel: embed}}");
        add("a", "gpt", "{exact: {enabled: false}}");
        add("e", "embed", null);
        RenderResult r = render();
        assertThat(r.warnings()).isEmpty();
        // gpt keeps the gateway's semantic cache only; the embedding group is never semantically cached by itself
        assertThat(r.config().caching().groups().get("gpt")).isEqualTo(new GatewayConfig.Cache(null,
                new GatewayConfig.Semantic("embed", 0.95, HOUR, KI256), "namespace", null));
        assertThat(r.config().caching().groups().get("embed")).isEqualTo(new GatewayConfig.Cache(
                new GatewayConfig.Exact(HOUR, KI256), null, "namespace", null));
        models.get(0).getSpec().setCache(YAML.readValue("{exact: {enabled: false}, semantic: {enabled: false}}",
                CacheSpec.class));
        models.get(1).getSpec().setCache(YAML.readValue("{exact: {enabled: false}}", CacheSpec.class));
        RenderResult none = render();
        assertThat(none.config().caching()).isNull();
        assertThat(ConfigCodec.toJson(none.config())).doesNotContain("caching");
    }

    @Test
    void aGatewaysDisabledPartIsOnlyDefaultsUntilAModelEnablesIt() throws Exception {
        defaults("{exact: {enabled: false, ttl: 10m}}");
        add("a", "gpt", null);
        add("b", "mini", "{exact: {}}"); // present, but enabled is inherited: still off
        add("c", "big", "{exact: {enabled: true}}");
        RenderResult r = render();
        assertThat(r.config().caching().groups()).containsOnlyKeys("big");
        assertThat(r.config().caching().groups().get("big").exact()).isEqualTo(new GatewayConfig.Exact(600_000, KI256));
    }

    @Test
    void thePurgeTokenJoinsTheGatewaysAndTheGroupsAndEitherChangeChangesIt() throws Exception {
        add("a", "gpt", "{exact: {}}");
        assertThat(render().config().caching().groups().get("gpt").purge()).isNull();
        String none = render().configHash();
        models.get(0).getSpec().getCache().setPurge("7");
        assertThat(render().config().caching().groups().get("gpt").purge()).isEqualTo("/7");
        defaults("{purge: \"7\"}");
        models.get(0).getSpec().getCache().setPurge(null);
        // the same token moved from the group to the gateway still changes the group's token
        assertThat(render().config().caching().groups().get("gpt").purge()).isEqualTo("7/");
        models.get(0).getSpec().getCache().setPurge("8");
        RenderResult both = render();
        assertThat(both.config().caching().groups().get("gpt").purge()).isEqualTo("7/8");
        assertThat(both.configHash()).isNotEqualTo(none);
        assertThat(Caches.purgeToken(null, null)).isNull();
    }

    @Test
    void disagreeingModelsOfOneGroupFollowTheOldestAndTheOthersAreWarned() throws Exception {
        add("old", "gpt", "mock", "2025-01-01T00:00:00Z", "{exact: {ttl: 1h}}");
        add("young", "gpt", "mock", "2025-02-01T00:00:00Z", "{exact: {ttl: 5m}, scope: key}");
        add("same", "gpt", "mock", "2025-03-01T00:00:00Z", "{exact: {ttl: 60m}}"); // resolves the same: no warning
        add("quiet", "gpt", "mock", "2025-04-01T00:00:00Z", null);
        RenderResult r = render();
        assertThat(r.problems()).isEmpty();
        assertThat(r.config().caching().groups().get("gpt")).isEqualTo(new GatewayConfig.Cache(
                new GatewayConfig.Exact(HOUR, KI256), null, "namespace", null));
        assertThat(r.warnings()).singleElement().satisfies(w -> {
            assertThat(w.reason()).isEqualTo("CacheConflict");
            assertThat(w.kind()).isEqualTo("LlmModel");
            assertThat(w.id()).isEqualTo("ns/young");
            assertThat(w.message()).contains("LlmModel ns/old").contains("'gpt'").contains("same spec.cache");
        });
        assertThat(Caches.WARNING_REASONS).contains(r.warnings().get(0).reason());
    }

    @Test
    void aSemanticCacheWhoseEmbeddingGroupIsMissingOrCannotEmbedIsLeftOutWithAWarning() throws Exception {
        add("a", "gpt", "{exact: {}, semantic: {embeddingModel: nowhere}}");
        add("b", "claude-chat", "{semantic: {embeddingModel: claude}}");
        add("c", "claude", "anthropic", "2025-01-01T00:00:00Z", null);
        add("d", "mixed-chat", "{semantic: {embeddingModel: mixed}}");
        add("e", "mixed", "mock", "2025-01-01T00:00:00Z", null);
        add("f", "mixed", "anthropic", "2025-01-01T00:00:00Z", null);
        RenderResult r = renderIgnoringCredentials();
        // the exact part stays; a group left with nothing is not cached
        assertThat(r.config().caching().groups()).containsOnlyKeys("gpt");
        assertThat(r.config().caching().groups().get("gpt").exact()).isNotNull();
        assertThat(r.config().caching().groups().get("gpt").semantic()).isNull();
        assertThat(r.warnings()).extracting(p -> p.id() + " " + p.reason()).containsExactlyInAnyOrder(
                "ns/a UnknownEmbeddingModel", "ns/b EmbeddingsNotServed", "ns/d EmbeddingsNotServed");
        assertThat(r.warnings()).allSatisfy(w -> assertThat(w.kind()).isEqualTo("LlmModel"));
        assertThat(r.warnings()).filteredOn(w -> w.id().equals("ns/d")).singleElement()
                .satisfies(w -> assertThat(w.message()).contains("ns/f").doesNotContain("ns/e")
                        .contains("spec.cache.semantic.embeddingModel names 'mixed'"));
    }

    @Test
    void aGatewayDefaultThatCannotWorkIsWarnedOnceOnTheGateway() throws Exception {
        defaults("{semantic: {embeddingModel: nowhere}}");
        add("a", "gpt", null);
        add("b", "mini", null);
        RenderResult r = render();
        assertThat(r.config().caching()).isNull();
        assertThat(r.warnings()).singleElement().satisfies(w -> {
            assertThat(w.kind()).isEqualTo("GatewayDeployment");
            assertThat(w.reason()).isEqualTo("UnknownEmbeddingModel");
            assertThat(w.message()).contains("'nowhere'").contains("the groups that inherit it");
        });
    }

    @Test
    void aSemanticCacheNobodyNamesAnEmbeddingGroupForIsWarnedOnTheModel() throws Exception {
        defaults("{semantic: {enabled: false, threshold: \"0.9\"}}");
        add("a", "gpt", "{semantic: {enabled: true}}");
        RenderResult r = render();
        assertThat(r.problems()).isEmpty();
        assertThat(r.config().caching()).isNull();
        assertThat(r.warnings()).singleElement().satisfies(w -> {
            assertThat(w.id()).isEqualTo("ns/a");
            assertThat(w.reason()).isEqualTo("NoEmbeddingModel");
            assertThat(w.message()).contains("spec.cache.semantic names no embeddingModel");
        });
    }

    @Test
    void whatOnlyCelRefusesIsRefusedByTheRendererToo() throws Exception {
        add("a", "gpt", "{semantic: {embeddingModel: gpt}}");
        add("b", "mini", "{semantic: {embeddingModel: embed, threshold: \"1.5\"}}");
        add("c", "huge", "{exact: {maxEntrySize: 999999999999999Gi}}");
        add("d", "zero", "{exact: {ttl: 0s}}");
        add("ok", "embed", null);
        defaults("{semantic: {threshold: \"0.9\"}}");
        RenderResult r = render();
        assertThat(r.config().models()).extracting(GatewayConfig.Model::id).containsExactly("ns/ok");
        assertThat(r.problems()).extracting(p -> p.id() + " " + p.reason() + " " + p.message()).containsExactlyInAnyOrder(
                "ns/a InvalidSpec spec.cache.semantic.embeddingModel names 'gpt', the model's own group: a model group "
                        + "cannot embed its own prompts; name the embedding model group (e.g. text-embedding-3-small)",
                "ns/b InvalidSpec spec.cache.semantic.threshold is 1.5: it must be between 0 and 1, e.g. \"0.95\"",
                "ns/c InvalidSpec spec.cache.exact.maxEntrySize: '999999999999999Gi' is too large a size",
                "ns/d InvalidSpec spec.cache.exact.ttl must be longer than 0 (e.g. 1h)",
                "ns/gw InvalidSpec spec.cache.semantic needs embeddingModel, the model group that embeds prompts (e.g. "
                        + "text-embedding-3-small), or enabled: false to give only defaults for the groups that turn "
                        + "it on (no group inherits the gateway's spec.cache until it is fixed)");
        assertThat(r.config().caching()).isNull();
    }

    @Test
    void sizesReadAsKubernetesQuantities() {
        assertThat(Caches.bytes("100")).isEqualTo(100);
        assertThat(Caches.bytes("256Ki")).isEqualTo(262_144);
        assertThat(Caches.bytes("64Mi")).isEqualTo(67_108_864);
        assertThat(Caches.bytes("2Gi")).isEqualTo(2_147_483_648L);
        assertThat(Caches.bytes("5k")).isEqualTo(5_000);
        assertThat(Caches.bytes("3M")).isEqualTo(3_000_000);
        assertThat(Caches.bytes("1G")).isEqualTo(1_000_000_000);
        assertThatThrownBy(() -> Caches.bytes("1.5Mi")).hasMessageContaining("is not a size");
        assertThatThrownBy(() -> Caches.bytes("64MB")).hasMessageContaining("is not a size");
    }

    /** The anthropic models of these tests have no Secret; the credential check is not what they are about. */
    private RenderResult renderIgnoringCredentials() {
        io.fabric8.kubernetes.api.model.Secret s = new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
                .withName("x").withNamespace("ns").endMetadata().addToStringData("api-key", "sk-ant-test").build();
        models.stream().filter(m -> m.getSpec().getProvider().equals("anthropic"))
                .forEach(m -> m.getSpec().setCredentialsSecretRef(new dev.tollgate.api.v1alpha1.SecretKeyRef("x", "api-key")));
        return Renderer.render(new RenderInput(gw, models, List.of(), List.of(), ns -> Map.of(),
                (ns, name) -> Optional.of(s)));
    }
}
