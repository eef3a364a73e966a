package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;

/** Where a streaming upstream delivers its events, with the client's backpressure. */
public interface StreamSink {
    /**
     * One upstream event: its SSE event name (null when none), its parsed data, and that data as the upstream sent it
     * ({@code raw}: null when the event was not read off the wire). Called on the event loop.
     */
    void onEvent(String event, JsonNode data, String raw);

    /** Whether the client's write queue is full: the upstream pauses until {@link #onDrain} fires. */
    boolean full();

    void onDrain(Runnable resume);

    /** The usage a translated stream has reported so far (see {@link StreamDecoder#usageSoFar()}). */
    default void onUsage(dev.tollgate.gateway.TokenUsage usage) {
    }
}
