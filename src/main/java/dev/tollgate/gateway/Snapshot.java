package dev.tollgate.gateway;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One immutable version of what the gateway serves, indexed for the hot path. A reload builds a new snapshot
 * and swaps it in; requests in flight keep the one they started with.
 */
public final class Snapshot {
    private final GatewayConfig config;
    private final GatewaySecrets secrets;
    private final String version;
    private final Map<String, GatewayConfig.Key> keysByHash = new HashMap<>();
    private final Map<String, List<GatewayConfig.Model>> groups = new HashMap<>();
    private final Map<String, GatewayConfig.Budget> budgets = new HashMap<>();
    /** Prompts by id ({@code <namespace>/<name>}): empty when the config has none. */
    private final Map<String, GatewayConfig.Prompt> prompts;

    public Snapshot(GatewayConfig config, GatewaySecrets secrets, String version) {
        this.config = config;
        this.secrets = secrets;
        this.version = version;
        Map<String, GatewayConfig.Key> keysById = new HashMap<>();
        config.keys().forEach(k -> keysById.put(k.id(), k));
        secrets.keys().forEach((hash, id) -> {
            GatewayConfig.Key k = keysById.get(id);
            if (k != null) {
                keysByHash.put(hash, k);
            }
        });
        config.budgets().forEach(b -> budgets.put(b.id(), b));
        Map<String, List<GatewayConfig.Model>> g = new HashMap<>();
        for (GatewayConfig.Model m : config.models()) {
            g.computeIfAbsent(m.modelName(), n -> new java.util.ArrayList<>()).add(m);
        }
        g.forEach((name, members) -> groups.put(name, List.copyOf(members)));
        if (config.prompts() == null || config.prompts().isEmpty()) {
            prompts = Map.of();
        } else {
            Map<String, GatewayConfig.Prompt> p = new HashMap<>();
            config.prompts().forEach(prompt -> p.put(prompt.id(), prompt));
            prompts = p;
        }
    }

    public GatewayConfig config() { return config; }

    /** The rendered Secret this snapshot serves (a reload that keeps it builds a new snapshot from it). */
    public GatewaySecrets secrets() { return secrets; }

    /** The config hash this snapshot was built from (reported in status and the x-tollgate-config header). */
    public String version() { return version; }

    /** The key whose SHA-256 is {@code hash}: a hash-map lookup, so timing reveals nothing about stored keys. */
    public Optional<GatewayConfig.Key> keyByHash(String hash) {
        return Optional.ofNullable(keysByHash.get(hash));
    }

    /** Deployments serving a public model name (a load-balanced group), empty when none. */
    public List<GatewayConfig.Model> group(String modelName) {
        return groups.getOrDefault(modelName, List.of());
    }

    /** How the group {@code modelName} is routed: its rendered routing, or {@link GatewayConfig.Routing#DEFAULT}. */
    public GatewayConfig.Routing routing(String modelName) {
        Map<String, GatewayConfig.Routing> r = config.routing();
        GatewayConfig.Routing found = r == null ? null : r.get(modelName);
        return found == null ? GatewayConfig.Routing.DEFAULT : found;
    }

    /** The response caches' settings, or null when nothing is cached. */
    public GatewayConfig.Caching caching() {
        return config.caching();
    }

    /** The cache of the group {@code modelName}, or null when it is not cached (the usual case: one map lookup). */
    public GatewayConfig.Cache cache(String modelName) {
        GatewayConfig.Caching c = config.caching();
        return c == null ? null : c.groups().get(modelName);
    }

    public java.util.Set<String> modelNames() {
        return groups.keySet();
    }

    public Optional<GatewayConfig.Budget> budget(String id) {
        return Optional.ofNullable(budgets.get(id));
    }

    /** The Prompt {@code id} ({@code <namespace>/<name>}), or null when the gateway serves none by that id. */
    public GatewayConfig.Prompt prompt(String id) {
        return prompts.get(id);
    }

    /** The shared Redis's password from the rendered Secret, or null. */
    public String redisPassword() {
        return secrets.redisPassword();
    }

    /** A credential of the rendered Secret by its ref (e.g. a sink's), or null. */
    public String credential(String ref) {
        return ref == null ? null : secrets.credentials().get(ref);
    }

    public Optional<String> credential(GatewayConfig.Model model) {
        return model.credentialRef() == null ? Optional.empty() : Optional.ofNullable(secrets.credentials().get(model.credentialRef()));
    }
}
