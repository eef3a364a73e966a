package dev.tollgate.gateway.observe;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One finished gateway request as traces, GenAI metrics and logging callbacks see it. Built once, at the request's
 * end, and only when something observes it ({@link Observer}); immutable, so every sink may read it from its own
 * thread. Holds no secret: no virtual key, no provider key, no sink credential (the key's id and its
 * chargeback attributes only).
 *
 * <p>Times are epoch nanoseconds (what OTLP carries). Token counts and the cost are null when unknown.
 *
 * @param requestId          the gateway's request id ({@code x-request-id})
 * @param traceId            32 lower-case hex digits: the caller's (traceparent) or a new one
 * @param spanId             16 hex digits: this request's span
 * @param parentSpanId       the caller's span (traceparent), or null
 * @param sampled            whether the trace is sampled (traces export only sampled records; sinks get all)
 * @param startEpochNanos    when the request arrived
 * @param endEpochNanos      when it ended (answer written, or the client left)
 * @param firstTokenNanos    a stream's time from arrival to its first content, or null
 * @param operation          the GenAI operation name ({@code gen_ai.operation.name}): {@code chat},
 *                           {@code text_completion}, {@code embeddings}, or Tollgate's own lower-case name of other
 *                           operations (e.g. {@code image_generation}, {@code rerank}, {@code pass_through})
 * @param path               the request path, e.g. {@code /v1/chat/completions}
 * @param ingress            the client's dialect: {@code openai} or {@code anthropic}
 * @param keyId              the VirtualKey's id ({@code namespace/name}), or null when the request was not authenticated
 * @param keyNamespace       the key's namespace (a team's sink sees only its own), or null
 * @param keyAttributes      the key's chargeback attributes (VirtualKey spec.attributes), never null
 * @param budgets            ids of the Budgets binding the key, never null
 * @param requestedModel     the model the client named (a configured public name, or null when unknown to the
 *                           gateway: a client-supplied unknown name is not recorded)
 * @param model              the model group that answered (differs from requestedModel after a fallback), or null
 * @param deploymentId       the LlmModel ({@code namespace/name}) whose attempt ended the request, or null
 * @param provider           its provider, e.g. {@code openai}, {@code anthropic}, {@code bedrock}, or null
 * @param upstreamModel      the model sent to the provider, or null
 * @param responseModel      the model the provider said answered ({@code model} of its answer), or null
 * @param responseId         the answer's id ({@code id} of a chat completion), or null
 * @param serverAddress      the provider's host, or null
 * @param serverPort         the provider's port, or null
 * @param stream             whether the client asked for a stream
 * @param requestParams      the request's sampling parameters as the client sent them, by their OpenAI name
 *                           ({@code max_tokens}, {@code temperature}, {@code top_p}, {@code frequency_penalty},
 *                           {@code presence_penalty}, {@code stop}, {@code seed}, {@code n}): numbers as
 *                           {@link Number}, stop as a List of String; never null (empty when none)
 * @param status             the HTTP status the client got (499: the client left)
 * @param errorType          the error's type when status is not 2xx (e.g. {@code rate_limit_exceeded},
 *                           {@code timeout}), else null
 * @param errorMessage       the error's message when not 2xx (as the client saw it), else null
 * @param inputTokens        prompt tokens
 * @param outputTokens       completion tokens
 * @param cachedInputTokens  prompt tokens read from the provider's prompt cache
 * @param cacheWriteTokens   prompt tokens written to the provider's prompt cache
 * @param costMicros         what the request cost, micro-USD
 * @param cacheStatus        {@code HIT}, {@code SEMANTIC-HIT}, {@code MISS}, {@code BYPASS}, or null (not cached)
 * @param finishReasons      the answer's finish reasons, in the client's dialect, never null
 * @param attempts           every upstream attempt in order (retries and fallbacks), never null; empty for a cache
 *                           hit or a request refused before any attempt
 * @param request            the client's request body, only when some sink seeing this request logs content
 *                           (null otherwise); sinks must redact before sending
 * @param answer             the answer's text (a stream's assembled content; a JSON answer's body), under the same
 *                           rule as {@code request}
 * @param tags               the request's tags (its key's fixed tags and the client's allowed ones), sorted, never null
 * @param promptId           the Prompt ({@code namespace/name}) the request was rendered from, or null
 * @param promptVersion      its version, or null
 */
