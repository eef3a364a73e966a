package dev.tollgate.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.CacheMarkers;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.HubParams;
import dev.tollgate.gateway.provider.TextContent;
import dev.tollgate.gateway.provider.TranslationException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's chat request (the hub) to Bedrock's Converse request, and Converse's answer back. Pure functions.
 *
 * <p>Request (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html): {@code system} and
 * {@code developer} messages become the top-level {@code system} list of text blocks; user and assistant messages keep
 * their role with content blocks ({@code text}; {@code image} with {@code format} and {@code source.bytes}, the
 * base64 of a {@code data:} URL: Bedrock takes bytes or an S3 location, never an http URL, so such a URL is a 400);
 * assistant {@code tool_calls} become {@code toolUse} blocks ({@code toolUseId, name, input} as a JSON object) and
 * {@code tool} messages {@code toolResult} blocks ({@code toolUseId, content: [{text}]}) of a user turn. Consecutive
 * turns of the same role are merged (Converse wants user and assistant to alternate). {@code max_tokens} /
 * {@code max_completion_tokens}, {@code temperature}, {@code top_p} and {@code stop} go to {@code inferenceConfig}
 * ({@code maxTokens, temperature, topP, stopSequences}); {@code top_k}, which Converse does not have, goes to
 * {@code additionalModelRequestFields.top_k} (the model's own field: Claude, Llama and Mistral on Bedrock call it so).
 * {@code tools} become {@code toolConfig.tools[].toolSpec {name, description, inputSchema.json}}; {@code tool_choice}
 * auto / required / a function become {@code {auto:{}}}, {@code {any:{}}}, {@code {tool:{name}}}. Anything else
 * follows the model's unsupported-parameter policy.
 *
 * <p>Response: text blocks joined are the content, {@code toolUse} blocks the tool calls, reasoning blocks are left
 * out (their tokens are in {@code outputTokens}). {@code stopReason}: end_turn and stop_sequence → stop, tool_use →
 * tool_calls, max_tokens and model_context_window_exceeded → length, guardrail_intervened and content_filtered →
 * content_filter. Usage (TokenUsage): {@code inputTokens} counts the uncached prompt, {@code cacheReadInputTokens} and
 * {@code cacheWriteInputTokens} come on top (as Anthropic's), so prompt_tokens is their sum and cached_tokens the
 * cache reads.
 */
final class BedrockConverse {
    private BedrockConverse() {}

    static final String API = "Bedrock's Converse API";

    private static final Map<String, String> ADVICE = Map.of(
            "n", "Converse answers once per request: send n=1 or several requests.",
            "logprobs", "Converse returns no log probabilities: remove 'logprobs'.",
            "top_logprobs", "Converse returns no log probabilities: remove 'top_logprobs'.",
            "logit_bias", "Converse has no logit bias: remove 'logit_bias'.",
            "response_format", "Converse has no JSON mode here: describe the format in the prompt, or use a tool.",
            "frequency_penalty", "Converse has no frequency penalty: remove it.",
            "presence_penalty", "Converse has no presence penalty: remove it.",
            "seed", "Converse takes no seed: remove it.");

    /** The Converse request body for an OpenAI chat request (the model id goes in the URL, not the body). */
    static ObjectNode request(ObjectNode req, ParamPolicy policy) {
        ObjectNode out = Json.object();
        ObjectNode inference = Json.object();
        for (Map.Entry<String, JsonNode> field : req.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (Json.absent(value)) {
                continue;
            }
            switch (name) {
                case "model", "messages", "stream", "stream_options", "tools", "tool_choice", "cache_control" -> {
                    // below, or not for the body (ConverseStream is another URL)
                }
                case "max_tokens", "max_completion_tokens" -> inference.put("maxTokens", HubParams.integer(name, value));
                case "temperature" -> inference.set("temperature", HubParams.number(name, value));
                case "top_p" -> inference.set("topP", HubParams.number(name, value));
                case "stop" -> {
                    ArrayNode stops = HubParams.stop(value);
                    if (!stops.isEmpty()) {
                        inference.set("stopSequences", stops);
                    }
                }
                case "top_k" -> out.putObject("additionalModelRequestFields").put("top_k", HubParams.integer(name, value));
                case "user", "safety_identifier", "prompt_cache_key", "metadata", "store" -> {
                    // about the caller, not the answer: nothing to tell Bedrock
                }
                default -> {
                    if (!isNoOp(name, value)) {
                        policy.unsupported(name, ADVICE.getOrDefault(name,
                                "It has no Converse equivalent: remove it from the request."));
                    }
                }
            }
        }
        messages(req.get("messages"), out, policy);
        ObjectNode automatic = CacheMarkers.of(req);
        if (automatic != null) {
            // Anthropic's automatic caching (a breakpoint on the last cacheable block): after the last turn's content
            ArrayNode last = lastContent((ArrayNode) out.get("messages"));
            if (!last.get(last.size() - 1).has("cachePoint")) {
                last.add(CacheMarkers.cachePoint(automatic));
            }
        }
        if (!inference.isEmpty()) {
            out.set("inferenceConfig", inference);
        }
        tools(req, out, policy);
        return out;
    }

    /**
     * Whether Bedrock caches prompts for this model (https://docs.aws.amazon.com/bedrock/latest/userguide/
     * prompt-caching.html: Anthropic's Claude and Amazon's Nova models): only they are sent {@code cachePoint} blocks.
     */
    static boolean caches(String modelId) {
        String base = BedrockInvokeModels.baseName(modelId);
        return base.startsWith("anthropic.claude") || base.startsWith("amazon.nova");
    }

    private static boolean isNoOp(String name, JsonNode value) {
        return switch (name) {
            case "n" -> value.isNumber() && value.asInt() == 1;
            case "logprobs" -> value.isBoolean() && !value.asBoolean();
            case "top_logprobs" -> value.isNumber() && value.asInt() == 0;
            case "parallel_tool_calls" -> value.isBoolean() && value.asBoolean();
            case "response_format" -> "text".equals(Json.text(value, "type"));
            case "modalities" -> value.isArray() && value.size() == 1 && "text".equals(value.get(0).asText());
            default -> false;
        };
    }

    // ---- messages --------------------------------------------------------------------------------------------

    private static void messages(JsonNode messages, ObjectNode out, ParamPolicy policy) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw TranslationException.badRequest("messages", "'messages' must be a non-empty array.");
        }
        ArrayNode system = Json.array();
        ArrayNode turns = out.putArray("messages");
        int i = 0;
        for (JsonNode msg : messages) {
            String path = "messages[" + i++ + "]";
            String role = Json.text(msg, "role");
            if (role == null) {
                throw TranslationException.badRequest(path + ".role", "Every message needs a 'role'.");
            }
            switch (role) {
                case "system", "developer" -> {
                    fields(msg, path, Set.of("role", "content", "name", CacheMarkers.FIELD), policy);
                    ArrayNode blocks = markedText(msg, path);
                    cachePointAfter(blocks, msg);
                    system.addAll(blocks);
                }
                case "user" -> {
                    fields(msg, path, Set.of("role", "content", "name", CacheMarkers.FIELD), policy);
                    ArrayNode blocks = userContent(msg.get("content"), path);
                    cachePointAfter(blocks, msg);
                    append(turns, "user", blocks);
                }
                case "assistant" -> {
                    fields(msg, path, Set.of("role", "content", "name", "tool_calls", "refusal", "annotations",
                            CacheMarkers.FIELD), policy);
                    ArrayNode blocks = markedText(msg, path);
                    int j = 0;
                    for (JsonNode tc : msg.path("tool_calls")) {
                        String p = path + ".tool_calls[" + j++ + "]";
                        if (tc.has("type") && !"function".equals(Json.text(tc, "type"))) {
                            throw TranslationException.badRequest(p + ".type", "Only function tool calls can be sent "
                                    + "to Bedrock.");
                        }
                        ObjectNode use = blocks.addObject().putObject("toolUse");
                        use.put("toolUseId", required(tc, "id", p));
                        use.put("name", required(tc.path("function"), "name", p + ".function"));
                        use.set("input", arguments(tc.path("function").path("arguments"), p + ".function.arguments"));
                    }
                    if (blocks.isEmpty()) {
                        blocks.addObject().put("text", " "); // Converse refuses an empty turn; a blank keeps the order
                    }
                    cachePointAfter(blocks, msg);
                    append(turns, "assistant", blocks);
                }
                case "tool" -> {
                    fields(msg, path, Set.of("role", "content", "tool_call_id", "name", CacheMarkers.FIELD), policy);
                    ObjectNode result = Json.object();
                    ObjectNode tr = result.putObject("toolResult");
                    tr.put("toolUseId", required(msg, "tool_call_id", path));
                    tr.putArray("content").addObject().put("text", TextContent.of(msg.get("content"), path, "Bedrock"));
                    ArrayNode blocks = Json.array().add(result);
                    cachePointAfter(blocks, msg);
                    append(turns, "user", blocks);
                }
                default -> throw TranslationException.badRequest(path + ".role", "Role '" + role + "' cannot be sent "
                        + "to Bedrock: use system, developer, user, assistant or tool.");
            }
        }
        if (!system.isEmpty()) {
            out.set("system", system);
        }
        if (turns.isEmpty()) {
            throw TranslationException.badRequest("messages", "Bedrock needs at least one user message besides the "
                    + "system prompt.");
        }
    }

    /**
     * The text of a system or assistant message as Converse text blocks: one block (the parts joined), or, when a part
     * carries a prompt-cache breakpoint, one block per part with a {@code cachePoint} after each marked one.
     */
    private static ArrayNode markedText(JsonNode msg, String path) {
        ArrayNode blocks = Json.array();
        JsonNode content = msg.get("content");
        boolean partMarked = false;
        if (content != null && content.isArray()) {
            for (JsonNode part : content) {
                partMarked |= part.has(CacheMarkers.FIELD);
            }
        }
        if (!partMarked) {
            String text = TextContent.of(content, path, "Bedrock");
            if (!text.isEmpty()) {
                blocks.addObject().put("text", text);
            }
            return blocks;
        }
        TextContent.of(content, path, "Bedrock"); // the same checks: text parts only
        for (JsonNode part : content) {
            String text = part.path("text").asText("");
            if (!text.isEmpty()) {
                blocks.addObject().put("text", text);
            }
            ObjectNode marker = CacheMarkers.of(part);
            if (marker != null && !blocks.isEmpty()) {
                blocks.add(CacheMarkers.cachePoint(marker));
            }
        }
        return blocks;
    }

    /** A breakpoint on the whole message: a {@code cachePoint} after its last block (Converse's form). */
    private static void cachePointAfter(ArrayNode blocks, JsonNode msg) {
        ObjectNode marker = msg.isObject() && msg.get(CacheMarkers.FIELD) != null && msg.get(CacheMarkers.FIELD).isObject()
                ? (ObjectNode) msg.get(CacheMarkers.FIELD) : null;
        if (marker != null && !blocks.isEmpty() && !blocks.get(blocks.size() - 1).has("cachePoint")) {
            blocks.add(CacheMarkers.cachePoint(marker));
        }
    }

    private static ArrayNode lastContent(ArrayNode turns) {
        return (ArrayNode) turns.get(turns.size() - 1).get("content");
    }

    /** Adds a turn, or its blocks to the last turn when that has the same role. */
    private static void append(ArrayNode turns, String role, ArrayNode blocks) {
        if (!turns.isEmpty()) {
            ObjectNode last = (ObjectNode) turns.get(turns.size() - 1);
            if (role.equals(last.path("role").asText())) {
                ((ArrayNode) last.get("content")).addAll(blocks);
                return;
            }
        }
        ObjectNode turn = turns.addObject();
        turn.put("role", role);
        turn.set("content", blocks);
    }

    private static void fields(JsonNode msg, String path, Set<String> known, ParamPolicy policy) {
        for (Map.Entry<String, JsonNode> f : msg.properties()) {
            if (!known.contains(f.getKey()) && !Json.absent(f.getValue())) {
                policy.unsupported(path + "." + f.getKey(), "Message field '" + f.getKey() + "' has no Converse "
                        + "equivalent: remove it.");
            }
        }
        if (!"tool".equals(Json.text(msg, "role")) && !Json.absent(msg.get("name"))) {
            policy.unsupported(path + ".name", "Converse messages have no participant name: put it in the content.");
        }
    }

    private static String required(JsonNode node, String field, String path) {
        String v = Json.text(node, field);
        if (v == null) {
            throw TranslationException.badRequest(path + "." + field, "'" + field + "' is required here.");
        }
        return v;
    }

    /** A tool call's arguments (a JSON text, as OpenAI sends them) as the JSON object Converse wants. */
    private static JsonNode arguments(JsonNode args, String path) {
        if (Json.absent(args) || args.isTextual() && args.asText().isBlank()) {
            return Json.object();
        }
        JsonNode parsed = args.isTextual() ? Json.parse(args.asText()) : args;
        if (parsed == null || !parsed.isObject()) {
            throw TranslationException.badRequest(path, "Tool call arguments must be a JSON object for Bedrock.");
        }
        return parsed.deepCopy();
    }

    private static ArrayNode userContent(JsonNode content, String path) {
        ArrayNode out = Json.array();
        if (Json.absent(content) || content.isTextual()) {
            String text = Json.absent(content) ? "" : content.asText();
            out.addObject().put("text", text.isEmpty() ? " " : text);
            return out;
        }
        if (!content.isArray()) {
            throw TranslationException.badRequest(path + ".content", "'content' must be a string or an array of parts.");
        }
        int j = 0;
        for (JsonNode part : content) {
            String p = path + ".content[" + j++ + "]";
            String type = Json.text(part, "type");
            if ("text".equals(type)) {
                out.addObject().put("text", part.path("text").asText(""));
            } else if ("image_url".equals(type)) {
                JsonNode img = part.get("image_url");
                String url = img != null && img.isTextual() ? img.asText() : Json.text(img, "url");
                out.add(image(url, p + ".image_url.url"));
            } else {
                throw TranslationException.badRequest(p, "Content of type '" + type + "' cannot be sent to Bedrock: "
                        + "send text and image_url parts only.");
            }
            ObjectNode marker = CacheMarkers.of(part);
            if (marker != null) {
                out.add(CacheMarkers.cachePoint(marker)); // Converse's breakpoint: a block of its own, after the part
            }
        }
        if (out.isEmpty()) {
            throw TranslationException.badRequest(path + ".content", "A user message needs at least one part.");
        }
        return out;
    }

    /** {@code data:image/<format>;base64,<data>} as an image block; Bedrock takes png, jpeg, gif and webp. */
    static ObjectNode image(String url, String param) {
        if (url == null || !url.startsWith("data:")) {
            throw TranslationException.badRequest(param, "Bedrock takes images as bytes, not URLs: send the image "
                    + "inline as a data URL (data:image/png;base64,...).");
        }
        int comma = url.indexOf(',');
        String head = comma < 0 ? "" : url.substring("data:".length(), comma).toLowerCase(Locale.ROOT);
        if (comma < 0 || !head.endsWith(";base64") || !head.startsWith("image/")) {
            throw TranslationException.badRequest(param, "An image data URL must be data:image/<format>;base64,<data>.");
        }
        String format = head.substring("image/".length(), head.length() - ";base64".length());
        if (format.equals("jpg")) {
            format = "jpeg";
        }
        if (!Set.of("png", "jpeg", "gif", "webp").contains(format)) {
            throw TranslationException.badRequest(param, "Bedrock takes png, jpeg, gif and webp images, not image/"
                    + format + ".");
        }
        ObjectNode block = Json.object();
        ObjectNode image = block.putObject("image");
        image.put("format", format);
        image.putObject("source").put("bytes", url.substring(comma + 1)); // base64 in JSON, as the API wants it
        return block;
    }

    // ---- tools -----------------------------------------------------------------------------------------------

    private static void tools(ObjectNode req, ObjectNode out, ParamPolicy policy) {
        JsonNode tools = req.get("tools");
        if (Json.absent(tools)) {
            if (!Json.absent(req.get("tool_choice"))) {
                String c = req.get("tool_choice").isTextual() ? req.get("tool_choice").asText() : "";
                if (!c.equals("none") && !c.equals("auto")) {
                    throw TranslationException.badRequest("tool_choice", "tool_choice needs tools.");
                }
            }
            return;
        }
        if (!tools.isArray()) {
            throw TranslationException.badRequest("tools", "'tools' must be an array.");
        }
        ArrayNode list = Json.array();
        int i = 0;
        for (JsonNode t : tools) {
            String p = "tools[" + i++ + "]";
            if (!"function".equals(Json.text(t, "type"))) {
                policy.unsupported(p, "Only function tools can be sent to Bedrock.");
                continue;
            }
            JsonNode fn = t.path("function");
            ObjectNode spec = list.addObject().putObject("toolSpec");
            spec.put("name", required(fn, "name", p + ".function"));
            if (fn.path("description").isTextual() && !fn.get("description").asText().isEmpty()) {
                spec.put("description", fn.get("description").asText());
            }
            spec.putObject("inputSchema").set("json", fn.path("parameters").isObject() ? fn.get("parameters").deepCopy()
                    : Json.object().put("type", "object").set("properties", Json.object()));
            ObjectNode marker = CacheMarkers.of(t);
            if (marker != null) {
                list.add(CacheMarkers.cachePoint(marker)); // a Tool of its own in toolConfig.tools, after the tool
            }
        }
        if (list.isEmpty()) {
            return;
        }
        ObjectNode config = out.putObject("toolConfig");
        config.set("tools", list);
        JsonNode choice = req.get("tool_choice");
        if (Json.absent(choice)) {
            return;
        }
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto" -> config.putObject("toolChoice").putObject("auto");
                case "required" -> config.putObject("toolChoice").putObject("any");
                case "none" -> policy.unsupported("tool_choice", "Converse cannot be told not to call the tools it is "
                        + "offered: leave out 'tools' instead of sending tool_choice \"none\".");
                default -> throw TranslationException.badRequest("tool_choice", "tool_choice must be auto, required, "
                        + "none or a function.");
            }
            return;
        }
        String name = choice.path("function").path("name").asText(null);
        if (name == null) {
            throw TranslationException.badRequest("tool_choice", "tool_choice must name a function.");
        }
        config.putObject("toolChoice").putObject("tool").put("name", name);
    }

    // ---- the answer ------------------------------------------------------------------------------------------

    /** Bedrock's stopReason as OpenAI's finish_reason. */
    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return "stop";
        }
        return switch (stopReason) {
            case "tool_use" -> "tool_calls";
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "guardrail_intervened", "content_filtered" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence
        };
    }

    /** Converse's {@code usage} (TokenUsage) in the hub's decomposition; null when absent. */
    static TokenUsage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        return new TokenUsage(Json.longValue(usage, "inputTokens"), Json.longValue(usage, "outputTokens"),
                Json.longValue(usage, "cacheWriteInputTokens"), Json.longValue(usage, "cacheReadInputTokens"));
    }

    /** A Converse answer as a {@code chat.completion}. */
    static ObjectNode response(JsonNode body, String id, String model, long created) {
        JsonNode message = body.path("output").path("message");
        if (!message.isObject()) {
            throw TranslationException.badUpstream("Bedrock answered without output.message");
        }
        StringBuilder text = new StringBuilder();
        boolean anyText = false;
        ArrayNode calls = Json.array();
        for (JsonNode block : message.path("content")) {
            if (block.path("text").isTextual()) {
                text.append(block.get("text").asText());
                anyText = true;
            } else if (block.path("toolUse").isObject()) {
                JsonNode use = block.get("toolUse");
                ObjectNode call = calls.addObject();
                call.put("id", use.path("toolUseId").asText(""));
                call.put("type", "function");
                call.putObject("function").put("name", use.path("name").asText(""))
                        .put("arguments", Json.write(use.path("input").isMissingNode() ? Json.object() : use.get("input")));
            }
            // reasoningContent, citations, images: not part of an OpenAI answer's content
        }
        ObjectNode out = Json.object();
        out.put("id", id);
        out.put("object", "chat.completion");
        out.put("created", created);
        out.put("model", model);
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode msg = choice.putObject("message");
        msg.put("role", "assistant");
        if (anyText || calls.isEmpty()) {
            msg.put("content", text.toString());
        } else {
            msg.putNull("content");
        }
        msg.putNull("refusal");
        if (!calls.isEmpty()) {
            msg.set("tool_calls", calls);
        }
        choice.putNull("logprobs");
        String finish = finishReason(body.path("stopReason").asText(null));
        choice.put("finish_reason", !calls.isEmpty() && "stop".equals(finish) ? "tool_calls" : finish);
        TokenUsage usage = usage(body.get("usage"));
        if (usage != null) {
            out.set("usage", usage.toOpenAi());
        }
        return out;
    }
}
