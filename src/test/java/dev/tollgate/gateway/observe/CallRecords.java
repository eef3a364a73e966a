package dev.tollgate.gateway.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Call records for the sink tests: a finished chat request with every field set, and variants. */
public final class CallRecords {
    /** 2026-12-05T11:00:00Z in epoch nanos. */
    public static final long START = 1_796_468_400_000_000_000L;

    private CallRecords() {}

    /** A successful, non-streamed chat request of a key in {@code namespace} (null: unauthenticated). */
    public static CallRecord ok(String requestId, String namespace) {
        return ok(requestId, namespace, true);
    }

    public static CallRecord ok(String requestId, String namespace, boolean sampled) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("max_tokens", 256);
        params.put("temperature", new java.math.BigDecimal("0.2"));
        params.put("stop", List.of("\n\n"));
        AttemptRecord first = new AttemptRecord(1, "00f067aa0ba902b7", START + 1_000_000, START + 200_000_000, "chat",
                "llm/gpt-primary", "openai", "gpt-4o-mini", "api.openai.com", 443, 429, "rate_limit_exceeded", true,
                null, null, null);
        AttemptRecord second = new AttemptRecord(2, "00f067aa0ba902b8", START + 210_000_000, START + 900_000_000,
                "chat", "llm/gpt-secondary", "azure", "gpt-4o-mini", "example.openai.azure.com", 443, 200, null, false,
                1200L, 80L, 123L);
        return new CallRecord(requestId, "4bf92f3577b34da6a3ce929d0e0e4736", "b7ad6b7169203331",
                "00f067aa0ba902b6", sampled, START, START + 950_000_000, null, "chat", "/v1/chat/completions",
                "openai", namespace == null ? null : namespace + "/app-key", namespace,
                Map.of("team", "search", "costCenter", "cc-42"), List.of(namespace + "/monthly"), "chat", "chat",
                "llm/gpt-secondary", "azure", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "chatcmpl-123",
                "example.openai.azure.com", 443, false, params, 200, null, null, 1200L, 80L, 1000L, 0L, 123L, "MISS",
                List.of("stop"), List.of(first, second), null, null);
    }

    /** The same with the client's request body and the answer (what a content sink gets). */
    public static CallRecord withContent(CallRecord r, String prompt, String answer) {
        ObjectNode body = Json.object();
        body.put("model", "chat");
        ObjectNode message = body.putArray("messages").addObject();
        message.put("role", "user");
        message.put("content", prompt);
        return r.withContent(body, answer);
    }

    /** A failed request (502 after its attempts) with an error message. */
    public static CallRecord failed(String requestId, String namespace, String message) {
        CallRecord r = ok(requestId, namespace);
        return new CallRecord(r.requestId(), r.traceId(), "c7ad6b7169203331", null, r.sampled(),
                r.startEpochNanos(), r.endEpochNanos(), null, r.operation(), r.path(), "anthropic", r.keyId(),
                r.keyNamespace(), r.keyAttributes(), r.budgets(), r.requestedModel(), r.model(), r.deploymentId(),
                r.provider(), r.upstreamModel(), null, null, r.serverAddress(), r.serverPort(), true, Map.of(), 502,
                "upstream_error", message, 1200L, null, null, null, null, null, List.of(), r.attempts(), null, null);
    }

    /** A streamed request whose first token came 150 ms after it arrived. */
    public static CallRecord streamed(String requestId, String namespace) {
        CallRecord r = ok(requestId, namespace);
        return new CallRecord(r.requestId(), r.traceId(), r.spanId(), r.parentSpanId(), r.sampled(),
                r.startEpochNanos(), r.endEpochNanos(), 150_000_000L, r.operation(), r.path(), r.ingress(),
                r.keyId(), r.keyNamespace(), r.keyAttributes(), r.budgets(), r.requestedModel(), r.model(),
                r.deploymentId(), r.provider(), r.upstreamModel(), r.responseModel(), r.responseId(),
                r.serverAddress(), r.serverPort(), true, r.requestParams(), r.status(), null, null, 1200L, 80L, 1000L,
                100L, 1_500_000L, "MISS", r.finishReasons(), r.attempts(), null, null);
    }

    static JsonNode json(String text) {
        try {
            return Json.mapper().readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
