package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * A translated request body and the names of the parameters that were dropped under
 * {@link UnsupportedParams#DROP}.
 *
 * @param body    the request body for the target API (a fresh tree, not sharing nodes with the input)
 * @param dropped names of the dropped parameters, in the source API's vocabulary and in request order, e.g.
 *                {@code "seed"}, {@code "messages[2].name"}, {@code "tools[0].function.strict"}; empty when nothing
 *                was dropped (and always empty under {@link UnsupportedParams#REJECT})
 */
public record Translated(ObjectNode body, List<String> dropped) {

    /** Copies {@code dropped} defensively. */
    public Translated {
        Objects.requireNonNull(body, "body");
        dropped = List.copyOf(dropped);
    }
}
