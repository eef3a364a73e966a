package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;

/** Where a streaming upstream delivers its events, with the client's backpressure. */
public interface StreamSink {
    /** One upstream event: its SSE event name (null when none) and parsed data. Called on the event loop. */
    void onEvent(String event, JsonNode data);

    /** Whether the client's write queue is full: the upstream pauses until {@link #onDrain} fires. */
    boolean full();

    void onDrain(Runnable resume);
}
