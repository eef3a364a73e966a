package dev.tollgate.gateway.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.GatewayConfig.Prices;
import dev.tollgate.config.PriceCatalogue;
import dev.tollgate.gateway.TokenUsage;
import java.math.BigInteger;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CostCalculatorTest {
    /** gpt-4o-mini: 0.15 input, 0.075 cached, 0.60 output USD per 1M tokens. */
    private static final Prices MINI = new Prices(150_000L, 600_000L, 75_000L, null, null, null, "spec");
    /** claude-sonnet-4: 3.00 input, 3.75 cache write, 0.30 cache read, 15.00 output. */
    private static final Prices SONNET = new Prices(3_000_000L, 15_000_000L, 300_000L, 3_750_000L, null, null, "spec");

    private static TokenUsage usage(long input, long output, long cacheWrite, long cacheRead) {
        return new TokenUsage(input, output, cacheWrite, cacheRead);
    }

    @Test
    void plainInputAndOutput() {
        // 1,000,000 input at 2.50 + 500,000 output at 10.00 = 2.50 + 5.00 USD.
        Prices gpt4o = new Prices(2_500_000L, 10_000_000L, null, null, "spec");
        assertThat(CostCalculator.costMicros(gpt4o, usage(1_000_000, 500_000, 0, 0))).hasValue(7_500_000L);
        // 1 input token at 2.50/M is 2.5 micros: HALF_UP gives 3.
        assertThat(CostCalculator.costMicros(gpt4o, usage(1, 0, 0, 0))).hasValue(3L);
    }

    @Test
    void roundsOncePerRequestNotPerComponent() {
        // 3 input × 0.15 = 0.45 µ and 6 cached × 0.075 = 0.45 µ: each rounds to 0, the sum 0.9 µ rounds to 1.
        assertThat(CostCalculator.costMicros(MINI, usage(3, 0, 0, 6))).hasValue(1L);
        // 4 input × 0.15 = 0.6 µ → 1.
        assertThat(CostCalculator.costMicros(MINI, usage(4, 0, 0, 0))).hasValue(1L);
        assertThat(CostCalculator.costMicros(MINI, usage(3, 0, 0, 0))).hasValue(0L); // 0.45 → 0
    }

    @Test
    void halfUpAtExactlyHalf() {
        assertThat(CostCalculator.roundToMicros(BigInteger.valueOf(500_000))).isEqualTo(1L);
        assertThat(CostCalculator.roundToMicros(BigInteger.valueOf(499_999))).isEqualTo(0L);
        assertThat(CostCalculator.roundToMicros(BigInteger.valueOf(1_500_000))).isEqualTo(2L);
    }

    @Test
    void cacheReadsAndWritesUseTheirOwnPrices() {
        // 1000 uncached × 3.00 = 3000 µ; 2000 written × 3.75 = 7500 µ; 10000 read × 0.30 = 3000 µ; 500 out × 15 = 7500 µ.
        assertThat(CostCalculator.costMicros(SONNET, usage(1000, 500, 2000, 10_000))).hasValue(21_000L);
    }

    @Test
    void cachePricesFallBackToTheInputPrice() {
        Prices noCachePrices = new Prices(3_000_000L, 15_000_000L, null, null, "spec");
        // (1000 + 2000 + 10000) × 3.00 + 500 × 15.00 = 39000 + 7500.
        assertThat(CostCalculator.costMicros(noCachePrices, usage(1000, 500, 2000, 10_000))).hasValue(46_500L);
    }

    @Test
    void unknownPriceIsUnknownCostNeverZero() {
        assertThat(CostCalculator.costMicros(null, usage(10, 10, 0, 0))).isEmpty();
        Prices inputOnly = new Prices(2_000_000L, null, null, null, "spec");
        assertThat(CostCalculator.costMicros(inputOnly, usage(10, 1, 0, 0))).isEmpty();
        // No output tokens: the missing output price does not matter (embeddings).
        assertThat(CostCalculator.costMicros(inputOnly, usage(500_000, 0, 0, 0))).hasValue(1_000_000L);
        Prices outputOnly = new Prices(null, 2_000_000L, null, null, "spec");
        assertThat(CostCalculator.costMicros(outputOnly, usage(0, 0, 0, 5))).isEmpty(); // cached falls back to unknown input
        assertThat(CostCalculator.costMicros(outputOnly, usage(0, 0, 0, 0))).hasValue(0L);
    }

    @Test
    void hugeCountsDoNotOverflow() {
        Prices expensive = new Prices(Long.MAX_VALUE / 2, 0L, null, null, "spec");
        assertThatThrownBy(() -> CostCalculator.costMicros(expensive, usage(Long.MAX_VALUE / 2, 0, 0, 0)))
                .isInstanceOf(ArithmeticException.class); // the result itself does not fit a long: refused, not wrapped
        assertThat(CostCalculator.costMicros(new Prices(150_000_000L, 600_000_000L, null, null, "spec"),
                usage(10_000_000_000L, 10_000_000_000L, 0, 0))).hasValue(7_500_000_000_000L);
    }

    @Test
    void theLongFastPathAgreesWithExactArithmeticAcrossItsOverflowEdge() {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 20_000; i++) {
            // magnitudes from tiny to well past a long's range for the sum of products
            long[] tokens = new long[4];
            Long[] rates = new Long[4];
            for (int j = 0; j < 4; j++) {
                tokens[j] = random.nextInt(4) == 0 ? 0 : (long) Math.pow(10, random.nextInt(13)) * (1 + random.nextInt(999));
                rates[j] = (long) Math.pow(10, random.nextInt(10)) * (1 + random.nextInt(999));
            }
            Prices p = new Prices(rates[0], rates[3], rates[1], rates[2], null, null, "spec");
            TokenUsage u = new TokenUsage(tokens[0], tokens[3], tokens[2], tokens[1]);
            BigInteger sum = BigInteger.ZERO; // the reference, computed here rather than by the code under test
            for (int j = 0; j < 4; j++) {
                sum = sum.add(BigInteger.valueOf(tokens[j]).multiply(BigInteger.valueOf(rates[j])));
            }
            java.math.BigDecimal expected = new java.math.BigDecimal(sum)
                    .divide(java.math.BigDecimal.valueOf(1_000_000), 0, java.math.RoundingMode.HALF_UP);
            if (expected.unscaledValue().bitLength() <= 63) {
                assertThat(CostCalculator.costMicros(p, u)).as("%s at %s", u, p).hasValue(expected.longValueExact());
            } else {
                assertThatThrownBy(() -> CostCalculator.costMicros(p, u)).isInstanceOf(ArithmeticException.class);
            }
        }
    }

    @Test
    void negativeTokensAreABug() {
        assertThatThrownBy(() -> CostCalculator.costMicros(MINI, usage(-1, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void images() {
        Prices dalle = PriceCatalogue.bundled().find("openai", "dall-e-3").orElseThrow();
        assertThat(CostCalculator.costMicros(dalle, 3)).isEqualTo(OptionalLong.of(120_000L));
        assertThat(CostCalculator.costMicros(MINI, 1)).isEmpty();
        assertThat(CostCalculator.costMicros(null, 1)).isEmpty();
        assertThat(CostCalculator.costMicros(MINI, 0)).hasValue(0L);
    }

    @Test
    void catalogueSonnetEndToEnd() {
        Prices p = PriceCatalogue.bundled().find("anthropic", "claude-sonnet-4-20250514").orElseThrow();
        assertThat(CostCalculator.costMicros(p, usage(1000, 500, 2000, 10_000))).hasValue(21_000L);
    }

    // ---- tiers (Gemini 2.5 Pro: 1.25 / 10.00 up to 200k prompt tokens, 2.50 / 15.00 above; cache 0.125 / 0.25) ----

    private static final Prices PRO = new Prices(1_250_000L, 10_000_000L, 125_000L, null, null, null, "catalogue/x",
            java.util.List.of(new dev.tollgate.config.GatewayConfig.Tier(200_000, 2_500_000L, 15_000_000L, 250_000L)),
            null, null);

    @Test
    void aPromptOfExactlyTheThresholdKeepsTheLowerPrices() {
        // 200,000 × 1.25 + 1,000 × 10.00 = 0.25 + 0.01 USD
        assertThat(CostCalculator.costMicros(PRO, usage(200_000, 1_000, 0, 0))).hasValue(260_000L);
    }

    @Test
    void aPromptAboveTheThresholdPaysTheTierForTheWholeRequest() {
        // 200,001 × 2.50 + 1,000 × 15.00 = 500,002.5 + 15,000 micros → 515,003 (HALF_UP once)
        assertThat(CostCalculator.costMicros(PRO, usage(200_001, 1_000, 0, 0))).hasValue(515_003L);
        // cached tokens count toward the prompt size and pay the tier's cached price:
        // 100,001 × 2.50 + 100,000 × 0.25 + 0 output = 250,002.5 + 25,000 → 275,003
        assertThat(CostCalculator.costMicros(PRO, usage(100_001, 0, 0, 100_000))).hasValue(275_003L);
        // 100,000 + 100,000 cached is exactly the threshold: 100,000 × 1.25 + 100,000 × 0.125 = 137,500
        assertThat(CostCalculator.costMicros(PRO, usage(100_000, 0, 0, 100_000))).hasValue(137_500L);
    }

    @Test
    void theHighestTierThePromptIsAboveAppliesAndAMissingTierPriceIsTheBasePrice() {
        Prices two = new Prices(1_000_000L, 2_000_000L, null, null, null, null, "spec", java.util.List.of(
                new dev.tollgate.config.GatewayConfig.Tier(10, 3_000_000L, null, null),
                new dev.tollgate.config.GatewayConfig.Tier(20, 5_000_000L, 7_000_000L, null)), null, null);
        assertThat(CostCalculator.costMicros(two, usage(10, 1, 0, 0))).hasValue(12L); // 10×1 + 1×2
        assertThat(CostCalculator.costMicros(two, usage(11, 1, 0, 0))).hasValue(35L); // 11×3 + 1×2 (base output)
        assertThat(CostCalculator.costMicros(two, usage(21, 1, 0, 0))).hasValue(112L); // 21×5 + 1×7
    }

    @Test
    void tiersMustAscendAndGiveAPrice() {
        assertThatThrownBy(() -> new Prices(1L, 1L, null, null, null, null, "spec", java.util.List.of(
                new dev.tollgate.config.GatewayConfig.Tier(20, 1L, null, null),
                new dev.tollgate.config.GatewayConfig.Tier(10, 1L, null, null)), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ascending");
        assertThatThrownBy(() -> new Prices(1L, 1L, null, null, null, null, "spec", java.util.List.of(
                new dev.tollgate.config.GatewayConfig.Tier(10, null, null, null)), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no price");
    }

    // ---- per-character prices (PaLM 2 on Vertex AI: 0.0005 USD per 1,000 characters = 0.50 per million) ----

    private static final Prices BISON = new Prices(null, null, null, null, null, null, "spec", null, 500_000L, 500_000L);

    @Test
    void aCharacterPricedModelIsChargedByCharactersOnly() {
        // 2,000 input characters and 1,000 output characters at 0.50/M = 1,000 + 500 micros; the tokens are not priced
        assertThat(CostCalculator.costMicros(BISON, usage(700, 300, 0, 0), new Characters(2_000, 1_000)))
                .hasValue(1_500L);
        // 3 characters × 0.50 = 1.5 µ → 2 (HALF_UP once)
        assertThat(CostCalculator.costMicros(BISON, usage(1, 0, 0, 0), new Characters(3, 0))).hasValue(2L);
        // a blocked answer costs its input only
        assertThat(CostCalculator.costMicros(BISON, usage(5, 0, 0, 0), new Characters(10, 0))).hasValue(5L);
    }

    @Test
    void aCharacterPricedModelWithoutCharactersHasNoKnownCost() {
        assertThat(CostCalculator.costMicros(BISON, usage(700, 300, 0, 0))).isEmpty();
        Prices inputOnly = new Prices(null, null, null, null, null, null, "spec", null, 500_000L, null);
        assertThat(CostCalculator.costMicros(inputOnly, usage(1, 1, 0, 0), new Characters(10, 10))).isEmpty();
        assertThat(CostCalculator.costMicros(inputOnly, usage(1, 0, 0, 0), new Characters(10, 0))).hasValue(5L);
    }

    @Test
    void charactersAreCodePointsWithoutWhiteSpace() {
        assertThat(Characters.count("Hello, world!\n")).isEqualTo(12);
        assertThat(Characters.count("  \t\u00a0")).isZero();
        assertThat(Characters.count("日本語 😀")).isEqualTo(4); // an emoji is one code point (two chars in Java)
        com.fasterxml.jackson.databind.JsonNode chat = dev.tollgate.gateway.Json.parse("{\"model\":\"m\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Be brief\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"Hi there\"}]}]}");
        assertThat(Characters.ofRequest(dev.tollgate.gateway.provider.Operation.CHAT, chat)).isEqualTo(14);
        com.fasterxml.jackson.databind.JsonNode completion = dev.tollgate.gateway.Json.parse(
                "{\"model\":\"m\",\"prompt\":\"Once upon\"}");
        assertThat(Characters.ofRequest(dev.tollgate.gateway.provider.Operation.COMPLETIONS, completion)).isEqualTo(8);
    }
}
