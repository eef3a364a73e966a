package dev.tollgate.gateway.budget;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.cost.Characters;
import dev.tollgate.gateway.cost.CostCalculator;
import dev.tollgate.gateway.cost.TokenCounter;
import dev.tollgate.gateway.provider.Operation;
import java.util.OptionalLong;

/**
 * The most a token-priced request may cost, two ways. Pure.
 *
 * <ul>
 *   <li>{@link #cheap}: the request body's size in bytes as its prompt tokens (a byte-level BPE token is at least
 *       one byte, so the body, which contains the prompt and its framing, bounds it) plus its output limit. Costs
 *       nothing to compute: no tokenizer, no parse beyond the top-level fields. It overstates a prompt several
 *       times (about four bytes per token of English, plus the JSON around it).</li>
 *   <li>{@link #precise}: the prompt counted the way the gateway meters a request whose provider reports no usage
 *       ({@link TokenCounter#countPrompt} for chat and {@code /v1/messages}, the text of {@code input} and
 *       {@code prompt} otherwise) plus the same output limit; never more than the cheap bound. It needs the whole
 *       body as a tree and the model's vocabulary, so the gateway computes it only when the cheap bound would
 *       refuse.</li>
 * </ul>
 * For OpenAI's model families the count is OpenAI's own recipe with the model's own vocabulary; for other families
 * (Claude, Gemini, Llama…) it is cl100k_base's count, an approximation of their tokenizers (see {@link TokenCounter}).
 */
public final class CostEstimate {
    private CostEstimate() {}

    /**
     * Characters per output token assumed for models billed per character: the output limit is in tokens, so its
     * characters can only be estimated (English averages about 4 characters per token, and white space is not
     * billed). The input side needs no estimate: a character is at least one byte of the body.
     */
    static final long CHARACTERS_PER_OUTPUT_TOKEN = 4;

    /**
     * The cheap bound, in micro-USD: {@code bodyBytes} prompt tokens (or characters) plus {@code outputTokens} (or
     * {@link #CHARACTERS_PER_OUTPUT_TOKEN} characters each).
     */
    public static OptionalLong cheap(GatewayConfig.Prices prices, long bodyBytes, long outputTokens) {
        return CostCalculator.costMicros(prices, new TokenUsage(bodyBytes, outputTokens, 0, 0),
                new Characters(bodyBytes, outputCharacters(outputTokens)));
    }

    private static long outputCharacters(long outputTokens) {
        return outputTokens > Long.MAX_VALUE / CHARACTERS_PER_OUTPUT_TOKEN ? Long.MAX_VALUE
                : outputTokens * CHARACTERS_PER_OUTPUT_TOKEN;
    }

    /**
     * The precise estimate, in micro-USD: the counted prompt plus {@code outputTokens}, at most {@code cheapMicros}.
     */
    public static OptionalLong precise(GatewayConfig.Prices prices, Operation operation, JsonNode body, TokenCounter counter,
            long outputTokens, long cheapMicros) {
        OptionalLong c = CostCalculator.costMicros(prices, new TokenUsage(promptTokens(operation, body, counter),
                outputTokens, 0, 0), new Characters(Characters.ofRequest(operation, body), outputCharacters(outputTokens)));
        return c.isPresent() ? OptionalLong.of(Math.min(c.getAsLong(), cheapMicros)) : c;
    }

    /**
     * The prompt's tokens as the gateway's metering counts them: chat (both dialects) by OpenAI's recipe; completions
     * and embeddings by the text of {@code input} (its JSON, as metering counts it) and {@code prompt} (a string as
     * is; a list of strings or of token ids by its JSON, which has at least a token per string or id).
     */
    public static long promptTokens(Operation operation, JsonNode body, TokenCounter counter) {
        if (operation == Operation.CHAT) {
            return counter.countPrompt(body);
        }
        JsonNode prompt = body.path("prompt");
        return counter.countText(body.path("input").toString() + (prompt.isTextual() ? prompt.asText()
                : prompt.isMissingNode() || prompt.isNull() ? "" : prompt.toString()));
    }
}
