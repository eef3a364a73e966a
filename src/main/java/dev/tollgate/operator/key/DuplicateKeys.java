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
 * the same rule the renderer applies. Entries of deleted keys are dropped lazily by {@code exists}.
 */
final class DuplicateKeys {
    record Entry(ResourceID id, String hash, String createdAt) {}

    private final Map<ResourceID, Entry> byId = new HashMap<>();

    /**
     * Records the key's hash (null when it has none now) and returns the winner among keys with that hash,
     * plus every key whose outcome may have changed and so needs another reconcile.
     */
    synchronized Outcome register(ResourceID id, String hash, String createdAt, Predicate<ResourceID> exists) {
        byId.values().removeIf(e -> !exists.test(e.id()));
        Set<ResourceID> affected = new HashSet<>();
        Entry previous = byId.remove(id);
        if (previous != null && !previous.hash().equals(hash)) {
            affected.addAll(sharing(previous.hash()));
        }
        if (hash == null) {
            return new Outcome(Optional.empty(), affected);
        }
        // As in the renderer: no creation time sorts after every real one ("9999"), and ties go by namespace/name.
        Entry mine = new Entry(id, hash, createdAt == null ? "9999" : createdAt);
        byId.put(id, mine);
        Set<ResourceID> same = sharing(hash);
        if (previous == null || !previous.hash().equals(hash)) {
            affected.addAll(same);
        }
        affected.remove(id);
        Entry winner = byId.values().stream().filter(e -> e.hash().equals(hash))
                .min(Comparator.comparing(Entry::createdAt)
                        .thenComparing(e -> e.id().getNamespace().orElse("") + "/" + e.id().getName())).orElse(mine);
        return new Outcome(winner == mine ? Optional.empty() : Optional.of(winner.id()), affected);
    }

    private Set<ResourceID> sharing(String hash) {
        Set<ResourceID> out = new HashSet<>();
        byId.values().forEach(e -> {
            if (e.hash().equals(hash)) {
                out.add(e.id());
            }
        });
        return out;
    }

    /** @param keptBy the older key that keeps the value, when this one is a duplicate */
    record Outcome(Optional<ResourceID> keptBy, Set<ResourceID> affected) {}
}
