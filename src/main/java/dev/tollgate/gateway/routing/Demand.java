package dev.tollgate.gateway.routing;

import java.util.function.LongSupplier;

/**
 * What one request asks of a deployment, as far as routing cares.
 *
 * @param affinityKey     the session-affinity key (the configured header's value, or the OpenAI {@code user} field);
 *                        null: none. Never logged or stored as it is: the router keeps a hash of it.
 * @param bodyBytes       the request body's size: with {@code maxOutputTokens} a free upper bound of the tokens it
 *                        needs (every token is at least one byte of the body)
 * @param maxOutputTokens the request's output limit ({@code max_completion_tokens}, {@code max_tokens}); 0: none
 * @param promptTokens    the prompt's tokens, memoized by the caller, -1 when it cannot count; asked only when the
 *                        free bound cannot show the request fits a deployment's context window. May be null (never
 *                        counted).
 * @param stream          whether the answer streams (the latency strategy then ranks by time to first token)
 */
public record Demand(String affinityKey, long bodyBytes, long maxOutputTokens, LongSupplier promptTokens,
        boolean stream) {

    @Override
    public String toString() {
        // the affinity key may be a user id: a record's default toString would print it
        return "Demand[affinityKey=" + (affinityKey == null ? "none" : "(set)") + ", bodyBytes=" + bodyBytes
                + ", maxOutputTokens=" + maxOutputTokens + ", stream=" + stream + "]";
    }
}
