package dev.tollgate.gateway.provider.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.TranslationException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * Gemini answers as the hub's (OpenAI's): {@code GenerateContentResponse} → {@code chat.completion}, embedding
 * responses → an embeddings list (https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse).
 *
 * <ul>
 *   <li>Each candidate is a choice: its text parts (not {@code thought: true} parts, which are the model's
 *       reasoning) joined as {@code content}, its {@code functionCall} parts as {@code tool_calls} with ids from
 *       {@link ToolCallIds} (carrying the part's thought signature). A signature on a text part is not kept: the
 *       thought-signatures guide makes echoing those optional, and OpenAI's text content has no place for it.</li>
 *   <li>{@code finishReason}: STOP → {@code stop} ({@code tool_calls} when the candidate calls functions),
 *       MAX_TOKENS → {@code length}, SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII and the IMAGE_ safety
 *       reasons → {@code content_filter}, anything else → {@code stop}. A prompt Gemini blocked
 *       ({@code promptFeedback.blockReason}, no candidates) is one choice with empty content and
 *       {@code content_filter}: a 200, as Gemini answers it.</li>
 *   <li>{@code usageMetadata}: {@code promptTokenCount} (+ {@code toolUsePromptTokenCount}) → {@code prompt_tokens},
 *       {@code candidatesTokenCount} + {@code thoughtsTokenCount} → {@code completion_tokens} (thinking is billed as
 *       output) with {@code completion_tokens_details.reasoning_tokens}, {@code cachedContentTokenCount} →
 *       {@code prompt_tokens_details.cached_tokens}, {@code totalTokenCount} → {@code total_tokens}.</li>
 * </ul>
 */
final class GeminiResponse {
    private GeminiResponse() {}

    static ObjectNode chat(JsonNode body, String model, long created) {
        String responseId = Json.text(body, "responseId");
        ObjectNode out = Json.object();
        out.put("id", "chatcmpl-" + (responseId != null ? responseId : "gemini-" + created));
        out.put("object", "chat.completion");
        out.put("created", created);
        out.put("model", Json.text(body, "modelVersion") != null ? Json.text(body, "modelVersion") : model);
        ArrayNode choices = out.putArray("choices");
        JsonNode candidates = body.path("candidates");
        if (!candidates.isArray() || candidates.isEmpty()) {
            if (Json.text(body.path("promptFeedback"), "blockReason") == null) {
                throw TranslationException.badUpstream("The Gemini answer has neither candidates nor a "
                        + "promptFeedback.blockReason.");
            }
            ObjectNode choice = choices.addObject();
            choice.put("index", 0);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", "");
            message.putNull("refusal");
            choice.putNull("logprobs");
            choice.put("finish_reason", "content_filter");
        }
        int position = 0;
        for (JsonNode candidate : candidates) {
            int index = candidate.path("index").asInt(position++);
            StringBuilder text = new StringBuilder();
            boolean hasText = false;
            ArrayNode calls = Json.array();
            for (JsonNode part : candidate.path("content").path("parts")) {
                if (part.path("thought").asBoolean(false)) {
                    continue;
                }
                if (part.has("text")) {
                    text.append(part.path("text").asText(""));
                    hasText = true;
                } else if (part.has("functionCall")) {
                    calls.add(toolCall(responseId, index, calls.size(), part));
                }
            }
            ObjectNode choice = choices.addObject();
            choice.put("index", index);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            if (hasText) {
                message.put("content", text.toString());
            } else {
                message.putNull("content");
            }
            message.putNull("refusal");
            if (!calls.isEmpty()) {
                message.set("tool_calls", calls);
            }
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(Json.text(candidate, "finishReason"), !calls.isEmpty()));
        }
        ObjectNode usage = usage(body.get("usageMetadata"));
        if (usage != null) {
            out.set("usage", usage);
        }
        return out;
    }

    /** One {@code functionCall} part as an OpenAI tool call. */
    static ObjectNode toolCall(String responseId, int candidate, int index, JsonNode part) {
        JsonNode fc = part.get("functionCall");
        String name = Json.text(fc, "name");
        ObjectNode call = Json.object();
        call.put("id", ToolCallIds.of(responseId, candidate, index, name, Json.text(fc, "id"),
                Json.text(part, "thoughtSignature")));
        call.put("type", "function");
        ObjectNode fn = call.putObject("function");
        fn.put("name", name);
        JsonNode args = fc.get("args");
        fn.put("arguments", Json.write(args == null || args.isNull() ? Json.object() : args));
        return call;
    }

    static String finishReason(String reason, boolean calledTools) {
        if (reason == null) {
            return calledTools ? "tool_calls" : "stop";
        }
        return switch (reason) {
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                 "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION" -> "content_filter";
            default -> calledTools ? "tool_calls" : "stop";
        };
    }

    /** The hub's usage object for Gemini's {@code usageMetadata}; null when there is none. */
    static ObjectNode usage(JsonNode meta) {
        if (meta == null || !meta.isObject()) {
            return null;
        }
        long prompt = Json.longValue(meta, "promptTokenCount") + Json.longValue(meta, "toolUsePromptTokenCount");
        long thoughts = Json.longValue(meta, "thoughtsTokenCount");
        long completion = Json.longValue(meta, "candidatesTokenCount") + thoughts;
        long cached = Json.longValue(meta, "cachedContentTokenCount");
        ObjectNode u = Json.object();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", meta.has("totalTokenCount") ? Json.longValue(meta, "totalTokenCount") : prompt + completion);
        if (cached > 0) {
            u.putObject("prompt_tokens_details").put("cached_tokens", cached);
        }
        if (thoughts > 0) {
            u.putObject("completion_tokens_details").put("reasoning_tokens", thoughts);
        }
        return u;
    }

    /** {@link #usage} as the gateway meters it (cached input read from the cache, thinking as output). */
    static TokenUsage tokenUsage(JsonNode meta) {
        ObjectNode u = usage(meta);
        return u == null ? null : TokenUsage.fromOpenAi(u);
    }

    /**
     * {@code EmbedContentResponse} ({@code embedding}) or {@code BatchEmbedContentsResponse} ({@code embeddings}) as
     * OpenAI's list. Gemini reports no token usage for embeddings, so {@code usage} is left out (unless Gemini sends
     * {@code usageMetadata}) and the gateway counts the input itself when it meters the request.
     */
    static ObjectNode embeddings(JsonNode body, String model, boolean base64) {
        ArrayNode vectors = Json.array();
        if (body.path("embedding").isObject()) {
            vectors.add(body.get("embedding"));
        } else if (body.path("embeddings").isArray()) {
            body.get("embeddings").forEach(vectors::add);
        } else {
            throw TranslationException.badUpstream("The Gemini answer has no embedding.");
        }
        ObjectNode out = Json.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            JsonNode values = vectors.get(i).path("values");
            if (base64) {
                ByteBuffer b = ByteBuffer.allocate(4 * values.size()).order(ByteOrder.LITTLE_ENDIAN);
                values.forEach(v -> b.putFloat(v.floatValue()));
                item.put("embedding", Base64.getEncoder().encodeToString(b.array()));
            } else {
                item.set("embedding", values.deepCopy());
            }
        }
        out.put("model", model);
        JsonNode meta = body.get("usageMetadata");
        if (meta != null && meta.has("promptTokenCount")) {
            long prompt = Json.longValue(meta, "promptTokenCount");
            out.putObject("usage").put("prompt_tokens", prompt).put("total_tokens", prompt);
        }
        return out;
    }
}
