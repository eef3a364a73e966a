package dev.tollgate.gateway.provider.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's requests to and from Ollama's native API (https://github.com/ollama/ollama/blob/main/docs/api.md):
 * {@code /api/chat}, {@code /api/generate} and {@code /api/embed}. Pure functions.
 *
 * <p>Chat request: messages keep their roles ({@code developer} becomes {@code system}); content parts are joined
 * into one string and {@code image_url} parts become the message's {@code images} (base64 without the data-URL
 * prefix; an http(s) image URL is refused with 400: Ollama takes bytes, and the gateway does not fetch URLs); an
 * assistant's {@code tool_calls} carry {@code function.arguments} as a JSON OBJECT (OpenAI's is a string: parsed
 * here), and a {@code tool} message names its tool ({@code tool_name}, found from the call it answers). Sampling
 * goes into {@code options}: {@code temperature}, {@code top_p}, {@code seed}, {@code stop}, {@code max_tokens} /
 * {@code max_completion_tokens} → {@code num_predict}, {@code frequency_penalty}, {@code presence_penalty}, plus
 * Ollama's own knobs sent as extra body fields ({@code top_k}, {@code num_ctx}, {@code min_p},
 * {@code repeat_penalty}, …) and an {@code options} object as given. {@code response_format} {@code json_object}
 * → {@code format: "json"}, {@code json_schema} → {@code format: <schema>}. {@code keep_alive} passes through.
 * {@code stream} is always written (Ollama streams unless told not to). {@code n} > 1, {@code logprobs},
 * {@code logit_bias}, a forced {@code tool_choice}, … have no Ollama equivalent: 400, or dropped under the model's
 * {@code unsupportedParams: drop}.
 *
 * <p>Answers: {@code message.tool_calls[].function.arguments} (an object) becomes OpenAI's JSON string, with an id
 * made here when Ollama gives none; {@code done_reason} {@code stop} → {@code stop} ({@code tool_calls} when the
 * message calls tools), {@code length} → {@code length}, any other passes as it is; usage is
 * {@code prompt_eval_count} and {@code eval_count} (none when Ollama leaves one out, as it may for a cached prompt:
 * the gateway then counts both sides itself).
 */
public final class OllamaTranslator {
    private OllamaTranslator() {}

    private static final Set<String> IGNORED = Set.of("model", "messages", "stream", "stream_options", "user",
            "parallel_tool_calls", "store", "metadata", "service_tier", "keep_alive", "options", "tools",
            "tool_choice", "response_format", "prompt", "input");
    /** Ollama's own options (Modelfile parameters), accepted as extra top-level fields. */
    static final List<String> NATIVE_OPTIONS = List.of("top_k", "num_ctx", "min_p", "typical_p", "repeat_penalty",
            "repeat_last_n", "num_keep", "mirostat", "mirostat_tau", "mirostat_eta", "num_gpu", "num_thread");

    // ---- chat -------------------------------------------------------------------------------------------------------

    public static ObjectNode toChat(JsonNode body, String model, boolean stream, UnsupportedParams policy,
            List<String> dropped) {
        ParamPolicy params = new ParamPolicy(policy, "Ollama's /api/chat");
        ObjectNode out = Json.object();
        out.put("model", model);
        ArrayNode messages = out.putArray("messages");
        Map<String, String> toolNames = new HashMap<>();
        for (JsonNode m : body.path("messages")) {
            messages.add(message(m, toolNames, params));
        }
        JsonNode tools = body.get("tools");
        String choice = toolChoice(body.get("tool_choice"), params);
        if (tools != null && tools.isArray() && !tools.isEmpty() && !"none".equals(choice)) {
            ArrayNode t = out.putArray("tools");
            for (JsonNode tool : tools) {
                ObjectNode fn = Json.object();
                JsonNode f = tool.path("function");
                fn.put("name", f.path("name").asText());
                if (f.hasNonNull("description")) {
                    fn.set("description", f.get("description"));
                }
                fn.set("parameters", f.hasNonNull("parameters") ? f.get("parameters") : Json.object().put("type", "object"));
                t.addObject().put("type", "function").set("function", fn);
            }
        }
        format(body.get("response_format"), out);
        common(body, out, stream, params, Set.of());
        dropped.addAll(params.dropped());
        return out;
    }

