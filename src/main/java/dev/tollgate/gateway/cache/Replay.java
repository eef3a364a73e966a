package dev.tollgate.gateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Operation;
import java.util.ArrayList;
import java.util.List;

/**
 * A stored answer as a stream, in its dialect: the SSE text of each event, in order. Pure. The inverse of
 * {@link StreamRecorder}: what this writes, a recorder assembles back into the same answer.
 *
 * <p>Text (content, refusal, legacy text, thinking, tool arguments, tool input JSON) goes out in pieces of about
 * {@value #PIECE} characters, cut after whitespace where there is some in the piece's last quarter, never inside a
 * surrogate pair: few events (a cached answer has nothing to wait for), but still a stream a client renders
 * progressively.
 *
 * <p>Formats: OpenAI <a href="https://platform.openai.com/docs/api-reference/chat-streaming/streaming">chat
 * completion chunk</a> ({@code CreateChatCompletionStreamResponse} in OpenAI's OpenAPI document) and
 * <a href="https://platform.openai.com/docs/api-reference/completions/object">completion object</a> (streamed chunks
 * have the whole object's shape); Anthropic
 * <a href="https://docs.anthropic.com/en/docs/build-with-claude/streaming">Streaming Messages</a>.
 */
public final class Replay {
    /** Message fields with a rule of their own; the others are replayed as they are (see chatChoice). */
    private static final java.util.Set<String> KNOWN_MESSAGE = java.util.Set.of("role", "content", "refusal",
            "tool_calls", "function_call", "annotations");
    /** About how many characters of text one event carries. */
    static final int PIECE = 64;

    private Replay() {}

    /**
     * An OpenAI chat.completion (or text_completion) as the stream its endpoint would have sent: a first chunk with
     * the role, the content (and tool calls, refusal) in chunks, a chunk with each choice's finish_reason, a usage
     * chunk (empty choices) only when {@code includeUsage}, then {@code data: [DONE]}. Each element is one whole
     * event ({@code "data: {...}\n\n"}).
     *
     * <p>Every chunk carries the answer's {@code id}, {@code created}, {@code model} and (when the answer has them)
     * {@code system_fingerprint} and {@code service_tier}; {@code object} is {@code chat.completion.chunk}
     * ({@code text_completion} for completions). Choices are interleaved as OpenAI sends them: every choice's first
     * chunk, then their content chunks in turn, then every choice's finish chunk.
     * Content logprobs travel with the content they score (grouped by token) when their tokens spell the content;
     * the rest of the choice's logprobs (all of them otherwise) goes on its first chunk.
     */
    public static List<String> openAi(ObjectNode answer, Operation operation, boolean includeUsage) {
        boolean legacy = operation == Operation.COMPLETIONS;
        // each choice's events: [role chunk (chat only)], its content, its finish chunk
        List<List<String>> perChoice = new ArrayList<>();
        for (JsonNode choice : answer.path("choices")) {
            int index = choice.path("index").asInt(0);
            List<String> events = new ArrayList<>();
            if (legacy) {
                legacyChoice(events, answer, index, choice);
            } else {
                chatChoice(events, answer, index, choice);
            }
            perChoice.add(events);
        }
        // Every choice starts before any finishes, as OpenAI interleaves them: openai-java's accumulator takes the
        // completion as whole once every choice it has seen has finished.
        int head = legacy ? 0 : 1;
        List<String> out = new ArrayList<>();
        if (!legacy) {
            perChoice.forEach(events -> out.add(events.get(0)));
        }
        for (int i = head; ; i++) {
            boolean any = false;
            for (List<String> events : perChoice) {
                if (i < events.size() - 1) {
                    out.add(events.get(i));
                    any = true;
                }
            }
            if (!any) {
                break;
            }
        }
        perChoice.forEach(events -> out.add(events.get(events.size() - 1)));
        if (includeUsage && answer.path("usage").isObject()) {
            ObjectNode chunk = envelope(answer, legacy);
            chunk.putArray("choices");
            chunk.set("usage", answer.get("usage"));
            out.add(data(chunk));
        }
        out.add("data: [DONE]\n\n");
        return out;
    }

