package dev.tollgate.gateway.provider.anthropic;

import dev.tollgate.gateway.provider.CacheMarkers;
import dev.tollgate.gateway.provider.Translated;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationOptions;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.Json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Anthropic Messages request to OpenAI Chat Completions request. See {@link AnthropicTranslator}. */
final class AnthropicRequestToOpenAi {

    private static final Map<String, String> UNSUPPORTED_ADVICE = Map.ofEntries(
            Map.entry("top_k", "OpenAI-style models have no top_k sampling: omit it."),
            Map.entry("thinking", "Extended thinking is not translated to OpenAI-style models: omit it."),
            Map.entry("service_tier", "Anthropic service tiers do not translate: omit it."),
            Map.entry("container", "Containers are an Anthropic feature: omit it."),
            Map.entry("mcp_servers", "MCP servers are an Anthropic feature: omit them."),
            Map.entry("output_config", "Output configuration is not translated to OpenAI-style models: omit it."),
            Map.entry("context_management", "Context management is an Anthropic feature: omit it."),
            Map.entry("inference_geo", "Inference geography is an Anthropic feature: omit it."));

    private final TranslationOptions options;
    private final ParamPolicy policy;

    private AnthropicRequestToOpenAi(TranslationOptions options) {
        this.options = options;
        this.policy = new ParamPolicy(options.unsupportedParams(), "this OpenAI-style model");
    }

    static Translated translate(ObjectNode request, TranslationOptions options) {
        return new AnthropicRequestToOpenAi(options).run(request);
    }

    private Translated run(ObjectNode req) {
        for (Map.Entry<String, JsonNode> field : req.properties()) {
            String name = field.getKey();
            switch (name) {
                case "model", "messages", "max_tokens", "system", "stop_sequences", "temperature", "top_p",
                     "stream", "tools", "tool_choice", "metadata", "cache_control" -> {
                    // mapped below
                }
                default -> {
                    if (!Json.absent(field.getValue())) {
                        policy.unsupported(name, UNSUPPORTED_ADVICE.getOrDefault(name,
                                "It has no OpenAI equivalent: remove it from the request."));
                    }
                }
            }
        }

        ObjectNode out = Json.object();
        String model = Json.text(req, "model");
        if (model == null) {
            throw TranslationException.badRequest("model", "'model' is required.");
        }
        out.put("model", model);

        ArrayNode messages = out.putArray("messages");
        system(req.get("system"), messages);
        messages(req.get("messages"), messages);

        JsonNode maxTokens = req.get("max_tokens");
        if (maxTokens != null && maxTokens.canConvertToInt()) {
            out.put(options.legacyMaxTokensField() ? "max_tokens" : "max_completion_tokens", maxTokens.asInt());
        } else if (maxTokens != null && !maxTokens.isNull()) {
            throw TranslationException.badRequest("max_tokens", "'max_tokens' must be an integer.");
        }
        JsonNode stop = req.get("stop_sequences");
        if (stop != null && stop.isArray() && !stop.isEmpty()) {
            out.set("stop", stop.deepCopy());
        }
        for (String f : List.of("temperature", "top_p")) {
            JsonNode v = req.get(f);
            if (v != null && v.isNumber()) {
                out.set(f, v.deepCopy());
            }
        }
        tools(req, out);
        ObjectNode automatic = CacheMarkers.of(req);
        if (automatic != null) {
            out.set(CacheMarkers.FIELD, automatic); // Anthropic's automatic caching: the hub carries it as it is
        }
        JsonNode metadata = req.get("metadata");
        if (metadata != null && metadata.isObject()) {
            for (Map.Entry<String, JsonNode> field : metadata.properties()) {
                if (field.getKey().equals("user_id") && field.getValue().isTextual()) {
                    out.put("user", field.getValue().asText());
                } else if (!Json.absent(field.getValue())) {
                    policy.unsupported("metadata." + field.getKey(), "Only metadata.user_id is translated.");
                }
            }
        }
        JsonNode stream = req.get("stream");
        if (stream != null && stream.asBoolean(false)) {
            out.put("stream", true);
            // Usage arrives only on request in OpenAI streams; Anthropic streams always carry it.
            out.putObject("stream_options").put("include_usage", true);
        }
        return new Translated(out, policy.dropped());
    }

