package dev.tollgate.gateway.cache;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;

/** The exact cache's key of a request. Pure. */
public final class CacheKeys {
    private CacheKeys() {}

    /**
     * The SHA-256 (hex) of the request normalised: its endpoint (dialect and operation) and every body field that may
     * change the answer, in a canonical form (object members sorted, numbers by value: {@code 1}, {@code 1.0} and
     * {@code 1e0} alike). Left out: {@code user}, {@code stream}, {@code stream_options}, {@code cache},
     * {@code metadata} (and nothing else that could change the answer). {@code model} is the public name asked for.
     */
    public static String exactKey(WireFormat ingress, Operation operation, ObjectNode body) {
        throw new UnsupportedOperationException("placeholder: wt20-exact implements it");
    }
}