    private static void chatChoice(List<String> out, ObjectNode answer, int index, JsonNode choice) {
        List<String> extras = new ArrayList<>();
        JsonNode message = choice.path("message");
        JsonNode logprobs = choice.get("logprobs");
        boolean hasLogprobs = logprobs != null && logprobs.isObject();

        JsonNode content = message.get("content");
        boolean text = content != null && content.isTextual();
        JsonNode tokens = hasLogprobs ? logprobs.get("content") : null;
        boolean byTokens = text && tokens != null && tokens.isArray() && !tokens.isEmpty()
                && spells(tokens, content.asText());

        ObjectNode first = chatChunk(answer, index);
        ObjectNode delta = delta(first);
        delta.put("role", message.path("role").asText("assistant"));
        if (text) {
            delta.put("content", "");
        } else {
            delta.putNull("content");
        }
        if (hasLogprobs) {
            // all of it here, unless the content's entries go with the content pieces (then an empty array to add to)
            ObjectNode head = ((ObjectNode) logprobs).deepCopy();
            if (byTokens) {
                head.putArray("content");
            }
            choiceOf(first).set("logprobs", head);
        }
        out.add(data(first));

        if (byTokens) {
            contentByTokens(out, answer, index, tokens);
        } else if (text) {
            for (String piece : pieces(content.asText())) {
                ObjectNode chunk = chatChunk(answer, index);
                delta(chunk).put("content", piece);
                out.add(data(chunk));
            }
        }
        JsonNode refusal = message.get("refusal");
        if (refusal != null && refusal.isTextual()) {
            List<String> pieces = pieces(refusal.asText());
            for (String piece : pieces.isEmpty() ? List.of("") : pieces) {
                ObjectNode chunk = chatChunk(answer, index);
                delta(chunk).put("refusal", piece);
                out.add(data(chunk));
            }
        }
        int callIndex = 0;
        for (JsonNode call : message.path("tool_calls")) {
            ObjectNode head = chatChunk(answer, index);
            ObjectNode c = delta(head).putArray("tool_calls").addObject();
            c.put("index", callIndex);
            c.set("id", call.get("id"));
            c.put("type", call.path("type").asText("function"));
            ObjectNode f = c.putObject("function");
            f.put("name", call.path("function").path("name").asText(""));
            f.put("arguments", "");
            out.add(data(head));
            for (String piece : pieces(call.path("function").path("arguments").asText(""))) {
                ObjectNode chunk = chatChunk(answer, index);
                ObjectNode part = delta(chunk).putArray("tool_calls").addObject();
                part.put("index", callIndex);
                part.putObject("function").put("arguments", piece);
                out.add(data(chunk));
            }
            callIndex++;
        }
        JsonNode functionCall = message.get("function_call");
        if (functionCall != null && functionCall.isObject()) {
            ObjectNode head = chatChunk(answer, index);
            ObjectNode f = delta(head).putObject("function_call");
            f.put("name", functionCall.path("name").asText(""));
            f.put("arguments", "");
            out.add(data(head));
            for (String piece : pieces(functionCall.path("arguments").asText(""))) {
                ObjectNode chunk = chatChunk(answer, index);
                delta(chunk).putObject("function_call").put("arguments", piece);
                out.add(data(chunk));
            }
        }
        // fields OpenAI's schema does not name (reasoning_content of a compatible provider, audio): strings in pieces,
        // the rest whole, before the content as reasoning comes first
        message.fields().forEachRemaining(f -> {
            if (!KNOWN_MESSAGE.contains(f.getKey()) && !f.getValue().isNull()) {
                List<String> pieces = f.getValue().isTextual() ? pieces(f.getValue().asText()) : List.of();
                if (f.getValue().isTextual() && pieces.isEmpty()) {
                    pieces = List.of("");
                }
                if (pieces.isEmpty()) {
                    ObjectNode chunk = chatChunk(answer, index);
                    delta(chunk).set(f.getKey(), f.getValue());
                    extras.add(data(chunk));
                }
                for (String piece : pieces) {
                    ObjectNode chunk = chatChunk(answer, index);
                    delta(chunk).put(f.getKey(), piece);
                    extras.add(data(chunk));
                }
            }
        });
        out.addAll(1, extras);
        JsonNode annotations = message.get("annotations");
        if (annotations != null && annotations.isArray() && !annotations.isEmpty()) {
            ObjectNode chunk = chatChunk(answer, index);
            delta(chunk).set("annotations", annotations);
            out.add(data(chunk));
        }
        ObjectNode last = chatChunk(answer, index);
        choiceOf(last).set("finish_reason", choice.get("finish_reason"));
        out.add(data(last));
    }

    /** Content chunks whose text is a run of tokens, each with those tokens' logprob entries. */
    private static void contentByTokens(List<String> out, ObjectNode answer, int index, JsonNode tokens) {
        StringBuilder text = new StringBuilder();
        ArrayNode entries = Json.array();
        for (int i = 0; i < tokens.size(); i++) {
            JsonNode t = tokens.get(i);
            text.append(t.path("token").asText());
            entries.add(t);
            if (text.length() >= PIECE || i == tokens.size() - 1) {
                ObjectNode chunk = chatChunk(answer, index);
                delta(chunk).put("content", text.toString());
                choiceOf(chunk).putObject("logprobs").set("content", entries);
                out.add(data(chunk));
                text = new StringBuilder();
                entries = Json.array();
            }
        }
    }

