package dev.tollgate.gateway.provider.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.MultiMap;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Vertex AI's error answers. Google's own errors (authentication, quota, a model the project may not use) have
 * Google's shape, {@code {"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED","details":[…]}}}
 * (https://cloud.google.com/apis/design/errors#http_mapping), sometimes as the one element of an array; the retry hint
 * is a {@code google.rpc.RetryInfo} detail, {@code {"@type":"type.googleapis.com/google.rpc.RetryInfo",
 * "retryDelay":"7s"}}. A partner model's own errors come in its own shape: Anthropic's
 * {@code {"type":"error","error":{"type","message"}}} from Claude, OpenAI's {@code {"error":{"message","type"}}} from
 * the OpenAI-compatible endpoint. A prompt over the model's context window becomes 400
 * {@code context_length_exceeded}.
 */
public final class VertexErrors {
    private VertexErrors() {}

    public static UpstreamException from(int status, JsonNode body, MultiMap headers, String modelId) {
        JsonNode b = unwrap(body);
        return UpstreamErrors.from(status, parse(status, b), retryAfter(headers == null ? null : headers.get("retry-after"), b),
                modelId);
    }

    /** The error as an ApiError (the upstream's status), with {@code context_length_exceeded} where it applies. */
    public static ApiError parse(int status, JsonNode body) {
        JsonNode b = unwrap(body);
        JsonNode err = b == null ? null : b.get("error");
        ApiError e;
        if (b != null && "error".equals(b.path("type").asText()) && err != null && err.isObject()) {
            e = ApiError.fromAnthropic(status, b);
        } else if (err != null && err.isObject() && err.path("status").isTextual()) {
            String message = err.path("message").asText("Vertex AI error " + err.path("status").asText());
            e = ApiError.of(status, message + " (" + err.path("status").asText() + ")", null);
        } else {
            e = ApiError.fromOpenAi(status, b);
        }
        return status == 400 && contextTooLong(e.message()) ? new ApiError(400, e.anthropicType(), e.openAiType(),
                e.message(), "messages", "context_length_exceeded") : e;
    }

    /** Claude's, Gemini's and the OpenAI-compatible servers' wording for a prompt over the context window. */
    static boolean contextTooLong(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return m.contains("prompt is too long") || m.contains("maximum context length")
                || m.contains("exceeds the maximum number of tokens") || m.contains("context window");
    }

    /**
     * Seconds to wait: the {@code retry-after} header when there is one, else the {@code RetryInfo} detail's
     * {@code retryDelay} (a protobuf Duration, {@code "7s"} or {@code "0.5s"}), rounded up to whole seconds.
     */
    static String retryAfter(String header, JsonNode body) {
        if (header != null && !header.isBlank()) {
            return header.trim();
        }
        JsonNode details = body == null ? null : body.path("error").get("details");
        if (details == null || !details.isArray()) {
            return null;
        }
        for (JsonNode d : details) {
            String delay = d.path("retryDelay").asText("");
            if (d.path("@type").asText().endsWith("google.rpc.RetryInfo") && delay.endsWith("s")) {
                try {
                    BigDecimal seconds = new BigDecimal(delay.substring(0, delay.length() - 1));
                    return seconds.signum() < 0 ? null : seconds.setScale(0, RoundingMode.CEILING).toPlainString();
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static JsonNode unwrap(JsonNode body) {
        return body != null && body.isArray() && body.size() > 0 ? body.get(0) : body;
    }
}
