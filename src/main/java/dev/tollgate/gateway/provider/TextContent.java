package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.Json;

/** A hub message's {@code content} where a provider takes text only (system, assistant and tool messages). */
public final class TextContent {
    private TextContent() {}

    /**
     * The content as one string: itself when it is a string, its text parts joined when it is an array, empty when
     * absent. A non-text part, or content of another type, is a 400 naming it ({@code path} is the message's, e.g.
     * {@code messages[2]}); {@code provider} names who cannot take it.
     */
    public static String of(JsonNode content, String path, String provider) {
        if (Json.absent(content)) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw TranslationException.badRequest(path + ".content", "'content' must be a string or an array of parts.");
        }
        StringBuilder sb = new StringBuilder();
        int j = 0;
        for (JsonNode part : content) {
            if (!"text".equals(Json.text(part, "type"))) {
                throw TranslationException.badRequest(path + ".content[" + j + "]", "Only text parts can be sent to "
                        + provider + " in this message; '" + Json.text(part, "type") + "' cannot.");
            }
            sb.append(part.path("text").asText(""));
            j++;
        }
        return sb.toString();
    }
}
