package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.UsageShare;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Money;
import dev.tollgate.config.SpendSeed;
import dev.tollgate.operator.Caches;
import dev.tollgate.operator.Names;
import dev.tollgate.operator.usage.UsageMerge;
import dev.tollgate.operator.usage.UsageScraper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * {@code <gw>-spend}: the period spend the operator knows for every budget the gateway enforces ({@link SpendSeed}),
 * handed back to the gateway pods, which watch it: a new or restarted pod starts from it, and without Redis every
 * replica learns the others' spend at each sync. The figure per budget is the one the Budget's status shows (its
 * status merged with the latest reports of the live gateway processes, {@link UsageMerge}), with each live
 * process's part of it, so a pod does not count its own spend twice. With {@code spec.redis} the budgets are exact in
 * Redis and the seed stays empty.
 *
 * <p>Written at most once per {@code spec.usageSyncInterval} and only when the content changed; a change that has to
 * wait asks the reconciler to come back when the interval is over ({@link #pending}). It is not mounted into the
 * pods and not part of any pod-template hash: writing it restarts nothing.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR + "," + Names.SPEND_LABEL))
public class GatewaySpendConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, GatewayDeployment> {
    private static final String PENDING = "tollgate.spend.pending";
    /** The budgets each gateway enforced at its last reconcile (by budget id). */
    private static final Map<ResourceID, java.util.Set<String>> ENFORCED = new java.util.concurrent.ConcurrentHashMap<>();

    @Inject
    UsageScraper usage;
    Clock clock = Clock.systemUTC();

    public GatewaySpendConfigMapDependent() {
        super(ConfigMap.class);
    }

    /** The ConfigMap is found by its name: no need to compute the desired content only to find it. */
    @Override
    protected ResourceID targetSecondaryResourceID(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        return new ResourceID(Names.spendConfigMap(gw), gw.getMetadata().getNamespace());
    }

    @Override
    protected ConfigMap desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        Instant now = clock.instant();
        GatewayConfig config = RenderSupport.render(gw, ctx).config();
        Map<String, Usage> statusById = new HashMap<>();
        Caches.all(ctx, Budget.class).forEach(b -> statusById.put(b.getMetadata().getNamespace() + "/" + b.getMetadata().getName(),
                b.getStatus() == null ? null : b.getStatus().getUsage()));
        SpendSeed seed = config.settings().redisUrl() != null
                ? new SpendSeed(config.gateway(), List.of()) // budgets are exact in Redis: nothing to hand back, no writes
                : usage == null
                ? seed(config, statusById::get, (id, start) -> Map.of(), (id, share) -> false, now)
                : seed(config, statusById::get, (id, start) -> usage.settle("budgets", id, usage.budgetShares(id, start)).live(), usage::ended, now);
        String json = seed.toJson();
        Duration interval = Duration.ofMillis(config.settings().usageSyncIntervalMillis());
        ENFORCED.put(ResourceID.fromResource(gw), config.budgets().stream().map(GatewayConfig.Budget::id)
                .collect(java.util.stream.Collectors.toUnmodifiableSet()));

        Optional<ConfigMap> existing = getSecondaryResource(gw, ctx);
        String current = existing.map(cm -> cm.getData() == null ? null : cm.getData().get(SpendSeed.FILE)).orElse(null);
        Instant writtenAt = existing.map(GatewaySpendConfigMapDependent::writtenAt).orElse(null);
        if (current != null && writtenAt != null && !json.equals(current)) {
            Duration left = interval.minus(Duration.between(writtenAt, now));
            if (left.compareTo(Duration.ZERO) > 0) {
                ctx.managedWorkflowAndDependentResourceContext().put(PENDING, left);
                return build(gw, current, writtenAt); // as it is: the change waits for the interval to end
            }
        }
        return json.equals(current) && writtenAt != null ? build(gw, current, writtenAt) : build(gw, json, now);
    }

    /** How long a changed seed still has to wait for its interval, when one does: the reconciler comes back then. */
    static Optional<Duration> pending(Context<GatewayDeployment> ctx) {
        return ctx.managedWorkflowAndDependentResourceContext().get(PENDING, Duration.class);
    }

    /** The gateways that enforce a budget (as of their last reconcile): new spend on it is theirs to hand back. */
    static java.util.List<ResourceID> gatewaysEnforcing(ResourceID budget) {
        String id = budget.getNamespace().orElse("") + "/" + budget.getName();
        return ENFORCED.entrySet().stream().filter(e -> e.getValue().contains(id)).map(Map.Entry::getKey).toList();
    }

    private static ConfigMap build(GatewayDeployment gw, String json, Instant writtenAt) {
        return new ConfigMapBuilder()
                .withNewMetadata().withName(Names.spendConfigMap(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw)).addToLabels(Names.SPEND_LABEL, "true")
                .addToAnnotations(Names.SPEND_WRITTEN_AT_ANNOTATION, writtenAt.toString()).endMetadata()
                .addToData(SpendSeed.FILE, json)
                .build();
    }

    private static Instant writtenAt(ConfigMap cm) {
        String at = cm.getMetadata().getAnnotations() == null ? null
                : cm.getMetadata().getAnnotations().get(Names.SPEND_WRITTEN_AT_ANNOTATION);
        try {
            return at == null ? null : Instant.parse(at);
        } catch (RuntimeException e) {
            return null; // edited by hand: written now
        }
    }

    /**
     * The seed of one gateway, pure: for every budget it enforces with spend in its current period, the spend the
     * Budget's status would show after merging the live reports, and each live process's part of it.
     *
     * @param status the usage in a Budget's status by budget id (null when none yet)
     * @param live   the live processes' figures of a budget in the period starting at the given instant (RFC 3339)
     * @param ended  whether a process whose share is in status is over (see {@link UsageScraper#ended})
     */
    public static SpendSeed seed(GatewayConfig config, Function<String, Usage> status,
            BiFunction<String, String, Map<String, UsageShare>> live, BiPredicate<String, UsageShare> ended, Instant now) {
        List<SpendSeed.Slot> slots = new ArrayList<>();
        for (GatewayConfig.Budget b : config.budgets()) {
            BudgetPeriods.Window w = BudgetPeriods.current(b.period(), ZoneId.of(b.timeZone()),
                    b.anchor() == null ? Instant.EPOCH : Instant.parse(b.anchor()), now);
            String start = w.start().toString();
            Usage merged = UsageMerge.merge(status.apply(b.id()), live.apply(b.id(), start), ended, start, null, null);
            long total = merged.getPeriodSpend() == null ? 0 : Money.parseMicros(merged.getPeriodSpend());
            if (total <= 0) {
                continue; // nothing to start from: a pod counts from zero anyway
            }
            Map<String, Long> parts = new TreeMap<>();
            if (merged.getShares() != null) {
                merged.getShares().forEach((incarnation, share) -> {
                    if (start.equals(share.getPeriodStart()) && share.getPeriodSpend() != null
                            && Money.parseMicros(share.getPeriodSpend()) > 0) {
                        parts.put(incarnation, Money.parseMicros(share.getPeriodSpend()));
                    }
                });
            }
            slots.add(new SpendSeed.Slot(b.id(), start, w.end().toString(), total, parts));
        }
        return new SpendSeed(config.gateway(), slots);
    }
}
