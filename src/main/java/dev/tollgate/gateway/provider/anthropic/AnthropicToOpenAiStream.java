package dev.tollgate.gateway.provider.anthropic;

import dev.tollgate.gateway.provider.HubChunks;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.Json;

import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.TokenUsage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Incremental translator from an Anthropic Messages SSE stream to OpenAI {@code chat.completion.chunk} objects.
 *
 * <p>Feed each parsed event (the JSON {@code data} of one SSE event) to {@link #onEvent(JsonNode)}, in order, and
 * write each returned chunk as {@code data: <json>}; when the upstream stream ends call {@link #finish()} and then
 * write {@code data: [DONE]}. Nothing is buffered beyond the per-stream state (ids, tool indices, usage).
 *
 * <ul>
 *   <li>{@code message_start}: a first chunk with {@code delta: {role: "assistant", content: ""}}; the message id
 *       and model are used for every chunk; input usage is captured.</li>
 *   <li>{@code text_delta}: {@code delta.content}.</li>
 *   <li>A {@code tool_use} block start: a {@code delta.tool_calls} entry with the tool call's {@code index}
 *       (counting tool blocks only, from 0), {@code id}, {@code type: "function"}, {@code function.name} and empty
 *       {@code arguments}; each {@code input_json_delta} then adds its {@code partial_json} as an
 *       {@code arguments} fragment under the same index.</li>
 *   <li>{@code message_delta}: a chunk with an empty delta and the mapped {@code finish_reason} (see
 *       {@link FinishReasons}); output usage is captured (Anthropic's counts there are cumulative).</li>
 *   <li>{@code message_stop}: when the client asked for it ({@code includeUsage}), the usage chunk with
 *       {@code choices: []}; in that mode the other chunks carry {@code usage: null}, as OpenAI's do.</li>
 *   <li>{@code ping}, thinking / signature / citation deltas, other block types and unknown event types produce
 *       nothing (Anthropic may add event types).</li>
 *   <li>{@code error}: throws a {@link TranslationException} carrying the upstream error type and its HTTP status
 *       (e.g. 529 for {@code overloaded_error}); the caller should send it as an error event, never as a normal
 *       end of stream.</li>
 * </ul>
 *
 * <p>One instance per stream; not thread-safe (feed events from one thread at a time).
 */
public final class AnthropicToOpenAiStream {

    private final boolean includeUsage;
    private final long created;

    private boolean started;
    private boolean stopped;
    private String id;
    private String model;
    /** The chunks' envelope, known from message_start on. */
    private HubChunks hub;
    private String finishReason;
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
    private final Set<Integer> startedBlocks = new HashSet<>();
    private int nextToolIndex;

    private long inputTokens;
    private long outputTokens;
    private long cacheCreationTokens;
    private long cacheReadTokens;

    /**
     * A translator for one stream.
     *
     * @param includeUsage        emit the final usage chunk (the client sent {@code stream_options.include_usage};
     *                            see {@link AnthropicTranslator#includeUsageRequested})
     * @param createdEpochSeconds the {@code created} timestamp written in every chunk
     */
    public AnthropicToOpenAiStream(boolean includeUsage, long createdEpochSeconds) {
        this.includeUsage = includeUsage;
        this.created = createdEpochSeconds;
    }

    /**
     * Translates one Anthropic stream event.
     *
     * @return the chunks to send, possibly none
     * @throws TranslationException on an upstream {@code error} event (with the upstream's error type and status),
     *                              or with HTTP 502 when the events violate the documented sequence
     */
    public List<ObjectNode> onEvent(JsonNode event) {
        String type = Json.text(event, "type");
        if (type == null) {
            throw TranslationException.badUpstream("Anthropic stream event without a type.");
        }
        if (type.equals("error")) {
            throw new TranslationException(ApiError.fromAnthropic(0, event));
        }
        if (stopped || type.equals("ping")) {
            return List.of();
        }
        if (!started && !type.equals("message_start")) {
            if (List.of("content_block_start", "content_block_delta", "content_block_stop", "message_delta",
                    "message_stop").contains(type)) {
                throw TranslationException.badUpstream("Anthropic stream event '" + type + "' before message_start.");
            }
            return List.of();
        }
        List<ObjectNode> out = new ArrayList<>();
        switch (type) {
            case "message_start" -> {
                if (started) {
                    throw TranslationException.badUpstream("Second message_start in one Anthropic stream.");
                }
                started = true;
                JsonNode message = event.path("message");
                id = Json.text(message, "id");
                model = Json.text(message, "model");
                readUsage(message.get("usage"));
                hub = new HubChunks(id, model, created, includeUsage);
                out.add(hub.role());
            }
            case "content_block_start" -> {
                JsonNode block = event.path("content_block");
                String blockType = Json.text(block, "type");
                startedBlocks.add(event.path("index").asInt());
                if ("text".equals(blockType)) {
                    String text = Json.text(block, "text");
                    if (text != null && !text.isEmpty()) {
                        out.add(contentChunk(text));
                    }
                } else if ("tool_use".equals(blockType)) {
                    int toolIndex = nextToolIndex++;
                    toolIndexByBlock.put(event.path("index").asInt(), toolIndex);
                    ObjectNode call = Json.object();
                    call.put("index", toolIndex);
                    call.put("id", Json.text(block, "id"));
                    call.put("type", "function");
                    ObjectNode fn = call.putObject("function");
                    fn.put("name", Json.text(block, "name"));
                    JsonNode input = block.get("input");
                    fn.put("arguments", Json.absent(input) ? "" : Json.write(input));
                    out.add(toolChunk(call));
                }
            }
            case "content_block_delta" -> {
                JsonNode delta = event.path("delta");
                String deltaType = Json.text(delta, "type");
                if ("text_delta".equals(deltaType)) {
                    String text = Json.text(delta, "text");
                    if (text != null && !text.isEmpty()) {
                        out.add(contentChunk(text));
                    }
                } else if ("input_json_delta".equals(deltaType)) {
                    int blockIndex = event.path("index").asInt();
                    if (!startedBlocks.contains(blockIndex)) {
                        throw TranslationException.badUpstream("input_json_delta for content block " + blockIndex
                                + ", which was never started.");
                    }
                    Integer toolIndex = toolIndexByBlock.get(blockIndex); // null for server tool blocks: skipped
                    String partial = Json.text(delta, "partial_json");
                    if (toolIndex != null && partial != null && !partial.isEmpty()) {
                        ObjectNode call = Json.object();
                        call.put("index", toolIndex);
                        call.putObject("function").put("arguments", partial);
                        out.add(toolChunk(call));
                    }
                }
            }
            case "message_delta" -> {
                readUsage(event.get("usage"));
                String stopReason = Json.text(event.path("delta"), "stop_reason");
                if (stopReason != null) {
                    finishReason = FinishReasons.toOpenAi(stopReason);
                    out.add(chunk(Json.object(), finishReason));
                }
            }
            case "message_stop" -> {
                if (finishReason == null) {
                    throw TranslationException.badUpstream("Anthropic stream stopped without a stop_reason.");
                }
                stopped = true;
                if (includeUsage) {
                    out.add(hub.usage(currentUsage().toOpenAi()));
                }
            }
            default -> {
                // content_block_stop and event types added later carry nothing to translate
            }
        }
        return out;
    }

    /**
     * Signals the end of the upstream stream.
     *
     * @return chunks still to send (currently always none)
     * @throws TranslationException (HTTP 502) when the stream ended before {@code message_stop}: the response is
     *                              incomplete and must be reported as an error, not as a normal end
     */
    public List<ObjectNode> finish() {
        if (!stopped) {
            throw TranslationException.badUpstream("The Anthropic stream ended before message_stop: the response is "
                    + "incomplete.");
        }
        return List.of();
    }

    /** Whether {@code message_stop} has been seen. */
    public boolean isComplete() {
        return stopped;
    }

    /**
     * Usage seen so far (for metering), empty before {@code message_start}. Input tokens come from
     * {@code message_start}; output tokens are final once {@code message_delta} has been seen.
     */
    public Optional<TokenUsage> usage() {
        return started ? Optional.of(currentUsage()) : Optional.empty();
    }

    private TokenUsage currentUsage() {
        return new TokenUsage(inputTokens, outputTokens, cacheCreationTokens, cacheReadTokens);
    }

    /** Reads a usage object; present fields replace earlier values (Anthropic's counts are cumulative). */
    private void readUsage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return;
        }
        if (usage.path("input_tokens").isNumber()) {
            inputTokens = usage.get("input_tokens").asLong();
        }
        if (usage.path("output_tokens").isNumber()) {
            outputTokens = usage.get("output_tokens").asLong();
        }
        if (usage.path("cache_creation_input_tokens").isNumber()) {
            cacheCreationTokens = usage.get("cache_creation_input_tokens").asLong();
        }
        if (usage.path("cache_read_input_tokens").isNumber()) {
            cacheReadTokens = usage.get("cache_read_input_tokens").asLong();
        }
    }

    private ObjectNode chunk(ObjectNode delta, String finish) {
        return hub.chunk(delta, finish);
    }

    private ObjectNode contentChunk(String text) {
        ObjectNode delta = Json.object();
        delta.put("content", text);
        return chunk(delta, null);
    }

    private ObjectNode toolChunk(ObjectNode call) {
        ObjectNode delta = Json.object();
        ArrayNode calls = delta.putArray("tool_calls");
        calls.add(call);
        return chunk(delta, null);
    }
}
