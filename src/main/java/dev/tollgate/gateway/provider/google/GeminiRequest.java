package dev.tollgate.gateway.provider.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TextContent;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.Translated;
import dev.tollgate.gateway.provider.UnsupportedParams;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * OpenAI request bodies ({@code /v1/chat/completions}, {@code /v1/embeddings}) as Gemini API requests
 * (https://ai.google.dev/api/generate-content, https://ai.google.dev/api/embeddings). Pure functions on Jackson
 * trees; the input is never changed.
 *
 * <h2>Chat</h2>
 * <ul>
 *   <li>{@code system} and {@code developer} messages, wherever they stand, become {@code systemInstruction} (one text
 *       part each, in order). {@code user} becomes role {@code user}, {@code assistant} role {@code model}; {@code tool}
 *       messages become {@code functionResponse} parts of a {@code user} turn. Consecutive turns of the same role are
 *       merged into one, as Gemini expects alternating turns.</li>
 *   <li>Assistant {@code tool_calls} become {@code functionCall} parts ({@code args} parsed from the arguments text),
 *       with the thought signature and Gemini call id that {@link ToolCallIds} keeps in the tool call's id (or, as
 *       Google's OpenAI-compatible endpoint documents it, in {@code extra_content.google.thought_signature}). An
 *       assistant turn whose calls carry no signature (a conversation begun on another model) gets the placeholder
 *       {@code skip_thought_signature_validator} on its first call, which the thought-signatures guide documents for
 *       that case. A {@code tool} message is matched to its call by {@code tool_call_id} to get the function name
 *       Gemini matches by; its content becomes {@code response} (a JSON object text as that object, anything else as
 *       {@code {"output": text}}).</li>
 *   <li>Content parts: text; {@code image_url} with a {@code data:<type>;base64,} URL, {@code input_audio} and
 *       {@code file} with a data URL become {@code inlineData}. An http(s) image URL is a 400 naming the part: the
 *       gateway does not fetch URLs for a provider (no server-side request forgery, no hidden latency), so the client
 *       sends the image as a data URL.</li>
 *   <li>{@code temperature}, {@code top_p}, {@code max_completion_tokens} (else {@code max_tokens}) →
 *       {@code maxOutputTokens}, {@code stop} → {@code stopSequences}, {@code n} → {@code candidateCount},
 *       {@code seed}, {@code presence_penalty}, {@code frequency_penalty} go to {@code generationConfig};
 *       {@code response_format} {@code json_object} → {@code responseMimeType: application/json}, {@code json_schema}
 *       → that and {@code responseJsonSchema} ({@link GeminiSchema}); {@code reasoning_effort} →
 *       {@code thinkingConfig}: {@code thinkingBudget} 0 / 1024 / 1024 / 8192 / 24576 for none / minimal / low / medium
 *       / high on Gemini 1.x and 2.x models (the budgets Google's OpenAI-compatible endpoint uses), {@code thinkingLevel}
 *       on later ones.</li>
 *   <li>Function tools → {@code functionDeclarations} with {@code parametersJsonSchema}; {@code tool_choice} auto /
 *       none / required / a named function → {@code functionCallingConfig.mode} AUTO / NONE / ANY / ANY with
 *       {@code allowedFunctionNames}.</li>
 *   <li>Everything else (message {@code name}s, image {@code detail}, {@code logprobs}, {@code user},
 *       {@code parallel_tool_calls: false}, strict functions, unknown parameters …) goes through the model's
 *       unsupported-parameter policy.</li>
 * </ul>
 */
final class GeminiRequest {
    /** The placeholder signature for function calls Gemini did not make (see the thought-signatures guide). */
    static final String SKIP_SIGNATURE = "skip_thought_signature_validator";
    static final String TARGET = "Gemini models";

    private final ParamPolicy policy;
    private final String upstreamModel;

    private GeminiRequest(UnsupportedParams policy, String upstreamModel) {
        this.policy = new ParamPolicy(policy, TARGET);
        this.upstreamModel = upstreamModel;
    }

    /** A chat completion request as a {@code GenerateContentRequest} (the model goes in the URL). */
    static Translated chat(ObjectNode req, String upstreamModel, UnsupportedParams policy) {
        GeminiRequest t = new GeminiRequest(policy, upstreamModel);
        ObjectNode body = t.chat(req);
        return new Translated(body, t.policy.dropped());
    }

    private ObjectNode chat(ObjectNode req) {
        for (Map.Entry<String, JsonNode> field : req.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            switch (name) {
                case "model", "messages", "stream", "stream_options", "temperature", "top_p", "max_tokens",
                     "max_completion_tokens", "stop", "n", "seed", "presence_penalty", "frequency_penalty",
                     "response_format", "reasoning_effort", "tools", "tool_choice" -> {
                    // mapped below
                }
                case "parallel_tool_calls" -> {
                    if (value.isBoolean() && !value.asBoolean()) {
                        policy.unsupported(name, "Gemini may always call several functions at once: omit it.");
                    }
                }
                default -> {
                    if (!isNoOp(name, value)) {
                        policy.unsupported(name, "It has no Gemini equivalent: remove it from the request.");
                    }
                }
            }
        }
        ObjectNode out = Json.object();
        ArrayNode system = Json.array();
        out.set("contents", contents(req.get("messages"), system));
        if (!system.isEmpty()) {
            out.putObject("systemInstruction").set("parts", system);
        }
        tools(req, out);
        ObjectNode config = generationConfig(req);
        if (!config.isEmpty()) {
            out.set("generationConfig", config);
        }
        return out;
    }

    private static boolean isNoOp(String name, JsonNode value) {
        if (Json.absent(value)) {
            return true;
        }
        return switch (name) {
            case "logprobs", "store" -> value.isBoolean() && !value.asBoolean();
            case "top_logprobs" -> value.isNumber() && value.asInt() == 0;
            case "modalities" -> value.isArray() && value.size() == 1 && "text".equals(value.get(0).asText());
            default -> false;
        };
    }

    // ------------------------------------------------------------------------------------------------ contents

    private ArrayNode contents(JsonNode messages, ArrayNode system) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw TranslationException.badRequest("messages", "'messages' must be a non-empty array.");
        }
        Map<String, String> callNames = new HashMap<>();
        ArrayNode contents = Json.array();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode msg = messages.get(i);
            String p = "messages[" + i + "]";
            String role = Json.text(msg, "role");
            if (role == null) {
                throw TranslationException.badRequest(p + ".role", "Every message needs a 'role'.");
            }
            if (msg.hasNonNull("name")) {
                policy.unsupported(p + ".name", "Gemini turns have no participant name: put it in the content.");
            }
            switch (role) {
                case "system", "developer" -> {
                    String text = TextContent.of(msg.get("content"), p, "Gemini");
                    if (!text.isEmpty()) {
                        system.addObject().put("text", text);
                    }
                }
                case "user" -> append(contents, "user", userParts(msg.get("content"), p));
                case "assistant" -> append(contents, "model", assistantParts(msg, p, callNames));
                case "tool" -> append(contents, "user", toolResponse(msg, p, callNames));
                default -> throw TranslationException.badRequest(p + ".role", "Role '" + role + "' cannot be sent to "
                        + TARGET + ": use system, developer, user, assistant or tool.");
            }
        }
        if (contents.isEmpty()) {
            throw TranslationException.badRequest("messages", "Gemini needs at least one user or assistant message "
                    + "besides the system messages.");
        }
        return contents;
    }

    /** Adds parts as a turn, merged into the previous turn when that has the same role. */
    private static void append(ArrayNode contents, String role, ArrayNode parts) {
        if (parts.isEmpty()) {
            return;
        }
        JsonNode last = contents.isEmpty() ? null : contents.get(contents.size() - 1);
        if (last != null && role.equals(last.path("role").asText())) {
            ((ArrayNode) last.get("parts")).addAll(parts);
            return;
        }
        ObjectNode turn = contents.addObject();
        turn.put("role", role);
        turn.set("parts", parts);
    }

    private ArrayNode userParts(JsonNode content, String p) {
        ArrayNode parts = Json.array();
        if (content == null || content.isNull()) {
            throw TranslationException.badRequest(p + ".content", "A user message needs 'content'.");
        }
        if (content.isTextual()) {
            if (!content.asText().isEmpty()) { // Gemini refuses an empty text part
                parts.addObject().put("text", content.asText());
            }
            return parts;
        }
        if (!content.isArray()) {
            throw TranslationException.badRequest(p + ".content", "'content' must be a string or an array of parts.");
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String pp = p + ".content[" + j + "]";
            String type = Json.text(part, "type");
            if ("text".equals(type)) {
                if (!part.path("text").asText("").isEmpty()) {
                    parts.addObject().put("text", part.path("text").asText(""));
                }
            } else if ("image_url".equals(type)) {
                parts.add(image(part.get("image_url"), pp));
            } else if ("input_audio".equals(type)) {
                parts.add(audio(part.get("input_audio"), pp));
            } else if ("file".equals(type)) {
                parts.add(file(part.get("file"), pp));
            } else {
                throw TranslationException.badRequest(pp + ".type", "Content part type '" + type + "' cannot be sent "
                        + "to " + TARGET + ": send text, image_url, input_audio or file parts.");
            }
        }
        return parts;
    }

    private ObjectNode image(JsonNode imageUrl, String pp) {
        String url = Json.text(imageUrl, "url");
        if (url == null) {
            throw TranslationException.badRequest(pp + ".image_url", "An image_url part needs a 'url'.");
        }
        String detail = Json.text(imageUrl, "detail");
        if (detail != null && !"auto".equals(detail)) {
            policy.unsupported(pp + ".image_url.detail", "Gemini has no image detail level: omit it or use 'auto'.");
        }
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            throw TranslationException.badRequest(pp + ".image_url", "This gateway does not fetch image URLs for "
                    + TARGET + ": send the image inline as a data URL (data:image/png;base64,...).");
        }
        return inline(url, pp + ".image_url");
    }

    private static ObjectNode audio(JsonNode audio, String pp) {
        String data = Json.text(audio, "data");
        String format = Json.text(audio, "format");
        if (data == null || format == null) {
            throw TranslationException.badRequest(pp + ".input_audio", "An input_audio part needs 'data' and 'format'.");
        }
        ObjectNode part = Json.object();
        part.putObject("inlineData").put("mimeType", "audio/" + format.toLowerCase(Locale.ROOT)).put("data", data);
        return part;
    }

    private static ObjectNode file(JsonNode file, String pp) {
        String data = Json.text(file, "file_data");
        if (data == null) {
            throw TranslationException.badRequest(pp + ".file", "Only files sent inline ('file_data' as a data URL) "
                    + "can be sent to " + TARGET + ": uploaded file ids are OpenAI's.");
        }
        return inline(data, pp + ".file.file_data");
    }

    /** {@code data:<type>;base64,<data>} as an {@code inlineData} part. */
    private static ObjectNode inline(String url, String param) {
        int comma = url.indexOf(',');
        String head = comma < 0 ? "" : url.substring(0, comma);
        if (!url.startsWith("data:") || !head.endsWith(";base64") || head.length() <= "data:;base64".length()) {
            throw TranslationException.badRequest(param, "Send the content as a base64 data URL: "
                    + "data:<media type>;base64,<data>.");
        }
        ObjectNode part = Json.object();
        part.putObject("inlineData").put("mimeType", head.substring(5, head.length() - 7))
                .put("data", url.substring(comma + 1));
        return part;
    }

    private ArrayNode assistantParts(JsonNode msg, String p, Map<String, String> callNames) {
        ArrayNode parts = Json.array();
        JsonNode content = msg.get("content");
        if (content != null && content.isTextual() && !content.asText().isEmpty()) {
            parts.addObject().put("text", content.asText());
        } else if (content != null && content.isArray()) {
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                String type = Json.text(part, "type");
                String text = "refusal".equals(type) ? Json.text(part, "refusal") : Json.text(part, "text");
                if (!"text".equals(type) && !"refusal".equals(type)) {
                    throw TranslationException.badRequest(p + ".content[" + j + "]", "Assistant content parts must "
                            + "be text or refusal.");
                }
                if (text != null && !text.isEmpty()) {
                    parts.addObject().put("text", text);
                }
            }
        }
        String refusal = Json.text(msg, "refusal");
        if (refusal != null && !refusal.isEmpty() && parts.isEmpty()) {
            parts.addObject().put("text", refusal);
        }
        if (msg.hasNonNull("function_call")) {
            throw TranslationException.badRequest(p + ".function_call", "The deprecated 'function_call' is not "
                    + "translated to " + TARGET + ": send 'tool_calls'.");
        }
        JsonNode calls = msg.get("tool_calls");
        if (calls == null || calls.isNull()) {
            return parts;
        }
        if (!calls.isArray()) {
            throw TranslationException.badRequest(p + ".tool_calls", "'tool_calls' must be an array.");
        }
        ObjectNode first = null;
        boolean signed = false;
        for (int k = 0; k < calls.size(); k++) {
            JsonNode call = calls.get(k);
            String cp = p + ".tool_calls[" + k + "]";
            String name = Json.text(call.path("function"), "name");
            if (name == null) {
                throw TranslationException.badRequest(cp + ".function.name", "A tool call needs a function name.");
            }
            String id = Json.text(call, "id");
            if (id != null) {
                callNames.put(id, name);
            }
            ToolCallIds.Carried carried = ToolCallIds.read(id);
            ObjectNode part = parts.addObject();
            ObjectNode fc = part.putObject("functionCall");
            if (carried.geminiId() != null) {
                fc.put("id", carried.geminiId());
            }
            fc.put("name", name);
            fc.set("args", arguments(call.path("function").get("arguments"), cp));
            String signature = carried.signature() != null ? carried.signature()
                    : Json.text(call.path("extra_content").path("google"), "thought_signature");
            if (signature != null) {
                part.put("thoughtSignature", signature);
                signed = true;
            }
            if (first == null) {
                first = part;
            }
        }
        if (first != null && !signed) {
            first.put("thoughtSignature", SKIP_SIGNATURE);
        }
        return parts;
    }

    private static JsonNode arguments(JsonNode arguments, String cp) {
        if (arguments == null || arguments.isNull() || (arguments.isTextual() && arguments.asText().isBlank())) {
            return Json.object();
        }
        JsonNode parsed = arguments.isTextual() ? Json.parse(arguments.asText()) : arguments;
        if (parsed == null || !parsed.isObject()) {
            throw TranslationException.badRequest(cp + ".function.arguments", "Tool call arguments must be a JSON "
                    + "object (as text) for " + TARGET + ".");
        }
        return parsed.deepCopy();
    }

    private static ArrayNode toolResponse(JsonNode msg, String p, Map<String, String> callNames) {
        String id = Json.text(msg, "tool_call_id");
        String name = id == null ? null : callNames.get(id);
        if (name == null) {
            throw TranslationException.badRequest(p + ".tool_call_id", "A tool message must answer a tool call of "
                    + "an earlier assistant message (its tool_call_id): Gemini matches function responses to their "
                    + "calls by function name.");
        }
        String text = TextContent.of(msg.get("content"), p, "Gemini");
        JsonNode parsed = text.isBlank() ? null : Json.parse(text);
        ObjectNode response;
        if (parsed != null && parsed.isObject()) {
            response = (ObjectNode) parsed;
        } else {
            response = Json.object();
            response.put("output", text);
        }
        ArrayNode parts = Json.array();
        ObjectNode fr = parts.addObject().putObject("functionResponse");
        String geminiId = ToolCallIds.read(id).geminiId();
        if (geminiId != null) {
            fr.put("id", geminiId);
        }
        fr.put("name", name);
        fr.set("response", response);
        return parts;
    }

    // ------------------------------------------------------------------------------------------------ tools

    private void tools(ObjectNode req, ObjectNode out) {
        JsonNode tools = req.get("tools");
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) {
                throw TranslationException.badRequest("tools", "'tools' must be an array.");
            }
            ArrayNode declarations = Json.array();
            for (int i = 0; i < tools.size(); i++) {
                JsonNode tool = tools.get(i);
                String p = "tools[" + i + "]";
                if (!"function".equals(Json.text(tool, "type"))) {
                    policy.unsupported(p, "Only function tools can be sent to " + TARGET + ".");
                    continue;
                }
                JsonNode fn = tool.path("function");
                String name = Json.text(fn, "name");
                if (name == null) {
                    throw TranslationException.badRequest(p + ".function.name", "A function tool needs a name.");
                }
                ObjectNode d = declarations.addObject();
                d.put("name", name);
                if (Json.text(fn, "description") != null) {
                    d.put("description", Json.text(fn, "description"));
                }
                JsonNode params = fn.get("parameters");
                if (params != null && params.isObject() && !params.isEmpty()) {
                    d.set("parametersJsonSchema", GeminiSchema.of(params));
                }
                if (fn.path("strict").asBoolean(false)) {
                    policy.unsupported(p + ".function.strict", "Strict schema adherence is not translated to "
                            + TARGET + ": omit 'strict' (the schema is still sent).");
                }
            }
            if (!declarations.isEmpty()) {
                out.putArray("tools").addObject().set("functionDeclarations", declarations);
            }
        }
        JsonNode choice = req.get("tool_choice");
        if (choice == null || choice.isNull()) {
            return;
        }
        ObjectNode config = Json.object();
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto" -> config.put("mode", "AUTO");
                case "none" -> config.put("mode", "NONE");
                case "required" -> config.put("mode", "ANY");
                default -> throw TranslationException.badRequest("tool_choice", "'tool_choice' must be auto, none, "
                        + "required or a function.");
            }
        } else if ("function".equals(Json.text(choice, "type")) && Json.text(choice.path("function"), "name") != null) {
            config.put("mode", "ANY");
            config.putArray("allowedFunctionNames").add(Json.text(choice.path("function"), "name"));
        } else if ("allowed_tools".equals(Json.text(choice, "type"))
                && "required".equals(Json.text(choice.path("allowed_tools"), "mode"))) {
            config.put("mode", "ANY");
            ArrayNode names = config.putArray("allowedFunctionNames");
            for (JsonNode t : choice.path("allowed_tools").path("tools")) {
                String n = Json.text(t.path("function"), "name");
                if (n != null) {
                    names.add(n);
                }
            }
        } else {
            policy.unsupported("tool_choice", "Only auto, none, required, a named function and allowed_tools in "
                    + "required mode can be sent to " + TARGET + ".");
            return;
        }
        out.putObject("toolConfig").set("functionCallingConfig", config);
    }

    // ------------------------------------------------------------------------------------------------ config

    private ObjectNode generationConfig(ObjectNode req) {
        ObjectNode c = Json.object();
        number(req, "temperature", c, "temperature");
        number(req, "top_p", c, "topP");
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode value = req.get(field);
            if (value != null && !value.isNull()) {
                if (!value.canConvertToInt() || value.asInt() < 1) {
                    throw TranslationException.badRequest(field, "'" + field + "' must be a positive integer.");
                }
                c.put("maxOutputTokens", value.asInt());
                break;
            }
        }
        JsonNode stop = req.get("stop");
        if (stop != null && stop.isTextual()) {
            c.putArray("stopSequences").add(stop.asText());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            ArrayNode seqs = c.putArray("stopSequences");
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw TranslationException.badRequest("stop", "'stop' must be a string or an array of strings.");
                }
                seqs.add(s.asText());
            }
        }
        JsonNode n = req.get("n");
        if (n != null && n.canConvertToInt() && n.asInt() != 1) {
            c.put("candidateCount", n.asInt());
        }
        JsonNode seed = req.get("seed");
        if (seed != null && seed.isIntegralNumber()) {
            c.put("seed", seed.asLong());
        }
        number(req, "presence_penalty", c, "presencePenalty");
        number(req, "frequency_penalty", c, "frequencyPenalty");
        responseFormat(req.get("response_format"), c);
        thinking(req.get("reasoning_effort"), c);
        return c;
    }

    private static void number(ObjectNode req, String from, ObjectNode c, String to) {
        JsonNode v = req.get(from);
        if (v != null && v.isNumber()) {
            c.set(to, v.deepCopy());
        }
    }

    private void responseFormat(JsonNode format, ObjectNode c) {
        if (Json.absent(format)) {
            return;
        }
        String type = Json.text(format, "type");
        if ("text".equals(type)) {
            return;
        }
        if ("json_object".equals(type)) {
            c.put("responseMimeType", "application/json");
        } else if ("json_schema".equals(type)) {
            JsonNode schema = format.path("json_schema").get("schema");
            c.put("responseMimeType", "application/json");
            if (schema != null && schema.isObject()) {
                c.set("responseJsonSchema", GeminiSchema.of(schema));
            }
        } else {
            policy.unsupported("response_format", "Only text, json_object and json_schema formats can be sent to "
                    + TARGET + ".");
        }
    }

    private void thinking(JsonNode effort, ObjectNode c) {
        if (Json.absent(effort)) {
            return;
        }
        String e = effort.asText().toLowerCase(Locale.ROOT);
        ObjectNode tc = Json.object();
        if (budgetModel(upstreamModel)) {
            Integer budget = switch (e) {
                case "none" -> 0;
                case "minimal", "low" -> 1024;
                case "medium" -> 8192;
                case "high", "xhigh" -> 24576;
                default -> null;
            };
            if (budget == null) {
                throw TranslationException.badRequest("reasoning_effort", "'reasoning_effort' must be none, minimal, "
                        + "low, medium or high.");
            }
            tc.put("thinkingBudget", budget);
        } else {
            String level = switch (e) {
                case "none", "minimal" -> "minimal";
                case "low", "medium", "high" -> e;
                case "xhigh" -> "high";
                default -> null;
            };
            if (level == null) {
                throw TranslationException.badRequest("reasoning_effort", "'reasoning_effort' must be none, minimal, "
                        + "low, medium or high.");
            }
            tc.put("thinkingLevel", level);
        }
        c.set("thinkingConfig", tc);
    }

    /** Gemini 1.x and 2.x take a thinking budget in tokens; Gemini 3 and later a thinking level. */
    static boolean budgetModel(String model) {
        String m = model == null ? "" : model.toLowerCase(Locale.ROOT);
        if (m.startsWith("models/")) {
            m = m.substring(7);
        }
        return m.startsWith("gemini-1") || m.startsWith("gemini-2") || m.startsWith("gemini-pro")
                || m.startsWith("gemini-flash");
    }

    // ------------------------------------------------------------------------------------------------ embeddings

    /** Whether an embeddings request is one text ({@code embedContent}) rather than a list ({@code batchEmbedContents}). */
    static boolean singleEmbedding(ObjectNode req) {
        return req.path("input").isTextual();
    }

    /**
     * An embeddings request as {@code EmbedContentRequest} (one string) or {@code BatchEmbedContentsRequest} (an array
     * of strings, each request naming {@code models/{model}} as the API requires). {@code dimensions} becomes
     * {@code outputDimensionality}; {@code encoding_format} is applied to the answer; token-id input is refused.
     */
    static Translated embeddings(ObjectNode req, String upstreamModel, UnsupportedParams unsupported) {
        ParamPolicy policy = new ParamPolicy(unsupported, TARGET);
        for (Map.Entry<String, JsonNode> field : req.properties()) {
            String name = field.getKey();
            switch (name) {
                case "model", "input", "dimensions" -> {
                    // mapped below
                }
                case "encoding_format" -> {
                    String f = field.getValue().asText();
                    if (!"float".equals(f) && !"base64".equals(f)) {
                        throw TranslationException.badRequest(name, "'encoding_format' must be float or base64.");
                    }
                }
                default -> {
                    if (!Json.absent(field.getValue())) {
                        policy.unsupported(name, "It has no Gemini embeddings equivalent: remove it from the request.");
                    }
                }
            }
        }
        JsonNode input = req.get("input");
        String model = "models/" + modelId(upstreamModel);
        JsonNode dimensions = req.get("dimensions");
        if (dimensions != null && !dimensions.isNull() && (!dimensions.canConvertToInt() || dimensions.asInt() < 1)) {
            throw TranslationException.badRequest("dimensions", "'dimensions' must be a positive integer.");
        }
        if (input != null && input.isTextual()) {
            return new Translated(embedRequest(model, input.asText(), dimensions), policy.dropped());
        }
        if (input == null || !input.isArray() || input.isEmpty()) {
            throw TranslationException.badRequest("input", "'input' must be a string or a non-empty array of strings.");
        }
        ObjectNode out = Json.object();
        ArrayNode requests = out.putArray("requests");
        for (int i = 0; i < input.size(); i++) {
            if (!input.get(i).isTextual()) {
                throw TranslationException.badRequest("input[" + i + "]", TARGET + " embed text, not token ids: send "
                        + "'input' as a string or an array of strings.");
            }
            requests.add(embedRequest(model, input.get(i).asText(), dimensions));
        }
        return new Translated(out, policy.dropped());
    }

    private static ObjectNode embedRequest(String model, String text, JsonNode dimensions) {
        ObjectNode r = Json.object();
        r.put("model", model);
        r.putObject("content").putArray("parts").addObject().put("text", text);
        if (dimensions != null && !dimensions.isNull()) {
            r.put("outputDimensionality", dimensions.asInt());
        }
        return r;
    }

    /** The model id as the URL wants it: without a {@code models/} prefix a user may have written. */
    static String modelId(String upstreamModel) {
        return upstreamModel.startsWith("models/") ? upstreamModel.substring(7) : upstreamModel;
    }
}
