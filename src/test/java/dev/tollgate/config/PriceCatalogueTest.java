package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PriceCatalogueTest {
    private final PriceCatalogue cat = PriceCatalogue.bundled();

    private GatewayConfig.Prices find(String provider, String model) {
        return cat.find(provider, model).orElseThrow(() -> new AssertionError(provider + "/" + model + " not found"));
    }

    @Test
    void bundledCatalogueParsesAndIsVersionedByDate() {
        assertThat(cat.version()).matches("\\d{4}-\\d{2}-\\d{2}");
        assertThat(cat.entries()).hasSizeGreaterThanOrEqualTo(20);
        assertThat(cat.entries()).allSatisfy(e -> {
            assertThat(e.source()).startsWith("https://");
            assertThat(e.retrieved()).matches("\\d{4}-\\d{2}-\\d{2}");
            assertThat(e.prices().source()).isEqualTo("catalogue/" + cat.version());
        });
    }

    @Test
    void exactIdGivesMicrosWithCatalogueSource() {
        assertThat(find("openai", "gpt-4o")).isEqualTo(new GatewayConfig.Prices(2_500_000L, 10_000_000L, 1_250_000L,
                null, null, null, "catalogue/" + cat.version()));
        GatewayConfig.Prices sonnet = find("anthropic", "claude-sonnet-4-20250514");
        assertThat(sonnet.inputMicrosPerMillion()).isEqualTo(3_000_000L);
        assertThat(sonnet.cacheWriteMicrosPerMillion()).isEqualTo(3_750_000L);
        assertThat(sonnet.cachedInputMicrosPerMillion()).isEqualTo(300_000L);
        assertThat(sonnet.outputMicrosPerMillion()).isEqualTo(15_000_000L);
        assertThat(find("openai", "dall-e-3").perImageMicros()).isEqualTo(40_000L);
    }

    @Test
    void datedSnapshotMatchesItsBaseOnlyWhenNoExactEntry() {
        assertThat(find("openai", "gpt-4o-2024-08-06")).isEqualTo(find("openai", "gpt-4o"));
        // Priced differently, and listed: the exact entry wins over the prefix rule.
        assertThat(find("openai", "gpt-4o-2024-05-13").inputMicrosPerMillion()).isEqualTo(5_000_000L);
        assertThat(find("openai", "gpt-4o-mini-2024-07-18")).isEqualTo(find("openai", "gpt-4o-mini"));
        assertThat(find("openai", "gpt-4.1-2025-04-14")).isEqualTo(find("openai", "gpt-4.1"));
    }

    @Test
    void onlyADateIsStrippedNeverAModelSuffix() {
        assertThat(find("openai", "gpt-4o-mini").inputMicrosPerMillion()).isEqualTo(150_000L);
        assertThat(cat.find("openai", "gpt-4o-audio-preview")).isEmpty();
        assertThat(cat.find("openai", "gpt-4o-2024")).isEmpty();
        assertThat(cat.find("openai", "gpt-4.1-mega")).isEmpty();
        assertThat(cat.find("openai", "gpt-4.1-nano-2025-04-14")).isEqualTo(Optional.of(find("openai", "gpt-4.1-nano")));
        assertThat(cat.find("anthropic", "claude-sonnet-4-5-20250929").orElseThrow())
                .isNotNull(); // its own entry, not claude-sonnet-4's
        assertThat(cat.find("anthropic", "claude-sonnet-4")).isEmpty();
    }

    @Test
    void aliasesMatchExactly() {
        assertThat(find("anthropic", "claude-sonnet-4-0")).isEqualTo(find("anthropic", "claude-sonnet-4-20250514"));
        assertThat(find("anthropic", "claude-3-5-haiku-latest").inputMicrosPerMillion()).isEqualTo(800_000L);
    }

    @Test
    void providerMustMatch() {
        assertThat(cat.find("anthropic", "gpt-4o")).isEmpty();
        assertThat(cat.find("mock", "gpt-4o")).isEmpty();
        assertThat(cat.find("openai", null)).isEmpty();
    }

    @Test
    void azureDeploymentsAreNeverGuessedFromTheirName() {
        assertThat(cat.find("azure", "gpt-4o")).isEmpty();
        assertThat(cat.find("azure", "gpt-4o", "https://my.openai.azure.com")).isEmpty();
    }

    @Test
    void openAiCompatibleVendorsMatchOnlyAtTheirHost() {
        assertThat(cat.find("openai-compatible", "deepseek-chat", "https://api.deepseek.com/v1").orElseThrow()
                .cachedInputMicrosPerMillion()).isEqualTo(70_000L);
        assertThat(cat.find("openai-compatible", "deepseek-chat", "https://my-vllm.internal/v1")).isEmpty();
        assertThat(cat.find("openai-compatible", "deepseek-chat")).isEmpty();
        assertThat(cat.find("openai-compatible", "llama-3.3-70b-versatile", "https://api.groq.com/openai/v1")).isPresent();
    }

    @Test
    void malformedCataloguesAreRefusedNamingTheProblem() {
        assertThatThrownBy(() -> PriceCatalogue.parse("{\"version\":\"x\",\"models\":[]}"))
                .hasMessageContaining("not a date");
        String entry = "{\"provider\":\"openai\",\"model\":\"m\",\"inputPerMillion\":%s,"
                + "\"source\":\"https://example.com\",\"retrieved\":\"2026-01-01\"}";
        assertThatThrownBy(() -> PriceCatalogue.parse("{\"version\":\"2026-01-01\",\"models\":["
                + entry.formatted("2.5") + "]}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PriceCatalogue.parse("{\"version\":\"2026-01-01\",\"models\":["
                + entry.formatted("\"2.5.0\"") + "]}")).hasMessageContaining("openai/m").hasMessageContaining("USD amount");
        assertThatThrownBy(() -> PriceCatalogue.parse("{\"version\":\"2026-01-01\",\"models\":["
                + entry.formatted("\"2.50\"") + "," + entry.formatted("\"3.00\"") + "]}"))
                .hasMessageContaining("more than one entry");
        assertThatThrownBy(() -> PriceCatalogue.parse("{\"version\":\"2026-01-01\",\"models\":["
                + entry.formatted("\"2.50\"").replace("\"model\"", "\"modle\"") + "]}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(PriceCatalogue.parse("{\"version\":\"2026-01-01\",\"models\":[" + entry.formatted("\"2.50\"") + "]}")
                .find("openai", "m").orElseThrow().inputMicrosPerMillion()).isEqualTo(2_500_000L);
    }

    @Test
    void googleEntriesCarryTiersAndTheSamePricesOnGeminiAndVertex() {
        GatewayConfig.Prices pro = find("gemini", "gemini-2.5-pro");
        assertThat(pro.inputMicrosPerMillion()).isEqualTo(1_250_000L);
        assertThat(pro.outputMicrosPerMillion()).isEqualTo(10_000_000L);
        assertThat(pro.tiers()).containsExactly(new GatewayConfig.Tier(200_000, 2_500_000L, 15_000_000L, 250_000L));
        assertThat(pro.forPrompt(200_000)).isSameAs(pro);
        assertThat(pro.forPrompt(200_001).inputMicrosPerMillion()).isEqualTo(2_500_000L);
        assertThat(pro.forPrompt(200_001).outputMicrosPerMillion()).isEqualTo(15_000_000L);
        for (String m : java.util.List.of("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite",
                "gemini-2.0-flash", "gemini-1.5-pro", "gemini-1.5-flash", "gemini-embedding-001")) {
            assertThat(find("vertex", m)).as(m).isEqualTo(find("gemini", m));
        }
        assertThat(find("gemini", "gemini-2.5-flash-lite").inputMicrosPerMillion()).isEqualTo(100_000L);
        assertThat(find("gemini", "gemini-1.5-flash").tiers().get(0).aboveInputTokens()).isEqualTo(128_000L);
        assertThat(cat.find("gemini", "gemini-2.5-pro-preview-05-06")).isEmpty(); // not a dated snapshot: no guess
    }

    @Test
    void palmAndVertexEmbeddingsArePricedPerCharacter() {
        for (String m : java.util.List.of("text-bison-001", "chat-bison-001", "models/chat-bison-001")) {
            GatewayConfig.Prices p = find("palm", m);
            assertThat(p.perCharacter()).as(m).isTrue();
            assertThat(p.inputMicrosPerMillionCharacters()).isEqualTo(500_000L); // 0.0005 USD per 1,000 characters
            assertThat(p.outputMicrosPerMillionCharacters()).isEqualTo(500_000L);
            assertThat(p.inputMicrosPerMillion()).isNull();
        }
        assertThat(find("vertex", "text-embedding-004").inputMicrosPerMillionCharacters()).isEqualTo(25_000L);
    }

    @Test
    void tiersAndCharacterPricesAreValidated() {
        String tiered = "{\"version\":\"2026-01-01\",\"models\":[{\"provider\":\"gemini\",\"model\":\"m\","
                + "\"inputPerMillion\":\"1.00\",\"tiers\":[%s],\"source\":\"https://example.com\",\"retrieved\":\"2026-01-01\"}]}";
        assertThat(PriceCatalogue.parse(tiered.formatted("{\"aboveInputTokens\":10,\"inputPerMillion\":\"2.00\"}"))
                .find("gemini", "m").orElseThrow().forPrompt(11).inputMicrosPerMillion()).isEqualTo(2_000_000L);
        assertThatThrownBy(() -> PriceCatalogue.parse(tiered.formatted("{\"inputPerMillion\":\"2.00\"}")))
                .hasMessageContaining("gemini/m").hasMessageContaining("aboveInputTokens");
        assertThatThrownBy(() -> PriceCatalogue.parse(tiered.formatted(
                "{\"aboveInputTokens\":10,\"inputPerMillion\":\"2\"},{\"aboveInputTokens\":5,\"inputPerMillion\":\"3\"}")))
                .hasMessageContaining("ascending");
        String perChar = "{\"version\":\"2026-01-01\",\"models\":[{\"provider\":\"palm\",\"model\":\"m\","
                + "\"outputPerMillionCharacters\":\"0.50\",\"source\":\"https://example.com\",\"retrieved\":\"2026-01-01\"}]}";
        assertThat(PriceCatalogue.parse(perChar).find("palm", "m").orElseThrow().perCharacter()).isTrue();
    }
}
