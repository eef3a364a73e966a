package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.BudgetPeriods.Window;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Expected boundaries are worked out by hand from the calendar and each zone's offsets, e.g. Berlin is UTC+1
 * (CET) in winter and UTC+2 (CEST) from the last Sunday of March 02:00 to the last Sunday of October 03:00.
 */
class BudgetPeriodsTest {
    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final Instant NO_ANCHOR = null;

    private static Instant at(String iso) {
        return Instant.parse(iso);
    }

    private static Window window(String start, String end) {
        return new Window(at(start), at(end));
    }

    @Nested
    class CalendarPeriodsInUtc {
        @Test
        void dailyRunsFromMidnightToMidnight() {
            assertThat(BudgetPeriods.current("daily", UTC, NO_ANCHOR, at("2025-03-15T13:45:30Z")))
                    .isEqualTo(window("2025-03-15T00:00:00Z", "2025-03-16T00:00:00Z"));
        }

        @Test
        void boundariesAreStartInclusiveEndExclusive() {
            assertThat(BudgetPeriods.current("daily", UTC, NO_ANCHOR, at("2025-03-15T23:59:59.999Z")))
                    .isEqualTo(window("2025-03-15T00:00:00Z", "2025-03-16T00:00:00Z"));
            assertThat(BudgetPeriods.current("daily", UTC, NO_ANCHOR, at("2025-03-16T00:00:00Z")))
                    .isEqualTo(window("2025-03-16T00:00:00Z", "2025-03-17T00:00:00Z"));
        }

        @Test
        void weeklyStartsOnMonday() {
            // 2025-03-15 is a Saturday; that week's Monday is the 10th.
            assertThat(BudgetPeriods.current("weekly", UTC, NO_ANCHOR, at("2025-03-15T13:00:00Z")))
                    .isEqualTo(window("2025-03-10T00:00:00Z", "2025-03-17T00:00:00Z"));
            // Sunday night still belongs to the week that began on Monday the 10th …
            assertThat(BudgetPeriods.current("weekly", UTC, NO_ANCHOR, at("2025-03-16T23:59:59Z")))
                    .isEqualTo(window("2025-03-10T00:00:00Z", "2025-03-17T00:00:00Z"));
            // … and Monday itself starts the next.
            assertThat(BudgetPeriods.current("weekly", UTC, NO_ANCHOR, at("2025-03-17T00:00:00Z")))
                    .isEqualTo(window("2025-03-17T00:00:00Z", "2025-03-24T00:00:00Z"));
        }

        @Test
        void monthlyRunsFromTheFirstToTheFirstOfTheNextMonth() {
            assertThat(BudgetPeriods.current("monthly", UTC, NO_ANCHOR, at("2025-02-14T12:00:00Z")))
                    .isEqualTo(window("2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z"));
            assertThat(BudgetPeriods.current("monthly", UTC, NO_ANCHOR, at("2024-02-29T23:59:59Z")))
                    .isEqualTo(window("2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"));
            assertThat(BudgetPeriods.current("monthly", UTC, NO_ANCHOR, at("2025-12-31T23:00:00Z")))
                    .isEqualTo(window("2025-12-01T00:00:00Z", "2026-01-01T00:00:00Z"));
        }

        @Test
        void noPeriodMeansMonthly() {
            assertThat(BudgetPeriods.current(null, UTC, NO_ANCHOR, at("2025-07-04T09:00:00Z")))
                    .isEqualTo(window("2025-07-01T00:00:00Z", "2025-08-01T00:00:00Z"));
        }
    }

    @Nested
    class CalendarPeriodsInATimeZone {
        @Test
        void dailyFollowsTheLocalDateNotTheUtcDate() {
            // 03:00 UTC on the 15th is 22:00 on the 14th in New York (UTC-5 in January).
            assertThat(BudgetPeriods.current("daily", ZoneId.of("America/New_York"), NO_ANCHOR, at("2025-01-15T03:00:00Z")))
                    .isEqualTo(window("2025-01-14T05:00:00Z", "2025-01-15T05:00:00Z"));
        }

        @Test
        void monthlyInAHalfHourZone() {
            // 20:00 UTC on 31 May is 01:30 on 1 June in Kolkata (UTC+5:30).
            assertThat(BudgetPeriods.current("monthly", ZoneId.of("Asia/Kolkata"), NO_ANCHOR, at("2025-05-31T20:00:00Z")))
                    .isEqualTo(window("2025-05-31T18:30:00Z", "2025-06-30T18:30:00Z"));
        }

        @Test
        void berlinDayOfTheSpringChangeLasts23Hours() {
            // Sunday 30 March 2025: starts at 00:00 CET (+1), ends at 00:00 CEST (+2) on the 31st.
            Window w = BudgetPeriods.current("daily", BERLIN, NO_ANCHOR, at("2025-03-30T12:00:00Z"));
            assertThat(w).isEqualTo(window("2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z"));
            assertThat(Duration.between(w.start(), w.end())).isEqualTo(Duration.ofHours(23));
        }

