package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Bodies of Anthropic's Messages API (https://docs.anthropic.com/en/api/messages,
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming), shared by {@link FakeAnthropic} and
 * {@link FakeVertex} (Claude on Vertex AI answers with the same message object and event stream).
 */
final class AnthropicWire {

    private AnthropicWire() {
    }

    /** The documented error body: {@code {"type":"error","error":{"type","message"},"request_id"}}. */
    static ObjectNode error(String type, String message, String requestId) {
        ObjectNode body = FakeUpstream.object().put("type", "error");
        body.putObject("error").put("type", type).put("message", message);
        body.put("request_id", requestId);
        return body;
    }

    static String stopReason(Reply reply) {
        return reply.finishReasonOr(reply.toolCallList().isEmpty() ? "end_turn" : "tool_use");
    }

    static List<String> toolIds(Reply reply, FakeUpstream ids) {
        List<String> out = new ArrayList<>();
        for (Reply.ToolCall call : reply.toolCallList()) {
            out.add(call.id() != null ? call.id() : ids.newId("toolu_"));
        }
        return out;
    }

    /**
     * Anthropic's usage (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance):
     * {@code input_tokens} is the prompt after the last breakpoint, cache reads and writes are counted apart.
     */
    static ObjectNode usage(Reply reply, int output) {
        return FakeUpstream.object()
                .put("input_tokens", reply.uncachedPromptTokens(10))
                .put("cache_creation_input_tokens", reply.cacheWriteTokens())
                .put("cache_read_input_tokens", reply.cacheReadTokens())
                .put("output_tokens", output);
    }

    static ObjectNode usage(int input, int output) {
        return FakeUpstream.object()
                .put("input_tokens", input)
                .put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", 0)
                .put("output_tokens", output);
    }

    private static JsonNode parse(String json) {
        try {
            return FakeUpstream.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tool arguments must be a JSON object: " + json, e);
        }
    }

    /** The {@code message} object: content blocks {@code text} and {@code tool_use} (input as an object). */
    static ObjectNode message(String id, String model, Reply reply, FakeUpstream ids) {
        return message(id, model, reply, ids, stopReason(reply));
    }

    /** The message with this {@code stop_reason} (a fake that maps the reply's neutral finish reason). */
    static ObjectNode message(String id, String model, Reply reply, FakeUpstream ids, String stopReason) {
        ObjectNode message = FakeUpstream.object()
                .put("id", id)
                .put("type", "message")
                .put("role", "assistant")
                .put("model", model);
        ArrayNode content = message.putArray("content");
        if (reply.text() != null) {
            content.addObject().put("type", "text").put("text", reply.text());
        }
        List<String> toolIds = toolIds(reply, ids);
        List<Reply.ToolCall> calls = reply.toolCallList();
        for (int i = 0; i < calls.size(); i++) {
            content.addObject().put("type", "tool_use").put("id", toolIds.get(i)).put("name", calls.get(i).name())
                    .set("input", parse(calls.get(i).argumentsJson()));
        }
        message.put("stop_reason", stopReason);
        message.putNull("stop_sequence");
        message.set("usage", usage(reply, reply.completionTokens()));
        return message;
    }

    static String event(ObjectNode data) {
        return "event: " + data.get("type").asText() + "\ndata: " + FakeUpstream.write(data) + "\n\n";
    }

    /** The stream's events in documented order; see the class comment. */
    static List<String> events(String id, String model, Reply reply, FakeUpstream ids) {
        return events(id, model, reply, ids, stopReason(reply));
    }

    /** The event stream ending with this {@code stop_reason}. */
    static List<String> events(String id, String model, Reply reply, FakeUpstream ids, String stopReason) {
        List<String> events = new ArrayList<>();
        ObjectNode start = FakeUpstream.object().put("type", "message_start");
        ObjectNode message = start.putObject("message")
                .put("id", id)
                .put("type", "message")
                .put("role", "assistant");
        message.putArray("content");
        message.put("model", model);
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.set("usage", usage(reply, 1));
        events.add(event(start));

        int index = 0;
        if (reply.text() != null) {
            ObjectNode blockStart = FakeUpstream.object().put("type", "content_block_start").put("index", index);
            blockStart.putObject("content_block").put("type", "text").put("text", "");
            events.add(event(blockStart));
            events.add(event(FakeUpstream.object().put("type", "ping")));
            for (String piece : reply.textPieces()) {
                ObjectNode delta = FakeUpstream.object().put("type", "content_block_delta").put("index", index);
                delta.putObject("delta").put("type", "text_delta").put("text", piece);
                events.add(event(delta));
            }
            events.add(event(FakeUpstream.object().put("type", "content_block_stop").put("index", index)));
            index++;
        }
        List<String> toolIds = toolIds(reply, ids);
        List<Reply.ToolCall> calls = reply.toolCallList();
        for (int i = 0; i < calls.size(); i++, index++) {
            ObjectNode blockStart = FakeUpstream.object().put("type", "content_block_start").put("index", index);
            blockStart.putObject("content_block").put("type", "tool_use").put("id", toolIds.get(i))
                    .put("name", calls.get(i).name()).putObject("input");
            events.add(event(blockStart));
            if (index == 0) {
                events.add(event(FakeUpstream.object().put("type", "ping")));
            }
            for (String fragment : calls.get(i).argumentFragments()) {
                ObjectNode delta = FakeUpstream.object().put("type", "content_block_delta").put("index", index);
                delta.putObject("delta").put("type", "input_json_delta").put("partial_json", fragment);
                events.add(event(delta));
            }
            events.add(event(FakeUpstream.object().put("type", "content_block_stop").put("index", index)));
        }

        ObjectNode messageDelta = FakeUpstream.object().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", reply.completionTokens());
        events.add(event(messageDelta));
        events.add(event(FakeUpstream.object().put("type", "message_stop")));
        return events;
    }

    /** {@code event: error} with {@code {"type":"error","error":{"type","message"}}}. */
    static String errorEvent(Reply reply) {
        ObjectNode data = FakeUpstream.object().put("type", "error");
        data.putObject("error").put("type", reply.errorType() == null ? "api_error" : reply.errorType())
                .put("message", reply.errorMessage() == null ? "Internal server error" : reply.errorMessage());
        return event(data);
    }
}
