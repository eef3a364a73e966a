package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.tollgate.gateway.fakes.FakeUpstream.JSON;
import static dev.tollgate.gateway.fakes.FakeUpstream.object;

/**
 * Bodies of Gemini's {@code GenerateContentResponse}, shared by {@link FakeGemini} (Google AI Studio,
 * https://ai.google.dev/api/generate-content) and {@link FakeVertex} (Gemini on Vertex AI,
 * https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.publishers.models): both answer with
 * the same candidates, parts, finish reasons and {@code usageMetadata}. What Vertex adds is the {@link #VERTEX}
 * dialect, after the Vertex AI v1 API reference of {@code GenerateContentResponse}
 * (https://docs.cloud.google.com/ruby/docs/reference/google-cloud-ai_platform-v1/latest/Google-Cloud-AIPlatform-V1-GenerateContentResponse-UsageMetadata):
 * a {@code createTime} on each response, {@code trafficType} ({@code ON_DEMAND}: pay-as-you-go) and
 * {@code candidatesTokensDetails} in the usage, and {@code probabilityScore}, {@code severity} and
 * {@code severityScore} on the safety ratings; a candidate's default {@code index} 0 is left out (proto3 JSON).
 */
final class GeminiWire {
    /** Which service renders: Google AI Studio or Vertex AI. */
    enum Dialect { AI_STUDIO, VERTEX }

    static final Dialect AI_STUDIO = Dialect.AI_STUDIO;
    static final Dialect VERTEX = Dialect.VERTEX;

    private GeminiWire() {
    }

    // ---- requests ----

    /** What the API refuses before generating: no contents, a bad role, an empty turn, an unsigned function call. */
    static String checkContents(JsonNode contents) {
        if (contents == null || !contents.isArray() || contents.isEmpty()) {
            return "* GenerateContentRequest.contents: contents is not specified\n";
        }
        // Gemini 3 checks the function calls of the current turn: the model turns after the last user turn that
        // is more than function responses (https://ai.google.dev/gemini-api/docs/thought-signatures)
        int turnStart = 0;
        for (int i = 0; i < contents.size(); i++) {
            JsonNode c = contents.get(i);
            if (c.path("role").asText("user").equals("user")) {
                for (JsonNode part : c.path("parts")) {
                    if (!part.has("functionResponse")) {
                        turnStart = i;
                    }
                }
            }
        }
        for (int i = 0; i < contents.size(); i++) {
            JsonNode c = contents.get(i);
            String role = c.path("role").asText("user");
            if (!role.equals("user") && !role.equals("model")) {
                return "Please use a valid role: user, model.";
            }
            if (!c.path("parts").isArray() || c.path("parts").isEmpty()) {
                return "* GenerateContentRequest.contents[" + i + "].parts: contents.parts must not be empty.\n";
            }
            int calls = 0;
            for (JsonNode part : c.path("parts")) {
                if (part.has("functionCall")) {
                    if (calls++ == 0 && i > turnStart && !part.hasNonNull("thoughtSignature")) {
                        return "Function call is missing a thought_signature in functionCall parts. This is required "
                                + "for tools to work correctly, and missing thought_signature may lead to degraded "
                                + "model performance. Additional data, function call `default_api:"
                                + part.path("functionCall").path("name").asText() + "` , position " + (i + 1)
                                + ". Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for "
                                + "more details.";
                    }
                }
            }
        }
        return null;
    }

    /** The text of a {@code Content}'s parts, or null when it has none. */
    static String text(JsonNode content) {
        StringBuilder b = new StringBuilder();
        boolean any = false;
        for (JsonNode part : content.path("parts")) {
            if (part.has("text")) {
                b.append(part.path("text").asText());
                any = true;
            }
        }
        return any ? b.toString() : null;
    }

    /** A deterministic vector for a text: the same text gives the same vector. */
    static ArrayNode vector(String text, int dimensions) {
        ArrayNode values = JSON.createArrayNode();
        long seed = text.hashCode();
        for (int i = 0; i < dimensions; i++) {
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            values.add(((seed >>> 40) % 2000 - 1000) / 1000.0);
        }
        return values;
    }

    // ---- rendering ----

