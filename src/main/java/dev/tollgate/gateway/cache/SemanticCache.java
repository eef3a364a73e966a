package dev.tollgate.gateway.cache;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.Snapshot;
import io.vertx.core.Future;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The semantic cache: a request's prompt is embedded by the group {@link GatewayConfig.Semantic#embeddingModel()}
 * and the nearest stored prompt of its semantic partition (its {@link Partition}, and the model group, system
 * prompt, tools and every other answer-changing parameter) is served when its cosine similarity reaches the
 * threshold. The embedding call is charged to the calling key (usage and budgets) like any other call.
 */
@ApplicationScoped
public class SemanticCache {

    /** What a lookup found, and what {@link #store} needs to store the answer under the same prompt. */
    public record Lookup(CachedAnswer hit, double similarity, Object handle) {
        /** Nothing found and nothing to store with (the embedding failed, or the request has no prompt to embed). */
        public static final Lookup NONE = new Lookup(null, 0, null);
    }

    /**
     * Embeds {@code ctx}'s prompt and looks for the nearest entry of its semantic partition stored at most
     * {@code maxAgeMillis} ago (-1: any). Never fails: an embedding, index or Redis failure is a miss ({@link Lookup#NONE}).
     */
    public Future<Lookup> lookup(RequestContext ctx, GatewayConfig.Cache cache, Partition partition, long maxAgeMillis) {
        throw new UnsupportedOperationException("placeholder: wt20-semantic implements it");
    }

    /** Stores {@code answer} under the prompt {@code lookup} embedded (nothing when it has no handle). */
    public void store(RequestContext ctx, GatewayConfig.Cache cache, Lookup lookup, CachedAnswer answer, long ttlMillis) {
        throw new UnsupportedOperationException("placeholder: wt20-semantic implements it");
    }

    /** As {@link ResponseCache#purge}, for the semantic entries. */
    public Future<Long> purge(Snapshot s, String namespace, String group) {
        throw new UnsupportedOperationException("placeholder: wt20-semantic implements it");
    }

    /** Entries in this process's index now. */
    public long entries() {
        return 0;
    }
}
