package dev.tollgate.gateway.provider.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.HubChunks;
import dev.tollgate.gateway.provider.SseDecoder;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Cohere's v2 chat stream (https://docs.cohere.com/reference/chat-stream, https://docs.cohere.com/docs/streaming) as
 * hub chunks. Cohere sends typed SSE events, each {@code event: <type>} with a JSON {@code data} whose {@code type}
 * is the same:
 * <pre>
 * message-start    {id, delta.message.role}                 -> the role chunk
 * content-start    {index, delta.message.content.{type,text}} -> its text, if any (thinking blocks: nothing)
 * content-delta    {index, delta.message.content.text}      -> a content chunk (thinking deltas: nothing)
 * tool-plan-delta  {delta.message.tool_plan}                -> nothing: the plan is not the answer
 * tool-call-start  {index, delta.message.tool_calls.{id,type,function.{name,arguments}}} -> a tool-call chunk
 * tool-call-delta  {index, delta.message.tool_calls.function.arguments}                  -> an arguments chunk
 * citation-start/end, content-end, tool-call-end, debug      -> nothing
 * message-end      {delta.finish_reason, delta.usage, delta.error} -> the finish chunk and the usage chunk
 * </pre>
 * The answer is complete only after {@code message-end}; a body that ends before it was cut. A {@code message-end}
 * whose finish reason is {@code ERROR} fails the stream (the answer is incomplete).
 */
final class CohereStream extends SseDecoder {
    private final String model;
    private final long created;
    private final String modelId;
    private HubChunks chunks;
    private boolean started;
    private boolean complete;
    private boolean sawToolCall;
    private TokenUsage usage;
    private final Map<Integer, Integer> toolIndex = new HashMap<>();
    private int lastTool = -1;

    CohereStream(String model, long created, String modelId) {
        this.model = model;
        this.created = created;
        this.modelId = modelId;
    }

    @Override
    protected void onEvent(String event, JsonNode data, Consumer<ObjectNode> out) {
        String type = data.path("type").asText(event == null ? "" : event);
        JsonNode message = data.path("delta").path("message");
        switch (type) {
            case "message-start" -> start(data.path("id").asText(""), out);
            case "content-start", "content-delta" -> {
                start("", out);
                JsonNode content = message.path("content");
                if (content.path("text").isTextual() && !content.path("text").asText().isEmpty()
                        && !"thinking".equals(content.path("type").asText())) {
                    out.accept(chunks.text(content.path("text").asText()));
                }
            }
            case "tool-call-start" -> {
                start("", out);
                JsonNode tc = message.path("tool_calls");
                int hub = toolIndex.size();
                toolIndex.put(data.path("index").asInt(hub), hub);
                lastTool = hub;
                sawToolCall = true;
                out.accept(chunks.toolCall(hub, tc.path("id").asText(""), tc.path("function").path("name").asText(""),
                        tc.path("function").path("arguments").asText("")));
            }
            case "tool-call-delta" -> {
                start("", out);
                String args = message.path("tool_calls").path("function").path("arguments").asText("");
                Integer hub = data.has("index") ? toolIndex.get(data.get("index").asInt()) : null;
                int index = hub != null ? hub : lastTool;
                if (index < 0) {
                    throw dev.tollgate.gateway.provider.TranslationException.badUpstream("Cohere sent tool-call "
                            + "arguments before any tool-call-start");
                }
                if (!args.isEmpty()) {
                    out.accept(chunks.toolCall(index, null, null, args));
                }
            }
            case "message-end" -> {
                start("", out);
                JsonNode delta = data.path("delta");
                String finish = CohereChat.finishReason(delta.path("finish_reason").asText(null));
                usage = CohereChat.usage(delta.get("usage"));
                if (finish == null) {
                    throw CohereErrors.failedGeneration(modelId, delta.path("error").asText(null));
                }
                out.accept(chunks.finish(sawToolCall && "stop".equals(finish) ? "tool_calls" : finish));
                if (usage != null) {
                    out.accept(chunks.usage(usage.toOpenAi()));
                }
                complete = true;
            }
            default -> {
                // tool-plan-delta, citation-start/end, content-end, tool-call-end, debug: nothing for the hub
            }
        }
    }

    private void start(String id, Consumer<ObjectNode> out) {
        if (!started) {
            started = true;
            chunks = new HubChunks("chatcmpl-" + id, model, created);
            out.accept(chunks.role());
        }
    }

    @Override
    protected boolean complete() {
        return complete;
    }

    @Override
    public TokenUsage usageSoFar() {
        return usage;
    }

}
