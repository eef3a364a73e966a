package dev.tollgate.gateway.observe;

import io.vertx.core.buffer.Buffer;
import java.util.Map;

/**
 * One HTTP request delivering (part of) a batch to a sink. Its headers may hold the sink's credentials: never
 * logged, never in a metric.
 *
 * @param method  {@code POST} (or what the sink's API needs)
 * @param url     absolute URL
 * @param headers headers, e.g. content-type and authorization
 * @param body    the body
 * @param records how many records it carries (for the delivered/failed counts)
 */
public record SinkRequest(String method, String url, Map<String, String> headers, Buffer body, int records) {
    @Override
    public String toString() {
        return "SinkRequest[" + method + " " + url + ", " + records + " records]"; // never the headers
    }
}
