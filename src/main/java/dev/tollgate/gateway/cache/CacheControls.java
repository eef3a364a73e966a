package dev.tollgate.gateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.GatewayException;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * What the client asked of the cache for one request: the {@code Cache-Control} request header ({@code no-cache},
 * {@code no-store}, {@code max-age=N}; other directives ignored) and LiteLLM's {@code cache} request field
 * ({@code {"no-cache": true, "no-store": true, "ttl": N, "s-maxage": N, "namespace": "..."}}, seconds).
 *
 * <p>The field follows LiteLLM's "Dynamic Cache Controls" (https://docs.litellm.ai/docs/proxy/caching_controls):
 * {@code ttl} and {@code s-maxage} are whole seconds, {@code no-cache} and {@code no-store} booleans, {@code namespace}
 * a string; LiteLLM's {@code use-cache} (a boolean) is accepted too, {@code false} meaning neither read nor store. Both
 * sources combine: either one's {@code no-cache}/{@code no-store} applies, and the shorter of {@code max-age} and
 * {@code s-maxage} wins. {@code max-age=0} (and {@code s-maxage: 0}) accept no stored entry, so they bypass the
 * cache ({@code noCache}); {@code ttl: 0} stores nothing ({@code noStore}).
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

    /** The longest client namespace accepted. */
    public static final int MAX_NAMESPACE_LENGTH = 64;

    /** Seconds beyond this are taken as this (HTTP's advice for delta-seconds: 2^31); no overflow in millis. */
    private static final long MAX_SECONDS = 2_147_483_648L;

    /**
     * The controls of a request from its {@code Cache-Control} header (null: absent) and its body's {@code cache}
     * field (null: absent); {@link #NONE} when both are absent.
     *
     * @throws dev.tollgate.gateway.GatewayException 400 with param {@code cache} when the field is malformed (not an
     *         object, a negative or non-integer ttl, an unknown member, a namespace that is not a short plain string)
     */
    public static CacheControls of(String cacheControlHeader, JsonNode cacheField) {
        boolean noCache = false;
        boolean noStore = false;
        Long ttl = null;
        Long maxAge = null;
        String namespace = null;
        if (cacheControlHeader != null && !cacheControlHeader.isEmpty()) {
            for (String part : cacheControlHeader.split(",")) {
                String d = part.trim();
                int eq = d.indexOf('=');
                String name = (eq < 0 ? d : d.substring(0, eq)).trim();
                if (name.equalsIgnoreCase("no-cache")) {
                    noCache = true;
                } else if (name.equalsIgnoreCase("no-store")) {
                    noStore = true;
                } else if (name.equalsIgnoreCase("max-age") && eq >= 0) {
                    Long seconds = headerSeconds(d.substring(eq + 1).trim());
                    if (seconds != null) { // an unreadable max-age is ignored, as other directives are
                        maxAge = min(maxAge, seconds * 1000);
                    }
                }
            }
        }
        if (cacheField != null && !cacheField.isNull() && !cacheField.isMissingNode()) {
            if (!cacheField.isObject()) {
                throw malformed("'cache' must be an object such as {\"no-cache\": true, \"ttl\": 300}, not "
                        + kind(cacheField));
            }
            Iterator<Map.Entry<String, JsonNode>> it = cacheField.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (v.isNull()) {
                    continue; // an explicit null is the member left out
                }
                switch (e.getKey()) {
                    case "no-cache":
                        noCache |= bool("no-cache", v);
                        break;
                    case "no-store":
                        noStore |= bool("no-store", v);
                        break;
                    case "use-cache":
                        if (!bool("use-cache", v)) {
                            noCache = true;
                            noStore = true;
                        }
                        break;
                    case "ttl":
                        ttl = seconds("ttl", v) * 1000;
                        break;
                    case "s-maxage":
                        maxAge = min(maxAge, seconds("s-maxage", v) * 1000);
                        break;
                    case "namespace":
                        namespace = namespace(v);
                        break;
                    default:
                        throw malformed("'cache' has an unknown member '" + shorten(e.getKey())
                                + "': use no-cache, no-store, ttl, s-maxage or namespace");
                }
            }
        } else if (cacheControlHeader == null) {
            return NONE;
        }
        if (maxAge != null && maxAge == 0) {
            noCache = true; // nothing stored can be 0 ms old: the client asked for a fresh answer
        }
        if (ttl != null && ttl == 0) {
            noStore = true;
        }
        if (!noCache && !noStore && ttl == null && maxAge == null && namespace == null) {
            return NONE;
        }
        return new CacheControls(noCache, noStore, ttl, maxAge, namespace);
    }

    /** How long to store the answer: the group's ttl, or the client's {@code ttl} when shorter (0: do not store). */
    public long ttlMillis(long groupTtlMillis) {
        return noStore ? 0 : ttlMillis == null ? groupTtlMillis : Math.min(ttlMillis, groupTtlMillis);
    }

    /** The {@code maxAgeMillis} argument of a lookup ({@link ResponseCache#get}): -1 when any live entry will do. */
    public long maxAge() {
        return maxAgeMillis == null ? -1 : maxAgeMillis;
    }

    private static Long min(Long a, long b) {
        return a == null ? b : Math.min(a, b);
    }

    /** A header delta-seconds (digits, maybe quoted), capped at 2^31; null when it is not one. */
    private static Long headerSeconds(String value) {
        String v = value;
        if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
            v = v.substring(1, v.length() - 1);
        }
        if (v.isEmpty()) {
            return null;
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            n = Math.min(MAX_SECONDS, n * 10 + (c - '0'));
        }
        return n;
    }

    private static boolean bool(String member, JsonNode v) {
        if (!v.isBoolean()) {
            throw malformed("'cache." + member + "' must be true or false, not " + kind(v));
        }
        return v.booleanValue();
    }

    private static long seconds(String member, JsonNode v) {
        if (v.isNumber()) {
            BigDecimal d = v.decimalValue();
            if (d.signum() >= 0) {
                try {
                    return d.toBigIntegerExact().min(java.math.BigInteger.valueOf(MAX_SECONDS)).longValue();
                } catch (ArithmeticException notWhole) {
                    // falls through to the error below
                }
            }
        }
        throw malformed("'cache." + member + "' must be a whole number of seconds (0 or more), not "
                + (v.isNumber() ? v.asText() : kind(v)));
    }

    private static String namespace(JsonNode v) {
        if (!v.isTextual()) {
            throw malformed("'cache.namespace' must be a string, not " + kind(v));
        }
        String s = v.textValue();
        if (s.isEmpty() || s.length() > MAX_NAMESPACE_LENGTH) {
            throw malformed("'cache.namespace' must have 1 to " + MAX_NAMESPACE_LENGTH + " characters, not "
                    + s.length());
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_' || c == '.' || c == ':' || c == '/';
            if (!plain) {
                throw malformed("'cache.namespace' may use only letters, digits and - _ . : / (found "
                        + (c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'") + ")");
            }
        }
        return s;
    }

    private static String kind(JsonNode v) {
        if (v.isTextual()) {
            return "a string";
        }
        if (v.isNumber()) {
            return "a number";
        }
        if (v.isBoolean()) {
            return "a boolean";
        }
        if (v.isArray()) {
            return "an array";
        }
        if (v.isObject()) {
            return "an object";
        }
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    private static GatewayException malformed(String message) {
        return new GatewayException(ApiError.of(400, message, "cache"));
    }
}
