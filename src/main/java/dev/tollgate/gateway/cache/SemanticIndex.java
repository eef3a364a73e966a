package dev.tollgate.gateway.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.util.VectorUtil;

/**
 * This process's semantic entries: one shelf per semantic partition ({@link SemanticKeys#partition}), each searched
 * exactly (every live entry of the shelf compared with the query: Lucene's {@link VectorUtil#dotProduct} over
 * unit vectors, i.e. the cosine similarity). Bounded by a number of entries and by bytes over all shelves (each
 * entry weighs its answer's {@link CachedAnswer#weight()}, its vector and a fixed overhead: {@link Entry#weight()});
 * over either bound, the entry stored first here goes first. Thread-safe: a search reads a shelf's entries lock-free (an array replaced on every
 * change); changes take the shelf's lock.
 *
 * <p><b>Why an exact scan and not HNSW.</b> A lookup only ever searches one partition (one tenant, model group,
 * system prompt, tool set and parameter set), and the entries of all partitions together are bounded by
 * {@code maxSemanticEntries} (10,000 by default). An exact scan is exact (an approximate index may miss the entry
 * at or above the threshold and answer a miss, or return a worse neighbour), needs no upkeep for ttl expiry,
 * eviction and purge (deletions in an HNSW graph are tombstones until a rebuild, and Lucene's IndexWriter-based
 * HNSW needs a reader reopen before a store becomes searchable), and its cost is predictable: {@code entries x
 * dimensions} multiply-adds. Measured (SemanticIndexTest#scanCost, CPU time of the scanning thread, Java 17,
 * Lucene's scalar {@code dotProduct}, 1,536 dimensions as OpenAI's text-embedding-3-small, on the shared 2-core
 * build machine): 100 entries 66 us, 1,000 entries 1.1 ms, 10,000 entries (the default bound, all in one partition)
 * 8.6 ms. A lookup has just waited for an embedding call (tens to hundreds of milliseconds), so even the worst case
 * adds little; the caller scans a partition inline only up to {@code SemanticCache.INLINE_SCAN} multiply-adds
 * (about 0.1 ms) and on a worker thread above, so an event loop is never held up. HNSW (Lucene's
 * {@code HnswGraphBuilder} per partition, above some thousands of entries) would pay off for single partitions of
 * many thousands of entries under a raised bound: the hybrid the class leaves room for, not needed at the default.
 */
public final class SemanticIndex {
    /** One stored prompt: its unit vector and the answer. */
    public static final class Entry {
        final String id;
        final float[] vector;
        final CachedAnswer answer;
        final long storedAtMillis;
        final long expiresAtMillis;
        final Shelf shelf;
        /** Set (under its shelf's lock) once it left the shelf: the eviction queue drops it without a search. */
        volatile boolean gone;
        /** Bytes it holds in memory (what the byte bound weighs). */
        final long weight;

        Entry(String id, float[] vector, CachedAnswer answer, long storedAtMillis, long expiresAtMillis, Shelf shelf) {
            this.id = id;
            this.vector = vector;
            this.answer = answer;
            this.storedAtMillis = storedAtMillis;
            this.expiresAtMillis = expiresAtMillis;
            this.shelf = shelf;
            this.weight = answer.weight() + 4L * vector.length + OVERHEAD + 2L * id.length();
        }

        /** The entry object, its id string and vector array headers, its slot in its shelf and the eviction queue. */
        static final int OVERHEAD = 160;

        /** Bytes it holds in memory: its answer's weight, its vector (4 bytes a dimension), its id and bookkeeping. */
        public long weight() {
            return weight;
        }

        public String id() {
            return id;
        }

        public CachedAnswer answer() {
            return answer;
        }
    }

    /** The nearest live entry of a search, and its similarity; {@code entry} null when the shelf had none. */
    public record Nearest(Entry entry, double similarity) {
        static final Nearest NONE = new Nearest(null, 0);
    }

    /** The entries of one semantic partition. */
    static final class Shelf {
        final String key;
        final String namespace;
        final String group;
        private static final Entry[] EMPTY = new Entry[0];
        volatile Entry[] entries = EMPTY;
        final Set<String> ids = new HashSet<>();
        /** Redis bookkeeping (SemanticCache): when this shelf was last refreshed, and the highest score it read. */
        volatile long refreshedAtMillis = Long.MIN_VALUE;
        volatile long highestScore = Long.MIN_VALUE;

        Shelf(String key, String namespace, String group) {
            this.key = key;
            this.namespace = namespace;
            this.group = group;
        }
    }

    private final Map<String, Shelf> shelves = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Entry> order = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private volatile int maxEntries;
    private volatile long maxBytes;

    /** Bounded by entries only (tests). */
    public SemanticIndex(int maxEntries) {
        this(maxEntries, Long.MAX_VALUE);
    }

    public SemanticIndex(int maxEntries, long maxBytes) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /** Changes the entry bound (a new config); the entries over it go at the next add. */
    public void maxEntries(int max) {
        this.maxEntries = max;
    }

    /** Changes the byte bound (a new config); the entries over it go at the next add. */
    public void maxBytes(long max) {
        this.maxBytes = max;
    }

    public long size() {
        return count.get();
    }

    /** Bytes the entries hold now ({@link Entry#weight()} summed). */
    public long bytes() {
        return bytes.get();
    }

    Shelf shelf(String key, String namespace, String group) {
        return shelves.computeIfAbsent(key, k -> new Shelf(k, namespace, group));
    }

    /** Whether the shelf holds an entry with this id. */
    boolean contains(Shelf shelf, String id) {
        synchronized (shelf) {
            return shelf.ids.contains(id);
        }
    }

