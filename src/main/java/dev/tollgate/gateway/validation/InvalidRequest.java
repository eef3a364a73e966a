package dev.tollgate.gateway.validation;

import dev.tollgate.gateway.ApiError;

/**
 * A request body that breaks its API's published description: a 400 {@code invalid_request_error} naming the field.
 * Thrown on the request path with no stack trace (it is an answer, not a fault).
 *
 * @param path the field's path, e.g. {@code {"messages", 1, "content", 0, "type"}}
 */
public final class InvalidRequest extends RuntimeException {
    private final Object[] path;
    private final String code;
    private final String detail;
    private final Kind kind;

    enum Kind { TYPE, VALUE, MISSING }

    InvalidRequest(Kind kind, String code, String detail, Object... path) {
        super(detail, null, false, false);
        this.kind = kind;
        this.code = code;
        this.detail = detail;
        this.path = path;
    }

    static InvalidRequest of(Problem p, Object... path) {
        return new InvalidRequest(p.kind(), p.code(), p.detail(), path);
    }

    static InvalidRequest missing(Object... path) {
        return new InvalidRequest(Kind.MISSING, "missing_required_parameter", null, path);
    }

    static InvalidRequest value(String code, String detail, Object... path) {
        return new InvalidRequest(Kind.VALUE, code, detail, path);
    }

    /** OpenAI's way of naming a field: {@code messages[1].content[0].type}. */
    public String param() {
        StringBuilder s = new StringBuilder();
        for (Object segment : path) {
            if (segment instanceof Integer i) {
                s.append('[').append(i).append(']');
            } else {
                s.append(s.isEmpty() ? "" : ".").append(segment);
            }
        }
        return s.toString();
    }

    /** Anthropic's way of naming a field: {@code messages.1.content.0.type}. */
    public String dottedPath() {
        StringBuilder s = new StringBuilder();
        for (Object segment : path) {
            s.append(s.isEmpty() ? "" : ".").append(segment);
        }
        return s.toString();
    }

    /** The error code (OpenAI's vocabulary: invalid_type, integer_below_min_value, missing_required_parameter …). */
    public String code() {
        return code;
    }

    /** The message, with the field named as the given API names fields. */
    public String message(boolean anthropic) {
        String field = anthropic ? dottedPath() : param();
        return switch (kind) {
            case MISSING -> "Missing required parameter: '" + field + "'. Add it (see the API reference for this endpoint).";
            case TYPE -> "Invalid type for '" + field + "': " + detail + ".";
            case VALUE -> "Invalid '" + field + "': " + detail + ".";
        };
    }

    /** The error in the endpoint's shape: OpenAI's body carries {@code param}, Anthropic's message names the field. */
    public ApiError toApiError(boolean anthropic) {
        return ApiError.of(400, message(anthropic), param()).withCode(code);
    }

    @Override
    public String getMessage() {
        return message(false);
    }
}