        @Test
        void berlinDayOfTheAutumnChangeLasts25Hours() {
            // Sunday 26 October 2025: starts at 00:00 CEST (+2), ends at 00:00 CET (+1) on the 27th.
            Window w = BudgetPeriods.current("daily", BERLIN, NO_ANCHOR, at("2025-10-26T12:00:00Z"));
            assertThat(w).isEqualTo(window("2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z"));
            assertThat(Duration.between(w.start(), w.end())).isEqualTo(Duration.ofHours(25));
        }

        @Test
        void bothPassesThroughTheRepeatedAutumnHourAreTheSameDay() {
            Window expected = window("2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z");
            assertThat(BudgetPeriods.current("daily", BERLIN, NO_ANCHOR, at("2025-10-26T00:30:00Z"))) // 02:30 CEST
                    .isEqualTo(expected);
            assertThat(BudgetPeriods.current("daily", BERLIN, NO_ANCHOR, at("2025-10-26T01:30:00Z"))) // 02:30 CET
                    .isEqualTo(expected);
        }

        @Test
        void berlinWeeksAcrossTheChangesLast167And169Hours() {
            Window spring = BudgetPeriods.current("weekly", BERLIN, NO_ANCHOR, at("2025-03-30T12:00:00Z"));
            assertThat(spring).isEqualTo(window("2025-03-23T23:00:00Z", "2025-03-30T22:00:00Z"));
            assertThat(Duration.between(spring.start(), spring.end())).isEqualTo(Duration.ofHours(167));

            Window autumn = BudgetPeriods.current("weekly", BERLIN, NO_ANCHOR, at("2025-10-26T12:00:00Z"));
            assertThat(autumn).isEqualTo(window("2025-10-19T22:00:00Z", "2025-10-26T23:00:00Z"));
            assertThat(Duration.between(autumn.start(), autumn.end())).isEqualTo(Duration.ofHours(169));
        }

        @Test
        void berlinMonthsStartAtLocalMidnightWhicheverOffsetApplies() {
            // March 2025 starts in CET and ends in CEST.
            assertThat(BudgetPeriods.current("monthly", BERLIN, NO_ANCHOR, at("2025-03-31T21:59:59Z")))
                    .isEqualTo(window("2025-02-28T23:00:00Z", "2025-03-31T22:00:00Z"));
            assertThat(BudgetPeriods.current("monthly", BERLIN, NO_ANCHOR, at("2025-03-31T22:00:00Z")))
                    .isEqualTo(window("2025-03-31T22:00:00Z", "2025-04-30T22:00:00Z"));
            // October 2025 starts in CEST and ends in CET; 23:30 on the 31st is still October.
            assertThat(BudgetPeriods.current("monthly", BERLIN, NO_ANCHOR, at("2025-10-31T22:30:00Z")))
                    .isEqualTo(window("2025-09-30T22:00:00Z", "2025-10-31T23:00:00Z"));
        }

        /*
         * Chile moves its clocks from 00:00 (-4) to 01:00 (-3) on Sunday 8 September 2024: that day has no
         * midnight and begins at 01:00 -3 = 04:00Z. The day, week and month around it still end at the next
         * local midnight, which exists.
         */
        @Test
        void santiagoDayWithoutAMidnightEndsAtTheNextMidnight() {
            assertThat(BudgetPeriods.current("daily", ZoneId.of("America/Santiago"), NO_ANCHOR, at("2024-09-08T15:00:00Z")))
                    .isEqualTo(window("2024-09-08T04:00:00Z", "2024-09-09T03:00:00Z"));
        }

