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
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** OpenAI Chat Completions request to Anthropic Messages request. See {@link AnthropicTranslator}. */
final class OpenAiRequestToAnthropic {

    static final Set<String> IMAGE_MEDIA_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");

    /** Parameters without an Anthropic equivalent, with the advice given when they are rejected. */
    private static final Map<String, String> UNSUPPORTED_ADVICE = Map.ofEntries(
            Map.entry("n", "Anthropic returns exactly one choice: omit 'n' (or set it to 1) and send separate "
                    + "requests for more completions."),
            Map.entry("logprobs", "Anthropic does not return log probabilities: omit it or set it to false."),
            Map.entry("top_logprobs", "Anthropic does not return log probabilities: omit it."),
            Map.entry("seed", "Anthropic has no sampling seed: omit it."),
            Map.entry("frequency_penalty", "Anthropic has no repetition penalties: omit it or set it to 0."),
            Map.entry("presence_penalty", "Anthropic has no repetition penalties: omit it or set it to 0."),
            Map.entry("logit_bias", "Anthropic does not support token biasing: omit it."),
            Map.entry("response_format", "There is no Anthropic equivalent of response_format json_schema / "
                    + "json_object here: describe the JSON you want in the prompt, or define a tool whose "
                    + "parameters are that schema and force it with tool_choice."),
            Map.entry("reasoning_effort", "Omit it: reasoning effort is not translated to Anthropic."),
            Map.entry("verbosity", "Omit it: verbosity is not translated to Anthropic."),
            Map.entry("modalities", "Anthropic produces text only: omit it or set it to [\"text\"]."),
            Map.entry("audio", "Anthropic produces text only: omit it."),
            Map.entry("prediction", "Anthropic has no predicted outputs: omit it."),
            Map.entry("web_search_options", "Web search is not translated to Anthropic: omit it."),
            Map.entry("store", "Stored completions are an OpenAI feature: omit it or set it to false."),
            Map.entry("metadata", "Stored-completion metadata is an OpenAI feature: omit it (use 'user' to "
                    + "identify the end user)."),
            Map.entry("service_tier", "Omit it: OpenAI service tiers do not translate to Anthropic."),
            Map.entry("prompt_cache_key", "Omit it: Anthropic prompt caching is not controlled by a cache key."),
            Map.entry("prompt_cache_retention", "Omit it: Anthropic prompt caching is not controlled this way."),
            Map.entry("prompt_cache_options", "Omit it: Anthropic prompt caching is not controlled this way."),
            Map.entry("moderation", "Omit it: moderation is not translated to Anthropic."),
            Map.entry("functions", "The deprecated 'functions' are not translated: use 'tools'."),
            Map.entry("function_call", "The deprecated 'function_call' is not translated: use 'tool_choice'."));

    private final TranslationOptions options;
    private final ParamPolicy policy;

    private OpenAiRequestToAnthropic(TranslationOptions options) {
        this.options = options;
        this.policy = new ParamPolicy(options.unsupportedParams(), "Anthropic models");
    }

    static Translated translate(ObjectNode request, TranslationOptions options) {
        return new OpenAiRequestToAnthropic(options).run(request);
    }

