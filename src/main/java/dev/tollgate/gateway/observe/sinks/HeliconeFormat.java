package dev.tollgate.gateway.observe.sinks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.Headers;
import dev.tollgate.gateway.observe.SinkFormat;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Helicone's custom (async) logging API: one {@code POST <url>/custom/v1/log} per call (Helicone takes one request
 * per log, so a batch is several deliveries), {@code Authorization: Bearer <apiKey>} (credential role
 * {@code apiKey}), body {@code {providerRequest:{url:"custom-model-nopath", json, meta}, providerResponse:{json,
 * status, headers}, timing:{startTime:{seconds, milliseconds}, endTime:{...}, timeToFirstToken?}}}. Sources:
 * https://docs.helicone.ai/getting-started/integration-method/manual-logger-curl (endpoint, auth, body, token
 * tracking through {@code providerResponse.json.usage}) and Helicone's worker, which validates the body
 * (worker/src/lib/models/AsyncLog.ts) and reads {@code providerRequest.meta} as Helicone headers
 * (worker/src/lib/managers/AsyncLogManager.ts, worker/src/lib/models/HeliconeHeaders.ts).
 *
 * <p>{@code providerRequest.json} is {@code {model, messages?, prompt?/input?, <sampling parameters>}}: the
 * messages only when the record carries content, so without it a minimal body with the model.
 * {@code providerResponse.json} is OpenAI-shaped ({@code id?, model, usage {prompt_tokens, completion_tokens,
 * total_tokens}, choices?}) with the answer only with content, or {@code {error:{message, type}}} for a failure.
 * {@code meta} carries Helicone's headers: {@code Helicone-Request-Id} (the request id, as a UUID),
 * {@code Helicone-User-Id} (the key's id), and {@code Helicone-Property-*} custom properties: each key attribute under
 * its own name, and Tollgate's ids, cost (decimal string), cache status, routing and latency as
 * {@code Helicone-Property-Tollgate-*}.
 */
public final class HeliconeFormat implements SinkFormat {
    /** The URL used when the resource gives none (the endpoint Helicone's docs and manual logger use). */
    public static final String DEFAULT_URL = "https://api.worker.helicone.ai";

    /** Helicone keeps a Helicone-Request-Id only when it is a UUID of versions 1 to 5 (HeliconeHeaders.getValidUUID). */
    private static final Pattern HELICONE_UUID =
            Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                    Pattern.CASE_INSENSITIVE);
    private static final Pattern NOT_TOKEN = Pattern.compile("[^A-Za-z0-9_.-]+");
    private static final Pattern NOT_PRINTABLE = Pattern.compile("[^\\x20-\\x7E]");

    @Override
    public List<SinkRequest> encode(List<CallRecord> batch, SinkTarget target) {
        if (batch.isEmpty()) {
            return List.of();
        }
        Map<String, String> own = new LinkedHashMap<>();
        own.put("content-type", "application/json");
        String key = SinkParts.credential(target, SinkParts.API_KEY);
        if (key != null) {
            own.put("authorization", "Bearer " + key);
        }
        Map<String, String> headers = Headers.merge(target.headers(), Map.of(), own);
        return SinkParts.onePerRecord(batch, SinkParts.url(target, "/custom/v1/log"), headers, HeliconeFormat::log);
    }

    static ObjectNode log(CallRecord r) {
        ObjectNode body = Json.object();
        ObjectNode request = body.putObject("providerRequest");
        request.put("url", "custom-model-nopath");
        request.set("json", requestJson(r));
        ObjectNode meta = request.putObject("meta");
        meta(r).forEach(meta::put);
        ObjectNode response = body.putObject("providerResponse");
        response.set("json", responseJson(r));
        response.put("status", r.status());
        response.putObject("headers");
        ObjectNode timing = body.putObject("timing");
        time(timing.putObject("startTime"), r.startEpochNanos());
        time(timing.putObject("endTime"), Math.max(r.endEpochNanos(), r.startEpochNanos()));
        if (r.firstTokenNanos() != null) {
            timing.put("timeToFirstToken", r.firstTokenNanos() / 1_000_000L);
        }
        return body;
    }

    private static void time(ObjectNode node, long epochNanos) {
        long ms = SinkParts.millis(epochNanos);
        node.put("seconds", Math.floorDiv(ms, 1000L));
        node.put("milliseconds", Math.floorMod(ms, 1000L));
    }

    private static ObjectNode requestJson(CallRecord r) {
        ObjectNode json = Json.object();
        String model = SinkParts.first(r.upstreamModel(), r.model(), r.requestedModel(), r.responseModel());
        json.put("model", model != null ? model : "unknown");
        List<SinkParts.Message> prompt = SinkParts.prompt(r);
        if (!prompt.isEmpty()) {
            boolean chat = r.request() != null && r.request().has("messages");
            if (chat) {
                ArrayNode messages = json.putArray("messages");
                for (SinkParts.Message m : prompt) {
                    messages.addObject().put("role", m.role()).put("content", m.text());
                }
            } else {
                json.put(r.request().has("prompt") ? "prompt" : "input", prompt.get(0).text());
            }
        }
        json.setAll(SinkParts.params(r));
        if (r.stream()) {
            json.put("stream", true);
        }
        return json;
    }

    private static ObjectNode responseJson(CallRecord r) {
        ObjectNode json = Json.object();
        if (!r.ok()) {
            ObjectNode error = json.putObject("error");
            String message = SinkParts.first(r.errorMessage(), r.errorType());
            error.put("message", message != null ? message : "HTTP " + r.status());
            if (r.errorType() != null) {
                error.put("type", r.errorType());
            }
            return json;
        }
        if (r.responseId() != null) {
            json.put("id", r.responseId());
        }
        String model = SinkParts.modelName(r);
        if (model != null) {
            json.put("model", model);
        }
        String answer = SinkParts.answer(r);
        if (answer != null) {
            json.put("object", "chat.completion");
            ObjectNode choice = json.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", answer);
            if (!r.finishReasons().isEmpty()) {
                choice.put("finish_reason", r.finishReasons().get(0));
            }
        }
        if (r.inputTokens() != null || r.outputTokens() != null) {
            long in = r.inputTokens() == null ? 0 : r.inputTokens();
            long outTokens = r.outputTokens() == null ? 0 : r.outputTokens();
            ObjectNode usage = json.putObject("usage");
            usage.put("prompt_tokens", in);
            usage.put("completion_tokens", outTokens);
            usage.put("total_tokens", in + outTokens);
        }
        return json;
    }

    /** Helicone's headers for this call, carried in {@code providerRequest.meta}. */
    static Map<String, String> meta(CallRecord r) {
        Map<String, String> meta = new LinkedHashMap<>();
        if (r.requestId() != null) {
            meta.put("Helicone-Request-Id", heliconeRequestId(r.requestId()));
        }
        if (r.keyId() != null) {
            meta.put("Helicone-User-Id", value(r.keyId()));
        }
        SinkParts.metadata(r).forEach((k, v) -> {
            String name = k.startsWith("tollgate.") ? "Tollgate-" + property(k.substring("tollgate.".length()))
                    : NOT_TOKEN.matcher(k).replaceAll("-");
            if (!name.isEmpty()) {
                meta.put("Helicone-Property-" + name, value(v));
            }
        });
        return meta;
    }

    /** The request id if Helicone keeps it as is, else a name-based UUID of it (the same for every retry). */
    static String heliconeRequestId(String requestId) {
        return HELICONE_UUID.matcher(requestId).matches() ? requestId
                : UUID.nameUUIDFromBytes(requestId.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** A property name as an HTTP header name part: {@code request_id} -> {@code Request-Id}. */
    private static String property(String name) {
        StringBuilder sb = new StringBuilder();
        for (String part : NOT_TOKEN.matcher(name.replace('_', '-')).replaceAll("-").split("-")) {
            if (!part.isEmpty()) {
                sb.append(sb.length() == 0 ? "" : "-").append(Character.toUpperCase(part.charAt(0)))
                        .append(part.substring(1));
            }
        }
        return sb.toString();
    }

    /** A header value Helicone's worker accepts (new Headers(meta)): printable ASCII only. */
    private static String value(String v) {
        return NOT_PRINTABLE.matcher(v).replaceAll("?").strip();
    }
}
