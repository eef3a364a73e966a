package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpendSeedTest {
    static final SpendSeed SEED = new SpendSeed("ai/llm", List.of(
            new SpendSeed.Slot("team/b", "2026-11-24T00:00:00Z", "2026-11-25T00:00:00Z", 18_000,
                    Map.of("inc-b", 5_000L, "inc-a", 9_000L)),
            new SpendSeed.Slot("team/c", "2026-11-01T00:00:00Z", null, 7, Map.of())));

    @Test
    void roundTripsAsCanonicalJson() throws IOException {
        String json = SEED.toJson();
        assertThat(json).startsWith("{\"schema\":\"tollgate.dev/spend-seed/v1\",\"gateway\":\"ai/llm\",\"budgets\":[")
                .contains("\"incarnations\":{\"inc-a\":9000,\"inc-b\":5000}") // sorted: equal seeds, equal bytes
                .doesNotContain("periodStartMillis").doesNotContain("null");
        SpendSeed back = SpendSeed.read(json);
        assertThat(back).isEqualTo(SEED);
        assertThat(back.toJson()).isEqualTo(json);
    }

    @Test
    void readsTolerantlyButRefusesAnotherSchema() throws IOException {
        SpendSeed newer = SpendSeed.read("""
                {"schema":"tollgate.dev/spend-seed/v1","gateway":"ai/llm","writtenBy":"a newer operator",
                 "budgets":[{"budget":"team/b","periodStart":"2026-11-24T00:00:00Z","spendMicros":5,"currency":"USD"}]}""");
        assertThat(newer.budgets()).singleElement().satisfies(s -> {
            assertThat(s.spendMicros()).isEqualTo(5);
            assertThat(s.incarnations()).isEmpty();
            assertThat(s.periodEnd()).isNull();
        });
        assertThat(SpendSeed.read("{\"schema\":\"tollgate.dev/spend-seed/v1\"}").budgets()).isEmpty();
        assertThatThrownBy(() -> SpendSeed.read("{\"schema\":\"tollgate.dev/spend-seed/v2\",\"budgets\":[]}"))
                .hasMessageContaining("unsupported spend seed schema 'tollgate.dev/spend-seed/v2'");
        assertThatThrownBy(() -> SpendSeed.read("{\"schema\":\"tollgate.dev/spend-seed/v1\",\"budgets\":[{\"budget\":\"b\","
                + "\"periodStart\":\"yesterday\",\"spendMicros\":1}]}")).hasMessageContaining("budget b");
    }

    @Test
    void othersSpendIsTheWholeLessOnesOwnPartNeverBelowZero() {
        SpendSeed.Slot s = SEED.budgets().get(0);
        assertThat(s.spentByOthers("inc-a")).isEqualTo(9_000);
        assertThat(s.spentByOthers("inc-new")).isEqualTo(18_000);
        assertThat(new SpendSeed.Slot("b", "2026-11-24T00:00:00Z", null, 10, Map.of("x", 25L)).spentByOthers("x")).isZero();
        assertThat(s.periodStartMillis()).isEqualTo(Instant.parse("2026-11-24T00:00:00Z").toEpochMilli());
        assertThat(s.endedAt(Instant.parse("2026-11-24T23:59:59Z"))).isFalse();
        assertThat(s.endedAt(Instant.parse("2026-11-25T00:00:00Z"))).isTrue();
        assertThat(SEED.budgets().get(1).endedAt(Instant.parse("2099-01-01T00:00:00Z"))).as("end unknown").isFalse();
    }
}
