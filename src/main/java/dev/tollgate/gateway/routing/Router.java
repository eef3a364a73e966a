package dev.tollgate.gateway.routing;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewayConfig.Model;
import dev.tollgate.config.GatewayConfig.Routing;
import dev.tollgate.gateway.Snapshot;
import io.vertx.core.Future;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

/**
 * Picks the deployment of a model group for one attempt.
 *
 * <ol>
 *   <li>Candidates: the group minus the excluded (already tried) deployments and those of weight 0 (a weight-0
 *       deployment takes no traffic; as before, a group whose deployments all have weight 0 shares evenly), minus
 *       those that fail a pre-call check, in this order: the request does not fit the context window
 *       ({@code "context-window"}), this replica has used up the deployment's rpm ({@code "rpm"}) or would exceed
 *       its tpm ({@code "tpm"}), it is cooling down ({@code "cooling"}).</li>
 *   <li>Session affinity: the deployment the request's affinity key was last served by, when it is a candidate.</li>
 *   <li>Else the group's strategy over the candidates (see {@link GatewayConfig.Routing#strategy()}); ties are
 *       broken at random so that concurrent requests spread.</li>
 *   <li>The chosen one must {@link DeploymentHealth#claim claim} (a half-open probe goes to one request only); if it
 *       loses, it counts as cooling and the next is chosen.</li>
 *   <li>When no candidate remains but some deployments were skipped only for cooling down, the one whose cooldown
 *       ends first ({@link Pick#cooldownOverridden()}): a group never fails hard while one could still serve.</li>
 * </ol>
 *
 * <p>Completes at once, except when affinity must ask the shared Redis about a key this replica does not know.
 * A group of one deployment without affinity costs a few map reads and the {@link Pick}.
 */
@ApplicationScoped
public class Router {
    /** Bytes per token assumed for the expected prompt of the tpm check and the cost strategy (English text). */
    static final long BYTES_PER_TOKEN = 4;
    /** Output tokens assumed by the cost strategy for a request that sets no output limit. */
    static final long DEFAULT_OUTPUT_TOKENS = 256;
    /** The cost of a deployment without known prices: ranked after every priced one. */
    private static final long UNKNOWN_COST = Long.MAX_VALUE;
    /** Not considered at all (excluded, or weight 0): not reported as skipped. */
    private static final String OUT = "out";

    private final RouteStats stats;
    private final DeploymentHealth health;
    private final Affinities affinities;
    private final LongSupplier clockMillis;
    /** n -> a uniform random number in [0, n). */
    private final LongUnaryOperator random;
    private volatile String statsVersion;

    @Inject
    public Router(RouteStats stats, DeploymentHealth health, Affinities affinities) {
        this(stats, health, affinities, System::currentTimeMillis, n -> ThreadLocalRandom.current().nextLong(n));
    }

    /** A router on the given clock and random numbers (tests). */
    Router(RouteStats stats, DeploymentHealth health, Affinities affinities, LongSupplier clockMillis,
            LongUnaryOperator random) {
        this.stats = stats;
        this.health = health;
        this.affinities = affinities;
        this.clockMillis = clockMillis;
        this.random = random;
    }

    /**
     * One attempt's deployment: group minus {@code excluded}, by {@code routing.strategy()}, affinity first, health
     * and pre-call checks applied; when every remaining one is cooling down, the one whose cooldown ends first
     * (cooldownOverridden = true). Completes at once unless affinity must ask Redis.
     */
    public Future<Pick> pick(Snapshot snapshot, List<Model> group, Routing routing, Demand demand,
            Set<String> excluded) {
        long now = clockMillis.getAsLong();
        forgetRemoved(snapshot);
        if (group.isEmpty()) {
            return Future.succeededFuture(new Pick(null, false, Map.of()));
        }
        if (affine(routing, demand) && group.size() > 1) { // a group of one has nothing to stick to
            String token = Affinities.token(group.get(0).modelName(), demand.affinityKey());
            String remembered = affinities.local(token, now);
            if (remembered == null && affinities.shared(snapshot)) {
                return affinities.fetch(snapshot, token)
                        .map(id -> choose(group, routing, demand, excluded, id, clockMillis.getAsLong()));
            }
            return Future.succeededFuture(choose(group, routing, demand, excluded, remembered, now));
        }
        if (group.size() == 1) {
            return Future.succeededFuture(single(group.get(0), demand, excluded, now));
        }
        return Future.succeededFuture(choose(group, routing, demand, excluded, null, now));
    }

