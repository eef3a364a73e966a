package dev.tollgate.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.bedrock.BedrockInvokeModels.Family;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's {@code /v1/embeddings} to Bedrock's InvokeModel bodies and back.
 *
 * <ul>
 *   <li><b>Amazon Titan Text Embeddings</b> (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html):
 *       {@code {"inputText"}} (v1), plus {@code dimensions} (from OpenAI's {@code dimensions}: 256, 512 or 1024),
 *       {@code normalize} (the client's extra field of that name) and {@code embeddingTypes: ["float"]} (v2); the
 *       answer {@code {"embedding": [...], "inputTextTokenCount": n}}. Titan takes <em>one</em> text per call, so an
 *       {@code input} array is {@link #split split} into one request per text and the answers {@link #merge merged}
 *       in order, their token counts summed.</li>
 *   <li><b>Cohere Embed on Bedrock</b> (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html):
 *       {@code {"texts": [...], "input_type"}} ({@code input_type} the client's extra field, {@code search_document}
 *       when none; {@code truncate} passed on), up to {@value #COHERE_MAX_TEXTS} texts per call (more are split); the
 *       answer {@code {"embeddings": [[...]], "id", "response_type": "embeddings_floats", "texts"}} carries no token
 *       count in its body, so the answer has no {@code usage} and the gateway counts the input itself.</li>
 * </ul>
 * {@code encoding_format: base64} is served as OpenAI serves it: each float vector as little-endian float32 bytes,
 * base64-encoded. Token-id input cannot be sent (both embed text): 400 on {@code input}.
 */
final class BedrockInvokeEmbeddings {
    private BedrockInvokeEmbeddings() {}

    static final int COHERE_MAX_TEXTS = 96;
    static final String DEFAULT_INPUT_TYPE = "search_document";

    /** The input texts of an OpenAI embeddings request; 400 on {@code input} when it is not text. */
    static List<String> texts(ObjectNode req) {
        JsonNode input = req.get("input");
        List<String> texts = new ArrayList<>();
        if (input != null && input.isTextual()) {
            texts.add(input.asText());
        } else if (input != null && input.isArray() && !input.isEmpty()) {
            for (JsonNode t : input) {
                if (!t.isTextual()) {
                    throw TranslationException.badRequest("input", "Bedrock's embedding models embed text: send "
                            + "'input' as a string or an array of strings, not token ids.");
                }
                texts.add(t.asText());
            }
        } else {
            throw TranslationException.badRequest("input", "'input' must be a string or a non-empty array of strings.");
        }
        return texts;
    }

    /**
     * The request as the OpenAI requests of the provider calls it takes, in order: one per text for Titan, chunks of
     * {@value #COHERE_MAX_TEXTS} for Cohere. A request that fits one call is returned as the only element, unchanged.
     */
    static List<ObjectNode> split(Family family, ObjectNode req) {
        List<String> texts = texts(req);
        int per = family == Family.COHERE_EMBED ? COHERE_MAX_TEXTS : 1;
        if (texts.size() <= per) {
            return List.of(req);
        }
        List<ObjectNode> parts = new ArrayList<>();
        for (int from = 0; from < texts.size(); from += per) {
            ObjectNode part = req.deepCopy();
            if (per == 1) {
                part.put("input", texts.get(from));
            } else {
                ArrayNode chunk = part.putArray("input");
                texts.subList(from, Math.min(texts.size(), from + per)).forEach(chunk::add);
            }
            parts.add(part);
        }
        return parts;
    }

    /** The InvokeModel body for a request that fits one call (see {@link #split}). */
    static ObjectNode request(Family family, ObjectNode req, ParamPolicy policy) {
        List<String> texts = texts(req);
        ObjectNode out = Json.object();
        if (family == Family.COHERE_EMBED) {
            if (texts.size() > COHERE_MAX_TEXTS) {
                throw new IllegalStateException("split the request first: " + texts.size() + " texts");
            }
            ArrayNode t = out.putArray("texts");
            texts.forEach(t::add);
            JsonNode inputType = req.get("input_type");
            out.put("input_type", inputType != null && inputType.isTextual() ? inputType.asText() : DEFAULT_INPUT_TYPE);
        } else {
            if (texts.size() != 1) {
                throw new IllegalStateException("split the request first: " + texts.size() + " texts");
            }
            out.put("inputText", texts.get(0));
            if (family == Family.TITAN_EMBED_V2) {
                out.putArray("embeddingTypes").add("float");
            }
        }
        for (Map.Entry<String, JsonNode> f : req.properties()) {
            JsonNode v = f.getValue();
            if (Json.absent(v)) {
                continue;
            }
            switch (f.getKey()) {
                case "model", "input", "user" -> { }
                case "encoding_format" -> {
                    if (!"float".equals(v.asText()) && !"base64".equals(v.asText())) {
                        throw TranslationException.badRequest("encoding_format",
                                "'encoding_format' must be 'float' or 'base64'.");
                    }
                }
                case "input_type" -> {
                    if (family != Family.COHERE_EMBED) {
                        policy.unsupported("input_type", "Titan embeddings take no input type: remove it.");
                    }
                }
                case "truncate" -> {
                    if (family == Family.COHERE_EMBED) {
                        out.set("truncate", v.deepCopy());
                    } else {
                        policy.unsupported("truncate", "Titan embeddings have no truncation setting: remove it.");
                    }
                }
                case "dimensions" -> {
                    if (family == Family.TITAN_EMBED_V2) {
                        out.set("dimensions", v.deepCopy());
                    } else {
                        policy.unsupported("dimensions", "This Bedrock model has a fixed embedding size: remove it "
                                + "(amazon.titan-embed-text-v2:0 takes 256, 512 or 1024).");
                    }
                }
                case "normalize" -> {
                    if (family == Family.TITAN_EMBED_V2) {
                        out.set("normalize", v.deepCopy());
                    } else {
                        policy.unsupported("normalize", "Only amazon.titan-embed-text-v2:0 takes it: remove it.");
                    }
                }
                default -> policy.unsupported(f.getKey(), "It has no Bedrock embeddings equivalent: remove it.");
            }
        }
        return out;
    }

    /** One InvokeModel answer as OpenAI's embeddings list. */
    static ObjectNode response(Family family, JsonNode body, String model, boolean base64) {
        ObjectNode out = Json.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        out.put("model", model);
        if (family == Family.COHERE_EMBED) {
            JsonNode vectors = body.path("embeddings");
            if (vectors.isObject()) {
                vectors = vectors.path("float"); // the embeddings_by_type shape
            }
            if (!vectors.isArray()) {
                throw TranslationException.badUpstream("Cohere's embed answer on Bedrock has no float embeddings");
            }
            int i = 0;
            for (JsonNode v : vectors) {
                add(data, i++, v, base64);
            }
            return out; // no token count in the body: the gateway counts the input
        }
        JsonNode vector = body.get("embedding");
        if (vector == null || !vector.isArray()) {
            vector = body.path("embeddingsByType").get("float");
        }
        if (vector == null || !vector.isArray()) {
            throw TranslationException.badUpstream("Titan's embeddings answer has no 'embedding' array");
        }
        add(data, 0, vector, base64);
        long tokens = Json.longValue(body, "inputTextTokenCount");
        out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return out;
    }

    private static void add(ArrayNode data, int index, JsonNode vector, boolean base64) {
        ObjectNode e = data.addObject();
        e.put("object", "embedding");
        e.put("index", index);
        if (base64) {
            ByteBuffer buf = ByteBuffer.allocate(vector.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
            vector.forEach(x -> buf.putFloat(x.floatValue()));
            e.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
        } else {
            e.set("embedding", vector.deepCopy());
        }
    }

    /**
     * The answers to the parts of one request, in the parts' order, as one OpenAI list: the embeddings renumbered
     * from 0, the usage summed (none when a part has none: the gateway then counts the whole input).
     */
    static ObjectNode merge(List<? extends JsonNode> parts) {
        ObjectNode out = Json.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        long tokens = 0;
        boolean allHaveUsage = true;
        for (JsonNode part : parts) {
            for (JsonNode e : part.path("data")) {
                ObjectNode copy = ((ObjectNode) e).deepCopy();
                copy.put("index", data.size());
                data.add(copy);
            }
            JsonNode u = part.get("usage");
            if (u == null || !u.isObject()) {
                allHaveUsage = false;
            } else {
                tokens += Json.longValue(u, "prompt_tokens");
            }
        }
        out.put("model", parts.isEmpty() ? "" : parts.get(0).path("model").asText());
        if (allHaveUsage) {
            out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        }
        return out;
    }
}
