package dev.tollgate.gateway.provider;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

/**
 * One HTTP request to a provider, as an {@link Adapter} builds it from a hub call: method, absolute URL, headers
 * (content type and accept are set by the caller unless the adapter sets them) and body. Mutable until sent, so an
 * {@link Authenticator} can add a header or a signature computed over the finished request.
 */
public final class UpstreamRequest {
    private HttpMethod method = HttpMethod.POST;
    private String url;
    private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    private Buffer body;

    public UpstreamRequest(String url, Buffer body) {
        this.url = url;
        this.body = body;
    }

    public static UpstreamRequest post(String url, Buffer body) {
        return new UpstreamRequest(url, body);
    }

    public HttpMethod method() { return method; }

    public UpstreamRequest method(HttpMethod method) {
        this.method = method;
        return this;
    }

    public String url() { return url; }

    public UpstreamRequest url(String url) {
        this.url = url;
        return this;
    }

    /** Never logged: it carries credentials. */
    public MultiMap headers() { return headers; }

    public UpstreamRequest header(String name, String value) {
        headers.set(name, value);
        return this;
    }

    /** Null for a request without a body (GET). */
    public Buffer body() { return body; }

    public UpstreamRequest body(Buffer body) {
        this.body = body;
        return this;
    }

    @Override
    public String toString() {
        return method + " " + url; // no headers: they carry credentials
    }
}
