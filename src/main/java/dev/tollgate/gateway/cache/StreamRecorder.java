package dev.tollgate.gateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Assembles the whole answer of a stream from the events sent to its client, so a streamed answer can be stored and
 * served later to a request that does not stream (and replayed to one that does). One per streamed request that may
 * be stored; fed on the request's event loop.
 *
 * <p><b>OpenAI</b> (chat: <a href="https://platform.openai.com/docs/api-reference/chat-streaming/streaming">the
 * chat.completion.chunk object</a>, {@code CreateChatCompletionStreamResponse} in OpenAI's OpenAPI document; legacy
 * completions: <a href="https://platform.openai.com/docs/api-reference/completions/object">the completion object</a>,
 * whose streamed and whole shapes are the same). The envelope ({@code id}, {@code created}, {@code model}) comes from
 * the first chunk that has it, {@code system_fingerprint} and {@code service_tier} from the last that has them. Per
 * choice {@code index}: {@code role}; {@code content}, {@code refusal} and {@code text} concatenated (null while no
 * chunk carried a string); {@code tool_calls} by their {@code index} ({@code id} and {@code type} as sent,
 * {@code function.name} and {@code function.arguments} concatenated, as openai-python's stream accumulator does);
 * the deprecated {@code function_call} likewise; {@code annotations} appended; delta fields OpenAI's schema does not
 * name (a compatible provider's {@code reasoning_content}, {@code audio}) merged as openai-python's accumulator does
 * (strings concatenated, objects merged, the rest replaced); {@code logprobs.content} and
 * {@code logprobs.refusal} arrays (legacy: {@code tokens}, {@code token_logprobs}, {@code top_logprobs},
 * {@code text_offset}) concatenated; {@code finish_reason}. A chunk with a {@code usage} object (the
 * {@code stream_options.include_usage} chunk) gives the usage; a chunk with an {@code error} makes the stream not
 * whole, and so does an end without {@code data: [DONE]} ({@link #openAiDone()}).
 *
 * <p><b>Anthropic</b> (<a href="https://docs.anthropic.com/en/docs/build-with-claude/streaming">Streaming
 * Messages</a>): {@code message_start}'s message is the base; each block from {@code content_block_start}, grown by
 * {@code text_delta} (text), {@code input_json_delta} (partial_json, concatenated and parsed into {@code input} at
 * {@code content_block_stop}), {@code thinking_delta}, {@code signature_delta} and {@code citations_delta} (each
 * citation appended to {@code citations}); {@code message_delta}'s {@code delta} fields ({@code stop_reason},
 * {@code stop_sequence}, ...) set on the message and its {@code usage} fields (cumulative, per the docs) laid over
 * message_start's; {@code message_stop} ends it. {@code ping} and event types Anthropic may add later are ignored; a
 * delta type this class does not know, an {@code error} event, or tool input that is not JSON makes the stream not
 * whole (it could not be replayed faithfully).
 *
 * <p>The size bound ({@link #limit}) weighs what the answer accumulates (text, arguments, thinking, logprob entries,
 * whole blocks), not the SSE framing; it is an estimate of the body's size made without serialising it on every
 * chunk. The caller weighs the exact body ({@link CachedAnswer#weight()}) before storing it.
 */
public final class StreamRecorder {
    /** Delta fields with a rule of their own; the others go through {@link #extra}. */
    private static final java.util.Set<String> KNOWN_DELTA = java.util.Set.of("role", "content", "refusal", "tool_calls",
            "function_call", "annotations");
    /** Estimated bytes of one element the recorder keeps besides its strings (a logprob entry, a citation...). */
    private static final int ELEMENT_BYTES = 48;

    private final WireFormat dialect;
    private final Operation operation;
    private long maxBytes = Long.MAX_VALUE;
    private long bytes;
    private boolean overflow;
    private boolean broken;

    // ---- OpenAI ----
    private String id;
    private JsonNode created;
    private String model;
    private JsonNode systemFingerprint;
    private JsonNode serviceTier;
    private JsonNode seenUsage;
    private final TreeMap<Integer, Choice> choices = new TreeMap<>();
    private boolean done;

    // ---- Anthropic ----
    private ObjectNode message;
    private ObjectNode anthropicUsage;
    private boolean messageStop;
    private final TreeMap<Integer, Block> blocks = new TreeMap<>();

    public StreamRecorder(WireFormat dialect, Operation operation) {
        this.dialect = dialect;
        this.operation = operation;
    }

    /** An OpenAI chunk as written to the client (chat.completion.chunk or a text_completion chunk). */
    public void openAi(JsonNode chunk) {
        if (overflow || broken || done || chunk == null) {
            return;
        }
        if (!chunk.isObject() || (chunk.has("error") && !chunk.get("error").isNull())) {
            broken = true;
            return;
        }
        if (id == null && chunk.path("id").isTextual()) {
            id = chunk.get("id").asText();
        }
        if (created == null && chunk.path("created").isNumber()) {
            created = chunk.get("created");
        }
        if (model == null && chunk.path("model").isTextual()) {
            model = chunk.get("model").asText();
        }
        if (chunk.hasNonNull("system_fingerprint")) {
            systemFingerprint = chunk.get("system_fingerprint");
        } else if (chunk.has("system_fingerprint") && systemFingerprint == null) {
            systemFingerprint = chunk.get("system_fingerprint");
        }
        if (chunk.hasNonNull("service_tier")) {
            serviceTier = chunk.get("service_tier");
        }
        if (chunk.path("usage").isObject()) {
            seenUsage = chunk.get("usage");
        }
        for (JsonNode c : chunk.path("choices")) {
            int index = c.path("index").asInt(0);
            Choice choice = choices.computeIfAbsent(index, i -> new Choice());
            JsonNode delta = c.path("delta");
            if (delta.isObject()) {
                chatDelta(choice, delta);
            }
            if (c.path("text").isTextual()) {
                choice.text = append(choice.text, c.get("text").asText());
            }
            JsonNode logprobs = c.get("logprobs");
            if (logprobs != null && logprobs.isObject()) {
                choice.logprobs = mergeArrays(choice.logprobs, logprobs);
            }
            if (c.path("finish_reason").isTextual()) {
                choice.finishReason = c.get("finish_reason").asText();
            }
            if (bytes > maxBytes) {
                overflow = true;
                return;
            }
        }
    }

    private void chatDelta(Choice choice, JsonNode delta) {
        if (delta.path("role").isTextual()) {
            choice.role = delta.get("role").asText();
        }
        if (delta.path("content").isTextual()) {
            choice.content = append(choice.content, delta.get("content").asText());
        }
        if (delta.path("refusal").isTextual()) {
            choice.refusal = append(choice.refusal, delta.get("refusal").asText());
        }
        for (JsonNode call : delta.path("tool_calls")) {
            int index = call.path("index").asInt(0);
            ToolCall acc = choice.toolCalls.computeIfAbsent(index, i -> new ToolCall());
            if (call.path("id").isTextual() && !call.get("id").asText().isEmpty()) {
                acc.id = call.get("id").asText();
            }
            if (call.path("type").isTextual()) {
                acc.type = call.get("type").asText();
            }
            JsonNode function = call.path("function");
            if (function.path("name").isTextual()) {
                acc.name = append(acc.name, function.get("name").asText());
            }
            if (function.path("arguments").isTextual()) {
                acc.arguments = append(acc.arguments, function.get("arguments").asText());
            }
            bytes += ELEMENT_BYTES;
        }
        JsonNode functionCall = delta.path("function_call");
        if (functionCall.isObject()) {
            if (choice.functionCall == null) {
                choice.functionCall = new ToolCall();
            }
            if (functionCall.path("name").isTextual()) {
                choice.functionCall.name = append(choice.functionCall.name, functionCall.get("name").asText());
            }
            if (functionCall.path("arguments").isTextual()) {
                choice.functionCall.arguments = append(choice.functionCall.arguments,
                        functionCall.get("arguments").asText());
            }
        }
        Iterator<Map.Entry<String, JsonNode>> fields = delta.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (!KNOWN_DELTA.contains(f.getKey()) && !f.getValue().isNull()) {
                if (choice.extra == null) {
                    choice.extra = new java.util.LinkedHashMap<>();
                }
                extra(choice.extra, f.getKey(), f.getValue());
            }
        }
        JsonNode annotations = delta.path("annotations");
        if (annotations.isArray()) {
            if (choice.annotations == null) {
                choice.annotations = Json.array();
            }
            for (JsonNode a : annotations) {
                choice.annotations.add(a.deepCopy());
                bytes += ELEMENT_BYTES;
            }
        }
    }

    /**
     * A delta field OpenAI's schema does not name (an OpenAI-compatible provider's {@code reasoning_content}, the
     * {@code audio} of an audio answer): strings concatenated, objects merged field by field the same way, anything
     * else replaced — openai-python's stream accumulator's rule.
     */
    private void extra(Map<String, Object> into, String field, JsonNode value) {
        Object have = into.get(field);
        if (value.isTextual()) {
            String piece = value.asText();
            into.put(field, have instanceof StringBuilder ? append((StringBuilder) have, piece) : append(null, piece));
        } else if (value.isObject()) {
            ObjectNode target = have instanceof ObjectNode ? (ObjectNode) have : Json.object();
            mergeObject(target, value);
            into.put(field, target);
        } else {
            into.put(field, value.deepCopy());
            bytes += ELEMENT_BYTES;
        }
    }

    private void mergeObject(ObjectNode target, JsonNode value) {
        Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode have = target.get(f.getKey());
            JsonNode v = f.getValue();
            if (v.isNull()) {
                continue;
            }
            if (v.isTextual() && have != null && have.isTextual()) {
                target.put(f.getKey(), have.asText() + v.asText());
            } else if (v.isObject() && have != null && have.isObject()) {
                mergeObject((ObjectNode) have, v);
            } else {
                target.set(f.getKey(), v.deepCopy());
            }
            bytes += v.isTextual() ? v.asText().length() : ELEMENT_BYTES;
        }
    }

    /** Concatenates the arrays of {@code next} onto those of {@code into} field by field (null fields stay null). */
    private ObjectNode mergeArrays(ObjectNode into, JsonNode next) {
        ObjectNode out = into != null ? into : Json.object();
        Iterator<Map.Entry<String, JsonNode>> fields = next.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode value = f.getValue();
            if (value.isArray()) {
                JsonNode have = out.get(f.getKey());
                ArrayNode target = have != null && have.isArray() ? (ArrayNode) have : out.putArray(f.getKey());
                for (JsonNode element : value) {
                    target.add(element.deepCopy());
                    bytes += ELEMENT_BYTES + element.path("token").asText("").length();
                }
            } else if (!out.has(f.getKey())) {
                out.set(f.getKey(), value.deepCopy());
            }
        }
        return out;
    }

    /**
     * The OpenAI stream's {@code data: [DONE]} was written: the stream ended as OpenAI ends a whole one. Required
     * for {@link #complete} to give an OpenAI answer: without it a stream cut between one choice's finish and the
     * next choice's first chunk would look whole (a recorder cannot know {@code n}).
     */
    public void openAiDone() {
        done = true;
    }

    /** An Anthropic event as written to the client. */
    public void anthropic(String type, JsonNode data) {
        if (overflow || broken || type == null) {
            return;
        }
        switch (type) {
            case "message_start" -> {
                JsonNode m = data == null ? null : data.get("message");
                if (message != null || m == null || !m.isObject()) {
                    broken = true;
                    return;
                }
                message = ((ObjectNode) m).deepCopy();
                message.remove("content");
                JsonNode u = message.remove("usage");
                anthropicUsage = u != null && u.isObject() ? (ObjectNode) u : Json.object();
            }
            case "content_block_start" -> {
                JsonNode block = data == null ? null : data.get("content_block");
                if (message == null || block == null || !block.isObject()) {
                    broken = true;
                    return;
                }
                Block b = new Block(((ObjectNode) block).deepCopy());
                if (blocks.putIfAbsent(data.path("index").asInt(0), b) != null) {
                    broken = true;
                    return;
                }
                bytes += ELEMENT_BYTES + block.toString().length();
            }
            case "content_block_delta" -> blockDelta(data);
            case "content_block_stop" -> {
                Block b = data == null ? null : blocks.get(data.path("index").asInt(0));
                if (b == null || b.stopped || !b.stop()) {
                    broken = true;
                }
            }
            case "message_delta" -> {
                if (message == null || data == null) {
                    broken = true;
                    return;
                }
                JsonNode delta = data.path("delta");
                if (delta.isObject()) {
                    message.setAll(((ObjectNode) delta).deepCopy());
                }
                JsonNode u = data.path("usage");
                if (u.isObject()) {
                    anthropicUsage.setAll(((ObjectNode) u).deepCopy());
                }
            }
            case "message_stop" -> {
                if (message == null) {
                    broken = true;
                    return;
                }
                messageStop = true;
            }
            case "error" -> broken = true;
            default -> {
                // ping, and event types Anthropic may add (its versioning policy says clients should ignore them)
            }
        }
        if (bytes > maxBytes) {
            overflow = true;
        }
    }

    private void blockDelta(JsonNode data) {
        Block b = data == null ? null : blocks.get(data.path("index").asInt(0));
        JsonNode delta = data == null ? null : data.get("delta");
        if (b == null || b.stopped || delta == null) {
            broken = true;
            return;
        }
        switch (delta.path("type").asText()) {
            case "text_delta" -> b.text = append(b.text, delta.path("text").asText(""));
            case "input_json_delta" -> b.json = append(b.json, delta.path("partial_json").asText(""));
            case "thinking_delta" -> b.thinking = append(b.thinking, delta.path("thinking").asText(""));
            case "signature_delta" -> b.signature = append(b.signature, delta.path("signature").asText(""));
            case "citations_delta" -> {
                JsonNode citation = delta.get("citation");
                if (citation == null) {
                    broken = true;
                    return;
                }
                JsonNode have = b.block.get("citations");
                ArrayNode citations = have != null && have.isArray() ? (ArrayNode) have : b.block.putArray("citations");
                citations.add(citation.deepCopy());
                bytes += ELEMENT_BYTES + citation.toString().length();
            }
            default -> broken = true; // a delta we cannot put back together: do not store a wrong answer
        }
    }

    /**
     * The whole answer as the non-streamed endpoint would have given it (OpenAI chat.completion / text_completion with
     * {@code usage}; Anthropic message with {@code usage}), or null when the stream was not whole (no finish reason on
     * every choice / no message_stop, an error event) or grew past {@code maxBytes} (then it stopped collecting).
     * An OpenAI stream is whole only once {@link #openAiDone()} was called.
     *
     * <p>{@code usage}, when given, sets the token counts ({@link TokenUsage#toOpenAi()} /
     * {@link TokenUsage#toAnthropic()}) over the usage the stream carried, whose other fields (details, server tool
     * use) stay; when null the stream's own usage is kept, and an OpenAI answer whose stream had none has no
     * {@code usage}.
     */
    public ObjectNode complete(TokenUsage usage) {
        if (overflow || broken) {
            return null;
        }
        return dialect == WireFormat.ANTHROPIC ? completeAnthropic(usage) : completeOpenAi(usage);
    }

    private ObjectNode completeOpenAi(TokenUsage usage) {
        if (!done || choices.isEmpty() || id == null) {
            return null;
        }
        boolean legacy = operation == Operation.COMPLETIONS;
        ObjectNode out = Json.object();
        out.put("id", id);
        out.put("object", legacy ? "text_completion" : "chat.completion");
        if (created != null) {
            out.set("created", created);
        }
        out.put("model", model);
        ArrayNode list = out.putArray("choices");
        for (Map.Entry<Integer, Choice> e : choices.entrySet()) {
            Choice c = e.getValue();
            if (c.finishReason == null) {
                return null;
            }
            ObjectNode choice = list.addObject();
            choice.put("index", e.getKey());
            if (legacy) {
                choice.put("text", c.text == null ? "" : c.text.toString());
            } else {
                choice.set("message", c.message());
            }
            choice.set("logprobs", c.logprobs == null ? Json.NODES.nullNode() : c.logprobs);
            choice.put("finish_reason", c.finishReason);
        }
        ObjectNode u = seenUsage != null ? ((ObjectNode) seenUsage).deepCopy() : null;
        if (usage != null) {
            u = overlay(u, usage.toOpenAi());
        }
        if (u != null) {
            out.set("usage", u);
        }
        if (systemFingerprint != null) {
            out.set("system_fingerprint", systemFingerprint);
        }
        if (serviceTier != null) {
            out.set("service_tier", serviceTier);
        }
        return out;
    }

    private ObjectNode completeAnthropic(TokenUsage usage) {
        if (message == null || !messageStop) {
            return null;
        }
        ObjectNode out = message.deepCopy();
        ArrayNode content = out.putArray("content");
        for (Block b : blocks.values()) {
            if (!b.stopped) {
                return null;
            }
            content.add(b.block);
        }
        ObjectNode u = anthropicUsage.deepCopy();
        if (usage != null) {
            u = overlay(u, usage.toAnthropic());
        }
        out.set("usage", u);
        return out;
    }

    /** {@code base} with {@code counts}' fields set over it, one level of objects deep (prompt_tokens_details). */
    private static ObjectNode overlay(ObjectNode base, ObjectNode counts) {
        if (base == null) {
            return counts;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = counts.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode have = base.get(f.getKey());
            if (have != null && have.isObject() && f.getValue().isObject()) {
                ((ObjectNode) have).setAll((ObjectNode) f.getValue());
            } else {
                base.set(f.getKey(), f.getValue());
            }
        }
        return base;
    }

    /** Stop collecting once the answer passes this many bytes (the entry could not be stored anyway). */
    public StreamRecorder limit(long maxBytes) {
        this.maxBytes = maxBytes;
        if (bytes > maxBytes) {
            overflow = true;
        }
        return this;
    }

    private StringBuilder append(StringBuilder to, String s) {
        bytes += s.length();
        return to == null ? new StringBuilder(s) : to.append(s);
    }

    /** One OpenAI choice being put together. */
    private static final class Choice {
        String role;
        StringBuilder content;
        StringBuilder refusal;
        StringBuilder text;
        final TreeMap<Integer, ToolCall> toolCalls = new TreeMap<>();
        ToolCall functionCall;
        ArrayNode annotations;
        Map<String, Object> extra;
        ObjectNode logprobs;
        String finishReason;

        ObjectNode message() {
            ObjectNode m = Json.object();
            m.put("role", role == null ? "assistant" : role);
            m.put("content", content == null ? null : content.toString());
            m.put("refusal", refusal == null ? null : refusal.toString());
            if (!toolCalls.isEmpty()) {
                ArrayNode calls = m.putArray("tool_calls");
                for (ToolCall t : toolCalls.values()) {
                    ObjectNode call = calls.addObject();
                    call.put("id", t.id);
                    call.put("type", t.type == null ? "function" : t.type);
                    ObjectNode function = call.putObject("function");
                    function.put("name", t.name == null ? "" : t.name.toString());
                    function.put("arguments", t.arguments == null ? "" : t.arguments.toString());
                }
            }
            if (functionCall != null) {
                ObjectNode f = m.putObject("function_call");
                f.put("name", functionCall.name == null ? "" : functionCall.name.toString());
                f.put("arguments", functionCall.arguments == null ? "" : functionCall.arguments.toString());
            }
            if (annotations != null) {
                m.set("annotations", annotations);
            }
            if (extra != null) {
                extra.forEach((k, v) -> {
                    if (v instanceof StringBuilder) {
                        m.put(k, v.toString());
                    } else {
                        m.set(k, (JsonNode) v);
                    }
                });
            }
            return m;
        }
    }

    /** One tool call (or the legacy function call) being put together. */
    private static final class ToolCall {
        String id;
        String type;
        StringBuilder name;
        StringBuilder arguments;
    }

    /** One Anthropic content block being put together. */
    private static final class Block {
        final ObjectNode block;
        StringBuilder text;
        StringBuilder thinking;
        StringBuilder signature;
        StringBuilder json;
        boolean stopped;

        Block(ObjectNode block) {
            this.block = block;
            text = start(block, "text");
            thinking = start(block, "thinking");
            signature = start(block, "signature");
        }

        private static StringBuilder start(ObjectNode block, String field) {
            JsonNode v = block.get(field);
            return v != null && v.isTextual() ? new StringBuilder(v.asText()) : null;
        }

        /** Puts the collected strings into the block; false when the tool input is not JSON. */
        boolean stop() {
            stopped = true;
            if (text != null) {
                block.put("text", text.toString());
            }
            if (thinking != null) {
                block.put("thinking", thinking.toString());
            }
            if (signature != null) {
                block.put("signature", signature.toString());
            }
            if (json != null && !json.toString().isBlank()) {
                JsonNode input = Json.parse(json.toString());
                if (input == null) {
                    return false;
                }
                block.set("input", input);
            }
            return true;
        }
    }
}
