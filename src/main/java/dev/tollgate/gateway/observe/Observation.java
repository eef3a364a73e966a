package dev.tollgate.gateway.observe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.UpstreamObserver;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One observed request on its way (made by {@link Observer#begin} only when something observes it): its trace
 * context, its upstream attempts, and what of its answer the record needs. Lives on the request's event loop, like
 * its {@link RequestContext}; {@link #record} turns it into the immutable {@link CallRecord} at the request's end.
 */
public final class Observation {
    private static final String TRACEPARENT = "traceparent";

    final Observer observer;
    final String traceId;
    final String spanId;
    final String parentSpanId;
    final boolean sampled;
    /** Send {@code traceparent} upstream (tracing is on). */
    private final boolean propagate;
    /** Whether some sink seeing this request logs content: decided once the key is known (null before). */
    private Boolean wantsContent;
    private final long startEpochNanos;
    private final long startNanoTime;
    private List<AttemptRecord> attempts;
    private String responseId;
    private String responseModel;
    private List<String> finishReasons;
    /** A JSON answer as sent (only when content is wanted). */
    private Buffer answerBody;
    /** A stream's text as sent (only when content is wanted). */
    private StringBuilder answerText;
    private boolean ended;
    private String requestedModel;

    Observation(Observer observer, String incomingTraceparent, boolean tracing, double ratio) {
        this.observer = observer;
        this.startNanoTime = System.nanoTime();
        java.time.Instant now = java.time.Instant.now();
        this.startEpochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        this.propagate = tracing;
        this.spanId = newSpanId();
        String[] parent = parse(incomingTraceparent);
        if (parent != null) {
            this.traceId = parent[0];
            this.parentSpanId = parent[1];
            this.sampled = tracing && (Integer.parseInt(parent[2], 16) & 1) == 1;
        } else {
            this.traceId = newTraceId();
            this.parentSpanId = null;
            this.sampled = tracing && sampledByRatio(traceId, ratio);
        }
    }

    /**
     * A W3C traceparent's trace id, parent span id and flags, or null when absent or malformed
     * (https://www.w3.org/TR/trace-context/#traceparent-header: {@code 00-<32 hex>-<16 hex>-<2 hex>}, ids not all
     * zero; a later version's header is read by the same first four fields).
     */
    static String[] parse(String header) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        if (h.length() < 55 || h.charAt(2) != '-' || h.charAt(35) != '-' || h.charAt(52) != '-'
                || (h.length() > 55 && h.charAt(55) != '-') || h.startsWith("ff")) {
            return null;
        }
        String version = h.substring(0, 2);
        String trace = h.substring(3, 35);
        String span = h.substring(36, 52);
        String flags = h.substring(53, 55);
        if (!hex(version) || !hex(trace) || !hex(span) || !hex(flags) || zero(trace) || zero(span)
                || ("00".equals(version) && h.length() != 55)) {
            return null;
        }
        return new String[] {trace, span, flags};
    }

    private static boolean hex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean zero(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /**
     * The ratio decision on a new trace, as OpenTelemetry's TraceIdRatioBased sampler makes it: the trace id's last
     * 16 hex digits, as a non-negative number, under ratio × Long.MAX_VALUE.
     */
    static boolean sampledByRatio(String traceId, double ratio) {
        if (ratio >= 1.0) {
            return true;
        }
        if (ratio <= 0.0) {
            return false;
        }
        long low = Long.parseUnsignedLong(traceId.substring(16), 16);
        return Math.abs(low == Long.MIN_VALUE ? Long.MAX_VALUE : low) < (long) (ratio * Long.MAX_VALUE);
    }

    static String newTraceId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi;
        long lo;
        do {
            hi = r.nextLong();
            lo = r.nextLong();
        } while (hi == 0 && lo == 0);
        return hex16(hi) + hex16(lo);
    }

    static String newSpanId() {
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong();
        } while (id == 0);
        return hex16(id);
    }

    private static String hex16(long v) {
        String s = Long.toHexString(v);
        return s.length() == 16 ? s : "0000000000000000".substring(s.length()) + s;
    }

    /** The model group the client asked for, once known (a fallback does not change it). */
    public void requested(String modelName) {
        if (requestedModel == null) {
            requestedModel = modelName;
        }
    }

    public String traceId() {
        return traceId;
    }

    public String spanId() {
        return spanId;
    }

    public boolean sampled() {
        return sampled;
    }

    long epochNanos(long nanoTime) {
        return startEpochNanos + (nanoTime - startNanoTime);
    }

    // ---- attempts -------------------------------------------------------------------------------------------------

    /** One attempt on its way: its span id, and where its requests went. */
    public static final class Attempt implements UpstreamObserver {
        final String spanId = newSpanId();
        /** When the attempt started (not its context: a retry's context is made before its backoff). */
        final long startNanos = System.nanoTime();
        private final String traceparent;
        String serverAddress;
        Integer serverPort;

        Attempt(Observation o) {
            this.traceparent = o.propagate ? "00-" + o.traceId + "-" + spanId + (o.sampled ? "-01" : "-00") : null;
        }

        @Override
        public void sending(HttpClientRequest request) {
            if (traceparent != null) {
                request.headers().set(TRACEPARENT, traceparent);
            }
            if (serverAddress == null) {
                serverAddress = request.getHost();
                serverPort = request.getPort();
            }
        }
    }

    /** An upstream attempt starts ({@code attempt.deployment} is set): its span, and traceparent on its calls. */
    public void attemptStarted(RequestContext attempt) {
        // what an earlier attempt's answer said (a stream held back, then failed over) is not this answer's
        responseId = null;
        responseModel = null;
        finishReasons = null;
        answerText = null;
        answerBody = null;
        Attempt a = new Attempt(this);
        attempt.observedAttempt = a;
        attempt.cancellation.observer(a);
    }

    /** An attempt that started has ended (its stages completed, its cost known). */
    public void attemptEnded(RequestContext attempt) {
        Attempt a = attempt.observedAttempt;
        if (a == null || attempt.deployment == null) {
            return;
        }
        attempt.observedAttempt = null;
        GatewayConfig.Model m = attempt.deployment;
        int status = status(attempt);
        if (attempts == null) {
            attempts = new ArrayList<>(2);
        }
        attempts.add(new AttemptRecord(attempt.attempt, a.spanId, epochNanos(a.startNanos),
                epochNanos(System.nanoTime()), m.modelName(), m.id(), m.provider(), m.upstreamModel(), a.serverAddress,
                a.serverPort, status, errorType(attempt, status), attempt.superseded,
                attempt.usage == null ? null : attempt.usage.promptTokens(),
                attempt.usage == null ? null : attempt.usage.outputTokens(), attempt.costMicros));
    }

    // ---- the answer -----------------------------------------------------------------------------------------------

    /** Whether the record carries the prompt and answer: some sink that sees the request's key logs content. */
    private boolean wantsContent(RequestContext ctx) {
        if (wantsContent == null) {
            wantsContent = observer.wantsContent(ctx.key == null ? null : namespace(ctx.key.id()));
        }
        return wantsContent;
    }

    /** A JSON answer is written to the client. */
    public void json(RequestContext ctx, Buffer body) {
        if (wantsContent(ctx)) {
            answerBody = body;
        }
        if (ctx.operation == Operation.CHAT || ctx.operation == Operation.COMPLETIONS) {
            read(body);
        }
    }

    /**
     * The answer's id, model and finish reasons, read token by token without building its tree (an answer may be
     * large: only what the record needs is kept): OpenAI's {@code choices[].finish_reason} and Anthropic's
     * {@code stop_reason}.
     */
    void read(Buffer body) {
        io.netty.buffer.ByteBuf b = body.getByteBuf();
        try (com.fasterxml.jackson.core.JsonParser p = b.hasArray()
                ? dev.tollgate.gateway.Json.mapper().getFactory().createParser(b.array(), b.arrayOffset() + b.readerIndex(),
                        b.readableBytes())
                : dev.tollgate.gateway.Json.mapper().getFactory().createParser(body.getBytes())) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = p.currentName();
                com.fasterxml.jackson.core.JsonToken t = p.nextToken();
                if (t == com.fasterxml.jackson.core.JsonToken.VALUE_STRING && "id".equals(name)) {
                    responseId = p.getText();
                } else if (t == com.fasterxml.jackson.core.JsonToken.VALUE_STRING && "model".equals(name)) {
                    responseModel = p.getText();
                } else if (t == com.fasterxml.jackson.core.JsonToken.VALUE_STRING && "stop_reason".equals(name)) {
                    finish(p.getText());
                } else if (t == com.fasterxml.jackson.core.JsonToken.START_ARRAY && "choices".equals(name)) {
                    while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                        while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                            String field = p.currentName();
                            if (p.nextToken() == com.fasterxml.jackson.core.JsonToken.VALUE_STRING
                                    && "finish_reason".equals(field)) {
                                finish(p.getText());
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not the JSON it should be: the record goes without these fields
        }
    }

    /** An OpenAI-style chunk is written to the client. */
    public void chunk(RequestContext ctx, JsonNode chunk) {
        if (responseId == null) {
            responseId = text(chunk.get("id"));
        }
        if (responseModel == null) {
            responseModel = text(chunk.get("model"));
        }
        JsonNode choices = chunk.get("choices");
        if (choices == null) {
            return;
        }
        for (JsonNode choice : choices) {
            JsonNode reason = choice.get("finish_reason");
            if (reason != null && reason.isTextual()) {
                finish(reason.asText());
            }
            if (wantsContent(ctx)) {
                JsonNode delta = choice.get("delta");
                JsonNode content = delta == null ? choice.get("text") : delta.get("content");
                if (content != null && content.isTextual()) {
                    append(content.asText());
                }
            }
        }
    }

    /** An Anthropic-style event is written to the client. */
    public void event(RequestContext ctx, String type, JsonNode data) {
        switch (type) {
            case "message_start" -> {
                JsonNode message = data.path("message");
                responseId = text(message.get("id"));
                responseModel = text(message.get("model"));
            }
            case "message_delta" -> {
                JsonNode stop = data.path("delta").get("stop_reason");
                if (stop != null && stop.isTextual()) {
                    finish(stop.asText());
                }
            }
            case "content_block_delta" -> {
                if (wantsContent(ctx)) {
                    JsonNode delta = data.path("delta");
                    JsonNode text = delta.has("text") ? delta.get("text") : delta.get("partial_json");
                    if (text != null && text.isTextual()) {
                        append(text.asText());
                    }
                }
            }
            default -> {
                // nothing the record needs
            }
        }
    }

    /**
     * The most of a prompt or an answer a record carries, in bytes of JSON or characters of text: a record waits in
     * every content-logging sink's queue, and a queue is bounded in records, so a record must be bounded in size.
     */
    static final int MAX_CONTENT = 256 * 1024;

    private void append(String text) {
        if (answerText == null) {
            answerText = new StringBuilder();
        }
        int room = MAX_CONTENT - answerText.length();
        if (room > 0) {
            answerText.append(text, 0, Math.min(room, text.length()));
        }
    }

    /** A text cut to {@link #MAX_CONTENT}, saying so. */
    static String capped(String text, int length) {
        return length <= MAX_CONTENT ? text
                : text.substring(0, Math.min(text.length(), MAX_CONTENT)) + "…[" + length + " in all: cut]";
    }

    private void finish(String reason) {
        if (finishReasons == null) {
            finishReasons = new ArrayList<>(1);
        }
        finishReasons.add(reason);
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() ? n.asText() : null;
    }

    // ---- the end --------------------------------------------------------------------------------------------------

    /** Ends the request (once): its record goes to the metrics and the sinks. */
    public void ended(RequestContext last) {
        if (ended) {
            return;
        }
        ended = true;
        observer.ended(this, last);
    }

    /** The finished request as a record. */
    CallRecord record(RequestContext ctx) {
        long end = System.nanoTime();
        GatewayConfig.Model m = ctx.deployment;
        GatewayConfig.Key key = ctx.key;
        String keyNamespace = key == null ? null : namespace(key.id());
        int status = status(ctx);
        String requested = requestedModel(ctx);
        Attempt open = ctx.observedAttempt; // an attempt that never got to its stages (e.g. refused at launch)
        String serverAddress = null;
        Integer serverPort = null;
        if (attempts != null && !attempts.isEmpty()) {
            AttemptRecord lastAttempt = attempts.get(attempts.size() - 1);
            serverAddress = lastAttempt.serverAddress();
            serverPort = lastAttempt.serverPort();
        } else if (open != null) {
            serverAddress = open.serverAddress;
            serverPort = open.serverPort;
        }
        var usage = ctx.usage;
        JsonNode request = null;
        String answer = null;
        if (ctx.body != null && wantsContent(ctx)) {
            request = ctx.bodyBytes <= MAX_CONTENT ? ctx.body.tree()
                    : dev.tollgate.gateway.Json.NODES.textNode("[a request of " + ctx.bodyBytes + " bytes: not logged]");
            if (answerBody != null) {
                int n = answerBody.length();
                answer = capped(answerBody.getString(0, Math.min(n, MAX_CONTENT)), n);
            } else if (answerText != null) {
                answer = answerText.toString();
            }
        }
        return new CallRecord(ctx.requestId, traceId, spanId, parentSpanId, sampled, startEpochNanos, epochNanos(end),
                ctx.firstContentNanos == 0 ? null : ctx.firstContentNanos - startNanoTime, operation(ctx.operation),
                ctx.rc.request().path(), ctx.ingress == WireFormat.ANTHROPIC ? "anthropic" : "openai",
                key == null ? null : key.id(), keyNamespace, key == null || key.attributes() == null ? Map.of() : key.attributes(),
                ctx.budgetIds != null ? ctx.budgetIds : key == null || key.budgets() == null ? List.of() : key.budgets(), requested,
                m == null ? null : m.modelName(), m == null ? null : m.id(), m == null ? null : m.provider(),
                m == null ? null : m.upstreamModel(), responseModel, responseId, serverAddress, serverPort, ctx.stream,
                params(ctx), status, errorType(ctx, status), status >= 200 && status < 300 || ctx.error == null ? null
                        : ctx.error.message(),
                usage == null ? null : usage.promptTokens(), usage == null ? null : usage.outputTokens(),
                usage == null ? null : usage.cacheReadInputTokens(), usage == null ? null : usage.cacheCreationInputTokens(),
                ctx.costMicros, ctx.response.headers().get(dev.tollgate.gateway.HeaderNames.CACHE),
                finishReasons == null ? List.of() : List.copyOf(finishReasons),
                attempts == null ? List.of() : List.copyOf(attempts), request, answer);
    }

    /** The model the client asked for: a name this gateway serves, else null (never a client's unknown name). */
    private String requestedModel(RequestContext ctx) {
        String asked = requestedModel != null ? requestedModel : ctx.modelName;
        return asked != null && !ctx.snapshot.group(asked).isEmpty() ? asked : null;
    }

    static String namespace(String id) {
        int slash = id.indexOf('/');
        return slash < 0 ? null : id.substring(0, slash);
    }

    private static int status(RequestContext ctx) {
        if (ctx.status != 0) {
            return ctx.status;
        }
        if (ctx.error != null) {
            return ctx.error.httpStatus();
        }
        return ctx.cancellation.cancelled() ? 499 : 200;
    }

    private static String errorType(RequestContext ctx, int status) {
        if (status >= 200 && status < 300) {
            return null;
        }
        if (ctx.error != null) {
            return ctx.error.code() != null ? ctx.error.code() : ctx.error.openAiType();
        }
        return status == 499 ? "client_closed_request" : Integer.toString(status);
    }

    /** The GenAI operation name (gen_ai.operation.name) of an operation. */
    static String operation(Operation op) {
        switch (op) {
            case CHAT: return "chat";
            case COMPLETIONS: return "text_completion";
            case EMBEDDINGS: return "embeddings";
            case IMAGES: return "image_generation";
            case RERANK: return "rerank";
            case PASSTHROUGH: return "pass_through";
            default: return op.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final String[][] PARAMS = {
        {"max_tokens", "max_tokens"}, {"max_completion_tokens", "max_tokens"}, {"temperature", "temperature"},
        {"top_p", "top_p"}, {"top_k", "top_k"}, {"frequency_penalty", "frequency_penalty"},
        {"presence_penalty", "presence_penalty"}, {"seed", "seed"}, {"n", "n"}, {"stop", "stop"},
        {"stop_sequences", "stop"},
    };

    /** The request's sampling parameters by their OpenAI names (numbers, and stop as a list). */
    private static Map<String, Object> params(RequestContext ctx) {
        if (ctx.body == null) {
            return Map.of();
        }
        Map<String, Object> out = null;
        for (String[] p : PARAMS) {
            JsonNode v = ctx.body.get(p[0]);
            if (v == null || v.isNull()) {
                continue;
            }
            Object value = null;
            if (v.isNumber()) {
                value = v.isIntegralNumber() ? (Object) v.asLong() : (Object) v.asDouble();
            } else if ("stop".equals(p[1])) {
                List<String> stops = new ArrayList<>();
                if (v.isTextual()) {
                    stops.add(v.asText());
                } else {
                    v.forEach(s -> {
                        if (s.isTextual()) {
                            stops.add(s.asText());
                        }
                    });
                }
                value = stops.isEmpty() ? null : List.copyOf(stops);
            }
            if (value != null) {
                if (out == null) {
                    out = new LinkedHashMap<>();
                }
                out.putIfAbsent(p[1], value);
            }
        }
        return out == null ? Map.of() : out;
    }
}
