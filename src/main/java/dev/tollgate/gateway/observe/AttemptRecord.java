package dev.tollgate.gateway.observe;

/**
 * One upstream attempt of a request (the request's first, a retry, or a fallback), as a child span sees it.
 *
 * @param attempt         which attempt, from 1
 * @param spanId          16 hex digits: this attempt's span (sent upstream in {@code traceparent})
 * @param startEpochNanos when the attempt started
 * @param endEpochNanos   when it ended
 * @param model           the model group it served (the fallback group for a fallback)
 * @param deploymentId    the LlmModel it went to ({@code namespace/name})
 * @param provider        its provider
 * @param upstreamModel   the model sent to the provider
 * @param serverAddress   the provider's host, or null
 * @param serverPort      the provider's port, or null
 * @param status          the HTTP status this attempt ended with (its error's status when it failed)
 * @param errorType       the error's type when it failed, else null
 * @param superseded      it failed and another attempt took over (a retry or a fallback)
 * @param inputTokens     prompt tokens it used, or null
 * @param outputTokens    completion tokens it used, or null
 * @param costMicros      what it cost, micro-USD, or null
 */
public record AttemptRecord(int attempt, String spanId, long startEpochNanos, long endEpochNanos, String model,
        String deploymentId, String provider, String upstreamModel, String serverAddress, Integer serverPort, int status,
        String errorType, boolean superseded, Long inputTokens, Long outputTokens, Long costMicros) {}
