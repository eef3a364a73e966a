package dev.tollgate.operator.prompt;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.Prompt;
import dev.tollgate.api.v1alpha1.PromptStatus;
import dev.tollgate.api.v1alpha1.PromptVersionSpec;
import dev.tollgate.api.v1alpha1.PromptVersionStatus;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.config.Problem;
import dev.tollgate.config.PromptChecks;
import dev.tollgate.config.Renderer;
import dev.tollgate.config.Selectors;
import dev.tollgate.operator.Caches;
import dev.tollgate.operator.status.Conditions;
import dev.tollgate.operator.status.PromptStatusBuilder;
import dev.tollgate.operator.status.StatusBuilders;
import dev.tollgate.operator.status.StatusPatch;
import dev.tollgate.operator.usage.UsageMerge;
import dev.tollgate.operator.usage.UsageScraper;
import io.fabric8.kubernetes.api.model.Namespace;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Prompt's status: its published versions with their content hashes and first-seen times, the labels, the latest
 * version, the GatewayDeployments serving its namespace, Ready (Published, or why not: InvalidTemplate,
 * VersionChanged, NoGateway), and each version's usage summed over every gateway pod from the usage reports'
 * {@code prompts} section, exactly once per incarnation ({@link UsageMerge}) and under the status write budget like
 * a key's. The Prompt itself is rendered by the GatewayDeployment controller; this controller only writes status,
 * and only when it changed.
 */
// The primary cache, like the others, without managedFields and with shared metadata strings (see SlimStore).
@ControllerConfiguration(name = "prompt", informer = @io.javaoperatorsdk.operator.api.config.informer.Informer(
        itemStore = dev.tollgate.operator.SlimStore.class))
public class PromptReconciler implements Reconciler<Prompt> {
    /** The status write budget's and the usage scraper's name for this kind. */
    public static final String KIND = "prompts";
    private final Clock clock;
    private final SimpleInboundEventSource<Prompt> usageChanged = new SimpleInboundEventSource<>("usage");
    @jakarta.inject.Inject
    UsageScraper usage;
    @jakarta.inject.Inject
    dev.tollgate.operator.usage.StatusWriteBudget writes;

    public PromptReconciler() {
        this(Clock.systemUTC());
    }

    PromptReconciler(Clock clock) {
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, Prompt>> prepareEventSources(EventSourceContext<Prompt> ctx) {
        if (usage != null) {
            usage.onChange(KIND, usageChanged::propagateEvent); // a version new in a pod's report: merge it now
        }
        if (writes != null) {
            writes.onGrant(KIND, usageChanged::propagateEvent); // its turn to write figures held back
        }
        // which gateways serve the namespace: their spec.keys (namespace part) and the namespaces' labels
        return List.of(usageChanged, Caches.mappedToAll(GatewayDeployment.class, ctx), Caches.mappedToAll(Namespace.class, ctx));
    }

    @Override
    public UpdateControl<Prompt> reconcile(Prompt p, Context<Prompt> ctx) {
        Instant now = clock.instant();
        String ns = p.getMetadata().getNamespace();
        String id = ns + "/" + p.getMetadata().getName();
        List<Problem> problems = new java.util.ArrayList<>(PromptChecks.problems(p));
        if (problems.isEmpty()) {
            // what else the renderer refuses a Prompt for (its parameters, overridable): the status says it too
            dev.tollgate.config.Prompts.problem(p).ifPresent(problems::add);
        }
        var nsLabels = Caches.namespaceLabels(ctx);
        List<String> gateways = Caches.all(ctx, GatewayDeployment.class).stream()
                .filter(gw -> Selectors.admitsNamespace(gw.getSpec() == null ? null : gw.getSpec().getKeys(),
                        gw.getMetadata().getNamespace(), ns, nsLabels))
                .map(Renderer::id).sorted().toList();

        Map<Integer, Usage> merged = new TreeMap<>();
        Set<String> folded = new HashSet<>();
        for (Integer version : versions(p)) {
            Usage existing = existingUsage(p.getStatus(), version);
            if (usage == null) {
                if (existing != null) {
                    merged.put(version, existing);
                }
                continue;
            }
            String key = id + "@" + version;
            var settled = usage.settle(KIND, id, usage.shares(KIND, key));
            if (existing == null && settled.live().isEmpty()) {
                continue; // a version nobody used: no usage block at all
            }
            Usage m = UsageMerge.merge(existing, settled.live(), settled.finals(), usage::ended, null,
                    usage.inUse(KIND, key, "rpm"), usage.inUse(KIND, key, "tpm"));
            m = UsageMerge.stamp(existing, m, now);
            merged.put(version, m);
            folded.addAll(settled.foldedIn(m));
        }
        PromptStatus status = PromptStatusBuilder.prompt(p, problems, gateways, merged, now);
        UpdateControl<Prompt> control = StatusPatch.ifChanged(p, status, writes, KIND, PromptStatusBuilder::keepFigures);
        if (usage != null && control.isPatchStatus()) {
            usage.folded(KIND, id, folded);
        }
        if (usage != null) {
            // a deleted pod's figures of versions since removed from the spec: nothing will write them, let go
            Set<String> keys = new HashSet<>();
            versions(p).forEach(v -> keys.add(id + "@" + v));
            usage.promptVersionsGone(id, keys);
        }
        return control;
    }

    /** The version numbers of the spec, each once. */
    private static Set<Integer> versions(Prompt p) {
        Set<Integer> out = new java.util.TreeSet<>();
        if (p.getSpec() != null) {
            for (PromptVersionSpec v : p.getSpec().getVersions()) {
                if (v != null && v.getVersion() != null && v.getVersion() > 0) {
                    out.add(v.getVersion());
                }
            }
        }
        return out;
    }

    private static Usage existingUsage(PromptStatus s, int version) {
        if (s == null || s.getVersions() == null) {
            return null;
        }
        return s.getVersions().stream().filter(v -> v.getVersion() != null && v.getVersion() == version)
                .map(PromptVersionStatus::getUsage).filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    @Override
    public ErrorStatusUpdateControl<Prompt> updateErrorStatus(Prompt p, Context<Prompt> ctx, Exception e) {
        PromptStatus s = Optional.ofNullable(p.getStatus()).orElseGet(PromptStatus::new);
        s.setConditions(Conditions.merge(s.getConditions(), List.of(
                Conditions.of(StatusBuilders.READY, false, "ReconcileFailed", StatusPatch.describe(e))),
                p.getMetadata().getGeneration() == null ? 0 : p.getMetadata().getGeneration(), clock.instant()));
        p.setStatus(s);
        return ErrorStatusUpdateControl.patchStatus(p);
    }
}
