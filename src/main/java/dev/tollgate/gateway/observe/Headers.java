package dev.tollgate.gateway.observe;

import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP headers of the requests sent to sinks: one case-insensitive merge (a header name differing only in case is
 * one header, and who wins is fixed), and the checks a name and a value must pass to be sent at all.
 */
public final class Headers {
    private Headers() {}

    /**
     * The request's headers: the sink's plain headers, then its credentials (header name -> value), then the
     * format's own (content-type, its auth), each winning over the ones before whatever the case of the names (the
     * winner's spelling is kept). Ordered by name, so the same config gives the same request on every JVM.
     */
    public static Map<String, String> merge(Map<String, String> plain, Map<String, String> credentials,
            Map<String, String> own) {
        Map<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        putAll(out, plain);
        putAll(out, credentials);
        putAll(out, own);
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(out));
    }

    private static void putAll(Map<String, String> out, Map<String, String> in) {
        if (in == null) {
            return;
        }
        // a sorted copy first: two names of the same map that differ only in case resolve the same way every run
        for (Map.Entry<String, String> e : new TreeMap<>(in).entrySet()) {
            if (e.getKey() != null && e.getValue() != null) {
                out.remove(e.getKey());
                out.put(e.getKey(), e.getValue());
            }
        }
    }

    /** A header name HTTP allows: a non-empty token (RFC 9110 section 5.6.2). */
    public static boolean validName(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean token = c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
            if (!token) {
                return false;
            }
        }
        return true;
    }

    /** A header value HTTP allows: no control character (CR, LF, NUL, ...) other than a tab, no DEL. */
    public static boolean validValue(String value) {
        if (value == null) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}
