package dev.tollgate.operator.key;

import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.api.v1alpha1.VirtualKeyStatus;
import dev.tollgate.config.Checks;
import dev.tollgate.config.Problem;
import dev.tollgate.config.Result;
import dev.tollgate.operator.Caches;
import dev.tollgate.operator.status.Conditions;
import dev.tollgate.operator.status.StatusBuilders;
import dev.tollgate.operator.status.StatusPatch;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * VirtualKey -> its generated key Secret (created once) and its status. Reads keys from the Secrets labelled
 * llm.tollgate.dev/secret: generated ones (owned) and bring-your-own ones (named by spec.existingSecret).
 */
@Workflow(dependents = @Dependent(name = "key-secret", type = VirtualKeySecretDependent.class,
        reconcilePrecondition = GeneratesKeyCondition.class))
// The primary cache, like the others, without managedFields and with shared metadata strings (see SlimStore).
@ControllerConfiguration(name = "virtualkey", informer = @io.javaoperatorsdk.operator.api.config.informer.Informer(
        itemStore = dev.tollgate.operator.SlimStore.class))
public class VirtualKeyReconciler implements Reconciler<VirtualKey> {
    private final Clock clock;
    private final DuplicateKeys duplicates = new DuplicateKeys();
    private final SimpleInboundEventSource<VirtualKey> recheck = new SimpleInboundEventSource<>("duplicate-recheck");
    @jakarta.inject.Inject
    dev.tollgate.operator.usage.UsageScraper usage;
    @jakarta.inject.Inject
    dev.tollgate.operator.RenderedGateways rendered;
    @jakarta.inject.Inject
    dev.tollgate.operator.usage.StatusWriteBudget writes;

    public VirtualKeyReconciler() {
        this(Clock.systemUTC());
    }

