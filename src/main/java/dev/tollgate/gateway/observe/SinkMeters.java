package dev.tollgate.gateway.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of one sink id in one registry, shared by every worker of that id alive at once (a reload runs the old
 * and the new worker of a changed sink side by side for a moment): counters keep counting across reloads, the queue
 * gauge sums the workers' queues, and the meters are removed when the last worker of the id is closed. Also holds
 * the sink's warning rate limit, so a reload does not reset it.
 */
final class SinkMeters {
    static final String RECORDS = "tollgate.callback.records";
    static final String QUEUE = "tollgate.callback.queue";
    static final long WARN_INTERVAL_NANOS = 60_000_000_000L;

    private static final Map<MeterRegistry, Map<String, SinkMeters>> ALL = new WeakHashMap<>();

    final Counter sent;
    final Counter failed;
    final Counter dropped;
    private final Gauge queue;
    private final Set<SinkWorker> workers = new CopyOnWriteArraySet<>();
    private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);
    private final AtomicLong suppressed = new AtomicLong();

    private SinkMeters(MeterRegistry registry, String sink) {
        sent = counter(registry, sink, "sent");
        failed = counter(registry, sink, "failed");
        dropped = counter(registry, sink, "dropped");
        queue = Gauge.builder(QUEUE, this, SinkMeters::waiting).tag("sink", sink)
                .description("Records waiting in the callback sink's queue").strongReference(true).register(registry);
    }

    private static Counter counter(MeterRegistry registry, String sink, String result) {
        return Counter.builder(RECORDS).tag("sink", sink).tag("result", result)
                .description("Call records of a callback sink: sent, failed (the sink refused them or retries ran "
                        + "out) or dropped (its queue was full)")
                .register(registry);
    }

    static synchronized SinkMeters acquire(MeterRegistry registry, String sink, SinkWorker worker) {
        SinkMeters m = ALL.computeIfAbsent(registry, r -> new HashMap<>()).computeIfAbsent(sink,
                s -> new SinkMeters(registry, s));
        m.workers.add(worker);
        return m;
    }

    static synchronized void release(MeterRegistry registry, String sink, SinkWorker worker) {
        Map<String, SinkMeters> bySink = ALL.get(registry);
        SinkMeters m = bySink == null ? null : bySink.get(sink);
        if (m == null || !m.workers.remove(worker) || !m.workers.isEmpty()) {
            return;
        }
        bySink.remove(sink);
        for (Meter meter : List.<Meter>of(m.sent, m.failed, m.dropped, m.queue)) {
            registry.remove(meter);
        }
    }

    private double waiting() {
        long n = 0;
        for (SinkWorker w : workers) {
            n += w.waiting();
        }
        return n;
    }

    /**
     * Whether a warning may be logged now (at most one a minute per sink); returns how many were suppressed since
     * the last one, or -1 when this one is suppressed too.
     */
    long warnPermit() {
        long now = System.nanoTime();
        long last = lastWarn.get();
        if (now - last < WARN_INTERVAL_NANOS || !lastWarn.compareAndSet(last, now)) {
            suppressed.incrementAndGet();
            return -1;
        }
        return suppressed.getAndSet(0);
    }
}
