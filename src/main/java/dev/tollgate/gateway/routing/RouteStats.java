package dev.tollgate.gateway.routing;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * This replica's live view of each deployment, for the routing strategies and the rpm/tpm pre-call checks: requests
 * in flight, requests started and tokens used over the last minute (60 one-second slots), and a moving average of
 * latency (time to first token for streams, total duration otherwise). Lock-free and O(1) per update; a read of
 * the last minute sums 60 slots.
 *
 * <p>Only this replica's traffic: with several replicas each sees its own share (the exact shared limits stay with
 * the rate limiter; this view only steers which deployment is tried).
 */
@ApplicationScoped
public class RouteStats {
    /** Weight of a new latency sample in the moving average: 1/5 (alpha 0.2). */
    static final int EWMA_DIVISOR = 5;

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final LongSupplier clockMillis;

    @Inject
    public RouteStats() {
        this(System::currentTimeMillis);
    }

    /** Stats on the given clock (tests). */
    RouteStats(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
    }

    /** An attempt on the deployment starts: one more in flight, one more request this second. */
    public void started(String deploymentId) {
        Entry e = entry(deploymentId);
        e.inFlight.incrementAndGet();
        e.requests.add(second(), 1);
    }

    /**
     * The attempt ended (however it ended). {@code durationNanos} is a latency sample of a non-stream answer,
     * {@code firstTokenNanos} one of a stream's first content; pass -1 for what should not be sampled (an attempt
     * that failed must not make its deployment look fast). {@code tokens}: what the attempt used (prompt and output;
     * 0 when unknown), counted against the deployment's tpm.
     */
    public void finished(String deploymentId, long durationNanos, long firstTokenNanos, boolean stream, long tokens) {
        Entry e = entries.get(deploymentId);
        if (e == null) {
            return; // dropped with a configuration that no longer has it
        }
        e.inFlight.decrementAndGet();
        if (tokens > 0) {
            e.tokens.add(second(), tokens);
        }
        if (stream) {
            if (firstTokenNanos >= 0) {
                sample(e.streamNanos, firstTokenNanos);
            }
        } else if (durationNanos >= 0) {
            sample(e.totalNanos, durationNanos);
        }
    }

    public int inFlight(String deploymentId) {
        Entry e = entries.get(deploymentId);
        return e == null ? 0 : Math.max(0, e.inFlight.get());
    }

    /** The moving average in milliseconds (time to first token when {@code stream}); -1 when never measured. */
    public long latencyMillis(String deploymentId, boolean stream) {
        long n = latencyNanos(deploymentId, stream);
        return n < 0 ? -1 : n / 1_000_000;
    }

    /** The moving average in nanoseconds; -1 when never measured. */
    long latencyNanos(String deploymentId, boolean stream) {
        Entry e = entries.get(deploymentId);
        return e == null ? -1 : (stream ? e.streamNanos : e.totalNanos).get();
    }

    /** Attempts started on the deployment in the last 60 seconds (this replica's). */
    public long requestsLastMinute(String deploymentId) {
        Entry e = entries.get(deploymentId);
        return e == null ? 0 : e.requests.sum(second());
    }

    /** Tokens of attempts that finished in the last 60 seconds (this replica's). */
    public long tokensLastMinute(String deploymentId) {
        Entry e = entries.get(deploymentId);
        return e == null ? 0 : e.tokens.sum(second());
    }

    /**
     * Forgets deployments not in {@code configured} (a new configuration) once they have nothing in flight and
     * started nothing for a minute.
     */
    void retain(Collection<String> configured) {
        long now = second();
        entries.entrySet().removeIf(x -> !configured.contains(x.getKey()) && x.getValue().inFlight.get() <= 0
                && x.getValue().requests.sum(now) == 0);
    }

    int size() {
        return entries.size();
    }

    private Entry entry(String deploymentId) {
        Entry e = entries.get(deploymentId);
        return e != null ? e : entries.computeIfAbsent(deploymentId, id -> new Entry());
    }

    private long second() {
        return Math.floorDiv(clockMillis.getAsLong(), 1000L);
    }

    /** new = old + (sample - old) / 5, in nanos; the first sample is taken as it is. */
    private static void sample(AtomicLong average, long nanos) {
        long old;
        long next;
        do {
            old = average.get();
            next = old < 0 ? nanos : old + (nanos - old) / EWMA_DIVISOR;
        } while (!average.compareAndSet(old, next));
    }

    private static final class Entry {
        final AtomicInteger inFlight = new AtomicInteger();
        final Ring requests = new Ring();
        final Ring tokens = new Ring();
        final AtomicLong streamNanos = new AtomicLong(-1);
        final AtomicLong totalNanos = new AtomicLong(-1);
    }

    /**
     * Counts per second over the last 60 seconds. A slot belongs to one second; the first update of a new second
     * resets it (under the ring's lock: once per slot per second, so the common update is two atomic operations).
     */
    static final class Ring {
        private final AtomicLongArray counts = new AtomicLongArray(60);
        private final AtomicLongArray seconds = new AtomicLongArray(60);

        Ring() {
            for (int i = 0; i < 60; i++) {
                seconds.set(i, Long.MIN_VALUE);
            }
        }

        void add(long second, long n) {
            int slot = (int) Math.floorMod(second, 60L);
            if (seconds.get(slot) != second) {
                synchronized (this) {
                    if (seconds.get(slot) != second) {
                        counts.set(slot, 0); // before the second is published: an adder that sees it counts after
                        seconds.set(slot, second);
                    }
                }
            }
            counts.addAndGet(slot, n);
        }

        long sum(long nowSecond) {
            long total = 0;
            for (int i = 0; i < 60; i++) {
                long s = seconds.get(i);
                if (s > nowSecond - 60 && s <= nowSecond) {
                    total += counts.get(i);
                }
            }
            return total;
        }
    }
}