public record CallRecord(
        String requestId,
        String traceId,
        String spanId,
        String parentSpanId,
        boolean sampled,
        long startEpochNanos,
        long endEpochNanos,
        Long firstTokenNanos,
        String operation,
        String path,
        String ingress,
        String keyId,
        String keyNamespace,
        Map<String, String> keyAttributes,
        List<String> budgets,
        String requestedModel,
        String model,
        String deploymentId,
        String provider,
        String upstreamModel,
        String responseModel,
        String responseId,
        String serverAddress,
        Integer serverPort,
        boolean stream,
        Map<String, Object> requestParams,
        int status,
        String errorType,
        String errorMessage,
        Long inputTokens,
        Long outputTokens,
        Long cachedInputTokens,
        Long cacheWriteTokens,
        Long costMicros,
        String cacheStatus,
        List<String> finishReasons,
        List<AttemptRecord> attempts,
        JsonNode request,
        String answer,
        List<String> tags,
        String promptId,
        Integer promptVersion) {

    /** A record of a request without tags or prompt. */
    public CallRecord(String requestId, String traceId, String spanId, String parentSpanId, boolean sampled,
            long startEpochNanos, long endEpochNanos, Long firstTokenNanos, String operation, String path,
            String ingress, String keyId, String keyNamespace, Map<String, String> keyAttributes, List<String> budgets,
            String requestedModel, String model, String deploymentId, String provider, String upstreamModel,
            String responseModel, String responseId, String serverAddress, Integer serverPort, boolean stream,
            Map<String, Object> requestParams, int status, String errorType, String errorMessage, Long inputTokens,
            Long outputTokens, Long cachedInputTokens, Long cacheWriteTokens, Long costMicros, String cacheStatus,
            List<String> finishReasons, List<AttemptRecord> attempts, JsonNode request, String answer) {
        this(requestId, traceId, spanId, parentSpanId, sampled, startEpochNanos, endEpochNanos, firstTokenNanos,
                operation, path, ingress, keyId, keyNamespace, keyAttributes, budgets, requestedModel, model,
                deploymentId, provider, upstreamModel, responseModel, responseId, serverAddress, serverPort, stream,
                requestParams, status, errorType, errorMessage, inputTokens, outputTokens, cachedInputTokens,
                cacheWriteTokens, costMicros, cacheStatus, finishReasons, attempts, request, answer, null, null, null);
    }

    public CallRecord {
        tags = tags == null ? List.of() : tags;
        keyAttributes = keyAttributes == null ? Map.of() : keyAttributes;
        budgets = budgets == null ? List.of() : budgets;
        requestParams = requestParams == null ? Map.of() : requestParams;
        finishReasons = finishReasons == null ? List.of() : finishReasons;
        attempts = attempts == null ? List.of() : attempts;
    }

    /** Whether the request succeeded (2xx). */
    public boolean ok() {
        return status >= 200 && status < 300;
    }

    /** The same record without its content (for a sink that does not log it). */
    public CallRecord withoutContent() {
        return request == null && answer == null ? this : withContent(null, null);
    }

    /** The same record with another error message (e.g. with virtual keys masked). */
    public CallRecord withErrorMessage(String errorMessage) {
        return new CallRecord(requestId, traceId, spanId, parentSpanId, sampled, startEpochNanos, endEpochNanos,
                firstTokenNanos, operation, path, ingress, keyId, keyNamespace, keyAttributes, budgets, requestedModel,
                model, deploymentId, provider, upstreamModel, responseModel, responseId, serverAddress, serverPort,
                stream, requestParams, status, errorType, errorMessage, inputTokens, outputTokens, cachedInputTokens,
                cacheWriteTokens, costMicros, cacheStatus, finishReasons, attempts, request, answer, tags, promptId,
                promptVersion);
    }

    /** The same record with other content (e.g. redacted). */
    public CallRecord withContent(JsonNode request, String answer) {
        return new CallRecord(requestId, traceId, spanId, parentSpanId, sampled, startEpochNanos, endEpochNanos,
                firstTokenNanos, operation, path, ingress, keyId, keyNamespace, keyAttributes, budgets, requestedModel,
                model, deploymentId, provider, upstreamModel, responseModel, responseId, serverAddress, serverPort,
                stream, requestParams, status, errorType, errorMessage, inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens,
                costMicros, cacheStatus, finishReasons, attempts, request, answer, tags, promptId, promptVersion);
    }
}
