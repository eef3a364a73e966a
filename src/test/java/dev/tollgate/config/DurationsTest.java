package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({
            "0ms, 0",
            "500ms, 500",
            "0s, 0",
            "30s, 30000",
            "5m, 300000",
            "2h, 7200000",
            "1d, 86400000",
            "7d, 604800000",
            "'  10s ', 10000",
            "999999999ms, 999999999",
    })
    void parsesNumberAndUnit(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "rejects \"{0}\"")
    @NullAndEmptySource
    @ValueSource(strings = {"5", "s", "1.5s", "-1s", "5 m", "1w", "1y", "10S", "1h30m", "PT5S", "1000000000s", "ms"})
    void rejectsAnythingElseWithAUsableMessage(String bad) {
        assertThatThrownBy(() -> Durations.parse(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + bad + "' is not a duration")
                .hasMessageContaining("(ms, s, m, h, d)")
                .hasMessageContaining("e.g. 30s or 5m");
    }
}
