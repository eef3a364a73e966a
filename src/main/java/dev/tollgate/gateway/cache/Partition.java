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

    /**
     * The partition of a request by {@code key} for {@code group} under {@code cache}'s scope. Key ids are
     * {@code namespace/name}; an id without a slash belongs to the empty namespace. The client's namespace only
     * divides its own tenant's partition further: it never reaches another tenant's entries.
     */
    public static Partition of(GatewayConfig.Cache cache, GatewayConfig.Key key, String group, CacheControls controls) {
        String scope = cache == null ? GatewayConfig.Cache.NAMESPACE : cache.scope();
        String clientNamespace = controls == null ? null : controls.namespace();
        String purge = cache == null ? null : cache.purge();
        if (GatewayConfig.Cache.GATEWAY.equals(scope)) {
            return new Partition("", "gateway", group, purge, clientNamespace);
        }
        if (key == null || key.id() == null) {
            throw new IllegalArgumentException("a cache scoped by " + scope + " needs the calling key");
        }
        String id = key.id();
        int slash = id.indexOf('/');
        String namespace = slash < 0 ? "" : id.substring(0, slash);
        if (GatewayConfig.Cache.KEY.equals(scope)) {
            return new Partition(namespace, "key:" + id, group, purge, clientNamespace);
        }
        // the default, and what an unknown scope falls back to: the narrower sharing of the two safe ones
        return new Partition(namespace, "ns:" + namespace, group, purge, clientNamespace);
    }

    /**
     * A stable string naming the partition (every component, unambiguously joined): part of every stored key. Each
     * component is written as its length, a colon and itself ({@code -} for null), so no two different partitions
     * share an id, whatever characters their components hold.
     */
    public String id() {
        StringBuilder b = new StringBuilder(16 + length(namespace) + length(tenant) + length(group) + length(purge)
                + length(clientNamespace));
        part(b, namespace);
        part(b, tenant);
        part(b, group);
        part(b, purge);
        part(b, clientNamespace);
        return b.toString();
    }

    private static int length(String s) {
        return s == null ? 1 : s.length() + 4;
    }

    private static void part(StringBuilder b, String s) {
        if (s == null) {
            b.append('-');
        } else {
            b.append(s.length()).append(':').append(s);
        }
    }
}
