package dev.tollgate.gateway.budget;

import dev.tollgate.gateway.budget.BudgetLedger.Charge;
import dev.tollgate.gateway.budget.BudgetLedger.Reservation;
import io.vertx.core.Future;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What happens when a request's cheap bound did not fit its budget: the request is never refused on that bound.
 * Its cost is estimated precisely ({@link CostEstimate#precise}) and that estimate is reserved instead, in one
 * atomic ledger call as every reservation (so spend still never passes the limit, however many requests race).
 *
 * <p>When the precise estimate would fit the budget's settled spend but not the reservations in flight (other
 * requests' maximum costs, which they will mostly not spend), the request waits for them to settle: it tries again
 * after 5 ms, then twice as long each time up to 100 ms, for at most {@code waitMillis}. Only then, or when even
 * the settled spend leaves too little, is it refused. Nothing here runs for a request whose cheap bound fit.
 */
final class PreciseReservation {
    static final long FIRST_RETRY_MILLIS = 5;
    static final long MAX_RETRY_MILLIS = 100;

    /** A future completed after the given delay (a Vert.x timer on the request's own context). */
    @FunctionalInterface
    interface Timer {
        Future<Void> after(long millis);
    }

    /** What was asked of the ledger last, and its answer. */
    record Outcome(List<Charge> charges, Reservation reservation) {}

    private final LongSupplier nanoTime;
    private final Timer timer;
    private final long waitMillis;

    PreciseReservation(LongSupplier nanoTime, Timer timer, long waitMillis) {
        this.nanoTime = nanoTime;
        this.timer = timer;
        this.waitMillis = waitMillis;
    }

    /**
     * @param cheap     the charges of the cheap bound, which the ledger refused
     * @param refusal   the ledger's answer to them
     * @param precise   the precise estimate in micro-USD (empty when there is none better, e.g. images)
     * @param chargesAt the request's charges for another amount
     */
    Future<Outcome> afterCheapRefusal(BudgetLedger ledger, List<Charge> cheap, Reservation refusal,
            Supplier<Future<OptionalLong>> precise, LongFunction<List<Charge>> chargesAt) {
        long cheapMicros = cheap.get(0).amountMicros();
        return precise.get().compose(p -> {
            if (p.isEmpty() || p.getAsLong() >= cheapMicros) {
                return Future.succeededFuture(new Outcome(cheap, refusal));
            }
            return attempt(ledger, chargesAt.apply(p.getAsLong()), nanoTime.getAsLong() + waitMillis * 1_000_000L,
                    FIRST_RETRY_MILLIS);
        });
    }

    private Future<Outcome> attempt(BudgetLedger ledger, List<Charge> charges, long deadline, long delay) {
        return ledger.reserve(charges).compose(r -> {
            if (r.granted() || !heldByRequestsInFlight(r) || nanoTime.getAsLong() - deadline >= 0) {
                return Future.succeededFuture(new Outcome(charges, r));
            }
            return timer.after(delay).compose(v -> attempt(ledger, charges, deadline, Math.min(2 * delay, MAX_RETRY_MILLIS)));
        });
    }

    /** The refused charge fits the settled spend: only reservations in flight keep it out. */
    static boolean heldByRequestsInFlight(Reservation r) {
        Charge c = r.refused();
        BudgetLedger.Balance b = balance(r);
        return b != null && b.reservedMicros() > 0 && b.spentMicros() + c.amountMicros() <= c.limitMicros();
    }

    /** The balance of the refused charge's budget. */
    static BudgetLedger.Balance balance(Reservation r) {
        for (BudgetLedger.Balance b : r.balances()) {
            if (b.budgetId().equals(r.refused().budgetId())) {
                return b;
            }
        }
        return null;
    }
}
