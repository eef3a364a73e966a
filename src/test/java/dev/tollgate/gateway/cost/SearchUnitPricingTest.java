package dev.tollgate.gateway.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.PriceCatalogue;
import dev.tollgate.gateway.Json;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Reranks are priced per search unit: the calculator, the estimate of units, and the catalogue's Cohere entries. */
class SearchUnitPricingTest {
    static GatewayConfig.Prices perSearchUnit(Long micros) {
        return new GatewayConfig.Prices(null, null, null, null, null, null, micros, "spec");
    }

    @Test
    void aRerankCostsItsSearchUnitsTimesThePrice() {
        assertThat(CostCalculator.searchCostMicros(perSearchUnit(2_000L), 3)).hasValue(6_000);
        assertThat(CostCalculator.searchCostMicros(perSearchUnit(2_000L), 0)).hasValue(0);
        assertThat(CostCalculator.searchCostMicros(perSearchUnit(null), 1)).isEqualTo(OptionalLong.empty());
        assertThat(CostCalculator.searchCostMicros(null, 1)).isEqualTo(OptionalLong.empty());
        assertThatThrownBy(() -> CostCalculator.searchCostMicros(perSearchUnit(1L), -1))
                .isInstanceOf(IllegalArgumentException.class);
        // token prices say nothing about a rerank: unknown, not zero
        assertThat(CostCalculator.searchCostMicros(new GatewayConfig.Prices(1L, 1L, null, null, "spec"), 1)).isEmpty();
    }

    @Test
    void searchUnitsAreEstimatedAsOnePerStartedHundredDocuments() {
        assertThat(CostCalculator.estimatedSearchUnits(Json.parse("[\"a\"]"))).isEqualTo(1);
        assertThat(CostCalculator.estimatedSearchUnits(Json.parse("[]"))).isEqualTo(1);
        assertThat(CostCalculator.estimatedSearchUnits(null)).isEqualTo(1);
        StringBuilder docs = new StringBuilder("[\"d\"");
        for (int i = 1; i < 101; i++) {
            docs.append(",\"d\"");
        }
        assertThat(CostCalculator.estimatedSearchUnits(Json.parse(docs + "]"))).isEqualTo(2);
    }

    @Test
    void theCatalogueKnowsCoheresPrices() {
        PriceCatalogue c = PriceCatalogue.bundled();
        assertThat(c.find("cohere", "rerank-v3.5").orElseThrow().perSearchUnitMicros()).isEqualTo(2_000L);
        GatewayConfig.Prices a = c.find("cohere", "command-a-03-2025").orElseThrow();
        assertThat(a.inputMicrosPerMillion()).isEqualTo(2_500_000L);
        assertThat(a.outputMicrosPerMillion()).isEqualTo(10_000_000L);
        assertThat(c.find("cohere", "command").orElseThrow().inputMicrosPerMillion()).isEqualTo(1_000_000L);
        assertThat(c.find("cohere", "command-nightly")).isPresent();
        assertThat(c.find("cohere", "command-r")).isPresent();
        assertThat(c.find("cohere", "command-r-plus")).isPresent();
        assertThat(c.find("cohere", "embed-english-v3.0").orElseThrow().inputMicrosPerMillion()).isEqualTo(100_000L);
        assertThat(c.find("cohere", "embed-v4.0").orElseThrow().outputMicrosPerMillion()).isNull();
        assertThat(c.find("cohere", "rerank-v3.5").orElseThrow().inputMicrosPerMillion()).isNull();
    }

    @Test
    void aCatalogueEntryWithOnlyASearchUnitPriceIsValid() {
        PriceCatalogue c = PriceCatalogue.parse("{\"version\":\"2026-12-04\",\"models\":[{\"provider\":\"cohere\","
                + "\"model\":\"r\",\"perSearchUnit\":\"0.001\",\"source\":\"https://cohere.com/pricing\","
                + "\"retrieved\":\"2026-12-04\"}]}");
        assertThat(c.find("cohere", "r").orElseThrow().perSearchUnitMicros()).isEqualTo(1_000L);
    }
}
