package dev.tollgate.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import java.util.Locale;

/**
 * Bedrock Runtime's errors (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html#API_runtime_InvokeModel_Errors,
 * https://docs.aws.amazon.com/bedrock/latest/userguide/troubleshooting-api-error-codes.html) as the client sees them.
 * The body is {@code {"message": "..."}} (some front ends write {@code Message}); the error's name is in the
 * {@code x-amzn-ErrorType} header ({@code ThrottlingException:http://internal.amazon.com/coral/...}; only the part
 * before the colon counts).
 *
 * <ul>
 *   <li>ValidationException (400) whose message says the request was blocked by the content filters (Titan Image,
 *       Nova Canvas) → 400 {@code content_policy_violation} on {@code prompt};</li>
 *   <li>ValidationException about too many input tokens (Titan embeddings: "Too many input tokens. Max input tokens:
 *       8192 ...") → 400 {@code context_length_exceeded} on {@code input};</li>
 *   <li>ThrottlingException (429) → 429 {@code rate_limit_exceeded}, with {@code retry-after} when Bedrock sends one;
 *       ServiceUnavailableException (503) → 503; ModelTimeoutException (408) → 504; AccessDeniedException /
 *       UnrecognizedClientException (403) → 502 (Tollgate's credentials); ResourceNotFoundException (404) → 502;
 *       ModelErrorException (424) and InternalServerException (500) → 502; other 400s keep their message.</li>
 * </ul>
 */
final class BedrockInvokeErrors {
    private BedrockInvokeErrors() {}

    static final String ERROR_TYPE_HEADER = "x-amzn-ErrorType";

    static UpstreamException from(int status, JsonNode body, String errorTypeHeader, String retryAfter,
            String modelId) {
        String type = errorType(errorTypeHeader, body);
        String message = Json.text(body, "message");
        if (message == null) {
            message = Json.text(body, "Message");
        }
        if (message == null) {
            message = "Upstream error (HTTP " + status + ")";
        }
        String shown = type == null ? message : type + ": " + message;
        String lower = message.toLowerCase(Locale.ROOT);
        if (status == 400 && lower.contains("blocked by our content filters")) {
            return BedrockInvokeImages.contentPolicy(message);
        }
        if (status == 400 && lower.contains("too many input tokens")) {
            return new UpstreamException(ApiError.of(400, shown + " (the input is longer than the model takes: send "
                    + "shorter texts)", "input").withCode("context_length_exceeded"), status, null);
        }
        if (status == 429) {
            return UpstreamErrors.from(429, ApiError.of(429, shown, null).withCode("rate_limit_exceeded"), retryAfter,
                    modelId);
        }
        return UpstreamErrors.from(status, ApiError.of(status >= 400 ? status : 502, shown, null), retryAfter, modelId);
    }

    /** The error's name: the header's part before ':' (or the body's {@code __type}), null when neither says. */
    static String errorType(String header, JsonNode body) {
        String t = header != null && !header.isBlank() ? header : Json.text(body, "__type");
        if (t == null) {
            return null;
        }
        int colon = t.indexOf(':');
        t = colon >= 0 ? t.substring(0, colon) : t;
        int hash = t.lastIndexOf('#'); // __type may be namespaced: com.amazon.bedrock#ThrottlingException
        return hash >= 0 ? t.substring(hash + 1) : t;
    }
}
