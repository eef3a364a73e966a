package dev.tollgate.gateway.provider.anthropic;

import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.Json;

import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.TokenUsage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Incremental translator from an OpenAI {@code chat.completion.chunk} stream to the Anthropic Messages SSE event
 * sequence.
 *
 * <p>Feed each parsed chunk to {@link #onChunk(JsonNode)}; when the upstream sends {@code data: [DONE]} or the
 * connection ends, call {@link #finish()}. Every returned object is the {@code data} of one SSE event whose
 * {@code event:} name is the object's {@code type}. The produced sequence is: {@code message_start}; for each
 * content block {@code content_block_start}, {@code content_block_delta}s ({@code text_delta} or
 * {@code input_json_delta}), {@code content_block_stop}; then {@code message_delta} (with {@code stop_reason} and
 * usage) and {@code message_stop}. Block indices count from 0 in order of appearance: the text block, then one
 * {@code tool_use} block per tool call (text after a tool call opens a new text block). No {@code ping} is sent.
 *
 * <p>Usage: OpenAI streams report usage at the end (the translated request asks for it with
 * {@code stream_options.include_usage}), so {@code message_start} carries zero tokens and the final
 * {@code message_delta} carries {@code input_tokens}, the cache counts and {@code output_tokens}. That
 * {@code message_delta} is emitted once both the {@code finish_reason} and the usage chunk have arrived, or at
 * {@link #finish()} if the provider sent no usage (then the counts are 0 and {@link #usage()} is empty).
 *
 * <p>Errors: an {@code error} object in the stream throws a {@link TranslationException} with the upstream error;
 * a stream that ends without a {@code finish_reason} makes {@link #finish()} throw (HTTP 502) instead of producing
 * a normal {@code message_stop}.
 *
 * <p>One instance per stream; not thread-safe (feed chunks from one thread at a time).
 */
public final class OpenAiToAnthropicStream {

    private enum Block { NONE, TEXT, TOOL }

    private boolean started;
    private boolean stopped;
    private String id;
    private String model;

    private Block open = Block.NONE;
    private int openIndex = -1;
    private int openToolIndex = -1;
    private int nextBlockIndex;
    private final Set<Integer> seenToolIndices = new HashSet<>();

    private String stopReason;
    private boolean refusal;
    private TokenUsage usage;

    /** A translator for one stream. */
    public OpenAiToAnthropicStream() {
    }

    /**
     * Translates one OpenAI chunk.
     *
     * @return the Anthropic events to send, possibly none
     * @throws TranslationException when the chunk carries an {@code error}, or (HTTP 502) when it cannot be
     *                              translated (e.g. interleaved tool call fragments)
     */
    public List<ObjectNode> onChunk(JsonNode chunk) {
        if (chunk.has("error") && !chunk.get("error").isNull()) {
            throw new TranslationException(ApiError.fromOpenAi(0, chunk));
        }
        List<ObjectNode> out = new ArrayList<>();
        if (stopped) {
            return out;
        }
        if (!started) {
            started = true;
            id = Json.text(chunk, "id");
            model = Json.text(chunk, "model");
            out.add(messageStart());
        }
        JsonNode usageNode = chunk.get("usage");
        if (usageNode != null && usageNode.isObject()) {
            usage = TokenUsage.fromOpenAi(usageNode);
        }
        JsonNode choices = chunk.get("choices");
        if (choices != null && choices.isArray()) {
            for (JsonNode choice : choices) {
                if (choice.path("index").asInt(0) != 0) {
                    continue; // translated requests never ask for more than one choice
                }
                choice(choice, out);
            }
        }
        if (stopReason != null && usage != null) {
            end(out);
        }
        return out;
    }

    /**
     * Signals the end of the upstream stream ({@code data: [DONE]} or end of connection).
     *
     * @return the closing events still to send ({@code message_delta}, {@code message_stop}) if not sent yet
     * @throws TranslationException (HTTP 502) when no {@code finish_reason} was received: the response is
     *                              incomplete and must be reported as an error event, not closed normally
     */
    public List<ObjectNode> finish() {
        List<ObjectNode> out = new ArrayList<>();
        if (stopped) {
            return out;
        }
        if (stopReason == null) {
            throw TranslationException.badUpstream("The upstream stream ended without a finish_reason: the response "
                    + "is incomplete.");
        }
        end(out);
        return out;
    }

    /** Whether {@code message_stop} has been produced. */
    public boolean isComplete() {
        return stopped;
    }

    /** The usage reported by the upstream (for metering), empty until its usage chunk arrives. */
    public Optional<TokenUsage> usage() {
        return Optional.ofNullable(usage);
    }

    private void choice(JsonNode choice, List<ObjectNode> out) {
        JsonNode delta = choice.path("delta");
        String content = Json.text(delta, "content");
        if (content != null && !content.isEmpty()) {
            text(content, out);
        }
        String refusalText = Json.text(delta, "refusal");
        if (refusalText != null && !refusalText.isEmpty()) {
            refusal = true;
            text(refusalText, out);
        }
        JsonNode toolCalls = delta.get("tool_calls");
        if (toolCalls != null && toolCalls.isArray()) {
            for (JsonNode call : toolCalls) {
                toolCall(call, out);
            }
        }
        String finish = Json.text(choice, "finish_reason");
        if (finish != null && stopReason == null) {
            close(out);
            stopReason = refusal ? "refusal" : FinishReasons.toAnthropic(finish);
        }
    }

    private void text(String text, List<ObjectNode> out) {
        if (open != Block.TEXT) {
            close(out);
            open = Block.TEXT;
            openIndex = nextBlockIndex++;
            ObjectNode start = event("content_block_start");
            start.put("index", openIndex);
            start.putObject("content_block").put("type", "text").put("text", "");
            out.add(start);
        }
        ObjectNode delta = event("content_block_delta");
        delta.put("index", openIndex);
        delta.putObject("delta").put("type", "text_delta").put("text", text);
        out.add(delta);
    }

    private void toolCall(JsonNode call, List<ObjectNode> out) {
        int toolIndex = call.path("index").asInt(0);
        JsonNode fn = call.path("function");
        if (open != Block.TOOL || openToolIndex != toolIndex) {
            if (seenToolIndices.contains(toolIndex)) {
                throw TranslationException.badUpstream("Fragments of tool call " + toolIndex + " arrived after "
                        + "another content block started; they cannot be placed in an Anthropic stream.");
            }
            String name = Json.text(fn, "name");
            if (name == null) {
                throw TranslationException.badUpstream("Tool call " + toolIndex + " started without a function "
                        + "name.");
            }
            String callId = Json.text(call, "id");
            if (callId == null) {
                callId = "call_" + (id == null ? "" : id + "_") + toolIndex;
            }
            close(out);
            seenToolIndices.add(toolIndex);
            open = Block.TOOL;
            openToolIndex = toolIndex;
            openIndex = nextBlockIndex++;
            ObjectNode start = event("content_block_start");
            start.put("index", openIndex);
            ObjectNode block = start.putObject("content_block");
            block.put("type", "tool_use");
            block.put("id", callId);
            block.put("name", name);
            block.putObject("input");
            out.add(start);
        }
        String arguments = Json.text(fn, "arguments");
        if (arguments != null && !arguments.isEmpty()) {
            ObjectNode delta = event("content_block_delta");
            delta.put("index", openIndex);
            delta.putObject("delta").put("type", "input_json_delta").put("partial_json", arguments);
            out.add(delta);
        }
    }

    private void close(List<ObjectNode> out) {
        if (open != Block.NONE) {
            ObjectNode stop = event("content_block_stop");
            stop.put("index", openIndex);
            out.add(stop);
            open = Block.NONE;
            openToolIndex = -1;
        }
    }

    private void end(List<ObjectNode> out) {
        close(out);
        ObjectNode messageDelta = event("message_delta");
        ObjectNode delta = messageDelta.putObject("delta");
        delta.put("stop_reason", stopReason);
        delta.putNull("stop_sequence");
        TokenUsage u = usage != null ? usage : new TokenUsage(0, 0, 0, 0);
        messageDelta.set("usage", u.toAnthropic());
        out.add(messageDelta);
        out.add(event("message_stop"));
        stopped = true;
    }

    private ObjectNode messageStart() {
        ObjectNode start = event("message_start");
        ObjectNode message = start.putObject("message");
        message.put("id", id);
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", model);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        ObjectNode u = message.putObject("usage");
        u.put("input_tokens", 0);
        u.put("output_tokens", 0);
        return start;
    }

    private static ObjectNode event(String type) {
        ObjectNode event = Json.object();
        event.put("type", type);
        return event;
    }
}
