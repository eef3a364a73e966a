package dev.tollgate.gateway.observe.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.Headers;
import dev.tollgate.gateway.observe.SinkFormat;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import io.vertx.core.buffer.Buffer;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lunary's run ingestion API: one {@code POST <url>/v1/runs/ingest} per batch, {@code Authorization: Bearer <apiKey>}
 * (the project's public key, credential role {@code apiKey}), body {@code {"events":[...]}} with two events per call:
 * an {@code llm} run's {@code start} (at the request's arrival) and its {@code end} (success) or {@code error}
 * (failure, with {@code error.message}). Sources: the ingestion endpoint and its Event schema,
 * https://github.com/lunary-ai/lunary/blob/main/packages/backend/src/api/v1/runs/ingest.ts (and
 * packages/backend/src/utils/ingest.ts); the Python SDK's sender, https://github.com/lunary-ai/lunary-py/blob/main/lunary/consumer.py
 * ({@code api_url + "/v1/runs/ingest"}, Bearer token) and its default URL (lunary/config.py).
 *
 * <p>The start event carries {@code runId} (the gateway's request id), {@code name} (the model), {@code timestamp},
 * {@code userId} (the key's id), {@code params} (the sampling parameters), {@code tags} (the key's attributes as
 * {@code name:value}), {@code metadata} (flat string values, as Lunary keeps only first-level scalars: the key's
 * attributes, Tollgate's ids, the cost as a decimal string, the cache status, routing and latency) and {@code input}
 * only when the record carries content. The end event carries {@code tokensUsage {prompt, completion, promptCached?}}
 * and {@code output} only with content. No {@code parentRunId}: a caller's traceparent span is not a Lunary run, and
 * Lunary's ingest waits 2 s for a parent run it does not find before dropping the link.
 *
 * <p>Lunary's ingest camel-cases every key it gets (recursiveToCamel in utils/ingest.ts), metadata's included: in
 * its UI {@code tollgate.cost_usd} reads {@code tollgate.costUsd} and an attribute {@code cost-center}
 * {@code costCenter}.
 *
 * <p>Lunary answers 200 with {@code {"results":[{"id","success","error"}]}} per event; {@link #rejected} counts the
 * calls with a failed event.
 */
public final class LunaryFormat implements SinkFormat {
    /** The URL used when the resource gives none (lunary-py's DEFAULT_API_URL). */
    public static final String DEFAULT_URL = "https://api.lunary.ai";

    @Override
    public List<SinkRequest> encode(List<CallRecord> batch, SinkTarget target) {
        if (batch.isEmpty()) {
            return List.of();
        }
        ArrayNode events = Json.array();
        for (CallRecord r : batch) {
            events.add(start(r));
            events.add(r.ok() ? end(r) : error(r));
        }
        ObjectNode body = Json.object();
        body.set("events", events);
        Map<String, String> own = new LinkedHashMap<>();
        own.put("content-type", "application/json");
        String key = SinkParts.credential(target, SinkParts.API_KEY);
        if (key != null) {
            own.put("authorization", "Bearer " + key);
        }
        return List.of(new SinkRequest("POST", SinkParts.url(target, "/v1/runs/ingest"),
                Headers.merge(target.headers(), Map.of(), own), Buffer.buffer(Json.writeBytes(body)), batch.size()));
    }

    /** The run id of a record: the gateway's request id (Lunary turns any other id than a UUID into one). */
    static String runId(CallRecord r) {
        return r.requestId() != null ? r.requestId() : r.traceId() + "-" + r.spanId();
    }

    private static ObjectNode event(CallRecord r, String name, long epochNanos) {
        ObjectNode e = Json.object();
        e.put("type", "llm");
        e.put("event", name);
        e.put("runId", runId(r));
        e.put("timestamp", SinkParts.iso(epochNanos));
        return e;
    }

    private static ObjectNode start(CallRecord r) {
        ObjectNode e = event(r, "start", r.startEpochNanos());
        String model = SinkParts.modelName(r);
        if (model != null) {
            e.put("name", model);
        }
        if (r.keyId() != null) {
            e.put("userId", r.keyId());
        }
        ObjectNode params = SinkParts.params(r);
        if (!params.isEmpty()) {
            e.set("params", params);
        }
        List<String> tags = SinkParts.attributeTags(r);
        if (!tags.isEmpty()) {
            ArrayNode t = e.putArray("tags");
            tags.forEach(t::add);
        }
        ObjectNode metadata = e.putObject("metadata");
        SinkParts.metadata(r).forEach(metadata::put);
        List<SinkParts.Message> prompt = SinkParts.prompt(r);
        if (!prompt.isEmpty()) {
            ArrayNode input = e.putArray("input");
            for (SinkParts.Message m : prompt) {
                input.addObject().put("role", m.role()).put("content", m.text());
            }
        }
        return e;
    }

    private static ObjectNode end(CallRecord r) {
        ObjectNode e = event(r, "end", r.endEpochNanos());
        if (r.inputTokens() != null || r.outputTokens() != null) {
            ObjectNode usage = e.putObject("tokensUsage");
            usage.put("prompt", r.inputTokens() == null ? 0 : r.inputTokens());
            usage.put("completion", r.outputTokens() == null ? 0 : r.outputTokens());
            if (r.cachedInputTokens() != null) {
                usage.put("promptCached", r.cachedInputTokens());
            }
        }
        String answer = SinkParts.answer(r);
        if (answer != null) {
            e.putObject("output").put("role", "assistant").put("content", answer);
        }
        return e;
    }

    private static ObjectNode error(CallRecord r) {
        ObjectNode e = event(r, "error", r.endEpochNanos());
        String message = SinkParts.first(r.errorMessage(), r.errorType());
        e.putObject("error").put("message", message != null ? message : "HTTP " + r.status());
        return e;
    }

    /** Calls of which Lunary refused an event ({@code success: false} in its {@code results}). */
    @Override
    public boolean readsBody() {
        return true;
    }

    @Override
    public int rejected(int status, Buffer body) {
        if (body == null || body.length() == 0) {
            return 0;
        }
        JsonNode answer = Json.parse(body.getBytes());
        JsonNode results = answer == null ? null : answer.get("results");
        if (results == null || !results.isArray()) {
            return 0;
        }
        Set<String> failed = new HashSet<>();
        int anonymous = 0;
        for (JsonNode result : results) {
            JsonNode success = result.get("success");
            if (success != null && success.isBoolean() && !success.asBoolean()) {
                String id = Json.text(result, "id");
                if (id == null) {
                    anonymous++;
                } else {
                    failed.add(id);
                }
            }
        }
        return failed.size() + anonymous;
    }
}