    private Translated run(ObjectNode req) {
        // Top-level parameters, in request order, so that 'dropped' follows the request.
        for (Map.Entry<String, JsonNode> field : req.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            switch (name) {
                case "model", "messages", "max_tokens", "max_completion_tokens", "stop", "top_p", "stream",
                     "stream_options", "tools", "tool_choice", "parallel_tool_calls", "user",
                     "safety_identifier", "cache_control" -> {
                    // mapped below
                }
                case "temperature" -> {
                    if (value.isNumber() && value.decimalValue().compareTo(BigDecimal.ONE) > 0) {
                        policy.unsupported("temperature", "Anthropic accepts a temperature between 0 and 1 (OpenAI "
                                + "allows up to 2): send a value in that range.");
                    }
                }
                default -> {
                    if (!isNoOp(name, value)) {
                        policy.unsupported(name, UNSUPPORTED_ADVICE.getOrDefault(name,
                                "It has no Anthropic equivalent: remove it from the request."));
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
        out.put("max_tokens", maxTokens(req));

        ArrayNode system = Json.array();
        ArrayNode messages = messages(req.get("messages"), system);
        if (!system.isEmpty()) {
            if (system.size() == 1 && !system.get(0).has(CacheMarkers.FIELD)) {
                out.put("system", system.get(0).get("text").asText());
            } else {
                out.set("system", system);
            }
        }
        out.set("messages", messages);

        JsonNode stop = req.get("stop");
        if (stop != null && stop.isTextual()) {
            out.putArray("stop_sequences").add(stop.asText());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            ArrayNode seqs = out.putArray("stop_sequences");
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw TranslationException.badRequest("stop", "'stop' must be a string or an array of strings.");
                }
                seqs.add(s.asText());
            }
        }
        JsonNode temperature = req.get("temperature");
        if (temperature != null && temperature.isNumber()
                && temperature.decimalValue().compareTo(BigDecimal.ONE) <= 0) {
            out.set("temperature", temperature.deepCopy());
        }
        JsonNode topP = req.get("top_p");
        if (topP != null && topP.isNumber()) {
            out.set("top_p", topP.deepCopy());
        }

        tools(req, out);
        ObjectNode automatic = CacheMarkers.of(req);
        if (automatic != null) {
            out.set(CacheMarkers.FIELD, automatic); // Anthropic's automatic caching (top-level cache_control)
        }

        String userId = Json.text(req, "safety_identifier");
        String user = Json.text(req, "user");
        if (userId == null) {
            userId = user;
        } else if (user != null && !user.equals(userId)) {
            policy.unsupported("user", "Anthropic takes a single end-user id: 'safety_identifier' is used, send "
                    + "only one of 'user' and 'safety_identifier'.");
        }
        if (userId != null) {
            out.putObject("metadata").put("user_id", userId);
        }
        JsonNode stream = req.get("stream");
        if (stream != null && stream.asBoolean(false)) {
            out.put("stream", true);
        }
        return new Translated(out, policy.dropped());
    }

    /** Values equal to the OpenAI default, which need no translation. */
    private static boolean isNoOp(String name, JsonNode value) {
        if (Json.absent(value)) {
            return true;
        }
        return switch (name) {
            case "n" -> value.isNumber() && value.asInt() == 1;
            case "logprobs", "store" -> value.isBoolean() && !value.asBoolean();
            case "top_logprobs", "frequency_penalty", "presence_penalty" ->
                    value.isNumber() && value.decimalValue().signum() == 0;
            case "response_format" -> "text".equals(Json.text(value, "type"));
            case "modalities" -> value.isArray() && value.size() == 1 && "text".equals(value.get(0).asText());
            default -> false;
        };
    }

    private int maxTokens(ObjectNode req) {
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode value = req.get(field);
            if (value != null && !value.isNull()) {
                if (!value.canConvertToInt() || value.asInt() < 0) {
                    throw TranslationException.badRequest(field, "'" + field + "' must be a non-negative integer.");
                }
                return value.asInt();
            }
        }
        if (options.defaultMaxTokens() == null) {
            throw TranslationException.badRequest("max_tokens", "Anthropic models require a token limit: set "
                    + "'max_completion_tokens' (or 'max_tokens').");
        }
        return options.defaultMaxTokens();
    }

    // ---------------------------------------------------------------------------------------------- messages

    private ArrayNode messages(JsonNode messages, ArrayNode system) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw TranslationException.badRequest("messages", "'messages' must be a non-empty array.");
        }
        List<String> roles = new ArrayList<>();
        List<ArrayNode> contents = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode msg = messages.get(i);
            String p = "messages[" + i + "]";
            String role = Json.text(msg, "role");
            if (role == null) {
                throw TranslationException.badRequest(p + ".role", "Every message needs a 'role'.");
            }
            ArrayNode blocks;
            String anthropicRole;
            switch (role) {
                case "system", "developer" -> {
                    checkFields(msg, p, Set.of("role", "content", "name", CacheMarkers.FIELD));
                    ArrayNode own = Json.array();
                    own.addAll(textOnly(msg.get("content"), p + ".content", role));
                    CacheMarkers.onLast(own, CacheMarkers.of(msg));
                    system.addAll(own);
                    continue;
                }
                case "user" -> {
                    checkFields(msg, p, Set.of("role", "content", "name", CacheMarkers.FIELD));
                    anthropicRole = "user";
                    blocks = userContent(msg.get("content"), p + ".content");
                }
                case "assistant" -> {
                    checkFields(msg, p, Set.of("role", "content", "name", "tool_calls", "refusal", "annotations",
                            CacheMarkers.FIELD));
                    anthropicRole = "assistant";
                    blocks = assistantContent(msg, p);
                }
                case "tool" -> {
                    checkFields(msg, p, Set.of("role", "content", "tool_call_id", CacheMarkers.FIELD));
                    anthropicRole = "user";
                    blocks = Json.array();
                    blocks.add(toolResult(msg, p));
                }
                default -> throw TranslationException.badRequest(p + ".role", "Message role '" + role
                        + "' cannot be translated to Anthropic: use system, developer, user, assistant or tool.");
            }
            // a breakpoint on the message is on its last block (LiteLLM's form; Anthropic takes it on blocks only)
            CacheMarkers.onLast(blocks, CacheMarkers.of(msg));
            if (blocks.isEmpty()) {
                if (anthropicRole.equals("user")) {
                    // Anthropic rejects empty messages; silently skipping one could turn the previous assistant
                    // message into a prefill that the model continues.
                    throw TranslationException.badRequest(p + ".content", "Anthropic models do not accept empty "
                            + "user messages.");
                }
                continue; // an assistant message that said nothing
            }
            // Anthropic wants alternating user/assistant turns: merge consecutive same-role messages,
            // which also gathers the results of parallel tool calls into one user turn.
            int last = roles.size() - 1;
            if (last >= 0 && roles.get(last).equals(anthropicRole)) {
                contents.get(last).addAll(blocks);
            } else {
                roles.add(anthropicRole);
                contents.add(blocks);
            }
        }
        if (roles.isEmpty()) {
            throw TranslationException.badRequest("messages", "Anthropic needs at least one user or assistant "
                    + "message besides system/developer messages.");
        }
        ArrayNode out = Json.array();
        for (int i = 0; i < roles.size(); i++) {
            ObjectNode m = out.addObject();
            m.put("role", roles.get(i));
            m.set("content", contents.get(i));
        }
        return out;
    }

    /** Reports (DROP) or rejects (REJECT) message fields that Anthropic cannot carry. */
    private void checkFields(JsonNode msg, String path, Set<String> known) {
        for (Map.Entry<String, JsonNode> field : msg.properties()) {
            String name = field.getKey();
            if (Json.absent(field.getValue())) {
                continue;
            }
            if (name.equals("name")) {
                policy.unsupported(path + ".name", "Anthropic messages have no participant name: put it in the "
                        + "message text if it matters.");
            } else if (name.equals("annotations")) {
                policy.unsupported(path + ".annotations", "Annotations are not sent to Anthropic: omit them.");
            } else if (name.equals("function_call") || name.equals("audio")) {
                throw TranslationException.badRequest(path + "." + name, "Message field '" + name
                        + "' cannot be translated to Anthropic: use tool_calls and text content.");
            } else if (!known.contains(name)) {
                policy.unsupported(path + "." + name, "Message field '" + name + "' has no Anthropic "
                        + "equivalent: remove it.");
            }
        }
    }

    /** Content of system/developer (and the text of tool) messages: a string or text parts. */
    private static List<ObjectNode> textOnly(JsonNode content, String path, String role) {
        List<ObjectNode> blocks = new ArrayList<>();
        if (content != null && content.isTextual()) {
            addText(blocks, content.asText());
        } else if (content != null && content.isArray()) {
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                if (!"text".equals(Json.text(part, "type")) || Json.text(part, "text") == null) {
                    throw TranslationException.badRequest(path + "[" + j + "]", "Only text parts are allowed in "
                            + role + " messages.");
                }
                int before = blocks.size();
                addText(blocks, part.get("text").asText());
                if (blocks.size() > before) {
                    marked(blocks.get(blocks.size() - 1), part);
                }
            }
        } else {
            throw TranslationException.badRequest(path, "'content' must be a string or an array of text parts.");
        }
        return blocks;
    }

    /** A part's prompt-cache breakpoint on the block made of it (Anthropic's {@code cache_control}). */
    private static ObjectNode marked(ObjectNode block, JsonNode part) {
        ObjectNode marker = CacheMarkers.of(part);
        if (marker != null) {
            block.set(CacheMarkers.FIELD, marker);
        }
        return block;
    }

    private static void addText(List<ObjectNode> blocks, String text) {
        if (!text.isEmpty()) { // Anthropic rejects empty text blocks
            ObjectNode block = Json.object();
            block.put("type", "text");
            block.put("text", text);
            blocks.add(block);
        }
    }

    private ArrayNode userContent(JsonNode content, String path) {
        ArrayNode blocks = Json.array();
        if (content != null && content.isTextual()) {
            addText(blocks, content.asText());
            return blocks;
        }
        if (content == null || !content.isArray()) {
            throw TranslationException.badRequest(path, "'content' must be a string or an array of content parts.");
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String pp = path + "[" + j + "]";
            String type = Json.text(part, "type");
            if ("text".equals(type) && Json.text(part, "text") != null) {
                int before = blocks.size();
                addText(blocks, part.get("text").asText());
                if (blocks.size() > before) {
                    marked((ObjectNode) blocks.get(blocks.size() - 1), part);
                }
            } else if ("image_url".equals(type)) {
                blocks.add(marked(image(part.get("image_url"), pp), part));
            } else {
                throw TranslationException.badRequest(pp, "Content part of type '" + type + "' cannot be sent to "
                        + "Anthropic models through this API: only text and image_url parts are translated.");
            }
        }
        return blocks;
    }

    private static void addText(ArrayNode blocks, String text) {
        if (!text.isEmpty()) {
            blocks.addObject().put("type", "text").put("text", text);
        }
    }

    private ObjectNode image(JsonNode imageUrl, String path) {
        String url = Json.text(imageUrl, "url");
        if (url == null) {
            throw TranslationException.badRequest(path + ".image_url.url", "An image_url part needs a 'url'.");
        }
        String detail = Json.text(imageUrl, "detail");
        if (detail != null && !detail.equals("auto")) {
            policy.unsupported(path + ".image_url.detail", "Anthropic has no image detail level: omit it or use "
                    + "'auto'.");
        }
        ObjectNode block = Json.object();
        block.put("type", "image");
        ObjectNode source = block.putObject("source");
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            String meta = comma < 0 ? "" : url.substring(5, comma);
            if (comma < 0 || !meta.endsWith(";base64")) {
                throw TranslationException.badRequest(path + ".image_url.url", "Data URLs must be base64 encoded: "
                        + "data:<media type>;base64,<data>.");
            }
            String mediaType = meta.substring(0, meta.length() - ";base64".length()).toLowerCase();
            if (!IMAGE_MEDIA_TYPES.contains(mediaType)) {
                throw TranslationException.badRequest(path + ".image_url.url", "Anthropic accepts image/jpeg, "
                        + "image/png, image/gif and image/webp images, not '" + mediaType + "'.");
            }
            source.put("type", "base64");
            source.put("media_type", mediaType);
            source.put("data", url.substring(comma + 1));
        } else if (url.startsWith("https://") || url.startsWith("http://")) {
            source.put("type", "url");
            source.put("url", url);
        } else {
            throw TranslationException.badRequest(path + ".image_url.url", "Image URLs must be http(s) URLs or "
                    + "base64 data URLs.");
        }
        return block;
    }

    private ArrayNode assistantContent(JsonNode msg, String path) {
        ArrayNode blocks = Json.array();
        JsonNode content = msg.get("content");
        if (content != null && content.isTextual()) {
            addText(blocks, content.asText());
        } else if (content != null && content.isArray()) {
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                String type = Json.text(part, "type");
                if ("text".equals(type) && Json.text(part, "text") != null) {
                    int before = blocks.size();
                    addText(blocks, part.get("text").asText());
                    if (blocks.size() > before) {
                        marked((ObjectNode) blocks.get(blocks.size() - 1), part);
                    }
                } else if ("refusal".equals(type) && Json.text(part, "refusal") != null) {
                    addText(blocks, part.get("refusal").asText());
                } else {
                    throw TranslationException.badRequest(path + ".content[" + j + "]", "Assistant content parts "
                            + "must be of type text or refusal.");
                }
            }
        } else if (content != null && !content.isNull()) {
            throw TranslationException.badRequest(path + ".content", "'content' must be a string, an array of "
                    + "parts or null.");
        }
        String refusal = Json.text(msg, "refusal");
        if (refusal != null) {
            addText(blocks, refusal);
        }
        JsonNode toolCalls = msg.get("tool_calls");
        if (toolCalls != null && toolCalls.isArray()) {
            for (int k = 0; k < toolCalls.size(); k++) {
                blocks.add(toolUse(toolCalls.get(k), path + ".tool_calls[" + k + "]"));
            }
        }
        return blocks;
    }

    private static ObjectNode toolUse(JsonNode call, String path) {
        if (!"function".equals(Json.text(call, "type")) && call.has("type")) {
            throw TranslationException.badRequest(path + ".type", "Only function tool calls can be translated to "
                    + "Anthropic.");
        }
        JsonNode fn = call.get("function");
        String id = Json.text(call, "id");
        String name = Json.text(fn, "name");
        if (id == null || name == null) {
            throw TranslationException.badRequest(path, "A tool call needs an 'id' and a 'function.name'.");
        }
        ObjectNode block = Json.object();
        block.put("type", "tool_use");
        block.put("id", id);
        block.put("name", name);
        block.set("input", arguments(Json.text(fn, "arguments"), path + ".function.arguments"));
        return block;
    }

    /** Tool call arguments (a JSON text) to an Anthropic tool input (a JSON object). */
    static ObjectNode arguments(String arguments, String path) {
        if (arguments == null || arguments.isBlank()) {
            return Json.object();
        }
        JsonNode parsed = Json.parse(arguments);
        if (parsed == null || !parsed.isObject()) {
            throw TranslationException.badRequest(path, "Tool call arguments must be a JSON object to be sent to "
                    + "Anthropic.");
        }
        return (ObjectNode) parsed;
    }

    private static ObjectNode toolResult(JsonNode msg, String path) {
        String id = Json.text(msg, "tool_call_id");
        if (id == null) {
            throw TranslationException.badRequest(path + ".tool_call_id", "A tool message needs a 'tool_call_id'.");
        }
        ObjectNode block = Json.object();
        block.put("type", "tool_result");
        block.put("tool_use_id", id);
        JsonNode content = msg.get("content");
        if (content != null && content.isTextual()) {
            block.put("content", content.asText());
        } else {
            ArrayNode parts = block.putArray("content");
            parts.addAll(textOnly(content, path + ".content", "tool"));
        }
        return block;
    }

    // ------------------------------------------------------------------------------------------------- tools

    private void tools(ObjectNode req, ObjectNode out) {
        JsonNode tools = req.get("tools");
        ArrayNode outTools = Json.array();
        if (tools != null && tools.isArray()) {
            for (int i = 0; i < tools.size(); i++) {
                JsonNode tool = tools.get(i);
                String p = "tools[" + i + "]";
                if (!"function".equals(Json.text(tool, "type"))) {
                    policy.unsupported(p, "Only function tools can be translated to Anthropic.");
                    continue;
                }
                JsonNode fn = tool.get("function");
                String name = Json.text(fn, "name");
                if (name == null) {
                    throw TranslationException.badRequest(p + ".function.name", "A function tool needs a name.");
                }
                ObjectNode t = outTools.addObject();
                t.put("name", name);
                String description = Json.text(fn, "description");
                if (description != null) {
                    t.put("description", description);
                }
                JsonNode params = fn.get("parameters");
                if (params != null && params.isObject()) {
                    t.set("input_schema", params.deepCopy());
                } else {
                    // OpenAI: omitting 'parameters' defines a function with an empty parameter list.
                    t.putObject("input_schema").put("type", "object").putObject("properties");
                }
                ObjectNode marker = CacheMarkers.of(tool); // on the tool, or in its function (LiteLLM takes both)
                if (marker != null) {
                    t.set(CacheMarkers.FIELD, marker);
                }
                JsonNode strict = fn.get("strict");
                if (strict != null && strict.asBoolean(false)) {
                    policy.unsupported(p + ".function.strict", "Strict schema adherence is not translated to "
                            + "Anthropic: omit it or set it to false.");
                }
            }
        }
        if (outTools.isEmpty()) {
            return; // tool_choice / parallel_tool_calls mean nothing without tools
        }
        out.set("tools", outTools);

        ObjectNode choice = null;
        JsonNode tc = req.get("tool_choice");
        if (tc != null && tc.isTextual()) {
            choice = Json.object();
            switch (tc.asText()) {
                case "auto" -> choice.put("type", "auto");
                case "required" -> choice.put("type", "any");
                case "none" -> choice.put("type", "none");
                default -> throw TranslationException.badRequest("tool_choice", "'tool_choice' must be auto, "
                        + "required, none or a function choice.");
            }
        } else if (tc != null && tc.isObject()) {
            String name = Json.text(tc.get("function"), "name");
            if ("function".equals(Json.text(tc, "type")) && name != null) {
                choice = Json.object();
                choice.put("type", "tool");
                choice.put("name", name);
            } else {
                policy.unsupported("tool_choice", "Only auto, required, none and {\"type\":\"function\", "
                        + "\"function\":{\"name\":...}} can be translated to Anthropic.");
            }
        }
        JsonNode parallel = req.get("parallel_tool_calls");
        if (parallel != null && parallel.isBoolean() && !parallel.asBoolean()) {
            if (choice == null) {
                choice = Json.object();
                choice.put("type", "auto");
            }
            if (!"none".equals(choice.get("type").asText())) {
                choice.put("disable_parallel_tool_use", true);
            }
        }
        if (choice != null) {
            out.set("tool_choice", choice);
        }
    }
}
