package dev.tollgate.gateway.cache;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the client asked of the cache for one request: the {@code Cache-Control} request header ({@code no-cache},
 * {@code no-store}, {@code max-age=N}; other directives ignored) and LiteLLM's {@code cache} request field
 * ({@code {"no-cache": true, "no-store": true, "ttl": N, "s-maxage": N, "namespace": "..."}}, seconds).
 *
 * @param noCache       do not answer from the cache (the answer may still be stored): x-tollgate-cache BYPASS
 * @param noStore       do not store this answer
 * @param ttlMillis     store this answer for at most this long (never longer than the group's ttl); null: the group's
 * @param maxAgeMillis  only serve an entry stored at most this long ago (max-age, s-maxage); null: any live entry
 * @param namespace     a sub-partition the client chose (LiteLLM {@code cache.namespace}): within its own tenant's
 *                      partition, never across tenants; null: none
 */
public record CacheControls(boolean noCache, boolean noStore, Long ttlMillis, Long maxAgeMillis, String namespace) {
    public static final CacheControls NONE = new CacheControls(false, false, null, null, null);

    /**
     * The controls of a request from its {@code Cache-Control} header (null: absent) and its body's {@code cache}
     * field (null: absent); {@link #NONE} when both are absent.
     *
     * @throws dev.tollgate.gateway.GatewayException 400 with param {@code cache} when the field is malformed (not an
     *         object, a negative or non-integer ttl, an unknown member, a namespace that is not a short plain string)
     */
    public static CacheControls of(String cacheControlHeader, JsonNode cacheField) {
        throw new UnsupportedOperationException("placeholder: wt20-exact implements it");
    }
}
