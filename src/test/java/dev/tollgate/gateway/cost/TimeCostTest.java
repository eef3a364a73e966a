package dev.tollgate.gateway.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.GatewayConfig;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Compute time priced per second (Replicate's metrics.predict_time): exact, rounded once, unknown is not zero. */
class TimeCostTest {
    static GatewayConfig.Prices perSecond(Long micros) {
        return new GatewayConfig.Prices(1L, 2L, null, null, null, micros, "spec");
    }

    @Test
    void secondsTimesThePriceRoundedHalfUpOnce() {
        assertThat(CostCalculator.timeCostMicros(perSecond(1_400L), new BigDecimal("2.345678"))).hasValue(3_284);
        assertThat(CostCalculator.timeCostMicros(perSecond(225L), new BigDecimal("0.002"))).hasValue(0); // 0.45 µ
        assertThat(CostCalculator.timeCostMicros(perSecond(225L), new BigDecimal("0.00223"))).hasValue(1); // 0.50175 µ
        assertThat(CostCalculator.timeCostMicros(perSecond(1L), new BigDecimal("0.5"))).hasValue(1); // half up
        assertThat(CostCalculator.timeCostMicros(perSecond(5_600L), new BigDecimal("3600"))).hasValue(20_160_000);
        assertThat(CostCalculator.timeCostMicros(perSecond(1_400L), new BigDecimal("1E+1"))).hasValue(14_000);
    }

    @Test
    void noTimeCostsNothingAndAnUnknownPriceIsUnknown() {
        assertThat(CostCalculator.timeCostMicros(perSecond(null), BigDecimal.ZERO)).hasValue(0);
        assertThat(CostCalculator.timeCostMicros(perSecond(null), BigDecimal.ONE)).isEmpty();
        assertThat(CostCalculator.timeCostMicros(null, BigDecimal.ONE)).isEmpty();
        assertThatThrownBy(() -> CostCalculator.timeCostMicros(perSecond(1L), new BigDecimal("-1")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
