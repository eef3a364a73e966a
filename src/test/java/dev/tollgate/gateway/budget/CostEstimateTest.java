package dev.tollgate.gateway.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.cost.TokenCounter;
import dev.tollgate.gateway.provider.Operation;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The cheap bound and the precise estimate of a request's maximum cost. */
class CostEstimateTest {
    /** 10 USD per million input tokens (10 micros each), 100 USD per million output tokens (100 micros each). */
    static final GatewayConfig.Prices PRICES = new GatewayConfig.Prices(10_000_000L, 100_000_000L, null, null, "spec");
    static final TokenCounter CL100K = TokenCounter.forModel("m");

    static JsonNode json(String s) {
        return Json.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    static String words(int n) {
        return "hello ".repeat(n).trim();
    }

    @Test
    void theCheapBoundPricesEveryByteOfTheBodyAsAPromptToken() {
        assertThat(CostEstimate.cheap(PRICES, 4_875, 10)).hasValue(4_875 * 10 + 10 * 100);
    }

    @Test
    void thePreciseEstimateCountsThePromptByOpenAisRecipeAndKeepsTheOutputLimit() {
        String body = "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"" + words(800) + "\"}]}";
        long bytes = body.getBytes(StandardCharsets.UTF_8).length;
        long cheap = CostEstimate.cheap(PRICES, bytes, 10).orElseThrow();
        // 3 per message + "user" + 800 words of one token each + 3 to prime the reply
        long prompt = 3 + 1 + 800 + 3;
        assertThat(CostEstimate.promptTokens(Operation.CHAT, json(body), CL100K)).isEqualTo(prompt);
        assertThat(CostEstimate.precise(PRICES, Operation.CHAT, json(body), CL100K, 10, cheap))
                .hasValue(prompt * 10 + 10 * 100);
        assertThat(cheap).as("the cheap bound overstates this prompt about six times")
                .isGreaterThan(5 * CostEstimate.precise(PRICES, Operation.CHAT, json(body), CL100K, 10, cheap).orElseThrow());
    }

    @Test
    void thePreciseEstimateIsNeverAboveTheCheapBound() {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertThat(CostEstimate.precise(PRICES, Operation.CHAT, json(body), CL100K, 0, 5)).hasValue(5);
    }

    @Test
    void anAnthropicBodyCountsItsSystemPromptAndToolBlocks() {
        String plain = "{\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}";
        String withSystem = "{\"max_tokens\":10,\"system\":\"" + words(50) + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hello world\"}]}";
        String withBlocks = "{\"max_tokens\":10,\"system\":[{\"type\":\"text\",\"text\":\"" + words(50) + "\"}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}";
        long base = CostEstimate.promptTokens(Operation.CHAT, json(plain), CL100K);
        assertThat(CostEstimate.promptTokens(Operation.CHAT, json(withSystem), CL100K)).isEqualTo(base + 50);
        assertThat(CostEstimate.promptTokens(Operation.CHAT, json(withBlocks), CL100K)).isEqualTo(base + 50);

        String toolTurn = "{\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t1\","
                + "\"name\":\"f\",\"input\":{\"city\":\"Paris\"}}]},{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"tool_result\",\"tool_use_id\":\"t1\",\"content\":\"" + words(20) + "\"}]}]}";
        long framing = 3 + CL100K.countText("assistant") + 3 + CL100K.countText("user") + 3;
        assertThat(CostEstimate.promptTokens(Operation.CHAT, json(toolTurn), CL100K))
                .isEqualTo(framing + CL100K.countText("{\"city\":\"Paris\"}") + 20);
    }

    @Test
    void completionsAndEmbeddingsCountTheirInputAsMeteringDoes() {
        assertThat(CostEstimate.promptTokens(Operation.COMPLETIONS, json("{\"prompt\":\"" + words(30) + "\"}"), CL100K))
                .isEqualTo(30);
        assertThat(CostEstimate.promptTokens(Operation.COMPLETIONS, json("{\"prompt\":[\"" + words(30) + "\",\"hello\"]}"),
                CL100K)).as("a list of prompts: every one counted").isGreaterThanOrEqualTo(31);
        assertThat(CostEstimate.promptTokens(Operation.COMPLETIONS, json("{\"prompt\":[1,2,3,4,5]}"), CL100K))
                .as("token ids: at least one token each").isGreaterThanOrEqualTo(5);
        JsonNode embed = json("{\"input\":\"" + words(30) + "\"}");
        assertThat(CostEstimate.promptTokens(Operation.EMBEDDINGS, embed, CL100K))
                .as("the input's JSON text, as metering counts a request without usage")
                .isEqualTo(CL100K.countText(embed.path("input").toString()));
    }

    @Test
    void unknownPricesGiveNoEstimate() {
        var noOutputPrice = new GatewayConfig.Prices(10_000_000L, null, null, null, "spec");
        assertThat(CostEstimate.cheap(noOutputPrice, 100, 10)).isEqualTo(OptionalLong.empty());
        assertThat(CostEstimate.precise(noOutputPrice, Operation.CHAT, json("{\"messages\":[]}"), CL100K, 10, 1_000))
                .isEqualTo(OptionalLong.empty());
    }
}
