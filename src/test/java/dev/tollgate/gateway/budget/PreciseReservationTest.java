package dev.tollgate.gateway.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.Money;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.budget.BudgetLedger.Charge;
import dev.tollgate.gateway.budget.BudgetLedger.Reservation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Never refused on the cheap bound: with an in-memory ledger, a clock and a timer of the test's own. A request
 * whose cheap bound is 40,000 micros and whose precise estimate is 9,000, under a 100,000 budget.
 */
class PreciseReservationTest {
    static final long LIMIT = 100_000;
    static final long CHEAP = 40_000;
    static final long PRECISE = 9_000;

    final InMemoryBudgetLedger ledger = new InMemoryBudgetLedger();
    final AtomicLong nanos = new AtomicLong();
    final List<Long> waits = new ArrayList<>();
    /** Runs at each wait, after the clock moved on by it. */
    Runnable duringWait = () -> {};
    final PreciseReservation.Timer timer = millis -> {
        waits.add(millis);
        nanos.addAndGet(millis * 1_000_000L);
        duringWait.run();
        return Future.succeededFuture();
    };
    final PreciseReservation reservation = new PreciseReservation(nanos::get, timer, 1_000);
    final AtomicInteger counted = new AtomicInteger();

    static List<Charge> at(long amount) {
        return List.of(new Charge("ns/b", 0, LIMIT, amount));
    }

    static <T> T now(Future<T> f) {
        assertThat(f.isComplete()).as("decided at once in memory").isTrue();
        return f.result();
    }

    /** Spend {@code micros}, settled. */
    void spend(long micros) {
        now(ledger.reserve(at(micros)));
        ledger.settle(at(micros), micros);
    }

    PreciseReservation.Outcome afterCheap(long precise) {
        Reservation cheap = now(ledger.reserve(at(CHEAP)));
        assertThat(cheap.granted()).as("the cheap bound does not fit").isFalse();
        return now(reservation.afterCheapRefusal(ledger, at(CHEAP), cheap, () -> {
            counted.incrementAndGet();
            return Future.succeededFuture(OptionalLong.of(precise));
        }, PreciseReservationTest::at));
    }

    long reserved() {
        return now(ledger.reserve(at(0))).balances().get(0).reservedMicros();
    }

    @Test
    void whatTheCheapBoundRefusesIsAdmittedOnThePreciseEstimateWhichIsReserved() {
        spend(70_000); // 30,000 left: too little for 40,000, enough for 9,000
        PreciseReservation.Outcome o = afterCheap(PRECISE);
        assertThat(o.reservation().granted()).isTrue();
        assertThat(o.charges()).isEqualTo(at(PRECISE));
        assertThat(reserved()).as("the precise estimate is what is held").isEqualTo(PRECISE);
        assertThat(waits).isEmpty();
    }

    @Test
    void whatThePreciseEstimateDoesNotFitIsRefusedAtOnceAndSaysWhy() {
        spend(95_000); // 5,000 left
        PreciseReservation.Outcome o = afterCheap(PRECISE);
        assertThat(o.reservation().granted()).isFalse();
        assertThat(o.reservation().refused().amountMicros()).isEqualTo(PRECISE);
        assertThat(waits).as("nothing in flight to wait for").isEmpty();
        assertThat(reserved()).isZero();

        ApiError e = BudgetInterceptor.refusal(o.reservation());
        assertThat(e.httpStatus()).isEqualTo(429);
        assertThat(e.code()).isEqualTo("budget_exceeded");
        assertThat(e.message()).contains("has " + Money.format(5_000) + " USD left of " + Money.format(LIMIT) + " USD")
                .contains("may cost up to " + Money.format(PRECISE) + " USD").doesNotContainPattern("\\d[eE][-+]?\\d");
    }

    @Test
    void noBetterEstimateLeavesTheCheapRefusal() {
        spend(70_000);
        PreciseReservation.Outcome none = afterCheap(CHEAP + 1); // the count is capped at the cheap bound in practice
        assertThat(none.reservation().granted()).isFalse();
        assertThat(none.charges()).isEqualTo(at(CHEAP));
        assertThat(reserved()).isZero();
    }

    @Test
    void reservationsInFlightAreWaitedForNotRefusedOn() {
        List<Charge> inFlight = at(CHEAP);
        spend(10_000);
        assertThat(now(ledger.reserve(inFlight)).granted()).isTrue();
        assertThat(now(ledger.reserve(inFlight)).granted()).isTrue(); // 90,000 held or spent: 10,000 left
        ledger.reserve(at(5_000)); // 5,000 left, with 85,000 of it held by requests in flight that will cost less
        duringWait = () -> ledger.settle(inFlight, 9_000); // one of them finishes while this request waits
        PreciseReservation.Outcome o = afterCheap(PRECISE);
        assertThat(o.reservation().granted()).isTrue();
        assertThat(waits).containsExactly(5L);
        assertThat(counted).as("counted once, however long it waits").hasValue(1);
    }

    @Test
    void requestsInFlightThatNeverFinishEndTheWaitAtItsDeadline() {
        now(ledger.reserve(at(95_000))); // in flight for good
        PreciseReservation.Outcome o = afterCheap(PRECISE);
        assertThat(o.reservation().granted()).isFalse();
        assertThat(PreciseReservation.heldByRequestsInFlight(o.reservation())).isTrue();
        assertThat(waits).as("5 ms, doubling up to 100 ms, for at most the 1,000 ms wait")
                .startsWith(5L, 10L, 20L, 40L, 80L, 100L, 100L);
        assertThat(waits.stream().mapToLong(Long::longValue).sum()).isBetween(1_000L, 1_100L);
        assertThat(BudgetInterceptor.refusal(o.reservation()).message())
                .contains("Requests in flight hold " + Money.format(95_000) + " USD");
    }
}