    /**
     * The attempt on {@code model} answered: with affinity, the request's key stays on it for
     * {@code routing.affinity().ttlMillis()} (here at once, in the shared Redis without waiting).
     */
    public void served(Snapshot snapshot, Routing routing, Demand demand, Model model) {
        if (!affine(routing, demand) || model == null || routing.affinity().ttlMillis() <= 0
                || snapshot.group(model.modelName()).size() < 2) {
            return;
        }
        affinities.remember(snapshot, Affinities.token(model.modelName(), demand.affinityKey()), model.id(),
                routing.affinity().ttlMillis(), clockMillis.getAsLong());
    }

    private static boolean affine(Routing routing, Demand demand) {
        return routing.affinity() != null && demand.affinityKey() != null;
    }

    /** The group of one, without affinity: no arrays, no maps (the common case on the request path). */
    private Pick single(Model m, Demand demand, Set<String> excluded, long now) {
        if (excluded.contains(m.id())) {
            return new Pick(null, false, Map.of());
        }
        String reason = check(m, demand, now);
        if (reason == null) {
            if (health.claim(m.id(), now)) {
                return new Pick(m, false, Map.of());
            }
            reason = Pick.COOLING;
        }
        return reason == Pick.COOLING ? new Pick(m, true, Map.of(m.id(), reason))
                : new Pick(null, false, Map.of(m.id(), reason));
    }

