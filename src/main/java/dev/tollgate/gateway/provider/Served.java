package dev.tollgate.gateway.provider;

/**
 * What serves one provider: {@code hub}, which takes the hub's (OpenAI's) requests and answers in kind — the adapter
 * of the provider's wire family, or the provider itself when it speaks OpenAI's API — and {@code relay}, the
 * provider's native API for clients that speak the same dialect (null when none: every client then goes through the
 * hub). A relayed request is passed on as the client sent it (model swapped), the fast path.
 */
public record Served(Upstream hub, Upstream relay) {
    public Served {
        if (hub.format() != WireFormat.OPENAI) {
            throw new IllegalArgumentException("the hub speaks OpenAI's dialect, not " + hub.format());
        }
    }

    public static Served hub(Upstream hub) {
        return new Served(hub, hub);
    }

    public boolean supports(Operation operation) {
        return hub.supports(operation);
    }

    /** The native upstream for a client speaking {@code dialect}, or null when it must go through the hub. */
    public Upstream relayFor(WireFormat dialect) {
        return relay != null && relay.format() == dialect ? relay : null;
    }

    /** As {@link #relayFor(WireFormat)}, for one model: null when the relay does not serve it natively. */
    public Upstream relayFor(WireFormat dialect, dev.tollgate.config.GatewayConfig.Model model) {
        Upstream r = relayFor(dialect);
        return r != null && r.relays(model) ? r : null;
    }
}
