package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class MoneyTest {

    @ParameterizedTest(name = "\"{0}\" USD = {1} micros")
    @CsvSource({
            "0, 0",
            "25, 25000000",
            "25.00, 25000000",
            "25.5, 25500000",
            "2.50, 2500000",
            "0.15, 150000",
            "0.000150, 150",
            "0.000001, 1",
            "1.234567, 1234567",
            "000012.3, 12300000",
    })
    void parsesDecimalStringsIntoMicros(String usd, long micros) {
        assertThat(Money.parseMicros(usd)).isEqualTo(micros);
    }

    @Test
    void largestAmountIsExactWhereADoubleWouldRound() {
        // 12 integer digits + 6 decimals = 18 significant digits, beyond a double's 15-17.
        long micros = Money.parseMicros("999999999999.999999");
        assertThat(micros).isEqualTo(999_999_999_999_999_999L);
        assertThat((long) (Double.parseDouble("999999999999.999999") * 1_000_000)).isNotEqualTo(micros);
    }

    @ParameterizedTest(name = "rejects \"{0}\"")
    @NullAndEmptySource
    @ValueSource(strings = {"-1", "+1", "1.", ".5", "1.1234567", "1e3", "1,50", "abc", " 1", "1 ", "$5",
            "1234567890123", "NaN", "Infinity", "0x10"})
    void rejectsAnythingButAPlainDecimalWithAtMostSixDecimals(String bad) {
        assertThatThrownBy(() -> Money.parseMicros(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + bad + "' is not a USD amount")
                .hasMessageContaining("at most 6 decimals")
                .hasMessageContaining("\"25.00\"");
    }

    @ParameterizedTest(name = "{0} micros -> \"{1}\"")
    @CsvSource({
            "0, 0.00",
            "1, 0.000001",
            "150, 0.00015",
            "150000, 0.15",
            "2500000, 2.50",
            "2550000, 2.55",
            "2555000, 2.555",
            "1234567, 1.234567",
            "25000000, 25.00",
            "1000000000, 1000.00",
            "999999999999999999, 999999999999.999999",
    })
    void formatsMicrosWithAtLeastTwoDecimalsAndNoTrailingZerosBeyond(long micros, String usd) {
        assertThat(Money.format(micros)).isEqualTo(usd);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 10, 150, 999_999, 1_000_000, 1_000_001, 25_000_000, 123_456_789_012L,
            999_999_999_999_999_999L})
    void formatThenParseIsTheIdentity(long micros) {
        assertThat(Money.parseMicros(Money.format(micros))).isEqualTo(micros);
    }
    @Test
    void formatAgreesWithBigDecimalFormatting() {
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 50_000; i++) {
            long micros = switch (i % 3) {
                case 0 -> random.nextLong() & Long.MAX_VALUE;
                case 1 -> random.nextInt(100_000_000) * (long) Math.pow(10, random.nextInt(6));
                default -> -(random.nextLong() & Long.MAX_VALUE) / (1 + random.nextInt(1000));
            };
            java.math.BigDecimal usd = java.math.BigDecimal.valueOf(micros, 6).stripTrailingZeros();
            String expected = (usd.scale() < 2 ? usd.setScale(2) : usd).toPlainString();
            assertThat(Money.format(micros)).as("%d", micros).isEqualTo(expected);
        }
    }
}