    private void system(JsonNode system, ArrayNode messages) {
        if (Json.absent(system)) {
            return;
        }
        if (system.isTextual()) {
            if (!system.asText().isEmpty()) {
                messages.addObject().put("role", "system").put("content", system.asText());
            }
            return;
        }
        if (!system.isArray()) {
            throw TranslationException.badRequest("system", "'system' must be a string or an array of text blocks.");
        }
        ArrayNode parts = Json.array();
        for (int k = 0; k < system.size(); k++) {
            JsonNode block = system.get(k);
            String p = "system[" + k + "]";
            if (!"text".equals(Json.text(block, "type")) || Json.text(block, "text") == null) {
                throw TranslationException.badRequest(p, "System blocks must be text blocks.");
            }
            checkBlockFields(block, p, List.of("type", "text", CacheMarkers.FIELD));
            marked(parts.addObject().put("type", "text").put("text", block.get("text").asText()), block);
        }
        ObjectNode msg = messages.addObject().put("role", "system");
        setTextContent(msg, parts);
    }

    /**
     * A prompt-cache breakpoint on an Anthropic block goes on the part made of it, LiteLLM's form in OpenAI's dialect
     * ({@link CacheMarkers}).
     */
    private static ObjectNode marked(ObjectNode part, JsonNode block) {
        ObjectNode marker = CacheMarkers.of(block);
        if (marker != null) {
            part.set(CacheMarkers.FIELD, marker);
        }
        return part;
    }

    private static boolean anyMarked(ArrayNode parts) {
        for (JsonNode part : parts) {
            if (part.has(CacheMarkers.FIELD)) {
                return true;
            }
        }
        return false;
    }

    /** Single text part as a plain string (unless it carries a breakpoint), several as an array of text parts. */
    private static void setTextContent(ObjectNode msg, ArrayNode textParts) {
        if (textParts.size() == 1 && !anyMarked(textParts)) {
            msg.put("content", textParts.get(0).get("text").asText());
        } else {
            msg.set("content", textParts);
        }
    }

    private void checkBlockFields(JsonNode block, String path, List<String> known) {
        for (Map.Entry<String, JsonNode> field : block.properties()) {
            String name = field.getKey();
            if (known.contains(name) || Json.absent(field.getValue())) {
                continue;
            }
            policy.unsupported(path + "." + name, "It has no OpenAI equivalent: remove it.");
        }
    }

