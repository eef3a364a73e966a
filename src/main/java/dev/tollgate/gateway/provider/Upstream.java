package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;

/**
 * One wire-protocol family. Requests arrive already in {@link #format()}; the caller translates between the
 * client's dialect and this one. Failures are {@link UpstreamException}s carrying the client-facing error.
 */
public interface Upstream {
    WireFormat format();

    boolean supports(Operation operation);

    /** A non-streaming call: the upstream's JSON response body. */
    Future<JsonNode> send(Call call);

    /**
     * A non-streaming call whose successful answer is wanted as the upstream sent it (to relay it byte for byte when
     * nothing needs translating). Errors fail the future exactly as {@link #send} does.
     */
    default Future<io.vertx.core.buffer.Buffer> sendRaw(Call call) {
        return send(call).map(body -> io.vertx.core.buffer.Buffer.buffer(dev.tollgate.gateway.Json.writeBytes(body)));
    }

    /** A streaming call: events go to {@code sink}; completes when the stream ends as it should, fails otherwise. */
    Future<Void> stream(Call call, StreamSink sink);

    /**
     * Whether this upstream, as a {@link Served#relay() relay}, serves {@code model} in its own dialect. A provider
     * with several wire families under one name (Vertex AI: Claude, Gemini, OpenAI-compatible models) relays only the
     * models of its relay's family; other clients of that dialect then go through the hub.
     */
    default boolean relays(dev.tollgate.config.GatewayConfig.Model model) {
        return true;
    }
}
