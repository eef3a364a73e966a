package dev.tollgate.gateway.cost;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.TokenUsage;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.OptionalLong;

/**
 * The cost of one request in integer micro-USD. Pure; no float or double anywhere.
 *
 * <p><b>Rounding.</b> Each component is {@code tokens × microsPerMillion}, an exact integer in units of
 * 10<sup>-12</sup> USD ("micro-micros"). The components are summed exactly (in a long, or a BigInteger when that would overflow) and the
 * sum is divided by 1,000,000 and rounded HALF_UP to whole micros <em>once per request</em>. Rounding each component
 * separately would lose fractions: 3 input tokens at 0.15 USD/M (0.45 µ) plus 6 cached tokens at 0.075 USD/M (0.45 µ)
 * are 0 + 0 when rounded apart, but 0.9 → 1 µ here.
 *
 * <p><b>Components</b> of a {@link TokenUsage} (Anthropic's decomposition):
 * <ul>
 *   <li>{@code inputTokens} (uncached) at the input price;</li>
 *   <li>{@code cacheReadInputTokens} at the cached-input price when given, else the input price;</li>
 *   <li>{@code cacheCreationInputTokens} at the cache-write price when given, else the input price;</li>
 *   <li>{@code outputTokens} at the output price.</li>
 * </ul>
 * <b>Unknown is not zero:</b> when a component has tokens but no applicable price (or there are no prices at all),
 * the cost is unknown and {@link OptionalLong#empty()} is returned. A component with zero tokens needs no price (so
 * an embedding request, with no output tokens, costs its input without an output price).
 */
