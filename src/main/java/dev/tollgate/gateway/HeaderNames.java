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
    /** Upstream attempts the request took (1 unless it was retried or fell back). */
    public static final CharSequence ATTEMPTS = HttpHeaders.createOptimized("x-tollgate-attempts");
    /** The fallback model group that answered, when not the requested one. */
    public static final CharSequence FALLBACK = HttpHeaders.createOptimized("x-tollgate-fallback");
    /** The deployment tried although cooling down (every deployment of its group was). */
    public static final CharSequence COOLDOWN_OVERRIDE = HttpHeaders.createOptimized("x-tollgate-cooldown-override");
    /** Request header: at most this many retries (may only lower the routing policy's). */
    public static final CharSequence RETRIES = HttpHeaders.createOptimized("x-tollgate-retries");
    /** Request header: "off" uses no fallback group for this request. */
    public static final CharSequence FALLBACKS = HttpHeaders.createOptimized("x-tollgate-fallbacks");
    /** How the cache answered: HIT, SEMANTIC-HIT, MISS or BYPASS (absent when the model group is not cached). */
    public static final CharSequence CACHE = HttpHeaders.createOptimized("x-tollgate-cache");
    /** The prompt version a request was rendered from, {@code <namespace>/<name>@<version>} (requests naming a prompt). */
    public static final CharSequence PROMPT = HttpHeaders.createOptimized("x-tollgate-prompt");
    public static final CharSequence SHOULD_RETRY = HttpHeaders.createOptimized("x-should-retry");

    private HeaderNames() {}
}
