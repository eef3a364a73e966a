package dev.tollgate.gateway.provider.replicate;

import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The SSRF guard for URLs that Replicate hands back (a prediction's {@code urls.get}, {@code urls.stream},
 * {@code urls.cancel}, and output files): the gateway follows them only to Replicate's own hosts, over https on the
 * default port, or to the origin of the model's configured {@code apiBase} (a self-hosted mirror, a test fake). Anything
 * else is a 502 naming the foreign URL's host, never a request: a compromised or spoofed answer must not make the gateway
 * call into the cluster (the API server, a metadata endpoint) with the model's Replicate token.
 *
 * <p>Replicate's hosts: {@code replicate.com} and its subdomains (the API, {@code api.replicate.com}; the stream URLs,
 * {@code streaming.api.replicate.com} and the older {@code stream*.replicate.com}), {@code replicate.delivery} and its
 * subdomains (output files) and subdomains of {@code replicate.net} (older stream URLs on {@code *.svc.*.c.replicate.net}).
 * A URL with userinfo, an IP literal (unless it is the apiBase's own host), a non-https scheme or a port other than 443
 * on Replicate's hosts is refused. The URL is parsed once here and the request is built from the parsed parts
 * ({@link #target}), so the HTTP client cannot read a different host out of the same text.
 */
public final class ReplicateHosts {
    private ReplicateHosts() {}

    /** A URL the guard accepted: its parts, as they will be requested. */
    public record Target(boolean ssl, String host, int port, String pathAndQuery) {
        public RequestOptions options(HttpMethod method) {
            return new RequestOptions().setMethod(method).setSsl(ssl).setHost(host).setPort(port)
                    .setURI(pathAndQuery).setFollowRedirects(false);
        }

        public String url() {
            return (ssl ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host)
                    + ((ssl && port == 443) || (!ssl && port == 80) ? "" : ":" + port) + pathAndQuery;
        }
    }

    /**
     * {@code url} as a target, when it is on Replicate's hosts or the {@code apiBase}'s origin.
     *
     * @param what what the URL is for ("urls.get", "an output file" …), for the error message
     * @throws UpstreamException 502 naming the foreign host otherwise
     */
    public static Target check(String url, String apiBase, String modelId, String what) {
        Target t = parse(url);
        if (t == null) {
            throw foreign(modelId, what, "an unreadable URL");
        }
        Target base = apiBase == null ? null : parse(apiBase);
        if (base != null && base.ssl() == t.ssl() && base.host().equals(t.host()) && base.port() == t.port()) {
            return t;
        }
        if (t.ssl() && t.port() == 443 && replicateHost(t.host())) {
            return t;
        }
        throw foreign(modelId, what, "host " + t.host() + (t.ssl() ? "" : " over plain http"));
    }

    /** Whether {@code host} (lower case, no trailing dot) is one of Replicate's own. */
    static boolean replicateHost(String host) {
        if (ipLiteral(host)) {
            return false;
        }
        return host.equals("replicate.com") || host.endsWith(".replicate.com")
                || host.equals("replicate.delivery") || host.endsWith(".replicate.delivery")
                || host.endsWith(".replicate.net");
    }

    private static boolean ipLiteral(String host) {
        return host.contains(":") || host.matches("[0-9.]+") || host.matches("0x[0-9a-f.x]+");
    }

    /** The parts of an absolute http(s) URL without userinfo or fragment tricks; null when it is not one. */
    static Target parse(String url) {
        if (url == null || url.isBlank()) {
            return null;
        }
        URI u;
        try {
            u = new URI(url.trim());
        } catch (URISyntaxException e) {
            return null;
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return null;
        }
        if (u.getRawUserInfo() != null || u.getHost() == null || u.getRawAuthority() == null
                || u.getRawAuthority().contains("@")) {
            return null;
        }
        String host = u.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        while (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.isEmpty() || host.contains("%") || host.contains("\\")) {
            return null;
        }
        boolean ssl = scheme.equals("https");
        int port = u.getPort() < 0 ? (ssl ? 443 : 80) : u.getPort();
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        String query = u.getRawQuery() == null ? "" : "?" + u.getRawQuery();
        return new Target(ssl, host, port, path + query);
    }

    private static UpstreamException foreign(String modelId, String what, String where) {
        return new UpstreamException(new ApiError(502, "api_error", "upstream_error", "the provider returned a foreign "
                + "URL for " + what + " of " + modelId + " (" + where + "): Tollgate follows only Replicate's own hosts "
                + "and the LlmModel's apiBase", null, "upstream_foreign_url"), 0, null);
    }
}
