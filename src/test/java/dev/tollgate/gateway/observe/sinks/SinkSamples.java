package dev.tollgate.gateway.observe.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.AttemptRecord;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Calls as the sink formats' tests see them (a success with tokens and cost, a failure, a cache hit, with and
 * without content), the sink's credential, and how the tests deliver a {@link SinkRequest} with a real Vert.x client.
 */
final class SinkSamples {
    private SinkSamples() {}

    /** 2025-12-05T11:00:00.123456789Z. */
    static final long START = 1_764_932_400_123_456_789L;
    /** 1.5 s later: 2025-12-05T11:00:01.623456789Z. */
    static final long END = START + 1_500_000_000L;
    static final String START_ISO = "2025-12-05T11:00:00.123Z";
    static final String END_ISO = "2025-12-05T11:00:01.623Z";

    /** The sink's API key: shaped like a real one (Helicone's start with sk-), so a leak matches both scans. */
    static final String API_KEY = "sk-helicone-7f3c9a1e5b2d4c6f8a0e1d3b5c7a9f2e";
    /** A plain header of the sink's (not a secret, but a header: it belongs in no body either). */
    static final Map<String, String> PLAIN_HEADERS = Map.of("x-team-tag", "observability-plain-header");

    static SinkTarget target(String type, String url, boolean logContent) {
        return new SinkTarget("platform/gw/" + type, type, url, Map.of(SinkParts.API_KEY, API_KEY), PLAIN_HEADERS,
                logContent, "tollgate-gateway");
    }

    static SinkTarget targetWithoutKey(String type, String url) {
        return new SinkTarget("platform/gw/" + type, type, url, Map.of(), Map.of(), false, "tollgate-gateway");
    }

    static final Map<String, String> ATTRIBUTES = attributes();

