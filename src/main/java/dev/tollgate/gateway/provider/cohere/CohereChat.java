package dev.tollgate.gateway.provider.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.HubParams;
import dev.tollgate.gateway.provider.TextContent;
import dev.tollgate.gateway.provider.TranslationException;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's chat request (the hub) to Cohere's v2 chat request, and Cohere's answer back. Pure functions.
 *
 * <p>Request (https://docs.cohere.com/reference/chat): {@code messages} keep their roles (system, user, assistant,
 * tool; {@code developer} becomes system); user content keeps text and {@code image_url} parts (Cohere v2 takes both,
 * URLs and data URIs); assistant {@code tool_calls} and tool {@code tool_call_id} have the same shape as OpenAI's.
 * {@code top_p} becomes {@code p}, {@code max_completion_tokens}/{@code max_tokens} {@code max_tokens}, {@code stop}
 * {@code stop_sequences}; {@code temperature}, {@code seed}, {@code frequency_penalty}, {@code presence_penalty} keep
 * their names; {@code tool_choice} {@code required}/{@code none} become {@code REQUIRED}/{@code NONE} ({@code auto} is
 * Cohere's default, so it is left out); {@code response_format} {@code json_object} and {@code json_schema} become
 * {@code {"type":"json_object"[, "json_schema": schema]}}. Anything else follows the model's unsupported-parameter
 * policy ({@link ParamPolicy}); content Cohere cannot take (audio, files) is always a 400.
 *
 * <p>Response: the text parts of {@code message.content} are the answer's content; {@code thinking} parts and
 * {@code tool_plan} (the model's plan before it calls tools) are not content and are dropped; {@code citations} are
 * dropped too (OpenAI's answer has no place for them, and the text they point into is the content already).
 * The usage is Cohere's {@code billed_units} (what Cohere bills: it leaves out the tokens it adds to the prompt
 * itself), or {@code tokens} when no billed units are given.
 */
final class CohereChat {
    private CohereChat() {}

    static final String API = "Cohere's v2 chat API";

    private static final Map<String, String> ADVICE = Map.of(
            "n", "Cohere answers once per request: send n=1 or several requests.",
            "logprobs", "Log probabilities are not translated from Cohere: remove 'logprobs'.",
            "top_logprobs", "Log probabilities are not translated from Cohere: remove 'top_logprobs'.",
            "logit_bias", "Cohere has no logit bias: remove 'logit_bias'.",
            "parallel_tool_calls", "Cohere decides itself whether to call tools in parallel: remove "
                    + "'parallel_tool_calls'.");

    /** The Cohere request for an OpenAI chat request (its {@code model} is replaced by the caller). */
    static ObjectNode request(ObjectNode req, ParamPolicy policy, boolean stream) {
        ObjectNode out = Json.object();
        for (Map.Entry<String, JsonNode> field : req.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (Json.absent(value)) {
                continue;
            }
            switch (name) {
                case "model", "messages", "stream", "stream_options", "tools", "tool_choice" -> {
                    // below
                }
                case "temperature", "seed", "frequency_penalty", "presence_penalty" -> out.set(name, HubParams.number(name, value));
                case "top_p" -> out.set("p", HubParams.number(name, value));
                case "max_tokens", "max_completion_tokens" -> out.set("max_tokens", HubParams.number(name, value));
                case "stop" -> out.set("stop_sequences", HubParams.stop(value));
                case "response_format" -> responseFormat(value, out);
                case "user", "safety_identifier", "prompt_cache_key" -> {
                    // about the caller, not the answer: nothing to tell Cohere, and the answer is the same without
                }
                default -> {
                    if (!isNoOp(name, value)) {
                        policy.unsupported(name, ADVICE.getOrDefault(name,
                                "It has no Cohere equivalent: remove it from the request."));
                    }
                }
            }
        }
        out.set("messages", messages(req.get("messages"), policy));
        tools(req, out, policy);
        if (stream) {
            out.put("stream", true);
        }
        return out;
    }

    /** Values equal to OpenAI's default, which need no translation. */
    private static boolean isNoOp(String name, JsonNode value) {
        return switch (name) {
            case "n" -> value.isNumber() && value.asInt() == 1;
            case "logprobs", "store" -> value.isBoolean() && !value.asBoolean();
            case "top_logprobs" -> value.isNumber() && value.asInt() == 0;
            case "parallel_tool_calls" -> value.isBoolean() && value.asBoolean();
            case "modalities" -> value.isArray() && value.size() == 1 && "text".equals(value.get(0).asText());
            case "metadata" -> value.isObject() && value.isEmpty();
            default -> false;
        };
    }

    private static void responseFormat(JsonNode rf, ObjectNode out) {
        String type = Json.text(rf, "type");
        if ("text".equals(type)) {
            return; // Cohere's default
        }
        if ("json_object".equals(type)) {
            out.putObject("response_format").put("type", "json_object");
            return;
        }
        if ("json_schema".equals(type)) {
            JsonNode schema = rf.path("json_schema").path("schema");
            ObjectNode f = out.putObject("response_format").put("type", "json_object");
            if (schema.isObject()) {
                f.set("json_schema", schema.deepCopy());
            }
            return;
        }
        throw TranslationException.badRequest("response_format", "response_format type '" + type + "' is not one of "
                + "text, json_object, json_schema.");
    }

    // ---- messages --------------------------------------------------------------------------------------------

    private static ArrayNode messages(JsonNode messages, ParamPolicy policy) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw TranslationException.badRequest("messages", "'messages' must be a non-empty array.");
        }
        ArrayNode out = Json.array();
        int i = 0;
        for (JsonNode msg : messages) {
            String path = "messages[" + i++ + "]";
            String role = Json.text(msg, "role");
            if (role == null) {
                throw TranslationException.badRequest(path + ".role", "Every message needs a 'role'.");
            }
            ObjectNode m = Json.object();
            switch (role) {
                case "system", "developer" -> {
                    fields(msg, path, Set.of("role", "content", "name"), policy);
                    m.put("role", "system");
                    m.put("content", TextContent.of(msg.get("content"), path, "Cohere"));
                }
                case "user" -> {
                    fields(msg, path, Set.of("role", "content", "name"), policy);
                    m.put("role", "user");
                    m.set("content", userContent(msg.get("content"), path, policy));
                }
                case "assistant" -> {
                    fields(msg, path, Set.of("role", "content", "name", "tool_calls", "refusal", "annotations"), policy);
                    m.put("role", "assistant");
                    JsonNode content = msg.get("content");
                    if (!Json.absent(content) && !(content.isTextual() && content.asText().isEmpty()
                            && msg.path("tool_calls").size() > 0)) {
                        m.put("content", TextContent.of(content, path, "Cohere"));
                    }
                    if (msg.path("tool_calls").isArray() && !msg.path("tool_calls").isEmpty()) {
                        ArrayNode calls = m.putArray("tool_calls");
                        int j = 0;
                        for (JsonNode tc : msg.get("tool_calls")) {
                            String p = path + ".tool_calls[" + j++ + "]";
                            if (!"function".equals(Json.text(tc, "type")) && tc.has("type")) {
                                throw TranslationException.badRequest(p + ".type", "Only function tool calls can be "
                                        + "sent to Cohere.");
                            }
                            ObjectNode c = calls.addObject();
                            c.put("id", required(tc, "id", p));
                            c.put("type", "function");
                            ObjectNode fn = c.putObject("function");
                            fn.put("name", required(tc.path("function"), "name", p + ".function"));
                            fn.put("arguments", tc.path("function").path("arguments").asText("{}"));
                        }
                    } else if (!m.has("content")) {
                        m.put("content", ""); // an empty assistant turn: Cohere needs content or tool calls
                    }
                }
                case "tool" -> {
                    fields(msg, path, Set.of("role", "content", "tool_call_id"), policy);
                    m.put("role", "tool");
                    m.put("tool_call_id", required(msg, "tool_call_id", path));
                    // a tool's output as one text block: Cohere asks for a JSON string or content blocks, and a text
                    // block takes any output, JSON or not
                    m.putArray("content").addObject().put("type", "text")
                            .put("text", TextContent.of(msg.get("content"), path, "Cohere"));
                }
                default -> throw TranslationException.badRequest(path + ".role", "Role '" + role + "' cannot be sent "
                        + "to Cohere: use system, developer, user, assistant or tool.");
            }
            out.add(m);
        }
        return out;
    }

    private static void fields(JsonNode msg, String path, Set<String> known, ParamPolicy policy) {
        for (Map.Entry<String, JsonNode> f : msg.properties()) {
            if (!known.contains(f.getKey()) && !Json.absent(f.getValue())) {
                policy.unsupported(path + "." + f.getKey(), "Message field '" + f.getKey() + "' has no Cohere "
                        + "equivalent: remove it.");
            }
        }
        if (!Json.absent(msg.get("name"))) {
            policy.unsupported(path + ".name", "Cohere messages have no participant name: put it in the content.");
        }
        // refusal and annotations describe an earlier answer and change nothing in the next one: left out
    }

    private static String required(JsonNode node, String field, String path) {
        String v = Json.text(node, field);
        if (v == null) {
            throw TranslationException.badRequest(path + "." + field, "'" + field + "' is required here.");
        }
        return v;
    }

    /** User content: a string as is; text parts and image_url parts (URL or data URI) as Cohere's content blocks. */
    private static JsonNode userContent(JsonNode content, String path, ParamPolicy policy) {
        if (Json.absent(content) || content.isTextual()) {
            return Json.NODES.textNode(Json.absent(content) ? "" : content.asText());
        }
        if (!content.isArray()) {
            throw TranslationException.badRequest(path + ".content", "'content' must be a string or an array of parts.");
        }
        ArrayNode out = Json.array();
        int j = 0;
        for (JsonNode part : content) {
            String p = path + ".content[" + j++ + "]";
            String type = Json.text(part, "type");
            if ("text".equals(type)) {
                out.addObject().put("type", "text").put("text", part.path("text").asText(""));
            } else if ("image_url".equals(type)) {
                JsonNode img = part.get("image_url");
                String url = img != null && img.isTextual() ? img.asText() : Json.text(img, "url");
                if (url == null) {
                    throw TranslationException.badRequest(p + ".image_url.url", "An image part needs a URL.");
                }
                ObjectNode block = out.addObject().put("type", "image_url");
                ObjectNode iu = block.putObject("image_url").put("url", url);
                String detail = img != null && img.isObject() ? Json.text(img, "detail") : null;
                if (detail != null) {
                    iu.put("detail", detail); // auto, low, high: the same values in both APIs
                }
            } else {
                throw TranslationException.badRequest(p, "Content of type '" + type + "' cannot be sent to Cohere: "
                        + "send text and image_url parts only.");
            }
        }
        return out;
    }

    // ---- tools -----------------------------------------------------------------------------------------------

    private static void tools(ObjectNode req, ObjectNode out, ParamPolicy policy) {
        JsonNode tools = req.get("tools");
        boolean strict = false;
        if (!Json.absent(tools)) {
            if (!tools.isArray()) {
                throw TranslationException.badRequest("tools", "'tools' must be an array.");
            }
            ArrayNode list = out.putArray("tools");
            int i = 0;
            for (JsonNode t : tools) {
                String p = "tools[" + i++ + "]";
                if (!"function".equals(Json.text(t, "type"))) {
                    policy.unsupported(p, "Only function tools can be sent to Cohere.");
                    continue;
                }
                JsonNode fn = t.path("function");
                ObjectNode f = list.addObject().put("type", "function").putObject("function");
                f.put("name", required(fn, "name", p + ".function"));
                if (fn.path("description").isTextual()) {
                    f.put("description", fn.get("description").asText());
                }
                // Cohere requires a parameters schema; a function without parameters takes an empty object
                f.set("parameters", fn.path("parameters").isObject() ? fn.get("parameters").deepCopy()
                        : Json.object().put("type", "object").set("properties", Json.object()));
                strict |= fn.path("strict").asBoolean(false);
            }
            if (list.isEmpty()) {
                out.remove("tools");
            }
        }
        if (strict) {
            out.put("strict_tools", true);
        }
        JsonNode choice = req.get("tool_choice");
        if (Json.absent(choice)) {
            return;
        }
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto" -> { }
                case "required" -> out.put("tool_choice", "REQUIRED");
                case "none" -> out.put("tool_choice", "NONE");
                default -> throw TranslationException.badRequest("tool_choice", "tool_choice must be auto, required, "
                        + "none or a function.");
            }
            return;
        }
        String name = choice.path("function").path("name").asText(null);
        JsonNode list = out.path("tools");
        if (name != null && list.size() == 1 && name.equals(list.get(0).path("function").path("name").asText())) {
            out.put("tool_choice", "REQUIRED"); // the only tool: requiring a tool call is requiring this one
            return;
        }
        policy.unsupported("tool_choice", "Cohere cannot be told which function to call, only that it must call one: "
                + "send \"required\" (or offer only that tool).");
    }

    // ---- the answer ------------------------------------------------------------------------------------------

    /** Cohere's finish reason as OpenAI's, or null for ERROR (the answer failed: an error, not a finish). */
    static String finishReason(String cohere) {
        if (cohere == null) {
            return "stop";
        }
        return switch (cohere) {
            case "COMPLETE", "STOP_SEQUENCE" -> "stop";
            case "MAX_TOKENS", "TIMEOUT" -> "length"; // cut short: by the token limit, or by Cohere's time limit
            case "TOOL_CALL" -> "tool_calls";
            case "ERROR_TOXIC" -> "content_filter"; // v1's "stopped by our content filters", should v2 ever send it
            case "ERROR", "ERROR_LIMIT" -> null;
            default -> "stop";
        };
    }

    /** The answer's usage: {@code billed_units}, else {@code tokens}; null when neither is there. */
    static TokenUsage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        JsonNode billed = usage.path("billed_units");
        JsonNode counted = billed.has("input_tokens") || billed.has("output_tokens") ? billed : usage.path("tokens");
        if (!counted.isObject()) {
            return null;
        }
        long cached = Json.longValue(usage, "cached_tokens");
        long input = Json.longValue(counted, "input_tokens");
        long c = Math.min(cached, input);
        return new TokenUsage(input - c, Json.longValue(counted, "output_tokens"), 0, c);
    }

    /** A Cohere v2 chat answer as a {@code chat.completion}; throws for a generation that failed (ERROR). */
    static ObjectNode response(JsonNode body, String model, long created, String modelId) {
        String finish = body.path("finish_reason").asText(null);
        String mapped = finishReason(finish);
        if (mapped == null) {
            throw CohereErrors.failedGeneration(modelId, body.path("message").path("error").asText(null));
        }
        JsonNode message = body.path("message");
        StringBuilder text = new StringBuilder();
        boolean anyText = false;
        for (JsonNode part : message.path("content")) {
            if ("text".equals(Json.text(part, "type"))) {
                text.append(part.path("text").asText(""));
                anyText = true;
            }
        }
        ObjectNode out = Json.object();
        out.put("id", "chatcmpl-" + body.path("id").asText(""));
        out.put("object", "chat.completion");
        out.put("created", created);
        out.put("model", model);
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode m = choice.putObject("message");
        m.put("role", "assistant");
        JsonNode calls = message.path("tool_calls");
        boolean hasCalls = calls.isArray() && !calls.isEmpty();
        if (anyText || !hasCalls) {
            m.put("content", text.toString());
        } else {
            m.putNull("content");
        }
        if (hasCalls) {
            ArrayNode tc = m.putArray("tool_calls");
            for (JsonNode c : calls) {
                ObjectNode t = tc.addObject();
                t.put("id", c.path("id").asText(""));
                t.put("type", "function");
                t.putObject("function").put("name", c.path("function").path("name").asText(""))
                        .put("arguments", c.path("function").path("arguments").asText(""));
            }
        }
        m.putNull("refusal");
        choice.put("finish_reason", hasCalls && "stop".equals(mapped) ? "tool_calls" : mapped);
        TokenUsage usage = usage(body.get("usage"));
        if (usage != null) {
            out.set("usage", usage.toOpenAi());
        }
        return out;
    }
}
