package dev.tollgate.config;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.BudgetSpec;
import dev.tollgate.api.v1alpha1.CacheSpec;
import dev.tollgate.api.v1alpha1.GatewayCacheSpec;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentSpec;
import dev.tollgate.api.v1alpha1.GatewayRef;
import dev.tollgate.api.v1alpha1.KeyLimits;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LlmModelSpec;
import dev.tollgate.api.v1alpha1.MockSpec;
import dev.tollgate.api.v1alpha1.RedisSpec;
import dev.tollgate.api.v1alpha1.RoutingSpec;
import dev.tollgate.api.v1alpha1.VirtualKey;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The pure function {@code render(manifests) -> GatewayConfig} that the operator and standalone mode share.
 * No I/O, no clock, no randomness: the same input always renders to the same bytes.
 */
public final class Renderer {
    private Renderer() {}

    public static RenderResult render(RenderInput in) {
        GatewayDeployment gw = in.gateway();
        String gwNs = gw.getMetadata().getNamespace();
        GatewayDeploymentSpec spec = gw.getSpec() == null ? new GatewayDeploymentSpec() : gw.getSpec();
        List<Problem> problems = new ArrayList<>();
        Map<String, String> credentials = new TreeMap<>();

        List<GatewayConfig.Model> models = new ArrayList<>();
        for (LlmModel m : sorted(in.models())) {
            if (m.getSpec() == null || !Selectors.admits(spec.getModels(), gwNs, m.getMetadata().getNamespace(),
                    m.getMetadata().getLabels(), in.namespaceLabels())) {
                continue;
            }
            Result<String> cred = Checks.credential(m, in.secrets());
            Result<GatewayConfig.Prices> prices = Checks.effectivePrices(m);
            Result<Long> timeout = Checks.timeoutMillis(m);
            Optional<Problem> p = firstProblem(Checks.provider(m), cred, Checks.settings(m), prices, timeout,
                    Checks.routing(m), Checks.cache(m));
            if (p.isPresent()) {
                problems.add(p.get());
                continue;
            }
            String credRef = null;
            if (cred.value() != null) {
                credRef = m.getMetadata().getNamespace() + "/" + m.getSpec().getCredentialsSecretRef().getName() + "/"
                        + m.getSpec().getCredentialsSecretRef().getKey();
                credentials.put(credRef, cred.value());
            }
            models.add(model(m, credRef, prices.value(), timeout.value()));
        }
        models = ownGroups(gw, spec, models, in.models(), problems, credentials);
        List<Problem> warnings = new ArrayList<>();
        RoutingSpec defaults = spec.getRouting();
        Optional<String> badDefaults = Routings.invalid(defaults, null);
        if (badDefaults.isPresent()) {
            problems.add(new Problem(gw.getKind(), gwNs, gw.getMetadata().getName(), "InvalidSpec", badDefaults.get()
                    + " (the groups are routed by the built-in defaults until it is fixed)"));
            defaults = null;
        }
        Map<String, GatewayConfig.Routing> routing = routing(gw, defaults, models, in.models(), warnings);
        GatewayCacheSpec cacheDefaults = spec.getCache();
        Optional<String> badCache = Caches.invalid(cacheDefaults, null);
        if (badCache.isPresent()) {
            problems.add(new Problem(gw.getKind(), gwNs, gw.getMetadata().getName(), "InvalidSpec", badCache.get()
                    + " (no group inherits the gateway's spec.cache until it is fixed)"));
            cacheDefaults = null;
        }
        GatewayConfig.Caching caching = caching(gw, cacheDefaults, models, in.models(), warnings);

        Map<String, Budget> budgetsById = new TreeMap<>();
        List<GatewayConfig.Budget> budgets = new ArrayList<>();
        for (Budget b : sorted(in.budgets())) {
            if (b.getSpec() == null || !Selectors.admits(spec.getBudgets(), gwNs, b.getMetadata().getNamespace(),
                    b.getMetadata().getLabels(), in.namespaceLabels())) {
                continue;
            }
            Result<Long> limit = Checks.limitMicros(b);
            Result<java.time.ZoneId> zone = Checks.zone(b);
            Result<String> period = Checks.period(b);
            Optional<Problem> p = firstProblem(limit, zone, period);
            if (p.isPresent()) {
                problems.add(p.get());
                continue;
            }
            BudgetSpec bs = b.getSpec();
            budgetsById.put(id(b), b);
            List<String> tags = sortedOrNull(bs.getTags());
            KeyLimits bl = bs.getLimits() == null ? new KeyLimits() : bs.getLimits();
            // a Budget in the gateway's own namespace (the platform's) covers tagged requests of every namespace
            String tagNamespace = tags == null || gwNs.equals(b.getMetadata().getNamespace()) ? null
                    : b.getMetadata().getNamespace();
            budgets.add(new GatewayConfig.Budget(id(b), limit.value(), period.value(),
                    zone.value().getId(), bs.getAlertThresholdPercent() == null ? 80 : bs.getAlertThresholdPercent(),
                    List.copyOf(bs.getModels()), b.getMetadata().getCreationTimestamp(), tags, tagNamespace,
                    bl.getRpm(), bl.getTpm(), bl.getMaxParallelRequests()));
        }

        // Keys: resolve hashes, then let the oldest of any duplicates win so an existing key never breaks.
        record Candidate(VirtualKey vk, GatewayConfig.Key key, String hash) {}
        List<Candidate> candidates = new ArrayList<>();
        for (VirtualKey vk : sorted(in.keys())) {
            if (vk.getSpec() == null || !servedBy(vk, gw, in)) {
                continue;
            }
            Result<Checks.ResolvedKey> resolved = Checks.resolveKey(vk, in.secrets());
            Result<java.time.OffsetDateTime> expiry = Checks.expiry(vk);
            Optional<Problem> p = firstProblem(resolved, expiry);
            if (p.isEmpty()) {
                p = missingBudget(vk, budgetsById);
            }
            if (p.isPresent()) {
                problems.add(p.get());
                continue;
            }
            candidates.add(new Candidate(vk, key(vk, budgetsById), resolved.value().hash()));
        }
        Map<String, Candidate> byHash = new HashMap<>();
        candidates.stream().sorted(Comparator.comparing((Candidate c) -> age(c.vk())).thenComparing(c -> id(c.vk())))
                .forEach(c -> {
                    Candidate first = byHash.putIfAbsent(c.hash(), c);
                    if (first != null) {
                        problems.add(duplicate(c.vk(), first.vk()));
                    }
                });
        Map<String, String> keyHashes = new TreeMap<>();
        List<GatewayConfig.Key> keys = new ArrayList<>();
        byHash.values().stream().sorted(Comparator.comparing(c -> c.key().id())).forEach(c -> {
            keyHashes.put(c.hash(), c.key().id());
            keys.add(c.key());
        });

        String redisPassword = null;
        RedisSpec redis = spec.getRedis();
        if (redis != null && redis.getPasswordSecretRef() != null) {
            var ref = redis.getPasswordSecretRef();
            Optional<String> pw = in.secrets().value(gwNs, ref.getName(), ref.getKey());
            if (pw.isEmpty()) {
                problems.add(new Problem(gw.getKind(), gwNs, gw.getMetadata().getName(), "RedisSecretNotFound",
                        "Secret " + gwNs + "/" + ref.getName() + " with key '" + ref.getKey() + "' (redis.passwordSecretRef) "
                                + "was not found: create it with the label llm.tollgate.dev/secret"));
            } else {
                redisPassword = pw.get();
            }
        }
        long syncMillis;
        try {
            syncMillis = Durations.parse(orDefault(spec.getUsageSyncInterval(), "10s")).toMillis();
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(gw.getKind(), gwNs, gw.getMetadata().getName(), "InvalidSpec", "usageSyncInterval: " + e.getMessage()));
            syncMillis = 10_000;
        }
        GatewayConfig.Settings settings = new GatewayConfig.Settings(spec.getPort() == null ? 4000 : spec.getPort(),
                syncMillis, redis == null ? null : redis.getUrl());
        // after ownGroups kept only the served models' credentials: the sinks' are added here, and stay
        Observabilities.Rendered observed = Observabilities.render(gw, in.logSinks(), in.namespaceLabels(), in.secrets());
        credentials.putAll(observed.credentials());
        problems.addAll(observed.problems());
        warnings.addAll(observed.warnings());
        List<VirtualKey> servedKeys = new ArrayList<>();
        byHash.values().forEach(c -> servedKeys.add(c.vk()));
        Prompts.Rendered prompts = Prompts.render(gw, in.prompts(), servedKeys, in.namespaceLabels());
        problems.addAll(prompts.problems());
        GatewayConfig config = new GatewayConfig(GatewayConfig.SCHEMA, id(gw), settings, models, keys, budgets, null,
                routing, caching, observed.observability(), prompts.prompts());
        GatewaySecrets secrets = new GatewaySecrets(GatewaySecrets.SCHEMA, keyHashes, credentials, redisPassword);
        String configJson = ConfigCodec.toJson(config);
        String secretsJson = ConfigCodec.toJson(secrets);
        return new RenderResult(config, secrets, ConfigCodec.shortHash(configJson, secretsJson),
                settingsHash(settings, redisPassword), List.copyOf(problems), List.copyOf(warnings));
    }

    /**
     * The routing of every group this gateway serves (see {@link Routings}): the GatewayDeployment's defaults under
     * the spec.routing of the group's LlmModels. LlmModels of one group that declare routings resolving differently
     * are not guessed between silently: the oldest one's applies (creationTimestamp, then namespace/name) and each
     * other one gets a RoutingConflict warning. A fallback naming no group this gateway serves stays in the list
     * (the request path skips it; the group may come later) with an UnknownFallback warning on whoever declared
     * it. Groups routed exactly by {@link GatewayConfig.Routing#DEFAULT} are left out, and the map is null when
     * none is left, so a config without routing renders as it did before routing existed.
     */
    private static Map<String, GatewayConfig.Routing> routing(GatewayDeployment gw, RoutingSpec defaults,
            List<GatewayConfig.Model> models, java.util.Collection<LlmModel> all, List<Problem> warnings) {
        Map<String, LlmModel> byId = new HashMap<>();
        all.forEach(m -> byId.put(id(m), m));
        Map<String, List<LlmModel>> groups = new TreeMap<>();
        models.forEach(m -> groups.computeIfAbsent(m.modelName(), n -> new ArrayList<>()).add(byId.get(m.id())));
        Map<String, GatewayConfig.Routing> out = new TreeMap<>();
        String gwNs = gw.getMetadata().getNamespace();
        String gwName = gw.getMetadata().getName();
        groups.forEach((name, members) -> {
            List<LlmModel> declaring = members.stream().filter(m -> m.getSpec().getRouting() != null)
                    .sorted(Comparator.comparing(Renderer::age).thenComparing(Renderer::id)).toList();
            LlmModel owner = declaring.isEmpty() ? null : declaring.get(0);
            RoutingSpec own = owner == null ? null : owner.getSpec().getRouting();
            RoutingSpec merged = Routings.merge(defaults, own);
            GatewayConfig.Routing chosen = Routings.resolve(merged, name);
            for (LlmModel other : declaring.subList(Math.min(1, declaring.size()), declaring.size())) {
                if (!Routings.resolve(Routings.merge(defaults, other.getSpec().getRouting()), name).equals(chosen)) {
                    warn(warnings, new Problem(other.getKind(), other.getMetadata().getNamespace(),
                            other.getMetadata().getName(), "RoutingConflict", "spec.routing differs from that of "
                                    + "LlmModel " + id(owner) + ", the oldest of model group '" + name + "' that "
                                    + "declares one, whose routing the group follows on gateway " + id(gw) + ": give "
                                    + "every LlmModel of the group the same spec.routing, or set it on one only"));
                }
            }
            if (merged != null && merged.getAffinity() != null && merged.getAffinity().getHeader() == null
                    && merged.getAffinity().getUser() == null) {
                warn(warnings, own != null && own.getAffinity() != null
                        ? new Problem(owner.getKind(), owner.getMetadata().getNamespace(), owner.getMetadata().getName(),
                                "AffinityWithoutKey", "spec.routing.affinity names no key: model group '" + name
                                        + "' has no session affinity; set header (e.g. x-session-id) or user: true")
                        : new Problem(gw.getKind(), gwNs, gwName, "AffinityWithoutKey", "spec.routing.affinity names no "
                                + "key: the groups that inherit it have no session affinity; set header (e.g. "
                                + "x-session-id) or user: true"));
            }
            Map<String, List<String>> ownLists = Routings.lists(own);
            Routings.lists(chosen).forEach((field, names) -> names.stream().filter(n -> !groups.containsKey(n))
                    .forEach(n -> warn(warnings, ownLists.get(field) != null
                            ? new Problem(owner.getKind(), owner.getMetadata().getNamespace(), owner.getMetadata().getName(),
                                    "UnknownFallback", "spec.routing." + field + " names '" + n + "', a model group gateway "
                                            + id(gw) + " does not serve: requests skip it; create an LlmModel with "
                                            + "spec.modelName " + n + " or remove the name")
                            : new Problem(gw.getKind(), gwNs, gwName, "UnknownFallback", "spec.routing." + field + " names '"
                                    + n + "', a model group this gateway does not serve: requests skip it; create an "
                                    + "LlmModel with spec.modelName " + n + " or remove the name"))));
            if (!chosen.equals(GatewayConfig.Routing.DEFAULT)) {
                out.put(name, chosen);
            }
        });
        return out.isEmpty() ? null : out;
    }

    /**
     * The caches of the groups this gateway serves (see {@link Caches}): the GatewayDeployment's spec.cache under
     * that of the group's LlmModels. LlmModels of one group whose caches resolve differently: the oldest one's
     * applies, each other one gets a CacheConflict warning. A semantic cache whose embeddingModel is missing, names
     * no group this gateway serves, or a group with a deployment whose provider does not serve embeddings is left out
     * of the group's cache (its exact cache stays), with a warning on whoever declared it; a group is never
     * semantically cached by itself (the embedding group inheriting the gateway's semantic cache). Null when no
     * group is cached, so a config without caching renders as it did before caching existed.
     */
    private static GatewayConfig.Caching caching(GatewayDeployment gw, GatewayCacheSpec defaults,
            List<GatewayConfig.Model> models, java.util.Collection<LlmModel> all, List<Problem> warnings) {
        Map<String, LlmModel> byId = new HashMap<>();
        all.forEach(m -> byId.put(id(m), m));
        Map<String, List<LlmModel>> groups = new TreeMap<>();
        Map<String, List<GatewayConfig.Model>> deployments = new TreeMap<>();
        models.forEach(m -> {
            groups.computeIfAbsent(m.modelName(), n -> new ArrayList<>()).add(byId.get(m.id()));
            deployments.computeIfAbsent(m.modelName(), n -> new ArrayList<>()).add(m);
        });
        String gwPurge = defaults == null ? null : defaults.getPurge();
        Map<String, GatewayConfig.Cache> out = new TreeMap<>();
        groups.forEach((name, members) -> {
            List<LlmModel> declaring = members.stream().filter(m -> m.getSpec().getCache() != null)
                    .sorted(Comparator.comparing(Renderer::age).thenComparing(Renderer::id)).toList();
            LlmModel owner = declaring.isEmpty() ? null : declaring.get(0);
            CacheSpec own = owner == null ? null : owner.getSpec().getCache();
            GatewayConfig.Cache chosen = Caches.resolve(Caches.merge(defaults, own),
                    Caches.purgeToken(gwPurge, own == null ? null : own.getPurge()));
            for (LlmModel other : declaring.subList(Math.min(1, declaring.size()), declaring.size())) {
                CacheSpec theirs = other.getSpec().getCache();
                if (!java.util.Objects.equals(Caches.resolve(Caches.merge(defaults, theirs),
                        Caches.purgeToken(gwPurge, theirs.getPurge())), chosen)) {
                    warn(warnings, new Problem(other.getKind(), other.getMetadata().getNamespace(),
                            other.getMetadata().getName(), Caches.CONFLICT, "spec.cache differs from that of LlmModel "
                                    + id(owner) + ", the oldest of model group '" + name + "' that declares one, whose "
                                    + "cache the group follows on gateway " + id(gw) + ": give every LlmModel of the "
                                    + "group the same spec.cache, or set it on one only"));
                }
            }
            if (chosen == null) {
                return;
            }
            GatewayConfig.Semantic semantic = chosen.semantic();
            if (semantic != null) {
                String embedder = semantic.embeddingModel();
                boolean ownSemantic = own != null && own.getSemantic() != null;
                boolean ownEmbedder = ownSemantic && own.getSemantic().getEmbeddingModel() != null;
                Problem problem = null;
                if (embedder == null) {
                    problem = ownSemantic ? new Problem(owner.getKind(), owner.getMetadata().getNamespace(),
                            owner.getMetadata().getName(), Caches.NO_EMBEDDING_MODEL, "spec.cache.semantic names no "
                                    + "embeddingModel, and gateway " + id(gw) + " gives none: model group '" + name
                                    + "' has no semantic cache; set embeddingModel to a model group that serves "
                                    + "embeddings (e.g. text-embedding-3-small)")
                            : new Problem(gw.getKind(), gw.getMetadata().getNamespace(), gw.getMetadata().getName(),
                                    Caches.NO_EMBEDDING_MODEL, "spec.cache.semantic names no embeddingModel: the groups "
                                            + "that inherit it have no semantic cache; set embeddingModel to a model "
                                            + "group that serves embeddings (e.g. text-embedding-3-small)");
                } else if (!embedder.equals(name)) {
                    String reason = null;
                    String why = null;
                    if (!deployments.containsKey(embedder)) {
                        reason = Caches.UNKNOWN_EMBEDDING_MODEL;
                        why = "a model group this gateway does not serve";
                    } else {
                        List<String> cannot = deployments.get(embedder).stream()
                                .filter(d -> !Provider.fromWireName(d.provider()).map(p -> p.capabilities()
                                        .contains(Provider.Capability.EMBEDDINGS)).orElse(false))
                                .map(GatewayConfig.Model::id).toList();
                        if (!cannot.isEmpty()) {
                            reason = Caches.EMBEDDINGS_NOT_SERVED;
                            why = "a model group whose deployment " + String.join(", ", cannot) + " cannot embed "
                                    + "(its provider does not serve embeddings through the gateway)";
                        }
                    }
                    if (reason != null) {
                        problem = ownEmbedder ? new Problem(owner.getKind(), owner.getMetadata().getNamespace(),
                                owner.getMetadata().getName(), reason, "spec.cache.semantic.embeddingModel names '"
                                        + embedder + "', " + why + " on gateway " + id(gw) + ": model group '" + name
                                        + "' has no semantic cache; name a model group that serves embeddings")
                                : new Problem(gw.getKind(), gw.getMetadata().getNamespace(), gw.getMetadata().getName(),
                                        reason, "spec.cache.semantic.embeddingModel names '" + embedder + "', " + why
                                                + ": the groups that inherit it have no semantic cache; name a model "
                                                + "group that serves embeddings");
                    }
                }
                if (problem != null) {
                    warn(warnings, problem);
                }
                if (problem != null || embedder == null || embedder.equals(name)) {
                    chosen = chosen.exact() == null ? null
                            : new GatewayConfig.Cache(chosen.exact(), null, chosen.scope(), chosen.purge());
                }
            }
            if (chosen != null) {
                out.put(name, chosen);
            }
        });
        return Caches.caching(defaults, out);
    }

    private static void warn(List<Problem> warnings, Problem p) {
        if (!warnings.contains(p)) {
            warnings.add(p);
        }
    }

    /**
     * The hash of what a pod reads only at start (port, Redis): it changes, and so restarts the pods, only when one of
     * those does. Not the usage sync interval: the pods take the spend the operator hands back whenever it is written.
     */
    static String settingsHash(GatewayConfig.Settings settings, String redisPassword) {
        return ConfigCodec.shortHash(Integer.toString(settings.port()), settings.redisUrl(), redisPassword);
    }

    /**
     * The tenancy rule of model groups: a model name (spec.modelName) belongs to one namespace, so a team cannot
     * join a group and receive the prompts other teams send to it. The owner is the gateway's own namespace when
     * it has a member there, else the namespace of the oldest member (creationTimestamp, then namespace/name). A
     * member from another namespace is refused (ModelNameTaken) unless the GatewayDeployment lists the model name
     * in spec.sharedModelNames ("*": every name).
     */
    private static List<GatewayConfig.Model> ownGroups(GatewayDeployment gw, GatewayDeploymentSpec spec,
            List<GatewayConfig.Model> models, java.util.Collection<LlmModel> all, List<Problem> problems,
            Map<String, String> credentials) {
        List<String> shared = spec.getSharedModelNames() == null ? List.of() : spec.getSharedModelNames();
        Map<String, LlmModel> byId = new HashMap<>();
        all.forEach(m -> byId.put(id(m), m));
        Map<String, String> owner = new HashMap<>();
        Map<String, List<GatewayConfig.Model>> groups = new TreeMap<>();
        models.forEach(m -> groups.computeIfAbsent(m.modelName(), n -> new ArrayList<>()).add(m));
        String gwNs = gw.getMetadata().getNamespace();
        groups.forEach((name, members) -> {
            if (shared.contains("*") || shared.contains(name)) {
                return;
            }
            String ns = members.stream().anyMatch(m -> namespaceOf(m.id()).equals(gwNs)) ? gwNs
                    : members.stream().map(m -> byId.get(m.id()))
                            .min(Comparator.comparing(Renderer::age).thenComparing(Renderer::id))
                            .map(m -> m.getMetadata().getNamespace()).orElseThrow();
            owner.put(name, ns);
        });
        List<GatewayConfig.Model> kept = new ArrayList<>();
        for (GatewayConfig.Model m : models) {
            String ns = owner.get(m.modelName());
            if (ns == null || ns.equals(namespaceOf(m.id()))) {
                kept.add(m);
                continue;
            }
            LlmModel lm = byId.get(m.id());
            problems.add(new Problem(lm.getKind(), lm.getMetadata().getNamespace(), lm.getMetadata().getName(),
                    "ModelNameTaken", "model name '" + m.modelName() + "' belongs to namespace " + ns + " on gateway "
                            + id(gw) + ": a model from another namespace may join its group only when the "
                            + "GatewayDeployment lists the name in spec.sharedModelNames. Use another spec.modelName"));
        }
        // a refused model's credential is not handed to the gateway
        credentials.keySet().retainAll(kept.stream().map(GatewayConfig.Model::credentialRef).filter(java.util.Objects::nonNull).toList());
        return kept;
    }

    private static String namespaceOf(String id) {
        return id.substring(0, id.indexOf('/'));
    }

    /** Whether the gateway serves this key: its keys selection admits it, and its gatewayRef (if any) names it. */
    public static boolean servedBy(VirtualKey vk, GatewayDeployment gw, RenderInput in) {
        GatewayDeploymentSpec spec = gw.getSpec() == null ? new GatewayDeploymentSpec() : gw.getSpec();
        String gwNs = gw.getMetadata().getNamespace();
        GatewayRef ref = vk.getSpec().getGatewayRef();
        if (ref != null && !(ref.getName().equals(gw.getMetadata().getName())
                && orDefault(ref.getNamespace(), vk.getMetadata().getNamespace()).equals(gwNs))) {
            return false;
        }
        return Selectors.admits(spec.getKeys(), gwNs, vk.getMetadata().getNamespace(), vk.getMetadata().getLabels(),
                in.namespaceLabels());
    }

    /** Budgets (ids) binding a key: those it names in budgetRefs, and those in its namespace whose keySelector matches it. */
    static List<String> budgetsOf(VirtualKey vk, Map<String, Budget> budgetsById) {
        String ns = vk.getMetadata().getNamespace();
        List<String> out = new ArrayList<>();
        for (Budget b : budgetsById.values()) {
            boolean sameNs = ns.equals(b.getMetadata().getNamespace());
            boolean named = vk.getSpec().getBudgetRefs().contains(b.getMetadata().getName());
            boolean selected = b.getSpec().getKeySelector() != null
                    && Selectors.matches(b.getSpec().getKeySelector(), vk.getMetadata().getLabels());
            if (sameNs && (named || selected)) {
                out.add(id(b));
            }
        }
        return out;
    }

    private static Optional<Problem> missingBudget(VirtualKey vk, Map<String, Budget> budgetsById) {
        String ns = vk.getMetadata().getNamespace();
        for (String ref : vk.getSpec().getBudgetRefs()) {
            if (!budgetsById.containsKey(ns + "/" + ref)) {
                return Optional.of(new Problem(vk.getKind(), ns, vk.getMetadata().getName(), "BudgetNotFound",
                        "budgetRefs names Budget " + ns + "/" + ref + ", which does not exist, is invalid or is not "
                                + "served by this gateway: the key is refused until it is (budgets fail closed)"));
            }
        }
        return Optional.empty();
    }

    private static Problem duplicate(VirtualKey loser, VirtualKey winner) {
        return new Problem(loser.getKind(), loser.getMetadata().getNamespace(), loser.getMetadata().getName(), "DuplicateKey",
                "the key value is the same as that of VirtualKey " + id(winner) + ", which is older and keeps it: give "
                        + "this VirtualKey its own key");
    }

    /** The rendered form of a model that passed every check (package-private for its test). */
    static GatewayConfig.Model model(LlmModel m, String credRef, GatewayConfig.Prices prices, long timeoutMillis) {
        LlmModelSpec s = m.getSpec();
        Provider provider = Provider.fromWireName(s.getProvider()).orElseThrow();
        MockSpec ms = provider == Provider.MOCK ? Optional.ofNullable(s.getMock()).orElseGet(MockSpec::new) : null;
        GatewayConfig.Mock mock = ms == null ? null : new GatewayConfig.Mock(
                Durations.parse(orDefault(ms.getLatency(), "0ms")).toMillis(),
                Durations.parse(orDefault(ms.getChunkInterval(), "0ms")).toMillis(),
                ms.getOutputTokens() == null ? 16 : ms.getOutputTokens(), ms.getResponse());
        return new GatewayConfig.Model(id(m), s.getModelName(), provider.wireName(), s.getModel(),
                Optional.ofNullable(s.getApiBase()).or(provider::defaultApiBase).orElse(null), s.getApiVersion(),
                s.getRegion(), s.getProject(), credRef, prices, s.getRpm(), s.getTpm(), s.getWeight() == null ? 1 : s.getWeight(),
                timeoutMillis, s.getContextWindow(), canonical(s.getDefaultParams()), orDefault(s.getUnsupportedParams(), "reject"),
                mock, s.getPriority());
    }

    private static GatewayConfig.Key key(VirtualKey vk, Map<String, Budget> budgetsById) {
        var s = vk.getSpec();
        KeyLimits l = s.getLimits() == null ? new KeyLimits() : s.getLimits();
        return new GatewayConfig.Key(id(vk), List.copyOf(s.getModels()), budgetsOf(vk, budgetsById), l.getRpm(),
                l.getTpm(), l.getMaxParallelRequests(), s.getExpiresAt(), Boolean.TRUE.equals(s.getDisabled()),
                s.getAttributes() == null ? null : new TreeMap<>(s.getAttributes()), sortedOrNull(s.getTags()),
                sortedOrNull(s.getAllowedTags()));
    }

    /** Sorted without duplicates; null when empty, so a resource without tags renders as it did before tags. */
    static List<String> sortedOrNull(List<String> items) {
        return items == null || items.isEmpty() ? null : List.copyOf(new java.util.TreeSet<>(items));
    }

    /** The same JSON with object fields sorted by name, recursively: equal params render to equal bytes. */
    static com.fasterxml.jackson.databind.JsonNode canonical(com.fasterxml.jackson.databind.JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isObject()) {
            var sorted = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.stream().sorted().forEach(n -> sorted.set(n, canonical(node.get(n))));
            return sorted;
        }
        if (node.isArray()) {
            var arr = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            node.forEach(v -> arr.add(canonical(v)));
            return arr;
        }
        return node;
    }

    @SafeVarargs
    private static Optional<Problem> firstProblem(Result<?>... results) {
        for (Result<?> r : results) {
            if (!r.ok()) {
                return Optional.of(r.problem());
            }
        }
        return Optional.empty();
    }

    private static <T extends HasMetadata> List<T> sorted(java.util.Collection<T> items) {
        return items.stream().sorted(Comparator.comparing(Renderer::id)).toList();
    }

    private static String age(HasMetadata r) {
        String ts = r.getMetadata().getCreationTimestamp();
        return ts == null ? "9999" : ts;
    }

    public static String id(HasMetadata r) {
        return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
    }

    private static String orDefault(String v, String d) {
        return v == null || v.isBlank() ? d : v;
    }
}