    private static boolean spells(JsonNode tokens, String content) {
        StringBuilder all = new StringBuilder(content.length());
        for (JsonNode t : tokens) {
            if (!t.path("token").isTextual()) {
                return false;
            }
            all.append(t.get("token").asText());
        }
        return all.toString().equals(content);
    }

    private static void legacyChoice(List<String> out, ObjectNode answer, int index, JsonNode choice) {
        JsonNode logprobs = choice.get("logprobs");
        boolean first = true;
        for (String piece : pieces(choice.path("text").asText(""))) {
            ObjectNode chunk = legacyChunk(answer, index, piece, first ? logprobs : null);
            first = false;
            out.add(data(chunk));
        }
        ObjectNode last = legacyChunk(answer, index, "", first ? logprobs : null);
        choiceOf(last).set("finish_reason", choice.get("finish_reason"));
        out.add(data(last));
    }

    private static ObjectNode legacyChunk(ObjectNode answer, int index, String text, JsonNode logprobs) {
        ObjectNode chunk = envelope(answer, true);
        ObjectNode c = chunk.putArray("choices").addObject();
        c.put("text", text);
        c.put("index", index);
        c.set("logprobs", logprobs == null ? Json.NODES.nullNode() : logprobs);
        c.putNull("finish_reason");
        return chunk;
    }

    private static ObjectNode envelope(ObjectNode answer, boolean legacy) {
        ObjectNode chunk = Json.object();
        chunk.set("id", answer.get("id"));
        chunk.put("object", legacy ? "text_completion" : "chat.completion.chunk");
        chunk.set("created", answer.get("created"));
        chunk.set("model", answer.get("model"));
        if (answer.has("system_fingerprint")) {
            chunk.set("system_fingerprint", answer.get("system_fingerprint"));
        }
        if (answer.has("service_tier")) {
            chunk.set("service_tier", answer.get("service_tier"));
        }
        return chunk;
    }

    private static ObjectNode chatChunk(ObjectNode answer, int index) {
        ObjectNode chunk = envelope(answer, false);
        ObjectNode c = chunk.putArray("choices").addObject();
        c.put("index", index);
        c.putObject("delta");
        c.putNull("logprobs");
        c.putNull("finish_reason");
        return chunk;
    }

    private static ObjectNode choiceOf(ObjectNode chunk) {
        return (ObjectNode) chunk.get("choices").get(0);
    }

    private static ObjectNode delta(ObjectNode chunk) {
        return (ObjectNode) choiceOf(chunk).get("delta");
    }

    private static String data(JsonNode chunk) {
        return "data: " + Json.write(chunk) + "\n\n";
    }

