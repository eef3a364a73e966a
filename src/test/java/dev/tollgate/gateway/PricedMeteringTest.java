package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LlmModelSpec;
import dev.tollgate.api.v1alpha1.Pricing;
import dev.tollgate.api.v1alpha1.PricingTier;
import dev.tollgate.config.Checks;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.PriceCatalogue;
import dev.tollgate.gateway.cost.Characters;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.ext.web.RoutingContext;
import java.lang.reflect.Proxy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Metering prices a request by the model's units: characters for a character-priced model (the request's text and the
 * answer the bridge collected), the prompt's tier for a tiered one; and LlmModel.spec.pricing renders both.
 */
class PricedMeteringTest {
    static RequestContext answered(GatewayConfig.Prices prices, String question, String answer, TokenUsage usage) {
        RoutingContext rc = (RoutingContext) Proxy.newProxyInstance(PricedMeteringTest.class.getClassLoader(),
                new Class<?>[] {RoutingContext.class}, (proxy, method, args) -> null);
        RequestContext ctx = new RequestContext(rc, "req-1", WireFormat.OPENAI, Operation.CHAT, null);
        ctx.deployment = new GatewayConfig.Model("ns/m", "m", "palm", "text-bison-001", null, null, null, null, prices,
                null, null, 1, 1_000, null, null, "reject", null);
        ObjectNode body = Json.object();
        body.put("model", "m").putArray("messages").addObject().put("role", "user").put("content", question);
        ctx.body = JsonBody.of(body);
        ctx.status = 200;
        ctx.usage = usage;
        ctx.answerText.append(answer);
        return ctx;
    }

    @Test
    void aCharacterPricedAnswerCostsItsCharacters() {
        GatewayConfig.Prices bison = PriceCatalogue.bundled().find("palm", "text-bison-001").orElseThrow();
        // 0.50 USD per million characters; the tokens of the usage are not priced
        RequestContext ctx = answered(bison, "Write a story.", "Once upon a time, a fox.", new TokenUsage(9, 8, 0, 0));
        assertThat(Characters.count("Write a story.")).isEqualTo(12);
        assertThat(Characters.count("Once upon a time, a fox.")).isEqualTo(19);
        assertThat(Metering.cost(ctx)).hasValue(16L); // (12 + 19) × 0.5 = 15.5 → 16
    }

    @Test
    void aTieredModelPaysTheTierOfItsPrompt() {
        GatewayConfig.Prices pro = PriceCatalogue.bundled().find("gemini", "gemini-2.5-pro").orElseThrow();
        assertThat(Metering.cost(answered(pro, "q", "a", new TokenUsage(200_000, 100, 0, 0)))).hasValue(251_000L);
        assertThat(Metering.cost(answered(pro, "q", "a", new TokenUsage(300_000, 100, 0, 0)))).hasValue(751_500L);
    }

    @Test
    void specPricingRendersTiersAndCharacterPrices() {
        LlmModel m = new LlmModel();
        m.setSpec(new LlmModelSpec());
        Pricing p = new Pricing("1.25", "10.00");
        p.setTiers(List.of(new PricingTier(200_000, "2.50", "15.00")));
        p.setInputPerMillionCharacters("0.50");
        m.getSpec().setPricing(p);
        GatewayConfig.Prices prices = Checks.prices(m).value();
        assertThat(prices.tiers()).containsExactly(new GatewayConfig.Tier(200_000, 2_500_000L, 15_000_000L, null));
        assertThat(prices.inputMicrosPerMillionCharacters()).isEqualTo(500_000L);
        assertThat(prices.source()).isEqualTo("spec");

        p.setInputPerMillionCharacters(null);
        p.setTiers(List.of(new PricingTier(10, "2.00", null), new PricingTier(10, "3.00", null)));
        assertThat(Checks.prices(m).ok()).isFalse();
        assertThat(Checks.prices(m).problem().message()).contains("ascending");
    }
}
