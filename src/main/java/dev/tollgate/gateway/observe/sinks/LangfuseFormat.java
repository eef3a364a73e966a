package dev.tollgate.gateway.observe.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.AttemptRecord;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.Headers;
import dev.tollgate.gateway.observe.SinkUrls;
import dev.tollgate.gateway.observe.SinkFormat;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The Langfuse sink: its public batch ingestion API, {@code POST <url>/api/public/ingestion} with HTTP Basic auth
 * (username: the project's public key, password: its secret key; credential roles {@code publicKey} and
 * {@code secretKey}) and the body {@code {"batch":[events]}}.
 *
 * <p>Format as documented in Langfuse's API reference (https://api.reference.langfuse.com, "Ingestion / batch") and its
 * Fern definition ({@code fern/apis/server/definition/ingestion.yml} in github.com/langfuse/langfuse), and the usage
 * types of https://langfuse.com/docs/observability/features/token-and-cost-tracking. Each record becomes two events:
 * <ul>
 *   <li>{@code trace-create}: body {@code id} (the record's 32-hex trace id, the id Langfuse's own OpenTelemetry
 *       endpoint gives the same trace), {@code timestamp}, {@code name} ({@code "<operation> <model>"}),
 *       {@code userId} (the VirtualKey's id), {@code tags}, {@code metadata}, and {@code input}/{@code output} only
 *       when the sink logs content;</li>
 *   <li>{@code generation-create}: body {@code id} (the request's 16-hex span id), {@code traceId}, {@code name},
 *       {@code startTime}, {@code endTime}, {@code completionStartTime} (first token of a stream), {@code model} (the
 *       model the provider answered with, for Langfuse's own price lookup), {@code modelParameters} (the request's
 *       sampling parameters), {@code usageDetails} ({@code input} = uncached prompt tokens, {@code input_cache_read},
 *       {@code input_cache_creation}, {@code output}, {@code total}: Langfuse adds every type containing "input" to
 *       the input, so cached tokens are not counted twice), {@code costDetails} ({@code {"total": USD}}, a JSON
 *       number computed exactly from integer micro-USD — the API's type), {@code level} {@code ERROR} (or
 *       {@code WARNING} for a client that left, 499) with {@code statusMessage} on failure, {@code metadata}, and
 *       {@code input}/{@code output} only with content.</li>
 * </ul>
 * Event envelopes carry {@code id} (a UUID derived from the request id, so a retried delivery is de-duplicated by
 * Langfuse; the trace's and the generation's differ in their last hex digit only, which {@link #rejected} uses to
 * count records), {@code timestamp} (the request's end) and {@code type}. Timestamps are ISO 8601 UTC with
 * microseconds. A batch over {@value #MAX_BODY_BYTES} bytes (the API takes 3.5 MB) is split into several requests.
 *
 * <p>Langfuse answers 207 with {@code {"successes":[{id,status}],"errors":[{id,status,message,error}]}} instead of a
 * 4xx for invalid events: {@link #rejected} counts the records with an erroneous event.
 */
public final class LangfuseFormat implements SinkFormat {
    /** The URL used when the resource gives none. */
    public static final String DEFAULT_URL = "https://cloud.langfuse.com";
    /** The ingestion path under the sink's URL. */
    public static final String PATH = "/api/public/ingestion";
    /** Credential role: the project's public key (Basic auth user). */
    public static final String PUBLIC_KEY = "publicKey";
    /** Credential role: the project's secret key (Basic auth password). */
    public static final String SECRET_KEY = "secretKey";
    /** Largest body sent in one request; Langfuse limits a batch to 3.5 MB. */
    static final int MAX_BODY_BYTES = 3_000_000;

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSX")
            .withZone(ZoneOffset.UTC);

    @Override
    public List<SinkRequest> encode(List<CallRecord> batch, SinkTarget target) {
        Map<String, String> own = new LinkedHashMap<>();
        own.put("content-type", "application/json");
        String user = target.credentials().get(PUBLIC_KEY);
        String password = target.credentials().get(SECRET_KEY);
        if (user != null && password != null) {
            own.put("authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        // its credentials are roles (Basic auth above), not headers
        Map<String, String> headers = Headers.merge(target.headers(), Map.of(), own);
        String url = SinkUrls.join(target.url(), PATH);
        List<SinkRequest> requests = new ArrayList<>();
        List<byte[]> events = new ArrayList<>();
        int bytes = 0;
        int records = 0;
        for (CallRecord r : batch) {
            byte[] trace = bytes(traceEvent(r, target));
            byte[] generation = bytes(generationEvent(r, target));
            int size = trace.length + generation.length + 2;
            if (records > 0 && bytes + size > MAX_BODY_BYTES) {
                requests.add(new SinkRequest("POST", url, headers, body(events), records));
                events = new ArrayList<>();
                bytes = 0;
                records = 0;
            }
            events.add(trace);
            events.add(generation);
            bytes += size;
            records++;
        }
        if (records > 0) {
            requests.add(new SinkRequest("POST", url, headers, body(events), records));
        }
        return requests;
    }

    /** Langfuse's 207: the number of records (not events) with at least one event in {@code errors}. */
    @Override
    public boolean readsBody() {
        return true;
    }

    @Override
    public int rejected(int status, Buffer body) {
        if (body == null || body.length() == 0) {
            return 0;
        }
        JsonNode answer;
        try {
            answer = Json.mapper().readTree(body.getBytes());
        } catch (IOException e) {
            return 0;
        }
        JsonNode errors = answer == null ? null : answer.get("errors");
        if (errors == null || !errors.isArray()) {
            return 0;
        }
        Set<String> records = new HashSet<>();
        int unknown = 0;
        for (JsonNode e : errors) {
            String id = e.path("id").asText("");
            if (id.length() == 36) {
                records.add(id.substring(0, 35));
            } else {
                unknown++;
            }
        }
        return records.size() + unknown;
    }

    /** The event id of a record's trace ({@code kind} 0) or generation ({@code kind} 1) event. */
    static String eventId(CallRecord r, int kind) {
        String seed = r.requestId() != null ? r.requestId() : r.traceId() + "/" + r.spanId();
        String uuid = UUID.nameUUIDFromBytes(("tollgate-langfuse:" + seed).getBytes(StandardCharsets.UTF_8)).toString();
        return uuid.substring(0, 35) + kind;
    }

    private static ObjectNode traceEvent(CallRecord r, SinkTarget target) {
        ObjectNode event = envelope(r, "trace-create", 0);
        ObjectNode body = event.putObject("body");
        body.put("id", r.traceId());
        body.put("timestamp", time(r.startEpochNanos()));
        body.put("name", name(r));
        if (r.keyId() != null) {
            body.put("userId", r.keyId());
        }
        ArrayNode tags = body.putArray("tags");
        tags.add("tollgate");
        if (r.keyNamespace() != null) {
            tags.add(r.keyNamespace());
        }
        r.tags().forEach(tags::add); // the request's own tags (its key's and the client's): Langfuse filters by them
        body.set("metadata", metadata(r, target));
        content(body, r, target);
        return event;
    }

    private static ObjectNode generationEvent(CallRecord r, SinkTarget target) {
        ObjectNode event = envelope(r, "generation-create", 1);
        ObjectNode body = event.putObject("body");
        body.put("id", r.spanId());
        body.put("traceId", r.traceId());
        body.put("name", name(r));
        body.put("startTime", time(r.startEpochNanos()));
        body.put("endTime", time(r.endEpochNanos()));
        if (r.firstTokenNanos() != null) {
            body.put("completionStartTime", time(r.startEpochNanos() + r.firstTokenNanos()));
        }
        String model = firstNonNull(r.responseModel(), r.upstreamModel(), r.model(), r.requestedModel());
        if (model != null) {
            body.put("model", model);
        }
        if (!r.requestParams().isEmpty()) {
            body.set("modelParameters", Json.mapper().valueToTree(r.requestParams()));
        }
        ObjectNode usage = usageDetails(r);
        if (usage != null) {
            body.set("usageDetails", usage);
        }
        if (r.costMicros() != null) {
            body.putObject("costDetails").put("total", BigDecimal.valueOf(r.costMicros(), 6));
        }
        if (!r.ok()) {
            body.put("level", r.status() == 499 ? "WARNING" : "ERROR");
            StringBuilder message = new StringBuilder().append(r.status());
            if (r.errorType() != null) {
                message.append(' ').append(r.errorType());
            }
            if (r.errorMessage() != null) {
                message.append(": ").append(r.errorMessage());
            }
            body.put("statusMessage", message.toString());
        }
        body.set("metadata", metadata(r, target));
        content(body, r, target);
        return event;
    }

    /**
     * Langfuse's usage types: {@code input} is the prompt tokens neither read from nor written to the provider's
     * prompt cache, which are {@code input_cache_read} and {@code input_cache_creation} (the names of Langfuse's model
     * price definitions).
     */
    private static ObjectNode usageDetails(CallRecord r) {
        if (r.inputTokens() == null && r.outputTokens() == null) {
            return null;
        }
        ObjectNode usage = Json.object();
        long input = r.inputTokens() == null ? 0 : r.inputTokens();
        long read = r.cachedInputTokens() == null ? 0 : r.cachedInputTokens();
        long write = r.cacheWriteTokens() == null ? 0 : r.cacheWriteTokens();
        long output = r.outputTokens() == null ? 0 : r.outputTokens();
        if (r.inputTokens() != null) {
            usage.put("input", Math.max(0, input - read - write));
            if (read > 0) {
                usage.put("input_cache_read", read);
            }
            if (write > 0) {
                usage.put("input_cache_creation", write);
            }
        }
        if (r.outputTokens() != null) {
            usage.put("output", output);
        }
        usage.put("total", input + output);
        return usage;
    }

    private static ObjectNode metadata(CallRecord r, SinkTarget target) {
        ObjectNode m = Json.object();
        m.put("source", "tollgate");
        if (target.serviceName() != null) {
            m.put("gateway", target.serviceName());
        }
        m.put("request_id", r.requestId());
        m.put("operation", r.operation());
        m.put("path", r.path());
        m.put("ingress", r.ingress());
        m.put("key_id", r.keyId());
        m.put("key_namespace", r.keyNamespace());
        ObjectNode attributes = m.putObject("key_attributes");
        r.keyAttributes().forEach(attributes::put);
        ArrayNode budgets = m.putArray("budgets");
        r.budgets().forEach(budgets::add);
        if (!r.tags().isEmpty()) {
            ArrayNode tags = m.putArray("tags");
            r.tags().forEach(tags::add);
        }
        if (r.promptId() != null) {
            m.put("prompt_id", r.promptId());
            m.put("prompt_version", r.promptVersion());
        }
        m.put("requested_model", r.requestedModel());
        m.put("model_group", r.model());
        m.put("deployment", r.deploymentId());
        m.put("provider", r.provider());
        m.put("upstream_model", r.upstreamModel());
        m.put("response_id", r.responseId());
        m.put("stream", r.stream());
        m.put("status", r.status());
        m.put("error_type", r.errorType());
        m.put("cache_status", r.cacheStatus());
        if (r.costMicros() != null) {
            m.put("cost_usd", Money.format(r.costMicros()));
            m.put("cost_micros", r.costMicros());
        }
        ArrayNode finish = m.putArray("finish_reasons");
        r.finishReasons().forEach(finish::add);
        ArrayNode attempts = m.putArray("attempts");
        for (AttemptRecord a : r.attempts()) {
            ObjectNode o = attempts.addObject();
            o.put("attempt", a.attempt());
            o.put("model_group", a.model());
            o.put("deployment", a.deploymentId());
            o.put("provider", a.provider());
            o.put("status", a.status());
            o.put("error_type", a.errorType());
            o.put("superseded", a.superseded());
            o.put("duration_ms", (a.endEpochNanos() - a.startEpochNanos()) / 1_000_000);
        }
        return m;
    }

    private static void content(ObjectNode body, CallRecord r, SinkTarget target) {
        if (!target.logContent()) {
            return;
        }
        if (r.request() != null) {
            body.set("input", r.request());
        }
        if (r.answer() != null) {
            body.put("output", r.answer());
        }
    }

    private static ObjectNode envelope(CallRecord r, String type, int kind) {
        ObjectNode event = Json.object();
        event.put("id", eventId(r, kind));
        event.put("timestamp", time(r.endEpochNanos()));
        event.put("type", type);
        return event;
    }

    private static String name(CallRecord r) {
        String model = firstNonNull(r.model(), r.requestedModel());
        return model == null ? r.operation() : r.operation() + " " + model;
    }

    static String time(long epochNanos) {
        return TIME.format(Instant.ofEpochSecond(0, epochNanos));
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return Json.mapper().writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Buffer body(List<byte[]> events) {
        Buffer b = Buffer.buffer();
        b.appendString("{\"batch\":[");
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                b.appendByte((byte) ',');
            }
            b.appendBytes(events.get(i));
        }
        b.appendString("]}");
        return b;
    }
}
