package dev.tollgate.gateway.provider;

import dev.tollgate.gateway.ApiError;

import java.util.Objects;

/**
 * A translation could not be done faithfully, or the upstream reported an error in the middle of a stream.
 *
 * <p>{@link #error()} says what to answer: its status (400 for a client request that cannot be translated, 502 for
 * an upstream response that cannot be translated or a stream that ended early, the upstream's own status for an
 * upstream error body or a mid-stream upstream error), the {@code param} when one is to blame, and a message telling
 * the client what to do. Turn it into a response
 * body, or an SSE {@code error} event, with {@link ApiError#toOpenAiBody()} or {@link ApiError#toAnthropicBody()}.
 */
public class TranslationException extends RuntimeException {

    private final ApiError error;

    /** An exception for the given error. */
    public TranslationException(ApiError error) {
        super(Objects.requireNonNull(error, "error").message());
        this.error = error;
    }

    /** HTTP 400 {@code invalid_request_error} blaming {@code param}. */
    public static TranslationException badRequest(String param, String message) {
        return new TranslationException(ApiError.of(400, message, param));
    }

    /** HTTP 502 {@code api_error}: the upstream answered something that cannot be translated. */
    public static TranslationException badUpstream(String message) {
        return new TranslationException(ApiError.of(502, message, null));
    }

    /** The error to report. */
    public ApiError error() {
        return error;
    }

    /** Shorthand for {@code error().httpStatus()}. */
    public int httpStatus() {
        return error.httpStatus();
    }

    /** Shorthand for {@code error().param()}: the offending request parameter, or {@code null}. */
    public String param() {
        return error.param();
    }
}