public final class CostCalculator {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000L);

    private CostCalculator() {}

    /** The cost of a token-priced request, or empty when it cannot be known. */
    public static OptionalLong costMicros(GatewayConfig.Prices prices, TokenUsage usage) {
        return costMicros(prices, usage, null);
    }

    /**
     * The cost of a request from its usage and, for a model billed per character, its characters: empty when it
     * cannot be known (a character-priced model without {@code characters}, a needed price missing).
     *
     * <p><b>Tiers.</b> The prices are first those for the request's prompt size
     * ({@link GatewayConfig.Prices#forPrompt}: all input tokens, cached ones included): a prompt above a tier's
     * threshold pays that tier's prices for all its tokens, input and output, as Google bills Gemini's "prompts
     * &gt; 200k tokens".
     *
     * <p><b>Characters.</b> A model with a character price ({@link GatewayConfig.Prices#perCharacter}) is charged
     * {@code characters × microsPerMillionCharacters} for input and output, and its tokens (counted for limits and
     * status) are not priced. The same rounding applies: summed exactly, rounded once.
     */
    public static OptionalLong costMicros(GatewayConfig.Prices prices, TokenUsage usage, Characters characters) {
        if (prices == null || usage == null) {
            return OptionalLong.empty();
        }
        long[] tokens;
        Long[] rates;
        if (prices.perCharacter()) {
            if (characters == null) {
                return OptionalLong.empty();
            }
            tokens = new long[] {characters.input(), characters.output()};
            rates = new Long[] {prices.inputMicrosPerMillionCharacters(), prices.outputMicrosPerMillionCharacters()};
        } else {
            prices = prices.forPrompt(usage.promptTokens());
            Long input = prices.inputMicrosPerMillion();
            Long cached = prices.cachedInputMicrosPerMillion() != null ? prices.cachedInputMicrosPerMillion() : input;
            Long write = prices.cacheWriteMicrosPerMillion() != null ? prices.cacheWriteMicrosPerMillion() : input;
            tokens = new long[] {usage.inputTokens(), usage.cacheReadInputTokens(), usage.cacheCreationInputTokens(),
                    usage.outputTokens()};
            rates = new Long[] {input, cached, write, prices.outputMicrosPerMillion()};
        }
        for (int i = 0; i < rates.length; i++) {
            if (tokens[i] < 0) {
                throw new IllegalArgumentException("negative count in " + usage + " / " + characters);
            }
            if (tokens[i] > 0 && rates[i] == null) {
                return OptionalLong.empty();
            }
        }
        try {
            // the usual case, exactly in a long (up to ~9.2 million USD per request); else exactly in a BigInteger
            long microMicros = 0;
            for (int i = 0; i < rates.length; i++) {
                if (tokens[i] > 0) {
                    microMicros = Math.addExact(microMicros, Math.multiplyExact(tokens[i], rates[i]));
                }
            }
            if (microMicros >= 0) {
                return OptionalLong.of(Math.addExact(microMicros, 500_000L) / 1_000_000L); // HALF_UP
            }
        } catch (ArithmeticException overflow) {
            // the sum does not fit in a long: sum it as a BigInteger
        }
        return OptionalLong.of(roundToMicros(microMicros(tokens, rates)));
    }

    /** Σ tokens × rate, exactly, in micro-micros. */
    private static BigInteger microMicros(long[] tokens, Long[] rates) {
        BigInteger sum = BigInteger.ZERO;
        for (int i = 0; i < rates.length; i++) {
            if (tokens[i] > 0) {
                sum = sum.add(BigInteger.valueOf(tokens[i]).multiply(BigInteger.valueOf(rates[i])));
            }
        }
        return sum;
    }

    /** The cost of generating {@code imageCount} images, or empty when the per-image price is unknown. */
    public static OptionalLong costMicros(GatewayConfig.Prices prices, long imageCount) {
        if (imageCount < 0) {
            throw new IllegalArgumentException("negative image count " + imageCount);
        }
        if (imageCount == 0) {
            return OptionalLong.of(0);
        }
        if (prices == null || prices.perImageMicros() == null) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.multiplyExact(imageCount, prices.perImageMicros()));
    }

    /**
     * The cost of a rerank that used {@code searchUnits} search units, or empty when the per-search-unit price is
     * unknown. A rerank has no tokens in OpenAI's sense: it is priced by search units only.
     */
    public static OptionalLong searchCostMicros(GatewayConfig.Prices prices, long searchUnits) {
        if (searchUnits < 0) {
            throw new IllegalArgumentException("negative search units " + searchUnits);
        }
        if (searchUnits == 0) {
            return OptionalLong.of(0);
        }
        if (prices == null || prices.perSearchUnitMicros() == null) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.multiplyExact(searchUnits, prices.perSearchUnitMicros()));
    }

    /**
     * The search units a rerank of these documents uses when the provider does not say: Cohere counts one per query
     * with up to 100 documents (https://docs.cohere.com/docs/rerank-overview), so one per started 100 documents.
     */
    public static long estimatedSearchUnits(com.fasterxml.jackson.databind.JsonNode documents) {
        int n = documents == null ? 0 : documents.size();
        return Math.max(1, (n + 99) / 100);
    }

    /**
     * The cost of {@code seconds} of compute (a Replicate prediction's {@code metrics.predict_time}, exact as the
     * provider wrote it) at the per-second price, rounded HALF_UP to whole micros once; empty when the per-second
     * price is unknown. Zero seconds cost nothing, priced or not.
     */
    public static OptionalLong timeCostMicros(GatewayConfig.Prices prices, BigDecimal seconds) {
        if (seconds.signum() < 0) {
            throw new IllegalArgumentException("negative time " + seconds.toPlainString() + " s");
        }
        if (seconds.signum() == 0) {
            return OptionalLong.of(0);
        }
        if (prices == null || prices.perSecondMicros() == null) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(seconds.multiply(BigDecimal.valueOf(prices.perSecondMicros()))
                .setScale(0, RoundingMode.HALF_UP).longValueExact());
    }

    /** Micro-micros (10^-12 USD) to whole micros, HALF_UP. */
    static long roundToMicros(BigInteger microMicros) {
        return new BigDecimal(microMicros).divide(MILLION, 0, RoundingMode.HALF_UP).longValueExact();
    }
}
