package dev.tollgate.gateway.routing;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewayConfig.Cooldown;
import dev.tollgate.config.GatewayConfig.Retries;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.limits.SharedStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Which deployments are out of rotation: cooldowns, half-open probes, and their sharing across replicas.
 *
 * <h2>Rules</h2>
 * <ul>
 * <li><b>429</b> ({@link Retries#RATE_LIMITED}): the deployment cools down at once, for its retry-after when the
 * upstream sent one, else {@link Cooldown#durationMillis()}, at most {@link Cooldown#maxMillis()}. A retry-after of 0
 * starts no cooldown (the upstream said: try again now).</li>
 * <li><b>Other failures</b> ({@code overloaded}, {@code serverError}, {@code timeout}, {@code connectionFailed}) are
 * counted per deployment in a sliding window of {@link Cooldown#windowMillis()}; at {@link Cooldown#failures()} the
 * deployment cools down for {@link Cooldown#durationMillis()}. An overload (503, 529, Anthropic's overloaded_error)
 * counts <i>double</i>: it is the upstream asking for less traffic, so with the default of 3, two overloads (or one
 * and one other failure) take the deployment out, but a single one, which is usually a blip, does not. Any other
 * error class (a 400/401/403/404 of the client's own making) says nothing about the deployment and is ignored.
 * Failures reported while the deployment is already cooling down (attempts that began before it did) are not
 * counted; a 429 then still lengthens the cooldown if its retry-after reaches further.</li>
 * <li><b>Half-open</b>: when the cooldown ends the deployment is on probation ({@code Probing}) and available again;
 * the next {@link #claim} takes its single probe, and while the probe is in flight {@link #available} is false for
 * every other request. {@link #succeeded} brings it back ({@code Healthy}, failure window and backoff cleared);
 * {@link #failed} cools it down again for twice the previous probe's cooldown ({@code durationMillis × 2^k} after the
 * k-th failed probe in a row, at most {@code maxMillis}; a 429's longer retry-after wins); {@link #released} (the
 * attempt ended neither way, e.g. the client left) frees the probe for the next request. A probe that never reports
 * (a leak or a bug) expires after {@code 2 × durationMillis}, at least {@value #MIN_PROBE_MILLIS} ms: then the next
 * request probes instead.</li>
 * <li>A success during an active cooldown (an attempt that began before it, or the Router overriding the cooldown
 * because every deployment of the group is cooling down) ends nothing: the cooldown stands until it runs out and a
 * probe succeeds.</li>
 * </ul>
 *
 * <h2>Cost on the request path</h2>
 * {@link #available}, {@link #coolingUntil} and {@link #claim} read this replica's memory only: one
 * {@link ConcurrentHashMap#get} and volatile reads, no allocation for a deployment that never failed (it has no
 * entry). {@link #succeeded} on a deployment with no cooldown is the same lookup and returns. Only failures and
 * cooldowns lock (one deployment's entry), allocate, and write to Redis.
 *
 * <h2>Across replicas</h2>
 * When the config names a Redis, a cooldown started on one replica is written there ({@link SharedHealth}: the key
 * {@code tollgate:<gateway>:health:<deploymentId>} = {@code <untilMillis>|<reason>}, expiring with the cooldown), and
 * failures are counted there as well (INCRBY with the window as expiry, only on a failure), so three replicas that
 * each see one failure trip the rule of three together. The other replicas learn of a cooldown by a <b>periodic
 * poll</b> ({@code tollgate.gateway.health-poll-millis}, 1 s by default): one MGET of the current config's deployment
 * ids per replica per interval, whatever the traffic. A poll, not a pub/sub subscription, because a subscription
 * needs a dedicated connection outside the client pool with its own reconnect handling, and loses whatever is
 * published while it reconnects, so a poll would be needed to repair it anyway; the poll alone is self-healing,
 * bounded in cost, and its worst-case delay (one interval) is small beside a cooldown (30 s by default), during which
 * each replica also cools a deployment on the failures it sees itself. Clocks: the until is epoch millis, so replicas
 * are assumed NTP-synchronised (a skew of a second shortens or lengthens a shared cooldown by that much).
 * <p>The half-open probe is <b>per replica</b>: each replica sends one probe when the cooldown ends (at most one per
 * replica at a time), because taking a cluster-wide probe (SET NX) would need a Redis round trip inside
 * {@link #claim}, which must answer at once. A probe that fails cools the deployment down again on every replica
 * (the longer cooldown is shared). Redis errors never fail a request nor change the local rules: the replica then
 * works on what it sees itself, and says so once in the log (at warn; at debug afterwards until Redis answers).
 *
 * <p>The same periodic tick follows the config: a new config registers the cooling gauge of each model group and
 * forgets the deployments it no longer has.
 *
 * <h2>Counting</h2>
 * {@link State#cooldowns()} and the counter {@code tollgate.cooldowns} count the cooldowns this replica started
 * (a cooldown learned from Redis is not counted again), so a sum over replicas is the gateway's total. Labels are
 * {@code model} (the public model name), {@code provider}, {@code reason} ({@code rate_limited}, {@code failures},
 * {@code probe_failed}); the gauge {@code tollgate.deployments.cooling} ({@code model}) is the number of the group's
 * deployments not Healthy (cooling down or on probation).
 */
@ApplicationScoped
public class DeploymentHealth {
    private static final Logger LOG = Logger.getLogger(DeploymentHealth.class);
    public static final String HEALTHY = "Healthy";
    public static final String COOLING_DOWN = "CoolingDown";
    public static final String PROBING = "Probing";
    /** The shortest life of an unreported probe claim. */
    static final long MIN_PROBE_MILLIS = 10_000;

    /**
     * The health of one deployment as this replica sees it.
     *
     * @param state              {@code Healthy}, {@code CoolingDown} (out of rotation until {@code coolingUntilMillis}),
     *                           or {@code Probing} (the cooldown ended; one request probes it, or is about to)
     * @param coolingUntilMillis when the current or last cooldown ends (epoch ms); 0 when Healthy
     * @param cooldowns          cooldowns this replica started since it started
     * @param lastReason         why the last cooldown started, e.g. "429 (retry-after 12s)", "3 failures in 60s
     *                           (last: serverError)"; null when it never cooled down. Never a secret or prompt text.
     */
    public record State(String state, long coolingUntilMillis, long cooldowns, String lastReason) {}

    /** One deployment that has failed at least once. Fields without volatile are guarded by the entry's lock. */
    static final class Entry {
        final String id;
        volatile String modelName;
        volatile String provider;
        /** 0: healthy; else when the cooldown ends (past: on probation). */
        volatile long coolingUntil;
        /** 0: no probe in flight; else when the probe's claim expires. */
        volatile long probeUntil;
        Cooldown policy = Cooldown.DEFAULT;
        /** Times of failures in the window, oldest first (an overload is there twice). */
        final ArrayDeque<Long> failures = new ArrayDeque<>();
        /** Failed probes in a row (the backoff's exponent). */
        int probeFailures;
        long cooldowns;
        String lastReason;

        Entry(String id, String modelName, String provider) {
            this.id = id;
            this.modelName = modelName;
            this.provider = provider;
        }
    }

    /** A cooldown this replica started, to count and share outside the entry's lock. */
    private record Started(Entry entry, long untilMillis, String tag, String reason) {}

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, Gauge> gauges = new ConcurrentHashMap<>();
    private final Clock clock;
    private final MeterRegistry registry;
    private final SharedStore store;
    private final Supplier<Snapshot> current;
    private final long pollMillis;
    private final AtomicBoolean polling = new AtomicBoolean();
    private final AtomicBoolean redisDown = new AtomicBoolean();
    private volatile long timer = -1;
    private volatile Snapshot followed;
    private volatile Vertx timerVertx;

    @Inject
    public DeploymentHealth(SharedStore store, ConfigHolder holder, MeterRegistry registry,
            @ConfigProperty(name = "tollgate.gateway.health-poll-millis", defaultValue = "1000") long pollMillis) {
        this(Clock.systemUTC(), registry, store, holder::current, pollMillis);
    }

    /**
     * For tests: an injected clock (read only by the gauge and the poll; the methods take the time as an argument),
     * an optional registry, and an optional store and config (both null: this replica's memory only).
     */
    DeploymentHealth(Clock clock, MeterRegistry registry, SharedStore store, Supplier<Snapshot> current, long pollMillis) {
        this.clock = clock;
        this.registry = registry;
        this.store = store;
        this.current = current;
        this.pollMillis = pollMillis;
    }

    /** Memory only: no Redis, no metrics (tests). */
    DeploymentHealth(Clock clock) {
        this(clock, null, null, null, 0);
    }

    /** Starts the poll of shared cooldowns (gateway and standalone mode; it does nothing while no Redis is named). */
    void onStart(@Observes io.quarkus.runtime.StartupEvent event, Vertx vertx,
            @ConfigProperty(name = "tollgate.mode", defaultValue = "standalone") String mode) {
        if (!"operator".equalsIgnoreCase(mode)) {
            start(vertx);
        }
    }

    /** Every {@code pollMillis}: follows the config ({@link #follow}) and polls Redis for other replicas' cooldowns. */
    void start(Vertx vertx) {
        if (pollMillis > 0 && current != null && timer < 0) {
            timerVertx = vertx;
            timer = vertx.setPeriodic(pollMillis, id -> {
                follow(current.get());
                poll();
            });
        }
    }

    /**
     * When the config changed: registers the cooling gauge of every model group (so it reads 0 before any failure
     * rather than being absent) and forgets the deployments the config no longer has.
     */
    void follow(Snapshot s) {
        if (s == null || s == followed) {
            return;
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (GatewayConfig.Model m : s.config().models()) {
            ids.add(m.id());
            gauge(m.modelName());
        }
        entries.keySet().retainAll(ids);
        followed = s;
    }

    @PreDestroy
    void stop() {
        Vertx v = timerVertx;
        if (v != null && timer >= 0) {
            v.cancelTimer(timer);
            timer = -1;
        }
    }

    // ---- the request path: local memory only ----

    /** Whether the deployment may take a request: not cooling down, and no half-open probe in flight. */
    public boolean available(String deploymentId, long nowMillis) {
        Entry e = entries.get(deploymentId);
        if (e == null) {
            return true;
        }
        long until = e.coolingUntil;
        if (until == 0) {
            return true;
        }
        if (nowMillis < until) {
            return false;
        }
        long probe = e.probeUntil;
        return probe == 0 || nowMillis >= probe;
    }

    /**
     * When the deployment's cooldown ends (epoch ms), 0 when it is healthy. Once the cooldown has ended and until a
     * probe brought the deployment back, this is the (past) end of the last cooldown, so that among deployments that
     * all cool down, one on probation sorts first.
     */
    public long coolingUntil(String deploymentId) {
        Entry e = entries.get(deploymentId);
        return e == null ? 0 : e.coolingUntil;
    }

    /**
     * Claims the deployment the Router chose for an attempt. When its cooldown has ended and no probe is in flight,
     * this attempt becomes the half-open probe (others see it unavailable until it reports). False only when a probe
     * is due and another attempt holds it (lost the race: pick another). A healthy deployment, and one still cooling
     * down (the Router's override when every deployment of the group is), are claimed without a probe: true.
     */
    public boolean claim(String deploymentId, long nowMillis) {
        Entry e = entries.get(deploymentId);
        if (e == null) {
            return true;
        }
        long until = e.coolingUntil;
        if (until == 0 || nowMillis < until) {
            return true;
        }
        synchronized (e) {
            until = e.coolingUntil;
            if (until == 0 || nowMillis < until) {
                return true;
            }
            long probe = e.probeUntil;
            if (probe != 0 && nowMillis < probe) {
                return false;
            }
            e.probeUntil = nowMillis + Math.max(MIN_PROBE_MILLIS, 2 * e.policy.durationMillis());
            return true;
        }
    }

    /**
     * The attempt on {@code m} answered. On probation (the cooldown ended) this brings the deployment back; otherwise
     * it changes nothing, and costs one map lookup (no Redis, no allocation).
     */
    public void succeeded(Snapshot s, GatewayConfig.Model m, long nowMillis) {
        Entry e = entries.get(m.id());
        if (e == null) {
            return;
        }
        long until = e.coolingUntil;
        if (until == 0 || nowMillis < until) {
            return;
        }
        synchronized (e) {
            until = e.coolingUntil;
            if (until == 0 || nowMillis < until) {
                return;
            }
            e.coolingUntil = 0;
            e.probeUntil = 0;
            e.probeFailures = 0;
            e.failures.clear();
        }
        LOG.infof("Deployment %s is healthy again", m.id());
    }

    /**
     * The attempt on {@code m} failed with {@code errorClass} (one of {@link Retries#CLASSES}; anything else is
     * ignored). Applies the rules in the class comment, and shares what it started when the config names a Redis.
     *
     * @param retryAfterMillis the upstream's retry-after, -1 when it sent none (read for 429s)
     * @param policy           the group's cooldown policy ({@link Cooldown#DEFAULT} when null)
     */
    public void failed(Snapshot s, GatewayConfig.Model m, String errorClass, long retryAfterMillis, Cooldown policy,
            long nowMillis) {
        if (errorClass == null || !Retries.CLASSES.contains(errorClass)) {
            return;
        }
        Cooldown p = policy == null ? Cooldown.DEFAULT : policy;
        Entry e = entry(m);
        boolean rateLimited = Retries.RATE_LIMITED.equals(errorClass);
        Started started = null;
        int weight = 0;
        synchronized (e) {
            e.policy = p;
            long until = e.coolingUntil;
            if (until != 0 && nowMillis >= until) {
                // on probation: the probe (or an attempt let through since) failed; cool down again, for longer
                e.probeFailures++;
                long d = backoff(p.durationMillis(), e.probeFailures, p.maxMillis());
                if (rateLimited && retryAfterMillis > d) {
                    d = Math.max(d, Math.min(retryAfterMillis, p.maxMillis()));
                }
                started = start(e, nowMillis, nowMillis + Math.max(1, d), "probe_failed",
                        "probe failed (" + label(errorClass, retryAfterMillis) + ")");
            } else if (rateLimited) {
                long d = Math.min(retryAfterMillis >= 0 ? retryAfterMillis : p.durationMillis(), p.maxMillis());
                if (d > 0 && nowMillis + d > until) {
                    started = start(e, nowMillis, nowMillis + d, "rate_limited", label(errorClass, retryAfterMillis));
                }
            } else if (until == 0 && p.failures() > 0 && p.durationMillis() > 0) {
                weight = Retries.OVERLOADED.equals(errorClass) ? 2 : 1;
                long from = nowMillis - p.windowMillis();
                while (!e.failures.isEmpty() && e.failures.peekFirst() <= from) {
                    e.failures.pollFirst();
                }
                for (int i = 0; i < weight; i++) {
                    e.failures.addLast(nowMillis);
                }
                if (e.failures.size() >= p.failures()) {
                    started = start(e, nowMillis, nowMillis + Math.min(p.durationMillis(), Math.max(1, p.maxMillis())),
                            "failures", failuresReason(p, errorClass));
                }
            }
        }
        SharedHealth shared = shared(s);
        if (started != null) {
            counted(started);
            if (shared != null) {
                watch(shared.cool(e.id, started.untilMillis(), started.reason(), nowMillis));
            }
        } else if (weight > 0 && shared != null) {
            long until = nowMillis + Math.min(p.durationMillis(), Math.max(1, p.maxMillis()));
            String reason = p.failures() + " failures in " + duration(p.windowMillis()) + " across replicas (last: "
                    + errorClass + ")";
            watch(shared.fail(e.id, weight, p.windowMillis(), p.failures(), until, reason, nowMillis)).onSuccess(tripped -> {
                if (Boolean.TRUE.equals(tripped)) {
                    Started st;
                    synchronized (e) {
                        st = start(e, nowMillis, until, "failures", reason);
                    }
                    if (st != null) {
                        counted(st);
                    }
                }
            });
        }
    }

    /** The attempt ended neither way (the client left): frees the half-open probe the deployment had in flight. */
    public void released(String deploymentId) {
        Entry e = entries.get(deploymentId);
        if (e != null && e.probeUntil != 0) {
            e.probeUntil = 0;
        }
    }

    /**
     * Every known deployment's health: those of the current config (Healthy when they never failed) and any other
     * this replica holds state for (a deployment the config dropped is forgotten at the next tick). For status and
     * metrics, not the request path.
     */
    public Map<String, State> states(long nowMillis) {
        Map<String, State> out = new TreeMap<>();
        Snapshot s = current == null ? null : current.get();
        if (s != null) {
            for (GatewayConfig.Model m : s.config().models()) {
                out.put(m.id(), new State(HEALTHY, 0, 0, null));
            }
        }
        for (Entry e : entries.values()) {
            synchronized (e) {
                out.put(e.id, new State(state(e, nowMillis), e.coolingUntil, e.cooldowns, e.lastReason));
            }
        }
        return out;
    }

    // ---- sharing ----

    /**
     * Adopts the cooldowns other replicas started (one MGET of the current config's deployments). Never fails:
     * a Redis error leaves the local state as it is.
     */
    Future<Void> poll() {
        Snapshot s = current == null ? null : current.get();
        SharedHealth shared = shared(s);
        if (shared == null || !polling.compareAndSet(false, true)) {
            return Future.succeededFuture();
        }
        List<GatewayConfig.Model> models = s.config().models();
        List<String> ids = new ArrayList<>(models.size());
        Map<String, GatewayConfig.Model> byId = new LinkedHashMap<>();
        for (GatewayConfig.Model m : models) {
            ids.add(m.id());
            byId.put(m.id(), m);
        }
        return watch(shared.read(ids)).<Void>map(found -> {
            long now = clock.millis();
            found.forEach((id, c) -> adopt(s, byId.get(id), c, now));
            return null;
        }).otherwiseEmpty().onComplete(x -> polling.set(false));
    }

    private void adopt(Snapshot s, GatewayConfig.Model m, SharedHealth.Cooling c, long now) {
        if (m == null || c.untilMillis() <= now) {
            return;
        }
        Entry known = entries.get(m.id());
        if (known != null && known.coolingUntil >= c.untilMillis()) {
            return;
        }
        Entry e = entry(m);
        synchronized (e) {
            if (e.coolingUntil >= c.untilMillis()) {
                return;
            }
            e.policy = s.routing(m.modelName()).cooldown();
            e.coolingUntil = c.untilMillis();
            e.probeUntil = 0;
            e.failures.clear();
            e.lastReason = c.reason().isEmpty() ? null : c.reason();
        }
        LOG.infof("Deployment %s cools down until %s (started by another replica: %s)", m.id(),
                java.time.Instant.ofEpochMilli(c.untilMillis()), c.reason());
    }

    /** The config's Redis for health, or null when it names none (or this instance shares nothing). */
    private SharedHealth shared(Snapshot s) {
        if (s == null || store == null) {
            return null;
        }
        String url = s.config().settings() == null ? null : s.config().settings().redisUrl();
        if (url == null) {
            return null;
        }
        return new SharedHealth(store.redis(url, s.redisPassword()), "tollgate:" + s.config().gateway() + ":");
    }

    /** Logs a Redis failure (warn once per outage, then debug) and clears the flag when Redis answers again. */
    private <T> Future<T> watch(Future<T> f) {
        return f.onSuccess(x -> {
            if (redisDown.compareAndSet(true, false)) {
                LOG.info("Redis answers again: deployment cooldowns are shared across replicas again");
            }
        }).onFailure(t -> {
            String why = t.getClass().getSimpleName() + ": " + t.getMessage();
            if (redisDown.compareAndSet(false, true)) {
                LOG.warnf("Redis failed for deployment health (%s); cooldowns stay local to this replica until it "
                        + "answers", why);
            } else {
                LOG.debugf("Redis failed for deployment health: %s", why);
            }
        });
    }

    // ---- internals ----

    private Entry entry(GatewayConfig.Model m) {
        Entry e = entries.get(m.id());
        if (e == null) {
            e = entries.computeIfAbsent(m.id(), id -> new Entry(id, m.modelName(), m.provider()));
            gauge(m.modelName());
        } else if (!e.modelName.equals(m.modelName()) || !java.util.Objects.equals(e.provider, m.provider())) {
            e.modelName = m.modelName();
            e.provider = m.provider();
            gauge(m.modelName());
        }
        return e;
    }

    /** Starts a cooldown under the entry's lock; null when one that ends at least as late is running. */
    private static Started start(Entry e, long now, long until, String tag, String reason) {
        if (now < e.coolingUntil && until <= e.coolingUntil) {
            return null;
        }
        e.coolingUntil = until;
        e.probeUntil = 0;
        e.failures.clear();
        e.cooldowns++;
        e.lastReason = reason;
        return new Started(e, until, tag, reason);
    }

    private void counted(Started st) {
        Entry e = st.entry();
        LOG.infof("Deployment %s cools down until %s: %s", e.id, java.time.Instant.ofEpochMilli(st.untilMillis()),
                st.reason());
        if (registry != null) {
            Counter.builder("tollgate.cooldowns")
                    .description("Deployments taken out of rotation (cooldowns started by this replica)")
                    .tag("model", e.modelName).tag("provider", e.provider == null ? "" : e.provider)
                    .tag("reason", st.tag()).register(registry).increment();
        }
    }

    private void gauge(String modelName) {
        if (registry == null || modelName == null) {
            return;
        }
        gauges.computeIfAbsent(modelName, n -> Gauge.builder("tollgate.deployments.cooling", this,
                        h -> h.notHealthy(n))
                .description("Deployments of the model group cooling down or on probation")
                .tag("model", n).strongReference(true).register(registry));
    }

    /** Deployments of the group that are not Healthy now. */
    double notHealthy(String modelName) {
        int n = 0;
        for (Entry e : entries.values()) {
            if (modelName.equals(e.modelName) && e.coolingUntil != 0) {
                n++;
            }
        }
        return n;
    }

    private static String state(Entry e, long now) {
        long until = e.coolingUntil;
        return until == 0 ? HEALTHY : now < until ? COOLING_DOWN : PROBING;
    }

    /** {@code base × 2^k}, at most {@code max} (and at least base when max is smaller). */
    static long backoff(long base, int k, long max) {
        long d = Math.max(1, base);
        for (int i = 0; i < k && d < max; i++) {
            d = d > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : d * 2;
        }
        return Math.max(base, Math.min(d, max));
    }

    private static String label(String errorClass, long retryAfterMillis) {
        if (!Retries.RATE_LIMITED.equals(errorClass)) {
            return errorClass;
        }
        return retryAfterMillis >= 0 ? "429 (retry-after " + duration(retryAfterMillis) + ")" : "429";
    }

    private static String failuresReason(Cooldown p, String lastClass) {
        return p.failures() + " failures in " + duration(p.windowMillis()) + " (last: " + lastClass + ")";
    }

    static String duration(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
