package dev.tollgate.gateway.cache;

import dev.tollgate.gateway.Snapshot;
import io.vertx.core.Future;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The exact cache: entries in this process's memory, bounded by {@link dev.tollgate.config.GatewayConfig.Caching#maxBytes()}
 * (least recently used first out; each entry also expires at its own ttl), and, when the config names a Redis, in
 * Redis too (with the same ttl), shared by every replica. Never on the request path's failure path: a Redis that does
 * not answer (bounded wait) is a miss, a failed write is dropped.
 */
@ApplicationScoped
public class ResponseCache {

    /**
     * The live entry for {@code key} in {@code partition} stored at most {@code maxAgeMillis} ago (-1: any age), or
     * null. Completes at once from memory; on a local miss with a Redis named, when Redis answers (then kept in memory
     * too). Never fails.
     */
    public Future<CachedAnswer> get(Snapshot s, Partition partition, String key, long maxAgeMillis) {
        throw new UnsupportedOperationException("placeholder: wt20-exact implements it");
    }

    /**
     * Stores {@code answer} for {@code ttlMillis} (memory, and Redis when named); false when it is larger than
     * {@code maxEntryBytes} (not stored).
     */
    public boolean put(Snapshot s, Partition partition, String key, CachedAnswer answer, long ttlMillis, long maxEntryBytes) {
        throw new UnsupportedOperationException("placeholder: wt20-exact implements it");
    }

    /**
     * Removes the entries of {@code namespace} (null: every namespace) and {@code group} (null: every group), here and
     * in Redis; other replicas drop theirs within a second (they poll the purge marks Redis holds). Completes with the
     * number of entries removed (here and in Redis).
     */
    public Future<Long> purge(Snapshot s, String namespace, String group) {
        throw new UnsupportedOperationException("placeholder: wt20-exact implements it");
    }

    /** Entries in memory now. */
    public long entries() {
        return 0;
    }

    /** Bytes in memory now (by {@link CachedAnswer#weight()}). */
    public long bytes() {
        return 0;
    }
}
