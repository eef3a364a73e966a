package dev.tollgate.operator.status;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.BudgetStatus;
import dev.tollgate.api.v1alpha1.Condition;
import dev.tollgate.api.v1alpha1.DeploymentHealthStatus;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentStatus;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LlmModelStatus;
import dev.tollgate.api.v1alpha1.StatusBase;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.api.v1alpha1.VirtualKeyStatus;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.Checks;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.HealthMerge;
import dev.tollgate.config.Problem;
import dev.tollgate.config.RenderResult;
import dev.tollgate.config.Result;
import dev.tollgate.operator.Names;
import dev.tollgate.operator.RenderedGateways;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Status of each kind as a pure function of what the reconciler observed and the time; unit-tested on its own.
 * Conditions keep lastTransitionTime unless their status flips (see {@link Conditions#merge}).
 */
public final class StatusBuilders {
    public static final String READY = "Ready";

    private StatusBuilders() {}

    public static final String STALLED = "Stalled";
    public static final String RECONCILING = "Reconciling";

    /**
     * Ready, Stalled and Reconciling (kstatus' conditions) of a resource that gateways serve. In order: its own
     * problem, or a problem a gateway's render found with it, stalls it (the spec cannot succeed without a change);
     * served by nobody, once every gateway has rendered its current generation, stalls it as NotAdmitted; while a
     * gateway has not rendered it yet it is Reconciling (or, after an operator restart, keeps what its status
     * said, so a restart flips nothing); else {@code served} gives Ready.
     *
     * @param admission the gateways' verdict, or null when nobody judges admission (then Ready means valid)
     */
    static List<Condition> readiness(Optional<Problem> problem, RenderedGateways.Admission admission,
            StatusBase status, long generation, String notAdmitted, java.util.function.Function<List<String>, Condition> served) {
        return readiness(problem, admission, status, generation, "NotAdmitted", notAdmitted, served);
    }

    /** As above, with the reason of "served by nobody" given. */
    static List<Condition> readiness(Optional<Problem> problem, RenderedGateways.Admission admission,
            StatusBase status, long generation, String notAdmittedReason, String notAdmitted,
            java.util.function.Function<List<String>, Condition> served) {
        // what status said stands only for the generation it observed
        List<Condition> existing = status == null || status.getObservedGeneration() == null
                || status.getObservedGeneration() != generation ? null : status.getConditions();
        Optional<Problem> stop = problem.or(() -> admission == null ? Optional.empty() : admission.problem());
        if (stop.isPresent()) {
            return List.of(Conditions.of(READY, false, stop.get().reason(), stop.get().message()),
                    Conditions.of(STALLED, true, stop.get().reason(), stop.get().message()),
                    Conditions.of(RECONCILING, false, stop.get().reason(), "nothing to do until the spec changes"));
        }
        if (admission != null && admission.complete() && admission.servedBy().isEmpty()) {
            return List.of(Conditions.of(READY, false, notAdmittedReason, notAdmitted),
                    Conditions.of(STALLED, true, notAdmittedReason, notAdmitted),
                    Conditions.of(RECONCILING, false, notAdmittedReason, "nothing to do until a gateway admits it"));
        }
        if (admission != null && !admission.known()) {
            Optional<Condition> ready = find(existing, READY);
            if (ready.isPresent()) {
                return List.of(ready.get(),
                        find(existing, STALLED).orElse(Conditions.of(STALLED, false, ready.get().getReason(), "not stalled")),
                        find(existing, RECONCILING).orElse(Conditions.of(RECONCILING, false, ready.get().getReason(), "up to date")));
            }
            String m = "waiting for the gateways to render this generation";
            return List.of(Conditions.of(READY, false, "WaitingForGateway", m), Conditions.of(STALLED, false, "WaitingForGateway", m),
                    Conditions.of(RECONCILING, true, "WaitingForGateway", m));
        }
        Condition ready = served.apply(admission == null ? List.of() : admission.servedBy());
        return List.of(ready, Conditions.of(STALLED, false, ready.getReason(), "not stalled"),
                Conditions.of(RECONCILING, false, ready.getReason(), "up to date"));
    }

    private static Optional<Condition> find(List<Condition> existing, String type) {
        return existing == null ? Optional.empty() : existing.stream().filter(c -> type.equals(c.getType()))
                .map(c -> new Condition(c.getType(), c.getStatus(), c.getReason(), c.getMessage())).findFirst();
    }

    private static String servedBy(List<String> gateways) {
        return gateways.isEmpty() ? "" : " (served by " + String.join(", ", gateways) + ")";
    }

    public static GatewayDeploymentStatus gateway(GatewayDeployment gw, RenderResult render, Deployment deployment, Instant now) {
        int desired = gw.getSpec() == null || gw.getSpec().getReplicas() == null ? 1 : gw.getSpec().getReplicas();
        boolean autoscaled = gw.getSpec() != null && gw.getSpec().getAutoscaling() != null;
        if (autoscaled && deployment != null && deployment.getSpec() != null && deployment.getSpec().getReplicas() != null) {
            desired = deployment.getSpec().getReplicas(); // the autoscaler's choice, not spec.replicas (ignored then)
        }
        // the most pods that may serve at once, for ExactLimits: with an autoscaler, as many as it may add
        int most = autoscaled && gw.getSpec().getAutoscaling().getMaxReplicas() != null
                ? Math.max(desired, gw.getSpec().getAutoscaling().getMaxReplicas()) : desired;
        var ds = deployment == null ? null : deployment.getStatus();
        int ready = ds == null || ds.getReadyReplicas() == null ? 0 : ds.getReadyReplicas();
        int updated = ds == null || ds.getUpdatedReplicas() == null ? 0 : ds.getUpdatedReplicas();
        boolean observed = deployment != null && ds != null && ds.getObservedGeneration() != null
                && ds.getObservedGeneration() >= (deployment.getMetadata().getGeneration() == null ? 0
                        : deployment.getMetadata().getGeneration());

        Optional<Problem> own = render.problems().stream().filter(p -> "GatewayDeployment".equals(p.kind())).findFirst();
        Optional<DeploymentCondition> failed = ds == null || ds.getConditions() == null ? Optional.empty()
                : ds.getConditions().stream().filter(c -> ("ReplicaFailure".equals(c.getType()) && "True".equals(c.getStatus()))
                        || ("Progressing".equals(c.getType()) && "False".equals(c.getStatus()))).findFirst();

        List<Condition> cs = new ArrayList<>();
        boolean rolledOut = observed && updated >= desired && ready >= desired;
        if (own.isPresent()) {
            cs.add(Conditions.of(READY, false, own.get().reason(), own.get().message()));
            cs.add(Conditions.of("Degraded", true, own.get().reason(), own.get().message()));
            cs.add(Conditions.of("Progressing", false, own.get().reason(), "waiting for the spec to be fixed"));
            cs.add(Conditions.of(STALLED, true, own.get().reason(), own.get().message()));
            cs.add(Conditions.of(RECONCILING, false, own.get().reason(), "nothing to do until the spec changes"));
        } else if (failed.isPresent()) {
            String reason = failed.get().getReason() == null ? "DeploymentFailed" : failed.get().getReason();
            String msg = "Deployment " + Names.deployment(gw) + ": " + failed.get().getMessage();
            cs.add(Conditions.of(READY, false, reason, msg));
            cs.add(Conditions.of("Degraded", true, reason, msg));
            cs.add(Conditions.of("Progressing", false, reason, msg));
            cs.add(Conditions.of(STALLED, true, reason, msg));
            cs.add(Conditions.of(RECONCILING, false, reason, "the Deployment stopped progressing"));
        } else if (desired == 0) {
            cs.add(Conditions.of(READY, true, "ScaledToZero", "spec.replicas is 0: no gateway pods run"));
            cs.add(Conditions.of("Degraded", false, "ScaledToZero", "nothing is failing"));
            cs.add(Conditions.of("Progressing", false, "ScaledToZero", "no rollout in progress"));
            cs.add(Conditions.of(STALLED, false, "ScaledToZero", "not stalled"));
            cs.add(Conditions.of(RECONCILING, false, "ScaledToZero", "up to date"));
        } else if (rolledOut) {
            String m = ready + "/" + desired + " gateway pods ready, serving " + render.config().models().size()
                    + " models and " + render.config().keys().size() + " keys";
            cs.add(Conditions.of(READY, true, "AllReplicasReady", m));
            cs.add(Conditions.of("Degraded", false, "AllReplicasReady", "nothing is failing"));
            cs.add(Conditions.of("Progressing", false, "RolloutComplete", "the Deployment is up to date"));
            cs.add(Conditions.of(STALLED, false, "AllReplicasReady", "not stalled"));
            cs.add(Conditions.of(RECONCILING, false, "RolloutComplete", "up to date"));
        } else {
            String m = ready + "/" + desired + " gateway pods ready";
            cs.add(Conditions.of(READY, false, "PodsNotReady", m + ": waiting for the Deployment to roll out"));
            cs.add(Conditions.of("Degraded", false, "RollingOut", "nothing has failed yet"));
            cs.add(Conditions.of("Progressing", true, "RollingOut", m));
            cs.add(Conditions.of(STALLED, false, "RollingOut", "not stalled"));
            cs.add(Conditions.of(RECONCILING, true, "RollingOut", m));
        }

        List<Problem> ownWarnings = render.warnings().stream().filter(p -> "GatewayDeployment".equals(p.kind())
                && p.id().equals(gw.getMetadata().getNamespace() + "/" + gw.getMetadata().getName())).toList();
        cs.addAll(resolved(ownWarnings));
        boolean shared = gw.getSpec() != null && gw.getSpec().getRedis() != null;
        String sync = gw.getSpec() == null || gw.getSpec().getUsageSyncInterval() == null ? "10s" : gw.getSpec().getUsageSyncInterval();
        cs.add(Conditions.of("ExactLimits", most <= 1 || shared, shared ? "SharedStore" : most <= 1 ? "SingleReplica" : "NoSharedStore",
                shared ? "rate limits and budgets are shared by all replicas through Redis"
                        : most <= 1 ? "one replica enforces limits and budgets exactly"
                        : most + " replicas without spec.redis: each enforces every rate limit on its own, so a key "
                                + "may get up to " + most + "x its limits; budgets are synced every " + sync + ", so together "
                                + "they may pass a budget by what the other replicas spend in one sync interval plus one usage "
                                + "collection; set spec.redis for exact limits and budgets"));
        GatewayDeploymentStatus s = new GatewayDeploymentStatus();
        s.setObservedGeneration(gw.getMetadata().getGeneration());
        s.setConditions(Conditions.merge(gw.getStatus() == null ? null : gw.getStatus().getConditions(), cs,
                generation(gw), now));
        s.setReadyReplicas(ready);
        s.setReplicas(ds == null || ds.getReplicas() == null ? 0 : ds.getReplicas());
        s.setSelector(Names.selectorString(gw));
        s.setEndpoint(Names.endpoint(gw));
        s.setConfigHash(render.configHash());
        s.setModels(render.config().models().size());
        s.setKeys(render.config().keys().size());
        s.setBudgets(render.config().budgets().size());
        s.setBudgetMode(shared ? "Exact" : "SyncedEvery " + sync);
        if (gw.getStatus() != null) {
            s.setUsage(gw.getStatus().getUsage());
        }
        return s;
    }

    /**
     * @param keyProblem why the key cannot be used (secret missing, duplicate …), or empty
     * @param shownKey   what status may show of the key, when it was resolved
     */
    public static VirtualKeyStatus virtualKey(VirtualKey vk, Optional<Problem> keyProblem, String shownKey, Instant now) {
        return virtualKey(vk, keyProblem, shownKey, vk.getStatus() == null ? null : vk.getStatus().getUsage(), now);
    }

    /** @param usage the merged usage (see UsageMerge) */
    public static VirtualKeyStatus virtualKey(VirtualKey vk, Optional<Problem> keyProblem, String shownKey,
            dev.tollgate.api.v1alpha1.Usage usage, Instant now) {
        return virtualKey(vk, keyProblem, shownKey, usage, List.of(), 0, now);
    }

    /**
     * @param budgets     the Budgets binding this key (their statuses give what is left and whether they are near
     *                    or over their limit)
     * @param rateLimited requests refused for the key's own rate limits in the last minute
     */
    public static VirtualKeyStatus virtualKey(VirtualKey vk, Optional<Problem> keyProblem, String shownKey,
            dev.tollgate.api.v1alpha1.Usage usage, List<Budget> budgets, long rateLimited, Instant now) {
        return virtualKey(vk, keyProblem, shownKey, usage, budgets, rateLimited, null, now);
    }

    /** @param admission the gateways' verdict on the key (see {@link #readiness}), or null when not judged */
    public static VirtualKeyStatus virtualKey(VirtualKey vk, Optional<Problem> keyProblem, String shownKey,
            dev.tollgate.api.v1alpha1.Usage usage, List<Budget> budgets, long rateLimited,
            RenderedGateways.Admission admission, Instant now) {
        VirtualKeyStatus s = virtualKeyBase(vk, keyProblem, shownKey, usage, admission, now);
        List<Condition> extra = new ArrayList<>();
        List<String> over = new ArrayList<>();
        List<String> near = new ArrayList<>();
        Long remaining = null;
        for (Budget b : budgets) {
            if (b.getStatus() == null) {
                continue;
            }
            String id = b.getMetadata().getName();
            if (b.getStatus().condition("Exceeded").filter(c -> Condition.TRUE.equals(c.getStatus())).isPresent()) {
                over.add(id);
            }
            if (b.getStatus().condition("NearLimit").filter(c -> Condition.TRUE.equals(c.getStatus())).isPresent()) {
                near.add(id);
            }
            if (b.getStatus().getRemaining() != null) {
                long r = dev.tollgate.config.Money.parseMicros(b.getStatus().getRemaining());
                remaining = remaining == null ? r : Math.min(remaining, r);
            }
        }
        extra.add(Conditions.of("BudgetExceeded", !over.isEmpty(), over.isEmpty() ? "WithinBudget" : "BudgetExceeded",
                over.isEmpty() ? "no Budget binding this key is exhausted"
                        : "Budget " + String.join(", ", over) + " is exhausted: requests get 429 budget_exceeded until it resets"));
        extra.add(Conditions.of("NearBudget", !near.isEmpty(), near.isEmpty() ? "BelowThreshold" : "ThresholdReached",
                near.isEmpty() ? "no Budget binding this key is near its limit" : "Budget " + String.join(", ", near)
                        + " has reached its alert threshold"));
        // no count in the message: a message that changes with every figure makes every status write unique
        extra.add(Conditions.of("RateLimited", rateLimited > 0, rateLimited > 0 ? "RequestsRefused" : "WithinLimits",
                rateLimited > 0 ? "requests were refused for this key's rate limits in the last minute (429 rate_limit_exceeded)"
                        : "no request was refused for this key's rate limits in the last minute"));
        List<Condition> all = new ArrayList<>(s.getConditions());
        all.addAll(Conditions.merge(vk.getStatus() == null ? null : vk.getStatus().getConditions(), extra, generation(vk), now));
        s.setConditions(all);
        s.setBudgetRemaining(remaining == null ? null : dev.tollgate.config.Money.format(remaining));
        return s;
    }

    private static VirtualKeyStatus virtualKeyBase(VirtualKey vk, Optional<Problem> keyProblem, String shownKey,
            dev.tollgate.api.v1alpha1.Usage usage, RenderedGateways.Admission admission, Instant now) {
        boolean disabled = vk.getSpec() != null && Boolean.TRUE.equals(vk.getSpec().getDisabled());
        var expiry = Checks.expiry(vk);
        Optional<Problem> problem = keyProblem.or(() -> Optional.ofNullable(expiry.problem()));
        OffsetDateTime expiresAt = expiry.value();
        boolean expired = expiresAt != null && !expiresAt.toInstant().isAfter(now);

        // Disabled and expired keys are in the state their owner asked for: Ready, with Disabled/Expired saying so
        // (kstatus, Flux's wait and kubectl wait do not hang on them).
        List<Condition> cs = new ArrayList<>(readiness(problem, admission, vk.getStatus(), generation(vk),
                "no GatewayDeployment accepts this key: none selects namespace " + vk.getMetadata().getNamespace()
                        + " and its labels in spec.keys" + (vk.getSpec() != null && vk.getSpec().getGatewayRef() != null
                                ? ", or spec.gatewayRef names one that does not" : "")
                        + ". Requests with it get 401 until a gateway admits it",
                gateways -> disabled ? Conditions.of(READY, true, "Disabled", "spec.disabled is true: requests with this key "
                        + "are refused (401) as asked" + servedBy(gateways))
                        : expired ? Conditions.of(READY, true, "Expired", "the key expired at " + expiresAt
                                + ": requests with it are refused (401); set a later spec.expiresAt to use it again")
                        : Conditions.of(READY, true, "KeyActive", (expiresAt == null ? "the key is active"
                                : "the key is active until " + expiresAt) + servedBy(gateways))));
        cs.add(Conditions.of("Expired", expired, expired ? "Expired" : "NotExpired",
                expiry.problem() != null ? "expiresAt cannot be read (see Ready)"
                        : expiresAt == null ? "the key does not expire" : "expiresAt is " + expiresAt));
        cs.add(Conditions.of("Disabled", disabled, disabled ? "Disabled" : "Enabled",
                disabled ? "spec.disabled is true" : "spec.disabled is false"));

        VirtualKeyStatus s = new VirtualKeyStatus();
        s.setObservedGeneration(vk.getMetadata().getGeneration());
        s.setConditions(Conditions.merge(vk.getStatus() == null ? null : vk.getStatus().getConditions(), cs, generation(vk), now));
        s.setSecretName(Checks.keySecretName(vk));
        s.setKeyPrefix(shownKey);
        s.setUsage(usage);
        return s;
    }

    public static LlmModelStatus model(LlmModel m, Optional<Problem> problem, List<String> gateways, Instant now) {
        return model(m, problem, gateways, m.getStatus() == null ? null : m.getStatus().getUsage(), now);
    }

    public static LlmModelStatus model(LlmModel m, Optional<Problem> problem, List<String> gateways,
            dev.tollgate.api.v1alpha1.Usage usage, Instant now) {
        return model(m, problem, gateways, usage, null, now);
    }

    /**
     * @param gateways  the gateways serving it (by the render when {@code admission} is given, else by selection)
     * @param admission the gateways' verdict (see {@link #readiness}), or null when not judged
     */
    public static LlmModelStatus model(LlmModel m, Optional<Problem> problem, List<String> gateways,
            dev.tollgate.api.v1alpha1.Usage usage, RenderedGateways.Admission admission, Instant now) {
        List<Condition> cs = new ArrayList<>(readiness(problem, admission, m.getStatus(), generation(m),
                "no GatewayDeployment serves this model: none selects namespace " + m.getMetadata().getNamespace()
                        + " and its labels in spec.models",
                served -> gateways.isEmpty() && admission == null
                        ? Conditions.of(READY, true, "NotServed", "the model is valid, but no GatewayDeployment selects it yet")
                        : Conditions.of(READY, true, "Served", "served by " + String.join(", ", gateways))));
        if (admission != null) {
            cs.addAll(resolved(admission.warnings()));
        }
        LlmModelStatus s = new LlmModelStatus();
        s.setObservedGeneration(m.getMetadata().getGeneration());
        s.setConditions(Conditions.merge(m.getStatus() == null ? null : m.getStatus().getConditions(), cs, generation(m), now));
        s.setGateways(List.copyOf(gateways));
        s.setPricingSource(pricingSource(m));
        s.setUsage(usage);
        s.setHealth(m.getStatus() == null ? null : m.getStatus().getHealth()); // the reconciler sets it from the reports
        return s;
    }

    public static final String HEALTHY = "Healthy";

    /**
     * A deployment's merged health as status shows it (null when no gateway process reports one).
     *
     * @param existing what status holds now: kept when {@code merged} is null because nothing is known yet
     *                 ({@code known} false: no report was read in this operator run), so an operator restart flips
     *                 nothing
     */
    public static DeploymentHealthStatus health(HealthMerge.Merged merged, boolean known, DeploymentHealthStatus existing) {
        if (merged == null) {
            return known ? null : existing;
        }
        DeploymentHealthStatus h = new DeploymentHealthStatus();
        h.setState(merged.state());
        h.setCoolingDownUntil(merged.coolingDownUntil());
        h.setReason(merged.reason());
        h.setErrorRate(merged.errorRate());
        h.setLatencyMillis(merged.latencyMillis());
        h.setTimeToFirstTokenMillis(merged.ttftMillis());
        h.setCooldowns(merged.cooldowns());
        h.setReplicas(merged.replicas());
        return h;
    }

    /**
     * The model's Healthy condition. False with reason CoolingDown or Probing while the gateways route around it
     * ({@code health.state}); else False (UpstreamFailing) when most of the last minute's requests failed at the
     * provider, at least 3 of them; else True (Serving). Messages carry no figures (every write would be unique):
     * the figures are in {@code status.health}.
     *
     * @param requests requests in the last minute over the live gateway processes (null: none reported)
     * @param failures of those, failed at the provider
     */
    public static Condition healthy(Long requests, Long failures, DeploymentHealthStatus health) {
        String state = health == null ? null : health.getState();
        if (dev.tollgate.config.UsageReport.Health.COOLING_DOWN.equals(state)) {
            return Conditions.of(HEALTHY, false, "CoolingDown", "the gateways stopped sending requests to this deployment "
                    + "after it failed at the provider (status.health.reason) and try it again when the cooldown ends "
                    + "(status.health.coolingDownUntil); meanwhile the other deployments of its group serve while any "
                    + "can: check the provider's status and the LlmModel's rate limits");
        }
        if (dev.tollgate.config.UsageReport.Health.PROBING.equals(state)) {
            return Conditions.of(HEALTHY, false, "Probing", "a cooldown ended: the gateways are sending this deployment a "
                    + "trial request, which decides whether it serves again or cools down once more");
        }
        long r = requests == null ? 0 : requests;
        long f = failures == null ? 0 : failures;
        boolean unhealthy = r >= 3 && f * 2 > r; // most of a minute's traffic failing
        return Conditions.of(HEALTHY, !unhealthy, unhealthy ? "UpstreamFailing" : "Serving",
                unhealthy ? "most of the last minute's requests failed at the provider (5xx, timeouts, "
                        + "unreachable): check the provider and the LlmModel's apiBase"
                        : "most of the last minute's requests succeeded at the provider");
    }

    /**
     * For the status write budget ({@link StatusPatch}): copies the figures of {@code old} (status now) into
     * {@code held} (a copy of the desired status), so that what is left to differ is what must be written at once.
     * Figures are the usage and, while the health state stays the same, all of the health (error rate, latency,
     * counts, and the end and reason of a cooldown that was extended). A change of health state (a deployment cooling
     * down, probing, healthy again; absent counts as Healthy) is not a figure: it is written at once.
     */
    public static void keepModelFigures(LlmModelStatus old, LlmModelStatus held) {
        held.setUsage(old.getUsage());
        if (stateOf(old.getHealth()).equals(stateOf(held.getHealth()))) {
            held.setHealth(old.getHealth());
        }
    }

    private static String stateOf(DeploymentHealthStatus h) {
        return h == null || h.getState() == null ? dev.tollgate.config.UsageReport.Health.HEALTHY : h.getState();
    }

    public static final String ROUTING_RESOLVED = "RoutingResolved";

    /**
     * {@code RoutingResolved=False} while a gateway serves the resource's routing not quite as declared (its group's
     * LlmModels disagree, a fallback names a group the gateway does not serve …): reason of the first, every message.
     * Present only then; Ready is not affected (the resource is served).
     */
    static Condition routingResolved(List<Problem> warnings) {
        return Conditions.of(ROUTING_RESOLVED, false, warnings.get(0).reason(),
                String.join("; ", warnings.stream().map(Problem::message).distinct().toList()));
    }

    public static final String CACHE_RESOLVED = "CacheResolved";

    /**
     * The warning conditions of a served resource: {@code CacheResolved=False} for the warnings about caches
     * ({@link dev.tollgate.config.Caches#WARNING_REASONS}: the group's LlmModels disagree, the semantic cache's
     * embedding group is missing or cannot embed …), {@code RoutingResolved=False} for the others; each present only
     * then, reason of its first warning, every message. Ready is not affected (the resource is served).
     */
    static List<Condition> resolved(List<Problem> warnings) {
        List<Problem> cache = warnings.stream()
                .filter(p -> dev.tollgate.config.Caches.WARNING_REASONS.contains(p.reason())).toList();
        List<Problem> observability = warnings.stream()
                .filter(p -> dev.tollgate.config.Observabilities.REASONS.contains(p.reason())).toList();
        List<Problem> routing = warnings.stream()
                .filter(p -> !dev.tollgate.config.Caches.WARNING_REASONS.contains(p.reason())
                        && !dev.tollgate.config.Observabilities.REASONS.contains(p.reason())).toList();
        List<Condition> out = new ArrayList<>();
        if (!routing.isEmpty()) {
            out.add(routingResolved(routing));
        }
        if (!cache.isEmpty()) {
            out.add(Conditions.of(CACHE_RESOLVED, false, cache.get(0).reason(),
                    String.join("; ", cache.stream().map(Problem::message).distinct().toList())));
        }
        if (!observability.isEmpty()) {
            out.add(Conditions.of(OBSERVABILITY_RESOLVED, false, observability.get(0).reason(),
                    String.join("; ", observability.stream().map(Problem::message).distinct().toList())));
        }
        return out;
    }

    public static final String OBSERVABILITY_RESOLVED = "ObservabilityResolved";

    /**
     * A team's LogSink: Ready when a gateway's render sends its namespace's calls to it ({@code status.gateways});
     * False with the render's reason (SecretNotFound, InvalidRedactPattern, InvalidSink) when a gateway left it out,
     * or NoGateway when no gateway serves keys of its namespace. Messages name Secrets and fields, never a value.
     *
     * @param admission the gateways' verdict, or null when not judged (then it is Ready as "valid")
     */
    public static dev.tollgate.api.v1alpha1.LogSinkStatus logSink(dev.tollgate.api.v1alpha1.LogSink sink,
            RenderedGateways.Admission admission, Instant now) {
        var existing = sink.getStatus();
        List<Condition> cs = readiness(Optional.empty(), admission, existing, generation(sink), "NoGateway",
                "no GatewayDeployment serves keys of namespace " + sink.getMetadata().getNamespace()
                        + " (spec.keys of a GatewayDeployment selects the namespaces it serves): nothing is sent to this sink",
                gateways -> Conditions.of(READY, true, "Sending", gateways.isEmpty() ? "the sink is valid"
                        : "the calls of this namespace's keys are sent to it by " + String.join(", ", gateways)));
        var s = new dev.tollgate.api.v1alpha1.LogSinkStatus();
        s.setObservedGeneration(sink.getMetadata().getGeneration());
        s.setConditions(Conditions.merge(existing == null ? null : existing.getConditions(), cs, generation(sink), now));
        s.setGateways(admission == null || admission.servedBy().isEmpty() ? null : List.copyOf(admission.servedBy()));
        return s;
    }

    /**
     * Where the model's prices come from, by the renderer's own lookup ({@link Checks#effectivePrices}): "spec",
     * "catalogue/&lt;version&gt;", or null when nobody knows them (or the spec's prices are invalid).
     */
    static String pricingSource(LlmModel m) {
        if (m.getSpec() == null) {
            return null;
        }
        Result<GatewayConfig.Prices> prices = Checks.effectivePrices(m);
        return prices.ok() && prices.value() != null ? prices.value().source() : null;
    }

    public static BudgetStatus budget(Budget b, Optional<Problem> problem, BudgetPeriods.Window window, int keysCovered, Instant now) {
        return budget(b, problem, window, keysCovered, b.getStatus() == null ? null : b.getStatus().getUsage(), now);
    }

    /**
     * @param usage the merged usage of the current period (see UsageMerge); its periodSpend is the spend. Adds
     *              Exceeded (spend at or over the limit) and NearLimit (at or over alertThresholdPercent).
     */
    public static BudgetStatus budget(Budget b, Optional<Problem> problem, BudgetPeriods.Window window, int keysCovered,
            dev.tollgate.api.v1alpha1.Usage usage, Instant now) {
        return budget(b, problem, window, keysCovered, usage, null, now);
    }

    /** @param admission the gateways' verdict (see {@link #readiness}), or null when not judged */
    /** What a tag Budget covers besides its keys, for its Ready message ("" without tags). */
    private static String tagged(Budget b) {
        List<String> tags = b.getSpec().getTags();
        return tags == null || tags.isEmpty() ? "" : " and requests tagged " + String.join(", ", new java.util.TreeSet<>(tags));
    }

    public static BudgetStatus budget(Budget b, Optional<Problem> problem, BudgetPeriods.Window window, int keysCovered,
            dev.tollgate.api.v1alpha1.Usage usage, RenderedGateways.Admission admission, Instant now) {
        List<Condition> cs = new ArrayList<>();
        Long limit = null;
        try {
            limit = dev.tollgate.config.Money.parseMicros(b.getSpec().getLimit());
        } catch (IllegalArgumentException invalid) {
            // reported through the problem below
        }
        long spend = usage == null || usage.getPeriodSpend() == null ? 0 : dev.tollgate.config.Money.parseMicros(usage.getPeriodSpend());
        cs.addAll(readiness(problem, admission, b.getStatus(), generation(b),
                "no GatewayDeployment enforces this budget: none selects namespace " + b.getMetadata().getNamespace()
                        + " and its labels in spec.budgets, so keys that name it are refused (BudgetNotFound)",
                gateways -> Conditions.of(READY, true, "BudgetActive", "limit " + b.getSpec().getLimit() + " USD per "
                        + b.getSpec().getPeriod() + " over " + keysCovered + " keys" + tagged(b) + servedBy(gateways))));
        BudgetStatus s = new BudgetStatus();
        if (limit != null && problem.isEmpty()) {
            int threshold = b.getSpec().getAlertThresholdPercent() == null ? 80 : b.getSpec().getAlertThresholdPercent();
            boolean exceeded = spend >= limit;
            boolean near = spend * 100 >= limit * threshold;
            // No spend figure in a message: it would make every status write unique (spend and remaining say it).
            String of = " of the " + dev.tollgate.config.Money.format(limit) + " USD limit";
            cs.add(Conditions.of("Exceeded", exceeded, exceeded ? "LimitReached" : "WithinLimit",
                    exceeded ? "the whole" + of + " is spent: requests are refused (429 budget_exceeded) until the period resets"
                            : "spend is below the limit (see spend and remaining)"));
            cs.add(Conditions.of("NearLimit", near, near ? "ThresholdReached" : "BelowThreshold",
                    (near ? "spend has reached " : "spend is below ") + threshold + "%" + of + " (the alert threshold)"));
            s.setSpend(dev.tollgate.config.Money.format(spend));
            s.setRemaining(dev.tollgate.config.Money.format(Math.max(0, limit - spend)));
        }
        s.setObservedGeneration(b.getMetadata().getGeneration());
        s.setConditions(Conditions.merge(b.getStatus() == null ? null : b.getStatus().getConditions(), cs, generation(b), now));
        s.setKeysCovered(keysCovered);
        if (window != null) {
            s.setPeriodStart(window.start().toString());
            s.setResetsAt(window.end().toString());
        }
        s.setUsage(usage);
        return s;
    }

    private static long generation(io.fabric8.kubernetes.api.model.HasMetadata r) {
        Long g = r.getMetadata().getGeneration();
        return g == null ? 0 : g;
    }
}
