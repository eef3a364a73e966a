package dev.tollgate.gateway.budget;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Exact budgets for one replica: all decisions under one lock (a few additions per request). */
public final class InMemoryBudgetLedger implements BudgetLedger {
    /** One budget's period. A record, not a concatenated string: the slot is looked up several times per request. */
    private record Slot(String budgetId, long periodStartMillis) {}

    /** spent, reserved */
    private final Map<Slot, long[]> slots = new HashMap<>();

    @Override
    public synchronized Future<Reservation> reserve(List<Charge> charges) {
        Charge refused = null;
        for (Charge c : charges) {
            long[] s = slot(c);
            if (s[0] + s[1] + c.amountMicros() > c.limitMicros() && refused == null) {
                refused = c;
            }
        }
        if (refused == null) {
            for (Charge c : charges) {
                slot(c)[1] += c.amountMicros();
            }
        }
        List<Balance> balances = new ArrayList<>(charges.size());
        for (Charge c : charges) {
            long[] s = slot(c);
            balances.add(new Balance(c.budgetId(), s[0], s[1], c.limitMicros()));
        }
        return Future.succeededFuture(new Reservation(refused, balances));
    }

    @Override
    public synchronized Future<Void> settle(List<Charge> charges, long actualMicros) {
        for (Charge c : charges) {
            long[] s = slot(c);
            s[1] = Math.max(0, s[1] - c.amountMicros());
            s[0] += actualMicros;
        }
        return Future.succeededFuture();
    }

    @Override
    public synchronized Future<Long> spent(String budgetId, long periodStartMillis) {
        long[] s = slots.get(new Slot(budgetId, periodStartMillis));
        return Future.succeededFuture(s == null ? 0L : s[0]);
    }

    private long[] slot(Charge c) {
        return slots.computeIfAbsent(new Slot(c.budgetId(), c.periodStartMillis()), k -> new long[2]);
    }
}
