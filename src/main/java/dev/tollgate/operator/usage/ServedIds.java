package dev.tollgate.operator.usage;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.RenderResult;
import dev.tollgate.config.UsageReport;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What each GatewayDeployment serves now, for the usage scraper: the uid of the Deployment the operator made for it
 * and the ids of its current render (keys, deployments, budgets, prompts). The GatewayDeploymentReconciler updates it after
 * each render; the scraper reads a pod's report only when the pod belongs to a registered Deployment, and keeps
 * only figures about ids its gateway serves, so no pod can write usage into a resource its gateway does not serve.
 *
 * <p>The ids come from {@link RenderResult#config()}, the whole render: key shards ({@code KeyShards.pack}) split
 * only what is stored, never the render, so every key is here however the keys are stored.
 */
@ApplicationScoped
public class ServedIds {
    /**
     * One gateway as the operator last rendered it.
     *
     * @param deploymentUid uid of the Deployment {@code <gw>} this gateway owns (by uid), or null
     *                      while there is none
     */
    public record Served(String namespace, String gateway, String gatewayUid, String deployment, String deploymentUid,
            String configHash, Set<String> keys, Set<String> models, Set<String> budgets, Set<String> prompts) {

        public Served(String namespace, String gateway, String gatewayUid, String deployment, String deploymentUid,
                String configHash, Set<String> keys, Set<String> models, Set<String> budgets) {
            this(namespace, gateway, gatewayUid, deployment, deploymentUid, configHash, keys, models, budgets, Set.of());
        }

        /**
         * The report without any figure about an id this gateway does not serve: keys, deployments (their counters and
         * their health), budget slots
         * (in the report and in each key's budgets; a slot's {@code budget} must be the slot's own), in the report
         * and in every orphan. Which incarnations the journal lists is kept as it is: it says what Redis holds.
         */
        public UsageReport retain(UsageReport r) {
            return retain(r, new int[1]);
        }

        /** The same, counting what was dropped into {@code dropped[0]}. */
        public UsageReport retain(UsageReport r, int[] dropped) {
            UsageReport.Journal j = r.journal();
            if (j != null) {
                Map<String, UsageReport> orphans = new LinkedHashMap<>();
                j.orphans().forEach((id, o) -> {
                    if (o != null) {
                        orphans.put(id, retain(o, dropped));
                    }
                });
                j = new UsageReport.Journal(j.incarnations(), orphans);
            }
            Map<String, UsageReport.BudgetSpend> budgetSpend = new TreeMap<>();
            r.budgets().forEach((slot, b) -> {
                if (b != null && servesSlot(slot) && slot.substring(0, slot.lastIndexOf('@')).equals(b.budget())) {
                    budgetSpend.put(slot, b);
                } else {
                    dropped[0]++;
                }
            });
            Map<String, UsageReport.Health> health = new TreeMap<>();
            r.health().forEach((id, h) -> {
                if (h != null && models.contains(id)) {
                    health.put(id, h);
                } else {
                    dropped[0]++;
                }
            });
            return new UsageReport(r.schema(), r.incarnation(), r.startedAt(), r.config(), counters(r.keys(), keys, dropped),
                    counters(r.models(), models, dropped), budgetSpend, j, health, r.requests(), promptFigures(r.prompts(), dropped),
                    r.tags());
        }

        /**
         * The figures of prompt versions ({@code <promptId>@<version>}) of Prompts this gateway serves; null when none
         * is left. Tags are no resource: they are kept as reported (no status is written from them).
         */
        private Map<String, UsageReport.Counters> promptFigures(Map<String, UsageReport.Counters> in, int[] dropped) {
            if (in == null) {
                return null;
            }
            Map<String, UsageReport.Counters> out = new TreeMap<>();
            in.forEach((key, c) -> {
                int at = key.lastIndexOf('@');
                if (c != null && at > 0 && prompts.contains(key.substring(0, at))) {
                    out.put(key, c);
                } else {
                    dropped[0]++;
                }
            });
            return out.isEmpty() ? null : out;
        }

        private Map<String, UsageReport.Counters> counters(Map<String, UsageReport.Counters> in, Set<String> served,
                int[] dropped) {
            Map<String, UsageReport.Counters> out = new TreeMap<>();
            in.forEach((id, c) -> {
                if (c == null || !served.contains(id)) {
                    dropped[0]++;
                } else if (c.budgets() == null) {
                    out.put(id, c);
                } else {
                    Map<String, Long> kept = new TreeMap<>();
                    c.budgets().forEach((slot, v) -> {
                        if (v != null && servesSlot(slot)) {
                            kept.put(slot, v);
                        } else {
                            dropped[0]++;
                        }
                    });
                    out.put(id, kept.size() == c.budgets().size() ? c : c.withBudgets(kept));
                }
            });
            return out;
        }

        /** A budget slot is {@code <budgetId>@<periodStartMillis>}. */
        private boolean servesSlot(String slot) {
            int at = slot.lastIndexOf('@');
            return at > 0 && budgets.contains(slot.substring(0, at));
        }
    }

    /** By gateway (namespace/name). */
    private final Map<String, Served> byGateway = new ConcurrentHashMap<>();
    /** By the Deployment made for the gateway (namespace/name). */
    private final Map<String, Served> byDeployment = new ConcurrentHashMap<>();

    /**
     * Records what a gateway serves after a render. The Deployment counts only when it is owned by this gateway, by
     * uid (see {@link #isOwnedBy}). Cheap when nothing changed: the id sets are rebuilt only when the config hash or the
     * Deployment did.
     */
    public void update(GatewayDeployment gw, Deployment deployment, RenderResult render) {
        String ns = gw.getMetadata().getNamespace();
        String name = gw.getMetadata().getName();
        String deploymentUid = deployment != null && isOwnedBy(deployment, gw.getKind(), gw.getMetadata().getUid())
                ? deployment.getMetadata().getUid() : null;
        String deploymentName = deployment == null ? name : deployment.getMetadata().getName();
        Served old = byGateway.get(ns + "/" + name);
        Served next;
        if (old != null && old.gatewayUid().equals(gw.getMetadata().getUid()) && old.configHash().equals(render.configHash())) {
            if (java.util.Objects.equals(old.deploymentUid(), deploymentUid) && old.deployment().equals(deploymentName)) {
                return;
            }
            next = new Served(ns, name, old.gatewayUid(), deploymentName, deploymentUid, old.configHash(), old.keys(),
                    old.models(), old.budgets(), old.prompts());
        } else {
            GatewayConfig c = render.config();
            next = new Served(ns, name, gw.getMetadata().getUid(), deploymentName, deploymentUid, render.configHash(),
                    ids(c.keys().stream().map(GatewayConfig.Key::id).toList()),
                    ids(c.models().stream().map(GatewayConfig.Model::id).toList()),
                    ids(c.budgets().stream().map(GatewayConfig.Budget::id).toList()),
                    ids(c.prompts() == null ? List.of() : c.prompts().stream().map(GatewayConfig.Prompt::id).toList()));
        }
        put(next, old);
    }

    /** Registers ids directly (tests that feed the scraper reports without running the reconciler). */
    void put(String namespace, String gateway, String deploymentUid, Set<String> keys, Set<String> models, Set<String> budgets) {
        put(namespace, gateway, deploymentUid, keys, models, budgets, Set.of());
    }

    /** The same, with the Prompts the gateway serves. */
    void put(String namespace, String gateway, String deploymentUid, Set<String> keys, Set<String> models, Set<String> budgets,
            Set<String> prompts) {
        put(new Served(namespace, gateway, "uid-" + gateway, gateway, deploymentUid, "test", Set.copyOf(keys),
                Set.copyOf(models), Set.copyOf(budgets), Set.copyOf(prompts)), byGateway.get(namespace + "/" + gateway));
    }

    private synchronized void put(Served next, Served old) {
        if (old != null) {
            byDeployment.remove(old.namespace() + "/" + old.deployment(), old);
        }
        byGateway.put(next.namespace() + "/" + next.gateway(), next);
        byDeployment.put(next.namespace() + "/" + next.deployment(), next);
    }

    /**
     * Adds Prompts to what a registered gateway serves until its next render (tests that drive the usage of a Prompt
     * through a gateway whose render does not list it). Does nothing for a gateway not registered.
     */
    public synchronized void servePrompts(String namespace, String gateway, Set<String> prompts) {
        Served s = byGateway.get(namespace + "/" + gateway);
        if (s != null) {
            Set<String> all = new HashSet<>(s.prompts());
            all.addAll(prompts);
            put(new Served(s.namespace(), s.gateway(), s.gatewayUid(), s.deployment(), s.deploymentUid(), s.configHash(),
                    s.keys(), s.models(), s.budgets(), Set.copyOf(all)), s);
        }
    }

    /** Forgets every gateway but these (namespace/name): deleted gateways serve nothing. */
    public synchronized void retainGateways(Collection<String> gateways) {
        Set<String> keep = new HashSet<>(gateways);
        byGateway.values().removeIf(s -> !keep.contains(s.namespace() + "/" + s.gateway()));
        byDeployment.values().removeIf(s -> !keep.contains(s.namespace() + "/" + s.gateway()));
    }

    /** The gateway registered under this namespace/name, or null. */
    public Served gateway(String namespace, String gateway) {
        return byGateway.get(namespace + "/" + gateway);
    }

    /** The gateway whose Deployment is this one (namespace, name and uid), or null. */
    public Served ownerOf(String namespace, String deployment, String deploymentUid) {
        Served s = byDeployment.get(namespace + "/" + deployment);
        return s != null && deploymentUid != null && deploymentUid.equals(s.deploymentUid()) ? s : null;
    }

    /**
     * Whether the object is owned by this kind and uid: its controller owner reference when it has one, else any
     * owner reference. JOSDK adds a dependent's owner reference without the controller flag (Fabric8's
     * {@code HasMetadata.addOwnerReference}), and Deployments made before could not be told apart otherwise; the uid
     * is what no other object can claim.
     */
    static boolean isOwnedBy(HasMetadata o, String kind, String uid) {
        if (kind == null || uid == null) {
            return false;
        }
        OwnerReference c = controller(o);
        if (c != null) {
            return kind.equals(c.getKind()) && uid.equals(c.getUid());
        }
        return o.getMetadata().getOwnerReferences() != null && o.getMetadata().getOwnerReferences().stream()
                .anyMatch(r -> kind.equals(r.getKind()) && uid.equals(r.getUid()));
    }

    /** The owner reference with controller=true, or null. */
    static OwnerReference controller(HasMetadata o) {
        if (o.getMetadata().getOwnerReferences() == null) {
            return null;
        }
        return o.getMetadata().getOwnerReferences().stream().filter(r -> Boolean.TRUE.equals(r.getController()))
                .findFirst().orElse(null);
    }

    private static Set<String> ids(java.util.List<String> ids) {
        return Set.copyOf(ids);
    }
}
