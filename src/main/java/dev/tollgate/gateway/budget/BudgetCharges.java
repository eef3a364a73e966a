package dev.tollgate.gateway.budget;

import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.budget.BudgetLedger.Charge;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Which budgets a request is charged to, in which period: pure, with the clock passed in. */
public final class BudgetCharges {
    private BudgetCharges() {}

    /**
     * @param budgetsById the snapshot's budgets (an id that no longer resolves is skipped: the key was re-rendered)
     */
    public static List<Charge> of(GatewayConfig.Key key, String modelName, Function<String, java.util.Optional<GatewayConfig.Budget>> budgetsById,
            long amountMicros, Instant now) {
        List<Charge> out = new ArrayList<>();
        for (String id : key.budgets()) {
            budgetsById.apply(id).ifPresent(b -> {
                if (b.models().isEmpty() || b.models().contains(modelName)) {
                    BudgetPeriods.Window w = BudgetPeriods.current(b.period(), ZoneId.of(b.timeZone()),
                            b.anchor() == null ? Instant.EPOCH : Instant.parse(b.anchor()), now);
                    out.add(new Charge(b.id(), w.start().toEpochMilli(), b.limitMicros(), amountMicros));
                }
            });
        }
        return out;
    }
}
