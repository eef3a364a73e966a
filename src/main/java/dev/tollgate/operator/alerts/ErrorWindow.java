package dev.tollgate.operator.alerts;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A deployment's upstream calls and failures over the error-rate window, from the gateways' health reports. A report
 * holds the last minute (the pods' {@code health.<id>.requests / failures}, summed over the live pods); this keeps one
 * such minute sample per minute and per deployment, and sums those in the window: a 5m window is the last five
 * minute samples. In memory only: after an operator restart (or a change of leader) the window fills again from the
 * next sample on, and an event still active then is not sent again (its identity is in {@link AlertLedger}).
 */
final class ErrorWindow {
    static final long MINUTE = 60_000;

    private record Sample(long atMillis, long requests, long failures) {}

    private final Map<String, Deque<Sample>> samples = new ConcurrentHashMap<>();
    /** The largest window asked for so far: samples are kept that long. */
    private final java.util.concurrent.atomic.AtomicLong keepMillis = new java.util.concurrent.atomic.AtomicLong(MINUTE);

    /** The last minute's figures of one deployment as read at {@code nowMillis}: kept when a minute passed since the last. */
    void sample(String id, long requests, long failures, long nowMillis) {
        Deque<Sample> d = samples.computeIfAbsent(id, k -> new ArrayDeque<>());
        synchronized (d) {
            Sample last = d.peekLast();
            if (last == null || nowMillis - last.atMillis() >= MINUTE) {
                d.addLast(new Sample(nowMillis, requests, failures));
            }
        }
    }

    /**
     * Requests and failures of the minute samples taken within {@code windowMillis} of {@code nowMillis}. The samples
     * are shared by the gateways serving a deployment, each with its own window: only those older than the largest
     * window asked for are dropped.
     */
    long[] sum(String id, long nowMillis, long windowMillis) {
        long window = Math.max(windowMillis, MINUTE);
        keepMillis.accumulateAndGet(window, Math::max);
        Deque<Sample> d = samples.get(id);
        long[] out = new long[2];
        if (d == null) {
            return out;
        }
        long keep = keepMillis.get();
        synchronized (d) {
            while (!d.isEmpty() && nowMillis - d.peekFirst().atMillis() >= keep) {
                d.removeFirst();
            }
            for (Sample s : d) {
                if (nowMillis - s.atMillis() < window) {
                    out[0] += s.requests();
                    out[1] += s.failures();
                }
            }
        }
        return out;
    }

    /** Drops the deployments not in {@code ids}. */
    void retain(java.util.Set<String> ids) {
        samples.keySet().retainAll(ids);
    }

    void clear() {
        samples.clear();
    }
}
