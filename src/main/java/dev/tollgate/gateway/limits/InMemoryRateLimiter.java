package dev.tollgate.gateway.limits;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Exact limits for one gateway replica. RPM and TPM are token buckets of capacity {@code max} refilled at
 * {@code max} per minute (so bursts up to the limit, then a steady rate); PARALLEL is a counter. All decisions
 * take one lock: they are a few arithmetic steps, far cheaper than the request they guard.
 */
public final class InMemoryRateLimiter implements RateLimiter {
    private static final double NANOS_PER_MINUTE = 60e9;

    private final LongSupplier nanoClock;
    private final Map<Slot, Bucket> buckets = new HashMap<>();
    private final Map<Slot, long[]> inFlight = new HashMap<>();

    /** A limit's state is keyed by what it limits, not by its max (a changed limit keeps its level). */
    private record Slot(String scope, Kind kind) {}

    private static final class Bucket {
        double level;
        long updated;
    }

    public InMemoryRateLimiter() {
        this(System::nanoTime);
    }

    public InMemoryRateLimiter(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    @Override
    public Future<Decision> acquire(List<Limit> limits) {
        return Future.succeededFuture(decide(limits));
    }

    @Override
    public Future<Void> release(List<Limit> limits, long tokens, boolean refund) {
        settle(limits, tokens, refund);
        return Future.succeededFuture();
    }

    synchronized Decision decide(List<Limit> limits) {
        long now = nanoClock.getAsLong();
        // each limit's state is looked up once (refilled to now), then read and changed in place
        int n = limits.size();
        Bucket[] bucket = new Bucket[n];
        long[][] counter = new long[n][];
        Limit refused = null;
        long retryAfter = 0;
        for (int i = 0; i < n; i++) {
            Limit l = limits.get(i);
            long wait;
            if (l.kind() == Kind.PARALLEL) {
                counter[i] = inFlight(l);
                wait = counter[i][0] < l.max() ? 0 : 1000;
            } else {
                // RPM: a request takes a whole token. TPM: at least one whole token must be left (the request's
                // real count is debited afterwards, so the bucket may go below zero and pay it back over time).
                bucket[i] = refilled(l, now);
                wait = bucket[i].level >= 1 ? 0 : millisUntil(l, 1 - bucket[i].level);
            }
            if (wait > 0 && refused == null) {
                refused = l;
                retryAfter = wait;
            }
        }
        if (refused == null) {
            for (int i = 0; i < n; i++) {
                switch (limits.get(i).kind()) {
                    case RPM -> bucket[i].level -= 1;
                    case PARALLEL -> counter[i][0]++;
                    case TPM -> { } // debited on release, with the real count
                }
            }
        }
        List<Window> windows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Limit l = limits.get(i);
            if (l.kind() == Kind.PARALLEL) {
                windows.add(new Window(l, Math.max(0, l.max() - counter[i][0]), 0));
            } else {
                double level = bucket[i].level;
                windows.add(new Window(l, Math.max(0, (long) Math.floor(level)), millisUntil(l, l.max() - level)));
            }
        }
        return new Decision(refused, retryAfter, windows);
    }

    synchronized void settle(List<Limit> limits, long tokens, boolean refund) {
        long now = nanoClock.getAsLong();
        for (Limit l : limits) {
            if (l.kind() == Kind.PARALLEL) {
                long[] n = inFlight(l);
                n[0] = Math.max(0, n[0] - 1);
            } else if (l.kind() == Kind.TPM && tokens > 0) {
                refilled(l, now).level -= tokens;
            } else if (l.kind() == Kind.RPM && refund) {
                Bucket b = refilled(l, now);
                b.level = Math.min(l.max(), b.level + 1); // what the bucket would hold had it not been taken
            }
        }
    }

    /** The limit's bucket, refilled for the time since it was last touched (never above max). */
    private Bucket refilled(Limit l, long now) {
        Slot slot = new Slot(l.scope(), l.kind());
        Bucket b = buckets.get(slot);
        if (b == null) {
            b = new Bucket();
            b.level = l.max();
            b.updated = now;
            buckets.put(slot, b);
            return b;
        }
        double refill = (now - b.updated) * l.max() / NANOS_PER_MINUTE;
        b.level = Math.min(l.max(), b.level + refill);
        b.updated = now;
        return b;
    }

    private long[] inFlight(Limit l) {
        return inFlight.computeIfAbsent(new Slot(l.scope(), l.kind()), k -> new long[1]);
    }

    /** Milliseconds until the bucket gains {@code amount} (rounded up; 0 when nothing is missing). */
    private static long millisUntil(Limit l, double amount) {
        if (amount <= 0) {
            return 0;
        }
        return (long) Math.ceil(amount * 60_000.0 / l.max());
    }
}
