package dev.tollgate.gateway.provider.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationException;
import java.util.Map;

/**
 * The gateway's {@code /v1/rerank} request (the shape Cohere and LiteLLM use: model, query, documents as strings or
 * objects with {@code text}, top_n, return_documents, max_tokens_per_doc) to Cohere's {@code POST /v2/rerank}
 * (https://docs.cohere.com/reference/rerank), and its answer back. Cohere v2 takes documents as strings only and
 * never returns them: objects are sent as their {@code text}, and {@code return_documents: true} is served by the
 * gateway, which puts each result's document (as the client sent it, {@code {"text": ...}}) back from the request.
 * The answer keeps Cohere's {@code id}, {@code results[].index/relevance_score} and {@code meta.billed_units}.
 */
final class CohereRerank {
    private CohereRerank() {}

    static ObjectNode request(ObjectNode req, ParamPolicy policy) {
        ObjectNode out = Json.object();
        out.put("query", req.path("query").asText(""));
        ArrayNode docs = out.putArray("documents");
        int i = 0;
        for (JsonNode d : req.path("documents")) {
            docs.add(text(d, i++));
        }
        for (Map.Entry<String, JsonNode> f : req.properties()) {
            if (Json.absent(f.getValue())) {
                continue;
            }
            switch (f.getKey()) {
                case "model", "query", "documents", "return_documents" -> { }
                case "top_n", "max_tokens_per_doc", "priority" -> out.set(f.getKey(), f.getValue().deepCopy());
                default -> policy.unsupported(f.getKey(), "It has no Cohere rerank equivalent: remove it.");
            }
        }
        return out;
    }

    /** A document's text: a string, or an object's {@code text}. */
    static String text(JsonNode d, int i) {
        if (d.isTextual()) {
            return d.asText();
        }
        if (d.isObject() && d.path("text").isTextual()) {
            return d.get("text").asText();
        }
        throw TranslationException.badRequest("documents[" + i + "]", "A document is a string or an object with a "
                + "'text' string.");
    }

    static ObjectNode response(JsonNode body, ObjectNode req) {
        ObjectNode out = Json.object();
        out.put("id", body.path("id").asText(""));
        ArrayNode results = out.putArray("results");
        boolean withDocs = req.path("return_documents").asBoolean(false);
        JsonNode docs = req.path("documents");
        for (JsonNode r : body.path("results")) {
            ObjectNode o = results.addObject();
            int index = r.path("index").asInt(-1);
            o.put("index", index);
            o.set("relevance_score", r.path("relevance_score").deepCopy());
            if (withDocs && index >= 0 && index < docs.size()) {
                o.putObject("document").put("text", text(docs.get(index), index));
            }
        }
        ObjectNode meta = out.putObject("meta");
        JsonNode billed = body.path("meta").path("billed_units");
        ObjectNode units = meta.putObject("billed_units");
        if (billed.path("search_units").isNumber()) {
            units.put("search_units", billed.get("search_units").asLong()); // else the gateway estimates them
        }
        return out;
    }
}