    static String finishReason(Reply reply) {
        String r = reply.finishReasonOr("STOP");
        return switch (r) {
            case "stop", "tool_calls" -> "STOP";
            case "length" -> "MAX_TOKENS";
            case "content_filter" -> "SAFETY";
            default -> r;
        };
    }

    static String promptBlock(Reply reply) {
        String r = reply.finishReasonOr("");
        return r.startsWith("prompt:") ? r.substring(7) : null;
    }

    static ObjectNode usage(Reply reply, boolean complete, Dialect dialect) {
        int prompt = reply.promptTokens(10);
        int completion = complete ? reply.completionTokens() : 0;
        ObjectNode u = object().put("promptTokenCount", prompt);
        if (complete && promptBlock(reply) == null) {
            u.put("candidatesTokenCount", completion);
        }
        u.put("totalTokenCount", prompt + completion);
        if (reply.cacheReadTokens() > 0) {
            // https://ai.google.dev/api/generate-content#UsageMetadata: part of promptTokenCount
            u.put("cachedContentTokenCount", reply.cacheReadTokens());
        }
        if (dialect == Dialect.VERTEX) {
            u.put("trafficType", "ON_DEMAND");
        }
        u.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", prompt);
        if (dialect == Dialect.VERTEX && complete && promptBlock(reply) == null) {
            u.putArray("candidatesTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", completion);
        }
        return u;
    }

    static ObjectNode functionCallPart(Reply.ToolCall call, String signature) {
        ObjectNode part = object();
        ObjectNode fc = part.putObject("functionCall").put("name", call.name());
        try {
            fc.set("args", JSON.readTree(call.argumentsJson()));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("tool arguments must be a JSON object: " + call.argumentsJson(), e);
        }
        if (signature != null) {
            part.put("thoughtSignature", signature);
        }
        return part;
    }

    private static void rating(ArrayNode ratings, String category, String probability, boolean blocked,
                               Dialect dialect) {
        ObjectNode r = ratings.addObject().put("category", category).put("probability", probability);
        if (dialect == Dialect.VERTEX) {
            boolean high = "HIGH".equals(probability);
            r.put("probabilityScore", high ? 0.93 : 0.02).put("severity", high ? "HARM_SEVERITY_HIGH"
                    : "HARM_SEVERITY_NEGLIGIBLE").put("severityScore", high ? 0.88 : 0.01);
        }
        if (blocked) {
            r.put("blocked", true);
        }
    }

    static ObjectNode candidate(ArrayNode parts, String finishReason, Dialect dialect) {
        ObjectNode c = object();
        if (parts != null && !parts.isEmpty()) {
            ObjectNode content = c.putObject("content");
            content.put("role", "model");
            content.set("parts", parts);
        }
        if (finishReason != null) {
            c.put("finishReason", finishReason);
            if ("SAFETY".equals(finishReason)) {
                ArrayNode ratings = c.putArray("safetyRatings");
                rating(ratings, "HARM_CATEGORY_DANGEROUS_CONTENT", "HIGH", true, dialect);
                rating(ratings, "HARM_CATEGORY_HARASSMENT", "NEGLIGIBLE", false, dialect);
            }
        }
        if (dialect == Dialect.AI_STUDIO) {
            c.put("index", 0);
        }
        return c;
    }

    static ObjectNode envelope(ObjectNode candidate, ObjectNode usage, String responseId, String model,
                               Instant created, Dialect dialect) {
        ObjectNode r = object();
        if (candidate != null) {
            r.putArray("candidates").add(candidate);
        }
        r.set("usageMetadata", usage);
        r.put("modelVersion", model);
        if (dialect == Dialect.VERTEX) {
            r.put("createTime", created.toString());
        }
        r.put("responseId", responseId);
        return r;
    }

    static ObjectNode blocked(Reply reply, String reason, String responseId, String model, Instant created,
                              Dialect dialect) {
        ObjectNode r = object();
        ObjectNode feedback = r.putObject("promptFeedback").put("blockReason", reason);
        rating(feedback.putArray("safetyRatings"), "HARM_CATEGORY_DANGEROUS_CONTENT", "HIGH", true, dialect);
        r.set("usageMetadata", usage(reply, true, dialect));
        r.put("modelVersion", model);
        if (dialect == Dialect.VERTEX) {
            r.put("createTime", created.toString());
        }
        r.put("responseId", responseId);
        return r;
    }

