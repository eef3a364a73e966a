package dev.tollgate.gateway.provider.google;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Gemini's errors (https://ai.google.dev/gemini-api/docs/troubleshooting): Google's JSON error body
 * {@code {"error":{"code","message","status","details":[...]}}} (a one-element array of it on some endpoints),
 * mapped by {@link UpstreamErrors#from} after three Gemini-specific readings:
 * <ul>
 *   <li>a bad API key is a 400 INVALID_ARGUMENT whose {@code google.rpc.ErrorInfo} reason is {@code API_KEY_INVALID}
 *       (or another {@code API_KEY_*} reason): it is treated as the 401 it means, so the client sees 502 (the
 *       platform team's credential, not the caller's request);</li>
 *   <li>a 429 RESOURCE_EXHAUSTED carries its retry hint as {@code google.rpc.RetryInfo.retryDelay} ("30s",
 *       "1.5s"): passed on as {@code retry-after} in whole seconds, rounded up, when the answer has no
 *       {@code retry-after} header itself;</li>
 *   <li>"The input token count (N) exceeds the maximum number of tokens allowed (M)." is 400
 *       {@code context_length_exceeded} on {@code messages}.</li>
 * </ul>
 */
final class GeminiErrors {
    private GeminiErrors() {}

    static UpstreamException from(int status, JsonNode body, String retryAfterHeader, String modelId) {
        JsonNode err = body == null ? null : body.isArray() ? body.path(0).get("error") : body.get("error");
        String message = Json.text(err, "message");
        String rpcStatus = Json.text(err, "status");
        if (message == null) {
            message = "Gemini error (HTTP " + status + (rpcStatus == null ? "" : ", " + rpcStatus) + ")";
        }
        int effective = status > 0 ? status : err != null && err.path("code").canConvertToInt() ? err.get("code").asInt()
                : 500;
        String retryAfter = retryAfterHeader;
        if (err != null) {
            for (JsonNode d : err.path("details")) {
                String type = Json.text(d, "@type");
                if (type == null) {
                    continue;
                }
                if (type.endsWith("google.rpc.ErrorInfo") && Json.text(d, "reason") != null
                        && Json.text(d, "reason").startsWith("API_KEY_")) {
                    effective = 401;
                } else if (type.endsWith("google.rpc.RetryInfo") && retryAfter == null) {
                    retryAfter = seconds(Json.text(d, "retryDelay"));
                }
            }
        }
        ApiError error = ApiError.of(effective, message, null);
        if (effective == 400 && contextTooLong(message)) {
            error = new ApiError(400, error.anthropicType(), error.openAiType(), message, "messages",
                    "context_length_exceeded");
        }
        return UpstreamErrors.from(effective, error, retryAfter, modelId);
    }

    static boolean contextTooLong(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("input token count") && m.contains("exceeds the maximum");
    }

    /** A protobuf JSON Duration ("30s", "0.5s") in whole seconds, rounded up; null when it is not one. */
    static String seconds(String duration) {
        if (duration == null || !duration.endsWith("s")) {
            return null;
        }
        try {
            BigDecimal s = new BigDecimal(duration.substring(0, duration.length() - 1));
            return s.signum() < 0 ? null : s.setScale(0, RoundingMode.CEILING).toPlainString();
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