    private static Map<String, String> attributes() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("team", "payments");
        m.put("cost-center", "cc-42");
        return m;
    }

    static final String REQUEST_BODY = "{\"model\":\"gpt-4o\",\"messages\":["
            + "{\"role\":\"system\",\"content\":\"You are terse.\"},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is 2+2?\"}]}],"
            + "\"temperature\":0.2,\"max_tokens\":64}";
    static final String ANSWER_BODY = "{\"id\":\"chatcmpl-42\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-2024-08-06\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"4\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":30}}";

    static Map<String, Object> params() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("temperature", new java.math.BigDecimal("0.2"));
        p.put("max_tokens", 64);
        return p;
    }

    /**
     * A streamed chat completion that succeeded: 120 prompt tokens (20 cached), 30 completion, $0.00153; its answer
     * is the stream's assembled content.
     */
    static CallRecord success() {
        AttemptRecord attempt = new AttemptRecord(1, "00f067aa0ba902b8", START + 1_000_000L, END - 1_000_000L, "gpt-4o",
                "team-a/gpt-4o-east", "openai", "gpt-4o-2024-08-06", "api.openai.com", 443, 200, null, false, 120L, 30L,
                1530L);
        return new CallRecord("3f1c2b9a-7d4e-4f60-9a8b-1c2d3e4f5a6b", "4bf92f3577b34da6a3ce929d0e0e4736",
                "53995c3f42cd8ad8", "a2fb4a1d1a96d312", true, START, END, 250_000_000L, "chat", "/v1/chat/completions",
                "openai", "team-a/checkout", "team-a", ATTRIBUTES, List.of("team-a/monthly"), "gpt-4o", "gpt-4o",
                "team-a/gpt-4o-east", "openai", "gpt-4o-2024-08-06", "gpt-4o-2024-08-06", "chatcmpl-42",
                "api.openai.com", 443, true, params(), 200, null, null, 120L, 30L, 20L, null, 1530L, "MISS",
                List.of("stop"), List.of(attempt), Json.parse(REQUEST_BODY), "4");
    }

    /** The same call, succeeding only after its first attempt failed (a retry). */
    static CallRecord rerouted() {
        CallRecord s = success();
        AttemptRecord failed = new AttemptRecord(1, "1111111111111111", START + 1_000_000L, START + 2_000_000L,
                "gpt-4o", "team-a/gpt-4o-west", "openai", "gpt-4o-2024-08-06", "api.openai.com", 443, 503,
                "upstream_unavailable", true, null, null, null);
        AttemptRecord ok = s.attempts().get(0);
        return new CallRecord(s.requestId(), s.traceId(), s.spanId(), s.parentSpanId(), true, START, END,
                s.firstTokenNanos(), s.operation(), s.path(), s.ingress(), s.keyId(), s.keyNamespace(),
                s.keyAttributes(), s.budgets(), s.requestedModel(), s.model(), s.deploymentId(), s.provider(),
                s.upstreamModel(), s.responseModel(), s.responseId(), s.serverAddress(), s.serverPort(), s.stream(),
                s.requestParams(), 200, null, null, 120L, 30L, 20L, null, 1530L, "MISS", List.of("stop"),
                List.of(failed, ok), s.request(), s.answer());
    }

    /** A call the upstream refused with 429 after one attempt: no tokens, no cost. */
    static CallRecord failure() {
        AttemptRecord attempt = new AttemptRecord(1, "2222222222222222", START + 1_000_000L, END, "gpt-4o",
                "team-a/gpt-4o-east", "openai", "gpt-4o-2024-08-06", "api.openai.com", 443, 429, "rate_limit_exceeded",
                false, null, null, null);
        return new CallRecord("9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", "0af7651916cd43dd8448eb211c80319c",
                "b7ad6b7169203331", null, true, START, END, null, "chat", "/v1/chat/completions", "openai",
                "team-a/checkout", "team-a", ATTRIBUTES, List.of(), "gpt-4o", "gpt-4o", "team-a/gpt-4o-east", "openai",
                "gpt-4o-2024-08-06", null, null, "api.openai.com", 443, false, Map.of(), 429, "rate_limit_exceeded",
                "Rate limit reached for gpt-4o; retry after 20s", null, null, null, null, null, null, List.of(),
                List.of(attempt), Json.parse(REQUEST_BODY), null);
    }

    /**
     * A call answered from the gateway's cache: no attempt, no provider, the cached answer's tokens, no cost; its
     * answer is the JSON body it got.
     */
    static CallRecord cacheHit() {
        return new CallRecord("5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", "5b8aa5a2d2c872e8321cf37308d69df2",
                "051581bf3cb55c13", null, false, START, START + 3_000_000L, null, "chat", "/v1/chat/completions",
                "openai", "team-a/checkout", "team-a", ATTRIBUTES, List.of(), "gpt-4o", "gpt-4o", null, null, null,
                null, null, null, null, false, Map.of(), 200, null, null, 120L, 30L, null, null, 0L, "HIT",
                List.of("stop"), List.of(), Json.parse(REQUEST_BODY), ANSWER_BODY);
    }

    /** Headers of a request, lower-cased names. */
    static Map<String, String> lower(Map<String, String> headers) {
        Map<String, String> out = new LinkedHashMap<>();
        headers.forEach((k, v) -> out.put(k.toLowerCase(java.util.Locale.ROOT), v));
        return out;
    }

    /** Anything shaped like a virtual or provider key. */
    static final Pattern KEY_LIKE = Pattern.compile("(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{6,}");

    /** A body carries no credential, no key-shaped string, no authorization and no header of the sink's. */
    static void assertNoSecret(byte[] body) {
        String text = new String(body, StandardCharsets.ISO_8859_1);
        assertThat(text).doesNotContain(API_KEY).doesNotContain(API_KEY.substring(12))
                .doesNotContainIgnoringCase("bearer").doesNotContain("observability-plain-header");
        assertThat(KEY_LIKE.matcher(text).find()).as("a key-shaped string in %s", text).isFalse();
    }

    /** What a fake answered. */
    record Answer(int status, MultiMap headers, Buffer body) {}

    /**
     * Sends a sink request as a deliverer would: its method, absolute URL, headers and body. The answer's handlers are
     * set before the request is sent, so they run on the connection's event loop as the answer arrives (composing
     * them from this thread after the fact can miss a body that already went by).
     */
    static Answer send(HttpClient client, SinkRequest request) throws Exception {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(request.method()))
                .setAbsoluteURI(request.url());
        request.headers().forEach(options::putHeader);
        CompletableFuture<Answer> done = new CompletableFuture<>();
        client.request(options).onFailure(done::completeExceptionally).onSuccess(req -> {
            req.response().onFailure(done::completeExceptionally).onSuccess((HttpClientResponse res) -> res.body()
                    .onFailure(done::completeExceptionally)
                    .onSuccess(b -> done.complete(new Answer(res.statusCode(), res.headers(), b))));
            req.end(request.body()).onFailure(done::completeExceptionally);
        });
        return done.get(30, TimeUnit.SECONDS);
    }
}