    /**
     * The {@code GenerateContentResponse} of a non-streamed call; {@code signature} goes on the first function call
     * (null: none).
     */
    static ObjectNode whole(Reply reply, String responseId, String model, String signature, Dialect dialect) {
        Instant created = Instant.now();
        String block = promptBlock(reply);
        if (block != null) {
            return blocked(reply, block, responseId, model, created, dialect);
        }
        ArrayNode parts = JSON.createArrayNode();
        if (reply.text() != null && !reply.text().isEmpty()) {
            parts.addObject().put("text", reply.text());
        }
        List<Reply.ToolCall> calls = reply.toolCallList();
        for (int i = 0; i < calls.size(); i++) {
            parts.add(functionCallPart(calls.get(i), i == 0 ? signature : null));
        }
        return envelope(candidate(parts, finishReason(reply), dialect), usage(reply, true, dialect), responseId,
                model, created, dialect);
    }

    /**
     * The stream's events: one per text piece, one per function call (Gemini sends calls whole), the finish reason
     * and the final usage on the last one.
     */
    static List<ObjectNode> events(Reply reply, String responseId, String model, String signature, Dialect dialect) {
        Instant created = Instant.now();
        String block = promptBlock(reply);
        if (block != null) {
            return List.of(blocked(reply, block, responseId, model, created, dialect));
        }
        List<ArrayNode> pieces = new ArrayList<>();
        for (String piece : reply.textPieces()) {
            ArrayNode parts = JSON.createArrayNode();
            parts.addObject().put("text", piece);
            pieces.add(parts);
        }
        List<Reply.ToolCall> calls = reply.toolCallList();
        for (int i = 0; i < calls.size(); i++) {
            ArrayNode parts = JSON.createArrayNode();
            parts.add(functionCallPart(calls.get(i), i == 0 ? signature : null));
            pieces.add(parts);
        }
        List<ObjectNode> events = new ArrayList<>();
        if (pieces.isEmpty()) {
            events.add(envelope(candidate(null, finishReason(reply), dialect), usage(reply, true, dialect),
                    responseId, model, created, dialect));
            return events;
        }
        for (int i = 0; i < pieces.size(); i++) {
            boolean last = i == pieces.size() - 1;
            events.add(envelope(candidate(pieces.get(i), last ? finishReason(reply) : null, dialect),
                    usage(reply, last, dialect), responseId, model, created, dialect));
        }
        return events;
    }

    /** The SSE frames of a stream ({@code ?alt=sse}): each response as {@code data: <json>\r\n\r\n}. */
    static List<String> sseFrames(List<ObjectNode> events) {
        List<String> frames = new ArrayList<>();
        events.forEach(e -> frames.add(frame(e)));
        return frames;
    }

    static String frame(JsonNode body) {
        return "data: " + FakeUpstream.write(body) + "\r\n\r\n";
    }

    // ---- errors ----

    static String rpcStatus(int status) {
        return switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 409 -> "ABORTED";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 499 -> "CANCELLED";
            case 501 -> "UNIMPLEMENTED";
            case 503 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> "INTERNAL";
        };
    }

    /** Google's error body (https://cloud.google.com/apis/design/errors#http_mapping). */
    static ObjectNode errorBody(int status, String rpcStatus, String message, ArrayNode details) {
        ObjectNode body = object();
        ObjectNode err = body.putObject("error").put("code", status).put("message", message).put("status", rpcStatus);
        if (details != null) {
            err.set("details", details);
        }
        return body;
    }

    /** The context-too-long error both services answer (400 INVALID_ARGUMENT, no details). */
    static ObjectNode contextTooLong() {
        return errorBody(400, "INVALID_ARGUMENT", "The input token count (1048577) exceeds the maximum number "
                + "of tokens allowed (1048576).", null);
    }

    /** A stream's error event after some events. */
    static String streamErrorFrame(Reply reply) {
        return frame(errorBody(500, "INTERNAL",
                reply.errorMessage() == null ? "An internal error has occurred." : reply.errorMessage(), null));
    }
}