    private void messages(JsonNode messages, ArrayNode out) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw TranslationException.badRequest("messages", "'messages' must be a non-empty array.");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode msg = messages.get(i);
            String p = "messages[" + i + "]";
            String role = Json.text(msg, "role");
            JsonNode content = msg.get("content");
            if (!"user".equals(role) && !"assistant".equals(role)) {
                throw TranslationException.badRequest(p + ".role", "Message roles must be user or assistant.");
            }
            if (content == null || !(content.isTextual() || content.isArray())) {
                throw TranslationException.badRequest(p + ".content", "'content' must be a string or an array of "
                        + "content blocks.");
            }
            if (role.equals("user")) {
                user(content, p, out);
            } else {
                assistant(content, p, out);
            }
        }
    }

    private void user(JsonNode content, String path, ArrayNode out) {
        if (content.isTextual()) {
            out.addObject().put("role", "user").put("content", content.asText());
            return;
        }
        // OpenAI wants tool results as separate 'tool' messages right after the assistant's tool calls;
        // Anthropic puts tool_result blocks first in the user turn, so emitting them first keeps the order.
        List<ObjectNode> toolMessages = new ArrayList<>();
        ArrayNode parts = Json.array();
        boolean onlyText = true;
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String bp = path + ".content[" + j + "]";
            String type = Json.text(block, "type");
            switch (type == null ? "" : type) {
                case "text" -> {
                    checkBlockFields(block, bp, List.of("type", "text", "citations", CacheMarkers.FIELD));
                    marked(parts.addObject().put("type", "text").put("text", requireText(block, bp)), block);
                }
                case "image" -> {
                    checkBlockFields(block, bp, List.of("type", "source", CacheMarkers.FIELD));
                    parts.add(marked(imagePart(block.get("source"), bp), block));
                    onlyText = false;
                }
                case "tool_result" -> toolMessages.add(toolMessage(block, bp));
                default -> throw TranslationException.badRequest(bp, "Content blocks of type '" + type
                        + "' cannot be sent to an OpenAI-style model: only text, image and tool_result blocks are "
                        + "translated in user turns.");
            }
        }
        out.addAll(toolMessages);
        if (!parts.isEmpty()) {
            ObjectNode msg = out.addObject().put("role", "user");
            if (onlyText && parts.size() == 1 && !anyMarked(parts)) {
                msg.put("content", parts.get(0).get("text").asText());
            } else {
                msg.set("content", parts);
            }
        }
    }

    private static String requireText(JsonNode block, String path) {
        String text = Json.text(block, "text");
        if (text == null) {
            throw TranslationException.badRequest(path + ".text", "A text block needs a 'text' string.");
        }
        return text;
    }

    private static ObjectNode imagePart(JsonNode source, String path) {
        String type = Json.text(source, "type");
        String url;
        if ("base64".equals(type) && Json.text(source, "media_type") != null && Json.text(source, "data") != null) {
            url = "data:" + source.get("media_type").asText() + ";base64," + source.get("data").asText();
        } else if ("url".equals(type) && Json.text(source, "url") != null) {
            url = source.get("url").asText();
        } else {
            throw TranslationException.badRequest(path + ".source", "Only base64 and url image sources can be "
                    + "sent to an OpenAI-style model.");
        }
        ObjectNode part = Json.object();
        part.put("type", "image_url");
        part.putObject("image_url").put("url", url);
        return part;
    }

    private ObjectNode toolMessage(JsonNode block, String path) {
        checkBlockFields(block, path, List.of("type", "tool_use_id", "content", "is_error", CacheMarkers.FIELD));
        String id = Json.text(block, "tool_use_id");
        if (id == null) {
            throw TranslationException.badRequest(path + ".tool_use_id", "A tool_result needs a 'tool_use_id'.");
        }
        JsonNode isError = block.get("is_error");
        if (isError != null && isError.asBoolean(false)) {
            policy.unsupported(path + ".is_error", "OpenAI tool messages cannot flag an error: say so in the "
                    + "tool result text.");
        }
        ObjectNode msg = Json.object();
        msg.put("role", "tool");
        msg.put("tool_call_id", id);
        marked(msg, block); // a breakpoint on the tool_result is on the tool message (LiteLLM's form)
        JsonNode content = block.get("content");
        if (content == null || content.isNull()) {
            msg.put("content", "");
        } else if (content.isTextual()) {
            msg.put("content", content.asText());
        } else if (content.isArray()) {
            ArrayNode parts = Json.array();
            for (int k = 0; k < content.size(); k++) {
                JsonNode inner = content.get(k);
                String ip = path + ".content[" + k + "]";
                if (!"text".equals(Json.text(inner, "type")) || Json.text(inner, "text") == null) {
                    throw TranslationException.badRequest(ip, "OpenAI tool messages carry text only: a "
                            + "tool_result with '" + Json.text(inner, "type") + "' content cannot be translated.");
                }
                checkBlockFields(inner, ip, List.of("type", "text", "citations", CacheMarkers.FIELD));
                marked(parts.addObject().put("type", "text").put("text", inner.get("text").asText()), inner);
            }
            if (parts.isEmpty()) {
                msg.put("content", "");
            } else {
                setTextContent(msg, parts);
            }
        } else {
            throw TranslationException.badRequest(path + ".content", "tool_result content must be a string or an "
                    + "array of blocks.");
        }
        return msg;
    }

    private void assistant(JsonNode content, String path, ArrayNode out) {
        ObjectNode msg = Json.object();
        msg.put("role", "assistant");
        if (content.isTextual()) {
            msg.put("content", content.asText());
            out.add(msg);
            return;
        }
        StringBuilder text = new StringBuilder();
        ArrayNode textParts = Json.array();
        boolean hasText = false;
        ArrayNode toolCalls = Json.array();
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String bp = path + ".content[" + j + "]";
            String type = Json.text(block, "type");
            switch (type == null ? "" : type) {
                case "text" -> {
                    checkBlockFields(block, bp, List.of("type", "text", "citations", CacheMarkers.FIELD));
                    text.append(requireText(block, bp));
                    marked(textParts.addObject().put("type", "text").put("text", requireText(block, bp)), block);
                    hasText = true;
                }
                case "tool_use" -> {
                    checkBlockFields(block, bp, List.of("type", "id", "name", "input", CacheMarkers.FIELD));
                    // OpenAI's tool calls have no place for it: a breakpoint on a tool_use is on the message, whose
                    // last block it is when translated back (tool calls follow the text)
                    marked(msg, block);
                    if (Json.text(block, "id") == null || Json.text(block, "name") == null) {
                        throw TranslationException.badRequest(bp, "A tool_use block needs an 'id' and a 'name'.");
                    }
                    ObjectNode call = toolCalls.addObject();
                    call.put("id", Json.text(block, "id"));
                    call.put("type", "function");
                    ObjectNode fn = call.putObject("function");
                    fn.put("name", Json.text(block, "name"));
                    JsonNode input = block.get("input");
                    fn.put("arguments", Json.write(input == null || input.isNull() ? Json.object() : input));
                }
                case "thinking", "redacted_thinking" -> policy.unsupported(bp, "Thinking blocks cannot be sent to "
                        + "an OpenAI-style model: remove them from the conversation.");
                default -> throw TranslationException.badRequest(bp, "Content blocks of type '" + type
                        + "' cannot be sent to an OpenAI-style model: only text and tool_use blocks are translated "
                        + "in assistant turns.");
            }
        }
        if (hasText && anyMarked(textParts)) {
            msg.set("content", textParts); // the breakpoint stays on its own part
        } else if (hasText) {
            msg.put("content", text.toString());
        } else {
            msg.putNull("content");
        }
        if (!toolCalls.isEmpty()) {
            msg.set("tool_calls", toolCalls);
        }
        if (hasText || !toolCalls.isEmpty()) {
            out.add(msg);
        }
    }

    private void tools(ObjectNode req, ObjectNode out) {
        JsonNode tools = req.get("tools");
        ArrayNode outTools = Json.array();
        if (tools != null && tools.isArray()) {
            for (int i = 0; i < tools.size(); i++) {
                JsonNode tool = tools.get(i);
                String p = "tools[" + i + "]";
                String type = Json.text(tool, "type");
                if (type != null && !type.equals("custom")) {
                    policy.unsupported(p, "Anthropic server tool '" + type + "' cannot run on an OpenAI-style "
                            + "model: remove it.");
                    continue;
                }
                String name = Json.text(tool, "name");
                if (name == null) {
                    throw TranslationException.badRequest(p + ".name", "A tool needs a name.");
                }
                checkBlockFields(tool, p, List.of("type", "name", "description", "input_schema", CacheMarkers.FIELD));
                ObjectNode fnTool = outTools.addObject().put("type", "function");
                ObjectNode fn = fnTool.putObject("function");
                marked(fnTool, tool);
                fn.put("name", name);
                String description = Json.text(tool, "description");
                if (description != null) {
                    fn.put("description", description);
                }
                JsonNode schema = tool.get("input_schema");
                if (schema != null && schema.isObject()) {
                    fn.set("parameters", schema.deepCopy());
                }
            }
        }
        if (outTools.isEmpty()) {
            return;
        }
        out.set("tools", outTools);
        JsonNode choice = req.get("tool_choice");
        if (choice == null || !choice.isObject()) {
            return;
        }
        String type = Json.text(choice, "type");
        switch (type == null ? "" : type) {
            case "auto" -> out.put("tool_choice", "auto");
            case "any" -> out.put("tool_choice", "required");
            case "none" -> out.put("tool_choice", "none");
            case "tool" -> {
                String name = Json.text(choice, "name");
                if (name == null) {
                    throw TranslationException.badRequest("tool_choice.name", "tool_choice of type 'tool' needs a "
                            + "'name'.");
                }
                ObjectNode c = out.putObject("tool_choice");
                c.put("type", "function");
                c.putObject("function").put("name", name);
            }
            default -> throw TranslationException.badRequest("tool_choice.type", "tool_choice type must be auto, "
                    + "any, tool or none.");
        }
        JsonNode disable = choice.get("disable_parallel_tool_use");
        if (disable != null && disable.asBoolean(false) && !"none".equals(type)) {
            out.put("parallel_tool_calls", false);
        }
    }
}
