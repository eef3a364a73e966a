package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.tollgate.gateway.Json;

/** Hub (OpenAI) request parameters read the same way by every adapter that copies them into its provider's request. */
public final class HubParams {
    private HubParams() {}

    /** A numeric parameter as it came; a 400 naming it when it is not a number. */
    public static JsonNode number(String name, JsonNode value) {
        if (!value.isNumber()) {
            throw TranslationException.badRequest(name, "'" + name + "' must be a number.");
        }
        return value.deepCopy();
    }

    /** A whole-number parameter; a 400 naming it otherwise (2.0 is whole, 2.5 is not). */
    public static int integer(String name, JsonNode value) {
        if (!value.isNumber() || !value.canConvertToInt() || value.asDouble() != Math.rint(value.asDouble())) {
            throw TranslationException.badRequest(name, "'" + name + "' must be an integer.");
        }
        return value.asInt();
    }

    /** {@code stop} (a string or an array of strings) as an array of strings; a 400 naming it otherwise. */
    public static ArrayNode stop(JsonNode stop) {
        ArrayNode seqs = Json.array();
        if (stop.isTextual()) {
            return seqs.add(stop.asText());
        }
        if (!stop.isArray()) {
            throw TranslationException.badRequest("stop", "'stop' must be a string or an array of strings.");
        }
        for (JsonNode s : stop) {
            if (!s.isTextual()) {
                throw TranslationException.badRequest("stop", "'stop' must be a string or an array of strings.");
            }
            seqs.add(s.asText());
        }
        return seqs;
    }
}
