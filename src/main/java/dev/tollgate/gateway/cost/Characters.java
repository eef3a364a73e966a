package dev.tollgate.gateway.cost;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.provider.Operation;

/**
 * The characters a request sent and its answer returned, for models billed per character (PaLM 2 and some Vertex AI
 * models). Counted as Vertex AI bills them: "Characters are counted by UTF-8 code points and white space is excluded
 * from the count" (https://cloud.google.com/vertex-ai/generative-ai/docs/legacy/legacy-pricing). Pure.
 *
 * <p>The request's characters are those of its text as the model reads it: every message's text content (a string,
 * or the {@code text} of its parts; Anthropic's top-level {@code system} too) for chat, {@code prompt} for
 * completions, {@code input} for embeddings. Roles, field names and other JSON framing are not text and are not
 * counted; images and tool definitions have no character price (no per-character model takes them).
 */
public record Characters(long input, long output) {

    /** Unicode code points of {@code text} that are not white space. */
    public static long count(CharSequence text) {
        if (text == null) {
            return 0;
        }
        return text.codePoints().filter(cp -> !Character.isWhitespace(cp) && !Character.isSpaceChar(cp)).count();
    }

    /** The characters of a request body (OpenAI's chat, completions or embeddings, or Anthropic's Messages). */
    public static long ofRequest(Operation operation, JsonNode body) {
        if (body == null) {
            return 0;
        }
        long n = 0;
        if (operation == Operation.CHAT) {
            for (JsonNode m : body.path("messages")) {
                n += ofContent(m.get("content"));
            }
            n += ofContent(body.get("system"));
        } else {
            n += ofContent(body.get("prompt")) + ofContent(body.get("input"));
        }
        return n;
    }

    /** A string, a list of strings, or a list of parts with {@code text}. */
    private static long ofContent(JsonNode content) {
        if (content == null || content.isNull()) {
            return 0;
        }
        if (content.isTextual()) {
            return count(content.asText());
        }
        long n = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                n += part.isTextual() ? count(part.asText()) : count(part.path("text").asText(""));
            }
        }
        return n;
    }
}
