package dev.tollgate.config;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
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
        ZonedDateTime local = now.atZone(zone);
        ZonedDateTime midnight = local.truncatedTo(ChronoUnit.DAYS);
        return switch (period == null ? "monthly" : period) {
            case "daily" -> new Window(midnight.toInstant(), midnight.plusDays(1).toInstant());
            case "weekly" -> {
                ZonedDateTime monday = midnight.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
                yield new Window(monday.toInstant(), monday.plusWeeks(1).toInstant());
            }
            case "monthly" -> {
                ZonedDateTime first = midnight.withDayOfMonth(1);
                yield new Window(first.toInstant(), first.plusMonths(1).toInstant());
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
}
