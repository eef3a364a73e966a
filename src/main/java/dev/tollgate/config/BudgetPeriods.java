package dev.tollgate.config;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;

/**
 * Budget periods: calendar ones (daily, weekly from Monday, monthly) start at midnight in the Budget's time
 * zone; a rolling duration (e.g. 12h) runs in back-to-back windows from the Budget's creation. Pure: the
 * caller passes the clock reading, so period boundaries are testable.
 */
public final class BudgetPeriods {
    public record Window(Instant start, Instant end) {}

    private BudgetPeriods() {}

    public static Window current(String period, ZoneId zone, Instant anchor, Instant now) {
        // Work on local dates and take each boundary's start of day: in zones whose clocks skip midnight
        // (America/Santiago, Africa/Cairo …) a day starts at 01:00, and the next day again at 00:00.
        LocalDate today = now.atZone(zone).toLocalDate();
        return switch (period == null ? "monthly" : period) {
            case "daily" -> window(today, today.plusDays(1), zone);
            case "weekly" -> {
                LocalDate monday = today.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
                yield window(monday, monday.plusWeeks(1), zone);
            }
            case "monthly" -> {
                LocalDate first = today.withDayOfMonth(1);
                yield window(first, first.plusMonths(1), zone);
            }
            default -> {
                Duration length = Durations.parse(period);
                if (length.isZero() || length.isNegative()) {
                    throw new IllegalArgumentException("period '" + period + "' must be longer than zero");
                }
                Instant base = anchor == null || anchor.isAfter(now) ? now : anchor;
                long n = Duration.between(base, now).toMillis() / length.toMillis();
                Instant start = base.plusMillis(n * length.toMillis());
                yield new Window(start, start.plus(length));
            }
        };
    }

    private static Window window(LocalDate from, LocalDate to, ZoneId zone) {
        return new Window(from.atStartOfDay(zone).toInstant(), to.atStartOfDay(zone).toInstant());
    }
}
