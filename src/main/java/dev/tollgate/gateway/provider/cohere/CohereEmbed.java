package dev.tollgate.gateway.provider.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Map;

/**
 * OpenAI's {@code /v1/embeddings} request to Cohere's {@code POST /v2/embed} (https://docs.cohere.com/reference/embed)
 * and back. {@code input} (a string or strings) becomes {@code texts}; {@code input_type} is the client's extra field
 * of that name (search_document, search_query, classification, clustering), {@code search_document} when it sends
 * none; {@code embedding_types} is {@code ["float"]}; {@code dimensions} becomes {@code output_dimension} (embed-v4
 * and newer). Token-id input cannot be sent (Cohere embeds text): 400. The answer's float vectors become OpenAI's list
 * (as base64 little-endian float32 when the client asked {@code encoding_format: base64}, as OpenAI encodes them), its
 * usage {@code meta.billed_units.input_tokens}.
 */
final class CohereEmbed {
    private CohereEmbed() {}

    static final String DEFAULT_INPUT_TYPE = "search_document";

    static ObjectNode request(ObjectNode req, ParamPolicy policy) {
        ObjectNode out = Json.object();
        ArrayNode texts = out.putArray("texts");
        JsonNode input = req.get("input");
        if (input != null && input.isTextual()) {
            texts.add(input.asText());
        } else if (input != null && input.isArray() && !input.isEmpty()) {
            for (JsonNode t : input) {
                if (!t.isTextual()) {
                    throw TranslationException.badRequest("input", "Cohere embeds text: send 'input' as a string or "
                            + "an array of strings, not token ids.");
                }
                texts.add(t.asText());
            }
        } else {
            throw TranslationException.badRequest("input", "'input' must be a string or a non-empty array of strings.");
        }
        JsonNode inputType = req.get("input_type");
        out.put("input_type", inputType != null && inputType.isTextual() ? inputType.asText() : DEFAULT_INPUT_TYPE);
        out.putArray("embedding_types").add("float");
        for (Map.Entry<String, JsonNode> f : req.properties()) {
            if (Json.absent(f.getValue())) {
                continue;
            }
            switch (f.getKey()) {
                case "model", "input", "input_type", "encoding_format", "user" -> { }
                case "dimensions" -> out.set("output_dimension", f.getValue().deepCopy());
                case "truncate" -> out.set("truncate", f.getValue().deepCopy()); // Cohere's own, passed on
                default -> policy.unsupported(f.getKey(), "It has no Cohere embed equivalent: remove it.");
            }
        }
        return out;
    }

    static ObjectNode response(JsonNode body, String model, boolean base64) {
        ObjectNode out = Json.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        JsonNode vectors = body.path("embeddings").path("float");
        if (!vectors.isArray()) {
            vectors = body.path("embeddings"); // the older embeddings_floats shape: a bare array of vectors
        }
        if (!vectors.isArray()) {
            throw TranslationException.badUpstream("Cohere's embed answer has no float embeddings");
        }
        int i = 0;
        for (JsonNode v : vectors) {
            ObjectNode e = data.addObject();
            e.put("object", "embedding");
            e.put("index", i++);
            if (base64) {
                ByteBuffer buf = ByteBuffer.allocate(v.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
                v.forEach(x -> buf.putFloat(x.floatValue()));
                e.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
            } else {
                e.set("embedding", v.deepCopy());
            }
        }
        out.put("model", model);
        long tokens = Json.longValue(body.path("meta").path("billed_units"), "input_tokens");
        out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return out;
    }
}
