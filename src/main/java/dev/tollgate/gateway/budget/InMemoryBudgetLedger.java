package dev.tollgate.gateway.budget;

import dev.tollgate.config.SpendSeed;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Exact budgets for one replica: all decisions under one lock (a few additions per request).
 *
 * <p>Spend that other gateway processes made in a period (other replicas, earlier runs of this one) comes in as a
 * {@link SpendSeed} ({@link #seed}): a per-period baseline counted on top of what this process settles itself. A
 * new seed replaces the whole baseline; what this process settled is never lowered by it.
 */
public final class InMemoryBudgetLedger implements BudgetLedger {
    /** One budget's period. A record, not a concatenated string: the slot is looked up several times per request. */
    private record Slot(String budgetId, long periodStartMillis) {}

    /** spent (settled by this process), reserved, baseline (other processes' spend, from the latest seed) */
    private final Map<Slot, long[]> slots = new HashMap<>();

    /**
     * Replaces the baseline with the seed's: per period, the spend the seed knows less what it counts for this
     * process ({@code incarnation}), since that part is already in this process's own figures; never below zero.
     * Periods already over at {@code now} are ignored.
     *
     * @return how many budget periods now have a baseline
     */
    public synchronized int seed(SpendSeed seed, String incarnation, Instant now) {
        slots.values().forEach(s -> s[2] = 0);
        int seeded = 0;
        for (SpendSeed.Slot s : seed.budgets()) {
            long others = s.spentByOthers(incarnation);
            if (!s.endedAt(now) && others > 0) {
                slots.computeIfAbsent(new Slot(s.budget(), s.periodStartMillis()), k -> new long[3])[2] += others;
                seeded++;
            }
        }
        return seeded;
    }

    @Override
    public synchronized Future<Reservation> reserve(List<Charge> charges) {
        Charge refused = null;
        for (Charge c : charges) {
            long[] s = slot(c);
            if (s[0] + s[2] + s[1] + c.amountMicros() > c.limitMicros() && refused == null) {
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
            balances.add(new Balance(c.budgetId(), s[0] + s[2], s[1], c.limitMicros()));
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

    /** Spend in the period: this process's settled spend plus the seeded spend of the others. */
    @Override
    public synchronized Future<Long> spent(String budgetId, long periodStartMillis) {
        long[] s = slots.get(new Slot(budgetId, periodStartMillis));
        return Future.succeededFuture(s == null ? 0L : s[0] + s[2]);
    }

    private long[] slot(Charge c) {
        return slots.computeIfAbsent(new Slot(c.budgetId(), c.periodStartMillis()), k -> new long[3]);
    }
}
