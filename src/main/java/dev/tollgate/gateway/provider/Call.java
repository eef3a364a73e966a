package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * One request to one upstream deployment, in the upstream's own wire format (or the hub's, for an {@link Adapter}).
 *
 * @param credential the provider API key, or null when the model needs none (never logged)
 * @param payload the body to send: the client's bytes with splices, or a tree (see {@link JsonBody})
 * @param dropped where a translation records the parameters it dropped under the model's unsupported-parameter policy
 *                (the client sees them in {@code x-tollgate-dropped-params}); filled before the call is sent
 */
public record Call(GatewayConfig.Model model, String credential, Operation operation, JsonBody payload,
        Cancellation cancellation, List<String> dropped) {
    public Call(GatewayConfig.Model model, String credential, Operation operation, JsonBody payload,
            Cancellation cancellation) {
        this(model, credential, operation, payload, cancellation, new ArrayList<>(0));
    }

    /** The body as a tree (reads the client's bytes into one on first use): for upstreams that look inside it. */
    public ObjectNode body() {
        return payload.tree();
    }

    @Override
    public String toString() {
        return "Call[" + model.id() + " " + operation + "]";
    }
}
