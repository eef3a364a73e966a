package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * One streamed answer of a provider, decoded: its bytes in (whatever the framing: SSE, AWS event-stream, NDJSON), hub
 * chunks out ({@code chat.completion.chunk} objects as OpenAI streams them, the usage in a last chunk with empty
 * {@code choices}). A new decoder serves one stream; it runs on the event loop and must not block.
 */
public interface StreamDecoder {
    /**
     * Bytes as they arrive. Emits the hub chunks they complete; throws {@link UpstreamException} for an error the
     * provider reports inside the stream, or {@link TranslationException} for an event that cannot be translated.
     */
    void feed(Buffer bytes, Consumer<ObjectNode> out);

    /**
     * The provider's body ended: emits what is left and says whether the stream finished as it should. False means
     * it was cut short (the client then gets an error, never a clean end).
     */
    boolean end(Consumer<ObjectNode> out);

    /**
     * The usage the provider has reported so far, or null: read after each {@link #feed}, so a stream cut short is
     * charged what the provider had counted (its prompt, say) rather than an estimate.
     */
    default dev.tollgate.gateway.TokenUsage usageSoFar() {
        return null;
    }
}
