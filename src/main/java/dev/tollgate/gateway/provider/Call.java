package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;

/**
 * One request to one upstream deployment, in the upstream's own wire format.
 *
 * @param credential the provider API key, or null when the model needs none (never logged)
 * @param payload the body to send: the client's bytes with splices, or a tree (see {@link JsonBody})
 */
public record Call(GatewayConfig.Model model, String credential, Operation operation, JsonBody payload,
        Cancellation cancellation) {
    /** The body as a tree (reads the client's bytes into one on first use): for upstreams that look inside it. */
    public ObjectNode body() {
        return payload.tree();
    }

    @Override
    public String toString() {
        return "Call[" + model.id() + " " + operation + "]";
    }
}