    /**
     * Options, stream and keep_alive, shared by chat and generate; fields neither known here nor {@code handled} by
     * the caller are refused or dropped.
     */
    private static void common(JsonNode body, ObjectNode out, boolean stream, ParamPolicy params, Set<String> handled) {
        ObjectNode options = Json.object();
        if (body.path("options").isObject()) {
            options.setAll((ObjectNode) body.get("options"));
        }
        for (var it = body.fields(); it.hasNext(); ) {
            var e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (IGNORED.contains(name) || v.isNull()) {
                continue;
            }
            switch (name) {
                case "temperature", "top_p", "frequency_penalty", "presence_penalty" -> options.set(name, v);
                case "seed" -> options.put("seed", v.asLong());
                case "max_tokens", "max_completion_tokens" -> options.put("num_predict", v.asInt());
                case "stop" -> {
                    ArrayNode stop = options.putArray("stop");
                    if (v.isTextual()) {
                        stop.add(v.asText());
                    } else {
                        v.forEach(s -> stop.add(s.asText()));
                    }
                }
                default -> {
                    if (NATIVE_OPTIONS.contains(name)) {
                        options.set(name, v);
                    } else if (name.equals("n") && v.asInt(1) == 1 || v.isBoolean() && !v.asBoolean()
                            || v.isContainerNode() && v.isEmpty()) {
                        // a default (n: 1, logprobs: false, logit_bias: {}): nothing to say
                    } else if (!handled.contains(name)) {
                        params.unsupported(name, "Ollama has no equivalent: remove it.");
                    }
                }
            }
        }
        if (!options.isEmpty()) {
            out.set("options", options);
        }
        out.put("stream", stream);
        if (body.hasNonNull("keep_alive")) {
            out.set("keep_alive", body.get("keep_alive"));
        }
    }

    private static String toolChoice(JsonNode choice, ParamPolicy params) {
        if (choice == null || choice.isNull()) {
            return null;
        }
        if (choice.isTextual() && (choice.asText().equals("auto") || choice.asText().equals("none"))) {
            return choice.asText();
        }
        params.unsupported("tool_choice", "Ollama lets the model choose its tools: use \"auto\" or \"none\".");
        return null;
    }

    private static void format(JsonNode rf, ObjectNode out) {
        if (rf == null || !rf.isObject()) {
            return;
        }
        switch (rf.path("type").asText()) {
            case "json_object" -> out.put("format", "json");
            case "json_schema" -> {
                JsonNode schema = rf.path("json_schema").path("schema");
                if (!schema.isObject()) {
                    throw TranslationException.badRequest("response_format", "response_format.json_schema.schema "
                            + "must be a JSON schema object");
                }
                out.set("format", schema);
            }
            case "text", "" -> { }
            default -> throw TranslationException.badRequest("response_format", "response_format type '"
                    + rf.path("type").asText() + "' is not one Ollama knows: use text, json_object or json_schema");
        }
    }

    private static ObjectNode message(JsonNode m, Map<String, String> toolNames, ParamPolicy params) {
        ObjectNode out = Json.object();
        String role = m.path("role").asText("user");
        out.put("role", role.equals("developer") ? "system" : role);
        StringBuilder text = new StringBuilder();
        ArrayNode images = null;
        JsonNode content = m.get("content");
        if (content != null && content.isTextual()) {
            text.append(content.asText());
        } else if (content != null && content.isArray()) {
            for (JsonNode part : content) {
                String type = part.path("type").asText();
                if (type.equals("text")) {
                    text.append(part.path("text").asText());
                } else if (type.equals("image_url")) {
                    if (images == null) {
                        images = Json.array();
                    }
                    images.add(imageBase64(part.path("image_url").path("url").asText("")));
                } else {
                    throw TranslationException.badRequest("messages", "Ollama takes text and images in messages, not '"
                            + type + "' parts");
                }
            }
        }
        out.put("content", text.toString());
        if (images != null) {
            out.set("images", images);
        }
        if (m.hasNonNull("name")) {
            params.unsupported("messages[].name", "Ollama has no participant names.");
        }
        JsonNode calls = m.get("tool_calls");
        if (calls != null && calls.isArray() && !calls.isEmpty()) {
            ArrayNode tc = out.putArray("tool_calls");
            for (JsonNode c : calls) {
                String name = c.path("function").path("name").asText();
                toolNames.put(c.path("id").asText(""), name);
                ObjectNode fn = tc.addObject().putObject("function");
                fn.put("name", name);
                fn.set("arguments", argumentsObject(c.path("function").path("arguments")));
            }
        }
        if (role.equals("tool")) {
            String name = toolNames.get(m.path("tool_call_id").asText(""));
            if (name != null) {
                out.put("tool_name", name);
            }
        }
        return out;
    }

