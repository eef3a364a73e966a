package dev.tollgate.gateway.passthrough;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Which key created which provider resource (a Replicate prediction) through the gateway, and whether it has been
 * charged: a key may read or cancel only what it created, and a resource is charged once. Bounded: at most
 * {@code maxEntries}, each kept for {@code ttl} after it was created; the oldest go first. In this replica's memory
 * only (see the README's pass-through section for what that means with several replicas). Thread-safe.
 */
final class Owners {
    /**
     * One resource: its owner (a VirtualKey id), the deployment (LlmModel id) it ran on, when it was created, what was
     * charged for it up front (micro-USD), and whether it has been settled.
     */
    record Entry(String keyId, String deploymentId, long createdNanos, long prepaidMicros, boolean charged) {}

    private final int maxEntries;
    private final long ttlNanos;
    private final LongSupplier nanos;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

    Owners(int maxEntries, Duration ttl, LongSupplier nanos) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, was " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.ttlNanos = ttl.toNanos();
        this.nanos = nanos;
    }

    /**
     * Records a resource created by {@code keyId}, {@code prepaidMicros} charged for it up front; one already known
     * keeps its owner (ids are the provider's).
     */
    synchronized void created(String id, String keyId, String deploymentId, long prepaidMicros) {
        expire();
        if (entries.containsKey(id)) {
            return;
        }
        entries.put(id, new Entry(keyId, deploymentId, nanos.getAsLong(), prepaidMicros, false));
        while (entries.size() > maxEntries) {
            Iterator<Map.Entry<String, Entry>> oldest = entries.entrySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** The resource if {@code keyId} created it and it is still tracked; null otherwise (unknown, or another key's). */
    synchronized Entry ownedBy(String id, String keyId) {
        expire();
        Entry e = entries.get(id);
        return e != null && e.keyId().equals(keyId) ? e : null;
    }

    /**
     * Marks the resource settled: what was charged for it up front for the first call (the one whose request settles
     * it), empty for every later one and for a resource not tracked.
     */
    synchronized java.util.OptionalLong settle(String id) {
        Entry e = entries.get(id);
        if (e == null || e.charged()) {
            return java.util.OptionalLong.empty();
        }
        entries.put(id, new Entry(e.keyId(), e.deploymentId(), e.createdNanos(), e.prepaidMicros(), true));
        return java.util.OptionalLong.of(e.prepaidMicros());
    }

    synchronized int size() {
        return entries.size();
    }

    /** Drops entries past their time, oldest first (insertion order is creation order). */
    private void expire() {
        long now = nanos.getAsLong();
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            if (now - it.next().getValue().createdNanos() <= ttlNanos) {
                return;
            }
            it.remove();
        }
    }
}
