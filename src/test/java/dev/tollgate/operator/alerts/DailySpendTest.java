package dev.tollgate.operator.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The daily spend report: when it is due, and what one namespace's message holds. */
class DailySpendTest {
    static final AlertRules.Daily AT_NINE_BERLIN = new AlertRules.Daily(LocalTime.of(9, 0), ZoneId.of("Europe/Berlin"));

    @Test
    void dueAtTheTimeOfDayInItsZoneOnceTheBaselineIsOlder() {
        // 09:00 in Berlin in December is 08:00 UTC
        var baseline = new DailySpend.Totals(Instant.parse("2026-12-04T08:00:00Z"), Map.of());
        assertThat(DailySpend.dueAt(Instant.parse("2026-12-05T07:00:00Z"), AT_NINE_BERLIN))
                .isEqualTo(Instant.parse("2026-12-05T08:00:00Z"));
        assertThat(DailySpend.due(Instant.parse("2026-12-05T07:59:59Z"), AT_NINE_BERLIN, baseline)).isFalse();
        assertThat(DailySpend.due(Instant.parse("2026-12-05T08:00:00Z"), AT_NINE_BERLIN, baseline)).isTrue();
        // the report was made (the baseline moved to its time): not due again that day
        var after = new DailySpend.Totals(Instant.parse("2026-12-05T08:00:05Z"), Map.of());
        assertThat(DailySpend.due(Instant.parse("2026-12-05T20:00:00Z"), AT_NINE_BERLIN, after)).isFalse();
        assertThat(DailySpend.due(Instant.parse("2026-12-06T08:00:00Z"), AT_NINE_BERLIN, after)).isTrue();
        // no baseline yet: nothing to compare with, not due
        assertThat(DailySpend.due(Instant.parse("2026-12-06T08:00:00Z"), AT_NINE_BERLIN, null)).isFalse();
        // lines round-trip (spend only)
        var t = new DailySpend.Totals(Instant.parse("2026-12-05T08:00:05Z"), Map.of("VirtualKey/a/k", 120L, "LlmModel/a/m", 0L));
        assertThat(DailySpend.Totals.parse(t.format())).isEqualTo(new DailySpend.Totals(t.at(), Map.of("VirtualKey/a/k", 120L)));
        assertThat(DailySpend.Totals.parse("garbage")).isNull();
    }

    @Test
    void aBaselineOfTooManyKeysKeepsTheNamespacesSumsAndTheReportItsTotal() {
        Map<String, Long> then = new java.util.HashMap<>();
        Map<String, Long> now = new java.util.HashMap<>();
        long sumThen = 0;
        long sumNow = 0;
        for (int i = 0; i < 30_000; i++) { // some 1.5 MB of lines: more than a ConfigMap holds
            String k = "VirtualKey/team-a/key-with-a-rather-long-name-" + i;
            then.put(k, 1_000_000L + i);
            now.put(k, 1_000_000L + i + (i < 3 ? 1_000_000L : 0));
            sumThen += 1_000_000L + i;
            sumNow += 1_000_000L + i + (i < 3 ? 1_000_000L : 0);
        }
        then.put("Namespace/team-a", sumThen);
        now.put("Namespace/team-a", sumNow);
        then.put("LlmModel/team-a/gpt", 5_000_000L);
        now.put("LlmModel/team-a/gpt", 8_000_000L);
        String lines = new DailySpend.Totals(Instant.parse("2026-12-04T08:00:00Z"), then).format();
        assertThat(lines.length()).isLessThanOrEqualTo(DailySpend.MAX_CHARS);
        DailySpend.Totals baseline = DailySpend.Totals.parse(lines);
        assertThat(baseline.keysOmitted()).isTrue();
        assertThat(baseline.micros()).containsEntry("Namespace/team-a", sumThen).containsEntry("LlmModel/team-a/gpt", 5_000_000L)
                .doesNotContainKey("VirtualKey/team-a/key-with-a-rather-long-name-0");
        AlertEvent r = DailySpend.reports("platform/llm", AT_NINE_BERLIN, List.of("team-a"), baseline,
                new DailySpend.Totals(Instant.parse("2026-12-05T08:00:10Z"), now), List.of()).get(0);
        assertThat(r.details()).containsEntry("total", "3.00").containsEntry("model gpt", "3.00")
                .noneSatisfy((k, v) -> assertThat(k).startsWith("key "));
        assertThat(r.summary()).isEqualTo("Spend in namespace team-a on 2026-12-04 (Europe/Berlin): 3.00 USD");
        // a small baseline keeps every key
        assertThat(DailySpend.Totals.parse(new DailySpend.Totals(Instant.parse("2026-12-04T08:00:00Z"),
                Map.of("VirtualKey/a/k", 1L)).format()).keysOmitted()).isFalse();
    }

    @Test
    void oneMessagePerNamespaceWithItsKeysModelsAndBudgets() {
        var baseline = new DailySpend.Totals(Instant.parse("2026-12-04T08:00:00Z"), Map.of(
                "VirtualKey/team-a/ci", 1_000_000L, "VirtualKey/team-a/web", 500_000L, "LlmModel/team-a/gpt", 1_500_000L));
        var now = new DailySpend.Totals(Instant.parse("2026-12-05T08:00:10Z"), Map.of(
                "VirtualKey/team-a/ci", 3_250_000L, "VirtualKey/team-a/web", 500_000L, "VirtualKey/team-a/new", 10_000L,
                "LlmModel/team-a/gpt", 3_760_000L, "VirtualKey/team-b/x", 7_000_000L));
        var budget = new AlertRules.BudgetView("team-a/monthly", false, false, "2026-12-01T00:00:00Z",
                "2027-01-01T00:00:00Z", "12.34", "100.00", 80, "monthly");
        List<AlertEvent> reports = DailySpend.reports("platform/llm", AT_NINE_BERLIN, List.of("team-b", "team-a", "team-c"),
                baseline, now, List.of(budget));
        assertThat(reports).extracting(AlertEvent::resource).containsExactly("Namespace/team-a", "Namespace/team-b",
                "Namespace/team-c");
        AlertEvent a = reports.get(0);
        assertThat(a.event()).isEqualTo("DailySpendReport");
        assertThat(a.severity()).isEqualTo("info");
        assertThat(a.identity()).isEqualTo("DailySpendReport/team-a/2026-12-04");
        assertThat(a.summary()).isEqualTo("Spend in namespace team-a on 2026-12-04 (Europe/Berlin): 2.26 USD over 2 keys");
        assertThat(a.details()).containsEntry("key ci", "2.25").containsEntry("key new", "0.01")
                .doesNotContainKey("key web").containsEntry("model gpt", "2.26").containsEntry("total", "2.26")
                .containsEntry("budget monthly", "12.34 of 100.00 USD this monthly period (since 2026-12-01T00:00:00Z)")
                .containsEntry("from", "2026-12-04T08:00:00Z").containsEntry("to", "2026-12-05T08:00:10Z")
                .containsEntry("day", "2026-12-04");
        assertThat(reports.get(1).details()).containsEntry("key x", "7.00").containsEntry("total", "7.00");
        assertThat(reports.get(2).summary()).contains(": 0.00 USD over 0 keys");
        assertThat(a.keepUntil()).isEqualTo(Instant.parse("2026-12-07T08:00:00Z"));
    }
}