    private Pick choose(List<Model> group, Routing routing, Demand demand, Set<String> excluded, String preferred,
            long now) {
        int n = group.size();
        boolean weighted = false; // some deployment has a weight: those of weight 0 take no traffic
        for (int i = 0; i < n; i++) {
            if (group.get(i).weight() > 0) {
                weighted = true;
                break;
            }
        }
        String[] reasons = new String[n];
        int candidates = 0;
        int remembered = -1;
        for (int i = 0; i < n; i++) {
            Model m = group.get(i);
            if (excluded.contains(m.id()) || (weighted && m.weight() <= 0)) {
                reasons[i] = OUT;
                continue;
            }
            reasons[i] = check(m, demand, now);
            if (reasons[i] == null) {
                candidates++;
                if (m.id().equals(preferred)) {
                    remembered = i;
                }
            }
        }
        if (remembered >= 0) {
            if (health.claim(group.get(remembered).id(), now)) {
                return new Pick(group.get(remembered), false, skipped(group, reasons));
            }
            reasons[remembered] = Pick.COOLING;
            candidates--;
        }
        for (; candidates > 0; candidates--) {
            int i = strategy(routing.strategy(), group, reasons, weighted, demand);
            if (health.claim(group.get(i).id(), now)) {
                return new Pick(group.get(i), false, skipped(group, reasons));
            }
            reasons[i] = Pick.COOLING; // lost the half-open probe to another request
        }
        int earliest = -1;
        long earliestUntil = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (reasons[i] == Pick.COOLING) {
                long until = health.coolingUntil(group.get(i).id());
                if (earliest < 0 || until < earliestUntil) {
                    earliest = i;
                    earliestUntil = until;
                }
            }
        }
        return earliest >= 0 ? new Pick(group.get(earliest), true, skipped(group, reasons))
                : new Pick(null, false, skipped(group, reasons));
    }

    /** Why the deployment may not take this request now, or null when it may (the pre-call checks). */
    private String check(Model m, Demand demand, long now) {
        Integer window = m.contextWindow();
        if (window != null && demand.bodyBytes() + demand.maxOutputTokens() > window) {
            // the free bound cannot show it fits: count (the caller memoizes; -1: cannot, the upstream judges)
            long prompt = demand.promptTokens() == null ? -1 : demand.promptTokens().getAsLong();
            if (prompt >= 0 && prompt + demand.maxOutputTokens() > window) {
                return Pick.CONTEXT_WINDOW;
            }
        }
        if (m.rpm() != null && stats.requestsLastMinute(m.id()) >= m.rpm()) {
            return Pick.RPM;
        }
        if (m.tpm() != null && stats.tokensLastMinute(m.id()) + expectedTokens(demand) > m.tpm()) {
            return Pick.TPM;
        }
        if (!health.available(m.id(), now)) {
            return Pick.COOLING;
        }
        return null;
    }

    /** The tokens the request is expected to use: its prompt estimated from the body's size, plus its output limit. */
    static long expectedTokens(Demand demand) {
        return expectedPromptTokens(demand) + Math.max(0, demand.maxOutputTokens());
    }

    static long expectedPromptTokens(Demand demand) {
        return (Math.max(0, demand.bodyBytes()) + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN;
    }

    // ---- strategies: each returns the index of a candidate (reasons[i] == null); there is at least one ----

    private int strategy(String strategy, List<Model> group, String[] reasons, boolean weighted, Demand demand) {
        switch (strategy) {
            case Routing.PRIORITY: {
                int tier = Integer.MAX_VALUE;
                for (int i = 0; i < reasons.length; i++) {
                    if (reasons[i] == null) {
                        tier = Math.min(tier, group.get(i).tier());
                    }
                }
                return weightedIndex(group, reasons, weighted, tier);
            }
            case Routing.LEAST_BUSY:
            case Routing.LATENCY:
            case Routing.COST:
                return lowest(strategy, group, reasons, demand);
            case Routing.USAGE:
                return mostHeadroom(group, reasons);
            default: // weighted (the renderer admits no other name)
                return weightedIndex(group, reasons, weighted, -1);
        }
    }

    /** Random by weight among the candidates (of {@code tier} when it is not -1). */
    private int weightedIndex(List<Model> group, String[] reasons, boolean weighted, int tier) {
        long total = 0;
        int last = -1;
        for (int i = 0; i < reasons.length; i++) {
            if (reasons[i] == null && (tier < 0 || group.get(i).tier() == tier)) {
                total += weighted ? group.get(i).weight() : 1;
                last = i;
            }
        }
        long r = random.applyAsLong(total);
        for (int i = 0; i < reasons.length; i++) {
            if (reasons[i] == null && (tier < 0 || group.get(i).tier() == tier)) {
                r -= weighted ? group.get(i).weight() : 1;
                if (r < 0) {
                    return i;
                }
            }
        }
        return last;
    }

    /** The candidate with the lowest key (in flight, latency or cost); ties at random. */
    private int lowest(String strategy, List<Model> group, String[] reasons, Demand demand) {
        int best = -1;
        long bestKey = 0;
        int ties = 0;
        for (int i = 0; i < reasons.length; i++) {
            if (reasons[i] != null) {
                continue;
            }
            Model m = group.get(i);
            long key = switch (strategy) {
                case Routing.LEAST_BUSY -> stats.inFlight(m.id());
                case Routing.LATENCY -> stats.latencyNanos(m.id(), demand.stream()); // -1, never measured: first
                default -> expectedCost(m, demand);
            };
            if (best < 0 || key < bestKey) {
                best = i;
                bestKey = key;
                ties = 1;
            } else if (key == bestKey && random.applyAsLong(++ties) == 0) {
                best = i; // each of the tied ones equally likely (reservoir sampling)
            }
        }
        return best;
    }

    /** The candidate with the most rpm/tpm headroom under its own limits; ties at random. */
    private int mostHeadroom(List<Model> group, String[] reasons) {
        int best = -1;
        double bestHeadroom = 0;
        int ties = 0;
        for (int i = 0; i < reasons.length; i++) {
            if (reasons[i] != null) {
                continue;
            }
            double h = headroom(group.get(i));
            if (best < 0 || h > bestHeadroom) {
                best = i;
                bestHeadroom = h;
                ties = 1;
            } else if (h == bestHeadroom && random.applyAsLong(++ties) == 0) {
                best = i;
            }
        }
        return best;
    }

    /** min over rpm and tpm of (limit - used) / limit, in [0, 1]; 1 for a deployment without limits. */
    double headroom(Model m) {
        double h = 1.0;
        if (m.rpm() != null && m.rpm() > 0) {
            h = Math.min(h, (m.rpm() - stats.requestsLastMinute(m.id())) / (double) m.rpm());
        }
        if (m.tpm() != null && m.tpm() > 0) {
            h = Math.min(h, (m.tpm() - stats.tokensLastMinute(m.id())) / (double) m.tpm());
        }
        return Math.max(0, h);
    }

    /**
     * The request's expected price on the deployment, in millionths of a micro-USD (no division, so nothing is
     * rounded away between cheap models): the expected prompt tokens at the input price plus the output limit (or
     * {@link #DEFAULT_OUTPUT_TOKENS}) at the output price, with the prompt-size tier prices that apply; by characters
     * (four per token) for a model billed per character. {@link #UNKNOWN_COST} when a price it needs is unknown.
     */
    static long expectedCost(Model m, Demand demand) {
        GatewayConfig.Prices p = m.prices();
        if (p == null) {
            return UNKNOWN_COST;
        }
        long prompt = expectedPromptTokens(demand);
        long output = demand.maxOutputTokens() > 0 ? demand.maxOutputTokens() : DEFAULT_OUTPUT_TOKENS;
        p = p.forPrompt(prompt);
        Long in;
        Long out;
        if (p.perCharacter()) {
            in = p.inputMicrosPerMillionCharacters();
            out = p.outputMicrosPerMillionCharacters();
            prompt = times(prompt, BYTES_PER_TOKEN);
            output = times(output, BYTES_PER_TOKEN);
        } else {
            in = p.inputMicrosPerMillion();
            out = p.outputMicrosPerMillion();
        }
        if (in == null || out == null) {
            return UNKNOWN_COST;
        }
        return Math.min(UNKNOWN_COST - 1, plus(times(in, prompt), times(out, output)));
    }

    /** a * b for non-negative numbers, at most Long.MAX_VALUE. */
    private static long times(long a, long b) {
        if (a <= 0 || b <= 0) {
            return 0;
        }
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }

    private static long plus(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }

    private static Map<String, String> skipped(List<Model> group, String[] reasons) {
        Map<String, String> out = null;
        for (int i = 0; i < reasons.length; i++) {
            if (reasons[i] != null && reasons[i] != OUT) {
                if (out == null) {
                    out = new LinkedHashMap<>();
                }
                out.put(group.get(i).id(), reasons[i]);
            }
        }
        return out == null ? Map.of() : Collections.unmodifiableMap(out);
    }

    /**
     * On a new configuration, forgets the stats of deployments it no longer has (once idle for a minute, so a
     * request still on an older configuration loses nothing that matters).
     */
    private void forgetRemoved(Snapshot snapshot) {
        String version = snapshot.version();
        if (version == null || version.equals(statsVersion)) {
            return;
        }
        statsVersion = version;
        Set<String> ids = new HashSet<>();
        for (Model m : snapshot.config().models()) {
            ids.add(m.id());
        }
        stats.retain(ids);
    }
}
