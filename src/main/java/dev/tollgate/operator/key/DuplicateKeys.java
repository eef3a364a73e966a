package dev.tollgate.operator.key;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which VirtualKeys share a key value (by hash). The oldest keeps it; the others are refused with DuplicateKey,
 * the same rule the renderer applies. Entries of deleted keys are dropped lazily by {@code exists}: those under
 * the hashes a call looks at right away, all of them in a sweep every max(64, size) calls. Indexed by hash, so a
 * reconcile costs O(keys sharing its value), not O(all keys) (at 10,000 keys that was ~10^8 steps to start).
 */
final class DuplicateKeys {
    record Entry(ResourceID id, String hash, String createdAt) {}

    private final Map<ResourceID, Entry> byId = new HashMap<>();
    private final Map<String, Map<ResourceID, Entry>> byHash = new HashMap<>();
    private int sinceSweep;
    private int sweepAfter = 64;

    /**
     * Records the key's hash (null when it has none now) and returns the winner among keys with that hash,
     * plus every key whose outcome may have changed and so needs another reconcile.
     */
    synchronized Outcome register(ResourceID id, String hash, String createdAt, Predicate<ResourceID> exists) {
        if (++sinceSweep >= sweepAfter) { // O(size) every ~size calls: amortized O(1)
            Set.copyOf(byId.values()).forEach(e -> {
                if (!exists.test(e.id())) {
                    remove(e.id());
                }
            });
            sinceSweep = 0;
            sweepAfter = Math.max(64, byId.size());
        }
        Entry current = byId.get(id);
        if (current != null) {
            prune(current.hash(), exists);
        }
        if (hash != null) {
            prune(hash, exists);
        }
        Set<ResourceID> affected = new HashSet<>();
        Entry previous = remove(id);
        if (previous != null && !previous.hash().equals(hash)) {
            affected.addAll(sharing(previous.hash()));
        }
        if (hash == null) {
            return new Outcome(Optional.empty(), affected);
        }
        // As in the renderer: no creation time sorts after every real one ("9999"), and ties go by namespace/name.
        Entry mine = new Entry(id, hash, createdAt == null ? "9999" : createdAt);
        byId.put(id, mine);
        byHash.computeIfAbsent(hash, h -> new HashMap<>()).put(id, mine);
        Set<ResourceID> same = sharing(hash);
        if (previous == null || !previous.hash().equals(hash)) {
            affected.addAll(same);
        }
        affected.remove(id);
        Entry winner = byHash.get(hash).values().stream()
                .min(Comparator.comparing(Entry::createdAt)
                        .thenComparing(e -> e.id().getNamespace().orElse("") + "/" + e.id().getName())).orElse(mine);
        return new Outcome(winner == mine ? Optional.empty() : Optional.of(winner.id()), affected);
    }

    private void prune(String hash, Predicate<ResourceID> exists) {
        Map<ResourceID, Entry> group = byHash.get(hash);
        if (group != null) {
            Set.copyOf(group.keySet()).forEach(other -> {
                if (!exists.test(other)) {
                    remove(other);
                }
            });
        }
    }

    private Entry remove(ResourceID id) {
        Entry e = byId.remove(id);
        if (e != null) {
            Map<ResourceID, Entry> group = byHash.get(e.hash());
            group.remove(id);
            if (group.isEmpty()) {
                byHash.remove(e.hash());
            }
        }
        return e;
    }

    private Set<ResourceID> sharing(String hash) {
        Map<ResourceID, Entry> group = byHash.get(hash);
        return group == null ? new HashSet<>() : new HashSet<>(group.keySet());
    }

    /** Entries held (for tests: deleted keys do not accumulate). */
    synchronized int size() {
        return byId.size();
    }

    /** @param keptBy the older key that keeps the value, when this one is a duplicate */
    record Outcome(Optional<ResourceID> keptBy, Set<ResourceID> affected) {}
}
