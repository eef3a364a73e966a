package dev.tollgate.operator.budget;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.Checks;
import dev.tollgate.config.Problem;
import dev.tollgate.config.Selectors;
import dev.tollgate.operator.Caches;
import dev.tollgate.operator.status.StatusBuilders;
import dev.tollgate.operator.status.StatusPatch;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Budget status: validity, the current period (rescheduled to roll at its end) and the keys it binds. */
@ControllerConfiguration(name = "budget")
public class BudgetReconciler implements Reconciler<Budget> {
    private final Clock clock;
    private final io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource<Budget> usageChanged =
            new io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource<>("usage");
    @jakarta.inject.Inject
    dev.tollgate.operator.usage.UsageScraper usage;
    @jakarta.inject.Inject
    dev.tollgate.operator.RenderedGateways rendered;
    @jakarta.inject.Inject
    dev.tollgate.operator.usage.StatusWriteBudget writes;
    /** Budgets (uid@periodStart) already alerted: a reconcile may still see the status from before the alert. */
    private final java.util.Set<String> alerted = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public BudgetReconciler() {
        this(Clock.systemUTC());
    }

    BudgetReconciler(Clock clock) {
        this.clock = clock;
    }

    @jakarta.inject.Inject
    dev.tollgate.operator.OperatorMetrics metrics;

    @Override
    public List<EventSource<?, Budget>> prepareEventSources(EventSourceContext<Budget> ctx) {
        if (metrics != null) {
            metrics.watch(Budget.class, () -> ctx.getPrimaryCache().list());
        }
        if (usage != null) {
            usage.onChange("budgets", usageChanged::propagateEvent);
        }
        if (rendered != null) {
            rendered.onChange(dev.tollgate.operator.RenderedGateways.BUDGET, usageChanged::propagateEvent);
        }
        if (writes != null) {
            writes.onGrant("budgets", usageChanged::propagateEvent);
        }
        // A key's labels or budgetRefs changing can change which Budgets cover it: recheck its namespace's Budgets
        // (not on a key's status patch: a Budget reads keys' spec and labels only).
        return List.of(usageChanged, Caches.gateways(ctx, rendered, dev.tollgate.operator.RenderedGateways.BUDGET),
                Caches.mapped(VirtualKey.class, ctx, vk -> ctx.getPrimaryCache()
                .list(b -> b.getMetadata().getNamespace().equals(vk.getMetadata().getNamespace()))
                .map(ResourceID::fromResource).collect(Collectors.toSet()), Caches.specOrLabelsChanged()));
    }

    @Override
    public UpdateControl<Budget> reconcile(Budget b, Context<Budget> ctx) {
        Instant now = clock.instant();
        var zone = Checks.zone(b);
        var limit = Checks.limitMicros(b);
        var period = Checks.period(b);
        Optional<Problem> problem = java.util.stream.Stream.of(zone.problem(), limit.problem(), period.problem())
                .filter(java.util.Objects::nonNull).findFirst();
        BudgetPeriods.Window window = problem.isPresent() ? null
                : BudgetPeriods.current(period.value(), zone.value(), created(b, now), now);
        String ns = b.getMetadata().getNamespace();
        String name = b.getMetadata().getName();
        int covered = (int) Caches.all(ctx, VirtualKey.class).stream()
                .filter(vk -> ns.equals(vk.getMetadata().getNamespace()) && vk.getSpec() != null)
                .filter(vk -> vk.getSpec().getBudgetRefs().contains(name) || (b.getSpec().getKeySelector() != null
                        && Selectors.matches(b.getSpec().getKeySelector(), vk.getMetadata().getLabels())))
                .count();
        var existing = b.getStatus() == null ? null : b.getStatus().getUsage();
        var merged = existing;
        dev.tollgate.operator.usage.UsageScraper.Settled settled = null;
        if (usage != null && window != null) {
            settled = usage.settle("budgets", ns + "/" + name, usage.budgetShares(ns + "/" + name, window.start().toString()));
            merged = dev.tollgate.operator.usage.UsageMerge.merge(existing, settled.live(), settled.finals(),
                    usage::ended, window.start().toString(), null, null);
            merged = dev.tollgate.operator.usage.UsageMerge.stamp(existing, merged, now);
        }
        boolean wasNear = b.getStatus() != null && b.getStatus().condition("NearLimit")
                .map(c -> "True".equals(c.getStatus())).orElse(false);
        var admission = rendered == null ? null : rendered.admission(dev.tollgate.operator.RenderedGateways.BUDGET,
                ns + "/" + name, b.getMetadata().getGeneration() == null ? 0 : b.getMetadata().getGeneration(),
                Caches.gatewayIds(ctx));
        var status = StatusBuilders.budget(b, problem, window, covered, merged, admission, now);
        var near = status.condition("NearLimit");
        if (!wasNear && near.isPresent() && "True".equals(near.get().getStatus()) && window != null
                && alerted.add(b.getMetadata().getUid() + "@" + window.start())) {
            // an Event may carry the figures (a status message may not: it would change with every write)
            alert(ctx, b, near.get().getMessage() + (status.getSpend() == null ? "" : ": " + status.getSpend() + " of "
                    + dev.tollgate.config.Money.format(limit.value()) + " USD spent"), now);
        }
        UpdateControl<Budget> control = StatusPatch.ifChanged(b, status, writes, "budgets", (old, held) -> {
            held.setUsage(old.getUsage());
            held.setSpend(old.getSpend());
            held.setRemaining(old.getRemaining());
        });
        if (settled != null && control.isPatchStatus()) {
            usage.folded("budgets", ns + "/" + name, settled.foldedIn(merged));
        }
        if (window != null) {
            control.rescheduleAfter(Duration.between(now, window.end()).plusMillis(50));
        }
        return control;
    }

    /** The soft alert: a Warning Event on the Budget when spend first reaches its alert threshold in a period. */
    private static void alert(Context<Budget> ctx, Budget b, String message, Instant now) {
        try {
            ctx.getClient().v1().events().inNamespace(b.getMetadata().getNamespace()).resource(new io.fabric8.kubernetes.api.model.EventBuilder()
                    .withNewMetadata().withGenerateName(b.getMetadata().getName() + ".").withNamespace(b.getMetadata().getNamespace())
                    .endMetadata()
                    .withNewInvolvedObject().withApiVersion(b.getApiVersion()).withKind(b.getKind())
                    .withName(b.getMetadata().getName()).withNamespace(b.getMetadata().getNamespace())
                    .withUid(b.getMetadata().getUid()).endInvolvedObject()
                    .withType("Warning").withReason("NearLimit").withMessage(message)
                    .withFirstTimestamp(now.toString()).withLastTimestamp(now.toString()).withCount(1)
                    .withNewSource().withComponent("tollgate-operator").endSource()
                    .build()).create();
        } catch (RuntimeException e) {
            // an alert that cannot be recorded must not stop the status from being written
            org.jboss.logging.Logger.getLogger(BudgetReconciler.class).warnf("could not record the NearLimit event of %s/%s: %s",
                    b.getMetadata().getNamespace(), b.getMetadata().getName(), e.getMessage());
        }
    }

    private static Instant created(Budget b, Instant fallback) {
        String ts = b.getMetadata().getCreationTimestamp();
        return ts == null ? fallback : Instant.parse(ts);
    }
}
