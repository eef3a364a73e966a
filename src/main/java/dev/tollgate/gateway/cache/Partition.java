package dev.tollgate.gateway.cache;

import dev.tollgate.config.GatewayConfig;

/**
 * Where a request's cache entries live: nothing stored in one partition is ever served to a request of another.
 *
 * @param namespace       the namespace the entries belong to (the calling key's, for scopes namespace and key; empty
 *                        for scope gateway): what a purge by namespace removes
 * @param tenant          who shares the entries: {@code ns:<namespace>} (scope namespace), {@code key:<key id>}
 *                        (scope key) or {@code gateway}
 * @param group           the public model name asked for
 * @param purge           the group's purge token ({@link GatewayConfig.Cache#purge()}), or null
 * @param clientNamespace the client's own sub-partition ({@link CacheControls#namespace()}), or null
 */
public record Partition(String namespace, String tenant, String group, String purge, String clientNamespace) {

    /** The partition of a request by {@code key} for {@code group} under {@code cache}'s scope. */
    public static Partition of(GatewayConfig.Cache cache, GatewayConfig.Key key, String group, CacheControls controls) {
        throw new UnsupportedOperationException("placeholder: wt20-exact implements it");
    }

    /** A stable string naming the partition (every component, unambiguously joined): part of every stored key. */
    public String id() {
        throw new UnsupportedOperationException("placeholder: wt20-exact implements it");
    }
}
