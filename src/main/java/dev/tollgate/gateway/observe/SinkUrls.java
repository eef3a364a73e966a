package dev.tollgate.gateway.observe;

/** The one way a sink's (or the collector's) base URL is joined with a service's path. */
public final class SinkUrls {
    private SinkUrls() {}

    /**
     * {@code <base><path>} without a doubled slash (the base's trailing slashes are dropped); a base that already
     * ends with the path is kept as it is (e.g. an OTLP endpoint given as {@code http://collector:4318/v1/traces}).
     */
    public static String join(String base, String path) {
        String b = base;
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        return b.endsWith(path) ? b : b + path;
    }
}
