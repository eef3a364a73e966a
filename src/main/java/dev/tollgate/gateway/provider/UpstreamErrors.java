package dev.tollgate.gateway.provider;

import dev.tollgate.gateway.ApiError;

/**
 * How an upstream failure reaches the client. Statuses that describe the caller's request keep their meaning
 * (400, 413, 429); failures that the platform team must fix (the provider refused Tollgate's credential, or
 * does not know the configured model) or that the provider must recover from become 5xx, so an SDK neither
 * blames the caller's own key nor gives up on a transient fault:
 *
 * <pre>
 * upstream 400, 422          -> 400 (the provider's message, type, param and code: e.g. a bad parameter)
 * upstream 401, 403          -> 502 upstream_auth_error    (Tollgate's provider credential was refused: fix the LlmModel)
 * upstream 404               -> 502 upstream_not_found     (the LlmModel's model id or apiBase is wrong)
 * upstream 408, timeout      -> 504 timeout_error
 * upstream 413               -> 413 (the provider's error)
 * upstream 429               -> 429 (the provider's type and code, e.g. "requests"; retry-after passed on)
 * upstream 500, other 5xx    -> 502 upstream_error
 * upstream 503, 529          -> 503 overloaded_error       (retry-after passed on)
 * upstream 504               -> 504 timeout_error
 * no answer, cut stream      -> 502 upstream_error
 * </pre>
 */
public final class UpstreamErrors {
    private UpstreamErrors() {}

    public static UpstreamException from(int upstreamStatus, ApiError upstream, String retryAfter, String modelId) {
        String m = upstream.message();
        ApiError e = switch (upstreamStatus) {
            case 400, 422 -> keep(400, upstream);
            // The provider's own text is not passed on: OpenAI's 401 quotes a masked piece of the key it refused,
            // which is Tollgate's credential, not the caller's business.
            case 401, 403 -> new ApiError(502, "api_error", "upstream_auth_error", "the provider refused Tollgate's "
                    + "credentials for " + modelId + " (HTTP " + upstreamStatus + "): the platform team must fix the "
                    + "LlmModel's credentialsSecretRef", null, "upstream_auth_failed");
            case 404 -> new ApiError(502, "api_error", "upstream_error", "the provider does not know the model or "
                    + "route configured for " + modelId + " (HTTP 404): check the LlmModel's model and apiBase. "
                    + "Provider said: " + m, null, "upstream_not_found");
            case 408, 504 -> ApiError.of(504, "the provider timed out serving " + modelId + ": " + m, null);
            case 413 -> keep(413, upstream);
            case 429 -> keep(429, upstream.code() == null ? upstream.withCode("rate_limit_exceeded") : upstream);
            case 503, 529 -> new ApiError(503, "overloaded_error", "overloaded_error", "the provider is overloaded ("
                    + modelId + ", HTTP " + upstreamStatus + "): retry later. Provider said: " + m, null, null);
            default -> new ApiError(502, "api_error", "upstream_error", "the provider failed serving " + modelId
                    + " (HTTP " + upstreamStatus + "): " + m, null, "upstream_error");
        };
        return new UpstreamException(e, upstreamStatus, retryAfter);
    }

    /** The caller's own error: the provider's message, OpenAI type, param and code pass through unchanged. */
    private static ApiError keep(int status, ApiError upstream) {
        return new ApiError(status, ApiError.anthropicTypeForStatus(status), upstream.openAiType(), upstream.message(),
                upstream.param(), upstream.code());
    }

    public static UpstreamException timeout(String modelId, long millis) {
        return new UpstreamException(new ApiError(504, "timeout_error", "timeout_error", "the provider did not answer "
                + modelId + " within " + millis + " ms (LlmModel spec.timeout)", null, "upstream_timeout"), 0, null);
    }

    public static UpstreamException unreachable(String modelId, String why) {
        return new UpstreamException(new ApiError(502, "api_error", "upstream_error", "could not reach the provider for "
                + modelId + ": " + why, null, "upstream_unreachable"), 0, null);
    }

    /** A successful answer that is not one JSON object. */
    public static UpstreamException notJsonObject(String modelId) {
        return unreachable(modelId, "the answer was not a JSON object");
    }

    public static UpstreamException cut(String modelId) {
        return new UpstreamException(new ApiError(502, "api_error", "upstream_error", "the provider closed the stream for "
                + modelId + " before it finished: the answer is incomplete", null, "upstream_stream_cut"), 0, null);
    }
}
