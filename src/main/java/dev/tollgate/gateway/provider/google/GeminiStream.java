package dev.tollgate.gateway.provider.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.HubChunks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code streamGenerateContent?alt=sse} answer as hub chunks. Every SSE event is a whole
 * {@code GenerateContentResponse} carrying the next piece: text parts are deltas, a {@code functionCall} part is
 * one whole call, {@code finishReason} comes with the last piece of each candidate, and {@code usageMetadata} (the
 * counts so far) with every event. Per candidate: the role first, then text and tool-call deltas, then the finish
 * reason; the usage-only chunk ends the stream ({@link #finish}). The stream is complete once every candidate seen
 * has a finish reason, or the prompt was blocked ({@code promptFeedback.blockReason}: an empty answer with
 * {@code content_filter}); a body that ends before that was cut.
 */
final class GeminiStream {
    private final String model;
    private final long created;
    private HubChunks chunks;
    private String responseId;
    private final Map<Integer, Integer> toolCalls = new HashMap<>();
    private final Map<Integer, Boolean> finished = new HashMap<>();
    private boolean blocked;
    private JsonNode usage;

    GeminiStream(String model, long created) {
        this.model = model;
        this.created = created;
    }

    List<ObjectNode> onEvent(JsonNode event) {
        List<ObjectNode> out = new ArrayList<>();
        if (chunks == null) {
            responseId = Json.text(event, "responseId");
            String version = Json.text(event, "modelVersion");
            chunks = new HubChunks("chatcmpl-" + (responseId != null ? responseId : "gemini-" + created),
                    version != null ? version : model, created);
        }
        if (event.path("usageMetadata").isObject()) {
            usage = event.get("usageMetadata");
        }
        JsonNode candidates = event.path("candidates");
        if ((!candidates.isArray() || candidates.isEmpty())
                && Json.text(event.path("promptFeedback"), "blockReason") != null && finished.isEmpty()) {
            out.add(chunks.role());
            out.add(chunks.finish("content_filter"));
            blocked = true;
            return out;
        }
        int position = 0;
        for (JsonNode candidate : candidates) {
            int index = candidate.path("index").asInt(position++);
            if (!finished.containsKey(index)) {
                finished.put(index, false);
                ObjectNode role = Json.object();
                role.put("role", "assistant");
                role.put("content", "");
                out.add(chunks.chunk(index, role, null));
            }
            for (JsonNode part : candidate.path("content").path("parts")) {
                if (part.path("thought").asBoolean(false)) {
                    continue;
                }
                if (part.has("functionCall")) {
                    int n = toolCalls.getOrDefault(index, 0);
                    toolCalls.put(index, n + 1);
                    ObjectNode call = GeminiResponse.toolCall(responseId, index, n, part);
                    call.put("index", n);
                    ObjectNode delta = Json.object();
                    ArrayNode list = delta.putArray("tool_calls");
                    ObjectNode entry = list.addObject();
                    entry.put("index", n);
                    entry.put("id", call.get("id").asText());
                    entry.put("type", "function");
                    entry.set("function", call.get("function"));
                    out.add(chunks.chunk(index, delta, null));
                } else if (part.has("text") && !part.path("text").asText("").isEmpty()) {
                    ObjectNode delta = Json.object();
                    delta.put("content", part.path("text").asText());
                    out.add(chunks.chunk(index, delta, null));
                }
            }
            String reason = Json.text(candidate, "finishReason");
            if (reason != null && !finished.get(index)) {
                finished.put(index, true);
                out.add(chunks.chunk(index, Json.object(),
                        GeminiResponse.finishReason(reason, toolCalls.getOrDefault(index, 0) > 0)));
            }
        }
        return out;
    }

    boolean complete() {
        return blocked || (!finished.isEmpty() && !finished.containsValue(false));
    }

    /** The usage-only chunk, when Gemini reported usage. */
    List<ObjectNode> finish() {
        ObjectNode u = GeminiResponse.usage(usage);
        return u == null || chunks == null ? List.of() : List.of(chunks.usage(u));
    }

    TokenUsage usageSoFar() {
        return GeminiResponse.tokenUsage(usage);
    }
}
