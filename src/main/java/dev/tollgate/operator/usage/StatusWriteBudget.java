package dev.tollgate.operator.usage;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A cluster-wide budget for usage-driven status writes, so that usage at scale cannot flood etcd: at 10,000 busy
 * keys, writing every key whose counters moved at every collection would be about 2,000 writes/s.
 *
 * <p>A status write that changes anything but usage figures (a condition flips, the spec changed) is never held
 * back: it is written at once and spends a token, so condition changes reach status within one collection. A
 * write that would change usage figures only is queued; a ticker hands out the tokens that remain, up to
 * {@code tollgate.operator.status-writes-per-second}, to the queued resources whose figures were written the
 * longest ago (stalest first), and tells their controller, which then writes. Figures are therefore at most about
 * (resources with moved figures / budget) + the collection interval old, and the status says when they were taken
 * ({@code usage.figuresAt}).
 */
@ApplicationScoped
public class StatusWriteBudget {
    /** A resource of one kind ("keys", "models", "budgets", "gateways": the usage report's sections). */
    record Slot(String kind, ResourceID id) {}

    private record Queued(long lastWrittenNanos, long seq, Slot slot) {}

    /** What a controller may do with a status change that touches usage figures only. */
    public enum Verdict { WRITE, HOLD }

    private final double perSecond;
    private final LongSupplier nanos;
    private final Map<String, List<Consumer<ResourceID>>> listeners = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    /** When each resource's figures were last written (a resource never written is stalest of all). */
    private final Map<Slot, Long> lastWritten = new HashMap<>();
    private final PriorityQueue<Queued> queue = new PriorityQueue<>((a, b) -> a.lastWrittenNanos() != b.lastWrittenNanos()
            ? Long.compare(a.lastWrittenNanos(), b.lastWrittenNanos()) : Long.compare(a.seq(), b.seq()));
    private final Set<Slot> queued = new HashSet<>();
    /** Resources handed a token by the ticker, until their controller used it (or found nothing to write). */
    private final Map<Slot, Long> permits = new HashMap<>();
    private long seq;
    private double tokens;
    private long refilledAt;
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong urgentWrites = new AtomicLong();
    private ScheduledExecutorService ticker;

    @jakarta.inject.Inject
    public StatusWriteBudget(@ConfigProperty(name = "tollgate.operator.status-writes-per-second", defaultValue = "20") double perSecond) {
        this(perSecond, System::nanoTime);
    }

    /** A budget on the given clock (tests). */
    public StatusWriteBudget(double perSecond, LongSupplier nanos) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("tollgate.operator.status-writes-per-second must be > 0, was " + perSecond);
        }
        this.perSecond = perSecond;
        this.nanos = nanos;
        this.refilledAt = nanos.getAsLong();
        this.tokens = burst();
    }

    /** At most one second of the budget at once. */
    private double burst() {
        return Math.max(1, perSecond);
    }

    /** Registers the controller of one kind: told which resource may now write its queued figures. */
    public void onGrant(String kind, Consumer<ResourceID> listener) {
        listeners.computeIfAbsent(kind, k -> new CopyOnWriteArrayList<>()).add(listener);
    }

    /** Starts handing out tokens every {@code periodMillis} (operator mode). */
    public synchronized void start(long periodMillis) {
        if (ticker == null) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tollgate-status-write-budget");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::grant, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    public synchronized void stop() {
        if (ticker != null) {
            ticker.shutdownNow();
            ticker = null;
        }
    }

    /** A write that changes more than figures (a condition, the spec): never held back, but it spends a token. */
    public void urgent(String kind, ResourceID id) {
        Slot s = new Slot(kind, id);
        synchronized (lock) {
            refill();
            tokens = Math.max(-burst(), tokens - 1); // a storm of flips delays figures, never blocks itself
            written(s);
        }
        urgentWrites.incrementAndGet();
        writes.incrementAndGet();
    }

    /**
     * A write that changes usage figures only: WRITE when the ticker granted this resource a token (it is spent
     * now), else HOLD, and the resource is queued for a token.
     */
    public Verdict figures(String kind, ResourceID id) {
        Slot s = new Slot(kind, id);
        synchronized (lock) {
            if (permits.remove(s) != null) {
                written(s);
                writes.incrementAndGet();
                return Verdict.WRITE;
            }
            enqueue(s);
            return Verdict.HOLD;
        }
    }

    /** The resource's figures are as status has them: a token granted to it is given back, it leaves the queue. */
    public void unchanged(String kind, ResourceID id) {
        Slot s = new Slot(kind, id);
        synchronized (lock) {
            if (permits.remove(s) != null) {
                tokens = Math.min(burst(), tokens + 1);
            }
            queued.remove(s);
        }
    }

    /** Marks a resource's figures as moved without asking its controller now (it is told when its turn comes). */
    public void moved(String kind, ResourceID id) {
        synchronized (lock) {
            enqueue(new Slot(kind, id));
        }
    }

    /** Hands the tokens that accumulated to the stalest queued resources and tells their controllers. */
    void grant() {
        List<Slot> granted = new java.util.ArrayList<>();
        synchronized (lock) {
            refill();
            long now = nanos.getAsLong();
            // a grant that was never used (the resource was deleted, its reconcile failed) expires after 30 s
            permits.values().removeIf(t -> now - t > TimeUnit.SECONDS.toNanos(30));
            while (tokens >= 1 && !queue.isEmpty()) {
                Queued q = queue.poll();
                if (!queued.remove(q.slot())) {
                    continue; // written meanwhile, or found unchanged
                }
                tokens -= 1;
                permits.put(q.slot(), now);
                granted.add(q.slot());
            }
        }
        for (Slot s : granted) {
            listeners.getOrDefault(s.kind(), List.of()).forEach(l -> l.accept(s.id()));
        }
    }

    /** Queued resources (figures moved, not yet written). */
    public int backlog() {
        synchronized (lock) {
            return queued.size();
        }
    }

    /** Status writes counted so far (figures and urgent), and of those the urgent ones. */
    public long writes() {
        return writes.get();
    }

    public long urgentWrites() {
        return urgentWrites.get();
    }

    private void enqueue(Slot s) {
        if (queued.add(s)) {
            queue.add(new Queued(lastWritten.getOrDefault(s, Long.MIN_VALUE), seq++, s));
        }
    }

    private void written(Slot s) {
        lastWritten.put(s, nanos.getAsLong());
        queued.remove(s);
    }

    private void refill() {
        long now = nanos.getAsLong();
        tokens = Math.min(burst(), tokens + (now - refilledAt) / 1e9 * perSecond);
        refilledAt = now;
    }
}
