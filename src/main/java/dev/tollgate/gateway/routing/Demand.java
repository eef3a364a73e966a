package dev.tollgate.gateway.routing;

/** What one request asks of a deployment, for routing (placeholder; wt19-strategy's version replaces it). */
public record Demand(String affinityKey, long bodyBytes, long maxOutputTokens, java.util.function.LongSupplier promptTokens,
        boolean stream) {}