    /**
     * An Anthropic message as the Messages stream: message_start (usage with input tokens), per content block
     * content_block_start / deltas (text_delta, input_json_delta, thinking_delta, signature_delta) /
     * content_block_stop, message_delta (stop_reason, stop_sequence, usage), message_stop. Each element is one whole
     * event ({@code "event: <type>\ndata: {...}\n\n"}).
     *
     * <p>message_start's message is the answer with empty {@code content}, null {@code stop_reason} and
     * {@code stop_sequence}, and the answer's usage except {@code output_tokens}, which is 1 (0 for an answer of no
     * output tokens): what Anthropic itself sends there (a count of the output so far), so a client that adds
     * message_start's count to message_delta's counts as much as it would against Anthropic, and one that takes
     * message_delta's (cumulative, per the docs) gets the answer's. message_delta carries the stop fields and the
     * answer's whole usage. Each block starts as the answer's block with its grown fields emptied ({@code text},
     * {@code thinking}, {@code signature} "", {@code input} {}, {@code citations} []) and grows by deltas: citations
     * each a {@code citations_delta} before the text, text and thinking in pieces, the signature in one
     * {@code signature_delta}, the input as its JSON text in {@code input_json_delta} pieces. Blocks without such
     * fields (redacted_thinking, server tool results) go whole in their content_block_start.
     */
    public static List<String> anthropic(ObjectNode message) {
        List<String> out = new ArrayList<>();
        ObjectNode start = message.deepCopy();
        start.putArray("content");
        start.putNull("stop_reason");
        start.putNull("stop_sequence");
        JsonNode usage = message.get("usage");
        ObjectNode startUsage = usage != null && usage.isObject() ? ((ObjectNode) usage).deepCopy() : Json.object();
        startUsage.put("output_tokens", Math.min(1, startUsage.path("output_tokens").asLong(0)));
        start.set("usage", startUsage);
        ObjectNode messageStart = event("message_start");
        messageStart.set("message", start);
        out.add(sse(messageStart));

        int index = 0;
        for (JsonNode block : message.path("content")) {
            if (!block.isObject()) {
                continue;
            }
            ObjectNode skeleton = ((ObjectNode) block).deepCopy();
            for (String field : new String[] {"text", "thinking", "signature"}) {
                if (skeleton.path(field).isTextual()) {
                    skeleton.put(field, "");
                }
            }
            boolean input = skeleton.path("input").isObject() || skeleton.path("input").isArray();
            if (input) {
                skeleton.putObject("input");
            }
            JsonNode citations = block.get("citations");
            boolean cites = citations != null && citations.isArray();
            if (cites) {
                skeleton.putArray("citations");
            }
            ObjectNode blockStart = event("content_block_start");
            blockStart.put("index", index);
            blockStart.set("content_block", skeleton);
            out.add(sse(blockStart));

            if (cites) {
                for (JsonNode citation : citations) {
                    ObjectNode d = Json.object();
                    d.put("type", "citations_delta");
                    d.set("citation", citation);
                    out.add(sse(blockDelta(index, d)));
                }
            }
            deltas(out, index, block.path("text"), "text_delta", "text");
            deltas(out, index, block.path("thinking"), "thinking_delta", "thinking");
            if (block.path("signature").isTextual() && !block.get("signature").asText().isEmpty()) {
                ObjectNode d = Json.object();
                d.put("type", "signature_delta");
                d.put("signature", block.get("signature").asText());
                out.add(sse(blockDelta(index, d)));
            }
            if (input) {
                // even {} goes out as a delta: anthropic-java's accumulator requires input JSON for a tool_use block
                for (String piece : pieces(Json.write(block.get("input")))) {
                    ObjectNode d = Json.object();
                    d.put("type", "input_json_delta");
                    d.put("partial_json", piece);
                    out.add(sse(blockDelta(index, d)));
                }
            }
            ObjectNode blockStop = event("content_block_stop");
            blockStop.put("index", index);
            out.add(sse(blockStop));
            index++;
        }

        ObjectNode messageDelta = event("message_delta");
        ObjectNode delta = messageDelta.putObject("delta");
        delta.set("stop_reason", message.has("stop_reason") ? message.get("stop_reason") : Json.NODES.nullNode());
        delta.set("stop_sequence", message.has("stop_sequence") ? message.get("stop_sequence") : Json.NODES.nullNode());
        if (usage != null && usage.isObject()) {
            messageDelta.set("usage", usage);
        }
        out.add(sse(messageDelta));
        out.add(sse(event("message_stop")));
        return out;
    }

    private static void deltas(List<String> out, int index, JsonNode value, String type, String field) {
        if (!value.isTextual()) {
            return;
        }
        for (String piece : pieces(value.asText())) {
            ObjectNode d = Json.object();
            d.put("type", type);
            d.put(field, piece);
            out.add(sse(blockDelta(index, d)));
        }
    }

    private static ObjectNode blockDelta(int index, ObjectNode delta) {
        ObjectNode e = event("content_block_delta");
        e.put("index", index);
        e.set("delta", delta);
        return e;
    }

    private static ObjectNode event(String type) {
        ObjectNode e = Json.object();
        e.put("type", type);
        return e;
    }

    private static String sse(ObjectNode event) {
        return "event: " + event.get("type").asText() + "\ndata: " + Json.write(event) + "\n\n";
    }

    /**
     * {@code s} cut into pieces of about {@link #PIECE} characters: after the last whitespace in a piece's last
     * quarter when there is one, never between the two halves of a surrogate pair. Empty for an empty string.
     */
    static List<String> pieces(String s) {
        List<String> out = new ArrayList<>(s.length() / PIECE + 1);
        int from = 0;
        while (from < s.length()) {
            int to = Math.min(s.length(), from + PIECE);
            if (to < s.length()) {
                for (int i = to - 1; i >= to - PIECE / 4; i--) {
                    if (Character.isWhitespace(s.charAt(i))) {
                        to = i + 1;
                        break;
                    }
                }
                if (Character.isHighSurrogate(s.charAt(to - 1)) && Character.isLowSurrogate(s.charAt(to))) {
                    to--;
                }
            }
            out.add(s.substring(from, to));
            from = to;
        }
        return out;
    }
}
