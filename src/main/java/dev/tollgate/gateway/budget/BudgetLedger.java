package dev.tollgate.gateway.budget;

import io.vertx.core.Future;
import java.util.List;

/**
 * Spend per budget and period, in integer micro-USD. A request first reserves its maximum cost on every budget
 * that binds it (all or nothing), then settles: the reservation is released and the real cost added. So spend
 * can only pass a limit by what was reserved in flight, and since a reservation is a request's maximum cost,
 * spend never passes the limit at all. {@link InMemoryBudgetLedger} serves one replica; {@link RedisBudgetLedger}
 * makes it exact across replicas.
 */
public interface BudgetLedger {
    /** One budget's share of a request: which budget, which period (its start), its limit, and the amount. */
    record Charge(String budgetId, long periodStartMillis, long limitMicros, long amountMicros) {}

    /** The state of one budget after a decision. */
    record Balance(String budgetId, long spentMicros, long reservedMicros, long limitMicros) {}

    /** @param refused the charge that did not fit, or null when every charge was reserved */
    record Reservation(Charge refused, List<Balance> balances) {
        public boolean granted() {
            return refused == null;
        }
    }

    Future<Reservation> reserve(List<Charge> charges);

    /** Releases the reservations and adds the real cost to every budget charged. */
    Future<Void> settle(List<Charge> charges, long actualMicros);

    /** Spend so far in the given period (settled only), for status and tests. */
    Future<Long> spent(String budgetId, long periodStartMillis);
}