    VirtualKeyReconciler(Clock clock) {
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, VirtualKey>> prepareEventSources(EventSourceContext<VirtualKey> ctx) {
        var owners = Mappers.<Secret>fromOwnerReferences(VirtualKey.class, false);
        if (usage != null) {
            usage.onChange("keys", recheck::propagateEvent); // new usage figures: merge them into status
        }
        if (rendered != null) {
            rendered.onChange(dev.tollgate.operator.RenderedGateways.KEY, recheck::propagateEvent); // a gateway's verdict changed
        }
        if (writes != null) {
            writes.onGrant("keys", recheck::propagateEvent); // its turn to write figures held back
        }
        // A Budget's status (spend, Exceeded, NearLimit) shows on the keys it binds.
        var budgets = Caches.mapped(dev.tollgate.api.v1alpha1.Budget.class, ctx, b -> ctx.getPrimaryCache()
                .list(vk -> binds(b, vk)).map(ResourceID::fromResource).collect(java.util.stream.Collectors.toSet()));
        // Keys by the Secret they read: a Secret event finds its keys in the index, not by testing every key
        // (10,000 Secret events times 10,000 keys when they are all created at once).
        ctx.getPrimaryCache().addIndexer(KEY_SECRET_INDEX, vk -> List.of(secretId(vk.getMetadata().getNamespace(),
                Checks.keySecretName(vk))));
        return List.of(recheck, budgets, Caches.gateways(ctx, rendered, dev.tollgate.operator.RenderedGateways.KEY),
                Caches.inputSecrets(ctx, s -> {
            Set<ResourceID> ids = new HashSet<>(owners.toPrimaryResourceIDs(s));
            ctx.getPrimaryCache().byIndex(KEY_SECRET_INDEX, secretId(s.getMetadata().getNamespace(), s.getMetadata().getName()))
                    .forEach(vk -> ids.add(ResourceID.fromResource(vk)));
            return ids;
        }));
    }

    private static final String KEY_SECRET_INDEX = "key-secret";

    private static String secretId(String namespace, String name) {
        return namespace + "/" + name;
    }

    @Override
    public UpdateControl<VirtualKey> reconcile(VirtualKey vk, Context<VirtualKey> ctx) {
        Instant now = clock.instant();
        var informer = Caches.secretLookup(ctx);
        var created = VirtualKeySecretDependent.justCreated(ctx);
        dev.tollgate.config.SecretLookup lookup = (ns, name) -> informer.find(ns, name).or(() -> created.filter(s ->
                ns.equals(s.getMetadata().getNamespace()) && name.equals(s.getMetadata().getName())));
        Result<Checks.ResolvedKey> resolved = Checks.resolveKey(vk, lookup);
        ResourceID id = ResourceID.fromResource(vk);
        var outcome = duplicates.register(id, resolved.ok() ? resolved.value().hash() : null,
                vk.getMetadata().getCreationTimestamp(), other -> ctx.getPrimaryCache().get(other).isPresent());
        outcome.affected().forEach(recheck::propagateEvent);

        Optional<Problem> problem = Optional.ofNullable(resolved.problem());
        if (problem.isEmpty() && outcome.keptBy().isPresent()) {
            ResourceID w = outcome.keptBy().get();
            problem = Optional.of(new Problem("VirtualKey", vk.getMetadata().getNamespace(), vk.getMetadata().getName(),
                    "DuplicateKey", "the key value is the same as that of VirtualKey " + w.getNamespace().orElse("") + "/"
                            + w.getName() + ", which is older and keeps it: give this VirtualKey its own key"));
        }
        String vkId = vk.getMetadata().getNamespace() + "/" + vk.getMetadata().getName();
        List<dev.tollgate.api.v1alpha1.Budget> bound = Caches.all(ctx, dev.tollgate.api.v1alpha1.Budget.class).stream()
                .filter(b -> binds(b, vk)).sorted(java.util.Comparator.comparing(b -> b.getMetadata().getName())).toList();
        // period spend: in the current period of the key's first Budget (by name), as that Budget's status says
        String periodStart = bound.stream().map(b -> b.getStatus() == null ? null : b.getStatus().getPeriodStart())
                .filter(java.util.Objects::nonNull).findFirst().orElse(null);
        String slot = periodStart == null ? null : vk.getMetadata().getNamespace() + "/"
                + bound.stream().filter(b -> b.getStatus() != null && periodStart.equals(b.getStatus().getPeriodStart()))
                        .findFirst().orElseThrow().getMetadata().getName() + "@" + Instant.parse(periodStart).toEpochMilli();
        var settled = usage == null ? null : usage.settle("keys", vkId, usage.shares("keys", vkId, slot, periodStart));
        var merged = usage == null ? (vk.getStatus() == null ? null : vk.getStatus().getUsage())
                : dev.tollgate.operator.usage.UsageMerge.merge(vk.getStatus() == null ? null : vk.getStatus().getUsage(),
                        settled.live(), settled.finals(), usage::ended, periodStart,
                        usage.inUse("keys", vkId, "rpm"), usage.inUse("keys", vkId, "tpm"));
        merged = dev.tollgate.operator.usage.UsageMerge.stamp(vk.getStatus() == null ? null : vk.getStatus().getUsage(), merged, now);
        long limited = usage == null ? 0 : java.util.Objects.requireNonNullElse(usage.inUse("keys", vkId, "rateLimited"), 0L);
        var admission = rendered == null ? null : rendered.admission(dev.tollgate.operator.RenderedGateways.KEY, vkId,
                vk.getMetadata().getGeneration() == null ? 0 : vk.getMetadata().getGeneration(), Caches.gatewayIds(ctx));
        if (admission != null && !admission.known() && vk.getStatus() == null && problem.isEmpty()) {
            // a new key the gateways have not rendered yet: its first status waits for their verdict (the render
            // tells this controller), instead of a "Reconciling" write followed at once by a "Ready" one
            return UpdateControl.noUpdate();
        }
        VirtualKeyStatus status = StatusBuilders.virtualKey(vk, problem, resolved.ok() ? resolved.value().shown() : null,
                merged, bound, limited, admission, now);
        UpdateControl<VirtualKey> control = StatusPatch.ifChanged(vk, status, writes, "keys", (old, held) -> {
            held.setUsage(old.getUsage());
            held.setBudgetRemaining(old.getBudgetRemaining());
        });
        if (settled != null && control.isPatchStatus()) {
            usage.folded("keys", vkId, settled.foldedIn(merged));
        }
        // Flip Expired exactly when it is due; the gateway enforces expiry on its own clock regardless.
        var expiry = Checks.expiry(vk).value();
        if (expiry != null && expiry.toInstant().isAfter(now)) {
            control.rescheduleAfter(Duration.between(now, expiry.toInstant()).plusMillis(50));
        }
        return control;
    }

    /** Whether a Budget binds a key: same namespace, and named in its budgetRefs or matching its keySelector. */
    static boolean binds(dev.tollgate.api.v1alpha1.Budget b, VirtualKey vk) {
        return b.getSpec() != null && vk.getSpec() != null
                && b.getMetadata().getNamespace().equals(vk.getMetadata().getNamespace())
                && (vk.getSpec().getBudgetRefs().contains(b.getMetadata().getName())
                        || (b.getSpec().getKeySelector() != null
                                && dev.tollgate.config.Selectors.matches(b.getSpec().getKeySelector(), vk.getMetadata().getLabels())));
    }

    @Override
    public ErrorStatusUpdateControl<VirtualKey> updateErrorStatus(VirtualKey vk, Context<VirtualKey> ctx, Exception e) {
        VirtualKeyStatus s = Optional.ofNullable(vk.getStatus()).orElseGet(VirtualKeyStatus::new);
        s.setConditions(Conditions.merge(s.getConditions(), List.of(
                Conditions.of(StatusBuilders.READY, false, "ReconcileFailed", StatusPatch.describe(e))),
                vk.getMetadata().getGeneration(), clock.instant()));
        vk.setStatus(s);
        return ErrorStatusUpdateControl.patchStatus(vk);
    }
}
