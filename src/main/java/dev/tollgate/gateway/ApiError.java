package dev.tollgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * An API error in a wire-neutral form, convertible to both error body shapes.
 *
 * <p>Anthropic: {@code {"type":"error","error":{"type":"invalid_request_error","message":"..."}}}.
 * OpenAI: {@code {"error":{"message":"...","type":"...","param":null,"code":null}}}.
 *
 * <p>HTTP status and Anthropic error type correspond as documented by Anthropic: 400 {@code invalid_request_error},
 * 401 {@code authentication_error}, 402 {@code billing_error}, 403 {@code permission_error}, 404
 * {@code not_found_error}, 413 {@code request_too_large}, 429 {@code rate_limit_error}, 500 {@code api_error}, 504
 * {@code timeout_error}, 529 {@code overloaded_error}. Anthropic uses {@code invalid_request_error} for other 4xx
 * statuses; this class likewise maps other 5xx statuses to {@code api_error}, except 503 (which OpenAI uses for
 * "overloaded") to {@code overloaded_error}.
 *
 * <p>OpenAI does not publish a closed list of error {@code type}s; clients key off the HTTP status. The OpenAI
 * {@code type} written here is the Anthropic type, except that {@code api_error} becomes OpenAI's generic
 * {@code server_error} and {@code request_too_large} OpenAI's {@code invalid_request_error}.
 *
 * @param httpStatus    the HTTP status the error corresponds to
 * @param anthropicType the Anthropic error type (see above)
 * @param openAiType    the OpenAI error {@code type}
 * @param message       the human-readable message
 * @param param         the offending request parameter, or {@code null}; for a request that could not be translated
 *                      it is named in the vocabulary of that request's API (OpenAI names for
 *                      {@link AnthropicTranslator#toAnthropicRequest}, Anthropic names for
 *                      {@link AnthropicTranslator#toOpenAiRequest}). Only the OpenAI body has a place for it; the
 *                      message names it too.
 * @param code          the OpenAI error {@code code}, or {@code null}
 */
public record ApiError(int httpStatus, String anthropicType, String openAiType, String message, String param,
                       String code) {

    /** Validates the required components. */
    public ApiError {
        Objects.requireNonNull(anthropicType, "anthropicType");
        Objects.requireNonNull(openAiType, "openAiType");
        Objects.requireNonNull(message, "message");
    }

    /** An error for the given status, with the Anthropic and OpenAI types derived from the status. */
    public static ApiError of(int httpStatus, String message, String param) {
        String type = anthropicTypeForStatus(httpStatus);
        return new ApiError(httpStatus, type, openAiTypeFor(type), message, param, null);
    }

    /**
     * Reads an Anthropic error body ({@code {"type":"error","error":{...}}}), also the data of a mid-stream
     * {@code error} SSE event. The Anthropic type in the body wins over the status; a status of 0 or less means
     * "unknown" (mid-stream errors arrive after a 200) and is derived from the type.
     */
    public static ApiError fromAnthropic(int httpStatus, JsonNode body) {
        JsonNode err = body == null ? null : body.get("error");
        String type = Json.text(err, "type");
        String message = Json.text(err, "message");
        if (type == null) {
            type = httpStatus > 0 ? anthropicTypeForStatus(httpStatus) : "api_error";
        }
        if (message == null) {
            message = "Upstream error (" + type + ")";
        }
        int status = httpStatus > 0 ? httpStatus : statusForAnthropicType(type);
        return new ApiError(status, type, openAiTypeFor(type), message, null, null);
    }

    /**
     * Reads an OpenAI error body ({@code {"error":{"message","type","param","code"}}}), also an error object found
     * in an OpenAI stream. The Anthropic type is derived from the status; a status of 0 or less means "unknown" and
     * is guessed from the OpenAI type (400 for {@code invalid_request_error}, 500 otherwise).
     */
    public static ApiError fromOpenAi(int httpStatus, JsonNode body) {
        JsonNode err = body == null ? null : body.get("error");
        String openAiType = Json.text(err, "type");
        String message = Json.text(err, "message");
        int status = httpStatus;
        if (status <= 0) {
            status = "invalid_request_error".equals(openAiType) ? 400 : 500;
        }
        String anthropicType = anthropicTypeForStatus(status);
        if (openAiType == null) {
            openAiType = openAiTypeFor(anthropicType);
        }
        if (message == null) {
            message = "Upstream error (HTTP " + status + ")";
        }
        return new ApiError(status, anthropicType, openAiType, message, Json.text(err, "param"),
                Json.text(err, "code"));
    }

    /** The Anthropic error type for an HTTP status. */
    public static String anthropicTypeForStatus(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 500 -> "api_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> httpStatus >= 400 && httpStatus < 500 ? "invalid_request_error" : "api_error";
        };
    }

    /** The same error with an OpenAI {@code code} (e.g. model_not_found). */
    public ApiError withCode(String newCode) {
        return new ApiError(httpStatus, anthropicType, openAiType, message, param, newCode);
    }

    /** The same error with another HTTP status (types unchanged). */
    public ApiError withStatus(int status) {
        return new ApiError(status, anthropicType, openAiType, message, param, code);
    }

    /** The HTTP status for an Anthropic error type; 500 for types this class does not know. */
    public static int statusForAnthropicType(String anthropicType) {
        return switch (anthropicType == null ? "" : anthropicType) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "billing_error" -> 402;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "timeout_error" -> 504;
            case "overloaded_error" -> 529;
            default -> 500;
        };
    }

    private static String openAiTypeFor(String anthropicType) {
        return switch (anthropicType) {
            case "api_error" -> "server_error";
            // OpenAI answers an oversized request 413 with an invalid_request_error (the code says request_too_large)
            case "request_too_large" -> "invalid_request_error";
            default -> anthropicType;
        };
    }

    /** The OpenAI error body: {@code {"error":{"message","type","param","code"}}}. */
    public ObjectNode toOpenAiBody() {
        ObjectNode error = Json.object();
        error.put("message", message);
        error.put("type", openAiType);
        error.put("param", param);
        error.put("code", code);
        ObjectNode body = Json.object();
        body.set("error", error);
        return body;
    }

    /** The Anthropic error body: {@code {"type":"error","error":{"type","message"}}}. */
    public ObjectNode toAnthropicBody() {
        ObjectNode error = Json.object();
        error.put("type", anthropicType);
        error.put("message", message);
        ObjectNode body = Json.object();
        body.put("type", "error");
        body.set("error", error);
        return body;
    }
}
