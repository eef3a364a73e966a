package dev.tollgate.gateway.observe.sinks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.Headers;
import dev.tollgate.gateway.observe.SinkFormat;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PromptLayer's REST logging: one {@code POST <url>/log-request} per call (the endpoint logs one request), header
 * {@code X-API-KEY: <apiKey>} (credential role {@code apiKey}). Source: https://docs.promptlayer.com/reference/log-request
 * and https://docs.promptlayer.com/features/prompt-history/custom-logging (the body below; {@code input} and
 * {@code output} are required and in Prompt Blueprint format, chat content an array of content blocks; metadata
 * values are strings), https://docs.promptlayer.com/features/prompt-history/metadata (string keys and values).
 *
 * <p>Body: {@code provider} (the record's, or {@code tollgate} when no provider answered, e.g. a cache hit or a
 * request refused before any attempt), {@code model}, {@code input}/{@code output} as {@code {"type":"chat",
 * "messages":[...]}} (a completion or embedding prompt as {@code {"type":"completion","content":[...]}}) holding the
 * messages only when the record carries content (otherwise an empty list: the fields are required),
 * {@code request_start_time}/{@code request_end_time} (ISO 8601), {@code parameters} (the sampling parameters),
 * {@code tags} (the request's tags, then the key's attributes as {@code name:value}), {@code metadata} (string values: the key's attributes,
 * Tollgate's ids, the cost as a decimal string, cache status, routing, latency), {@code input_tokens}/{@code
 * output_tokens} when known, {@code price} (USD, an exact decimal) when known, and {@code status} ({@code SUCCESS};
 * {@code WARNING} when a retry or fallback was needed; {@code ERROR} with {@code error_type} and {@code
 * error_message} for a failure).
 */
public final class PromptLayerFormat implements SinkFormat {
    /** The URL used when the resource gives none (PromptLayer's API). */
    public static final String DEFAULT_URL = "https://api.promptlayer.com";

    @Override
    public List<SinkRequest> encode(List<CallRecord> batch, SinkTarget target) {
        if (batch.isEmpty()) {
            return List.of();
        }
        Map<String, String> own = new LinkedHashMap<>();
        own.put("content-type", "application/json");
        String key = SinkParts.credential(target, SinkParts.API_KEY);
        if (key != null) {
            own.put("x-api-key", key);
        }
        Map<String, String> headers = Headers.merge(target.headers(), Map.of(), own);
        return SinkParts.onePerRecord(batch, SinkParts.url(target, "/log-request"), headers, PromptLayerFormat::log);
    }

    static ObjectNode log(CallRecord r) {
        ObjectNode body = Json.object();
        String provider = r.provider();
        body.put("provider", provider != null ? provider : "tollgate");
        String model = SinkParts.modelName(r);
        body.put("model", model != null ? model : "unknown");
        boolean chat = r.request() == null || !r.request().isObject() || r.request().has("messages");
        body.set("input", input(r, chat));
        body.set("output", output(r, chat));
        body.put("request_start_time", SinkParts.iso(r.startEpochNanos()));
        body.put("request_end_time", SinkParts.iso(Math.max(r.endEpochNanos(), r.startEpochNanos())));
        body.set("parameters", SinkParts.params(r));
        ArrayNode tags = body.putArray("tags");
        r.tags().forEach(tags::add);
        SinkParts.attributeTags(r).forEach(tags::add);
        ObjectNode metadata = body.putObject("metadata");
        SinkParts.metadata(r).forEach(metadata::put);
        if (r.inputTokens() != null) {
            body.put("input_tokens", r.inputTokens());
        }
        if (r.outputTokens() != null) {
            body.put("output_tokens", r.outputTokens());
        }
        BigDecimal price = SinkParts.costNumber(r);
        if (price != null && price.signum() >= 0) {
            body.put("price", price);
        }
        if (r.ok()) {
            body.put("status", SinkParts.rerouted(r) ? "WARNING" : "SUCCESS");
        } else {
            body.put("status", "ERROR");
            body.put("error_type", errorType(r));
            String message = SinkParts.first(r.errorMessage(), r.errorType());
            body.put("error_message", message != null ? message : "HTTP " + r.status());
        }
        return body;
    }

    private static ObjectNode input(CallRecord r, boolean chat) {
        List<SinkParts.Message> prompt = SinkParts.prompt(r);
        if (chat) {
            return chat(prompt);
        }
        ObjectNode completion = Json.object();
        completion.put("type", "completion");
        ArrayNode content = completion.putArray("content");
        if (!prompt.isEmpty()) {
            content.addObject().put("type", "text").put("text", prompt.get(0).text());
        }
        return completion;
    }

    private static ObjectNode output(CallRecord r, boolean chat) {
        String answer = SinkParts.answer(r);
        if (chat) {
            return chat(answer == null ? List.of() : List.of(new SinkParts.Message("assistant", answer)));
        }
        ObjectNode completion = Json.object();
        completion.put("type", "completion");
        ArrayNode content = completion.putArray("content");
        if (answer != null) {
            content.addObject().put("type", "text").put("text", answer);
        }
        return completion;
    }

    private static ObjectNode chat(List<SinkParts.Message> messages) {
        ObjectNode chat = Json.object();
        chat.put("type", "chat");
        ArrayNode list = chat.putArray("messages");
        for (SinkParts.Message m : messages) {
            ObjectNode message = list.addObject();
            message.put("role", m.role());
            message.putArray("content").addObject().put("type", "text").put("text", m.text());
        }
        return chat;
    }

    /**
     * PromptLayer's error category for a failure: {@code PROVIDER_RATE_LIMIT} (429), {@code PROVIDER_TIMEOUT} (a
     * timeout, 408, 504), {@code PROVIDER_QUOTA_LIMIT} (a budget or quota refusal), {@code PROVIDER_AUTH_ERROR}
     * (401, 403), {@code PROVIDER_ERROR} (another 5xx), else {@code UNKNOWN_ERROR}. The exact error type and status
     * are in the metadata.
     */
    static String errorType(CallRecord r) {
        String type = r.errorType() == null ? "" : r.errorType().toLowerCase(java.util.Locale.ROOT);
        int status = r.status();
        if (type.contains("budget") || type.contains("quota")) {
            return "PROVIDER_QUOTA_LIMIT";
        }
        if (status == 429 || type.contains("rate_limit")) {
            return "PROVIDER_RATE_LIMIT";
        }
        if (status == 408 || status == 504 || type.contains("timeout")) {
            return "PROVIDER_TIMEOUT";
        }
        if (status == 401 || status == 403) {
            return "PROVIDER_AUTH_ERROR";
        }
        if (status >= 500) {
            return "PROVIDER_ERROR";
        }
        return "UNKNOWN_ERROR";
    }
}
