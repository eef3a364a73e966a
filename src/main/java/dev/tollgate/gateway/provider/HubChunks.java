package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * The hub's streamed shape, for adapters: OpenAI's {@code chat.completion.chunk} objects (role first, then content or
 * tool-call deltas, then the finish reason, then a usage-only chunk with empty {@code choices}), written as OpenAI
 * writes them ({@code logprobs: null} in each choice and, in a stream that reports usage, {@code usage: null} until
 * the last chunk), and the replay of a whole answer as such a stream for providers that do not stream.
 */
public final class HubChunks {
    private final String id;
    private final String model;
    private final long created;
    private final boolean usageNulls;

    public HubChunks(String id, String model, long created) {
        this(id, model, created, false);
    }

    /** @param usageNulls write {@code usage: null} in every chunk but the usage one, as OpenAI does with include_usage */
    public HubChunks(String id, String model, long created, boolean usageNulls) {
        this.id = id;
        this.model = model;
        this.created = created;
        this.usageNulls = usageNulls;
    }

    /** A chunk with one choice (index 0) carrying {@code delta} and, when not null, a finish reason. */
    public ObjectNode chunk(ObjectNode delta, String finishReason) {
        return chunk(0, delta, finishReason);
    }

    public ObjectNode chunk(int index, ObjectNode delta, String finishReason) {
        ObjectNode c = base();
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (usageNulls) {
            c.putNull("usage");
        }
        return c;
    }

    /** The first delta of an answer: the assistant role and empty content, as OpenAI starts every stream. */
    public ObjectNode role() {
        ObjectNode delta = Json.object();
        delta.put("role", "assistant");
        delta.put("content", "");
        return chunk(delta, null);
    }

    public ObjectNode text(String text) {
        ObjectNode delta = Json.object();
        delta.put("content", text);
        return chunk(delta, null);
    }

    /** The start of a tool call (id, name, and the arguments so far, possibly empty). */
    public ObjectNode toolCall(int index, String callId, String name, String arguments) {
        ObjectNode delta = Json.object();
        ObjectNode tc = delta.putArray("tool_calls").addObject();
        tc.put("index", index);
        if (callId != null) {
            tc.put("id", callId);
            tc.put("type", "function");
        }
        ObjectNode fn = tc.putObject("function");
        if (name != null) {
            fn.put("name", name);
        }
        fn.put("arguments", arguments == null ? "" : arguments);
        return chunk(delta, null);
    }

    public ObjectNode finish(String finishReason) {
        return chunk(Json.object(), finishReason);
    }

    /** The usage-only chunk that ends a stream whose client asked for {@code stream_options.include_usage}. */
    public ObjectNode usage(ObjectNode usage) {
        ObjectNode c = base();
        c.putArray("choices");
        c.set("usage", usage);
        return c;
    }

    /** A legacy {@code text_completion} chunk (a /v1/completions stream): one choice with {@code text}. */
    public ObjectNode completion(String text, String finishReason) {
        ObjectNode c = base();
        c.put("object", "text_completion");
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", text);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return c;
    }

    /** The usage-only chunk that ends a legacy completions stream. */
    public ObjectNode completionUsage(ObjectNode usage) {
        ObjectNode c = usage(usage);
        c.put("object", "text_completion");
        return c;
    }

    /** A chunk's envelope (id, object, created, model) with nothing else. */
    public ObjectNode base() {
        ObjectNode c = Json.object();
        c.put("id", id);
        c.put("object", "chat.completion.chunk");
        c.put("created", created);
        c.put("model", model);
        return c;
    }

    /**
     * A whole {@code chat.completion} (or legacy {@code text_completion}) replayed as the chunks a stream of it would
     * have carried: for providers that cannot stream. The usage chunk comes last when the answer has usage.
     */
    public static List<ObjectNode> replay(ObjectNode response) {
        HubChunks h = new HubChunks(response.path("id").asText(""), response.path("model").asText(""),
                response.path("created").asLong(0));
        List<ObjectNode> out = new ArrayList<>();
        boolean legacy = "text_completion".equals(response.path("object").asText());
        for (JsonNode choice : response.path("choices")) {
            int index = choice.path("index").asInt(0);
            String finish = choice.path("finish_reason").isTextual() ? choice.path("finish_reason").asText() : "stop";
            if (legacy) {
                ObjectNode c = h.base();
                c.put("object", "text_completion");
                ObjectNode ch = c.putArray("choices").addObject();
                ch.put("index", index);
                ch.put("text", choice.path("text").asText(""));
                ch.put("finish_reason", finish);
                out.add(c);
                continue;
            }
            JsonNode message = choice.path("message");
            ObjectNode delta = Json.object();
            delta.put("role", "assistant");
            if (message.path("content").isTextual()) {
                delta.put("content", message.path("content").asText());
            }
            if (message.path("tool_calls").isArray() && !message.path("tool_calls").isEmpty()) {
                ArrayNode calls = delta.putArray("tool_calls");
                int i = 0;
                for (JsonNode tc : message.path("tool_calls")) {
                    ObjectNode copy = ((ObjectNode) tc).deepCopy();
                    copy.put("index", i++);
                    calls.add(copy);
                }
            }
            out.add(h.chunk(index, delta, null));
            out.add(h.chunk(index, Json.object(), finish));
        }
        if (response.path("usage").isObject()) {
            out.add(h.usage((ObjectNode) response.get("usage")));
        }
        return out;
    }
}
