package dev.tollgate.gateway.observe.sinks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.AttemptRecord;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.Headers;
import dev.tollgate.gateway.observe.SinkFormat;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The generic webhook sink: {@code POST <url>} with {@code content-type: application/json} and the body
 * {@code {"schema":"tollgate.dev/callback/v1","records":[...]}}, one request per batch. The sink's plain headers are
 * sent, and each credential as a header named by its role (e.g. role {@code authorization} -> {@code authorization:
 * <the Secret's value>}). 2xx: delivered; 408, 429, 5xx: retried; any other status: dropped.
 *
 * <p>Each record, in snake_case, every field present ({@code null} when unknown) except {@code request} and
 * {@code answer}, which are present only when the sink logs content:
 * <pre>
 * request_id, trace_id, span_id, parent_span_id         strings (ids: x-request-id, W3C trace/span hex)
 * start_time, end_time                                  ISO 8601 UTC, microseconds ("2026-12-05T11:00:00.123456Z")
 * duration_ms, time_to_first_token_ms                    integers (the latter null unless streamed)
 * operation, path, ingress, stream                      "chat" | "embeddings" | …, "/v1/chat/completions", "openai" | "anthropic", boolean
 * key: {id, namespace, attributes{}}                    the VirtualKey (never the key itself)
 * budgets                                               ids of the Budgets the request was charged to
 * tags                                                  the request's tags (its key's and the client's), strings
 * prompt: {id, version} | null                          the Prompt the request was rendered from
 * requested_model, model, deployment, provider,
 *   upstream_model, response_model, response_id,
 *   server_address, server_port                         routing outcome (model = the group that answered)
 * request_params{}                                      max_tokens, temperature, top_p, stop, seed, n … as sent
 * status, error: {type, message} | null                  the client's HTTP status (499: the client left)
 * usage: {input_tokens, output_tokens,
 *         cached_input_tokens, cache_write_tokens}      integers or null; input_tokens includes the cached ones
 * cost: "0.000123", cost_micros: 123                    USD as a decimal string, and integer micro-USD (null: unknown)
 * cache_status                                          "HIT" | "SEMANTIC-HIT" | "MISS" | "BYPASS" | null
 * finish_reasons                                        strings
 * attempts: [{attempt, span_id, start_time, end_time, model, deployment, provider, upstream_model,
 *             server_address, server_port, status, error_type, superseded,
 *             input_tokens, output_tokens, cost, cost_micros}]
 * request                                               the client's JSON body (redacted), content sinks only
 * answer                                                the answer's text (redacted), content sinks only
 * </pre>
 */
public final class WebhookFormat implements SinkFormat {
    /** The body's {@code schema}. */
    public static final String SCHEMA = "tollgate.dev/callback/v1";

    @Override
    public List<SinkRequest> encode(List<CallRecord> batch, SinkTarget target) {
        Map<String, String> headers = Headers.merge(target.headers(), target.credentials(),
                Map.of("content-type", "application/json"));
        ObjectNode body = Json.object();
        body.put("schema", SCHEMA);
        ArrayNode records = body.putArray("records");
        for (CallRecord r : batch) {
            records.add(record(r, target.logContent()));
        }
        byte[] bytes;
        try {
            bytes = Json.mapper().writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.of(new SinkRequest("POST", target.url(), headers, Buffer.buffer(bytes),
                batch.size()));
    }

    /** One record as documented above. */
    static ObjectNode record(CallRecord r, boolean withContent) {
        ObjectNode o = Json.object();
        o.put("request_id", r.requestId());
        o.put("trace_id", r.traceId());
        o.put("span_id", r.spanId());
        o.put("parent_span_id", r.parentSpanId());
        o.put("start_time", LangfuseFormat.time(r.startEpochNanos()));
        o.put("end_time", LangfuseFormat.time(r.endEpochNanos()));
        o.put("duration_ms", (r.endEpochNanos() - r.startEpochNanos()) / 1_000_000);
        o.put("time_to_first_token_ms", r.firstTokenNanos() == null ? null : r.firstTokenNanos() / 1_000_000);
        o.put("operation", r.operation());
        o.put("path", r.path());
        o.put("ingress", r.ingress());
        o.put("stream", r.stream());
        ObjectNode key = o.putObject("key");
        key.put("id", r.keyId());
        key.put("namespace", r.keyNamespace());
        ObjectNode attributes = key.putObject("attributes");
        r.keyAttributes().forEach(attributes::put);
        ArrayNode budgets = o.putArray("budgets");
        r.budgets().forEach(budgets::add);
        ArrayNode tags = o.putArray("tags");
        r.tags().forEach(tags::add);
        if (r.promptId() != null) {
            o.putObject("prompt").put("id", r.promptId()).put("version", r.promptVersion());
        } else {
            o.putNull("prompt");
        }
        o.put("requested_model", r.requestedModel());
        o.put("model", r.model());
        o.put("deployment", r.deploymentId());
        o.put("provider", r.provider());
        o.put("upstream_model", r.upstreamModel());
        o.put("response_model", r.responseModel());
        o.put("response_id", r.responseId());
        o.put("server_address", r.serverAddress());
        o.put("server_port", r.serverPort());
        o.set("request_params", Json.mapper().valueToTree(r.requestParams()));
        o.put("status", r.status());
        if (r.errorType() == null && r.errorMessage() == null) {
            o.putNull("error");
        } else {
            ObjectNode error = o.putObject("error");
            error.put("type", r.errorType());
            error.put("message", r.errorMessage());
        }
        ObjectNode usage = o.putObject("usage");
        usage.put("input_tokens", r.inputTokens());
        usage.put("output_tokens", r.outputTokens());
        usage.put("cached_input_tokens", r.cachedInputTokens());
        usage.put("cache_write_tokens", r.cacheWriteTokens());
        money(o, r.costMicros());
        o.put("cache_status", r.cacheStatus());
        ArrayNode finish = o.putArray("finish_reasons");
        r.finishReasons().forEach(finish::add);
        ArrayNode attempts = o.putArray("attempts");
        for (AttemptRecord a : r.attempts()) {
            ObjectNode t = attempts.addObject();
            t.put("attempt", a.attempt());
            t.put("span_id", a.spanId());
            t.put("start_time", LangfuseFormat.time(a.startEpochNanos()));
            t.put("end_time", LangfuseFormat.time(a.endEpochNanos()));
            t.put("model", a.model());
            t.put("deployment", a.deploymentId());
            t.put("provider", a.provider());
            t.put("upstream_model", a.upstreamModel());
            t.put("server_address", a.serverAddress());
            t.put("server_port", a.serverPort());
            t.put("status", a.status());
            t.put("error_type", a.errorType());
            t.put("superseded", a.superseded());
            t.put("input_tokens", a.inputTokens());
            t.put("output_tokens", a.outputTokens());
            money(t, a.costMicros());
        }
        if (withContent) {
            o.set("request", r.request());
            o.put("answer", r.answer());
        }
        return o;
    }

    private static void money(ObjectNode o, Long micros) {
        o.put("cost", micros == null ? null : Money.format(micros));
        o.put("cost_micros", micros);
    }
}