        @Test
        void santiagoWeekAndMonthStartAtMidnightEvenWhenTodayHasNone() {
            ZoneId santiago = ZoneId.of("America/Santiago");
            // Monday 2 September 00:00 -4 … Monday 9 September 00:00 -3
            assertThat(BudgetPeriods.current("weekly", santiago, NO_ANCHOR, at("2024-09-08T15:00:00Z")))
                    .isEqualTo(window("2024-09-02T04:00:00Z", "2024-09-09T03:00:00Z"));
            // 1 September 00:00 -4 … 1 October 00:00 -3
            assertThat(BudgetPeriods.current("monthly", santiago, NO_ANCHOR, at("2024-09-08T15:00:00Z")))
                    .isEqualTo(window("2024-09-01T04:00:00Z", "2024-10-01T03:00:00Z"));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"daily", "weekly", "monthly"})
        void consecutiveWindowsTileTimeAndEachStartsALocalDay(String period) {
            List<ZoneId> zones = List.of(UTC, BERLIN, ZoneId.of("America/New_York"), ZoneId.of("America/Santiago"),
                    ZoneId.of("Africa/Cairo"), ZoneId.of("America/Havana"), ZoneId.of("Australia/Lord_Howe"),
                    ZoneId.of("Asia/Kolkata"));
            for (ZoneId zone : zones) {
                Instant t = at("2024-01-01T12:00:00Z");
                Window w = BudgetPeriods.current(period, zone, NO_ANCHOR, t);
                while (w.start().isBefore(at("2026-01-01T00:00:00Z"))) {
                    String where = zone + " " + w;
                    assertThat(w.start()).as(where).isBefore(w.end());
                    // the window holds its own first and last instant
                    assertThat(BudgetPeriods.current(period, zone, NO_ANCHOR, w.start())).as(where).isEqualTo(w);
                    assertThat(BudgetPeriods.current(period, zone, NO_ANCHOR, w.end().minusMillis(1))).as(where).isEqualTo(w);
                    // the instant before the start is on an earlier local date: the start is the first instant of a day
                    assertThat(w.start().minusMillis(1).atZone(zone).toLocalDate())
                            .as(where).isBefore(w.start().atZone(zone).toLocalDate());
                    Window next = BudgetPeriods.current(period, zone, NO_ANCHOR, w.end());
                    assertThat(next.start()).as(where).isEqualTo(w.end());
                    w = next;
                }
            }
        }
    }

    @Nested
    class RollingPeriods {
        private final Instant anchor = at("2025-01-01T00:00:00Z");

        @Test
        void windowsRunBackToBackFromTheAnchor() {
            // 53 hours after the anchor: four 12h windows have passed, the fifth began at 48h.
            assertThat(BudgetPeriods.current("12h", UTC, anchor, at("2025-01-03T05:00:00Z")))
                    .isEqualTo(window("2025-01-03T00:00:00Z", "2025-01-03T12:00:00Z"));
        }

        @Test
        void firstWindowStartsAtTheAnchorAndTheNextExactlyOneLengthLater() {
            assertThat(BudgetPeriods.current("12h", UTC, anchor, anchor))
                    .isEqualTo(window("2025-01-01T00:00:00Z", "2025-01-01T12:00:00Z"));
            assertThat(BudgetPeriods.current("12h", UTC, anchor, at("2025-01-01T11:59:59.999Z")))
                    .isEqualTo(window("2025-01-01T00:00:00Z", "2025-01-01T12:00:00Z"));
            assertThat(BudgetPeriods.current("12h", UTC, anchor, at("2025-01-01T12:00:00Z")))
                    .isEqualTo(window("2025-01-01T12:00:00Z", "2025-01-02T00:00:00Z"));
        }

        @Test
        void sevenDaysAnchoredMidMorning() {
            // 18d 22h45m after the anchor: two whole weeks, the third began on the 15th at 10:15.
            assertThat(BudgetPeriods.current("7d", UTC, at("2025-01-01T10:15:00Z"), at("2025-01-20T09:00:00Z")))
                    .isEqualTo(window("2025-01-15T10:15:00Z", "2025-01-22T10:15:00Z"));
        }

        @Test
        void minutesThatDoNotDivideAnHour() {
            // 240 minutes in: windows of 90 began at 0, 90 and 180 minutes.
            assertThat(BudgetPeriods.current("90m", UTC, anchor, at("2025-01-01T04:00:00Z")))
                    .isEqualTo(window("2025-01-01T03:00:00Z", "2025-01-01T04:30:00Z"));
        }

        @Test
        void rollingDaysAreExactly24HoursEvenAcrossADstChange() {
            assertThat(BudgetPeriods.current("1d", BERLIN, at("2025-03-29T12:00:00Z"), at("2025-03-30T13:00:00Z")))
                    .isEqualTo(window("2025-03-30T12:00:00Z", "2025-03-31T12:00:00Z"));
        }

        @Test
        void withoutAnAnchorOrWithOneInTheFutureTheWindowStartsNow() {
            Instant now = at("2025-06-01T08:30:00Z");
            assertThat(BudgetPeriods.current("12h", UTC, null, now))
                    .isEqualTo(window("2025-06-01T08:30:00Z", "2025-06-01T20:30:00Z"));
            assertThat(BudgetPeriods.current("12h", UTC, at("2025-06-02T00:00:00Z"), now))
                    .isEqualTo(window("2025-06-01T08:30:00Z", "2025-06-01T20:30:00Z"));
        }

        @Test
        void zeroLengthIsRejected() {
            assertThatThrownBy(() -> BudgetPeriods.current("0h", UTC, anchor, anchor))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("period '0h' must be longer than zero");
        }

        @Test
        void unknownPeriodIsRejectedWithTheDurationMessage() {
            assertThatThrownBy(() -> BudgetPeriods.current("fortnight", UTC, anchor, anchor))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'fortnight' is not a duration");
        }
    }
}
