package dev.tollgate.operator.status;

import dev.tollgate.api.v1alpha1.Condition;
import dev.tollgate.api.v1alpha1.Prompt;
import dev.tollgate.api.v1alpha1.PromptStatus;
import dev.tollgate.api.v1alpha1.PromptVersionSpec;
import dev.tollgate.api.v1alpha1.PromptVersionStatus;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.config.Problem;
import dev.tollgate.config.PromptHash;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Prompt's status as a pure function of its spec, its previous status, what is wrong with it, the gateways serving
 * its namespace, each version's merged usage and the time (see {@link StatusBuilders}).
 *
 * <p>{@code versions[]}: every version of the spec, ascending, with its content hash ({@link PromptHash}) and when
 * the operator first saw it ({@code publishedAt}, kept from the previous status). A published version is immutable:
 * its hash stays the one it was first published with, and while the spec's content of the version differs from it
 * (edited after the fact, where the API server's rule was bypassed, e.g. in standalone mode) Ready is False with
 * {@value #VERSION_CHANGED}; reverting the edit clears it, and so does removing the version (its published hash, and
 * usage, are then forgotten).
 *
 * <p>Ready: False {@code InvalidTemplate} (the Prompt's own problems, first one in the message, the count of others),
 * else False {@value #VERSION_CHANGED}, else False {@value #NO_GATEWAY} (no GatewayDeployment serves keys of its
 * namespace), else True {@value #PUBLISHED}; with kstatus' Stalled and Reconciling like the other kinds.
 */
public final class PromptStatusBuilder {
    public static final String PUBLISHED = "Published";
    public static final String VERSION_CHANGED = "VersionChanged";
    public static final String NO_GATEWAY = "NoGateway";

    private PromptStatusBuilder() {}

    /**
     * @param problems what makes the Prompt unservable ({@code PromptChecks.problems}, or a gateway's render)
     * @param gateways the GatewayDeployments (namespace/name) that serve keys of its namespace
     * @param usage    each version's merged usage (a version without figures: absent)
     */
    public static PromptStatus prompt(Prompt p, List<Problem> problems, List<String> gateways, Map<Integer, Usage> usage,
            Instant now) {
        PromptStatus existing = p.getStatus();
        Map<Integer, PromptVersionStatus> before = new TreeMap<>();
        if (existing != null && existing.getVersions() != null) {
            existing.getVersions().forEach(v -> {
                if (v.getVersion() != null) {
                    before.putIfAbsent(v.getVersion(), v);
                }
            });
        }
        Map<Integer, PromptVersionSpec> spec = new TreeMap<>();
        Map<String, Integer> labels = new TreeMap<>();
        if (p.getSpec() != null) {
            p.getSpec().getVersions().forEach(v -> {
                if (v != null && v.getVersion() != null && v.getVersion() > 0) {
                    spec.putIfAbsent(v.getVersion(), v); // a duplicate is a problem; the first one is shown
                }
            });
            p.getSpec().getLabels().forEach((label, version) -> {
                if (version != null && spec.containsKey(version)) {
                    labels.put(label, version);
                }
            });
        }
        List<PromptVersionStatus> versions = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        String stamp = now.truncatedTo(ChronoUnit.SECONDS).toString();
        spec.forEach((number, v) -> {
            PromptVersionStatus was = before.get(number);
            String hash = PromptHash.of(v);
            PromptVersionStatus s = new PromptVersionStatus();
            s.setVersion(number);
            if (was != null && was.getHash() != null && !was.getHash().equals(hash)) {
                changed.add("version " + number + " (published as " + was.getHash() + ", now " + hash + ")");
                s.setHash(was.getHash());
            } else {
                s.setHash(hash);
            }
            s.setPublishedAt(was != null && was.getPublishedAt() != null ? was.getPublishedAt() : stamp);
            List<String> pointing = new ArrayList<>();
            labels.forEach((label, version) -> {
                if (version.equals(number)) {
                    pointing.add(label);
                }
            });
            s.setLabels(pointing.isEmpty() ? null : pointing);
            s.setUsage(usage == null ? null : usage.get(number));
            versions.add(s);
        });

        List<Condition> cs;
        if (!problems.isEmpty()) {
            Problem first = problems.get(0);
            String m = first.message() + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more problem"
                    + (problems.size() > 2 ? "s" : "") + ")" : "");
            cs = stalled(first.reason(), m, "nothing to do until the spec changes");
        } else if (!changed.isEmpty()) {
            cs = stalled(VERSION_CHANGED, "published versions are immutable, but the content of " + String.join(", ", changed)
                    + " changed: revert the edit and publish the change as a new version", "nothing to do until the spec changes");
        } else if (gateways.isEmpty()) {
            cs = stalled(NO_GATEWAY, "no GatewayDeployment serves keys of namespace " + p.getMetadata().getNamespace()
                    + " (spec.keys of a GatewayDeployment selects the namespaces it serves): no gateway serves this prompt",
                    "nothing to do until a gateway serves the namespace");
        } else {
            String m = "versions " + String.join(", ", spec.keySet().stream().map(String::valueOf).toList()) + " published"
                    + (labels.isEmpty() ? "" : ", labels " + String.join(", ", labels.entrySet().stream()
                            .map(e -> e.getKey() + " -> " + e.getValue()).toList()))
                    + "; served by " + String.join(", ", gateways);
            Condition ready = Conditions.of(StatusBuilders.READY, true, PUBLISHED, m);
            cs = List.of(ready, Conditions.of(StatusBuilders.STALLED, false, PUBLISHED, "not stalled"),
                    Conditions.of(StatusBuilders.RECONCILING, false, PUBLISHED, "up to date"));
        }
        long generation = p.getMetadata().getGeneration() == null ? 0 : p.getMetadata().getGeneration();
        PromptStatus s = new PromptStatus();
        s.setObservedGeneration(p.getMetadata().getGeneration());
        s.setConditions(Conditions.merge(existing == null ? null : existing.getConditions(), cs, generation, now));
        s.setVersions(versions.isEmpty() ? null : versions);
        s.setLabels(labels.isEmpty() ? null : labels);
        s.setLatestVersion(spec.isEmpty() ? null : ((TreeMap<Integer, PromptVersionSpec>) spec).lastKey());
        s.setGateways(gateways.isEmpty() ? null : List.copyOf(gateways));
        return s;
    }

    private static List<Condition> stalled(String reason, String message, String reconciling) {
        return List.of(Conditions.of(StatusBuilders.READY, false, reason, message),
                Conditions.of(StatusBuilders.STALLED, true, reason, message),
                Conditions.of(StatusBuilders.RECONCILING, false, reason, reconciling));
    }

    /** Copies each version's usage of {@code old} into {@code held} (the status write budget's figures-only test). */
    public static void keepFigures(PromptStatus old, PromptStatus held) {
        Map<Integer, Usage> figures = new TreeMap<>();
        if (old.getVersions() != null) {
            old.getVersions().forEach(v -> {
                if (v.getVersion() != null && v.getUsage() != null) {
                    figures.put(v.getVersion(), v.getUsage());
                }
            });
        }
        if (held.getVersions() != null) {
            held.getVersions().forEach(v -> v.setUsage(figures.get(v.getVersion())));
        }
    }
}
