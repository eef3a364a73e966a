package dev.tollgate.gateway.provider.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import java.util.Locale;

/**
 * Cohere's errors as the client sees them. Cohere's error body is flat, {@code {"id": "...", "message": "..."}}, with
 * no type or code (https://docs.cohere.com/reference/errors): the status and the message's wording say what it was.
 *
 * <ul>
 *   <li>400 whose message starts {@code too many tokens:} about the prompt ("size limit exceeded by N tokens",
 *       "total number of tokens in the prompt cannot exceed ...", "... prompt is too long ...") → 400
 *       {@code context_length_exceeded} on {@code messages}; the same prefix about {@code max tokens} stays a plain
 *       400 on {@code max_tokens};</li>
 *   <li>498 ("the request or response contains a deny-listed token") → 400 {@code content_filter};</li>
 *   <li>429 → 429 with {@code retry-after} when Cohere sends one (it documents none);</li>
 *   <li>401/403 → 502 (Tollgate's key was refused), 503 → 503 overloaded, others as {@link UpstreamErrors}.</li>
 * </ul>
 */
final class CohereErrors {
    private CohereErrors() {}

    static UpstreamException from(int status, JsonNode body, String retryAfter, String modelId) {
        String message = Json.text(body, "message");
        if (message == null) {
            message = "Upstream error (HTTP " + status + ")";
        }
        String lower = message.toLowerCase(Locale.ROOT);
        if (status == 400 && contextTooLong(lower)) {
            return new UpstreamException(ApiError.of(400, message + " (the prompt is longer than the model's context "
                    + "window: send fewer or shorter messages)", "messages").withCode("context_length_exceeded"),
                    status, null);
        }
        if (status == 400 && lower.startsWith("too many tokens:") && lower.contains("max tokens")) {
            return new UpstreamException(ApiError.of(400, message, "max_tokens"), status, null);
        }
        if (status == 498) {
            return new UpstreamException(ApiError.of(400, "Cohere refused the request or its answer for a deny-listed "
                    + "token: " + message, null).withCode("content_filter"), status, null);
        }
        return UpstreamErrors.from(status, ApiError.of(status > 0 ? status : 502, message, null), retryAfter, modelId);
    }

    static boolean contextTooLong(String lowerMessage) {
        return lowerMessage.startsWith("too many tokens:") && !lowerMessage.contains("max tokens must");
    }

    /** A generation Cohere reports as failed ({@code finish_reason: ERROR}) inside a 200 answer or stream. */
    static UpstreamException failedGeneration(String modelId, String detail) {
        return new UpstreamException(new ApiError(502, "api_error", "upstream_error", "Cohere failed the generation for "
                + modelId + " (finish_reason ERROR)" + (detail == null ? "" : ": " + detail)
                + ": the answer is incomplete, retry", null, "upstream_error"), 200, null);
    }
}
