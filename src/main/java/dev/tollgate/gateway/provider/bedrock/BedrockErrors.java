package dev.tollgate.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import java.util.Locale;
import java.util.Set;

/**
 * Bedrock Runtime's errors as the client sees them. Bedrock (AWS restJson1) answers an error with its HTTP status, the
 * error's name in the {@code x-amzn-ErrorType} header (e.g. {@code ThrottlingException:http://internal.amazon.com/
 * coral/com.amazon.bedrock/}: the name is the part before {@code ':'}) and a body {@code {"message": "..."}}
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html). Inside a ConverseStream the same errors
 * arrive as exception frames ({@code :exception-type} throttlingException, validationException,
 * modelStreamErrorException, internalServerException, serviceUnavailableException) with the same body.
 *
 * <ul>
 *   <li>ValidationException (400) whose message says the input is too long ("Input is too long for requested model.",
 *       Claude's "prompt is too long: N tokens > M maximum", "... exceeds the model's context window/length") → 400
 *       {@code context_length_exceeded} on {@code messages};</li>
 *   <li>ThrottlingException (429) → 429, with the {@code retry-after} header when there is one (Bedrock documents
 *       none: the SDKs back off on their own);</li>
 *   <li>AccessDeniedException, UnrecognizedClientException, InvalidSignatureException, ExpiredTokenException,
 *       MissingAuthenticationTokenException, IncompleteSignatureException (403, sometimes 400) → as 403: 502
 *       {@code upstream_auth_failed} (Tollgate's AWS credentials were refused);</li>
 *   <li>ModelErrorException (424) and modelStreamErrorException → 502; ModelTimeoutException (408) → 504;
 *       ServiceUnavailableException (503) → 503; ModelNotReadyException (429) → 429; others by status
 *       ({@link UpstreamErrors}).</li>
 * </ul>
 */
final class BedrockErrors {
    private BedrockErrors() {}

    static final Set<String> AUTH = Set.of("accessdeniedexception", "unrecognizedclientexception",
            "invalidsignatureexception", "expiredtokenexception", "missingauthenticationtokenexception",
            "incompletesignatureexception", "signaturedoesnotmatchexception");

    /** The error's name from {@code x-amzn-ErrorType} (or the body's {@code __type}), or null. */
    static String type(String header, JsonNode body) {
        String t = header;
        if ((t == null || t.isBlank()) && body != null) {
            t = Json.text(body, "__type");
        }
        if (t == null || t.isBlank()) {
            return null;
        }
        int colon = t.indexOf(':');
        t = colon >= 0 ? t.substring(0, colon) : t;
        int hash = t.lastIndexOf('#'); // "com.amazon.coral.service#UnrecognizedClientException"
        return (hash >= 0 ? t.substring(hash + 1) : t).trim();
    }

    static String message(JsonNode body) {
        if (body == null) {
            return null;
        }
        String m = Json.text(body, "message");
        return m != null ? m : Json.text(body, "Message");
    }

    static UpstreamException from(int status, String type, String message, String retryAfter, String modelId) {
        String lowerType = type == null ? "" : type.toLowerCase(Locale.ROOT);
        String text = message == null ? "Bedrock error (HTTP " + status + (type == null ? "" : ", " + type) + ")"
                : message;
        if ((status == 400 || lowerType.equals("validationexception")) && contextTooLong(text)) {
            return new UpstreamException(ApiError.of(400, text + " (" + modelId + "): the prompt is longer than the "
                    + "model's context window, send fewer or shorter messages", "messages")
                    .withCode("context_length_exceeded"), status, null);
        }
        if (AUTH.contains(lowerType)) {
            return UpstreamErrors.from(403, ApiError.of(403, text, null), null, modelId);
        }
        int mapped = switch (lowerType) {
            case "throttlingexception", "modelnotreadyexception" -> 429;
            case "validationexception" -> 400;
            case "modeltimeoutexception" -> 408;
            case "serviceunavailableexception" -> 503;
            case "modelerrorexception", "modelstreamerrorexception", "internalserverexception" -> 500;
            case "resourcenotfoundexception" -> 404;
            default -> status;
        };
        return UpstreamErrors.from(mapped, ApiError.of(mapped >= 400 && mapped < 600 ? mapped : 502, text, null),
                mapped == 429 || mapped == 503 ? retryAfter : null, modelId);
    }

    /**
     * Bedrock's words for a prompt over the model's context window: "Input is too long for requested model." (the
     * runtime's own ValidationException), "prompt is too long: N tokens &gt; M maximum" (Claude's, passed on as "The
     * model returned the following errors: ..."), and "... exceeds the context window / maximum context length".
     */
    static boolean contextTooLong(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("input is too long") || m.contains("prompt is too long") || m.contains("too many input tokens")
                || m.contains("context window") || m.contains("maximum context length")
                || m.contains("context length") && m.contains("exceed");
    }
}
