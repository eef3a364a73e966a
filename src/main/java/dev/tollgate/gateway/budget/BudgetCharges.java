package dev.tollgate.gateway.budget;

import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.budget.BudgetLedger.Charge;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Which budgets a request is charged to, in which period: pure, with the clock passed in. */
public final class BudgetCharges {
    private BudgetCharges() {}

    /**
     * @param budgetsById the snapshot's budgets (an id that no longer resolves is skipped: the key was re-rendered)
     */
    public static List<Charge> of(GatewayConfig.Key key, String modelName, Function<String, Optional<GatewayConfig.Budget>> budgetsById,
            long amountMicros, Instant now) {
        return of(key, modelName, budgetsById, amountMicros, now, BudgetCharges::window);
    }

    /** As {@link #of(GatewayConfig.Key, String, Function, long, Instant)}, with the periods from {@code windows}. */
    public static List<Charge> of(GatewayConfig.Key key, String modelName, Function<String, Optional<GatewayConfig.Budget>> budgetsById,
            long amountMicros, Instant now, Windows windows) {
        return of(key.budgets(), modelName, budgetsById, amountMicros, now, windows);
    }

    /**
     * The charges of a request charged to {@code budgetIds} (its key's and its tags' budgets, see
     * {@code gateway/tags/Tags#budgets}): one per budget that counts {@code modelName}.
     */
    public static List<Charge> of(List<String> budgetIds, String modelName, Function<String, Optional<GatewayConfig.Budget>> budgetsById,
            long amountMicros, Instant now, Windows windows) {
        List<Charge> out = new ArrayList<>(budgetIds.size());
        for (String id : budgetIds) {
            budgetsById.apply(id).ifPresent(b -> {
                if (b.models().isEmpty() || b.models().contains(modelName)) {
                    out.add(new Charge(b.id(), windows.current(b, now).start().toEpochMilli(), b.limitMicros(), amountMicros));
                }
            });
        }
        return out;
    }

    /** The budget's period that contains {@code now}. */
    public static BudgetPeriods.Window window(GatewayConfig.Budget b, Instant now) {
        return BudgetPeriods.current(b.period(), ZoneId.of(b.timeZone()), b.anchor() == null ? Instant.EPOCH : Instant.parse(b.anchor()), now);
    }

    /** Where a budget's current period comes from. */
    @FunctionalInterface
    public interface Windows {
        BudgetPeriods.Window current(GatewayConfig.Budget budget, Instant now);
    }

    /**
     * Remembers each budget's current period until it ends, so a request does not redo the calendar arithmetic
     * (time zone rules, date adjusters) that only changes at a boundary. An entry is reused only for the very
     * budget record it was computed for (a re-rendered config brings new records) and only while {@code now} is
     * inside it; otherwise it is computed afresh.
     */
    public static final class CachedWindows implements Windows {
        private record Entry(GatewayConfig.Budget budget, BudgetPeriods.Window window) {}

        private final Map<String, Entry> entries = new ConcurrentHashMap<>();

        @Override
        public BudgetPeriods.Window current(GatewayConfig.Budget budget, Instant now) {
            Entry e = entries.get(budget.id());
            if (e != null && e.budget() == budget && !now.isBefore(e.window().start()) && now.isBefore(e.window().end())) {
                return e.window();
            }
            BudgetPeriods.Window w = window(budget, now);
            entries.put(budget.id(), new Entry(budget, w));
            return w;
        }
    }
}
