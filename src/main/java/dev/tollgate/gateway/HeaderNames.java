package dev.tollgate.gateway;

import io.vertx.core.http.HttpHeaders;

/**
 * The header names (and constant values) the request path writes, pre-encoded: Vert.x copies an {@code AsciiString}
 * into the outgoing buffer in one move and keeps its hash, where a {@code String} is encoded character by character
 * on every request (header encoding was a measurable share of the gateway's CPU in bench/).
 */
public final class HeaderNames {
    public static final CharSequence CONTENT_TYPE = HttpHeaders.CONTENT_TYPE;
    public static final CharSequence ACCEPT = HttpHeaders.ACCEPT;
    public static final CharSequence AUTHORIZATION = HttpHeaders.AUTHORIZATION;
    public static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
    public static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
    public static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
    public static final CharSequence DEPLOYMENT = HttpHeaders.createOptimized("x-tollgate-deployment");
    public static final CharSequence COST = HttpHeaders.createOptimized("x-tollgate-cost");
    public static final CharSequence SHOULD_RETRY = HttpHeaders.createOptimized("x-should-retry");

    private HeaderNames() {}
}
