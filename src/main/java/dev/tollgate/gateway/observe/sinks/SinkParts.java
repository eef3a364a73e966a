package dev.tollgate.gateway.observe.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.AttemptRecord;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.SinkTarget;
import dev.tollgate.gateway.observe.SinkUrls;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the Lunary, Helicone and PromptLayer formats read from a {@link CallRecord} the same way: the model's name,
 * times, the cost, the metadata every sink gets (key attributes and Tollgate's ids, never a secret), and the prompt
 * and answer as plain text messages (only when the record carries content).
 */
final class SinkParts {
    /** The credential role of the API key each of these services takes. */
    static final String API_KEY = "apiKey";

    private SinkParts() {}

    /** One message of the prompt or the answer, as text. */
    record Message(String role, String text) {}

    /** The model to name: the provider's answer's, else the one sent upstream, else the group, else the requested. */
    static String modelName(CallRecord r) {
        return first(r.responseModel(), r.upstreamModel(), r.model(), r.requestedModel());
    }

    static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    /** One POST per record (the services whose API logs one call per request), each body made by {@code body}. */
    static List<dev.tollgate.gateway.observe.SinkRequest> onePerRecord(List<CallRecord> batch, String url,
            Map<String, String> headers, java.util.function.Function<CallRecord, ? extends JsonNode> body) {
        List<dev.tollgate.gateway.observe.SinkRequest> out = new ArrayList<>(batch.size());
        for (CallRecord r : batch) {
            out.add(new dev.tollgate.gateway.observe.SinkRequest("POST", url, headers,
                    io.vertx.core.buffer.Buffer.buffer(Json.writeBytes(body.apply(r))), 1));
        }
        return out;
    }

    /** The sink's base URL joined with a path, without a doubled slash. */
    static String url(SinkTarget target, String path) {
        return SinkUrls.join(target.url(), path);
    }

    /** The credential of this role, or null when the sink has none. */
    static String credential(SinkTarget target, String role) {
        String v = target.credentials() == null ? null : target.credentials().get(role);
        return v == null || v.isEmpty() ? null : v;
    }

    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
            Locale.ROOT).withZone(java.time.ZoneOffset.UTC);

    /** An epoch-nanos time as ISO 8601 UTC with milliseconds, e.g. {@code 2026-12-05T11:00:00.123Z}. */
    static String iso(long epochNanos) {
        return ISO_MILLIS.format(Instant.EPOCH.plus(epochNanos, ChronoUnit.NANOS));
    }

    static long millis(long epochNanos) {
        return Math.floorDiv(epochNanos, 1_000_000L);
    }

    /** The cost as a USD decimal string ({@link Money#format}), or null when unknown. */
    static String cost(CallRecord r) {
        return r.costMicros() == null ? null : Money.format(r.costMicros());
    }

    /** The cost as an exact decimal number of USD (for an API that takes a JSON number), or null when unknown. */
    static BigDecimal costNumber(CallRecord r) {
        return r.costMicros() == null ? null : BigDecimal.valueOf(r.costMicros(), 6);
    }

    /** Whether another attempt took over from a failed one (a retry or a fallback). */
    static boolean rerouted(CallRecord r) {
        for (AttemptRecord a : r.attempts()) {
            if (a.superseded()) {
                return true;
            }
        }
        return false;
    }

    /** The key's chargeback attributes as {@code name:value} tags, sorted by name. */
    static List<String> attributeTags(CallRecord r) {
        List<String> tags = new ArrayList<>();
        new TreeMap<>(r.keyAttributes()).forEach((k, v) -> tags.add(k + ":" + v));
        return tags;
    }

    /**
     * What every sink gets about a call besides tokens and content, as string values under stable names (the key's
     * attributes under their own names): ids, routing and cache outcome, cost, latency, status. Absent values are
     * left out. Never a secret: the record holds none.
     */
    static Map<String, String> metadata(CallRecord r) {
        Map<String, String> m = new LinkedHashMap<>();
        new TreeMap<>(r.keyAttributes()).forEach(m::put);
        put(m, "tollgate.request_id", r.requestId());
        put(m, "tollgate.trace_id", r.traceId());
        put(m, "tollgate.span_id", r.spanId());
        put(m, "tollgate.key", r.keyId());
        put(m, "tollgate.namespace", r.keyNamespace());
        if (!r.tags().isEmpty()) {
            m.put("tollgate.tags", String.join(",", r.tags()));
        }
        if (r.promptId() != null) {
            m.put("tollgate.prompt", r.promptId() + "@" + r.promptVersion());
        }
        if (!r.budgets().isEmpty()) {
            m.put("tollgate.budgets", String.join(",", r.budgets()));
        }
        put(m, "tollgate.operation", r.operation());
        put(m, "tollgate.requested_model", r.requestedModel());
        put(m, "tollgate.model", r.model());
        put(m, "tollgate.deployment", r.deploymentId());
        put(m, "tollgate.provider", r.provider());
        put(m, "tollgate.upstream_model", r.upstreamModel());
        put(m, "tollgate.status", Integer.toString(r.status()));
        put(m, "tollgate.error_type", r.errorType());
        put(m, "tollgate.cost_usd", cost(r));
        put(m, "tollgate.cache", r.cacheStatus());
        m.put("tollgate.attempts", Integer.toString(r.attempts().size()));
        if (rerouted(r)) {
            m.put("tollgate.rerouted", "true");
        }
        m.put("tollgate.latency_ms", Long.toString(millis(r.endEpochNanos() - r.startEpochNanos())));
        if (r.firstTokenNanos() != null) {
            m.put("tollgate.ttft_ms", Long.toString(r.firstTokenNanos() / 1_000_000L));
        }
        if (r.stream()) {
            m.put("tollgate.stream", "true");
        }
        return m;
    }

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    /**
     * The prompt as messages: a chat request's {@code messages} (an Anthropic request's {@code system} first), a
     * completion's {@code prompt} or an embedding's {@code input} as one user message. Empty when the record carries
     * no content. Only text is kept (images and other parts are not logged).
     */
    static List<Message> prompt(CallRecord r) {
        List<Message> out = new ArrayList<>();
        JsonNode req = r.request();
        if (req == null || !req.isObject()) {
            return out;
        }
        String system = text(req.get("system"));
        if (system != null) {
            out.add(new Message("system", system));
        }
        JsonNode messages = req.get("messages");
        if (messages != null && messages.isArray()) {
            for (JsonNode m : messages) {
                String role = Json.text(m, "role");
                String t = text(m.get("content"));
                if (role != null && t != null) {
                    out.add(new Message(role, t));
                }
            }
            return out;
        }
        for (String field : new String[] {"prompt", "input"}) {
            String t = text(req.get(field));
            if (t != null) {
                out.add(new Message("user", t));
                break;
            }
        }
        return out;
    }

    /**
     * The answer's text: a stream's assembled content as is; a JSON answer's message content (OpenAI's
     * {@code choices[].message.content} or {@code choices[].text}, Anthropic's {@code content[].text}); any other
     * body as it came. Null when the record carries no answer, and for embeddings (vectors are no text to read).
     */
    static String answer(CallRecord r) {
        String a = r.answer();
        if (a == null || "embeddings".equals(r.operation())) {
            return null;
        }
        String trimmed = a.strip();
        if (r.stream() || !trimmed.startsWith("{")) {
            return a;
        }
        JsonNode body = Json.parse(trimmed);
        if (body == null || !body.isObject()) {
            return a;
        }
        JsonNode choices = body.get("choices");
        if (choices != null && choices.isArray() && !choices.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode c : choices) {
                String t = c.has("message") ? text(c.get("message").get("content")) : Json.text(c, "text");
                if (t != null) {
                    sb.append(sb.length() == 0 ? "" : "\n").append(t);
                }
            }
            return sb.length() == 0 ? a : sb.toString();
        }
        String content = text(body.get("content"));
        return content != null ? content : a;
    }

    /** A content value as text: a string, or the text parts of an array of parts joined; null otherwise. */
    static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return null;
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            boolean any = false;
            for (JsonNode part : content) {
                String t = part.isTextual() ? part.asText() : Json.text(part, "text");
                if (t != null) {
                    sb.append(any ? "\n" : "").append(t);
                    any = true;
                }
            }
            return any ? sb.toString() : null;
        }
        return null;
    }

    /** The request's sampling parameters as a JSON object (numbers exact, stop as an array). */
    static com.fasterxml.jackson.databind.node.ObjectNode params(CallRecord r) {
        com.fasterxml.jackson.databind.node.ObjectNode p = Json.object();
        new TreeMap<>(r.requestParams()).forEach((k, v) -> p.set(k, Json.mapper().valueToTree(v)));
        return p;
    }
}