    /** OpenAI's arguments (a JSON string; an object is accepted too) as the object Ollama wants. */
    static JsonNode argumentsObject(JsonNode arguments) {
        if (arguments.isObject()) {
            return arguments;
        }
        String s = arguments.asText("");
        if (s.isBlank()) {
            return Json.object();
        }
        JsonNode parsed = Json.parse(s);
        if (parsed == null || !parsed.isObject()) {
            throw TranslationException.badRequest("messages", "a tool call's function.arguments must be a JSON object "
                    + "for Ollama, got: " + (s.length() > 80 ? s.substring(0, 80) + "…" : s));
        }
        return parsed;
    }

    /** A data URL's base64 payload; Ollama takes no URLs. */
    static String imageBase64(String url) {
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            if (comma > 0 && url.substring(0, comma).endsWith(";base64")) {
                return url.substring(comma + 1);
            }
        }
        throw TranslationException.badRequest("messages", "Ollama takes images as bytes: send them as base64 data URLs "
                + "(data:image/png;base64,…); the gateway does not fetch image URLs");
    }

    /** A non-streamed {@code /api/chat} answer as a {@code chat.completion}. */
    public static ObjectNode fromChat(JsonNode answer, String id, String model, long created) {
        ObjectNode out = Json.object();
        out.put("id", id);
        out.put("object", "chat.completion");
        out.put("created", created);
        out.put("model", model);
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        JsonNode msg = answer.path("message");
        message.put("content", msg.path("content").asText(""));
        ArrayNode calls = toolCalls(msg.path("tool_calls"), 0, id);
        if (calls != null) {
            message.set("tool_calls", calls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(Json.text(answer, "done_reason"), calls != null));
        ObjectNode usage = usage(answer);
        if (usage != null) {
            out.set("usage", usage);
        }
        return out;
    }

    /**
     * Ollama's tool calls as OpenAI's (arguments as a JSON string), numbered from {@code first}; null when none.
     * Ollama gives calls no id (newer versions may): one is made from the answer's id and the call's number.
     */
    static ArrayNode toolCalls(JsonNode calls, int first, String answerId) {
        if (calls == null || !calls.isArray() || calls.isEmpty()) {
            return null;
        }
        ArrayNode out = Json.array();
        int i = first;
        for (JsonNode c : calls) {
            ObjectNode tc = out.addObject();
            tc.put("id", c.hasNonNull("id") ? c.get("id").asText() : "call_" + answerId.replace("chatcmpl-", "") + "_" + i);
            tc.put("type", "function");
            ObjectNode fn = tc.putObject("function");
            fn.put("name", c.path("function").path("name").asText());
            JsonNode args = c.path("function").path("arguments");
            fn.put("arguments", args.isTextual() ? args.asText() : Json.write(args.isMissingNode() ? Json.object() : args));
            i++;
        }
        return out;
    }

    public static String finishReason(String doneReason, boolean toolCalls) {
        if (toolCalls) {
            return "tool_calls";
        }
        if (doneReason == null || doneReason.isEmpty()) {
            return "stop";
        }
        return doneReason.toLowerCase(Locale.ROOT);
    }

    /** OpenAI usage from {@code prompt_eval_count} and {@code eval_count}; null unless both are there. */
    public static ObjectNode usage(JsonNode answer) {
        if (!answer.path("prompt_eval_count").canConvertToLong() || !answer.path("eval_count").canConvertToLong()) {
            return null;
        }
        long p = answer.get("prompt_eval_count").asLong();
        long c = answer.get("eval_count").asLong();
        ObjectNode u = Json.object();
        u.put("prompt_tokens", p);
        u.put("completion_tokens", c);
        u.put("total_tokens", p + c);
        return u;
    }

    // ---- completions (/api/generate) --------------------------------------------------------------------------------

    /**
     * {@code /v1/completions} as {@code /api/generate}: {@code prompt} (one string), {@code suffix}, options as for
     * chat. {@code echo}, {@code best_of}, {@code n} > 1, {@code logprobs}, {@code logit_bias}: refused or dropped.
     */
    public static ObjectNode toGenerate(JsonNode body, String model, boolean stream, UnsupportedParams policy,
            List<String> dropped) {
        ParamPolicy params = new ParamPolicy(policy, "Ollama's /api/generate");
        ObjectNode out = Json.object();
        out.put("model", model);
        JsonNode prompt = body.get("prompt");
        if (prompt != null && prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            prompt = prompt.get(0);
        }
        if (prompt == null || !prompt.isTextual()) {
            throw TranslationException.badRequest("prompt", "Ollama takes one prompt string per request");
        }
        out.put("prompt", prompt.asText());
        if (body.hasNonNull("suffix")) {
            out.set("suffix", body.get("suffix"));
        }
        format(body.get("response_format"), out);
        common(body, out, stream, params, Set.of("suffix"));
        dropped.addAll(params.dropped());
        return out;
    }

    public static ObjectNode fromGenerate(JsonNode answer, String id, String model, long created) {
        ObjectNode out = Json.object();
        out.put("id", id);
        out.put("object", "text_completion");
        out.put("created", created);
        out.put("model", model);
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", answer.path("response").asText(""));
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(Json.text(answer, "done_reason"), false));
        ObjectNode usage = usage(answer);
        if (usage != null) {
            out.set("usage", usage);
        }
        return out;
    }

    // ---- embeddings -------------------------------------------------------------------------------------------------

    /** {@code /v1/embeddings} as {@code /api/embed}: {@code input} (a string or strings), {@code dimensions}. */
    public static ObjectNode toEmbed(JsonNode body, String model, UnsupportedParams policy, List<String> dropped) {
        ParamPolicy params = new ParamPolicy(policy, "Ollama's /api/embed");
        ObjectNode out = Json.object();
        out.put("model", model);
        JsonNode input = body.get("input");
        boolean strings = input != null && (input.isTextual() || input.isArray() && !input.isEmpty()
                && java.util.stream.StreamSupport.stream(input.spliterator(), false).allMatch(JsonNode::isTextual));
        if (!strings) {
            throw TranslationException.badRequest("input", "Ollama embeds text: input must be a string or an array of "
                    + "strings (token arrays are not supported)");
        }
        out.set("input", input);
        if (body.hasNonNull("dimensions")) {
            out.set("dimensions", body.get("dimensions"));
        }
        String encoding = Json.text(body, "encoding_format");
        if (encoding != null && !encoding.equals("float")) {
            params.unsupported("encoding_format", "Ollama returns floats: use encoding_format \"float\".");
        }
        if (body.hasNonNull("keep_alive")) {
            out.set("keep_alive", body.get("keep_alive"));
        }
        if (body.hasNonNull("truncate")) {
            out.set("truncate", body.get("truncate"));
        }
        dropped.addAll(params.dropped());
        return out;
    }

    public static ObjectNode fromEmbed(JsonNode answer, String model) {
        ObjectNode out = Json.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        int i = 0;
        for (JsonNode e : answer.path("embeddings")) {
            ObjectNode d = data.addObject();
            d.put("object", "embedding");
            d.put("index", i++);
            d.set("embedding", e);
        }
        out.put("model", model);
        long p = answer.path("prompt_eval_count").asLong(0);
        ObjectNode u = out.putObject("usage");
        u.put("prompt_tokens", p);
        u.put("total_tokens", p);
        return out;
    }

    // ---- errors -----------------------------------------------------------------------------------------------------

    /**
     * Ollama's {@code {"error": "..."}} as an ApiError of {@code status}: a message about the context length (e.g.
     * "input length exceeds the context length") becomes 400 {@code context_length_exceeded} on {@code param}.
     */
    public static ApiError error(int status, JsonNode body, String param) {
        String message = body == null ? null : Json.text(body, "error");
        if (message == null && body != null && body.path("error").isObject()) {
            return ApiError.fromOpenAi(status, body);
        }
        if (message == null) {
            message = "Ollama answered HTTP " + status;
        }
        String m = message.toLowerCase(Locale.ROOT);
        if (m.contains("context length") || m.contains("context window") || m.contains("exceeds the context")) {
            return ApiError.of(400, message + ": shorten the input or raise num_ctx", param)
                    .withCode("context_length_exceeded");
        }
        return ApiError.of(status <= 0 ? 500 : status, message, null);
    }
}
