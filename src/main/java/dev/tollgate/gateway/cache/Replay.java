package dev.tollgate.gateway.cache;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.provider.Operation;
import java.util.List;

/** A stored answer as a stream, in its dialect: the SSE text of each event, in order. Pure. */
public final class Replay {
    private Replay() {}

    /**
     * An OpenAI chat.completion (or text_completion) as the stream its endpoint would have sent: a first chunk with
     * the role, the content (and tool calls, refusal) in chunks, a chunk with each choice's finish_reason, a usage
     * chunk (empty choices) only when {@code includeUsage}, then {@code data: [DONE]}. Each element is one whole
     * event ({@code "data: {...}\n\n"}).
     */
    public static List<String> openAi(ObjectNode answer, Operation operation, boolean includeUsage) {
        throw new UnsupportedOperationException("placeholder: wt20-stream implements it");
    }

    /**
     * An Anthropic message as the Messages stream: message_start (usage with input tokens), per content block
     * content_block_start / deltas (text_delta, input_json_delta, thinking_delta, signature_delta) /
     * content_block_stop, message_delta (stop_reason, stop_sequence, usage), message_stop. Each element is one whole
     * event ({@code "event: <type>\ndata: {...}\n\n"}).
     */
    public static List<String> anthropic(ObjectNode message) {
        throw new UnsupportedOperationException("placeholder: wt20-stream implements it");
    }
}
