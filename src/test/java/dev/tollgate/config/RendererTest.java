package dev.tollgate.config;

import static dev.tollgate.Fixtures.budget;
import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static dev.tollgate.Fixtures.openAi;
import static dev.tollgate.Fixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayRef;
import dev.tollgate.api.v1alpha1.KeyLimits;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.MockSpec;
import dev.tollgate.api.v1alpha1.Pricing;
import dev.tollgate.api.v1alpha1.RedisSpec;
import dev.tollgate.api.v1alpha1.SecretKeyRef;
import dev.tollgate.api.v1alpha1.Selection;
import dev.tollgate.api.v1alpha1.VirtualKey;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RendererTest {
    private static final String GW_NS = "tollgate";
    private static final String T1 = "2025-01-01T00:00:00Z";
    private static final String T2 = "2025-02-01T00:00:00Z";

    private final Map<String, Secret> secrets = new HashMap<>();
    private final Map<String, Map<String, String>> namespaceLabels = new HashMap<>();
    private final SecretLookup lookup = (ns, name) -> Optional.ofNullable(secrets.get(ns + "/" + name));
    private final GatewayDeployment gw = gateway(GW_NS, "gw");
    private final List<LlmModel> models = new ArrayList<>();
    private final List<VirtualKey> keys = new ArrayList<>();
    private final List<Budget> budgets = new ArrayList<>();

    private RenderResult render() {
        return Renderer.render(new RenderInput(gw, models, keys, budgets,
                ns -> namespaceLabels.getOrDefault(ns, Map.of()), lookup));
    }

    private void put(Secret s) {
        secrets.put(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(), s);
    }

    private static String keyValue(String seed) {
        return "sk-tg-" + seed + "-0123456789abcdefghijklmnopqrstuvwxyz";
    }

    /** A VirtualKey with its generated-key Secret in place. */
    private VirtualKey addKey(String ns, String name, String value, String createdAt) {
        VirtualKey vk = key(ns, name);
        vk.getMetadata().setCreationTimestamp(createdAt);
        put(secret(ns, name + "-key", Map.of("key", value)));
        keys.add(vk);
        return vk;
    }

    private LlmModel addOpenAi(String ns, String name, String secretName, String apiKey) {
        LlmModel m = openAi(ns, name, secretName);
        put(secret(ns, secretName, Map.of("api-key", apiKey)));
        models.add(m);
        return m;
    }

    private Budget addBudget(String ns, String name, String limit, String period) {
        Budget b = budget(ns, name, limit, period);
        budgets.add(b);
        return b;
    }

    private static Selection selection(LabelSelector selector, LabelSelector namespaceSelector) {
        Selection s = new Selection();
        s.setSelector(selector);
        s.setNamespaceSelector(namespaceSelector);
        return s;
    }

    private static LabelSelector labels(String key, String value) {
        return new LabelSelectorBuilder().addToMatchLabels(key, value).build();
    }

    private void serveEveryNamespace() {
        gw.getSpec().setModels(selection(null, new LabelSelector()));
        gw.getSpec().setKeys(selection(null, new LabelSelector()));
        gw.getSpec().setBudgets(selection(null, new LabelSelector()));
    }

    private static List<String> ids(List<?> rendered) {
        return rendered.stream().map(r -> {
            if (r instanceof GatewayConfig.Model m) {
                return m.id();
            } else if (r instanceof GatewayConfig.Key k) {
                return k.id();
            } else if (r instanceof GatewayConfig.Budget b) {
                return b.id();
            }
            throw new IllegalArgumentException(String.valueOf(r));
        }).toList();
    }

    private static Optional<Problem> problemOf(RenderResult r, HasMetadata resource) {
        return r.problems().stream().filter(p -> p.kind().equals(resource.getKind())
                && p.id().equals(Renderer.id(resource))).findFirst();
    }

    @Nested
    class Tenancy {
        private LlmModel teamModel(String ns, String name, String modelName, String createdAt) {
            LlmModel m = model(ns, name, modelName, "ollama");
            m.getSpec().setApiBase("http://" + name + "." + ns + ":11434/v1");
            m.getMetadata().setCreationTimestamp(createdAt);
            models.add(m);
            return m;
        }

        @Test
        void aTeamModelCannotJoinTheGatewayNamespacesGroupEvenWhenOlder() {
            serveEveryNamespace();
            LlmModel platform = teamModel(GW_NS, "gpt-4o", "gpt-4o", T2);
            LlmModel rogue = teamModel("team-a", "gpt-4o", "gpt-4o", T1);
            RenderResult r = render();
            assertThat(ids(r.config().models())).containsExactly(Renderer.id(platform));
            assertThat(problemOf(r, rogue)).get().extracting(Problem::reason).isEqualTo("ModelNameTaken");
            assertThat(problemOf(r, rogue).get().message()).contains("belongs to namespace " + GW_NS)
                    .contains("spec.sharedModelNames");
            assertThat(problemOf(r, platform)).isEmpty();
        }

        @Test
        void withoutAMemberInTheGatewayNamespaceTheOldestMembersNamespaceOwnsTheName() {
            serveEveryNamespace();
            LlmModel first = teamModel("team-a", "llama", "llama3", T1);
            LlmModel second = teamModel("team-a", "llama-2", "llama3", T2);
            LlmModel late = teamModel("team-b", "llama", "llama3", T2);
            RenderResult r = render();
            assertThat(ids(r.config().models())).containsExactly(Renderer.id(first), Renderer.id(second));
            assertThat(problemOf(r, late)).get().extracting(Problem::reason).isEqualTo("ModelNameTaken");
        }

        @Test
        void aGroupListedInSharedModelNamesTakesMembersFromEveryNamespace() {
            serveEveryNamespace();
            gw.getSpec().setSharedModelNames(List.of("llama3"));
            LlmModel a = teamModel("team-a", "llama", "llama3", T1);
            LlmModel b = teamModel("team-b", "llama", "llama3", T2);
            LlmModel c = teamModel("team-c", "other", "gpt-4o", T1);
            LlmModel d = teamModel("team-d", "other", "gpt-4o", T2);
            RenderResult r = render();
            assertThat(ids(r.config().models())).containsExactly(Renderer.id(a), Renderer.id(b), Renderer.id(c));
            assertThat(problemOf(r, d)).get().extracting(Problem::reason).isEqualTo("ModelNameTaken");

            gw.getSpec().setSharedModelNames(List.of("*"));
            assertThat(ids(render().config().models())).hasSize(4);
        }

        @Test
        void aRefusedModelsCredentialIsNotHandedToTheGateway() {
            serveEveryNamespace();
            addOpenAi(GW_NS, "gpt", "openai-creds", "sk-platform-1");
            LlmModel rogue = openAi("team-a", "gpt", "team-creds");
            put(secret("team-a", "team-creds", Map.of("api-key", "sk-team-2")));
            models.add(rogue);
            RenderResult r = render();
            assertThat(problemOf(r, rogue)).get().extracting(Problem::reason).isEqualTo("ModelNameTaken");
            assertThat(r.secrets().credentials()).containsOnlyKeys(GW_NS + "/openai-creds/api-key");
        }
    }

    @Nested
    class Providers {
        @Test
        void aModelOfAProviderTheGatewayDoesNotServeIsRefused() {
            // every provider of the registry is served since issue 18: the check is kept for the next one added
            // before its adapter, and tested with the served set given
            LlmModel claude = model(GW_NS, "claude", "claude-sonnet-4-20250514", "anthropic");
            Result<Provider> r = Checks.provider(claude,
                    p -> p != Provider.ANTHROPIC);
            assertThat(r.problem()).isNotNull().satisfies(p -> {
                assertThat(p.reason()).isEqualTo("ProviderNotSupported");
                assertThat(p.message()).contains("'anthropic'").contains("openai").doesNotContain("anthropic,");
            });
            assertThat(Checks.provider(claude).problem()).as("served today").isNull();
        }

        @Test
        void anAzureModelWithoutApiVersionIsRefusedWhenRenderedNotAtRequestTime() {
            LlmModel azure = model(GW_NS, "azure-gpt", "gpt-4o", "azure");
            azure.getSpec().setApiBase("https://contoso.openai.azure.com");
            azure.getSpec().setCredentialsSecretRef(new dev.tollgate.api.v1alpha1.SecretKeyRef("az", "api-key"));
            put(secret(GW_NS, "az", Map.of("api-key", "azure-key-1")));
            models.add(azure);
            RenderResult r = render();
            assertThat(r.config().models()).isEmpty();
            assertThat(r.secrets().credentials()).isEmpty();
            assertThat(problemOf(r, azure)).get().satisfies(p -> {
                assertThat(p.reason()).isEqualTo("MissingProviderSetting");
                assertThat(p.message()).contains("provider azure needs spec.apiVersion");
            });

            azure.getSpec().setApiVersion("2024-10-21");
            RenderResult fixed = render();
            assertThat(fixed.problems()).isEmpty();
            assertThat(fixed.config().models()).singleElement().satisfies(m -> assertThat(m.apiVersion()).isEqualTo("2024-10-21"));
        }
    }

    @Nested
    class Models {
        @Test
        void aVertexModelCarriesItsProjectAndLocationIntoTheRenderedModel() throws Exception {
            LlmModel vertex = model(GW_NS, "claude-vertex", "claude", "vertex");
            vertex.getSpec().setModel("claude-sonnet-4@20250514");
            vertex.getSpec().setRegion("global");
            vertex.getSpec().setProject("my-project-123");
            GatewayConfig.Model rendered = Renderer.model(vertex, null, null, 60_000);
            assertThat(rendered.project()).isEqualTo("my-project-123");
            assertThat(rendered.region()).isEqualTo("global");
            assertThat(rendered.apiBase()).isNull(); // Vertex's host follows the location: no default base URL
            // and it survives the contract's JSON both ways; a model without one writes no "project" at all
            String json = ConfigCodec.toJson(rendered);
            assertThat(json).contains("\"project\":\"my-project-123\"");
            assertThat(ConfigCodec.toJson(Renderer.model(model(GW_NS, "gpt", "gpt-4o", "openai"), null, null, 1)))
                    .doesNotContain("project");
        }

        @Test
        void modelIsRenderedWithDefaultsAndACredentialReferenceByNamespaceSecretAndKey() {
            addOpenAi(GW_NS, "gpt", "openai-creds", "sk-upstream-123");
            RenderResult r = render();

            assertThat(r.problems()).isEmpty();
            assertThat(r.config().models()).containsExactly(new GatewayConfig.Model(
                    "tollgate/gpt", "gpt-4o", "openai", "gpt-4o-2024-08-06", "https://api.openai.com/v1", null, null,
                    "tollgate/openai-creds/api-key", CATALOGUE_GPT_4O, null, null, 1, 600_000, null, null, "reject", null));
            assertThat(r.secrets().credentials()).containsExactly(Map.entry("tollgate/openai-creds/api-key", "sk-upstream-123"));
        }

        /** gpt-4o-2024-08-06 without spec.pricing: the catalogue's gpt-4o prices, by the dated-snapshot rule. */
        private static final GatewayConfig.Prices CATALOGUE_GPT_4O = new GatewayConfig.Prices(2_500_000L, 10_000_000L,
                1_250_000L, null, null, null, "catalogue/" + PriceCatalogue.bundled().version());

        @Test
        void specPricingWinsWholesaleOverTheCatalogue() {
            LlmModel m = addOpenAi(GW_NS, "gpt", "openai-creds", "sk-upstream-123");
            Pricing p = new Pricing();
            p.setInputPerMillion("2.00");
            m.getSpec().setPricing(p);
            // The output price stays unknown: it is not taken from the catalogue.
            assertThat(render().config().models().get(0).prices())
                    .isEqualTo(new GatewayConfig.Prices(2_000_000L, null, null, null, "spec"));
        }

        @Test
        void modelTheCatalogueDoesNotKnowHasNoPrices() {
            LlmModel m = addOpenAi(GW_NS, "gpt", "openai-creds", "sk-upstream-123");
            m.getSpec().setModel("ft:gpt-4o-mini:acme::abc123");
            assertThat(render().config().models().get(0).prices()).isNull();
        }

        @Test
        void specFieldsAreCarriedOver() {
            LlmModel m = addOpenAi(GW_NS, "gpt", "openai-creds", "sk-upstream-123");
            m.getSpec().setApiBase("https://proxy.example/v1");
            m.getSpec().setPricing(new Pricing("2.50", "10.00"));
            m.getSpec().setRpm(500L);
            m.getSpec().setTpm(30_000L);
            m.getSpec().setWeight(3);
            m.getSpec().setTimeout("90s");
            m.getSpec().setContextWindow(128_000);
            m.getSpec().setUnsupportedParams("drop");

            GatewayConfig.Model rendered = render().config().models().get(0);
            assertThat(rendered.apiBase()).isEqualTo("https://proxy.example/v1");
            assertThat(rendered.prices()).isEqualTo(new GatewayConfig.Prices(2_500_000L, 10_000_000L, null, null, "spec"));
            assertThat(rendered.rpm()).isEqualTo(500L);
            assertThat(rendered.tpm()).isEqualTo(30_000L);
            assertThat(rendered.weight()).isEqualTo(3);
            assertThat(rendered.timeoutMillis()).isEqualTo(90_000L);
            assertThat(rendered.contextWindow()).isEqualTo(128_000);
            assertThat(rendered.unsupportedParams()).isEqualTo("drop");
        }

        @Test
        void modelsSharingASecretKeyShareOneCredential() {
            addOpenAi(GW_NS, "gpt-a", "openai-creds", "sk-upstream-123");
            LlmModel b = openAi(GW_NS, "gpt-b", "openai-creds");
            models.add(b);
            RenderResult r = render();

            assertThat(r.config().models()).extracting(GatewayConfig.Model::credentialRef)
                    .containsExactly("tollgate/openai-creds/api-key", "tollgate/openai-creds/api-key");
            assertThat(r.secrets().credentials()).hasSize(1);
        }

        @Test
        void modelThatNeedsNoCredentialsHasNoReference() {
            LlmModel llama = model(GW_NS, "llama", "llama3", "ollama");
            models.add(llama);
            RenderResult r = render();
            assertThat(r.config().models().get(0).credentialRef()).isNull();
            // the gateway speaks Ollama's native API (/api/chat …) at the server's root
            assertThat(r.config().models().get(0).apiBase()).isEqualTo("http://localhost:11434");
            assertThat(r.secrets().credentials()).isEmpty();
        }

        @Test
        void mockModelGetsMockDefaultsOrItsOwnSettings() {
            models.add(model(GW_NS, "mock-a", "mock-a", "mock"));
            LlmModel b = model(GW_NS, "mock-b", "mock-b", "mock");
            MockSpec ms = new MockSpec();
            ms.setLatency("250ms");
            ms.setChunkInterval("2s");
            ms.setOutputTokens(64);
            ms.setResponse("hello");
            b.getSpec().setMock(ms);
            models.add(b);

            assertThat(render().config().models()).extracting(GatewayConfig.Model::mock).containsExactly(
                    new GatewayConfig.Mock(0, 0, 16, null),
                    new GatewayConfig.Mock(250, 2_000, 64, "hello"));
        }

        @Test
        void brokenModelsAreLeftOutWithTheirProblemWhileTheOthersAreServed() {
            addOpenAi(GW_NS, "good", "openai-creds", "sk-upstream-123");
            LlmModel unknown = model(GW_NS, "unknown", "x", "openia");
            LlmModel needsKey = model(GW_NS, "needs-key", "claude", "anthropic");
            LlmModel noSecret = openAi(GW_NS, "no-secret", "missing");
            LlmModel badTimeout = model(GW_NS, "bad-timeout", "m", "mock");
            badTimeout.getSpec().setTimeout("soon");
            LlmModel badPrice = model(GW_NS, "bad-price", "m", "mock");
            badPrice.getSpec().setPricing(new Pricing("1e3", "1"));
            models.addAll(List.of(unknown, needsKey, noSecret, badTimeout, badPrice));

            RenderResult r = render();
            assertThat(ids(r.config().models())).containsExactly("tollgate/good");
            assertThat(r.problems()).extracting(Problem::kind, Problem::name, Problem::reason).containsExactlyInAnyOrder(
                    tuple("LlmModel", "unknown", "UnknownProvider"),
                    tuple("LlmModel", "needs-key", "CredentialsRequired"),
                    tuple("LlmModel", "no-secret", "CredentialsNotFound"),
                    tuple("LlmModel", "bad-timeout", "InvalidSpec"),
                    tuple("LlmModel", "bad-price", "InvalidSpec"));
        }
    }

    @Nested
    class Selections {
        private void oneOfEachIn(String ns) {
            models.add(model(ns, "m", "m", "mock"));
            addKey(ns, "k", keyValue(ns), T1);
            addBudget(ns, "b", "10", "daily");
        }

        @Test
        void withoutSelectionsOnlyTheGatewaysOwnNamespaceIsServed() {
            oneOfEachIn(GW_NS);
            oneOfEachIn("team-a");
            models.add(model("team-a", "broken", "x", "openia"));
            RenderResult r = render();

            assertThat(ids(r.config().models())).containsExactly("tollgate/m");
            assertThat(ids(r.config().keys())).containsExactly("tollgate/k");
            assertThat(ids(r.config().budgets())).containsExactly("tollgate/b");
            assertThat(r.problems()).as("resources not selected are not the gateway's problem").isEmpty();
        }

        @Test
        void emptyNamespaceSelectorServesEveryNamespace() {
            serveEveryNamespace();
            gw.getSpec().setSharedModelNames(List.of("*")); // the three models share a model name (see Tenancy)
            oneOfEachIn(GW_NS);
            oneOfEachIn("team-a");
            oneOfEachIn("team-b");
            RenderResult r = render();

            assertThat(ids(r.config().models())).containsExactly("team-a/m", "team-b/m", "tollgate/m");
            assertThat(ids(r.config().keys())).containsExactly("team-a/k", "team-b/k", "tollgate/k");
            assertThat(ids(r.config().budgets())).containsExactly("team-a/b", "team-b/b", "tollgate/b");
        }

        @Test
        void namespaceSelectorServesOnlyMatchingNamespacesNotEvenTheGatewaysOwn() {
            LabelSelector onboarded = labels("tollgate.dev/onboarded", "true");
            gw.getSpec().setModels(selection(null, onboarded));
            gw.getSpec().setKeys(selection(null, onboarded));
            gw.getSpec().setBudgets(selection(null, onboarded));
            namespaceLabels.put("team-a", Map.of("tollgate.dev/onboarded", "true"));
            namespaceLabels.put("team-b", Map.of("tollgate.dev/onboarded", "false"));
            oneOfEachIn(GW_NS);
            oneOfEachIn("team-a");
            oneOfEachIn("team-b");
            RenderResult r = render();

            assertThat(ids(r.config().models())).containsExactly("team-a/m");
            assertThat(ids(r.config().keys())).containsExactly("team-a/k");
            assertThat(ids(r.config().budgets())).containsExactly("team-a/b");
        }

        @Test
        void labelSelectorPicksResourcesPerKind() {
            gw.getSpec().setModels(selection(labels("tier", "prod"), null));
            gw.getSpec().setKeys(selection(labels("team", "a"), new LabelSelector()));
            LlmModel prod = model(GW_NS, "prod", "m", "mock");
            prod.getMetadata().setLabels(Map.of("tier", "prod"));
            models.addAll(List.of(prod, model(GW_NS, "dev", "m", "mock")));
            addKey("team-a", "labelled", keyValue("1"), T1).getMetadata().setLabels(Map.of("team", "a"));
            addKey("team-a", "unlabelled", keyValue("2"), T1);
            RenderResult r = render();

            assertThat(ids(r.config().models())).containsExactly("tollgate/prod");
            assertThat(ids(r.config().keys())).containsExactly("team-a/labelled");
        }
    }

    @Nested
    class GatewayRefs {
        @Test
        void keyNamingAnotherGatewayIsNotServedAndIsNotAProblem() {
            addKey(GW_NS, "mine", keyValue("1"), T1).getSpec().setGatewayRef(new GatewayRef("gw", null));
            addKey(GW_NS, "other", keyValue("2"), T1).getSpec().setGatewayRef(new GatewayRef("other-gw", null));
            RenderResult r = render();
            assertThat(ids(r.config().keys())).containsExactly("tollgate/mine");
            assertThat(r.problems()).isEmpty();
        }

        @Test
        void refWithoutNamespaceMeansTheKeysOwnNamespace() {
            serveEveryNamespace();
            addKey("team-a", "implicit", keyValue("1"), T1).getSpec().setGatewayRef(new GatewayRef("gw", null));
            addKey("team-a", "explicit", keyValue("2"), T1).getSpec().setGatewayRef(new GatewayRef("gw", GW_NS));
            addKey("team-a", "elsewhere", keyValue("3"), T1).getSpec().setGatewayRef(new GatewayRef("gw", "team-b"));
            assertThat(ids(render().config().keys())).containsExactly("team-a/explicit");
        }

        @Test
        void refDoesNotOverrideTheGatewaysKeySelection() {
            // keys selection absent: the gateway's own namespace only
            addKey("team-a", "k", keyValue("1"), T1).getSpec().setGatewayRef(new GatewayRef("gw", GW_NS));
            VirtualKey vk = keys.get(0);
            RenderInput in = new RenderInput(gw, models, keys, budgets, ns -> Map.of(), lookup);
            assertThat(Renderer.servedBy(vk, gw, in)).isFalse();
            assertThat(render().config().keys()).isEmpty();
        }
    }

    @Nested
    class KeysAndBudgets {
        @Test
        void keyPolicyIsRenderedAndOnlyItsHashIsMapped() {
            String value = keyValue("ci");
            VirtualKey vk = addKey(GW_NS, "ci", value, T1);
            vk.getSpec().setModels(List.of("gpt-4o", "claude"));
            KeyLimits l = new KeyLimits();
            l.setRpm(60L);
            l.setTpm(10_000L);
            l.setMaxParallelRequests(4);
            vk.getSpec().setLimits(l);
            vk.getSpec().setExpiresAt("2026-12-31T23:59:59Z");
            vk.getSpec().setAttributes(Map.of("team", "a", "cost-center", "42"));
            RenderResult r = render();

            assertThat(r.config().keys()).containsExactly(new GatewayConfig.Key("tollgate/ci", List.of("gpt-4o", "claude"),
                    List.of(), 60L, 10_000L, 4, "2026-12-31T23:59:59Z", false, Map.of("team", "a", "cost-center", "42")));
            assertThat(r.secrets().keys()).containsExactly(Map.entry(Keys.sha256Hex(value), "tollgate/ci"));
        }

        @Test
        void disabledAndExpiredKeysAreStillRenderedSoTheGatewayCanSayWhy() {
            addKey(GW_NS, "off", keyValue("1"), T1).getSpec().setDisabled(true);
            addKey(GW_NS, "old", keyValue("2"), T1).getSpec().setExpiresAt("2020-01-01T00:00:00Z");
            RenderResult r = render();
            assertThat(r.config().keys()).extracting(GatewayConfig.Key::id, GatewayConfig.Key::disabled, GatewayConfig.Key::expiresAt)
                    .containsExactly(tuple("tollgate/off", true, null), tuple("tollgate/old", false, "2020-01-01T00:00:00Z"));
            assertThat(r.secrets().keys()).hasSize(2);
        }

        @Test
        void keyWithoutItsSecretIsLeftOut() {
            VirtualKey vk = key(GW_NS, "pending");
            keys.add(vk);
            RenderResult r = render();
            assertThat(r.config().keys()).isEmpty();
            assertThat(r.secrets().keys()).isEmpty();
            assertThat(problemOf(r, vk)).hasValueSatisfying(p -> assertThat(p.reason()).isEqualTo("KeySecretNotFound"));
        }

        @Test
        void budgetIsRenderedWithDefaults() {
            Budget b = addBudget(GW_NS, "team", "25.50", null);
            b.getSpec().setTimeZone(null);
            b.getSpec().setAlertThresholdPercent(null);
            Budget berlin = addBudget(GW_NS, "weekly", "100", "weekly");
            berlin.getSpec().setTimeZone("Europe/Berlin");
            berlin.getSpec().setAlertThresholdPercent(95);
            berlin.getSpec().setModels(List.of("gpt-4o"));

            assertThat(render().config().budgets()).containsExactly(
                    new GatewayConfig.Budget("tollgate/team", 25_500_000, "monthly", "UTC", 80, List.of()),
                    new GatewayConfig.Budget("tollgate/weekly", 100_000_000, "weekly", "Europe/Berlin", 95, List.of("gpt-4o")));
        }

        @Test
        void keyTagsAndAllowedTagsAreRenderedSortedAndLeftOutWhenEmpty() {
            VirtualKey tagged = addKey(GW_NS, "tagged", keyValue("t"), T1);
            tagged.getSpec().setTags(List.of("team:a", "env-prod", "team:a"));
            tagged.getSpec().setAllowedTags(List.of("feature:*", "cost-center"));
            addKey(GW_NS, "plain", keyValue("p"), T1);
            RenderResult r = render();
            assertThat(r.config().keys()).extracting(GatewayConfig.Key::id, GatewayConfig.Key::tags, GatewayConfig.Key::allowedTags)
                    .containsExactly(tuple("tollgate/plain", null, null),
                            tuple("tollgate/tagged", List.of("env-prod", "team:a"), List.of("cost-center", "feature:*")));
            assertThat(ConfigCodec.toJson(r.config())).as("a key without tags renders as before tags existed")
                    .contains("\"allowedTags\":[\"cost-center\",\"feature:*\"]").containsOnlyOnce("\"tags\"");
        }

        @Test
        void tagBudgetsCarryTheirTagsLimitsAndWhoseRequestsTheyCover() {
            serveEveryNamespace();
            Budget platform = addBudget(GW_NS, "search", "100", "monthly");
            platform.getSpec().setTags(List.of("feature:search", "env-prod"));
            KeyLimits l = new KeyLimits();
            l.setRpm(600L);
            l.setTpm(100_000L);
            l.setMaxParallelRequests(20);
            platform.getSpec().setLimits(l);
            Budget team = addBudget("team-a", "team-search", "10", "daily");
            team.getSpec().setTags(List.of("feature:search"));
            Budget plain = addBudget("team-a", "plain", "10", "daily");
            RenderResult r = render();
            assertThat(r.config().budgets()).extracting(GatewayConfig.Budget::id, GatewayConfig.Budget::tags,
                    GatewayConfig.Budget::tagNamespace, GatewayConfig.Budget::rpm, GatewayConfig.Budget::tpm,
                    GatewayConfig.Budget::maxParallelRequests).containsExactly(
                            tuple("team-a/plain", null, null, null, null, null),
                            tuple("team-a/team-search", List.of("feature:search"), "team-a", null, null, null),
                            tuple("tollgate/search", List.of("env-prod", "feature:search"), null, 600L, 100_000L, 20));
            assertThat(r.config().keys()).as("bound by no key, rendered all the same").isEmpty();
            GatewayConfig.Budget rendered = r.config().budgets().get(2);
            assertThat(rendered.coversTag("feature:search", "team-b")).as("a platform budget covers every namespace").isTrue();
            assertThat(r.config().budgets().get(1).coversTag("feature:search", "team-b")).isFalse();
            assertThat(r.config().budgets().get(1).coversTag("feature:search", "team-a")).isTrue();
            assertThat(plain.getSpec().getTags()).isEmpty();
        }

        @Test
        void aTeamBudgetWithAnEmptyKeySelectorBindsEveryKeyOfItsNamespace() {
            serveEveryNamespace();
            Budget team = addBudget("team-a", "team", "50", "monthly");
            team.getSpec().setKeySelector(new LabelSelector());
            addKey("team-a", "one", keyValue("one"), T1).getSpec().setModels(List.of("gpt-4o"));
            addKey("team-a", "two", keyValue("two"), T1).getSpec().setModels(List.of("claude"));
            addKey("team-b", "other", keyValue("other"), T1);
            assertThat(render().config().keys()).extracting(GatewayConfig.Key::id, GatewayConfig.Key::budgets).containsExactly(
                    tuple("team-a/one", List.of("team-a/team")), tuple("team-a/two", List.of("team-a/team")),
                    tuple("team-b/other", List.of()));
        }

        @Test
        void keyIsBoundByItsBudgetRefsAndByMatchingKeySelectorsOfItsOwnNamespace() {
            serveEveryNamespace();
            addBudget("team-a", "named", "10", "daily");
            addBudget("team-a", "by-label", "10", "daily").getSpec().setKeySelector(labels("env", "ci"));
            addBudget("team-a", "other-label", "10", "daily").getSpec().setKeySelector(labels("env", "prod"));
            addBudget("team-a", "unrelated", "10", "daily");
            addBudget("team-b", "by-label", "10", "daily").getSpec().setKeySelector(labels("env", "ci"));
            VirtualKey vk = addKey("team-a", "ci", keyValue("1"), T1);
            vk.getMetadata().setLabels(Map.of("env", "ci"));
            vk.getSpec().setBudgetRefs(List.of("named"));

            assertThat(render().config().keys().get(0).budgets()).containsExactly("team-a/by-label", "team-a/named");
        }

        @Test
        void keyNamingAMissingBudgetFailsClosed() {
            VirtualKey vk = addKey(GW_NS, "ci", keyValue("1"), T1);
            vk.getSpec().setBudgetRefs(List.of("nope"));
            RenderResult r = render();

            assertThat(r.config().keys()).isEmpty();
            assertThat(r.secrets().keys()).isEmpty();
            assertThat(problemOf(r, vk)).hasValueSatisfying(p -> {
                assertThat(p.reason()).isEqualTo("BudgetNotFound");
                assertThat(p.message()).contains("tollgate/nope").contains("fail closed");
            });
        }

        @Test
        void keyNamingAnInvalidBudgetFailsClosed() {
            Budget badLimit = addBudget(GW_NS, "bad-limit", "lots", "daily");
            Budget badZone = addBudget(GW_NS, "bad-zone", "10", "daily");
            badZone.getSpec().setTimeZone("Mars/Base");
            VirtualKey a = addKey(GW_NS, "a", keyValue("a"), T1);
            a.getSpec().setBudgetRefs(List.of("bad-limit"));
            VirtualKey b = addKey(GW_NS, "b", keyValue("b"), T1);
            b.getSpec().setBudgetRefs(List.of("bad-zone"));
            RenderResult r = render();

            assertThat(r.config().budgets()).isEmpty();
            assertThat(r.config().keys()).isEmpty();
            assertThat(problemOf(r, badLimit)).map(Problem::reason).contains("InvalidSpec");
            assertThat(problemOf(r, badZone)).map(Problem::reason).contains("InvalidTimeZone");
            assertThat(problemOf(r, a)).map(Problem::reason).contains("BudgetNotFound");
            assertThat(problemOf(r, b)).map(Problem::reason).contains("BudgetNotFound");
        }

        @Test
        void budgetWithAnInvalidPeriodIsLeftOutAndKeysNamingItFailClosed() {
            // The schema pattern rejects these, but standalone folders and the mock server do not apply it.
            Budget fortnight = addBudget(GW_NS, "fortnight", "10", "fortnight");
            Budget zero = addBudget(GW_NS, "zero", "10", "0h");
            VirtualKey vk = addKey(GW_NS, "ci", keyValue("1"), T1);
            vk.getSpec().setBudgetRefs(List.of("fortnight"));
            RenderResult r = render();

            assertThat(r.config().budgets()).isEmpty();
            assertThat(r.config().keys()).isEmpty();
            assertThat(problemOf(r, fortnight)).hasValueSatisfying(p -> {
                assertThat(p.reason()).isEqualTo("InvalidSpec");
                assertThat(p.message()).contains("'fortnight'");
            });
            assertThat(problemOf(r, zero)).map(Problem::reason).contains("InvalidSpec");
            assertThat(problemOf(r, vk)).map(Problem::reason).contains("BudgetNotFound");
        }

        @Test
        void keyNamingABudgetTheGatewayDoesNotServeFailsClosed() {
            gw.getSpec().setBudgets(selection(labels("tier", "prod"), null));
            addBudget(GW_NS, "unlabelled", "10", "daily");
            VirtualKey vk = addKey(GW_NS, "ci", keyValue("1"), T1);
            vk.getSpec().setBudgetRefs(List.of("unlabelled"));
            RenderResult r = render();

            assertThat(r.config().keys()).isEmpty();
            assertThat(problemOf(r, vk)).map(Problem::reason).contains("BudgetNotFound");
        }

        @Test
        void budgetRefsAreNamesInTheKeysOwnNamespace() {
            serveEveryNamespace();
            addBudget("team-b", "shared", "10", "daily");
            VirtualKey vk = addKey("team-a", "ci", keyValue("1"), T1);
            vk.getSpec().setBudgetRefs(List.of("shared"));
            assertThat(problemOf(render(), vk)).map(Problem::reason).contains("BudgetNotFound");
        }
    }

    @Nested
    class DuplicateKeys {
        @Test
        void oldestKeyKeepsADuplicatedValueAndTheOthersAreRefused() {
            serveEveryNamespace();
            String shared = keyValue("shared");
            VirtualKey newer = addKey("team-a", "newer", shared, T2);
            VirtualKey older = addKey("team-b", "older", shared, T1);
            addKey("team-a", "unique", keyValue("unique"), T2);
            RenderResult r = render();

            assertThat(ids(r.config().keys())).containsExactly("team-a/unique", "team-b/older");
            assertThat(r.secrets().keys()).containsEntry(Keys.sha256Hex(shared), "team-b/older").hasSize(2);
            assertThat(problemOf(r, newer)).hasValueSatisfying(p -> {
                assertThat(p.reason()).isEqualTo("DuplicateKey");
                assertThat(p.message()).contains("team-b/older").doesNotContain(shared);
            });
            assertThat(problemOf(r, older)).isEmpty();
        }

        @Test
        void sameCreationTimeFallsBackToNamespaceThenName() {
            serveEveryNamespace();
            String shared = keyValue("shared");
            VirtualKey bAlpha = addKey("team-b", "alpha", shared, T1);
            addKey("team-a", "zeta", shared, T1);
            VirtualKey aZulu = addKey("team-a", "zulu", shared, T1);
            RenderResult r = render();

            assertThat(ids(r.config().keys())).containsExactly("team-a/zeta");
            assertThat(problemOf(r, bAlpha)).map(Problem::message).hasValueSatisfying(m -> assertThat(m).contains("team-a/zeta"));
            assertThat(problemOf(r, aZulu)).map(Problem::reason).contains("DuplicateKey");
        }

        @Test
        void keyWithoutCreationTimeLosesToADatedOne() {
            String shared = keyValue("shared");
            VirtualKey undated = addKey(GW_NS, "a-undated", shared, null);
            addKey(GW_NS, "b-dated", shared, T2);
            RenderResult r = render();
            assertThat(ids(r.config().keys())).containsExactly("tollgate/b-dated");
            assertThat(problemOf(r, undated)).map(Problem::reason).contains("DuplicateKey");
        }

        @Test
        void existingSecretSharingAGeneratedValueIsADuplicateToo() {
            String shared = keyValue("shared");
            addKey(GW_NS, "generated", shared, T1);
            VirtualKey byo = key(GW_NS, "byo");
            byo.getMetadata().setCreationTimestamp(T2);
            byo.getSpec().setExistingSecret(new SecretKeyRef("litellm", "master"));
            put(secret(GW_NS, "litellm", Map.of("master", shared + "\n")));
            keys.add(byo);
            RenderResult r = render();
            assertThat(ids(r.config().keys())).containsExactly("tollgate/generated");
            assertThat(problemOf(r, byo)).map(Problem::reason).contains("DuplicateKey");
        }
    }

    @Nested
    class SecretsStayOutOfTheConfig {
        @Test
        void configJsonHoldsNoKeyNoHashNoCredentialAndNoPassword() {
            String keyValue = keyValue("very-secret");
            addKey(GW_NS, "ci", keyValue, T1);
            addOpenAi(GW_NS, "gpt", "openai-creds", "sk-upstream-CREDENTIAL");
            RedisSpec redis = new RedisSpec();
            redis.setUrl("redis://redis:6379/0");
            redis.setPasswordSecretRef(new SecretKeyRef("redis", "password"));
            gw.getSpec().setRedis(redis);
            put(secret(GW_NS, "redis", Map.of("password", "REDIS-PASSWORD")));
            RenderResult r = render();

            String config = ConfigCodec.toJson(r.config());
            assertThat(config).doesNotContain(keyValue, "very-secret", Keys.sha256Hex(keyValue),
                    "sk-upstream-CREDENTIAL", "REDIS-PASSWORD");
            assertThat(config).contains("tollgate/openai-creds/api-key", "redis://redis:6379/0");

            String secretsJson = ConfigCodec.toJson(r.secrets());
            assertThat(secretsJson).contains(Keys.sha256Hex(keyValue), "sk-upstream-CREDENTIAL", "REDIS-PASSWORD")
                    .doesNotContain(keyValue);
            assertThat(r.secrets().redisPassword()).isEqualTo("REDIS-PASSWORD");
        }
    }

    @Nested
    class Settings {
        @Test
        void defaults() {
            RenderResult r = render();
            assertThat(r.config().schema()).isEqualTo(GatewayConfig.SCHEMA);
            assertThat(r.config().gateway()).isEqualTo("tollgate/gw");
            assertThat(r.config().settings()).isEqualTo(new GatewayConfig.Settings(4000, 10_000, null));
            assertThat(r.secrets().schema()).isEqualTo(GatewaySecrets.SCHEMA);
            assertThat(r.secrets().redisPassword()).isNull();
            assertThat(r.problems()).isEmpty();
        }

        @Test
        void portSyncIntervalAndRedisAreCarriedOver() {
            gw.getSpec().setPort(8080);
            gw.getSpec().setUsageSyncInterval("30s");
            RedisSpec redis = new RedisSpec();
            redis.setUrl("rediss://redis:6380/1");
            gw.getSpec().setRedis(redis);
            assertThat(render().config().settings()).isEqualTo(new GatewayConfig.Settings(8080, 30_000, "rediss://redis:6380/1"));
        }

        @Test
        void badSyncIntervalIsAGatewayProblemAndFallsBackToTenSeconds() {
            gw.getSpec().setUsageSyncInterval("often");
            RenderResult r = render();
            assertThat(r.config().settings().usageSyncIntervalMillis()).isEqualTo(10_000);
            assertThat(r.problems()).singleElement().satisfies(p -> {
                assertThat(p.kind()).isEqualTo("GatewayDeployment");
                assertThat(p.id()).isEqualTo("tollgate/gw");
                assertThat(p.reason()).isEqualTo("InvalidSpec");
                assertThat(p.message()).startsWith("usageSyncInterval: 'often' is not a duration");
            });
        }

        @Test
        void missingRedisPasswordSecretIsRedisSecretNotFound() {
            RedisSpec redis = new RedisSpec();
            redis.setUrl("redis://redis:6379/0");
            redis.setPasswordSecretRef(new SecretKeyRef("redis", "password"));
            gw.getSpec().setRedis(redis);
            put(secret("elsewhere", "redis", Map.of("password", "pw"))); // only the gateway's namespace counts
            RenderResult r = render();

            assertThat(r.secrets().redisPassword()).isNull();
            assertThat(r.problems()).singleElement().satisfies(p -> {
                assertThat(p.kind()).isEqualTo("GatewayDeployment");
                assertThat(p.id()).isEqualTo("tollgate/gw");
                assertThat(p.reason()).isEqualTo("RedisSecretNotFound");
                assertThat(p.message()).contains("tollgate/redis").contains("'password'");
            });

            put(secret(GW_NS, "redis", Map.of("other", "pw")));
            assertThat(render().problems()).extracting(Problem::reason).containsExactly("RedisSecretNotFound");
        }
    }

    @Nested
    class Determinism {
        /** Everything at once: several namespaces, duplicates, problems, budgets bound both ways, redis. */
        private void world() {
            serveEveryNamespace();
            RedisSpec redis = new RedisSpec();
            redis.setUrl("redis://redis:6379/0");
            redis.setPasswordSecretRef(new SecretKeyRef("redis", "password"));
            gw.getSpec().setRedis(redis);
            put(secret(GW_NS, "redis", Map.of("password", "pw")));
            for (String ns : List.of("team-a", "team-b", "team-c")) {
                addOpenAi(ns, "gpt", "openai-creds", "sk-upstream-" + ns);
                models.add(model(ns, "mock", "mock-1", "mock"));
                models.add(model(ns, "broken", "claude", "anthropic"));
                addBudget(ns, "monthly", "25", "monthly").getSpec().setKeySelector(labels("env", "ci"));
                addBudget(ns, "daily", "1.50", "daily");
                VirtualKey ci = addKey(ns, "ci", keyValue(ns + "-ci"), T1);
                ci.getMetadata().setLabels(Map.of("env", "ci"));
                ci.getSpec().setBudgetRefs(List.of("daily"));
                ci.getSpec().setAttributes(Map.of("z", "1", "a", "2", "m", "3"));
                addKey(ns, "dup", keyValue("shared"), ns.equals("team-b") ? T1 : T2);
                addKey(ns, "lost", keyValue(ns + "-lost"), T1).getSpec().setBudgetRefs(List.of("missing"));
            }
        }

        private <T> void shuffle(List<T> list, Random random) {
            List<T> copy = new ArrayList<>(list);
            Collections.shuffle(copy, random);
            list.clear();
            list.addAll(copy);
        }

        @Test
        void sameInputInAnyOrderRendersToByteIdenticalJsonAndTheSameHashes() {
            world();
            RenderResult first = render();
            assertThat(first.config().keys()).isNotEmpty();
            assertThat(first.problems()).isNotEmpty();
            String config = ConfigCodec.toJson(first.config());
            String secretsJson = ConfigCodec.toJson(first.secrets());

            Random random = new Random(42);
            for (int i = 0; i < 20; i++) {
                shuffle(models, random);
                shuffle(keys, random);
                shuffle(budgets, random);
                RenderResult again = render();
                assertThat(ConfigCodec.toJson(again.config())).isEqualTo(config);
                assertThat(ConfigCodec.toJson(again.secrets())).isEqualTo(secretsJson);
                assertThat(again.configHash()).isEqualTo(first.configHash());
                assertThat(again.settingsHash()).isEqualTo(first.settingsHash());
                assertThat(again.problems()).isEqualTo(first.problems());
            }
        }

        @Test
        void renderedListsAreSortedById() {
            world();
            Collections.reverse(models);
            Collections.reverse(keys);
            Collections.reverse(budgets);
            RenderResult r = render();
            assertThat(ids(r.config().models())).isSorted();
            assertThat(ids(r.config().keys())).isSorted();
            assertThat(ids(r.config().budgets())).isSorted();
        }

        @Test
        void hashesAreSixteenHexDigits() {
            world();
            RenderResult r = render();
            assertThat(r.configHash()).matches("[0-9a-f]{16}");
            assertThat(r.settingsHash()).matches("[0-9a-f]{16}").isNotEqualTo(r.configHash());
        }
    }

    @Nested
    class Hashes {
        private RenderResult base;

        private void baseline() {
            RedisSpec redis = new RedisSpec();
            redis.setUrl("redis://redis:6379/0");
            redis.setPasswordSecretRef(new SecretKeyRef("redis", "password"));
            gw.getSpec().setRedis(redis);
            put(secret(GW_NS, "redis", Map.of("password", "pw-1")));
            addOpenAi(GW_NS, "gpt", "openai-creds", "sk-upstream-1");
            addKey(GW_NS, "ci", keyValue("1"), T1);
            addBudget(GW_NS, "b", "10", "daily");
            base = render();
        }

        private void assertChange(Consumer<RendererTest> change, boolean settingsChange) {
            baseline();
            change.accept(RendererTest.this);
            RenderResult after = render();
            assertThat(after.configHash()).as("configHash").isNotEqualTo(base.configHash());
            if (settingsChange) {
                assertThat(after.settingsHash()).as("settingsHash").isNotEqualTo(base.settingsHash());
            } else {
                assertThat(after.settingsHash()).as("settingsHash").isEqualTo(base.settingsHash());
            }
        }

        @Test
        void nothingChangedNothingChanges() {
            baseline();
            RenderResult again = render();
            assertThat(again.configHash()).isEqualTo(base.configHash());
            assertThat(again.settingsHash()).isEqualTo(base.settingsHash());
        }

        @Test
        void servedContentChangesTheConfigHashButNotTheSettingsHash() {
            assertChange(t -> models.add(model(GW_NS, "mock", "mock-1", "mock")), false);
        }

        @Test
        void addingAKeyDoesNotChangeTheSettingsHash() {
            assertChange(t -> addKey(GW_NS, "other", keyValue("2"), T1), false);
        }

        @Test
        void addingABudgetDoesNotChangeTheSettingsHash() {
            assertChange(t -> addBudget(GW_NS, "other", "5", "weekly"), false);
        }

        @Test
        void rotatingAKeyValueChangesOnlyTheConfigHash() {
            assertChange(t -> put(secret(GW_NS, "ci-key", Map.of("key", keyValue("rotated")))), false);
        }

        @Test
        void rotatingAProviderCredentialChangesOnlyTheConfigHash() {
            assertChange(t -> put(secret(GW_NS, "openai-creds", Map.of("api-key", "sk-upstream-2"))), false);
        }

        @Test
        void portChangesBothHashes() {
            assertChange(t -> gw.getSpec().setPort(8080), true);
        }

        @Test
        void usageSyncIntervalChangesOnlyTheConfigHash() {
            // the pods take the spend handed back whenever it is written: no restart for the cadence
            assertChange(t -> gw.getSpec().setUsageSyncInterval("1m"), false);
        }

        @Test
        void redisUrlChangesBothHashes() {
            assertChange(t -> gw.getSpec().getRedis().setUrl("redis://other:6379/0"), true);
        }

        @Test
        void redisPasswordChangesBothHashes() {
            assertChange(t -> put(secret(GW_NS, "redis", Map.of("password", "pw-2"))), true);
        }

        @Test
        void specFieldsOutsideTheRenderedConfigChangeNeitherHash() {
            baseline();
            gw.getSpec().setReplicas(5);
            gw.getSpec().setImage("example/tollgate:dev");
            RenderResult after = render();
            assertThat(after.configHash()).isEqualTo(base.configHash());
            assertThat(after.settingsHash()).isEqualTo(base.settingsHash());
        }
    }
}
