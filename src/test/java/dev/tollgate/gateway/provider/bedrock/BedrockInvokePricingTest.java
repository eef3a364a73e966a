package dev.tollgate.gateway.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.PriceCatalogue;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.cost.CostCalculator;
import org.junit.jupiter.api.Test;

/** The catalogue prices the InvokeModel models: embeddings per input token, images per image. */
class BedrockInvokePricingTest {
    static final PriceCatalogue CAT = PriceCatalogue.bundled();

    static GatewayConfig.Prices find(String model) {
        return CAT.find("bedrock", model).orElseThrow(() -> new AssertionError("no price for " + model));
    }

    @Test
    void embeddingsArePricedPerInputToken() {
        assertThat(find("amazon.titan-embed-text-v2:0").inputMicrosPerMillion()).isEqualTo(20_000L);
        assertThat(find("us.amazon.titan-embed-text-v2:0").inputMicrosPerMillion()).isEqualTo(20_000L);
        assertThat(find("amazon.titan-embed-text-v1").inputMicrosPerMillion()).isEqualTo(100_000L);
        assertThat(find("cohere.embed-english-v3").inputMicrosPerMillion()).isEqualTo(100_000L);
        // a million input tokens of Titan v2 cost 0.02 USD
        assertThat(CostCalculator.costMicros(find("amazon.titan-embed-text-v2:0"),
                new TokenUsage(1_000_000, 0, 0, 0)).getAsLong()).isEqualTo(20_000L);
    }

    @Test
    void imagesArePricedPerImage() {
        assertThat(CostCalculator.costMicros(find("amazon.nova-canvas-v1:0"), 3).getAsLong()).isEqualTo(120_000L);
        assertThat(find("us.amazon.nova-canvas-v1:0").perImageMicros()).isEqualTo(40_000L);
        assertThat(find("amazon.titan-image-generator-v2:0").perImageMicros()).isEqualTo(10_000L);
        assertThat(find("stability.sd3-5-large-v1:0").perImageMicros()).isEqualTo(80_000L);
        assertThat(find("stability.stable-image-core-v1:1").perImageMicros()).isEqualTo(40_000L);
        assertThat(find("stability.stable-diffusion-xl-v1").perImageMicros()).isEqualTo(40_000L);
        assertThat(CAT.find("openai", "amazon.nova-canvas-v1:0")).isEmpty(); // the provider must match
    }
}
