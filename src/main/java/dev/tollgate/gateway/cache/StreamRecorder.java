package dev.tollgate.gateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;

/**
 * Assembles the whole answer of a stream from the events sent to its client, so a streamed answer can be stored and
 * served later to a request that does not stream (and replayed to one that does). One per streamed request that may
 * be stored; fed on the request's event loop.
 */
public final class StreamRecorder {
    public StreamRecorder(WireFormat dialect, Operation operation) {
        throw new UnsupportedOperationException("placeholder: wt20-stream implements it");
    }

    /** An OpenAI chunk as written to the client (chat.completion.chunk or a text_completion chunk). */
    public void openAi(JsonNode chunk) {
        throw new UnsupportedOperationException("placeholder: wt20-stream implements it");
    }

    /** An Anthropic event as written to the client. */
    public void anthropic(String type, JsonNode data) {
        throw new UnsupportedOperationException("placeholder: wt20-stream implements it");
    }

    /**
     * The whole answer as the non-streamed endpoint would have given it (OpenAI chat.completion / text_completion with
     * {@code usage}; Anthropic message with {@code usage}), or null when the stream was not whole (no finish reason on
     * every choice / no message_stop, an error event) or grew past {@code maxBytes} (then it stopped collecting).
     */
    public ObjectNode complete(TokenUsage usage) {
        throw new UnsupportedOperationException("placeholder: wt20-stream implements it");
    }

    /** Stop collecting once the answer passes this many bytes (the entry could not be stored anyway). */
    public StreamRecorder limit(long maxBytes) {
        throw new UnsupportedOperationException("placeholder: wt20-stream implements it");
    }
}