    /** How much work a search of the shelf is ({@code entries x dimensions}). */
    static long cost(Shelf shelf, int dimensions) {
        return (long) shelf.entries.length * dimensions;
    }

    /**
     * The entry of {@code shelf} nearest to the unit vector {@code query}, among those alive at {@code nowMillis}
     * and (when {@code maxAgeMillis} >= 0) stored at most that long ago; entries of another dimension (another
     * embedding model's) are skipped. Expired entries met on the way are removed.
     */
    Nearest nearest(Shelf shelf, float[] query, long nowMillis, long maxAgeMillis) {
        Entry best = null;
        double bestSimilarity = -2;
        List<Entry> expired = null;
        for (Entry e : shelf.entries) {
            if (e.expiresAtMillis <= nowMillis) {
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(e);
                continue;
            }
            if (maxAgeMillis >= 0 && nowMillis - e.storedAtMillis > maxAgeMillis || e.vector.length != query.length) {
                continue;
            }
            double s = VectorUtil.dotProduct(query, e.vector);
            if (s > bestSimilarity) {
                bestSimilarity = s;
                best = e;
            }
        }
        if (expired != null) {
            remove(shelf, expired);
        }
        return best == null ? Nearest.NONE : new Nearest(best, Math.min(1.0, bestSimilarity));
    }

    /**
     * Adds an entry ({@code vector} must be a unit vector); false when the shelf already holds one with this id.
     * Evicts the oldest entries over the bound.
     */
    boolean add(Shelf shelf, String id, float[] vector, CachedAnswer answer, long storedAtMillis, long expiresAtMillis) {
        Entry e = new Entry(id, vector, answer, storedAtMillis, expiresAtMillis, shelf);
        synchronized (shelf) {
            if (shelves.get(shelf.key) != shelf) {
                return false; // purged while its request was answered: no lookup could find it there
            }
            if (!shelf.ids.add(id)) {
                return false;
            }
            Entry[] now = Arrays.copyOf(shelf.entries, shelf.entries.length + 1);
            now[now.length - 1] = e;
            shelf.entries = now;
        }
        count.incrementAndGet();
        bytes.addAndGet(e.weight);
        order.add(e);
        queued.incrementAndGet();
        evict();
        return true;
    }

    private void evict() {
        while (count.get() > maxEntries || bytes.get() > maxBytes) {
            Entry oldest = order.poll();
            if (oldest == null) {
                return;
            }
            queued.decrementAndGet();
            remove(oldest.shelf, List.of(oldest));
        }
        if (queued.get() > 2 * Math.max(maxEntries, 1024)) {
            compactOrder(); // entries removed by expiry or purge are still queued: drop them
        }
        if (shelves.size() > 2 * Math.max(maxEntries, 1024)) {
            shelves.values().removeIf(s -> s.entries.length == 0); // partitions whose entries all went
        }
    }

    private synchronized void compactOrder() {
        if (queued.get() <= 2 * Math.max(maxEntries, 1024)) {
            return;
        }
        List<Entry> live = new ArrayList<>();
        for (Entry e : order) {
            if (!e.gone) {
                live.add(e);
            }
        }
        order.clear();
        order.addAll(live);
        queued.set(live.size());
    }

    /** Removes the given entries of the shelf (those still in it); returns how many went. */
    int remove(Shelf shelf, List<Entry> gone) {
        int removed = 0;
        long freed = 0;
        synchronized (shelf) {
            List<Entry> keep = new ArrayList<>(shelf.entries.length);
            Set<Entry> drop = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            drop.addAll(gone);
            for (Entry e : shelf.entries) {
                if (drop.contains(e)) {
                    shelf.ids.remove(e.id);
                    e.gone = true;
                    removed++;
                    freed += e.weight;
                } else {
                    keep.add(e);
                }
            }
            if (removed > 0) {
                shelf.entries = keep.toArray(new Entry[0]);
            }
        }
        count.addAndGet(-removed);
        bytes.addAndGet(-freed);
        return removed;
    }

    /** Empties a shelf (its Redis bookkeeping too: it is read whole again). Returns how many entries went. */
    int clear(Shelf shelf) {
        int removed;
        long freed = 0;
        synchronized (shelf) {
            removed = shelf.entries.length;
            for (Entry e : shelf.entries) {
                e.gone = true;
                freed += e.weight;
            }
            shelf.entries = Shelf.EMPTY;
            shelf.ids.clear();
            shelf.refreshedAtMillis = Long.MIN_VALUE;
            shelf.highestScore = Long.MIN_VALUE;
        }
        count.addAndGet(-removed);
        bytes.addAndGet(-freed);
        return removed;
    }

    /**
     * Removes every entry of {@code namespace} (null: every namespace) and {@code group} (null: every group); returns
     * how many went.
     */
    public long purge(String namespace, String group) {
        long removed = 0;
        for (Shelf s : shelves.values()) {
            if ((namespace == null || namespace.equals(s.namespace)) && (group == null || group.equals(s.group))) {
                removed += clear(s);
                shelves.remove(s.key, s);
            }
        }
        return removed;
    }

    /** Forgets every shelf's Redis bookkeeping and entries (another replica purged: read everything again). */
    void clearAll() {
        for (Shelf s : shelves.values()) {
            clear(s);
        }
    }

    /** {@code v} scaled to length 1 (a copy); null when it is zero or not finite. */
    static float[] unit(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        if (!(sum > 0) || Double.isInfinite(sum)) {
            return null;
        }
        float inv = (float) (1 / Math.sqrt(sum));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inv;
        }
        return out;
    }
}
