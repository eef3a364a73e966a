package dev.tollgate.gateway.observe;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.UsageReport;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counts the requests the operator's alerts watch ({@link GatewayConfig.RequestAlerts}, from
 * {@code GatewayDeployment.spec.observability.alerts.slowRequest / hangingRequest}): requests that took longer than
 * {@code slowMillis}, and requests in flight longer than {@code hangingMillis}. The figures go into the usage report
 * ({@link UsageReport.Requests}); the operator alerts when they grow.
 *
 * <p>Cheap on the request path, and nothing at all while the config watches neither: {@link #finished} compares one
 * duration; {@link #opened} / {@link #closed} keep the requests in flight in a map only while {@code hangingMillis}
 * is set. The requests in flight are scanned when the report is built ({@link #figures}, on the management port,
 * each time the operator reads it: every few seconds), never on the request path.
 *
 * <p>One request has one context per upstream attempt (retries, fallbacks) and they overlap for a moment; every
 * attempt names its request ({@code request}: the same object for all of them, e.g. its RoutingContext), so a
 * request is counted once.
 */
public final class RequestWatch {
    /** One attempt in flight: its request and when that request arrived. */
    private record Open(Object request, long startNanos, long hangingNanos) {}

    private final Clock clock;
    private final LongSupplier nanos;
    private final LongAdder slow = new LongAdder();
    private final LongAdder hanging = new LongAdder();
    private final AtomicLong lastSlowAtMillis = new AtomicLong();
    private final AtomicLong lastHangingAtMillis = new AtomicLong();
    /** Attempts in flight (only while a hanging threshold is set), by their own context. */
    private final Map<Object, Open> open = new ConcurrentHashMap<>();
    /** The thresholds last seen, for the report. */
    private volatile GatewayConfig.RequestAlerts thresholds;

    public RequestWatch() {
        this(Clock.systemUTC(), System::nanoTime);
    }

    /** @param nanos the monotonic clock request start times are read on ({@code System.nanoTime} outside tests) */
    public RequestWatch(Clock clock, LongSupplier nanos) {
        this.clock = clock;
        this.nanos = nanos;
    }

    /** The thresholds of a config, or null when it watches neither slow nor hanging requests. */
    public static GatewayConfig.RequestAlerts thresholds(GatewayConfig config) {
        if (config == null || config.observability() == null) {
            return null;
        }
        GatewayConfig.RequestAlerts r = config.observability().requests();
        return r == null || r.slowMillis() == null && r.hangingMillis() == null ? null : r;
    }

    /**
     * A request ended (answered, refused, failed, left by its client or cut), {@code elapsedNanos} after it arrived:
     * counted as slow and/or hanging when it took longer than the thresholds.
     */
    public void finished(GatewayConfig.RequestAlerts t, long elapsedNanos) {
        if (t == null) {
            return;
        }
        thresholds = t;
        long millis = TimeUnit.NANOSECONDS.toMillis(elapsedNanos);
        if (t.slowMillis() != null && millis > t.slowMillis()) {
            slow.increment();
            lastSlowAtMillis.accumulateAndGet(clock.millis(), Math::max);
        }
        if (t.hangingMillis() != null && millis > t.hangingMillis()) {
            hanging.increment();
            lastHangingAtMillis.accumulateAndGet(clock.millis(), Math::max);
        }
    }

    /**
     * An attempt of {@code request} (which arrived at {@code startNanos}) is in flight under {@code attempt}; kept
     * only while a hanging threshold is set.
     */
    public void opened(Object attempt, Object request, long startNanos, GatewayConfig.RequestAlerts t) {
        if (t == null || t.hangingMillis() == null) {
            return;
        }
        thresholds = t;
        open.put(attempt, new Open(request, startNanos, TimeUnit.MILLISECONDS.toNanos(t.hangingMillis())));
    }

    /** The attempt is over (completed in every stage). */
    public void closed(Object attempt) {
        if (!open.isEmpty()) {
            open.remove(attempt);
        }
    }

    /** Attempts in flight being watched (tests). */
    int watching() {
        return open.size();
    }

    /** {@link #figures(GatewayConfig.RequestAlerts)} with the thresholds last seen on a request. */
    public UsageReport.Requests figures() {
        return figures(thresholds);
    }

    /**
     * The figures for the usage report, scanning the requests in flight: null when the config served now watches
     * neither threshold (the report then carries no {@code requests}; what was counted before stays counted).
     *
     * @param t the thresholds of the config served now
     */
    public UsageReport.Requests figures(GatewayConfig.RequestAlerts t) {
        if (t == null) {
            open.clear(); // no longer watched: nothing to keep
            return null;
        }
        long now = nanos.getAsLong();
        Set<Object> hangingNow = new HashSet<>();
        for (Open o : open.values()) {
            if (now - o.startNanos() > o.hangingNanos()) {
                hangingNow.add(o.request());
            }
        }
        if (!hangingNow.isEmpty()) {
            lastHangingAtMillis.accumulateAndGet(clock.millis(), Math::max);
        }
        return new UsageReport.Requests(t.slowMillis(), slow.sum(), at(lastSlowAtMillis.get()), t.hangingMillis(),
                hanging.sum(), hangingNow.size(), at(lastHangingAtMillis.get()));
    }

    private static String at(long millis) {
        return millis == 0 ? null : Instant.ofEpochMilli(millis).toString();
    }
}
