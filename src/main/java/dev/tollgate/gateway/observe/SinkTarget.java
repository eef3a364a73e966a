package dev.tollgate.gateway.observe;

import java.util.Map;

/**
 * A sink as its format sees it: where to send and with what, credentials resolved from the gateway's Secret.
 *
 * @param id          the sink's id ({@link dev.tollgate.config.GatewayConfig.Sink#id()})
 * @param type        its type
 * @param url         its base URL (the type's default when the resource gives none)
 * @param credentials role -> value (e.g. {@code publicKey}, {@code secretKey}, {@code apiKey}, or a webhook header
 *                    name); never logged
 * @param headers     plain headers to add
 * @param logContent  whether records carry the prompt and answer
 * @param serviceName the gateway's name, e.g. for a trace's {@code service.name} or a log's source
 */
public record SinkTarget(String id, String type, String url, Map<String, String> credentials,
        Map<String, String> headers, boolean logContent, String serviceName) {
    @Override
    public String toString() {
        int query = url == null ? -1 : url.indexOf('?');
        // never the credentials, nor a URL's query (a webhook's may hold a token)
        return "SinkTarget[" + id + " " + type + " " + (query < 0 ? url : url.substring(0, query)) + "]";
    }
}
