package dev.tollgate.config;

import static dev.tollgate.Fixtures.budget;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static dev.tollgate.Fixtures.openAi;
import static dev.tollgate.Fixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.Pricing;
import dev.tollgate.api.v1alpha1.SecretKeyRef;
import dev.tollgate.api.v1alpha1.VirtualKey;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ChecksTest {
    private static final String KEY = "sk-tg-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
    private final Map<String, Secret> secrets = new HashMap<>();
    private final SecretLookup lookup = (ns, name) -> Optional.ofNullable(secrets.get(ns + "/" + name));

    private void put(Secret s) {
        secrets.put(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(), s);
    }

    private static void assertProblem(Result<?> r, String kind, String ns, String name, String reason) {
        assertThat(r.ok()).as("expected a problem, got %s", r.value()).isFalse();
        assertThat(r.value()).isNull();
        assertThat(r.problem().kind()).isEqualTo(kind);
        assertThat(r.problem().id()).isEqualTo(ns + "/" + name);
        assertThat(r.problem().reason()).isEqualTo(reason);
    }

    @Nested
    class ResolveKey {
        @Test
        void generatedKeyLivesInNameDashKeyUnderKey() {
            VirtualKey vk = key("team", "ci");
            put(secret("team", "ci-key", Map.of("key", KEY)));
            Result<Checks.ResolvedKey> r = Checks.resolveKey(vk, lookup);
            assertThat(r.ok()).isTrue();
            assertThat(r.value()).isEqualTo(new Checks.ResolvedKey(Keys.sha256Hex(KEY), "sk-tg-0123…", "ci-key"));
        }

        @Test
        void secretNameOverridesTheDefault() {
            VirtualKey vk = key("team", "ci");
            vk.getSpec().setSecretName("custom");
            put(secret("team", "custom", Map.of("key", KEY)));
            assertThat(Checks.resolveKey(vk, lookup).value().secretName()).isEqualTo("custom");
            assertThat(Checks.keySecretName(vk)).isEqualTo("custom");
            assertThat(Checks.keySecretKey(vk)).isEqualTo("key");
        }

        @Test
        void existingSecretIsReadAtItsKeyAndTrimmed() {
            VirtualKey vk = key("team", "legacy");
            vk.getSpec().setExistingSecret(new SecretKeyRef("litellm", "master"));
            put(secret("team", "litellm", Map.of("master", "  sk-litellm-0123456789abcdef\n")));
            Result<Checks.ResolvedKey> r = Checks.resolveKey(vk, lookup);
            assertThat(r.value().hash()).isEqualTo(Keys.sha256Hex("sk-litellm-0123456789abcdef"));
            assertThat(r.value().secretName()).isEqualTo("litellm");
        }

        @Test
        void secretOfAnotherNamespaceIsNotUsed() {
            put(secret("other", "ci-key", Map.of("key", KEY)));
            assertProblem(Checks.resolveKey(key("team", "ci"), lookup), "VirtualKey", "team", "ci", "KeySecretNotFound");
        }

        @Test
        void missingGeneratedSecretSaysItIsNotThereYet() {
            Result<Checks.ResolvedKey> r = Checks.resolveKey(key("team", "ci"), lookup);
            assertProblem(r, "VirtualKey", "team", "ci", "KeySecretNotFound");
            assertThat(r.problem().message()).contains("team/ci-key").contains("does not exist yet");
        }

        @Test
        void missingExistingSecretTellsToCreateAndLabelIt() {
            VirtualKey vk = key("team", "legacy");
            vk.getSpec().setExistingSecret(new SecretKeyRef("litellm", "master"));
            Result<Checks.ResolvedKey> r = Checks.resolveKey(vk, lookup);
            assertProblem(r, "VirtualKey", "team", "legacy", "KeySecretNotFound");
            assertThat(r.problem().message()).contains("team/litellm").contains("llm.tollgate.dev/secret=key");
        }

        @Test
        void secretWithoutTheKeyOrWithABlankOneIsNotFound() {
            VirtualKey vk = key("team", "ci");
            put(secret("team", "ci-key", Map.of("other", KEY)));
            Result<Checks.ResolvedKey> r = Checks.resolveKey(vk, lookup);
            assertProblem(r, "VirtualKey", "team", "ci", "KeySecretNotFound");
            assertThat(r.problem().message()).contains("has no key 'key'");

            put(secret("team", "ci-key", Map.of("key", "   ")));
            assertProblem(Checks.resolveKey(vk, lookup), "VirtualKey", "team", "ci", "KeySecretNotFound");
        }

        @Test
        void keysShorterThan20CharactersAreRefusedAndNotEchoed() {
            VirtualKey vk = key("team", "ci");
            put(secret("team", "ci-key", Map.of("key", "short-key-19-chars!")));
            Result<Checks.ResolvedKey> r = Checks.resolveKey(vk, lookup);
            assertProblem(r, "VirtualKey", "team", "ci", "InvalidKey");
            assertThat(r.problem().message()).contains("shorter than 20").doesNotContain("short-key-19-chars!");

            put(secret("team", "ci-key", Map.of("key", "exactly-twenty-chars")));
            assertThat(Checks.resolveKey(vk, lookup).ok()).isTrue();
        }

        @Test
        void secretNameAndExistingSecretTogetherAreInvalid() {
            VirtualKey vk = key("team", "ci");
            vk.getSpec().setSecretName("mine");
            vk.getSpec().setExistingSecret(new SecretKeyRef("litellm", "master"));
            put(secret("team", "litellm", Map.of("master", KEY)));
            assertProblem(Checks.resolveKey(vk, lookup), "VirtualKey", "team", "ci", "InvalidSpec");
        }
    }

    @Nested
    class Expiry {
        @Test
        void absentOrBlankMeansNever() {
            VirtualKey vk = key("team", "ci");
            assertThat(Checks.expiry(vk)).isEqualTo(Result.ok(null));
            vk.getSpec().setExpiresAt(" ");
            assertThat(Checks.expiry(vk)).isEqualTo(Result.ok(null));
        }

        @Test
        void readsRfc3339WithOffset() {
            VirtualKey vk = key("team", "ci");
            vk.getSpec().setExpiresAt("2026-12-31T23:59:59+02:00");
            assertThat(Checks.expiry(vk).value())
                    .isEqualTo(OffsetDateTime.of(2026, 12, 31, 23, 59, 59, 0, ZoneOffset.ofHours(2)));
        }

        @Test
        void unreadableTimeIsInvalidSpecWithAnExample() {
            VirtualKey vk = key("team", "ci");
            vk.getSpec().setExpiresAt("2026-12-31");
            Result<OffsetDateTime> r = Checks.expiry(vk);
            assertProblem(r, "VirtualKey", "team", "ci", "InvalidSpec");
            assertThat(r.problem().message()).contains("'2026-12-31'").contains("2026-12-31T23:59:59Z");
        }
    }

    @Nested
    class Credential {
        @Test
        void readsTheReferencedKeyFromTheModelsNamespace() {
            put(secret("ai", "openai-creds", Map.of("api-key", " sk-upstream-123 ")));
            assertThat(Checks.credential(openAi("ai", "gpt", "openai-creds"), lookup)).isEqualTo(Result.ok("sk-upstream-123"));
        }

        @Test
        void providerThatNeedsNoKeyMayHaveNone() {
            assertThat(Checks.credential(model("ai", "llama", "llama3", "ollama"), lookup)).isEqualTo(Result.ok(null));
            assertThat(Checks.credential(model("ai", "m", "m", "mock"), lookup)).isEqualTo(Result.ok(null));
        }

        @Test
        void providerThatNeedsAKeyWithoutOneIsCredentialsRequired() {
            Result<String> r = Checks.credential(model("ai", "claude", "claude-sonnet", "anthropic"), lookup);
            assertProblem(r, "LlmModel", "ai", "claude", "CredentialsRequired");
            assertThat(r.problem().message()).contains("credentialsSecretRef");
        }

        @Test
        void unknownProviderListsTheKnownOnes() {
            Result<String> r = Checks.credential(model("ai", "x", "x", "openia"), lookup);
            assertProblem(r, "LlmModel", "ai", "x", "UnknownProvider");
            assertThat(r.problem().message()).contains("'openia'").contains("openai, azure, anthropic");
        }

        @Test
        void missingSecretOrKeyIsCredentialsNotFound() {
            LlmModel m = openAi("ai", "gpt", "openai-creds");
            Result<String> none = Checks.credential(m, lookup);
            assertProblem(none, "LlmModel", "ai", "gpt", "CredentialsNotFound");
            assertThat(none.problem().message()).contains("ai/openai-creds").contains("was not found");

            put(secret("ai", "openai-creds", Map.of("token", "sk-upstream")));
            Result<String> noKey = Checks.credential(m, lookup);
            assertProblem(noKey, "LlmModel", "ai", "gpt", "CredentialsNotFound");
            assertThat(noKey.problem().message()).contains("has no key 'api-key'");
        }

        @Test
        void credentialValueNeverAppearsInAProblem() {
            put(secret("ai", "openai-creds", Map.of("token", "sk-upstream-SECRET")));
            Result<String> r = Checks.credential(openAi("ai", "gpt", "openai-creds"), lookup);
            assertThat(r.problem().message()).doesNotContain("SECRET");
        }
    }

    @Nested
    class ModelFields {
        @Test
        void pricesAreMicros() {
            LlmModel m = model("ai", "gpt", "gpt-4o", "openai");
            Pricing p = new Pricing("2.50", "10.00");
            p.setPerImage("0.04");
            m.getSpec().setPricing(p);
            assertThat(Checks.prices(m).value())
                    .isEqualTo(new GatewayConfig.Prices(2_500_000L, 10_000_000L, 40_000L, null, "spec"));
        }

        @Test
        void promptCachePricesAreMicros() {
            LlmModel m = model("ai", "azure-gpt", "prod-gpt4o", "azure");
            Pricing p = new Pricing("2.50", "10.00");
            p.setCachedInputPerMillion("1.25");
            p.setCacheWritePerMillion("3.125");
            dev.tollgate.api.v1alpha1.PricingTier tier = new dev.tollgate.api.v1alpha1.PricingTier(200_000, "5.00", null);
            tier.setCachedInputPerMillion("2.50");
            p.setTiers(java.util.List.of(tier));
            m.getSpec().setPricing(p);
            GatewayConfig.Prices prices = Checks.prices(m).value();
            assertThat(prices.cachedInputMicrosPerMillion()).isEqualTo(1_250_000L);
            assertThat(prices.cacheWriteMicrosPerMillion()).isEqualTo(3_125_000L);
            assertThat(prices.forPrompt(200_001).cachedInputMicrosPerMillion()).isEqualTo(2_500_000L);
            assertThat(prices.forPrompt(200_001).cacheWriteMicrosPerMillion()).isEqualTo(3_125_000L);
        }

        @Test
        void noPricingIsNull() {
            assertThat(Checks.prices(model("ai", "gpt", "gpt-4o", "openai"))).isEqualTo(Result.ok(null));
        }

        @Test
        void badPriceIsInvalidSpecNamingTheField() {
            LlmModel m = model("ai", "gpt", "gpt-4o", "openai");
            m.getSpec().setPricing(new Pricing("2.5e0", "10"));
            Result<GatewayConfig.Prices> r = Checks.prices(m);
            assertProblem(r, "LlmModel", "ai", "gpt", "InvalidSpec");
            assertThat(r.problem().message()).startsWith("pricing: '2.5e0' is not a USD amount");
        }

        @Test
        void timeoutDefaultsTo600Seconds() {
            LlmModel m = model("ai", "gpt", "gpt-4o", "openai");
            assertThat(Checks.timeoutMillis(m).value()).isEqualTo(600_000L);
            m.getSpec().setTimeout(null);
            assertThat(Checks.timeoutMillis(m).value()).isEqualTo(600_000L);
            m.getSpec().setTimeout("90s");
            assertThat(Checks.timeoutMillis(m).value()).isEqualTo(90_000L);
        }

        @Test
        void badTimeoutIsInvalidSpec() {
            LlmModel m = model("ai", "gpt", "gpt-4o", "openai");
            m.getSpec().setTimeout("10 minutes");
            Result<Long> r = Checks.timeoutMillis(m);
            assertProblem(r, "LlmModel", "ai", "gpt", "InvalidSpec");
            assertThat(r.problem().message()).startsWith("timeout: '10 minutes' is not a duration");
        }
    }

    @Nested
    class BudgetFields {
        @Test
        void limitIsMicros() {
            assertThat(Checks.limitMicros(budget("team", "b", "25.00", "monthly")).value()).isEqualTo(25_000_000L);
        }

        @Test
        void badLimitIsInvalidSpec() {
            Result<Long> r = Checks.limitMicros(budget("team", "b", "-5", "monthly"));
            assertProblem(r, "Budget", "team", "b", "InvalidSpec");
            assertThat(r.problem().message()).startsWith("limit: '-5' is not a USD amount");
        }

        @Test
        void periodDefaultsToMonthlyAndAcceptsCalendarAndRollingPeriods() {
            Budget b = budget("team", "b", "1", null);
            assertThat(Checks.period(b).value()).isEqualTo("monthly");
            for (String ok : new String[] {"daily", "weekly", "monthly", "12h", "7d", "90m"}) {
                b.getSpec().setPeriod(ok);
                assertThat(Checks.period(b)).as(ok).isEqualTo(Result.ok(ok));
            }
        }

        @Test
        void unusablePeriodIsInvalidSpec() {
            for (String bad : new String[] {"fortnight", "0h", "", "Daily"}) {
                Result<String> r = Checks.period(budget("team", "b", "1", bad));
                assertProblem(r, "Budget", "team", "b", "InvalidSpec");
                assertThat(r.problem().message()).as(bad).startsWith("period: ").contains("'" + bad + "'")
                        .endsWith("(or use daily, weekly, monthly)");
            }
        }

        @Test
        void zoneDefaultsToUtcAndAcceptsIanaNames() {
            Budget b = budget("team", "b", "1", "daily");
            assertThat(Checks.zone(b).value()).isEqualTo(ZoneId.of("UTC"));
            b.getSpec().setTimeZone(null);
            assertThat(Checks.zone(b).value()).isEqualTo(ZoneId.of("UTC"));
            b.getSpec().setTimeZone("Europe/Berlin");
            assertThat(Checks.zone(b).value()).isEqualTo(ZoneId.of("Europe/Berlin"));
        }

        @Test
        void unknownZoneIsInvalidTimeZone() {
            Budget b = budget("team", "b", "1", "daily");
            b.getSpec().setTimeZone("Mars/Olympus_Mons");
            Result<ZoneId> r = Checks.zone(b);
            assertProblem(r, "Budget", "team", "b", "InvalidTimeZone");
            assertThat(r.problem().message()).contains("'Mars/Olympus_Mons'").contains("Europe/Berlin");
        }
    }

    @Nested
    class ProviderSettings {
        @Test
        void everyServedProviderDeclaresWhatItNeedsAndAModelWithItPasses() {
            for (Provider p : Provider.values()) {
                LlmModel m = model("team", "m", "m", p.wireName());
                m.getSpec().setApiBase("https://example.test/v1");
                m.getSpec().setApiVersion("2024-10-21");
                m.getSpec().setRegion("us-east-1");
                m.getSpec().setProject("my-project-123");
                assertThat(Checks.settings(m).ok()).as(p.wireName()).isTrue();
                assertThat(Checks.settings(m).value()).isEqualTo(p);
            }
        }

        @Test
        void azureNeedsApiBaseAndApiVersion() {
            assertThat(Provider.AZURE.required()).extracting(Provider.Required::setting)
                    .containsExactly(Provider.Setting.API_BASE, Provider.Setting.API_VERSION);
            LlmModel m = model("team", "gpt", "gpt", "azure");
            m.getSpec().setApiBase("https://contoso.openai.azure.com");
            Result<Provider> r = Checks.settings(m);
            assertProblem(r, "LlmModel", "team", "gpt", "MissingProviderSetting");
            assertThat(r.problem().message()).contains("provider azure needs spec.apiVersion").contains("2024-10-21");

            m.getSpec().setApiVersion("  "); // blank is missing too: it would still make a URL without a version
            assertProblem(Checks.settings(m), "LlmModel", "team", "gpt", "MissingProviderSetting");

            m.getSpec().setApiVersion("2024-10-21");
            m.getSpec().setApiBase(null);
            assertThat(Checks.settings(m).problem().message()).contains("spec.apiBase")
                    .contains("https://<resource>.openai.azure.com");
        }

        @Test
        void openAiCompatibleNeedsApiBaseWhileProvidersWithADefaultDoNot() {
            LlmModel compatible = model("team", "local", "local", "openai-compatible");
            assertProblem(Checks.settings(compatible), "LlmModel", "team", "local", "MissingProviderSetting");
            assertThat(Checks.settings(compatible).problem().message()).contains("spec.apiBase");
            for (String withDefault : new String[] {"openai", "anthropic", "huggingface", "ollama", "mock"}) {
                assertThat(Checks.settings(model("team", "m", "m", withDefault)).ok()).as(withDefault).isTrue();
            }
        }

        @Test
        void regionalProvidersNeedARegion() {
            for (String regional : new String[] {"bedrock", "vertex"}) {
                Result<Provider> r = Checks.settings(model("team", "m", "m", regional));
                assertProblem(r, "LlmModel", "team", "m", "MissingProviderSetting");
                assertThat(r.problem().message()).contains("spec.region");
            }
        }

        @Test
        void vertexNeedsALocationAndAProject() {
            assertThat(Provider.VERTEX.required()).extracting(Provider.Required::setting)
                    .containsExactly(Provider.Setting.REGION, Provider.Setting.PROJECT);
            LlmModel m = model("team", "claude", "claude-sonnet-4@20250514", "vertex");
            m.getSpec().setRegion("global"); // Vertex AI's global endpoint is a location like any other
            Result<Provider> r = Checks.settings(m);
            assertProblem(r, "LlmModel", "team", "claude", "MissingProviderSetting");
            assertThat(r.problem().message()).contains("provider vertex needs spec.project").contains("my-project-123");

            m.getSpec().setProject(" ");
            assertThat(Checks.settings(m).problem().message()).contains("spec.project");

            m.getSpec().setProject("my-project-123");
            m.getSpec().setRegion(null);
            assertThat(Checks.settings(m).problem().message()).contains("spec.region").contains("global");

            m.getSpec().setRegion("europe-west4");
            assertThat(Checks.settings(m).ok()).isTrue();
        }

        @Test
        void aRenderedVertexModelWithoutItsProjectIsNamedAtRequestTimeToo() {
            var rendered = new GatewayConfig.Model("team/claude", "claude", "vertex", "claude-sonnet-4@20250514", null,
                    null, "us-east5", null, null, null, null, null, 1, 1000, null, null, "reject", null);
            assertThat(Provider.missing(rendered)).map(Provider.Required::setting).contains(Provider.Setting.PROJECT);
            var complete = new GatewayConfig.Model("team/claude", "claude", "vertex", "claude-sonnet-4@20250514", null,
                    null, "us-east5", "my-project-123", null, null, null, null, 1, 1000, null, null, "reject", null);
            assertThat(Provider.missing(complete)).isEmpty();
        }

        @Test
        void anApiBaseThatIsNoHttpUrlIsInvalid() {
            for (String bad : new String[] {"api.openai.com/v1", "ftp://x/v1", "http://", "https:// spaces/v1"}) {
                LlmModel m = model("team", "m", "m", "openai");
                m.getSpec().setApiBase(bad);
                assertProblem(Checks.settings(m), "LlmModel", "team", "m", "InvalidSpec");
            }
        }

        @Test
        void theRenderedModelIsCheckedTheSameWay() {
            var rendered = new GatewayConfig.Model("team/gpt", "gpt", "azure", "gpt", "https://contoso.openai.azure.com",
                    null, null, null, null, null, null, 1, 1000, null, null, "reject", null);
            assertThat(Provider.missing(rendered)).map(Provider.Required::setting).contains(Provider.Setting.API_VERSION);
        }
    }
}
