package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;

/**
 * One request to one upstream deployment, in the upstream's own wire format.
 *
 * @param credential the provider API key, or null when the model needs none (never logged)
 */
public record Call(GatewayConfig.Model model, String credential, Operation operation, ObjectNode body,
        Cancellation cancellation) {
    @Override
    public String toString() {
        return "Call[" + model.id() + " " + operation + "]";
    }
}
