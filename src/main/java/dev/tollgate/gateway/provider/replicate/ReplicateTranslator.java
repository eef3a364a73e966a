package dev.tollgate.gateway.provider.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The hub's (OpenAI's) requests and answers to and from Replicate predictions. Pure.
 *
 * <p>Reference: https://replicate.com/docs/reference/http (create a prediction: {@code POST /v1/models/{owner}/{name}/
 * predictions} for a model run by name, {@code POST /v1/predictions} with {@code version} for a pinned version; the
 * prediction object {@code {id, model, version, input, output, error, status, metrics: {predict_time, …}, urls: {get,
 * cancel, stream}}}; errors as problem details {@code {"title", "detail", "status"}}), and
 * https://replicate.com/docs/topics/predictions/streaming (SSE events {@code output}, {@code error}, {@code done}).
 *
 * <h2>Chat ({@code /v1/chat/completions})</h2>
 * Messages become {@code prompt} (and {@code system_prompt}) by the model family's format ({@link ReplicatePrompts});
 * {@code max_tokens}/{@code max_completion_tokens} become {@code max_new_tokens} (Llama 2 and others) or
 * {@code max_tokens} (Llama 3); {@code temperature} (Llama 2 takes at least 0.01: 0 is sent as 0.01), {@code top_p},
 * {@code seed}; {@code stop} becomes {@code stop_sequences}, one comma-separated string (a stop containing a comma
 * cannot be expressed: 400); Llama 3's {@code presence_penalty} and {@code frequency_penalty}. Replicate inputs that
 * OpenAI lacks pass through when a client sends them ({@code top_k}, {@code min_new_tokens}, {@code min_tokens},
 * {@code repetition_penalty}, {@code length_penalty}, {@code prompt_template}). Tools, logprobs, response formats,
 * {@code n > 1}: unsupported parameters (the model's policy); image, audio or file parts and tool messages: 400.
 * The answer's {@code output} is a list of text pieces (joined) or one string.
 *
 * <h2>Completions ({@code /v1/completions})</h2> {@code prompt} (one string) with the same sampling fields.
 *
 * <h2>Images ({@code /v1/images/generations})</h2>
 * {@code prompt}, {@code n} as {@code num_outputs}, {@code size} ({@code "WxH"}) as {@code width}/{@code height};
 * {@code negative_prompt} and {@code seed} pass through. The output (file URLs) becomes {@code data[].url}, or
 * {@code b64_json} once the files are fetched (by the upstream, from Replicate's hosts only).
 *
 * <h2>Usage</h2> A prediction's {@code metrics.input_token_count} and {@code output_token_count}, when the model
 * reports them (Replicate's official language models do); otherwise the answer carries no usage and the gateway
 * counts the tokens with its tokenizer. {@code metrics.predict_time} (seconds of hardware time, what Replicate bills)
 * is kept in the answer as {@code replicate.predict_time}.
 */
public final class ReplicateTranslator {
    static final String API = "Replicate predictions";

    /** Fields of an OpenAI chat request that translate, or ask for nothing here. */
    static final Set<String> CHAT_HANDLED = Set.of("model", "messages", "stream", "stream_options", "max_tokens",
            "max_completion_tokens", "temperature", "top_p", "stop", "seed", "n", "user", "presence_penalty",
            "frequency_penalty");
    static final Set<String> COMPLETION_HANDLED = Set.of("model", "prompt", "stream", "stream_options", "max_tokens",
            "temperature", "top_p", "stop", "seed", "n", "user", "presence_penalty", "frequency_penalty");
    static final Set<String> IMAGE_HANDLED = Set.of("model", "prompt", "n", "size", "response_format", "user",
            "negative_prompt", "seed");
    /** Replicate language-model inputs without an OpenAI name: passed through when the client sends them. */
    static final Set<String> PASS_THROUGH = Set.of("top_k", "min_new_tokens", "min_tokens", "repetition_penalty",
            "length_penalty", "prompt_template");

    private ReplicateTranslator() {}

    // ---------------------------------------------------------------- the model id

    /**
     * A Replicate model: {@code owner/name}, optionally pinned to a version ({@code owner/name:version}). A leading
     * {@code replicate/} (LiteLLM's provider prefix, e.g. {@code replicate/stability-ai/stable-diffusion}) is ignored.
     */
    public record ModelRef(String owner, String name, String version) {
        public String fullName() {
            return owner + "/" + name;
        }
    }

    public static ModelRef model(String upstreamModel) {
        String id = upstreamModel.trim();
        String version = null;
        int colon = id.indexOf(':');
        if (colon >= 0) {
            version = id.substring(colon + 1);
            id = id.substring(0, colon);
        }
        String[] parts = id.split("/");
        if (parts.length == 3 && parts[0].equals("replicate")) {
            parts = new String[] {parts[1], parts[2]};
        }
        String part = "[A-Za-z0-9][A-Za-z0-9_.-]*"; // path segments only: never "..", never a query
        if (parts.length != 2 || !parts[0].matches(part) || !parts[1].matches(part)
                || (version != null && !version.matches("[A-Za-z0-9]+"))) {
            throw new TranslationException(new ApiError(502, "api_error", "api_error", "the LlmModel's model '"
                    + upstreamModel + "' is not a Replicate model id: write owner/name or owner/name:version",
                    null, "upstream_not_found"));
        }
        return new ModelRef(parts[0], parts[1], version);
    }

    /** The create URL under the API base ({@code …/v1}). */
    public static String createUrl(String apiBase, ModelRef model) {
        String base = apiBase.trim();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return model.version() != null ? base + "/predictions"
                : base + "/models/" + model.owner() + "/" + model.name() + "/predictions";
    }

    /** The create body: {@code {"version"?, "input", "stream"?}}. */
    public static ObjectNode createBody(ModelRef model, ObjectNode input, boolean stream) {
        ObjectNode body = Json.object();
        if (model.version() != null) {
            body.put("version", model.version());
        }
        body.set("input", input);
        if (stream) {
            body.put("stream", true);
        }
        return body;
    }

    // ---------------------------------------------------------------- requests

    /** The prediction {@code input} for a hub request. */
    public static ObjectNode input(Operation operation, ObjectNode body, ModelRef model, ParamPolicy policy) {
        return switch (operation) {
            case CHAT -> chatInput(body, model, policy);
            case COMPLETIONS -> completionInput(body, model, policy);
            case IMAGES -> imageInput(body, policy);
            default -> throw TranslationException.badRequest(null, "Replicate models serve chat, completions and "
                    + "image generations, not " + operation.path());
        };
    }

    static ObjectNode chatInput(ObjectNode body, ModelRef model, ParamPolicy policy) {
        ReplicatePrompts.Family family = ReplicatePrompts.Family.of(model.fullName());
        List<String> systems = new ArrayList<>();
        List<ReplicatePrompts.Turn> turns = new ArrayList<>();
        JsonNode messages = body.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw TranslationException.badRequest("messages", "messages must be a non-empty array");
        }
        int i = 0;
        for (JsonNode m : messages) {
            String role = m.path("role").asText("");
            String where = "messages[" + i++ + "]";
            switch (role) {
                case "system", "developer" -> systems.add(text(m.get("content"), where));
                case "user" -> turns.add(new ReplicatePrompts.Turn("user", text(m.get("content"), where)));
                case "assistant" -> {
                    if (m.path("tool_calls").isArray() && !m.path("tool_calls").isEmpty()) {
                        throw TranslationException.badRequest("messages", where + " has tool calls: Replicate "
                                + "models take no tools");
                    }
                    turns.add(new ReplicatePrompts.Turn("assistant", text(m.get("content"), where)));
                }
                default -> throw TranslationException.badRequest("messages", where + " has role '" + role
                        + "': Replicate models take system, user and assistant messages only (no tools)");
            }
        }
        if (turns.isEmpty()) {
            throw TranslationException.badRequest("messages", "messages need at least one user message");
        }
        ReplicatePrompts.Prompt p = ReplicatePrompts.format(family,
                systems.isEmpty() ? null : String.join("\n\n", systems), turns);
        ObjectNode input = Json.object();
        input.put("prompt", p.prompt());
        if (p.systemPrompt() != null) {
            input.put("system_prompt", p.systemPrompt());
        }
        if (p.raw()) {
            input.put("prompt_template", "{prompt}");
        }
        JsonNode max = body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
        sampling(body, input, family, max, CHAT_HANDLED, policy);
        return input;
    }

    static ObjectNode completionInput(ObjectNode body, ModelRef model, ParamPolicy policy) {
        ReplicatePrompts.Family family = ReplicatePrompts.Family.of(model.fullName());
        JsonNode prompt = body.get("prompt");
        if (prompt != null && prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            prompt = prompt.get(0);
        }
        if (prompt == null || !prompt.isTextual()) {
            throw TranslationException.badRequest("prompt", "prompt must be one string: a Replicate prediction "
                    + "completes one prompt (send one request per prompt)");
        }
        ObjectNode input = Json.object();
        input.put("prompt", prompt.asText());
        sampling(body, input, family, body.get("max_tokens"), COMPLETION_HANDLED, policy);
        return input;
    }

    private static void sampling(ObjectNode body, ObjectNode input, ReplicatePrompts.Family family, JsonNode max,
            Set<String> handled, ParamPolicy policy) {
        if (max != null && max.isNumber()) {
            input.put(family.maxTokensField(), max.asLong());
        }
        JsonNode temperature = body.get("temperature");
        if (temperature != null && temperature.isNumber()) {
            BigDecimal t = temperature.decimalValue();
            if (family == ReplicatePrompts.Family.LLAMA2_CHAT && t.compareTo(new BigDecimal("0.01")) < 0) {
                t = new BigDecimal("0.01"); // Llama 2 on Replicate refuses less; 0.01 is as greedy as it gets
            }
            input.put("temperature", t);
        }
        copyNumber(body, input, "top_p", "top_p");
        copyNumber(body, input, "seed", "seed");
        JsonNode stop = body.get("stop");
        if (stop != null && !stop.isNull()) {
            List<String> stops = new ArrayList<>();
            if (stop.isTextual()) {
                stops.add(stop.asText());
            } else {
                stop.forEach(s -> stops.add(s.asText()));
            }
            for (String s : stops) {
                if (s.contains(",")) {
                    throw TranslationException.badRequest("stop", "Replicate takes stop sequences as one "
                            + "comma-separated string, so a stop sequence cannot contain a comma: '" + s + "'");
                }
            }
            if (!stops.isEmpty()) {
                input.put("stop_sequences", String.join(",", stops));
            }
        }
        for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
            JsonNode v = body.get(penalty);
            if (v == null || v.isNull() || (v.isNumber() && v.decimalValue().signum() == 0)) {
                continue;
            }
            if (family == ReplicatePrompts.Family.LLAMA3_INSTRUCT) {
                input.set(penalty, v);
            } else {
                policy.unsupported(penalty, "This Replicate model has no such input; send repetition_penalty "
                        + "if the model takes one.");
            }
        }
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && n.asInt(1) != 1) {
            policy.unsupported("n", "A Replicate prediction has one answer: send n requests.");
        }
        others(body, input, handled, policy);
    }

    private static void others(ObjectNode body, ObjectNode input, Set<String> handled, ParamPolicy policy) {
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            if (handled.contains(k)) {
                continue;
            }
            if (PASS_THROUGH.contains(k)) {
                input.set(k, e.getValue());
                continue;
            }
            if (asksNothing(e.getValue())) {
                continue;
            }
            policy.unsupported(k, "Replicate predictions cannot express it.");
        }
    }

    /** A value that asks for nothing (null, false, an empty list): OpenAI's default, so never an error. */
    static boolean asksNothing(JsonNode v) {
        return v == null || v.isNull() || (v.isBoolean() && !v.asBoolean()) || (v.isContainerNode() && v.isEmpty());
    }

    private static void copyNumber(ObjectNode from, ObjectNode to, String field, String as) {
        JsonNode v = from.get(field);
        if (v != null && v.isNumber()) {
            to.set(as, v);
        }
    }

    /** A message's text: a string, or text parts joined; any other part is refused (it would change the prompt). */
    static String text(JsonNode content, String where) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw TranslationException.badRequest("messages", where + ".content must be a string or a list of parts");
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            String type = part.path("type").asText("");
            if (!type.equals("text")) {
                throw TranslationException.badRequest("messages", where + " has a '" + type + "' part: Replicate "
                        + "language models take text only (images in chat are not served for Replicate)");
            }
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(part.path("text").asText(""));
        }
        return sb.toString();
    }

    static ObjectNode imageInput(ObjectNode body, ParamPolicy policy) {
        JsonNode prompt = body.get("prompt");
        if (prompt == null || !prompt.isTextual() || prompt.asText().isBlank()) {
            throw TranslationException.badRequest("prompt", "prompt must be a non-empty string");
        }
        ObjectNode input = Json.object();
        input.put("prompt", prompt.asText());
        JsonNode negative = body.get("negative_prompt");
        if (negative != null && negative.isTextual()) {
            input.put("negative_prompt", negative.asText());
        }
        JsonNode size = body.get("size");
        if (size != null && size.isTextual() && !size.asText().equals("auto")) {
            String[] wh = size.asText().toLowerCase(Locale.ROOT).split("x");
            if (wh.length != 2 || !wh[0].matches("[1-9][0-9]{1,4}") || !wh[1].matches("[1-9][0-9]{1,4}")) {
                throw TranslationException.badRequest("size", "size must be WIDTHxHEIGHT, e.g. 512x512");
            }
            input.put("width", Integer.parseInt(wh[0]));
            input.put("height", Integer.parseInt(wh[1]));
        }
        JsonNode n = body.get("n");
        if (n != null && n.isNumber()) {
            input.put("num_outputs", n.asInt());
        }
        copyNumber(body, input, "seed", "seed");
        JsonNode format = body.get("response_format");
        if (format != null && !format.isNull() && !format.asText().equals("url") && !format.asText().equals("b64_json")) {
            throw TranslationException.badRequest("response_format", "response_format must be url or b64_json");
        }
        ObjectNode rest = body.deepCopy();
        for (String f : List.of("quality", "background", "moderation")) { // OpenAI's defaults ask for nothing
            String v = rest.path(f).asText("");
            if (v.equals("auto") || (f.equals("quality") && v.equals("standard"))) {
                rest.remove(f);
            }
        }
        others(rest, Json.object(), IMAGE_HANDLED, policy); // quality: hd, style …: the policy (never into input)
        return input;
    }

    /** Whether the client asked for image bytes rather than URLs. */
    public static boolean wantsBase64(ObjectNode body) {
        return "b64_json".equals(body.path("response_format").asText());
    }

    // ---------------------------------------------------------------- answers

    /** The prediction's text output: a list of pieces joined, or one string; empty when there is none. */
    public static String outputText(JsonNode prediction) {
        JsonNode out = prediction.path("output");
        if (out.isTextual()) {
            return out.asText();
        }
        StringBuilder sb = new StringBuilder();
        if (out.isArray()) {
            out.forEach(p -> sb.append(p.isTextual() ? p.asText() : p.toString()));
        }
        return sb.toString();
    }

    /** The prediction's file outputs (URLs): a list, or one string. */
    public static List<String> outputUrls(JsonNode prediction) {
        JsonNode out = prediction.path("output");
        List<String> urls = new ArrayList<>();
        if (out.isTextual()) {
            urls.add(out.asText());
        } else if (out.isArray()) {
            out.forEach(u -> {
                if (u.isTextual()) {
                    urls.add(u.asText());
                }
            });
        }
        return urls;
    }

    /** OpenAI usage from the prediction's token counts, or null when the model reported none. */
    public static ObjectNode usage(JsonNode prediction) {
        JsonNode m = prediction.path("metrics");
        if (!m.path("input_token_count").isNumber() || !m.path("output_token_count").isNumber()) {
            return null;
        }
        long in = m.get("input_token_count").asLong();
        long out = m.get("output_token_count").asLong();
        ObjectNode u = Json.object();
        u.put("prompt_tokens", in).put("completion_tokens", out).put("total_tokens", in + out);
        u.putObject("prompt_tokens_details").put("cached_tokens", 0);
        return u;
    }

    /**
     * Why the answer stopped: "length" when the model produced as many tokens as the request allowed (Replicate
     * says nothing else), "stop" otherwise.
     */
    static String finishReason(JsonNode prediction, ObjectNode input) {
        JsonNode out = prediction.path("metrics").path("output_token_count");
        for (String f : List.of("max_new_tokens", "max_tokens")) {
            if (out.isNumber() && input != null && input.path(f).isNumber() && out.asLong() >= input.get(f).asLong()) {
                return "length";
            }
        }
        return "stop";
    }

    public static ObjectNode chatResponse(JsonNode prediction, ObjectNode input, String model, long created) {
        ObjectNode r = Json.object();
        r.put("id", "chatcmpl-" + prediction.path("id").asText(""));
        r.put("object", "chat.completion");
        r.put("created", created);
        r.put("model", model);
        ObjectNode choice = r.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode msg = choice.putObject("message");
        msg.put("role", "assistant");
        msg.put("content", outputText(prediction));
        msg.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(prediction, input));
        finish(r, prediction);
        return r;
    }

    public static ObjectNode completionResponse(JsonNode prediction, ObjectNode input, String model, long created) {
        ObjectNode r = Json.object();
        r.put("id", "cmpl-" + prediction.path("id").asText(""));
        r.put("object", "text_completion");
        r.put("created", created);
        r.put("model", model);
        ObjectNode choice = r.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", outputText(prediction));
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(prediction, input));
        finish(r, prediction);
        return r;
    }

    /** A chat answer for a prediction that a safety checker stopped: no content, finish reason content_filter. */
    public static ObjectNode blockedResponse(Operation operation, JsonNode prediction, String model, long created) {
        ObjectNode r = operation == Operation.COMPLETIONS ? completionResponse(prediction, null, model, created)
                : chatResponse(prediction, null, model, created);
        ObjectNode choice = (ObjectNode) r.get("choices").get(0);
        if (operation == Operation.COMPLETIONS) {
            choice.put("text", "");
        } else {
            ((ObjectNode) choice.get("message")).put("content", "");
        }
        choice.put("finish_reason", "content_filter");
        return r;
    }

    private static void finish(ObjectNode r, JsonNode prediction) {
        ObjectNode usage = usage(prediction);
        if (usage != null) {
            r.set("usage", usage);
        }
        JsonNode predictTime = prediction.path("metrics").path("predict_time");
        if (predictTime.isNumber()) {
            r.putObject("replicate").set("predict_time", predictTime);
        }
    }

    /** An images answer: {@code data[].url}, or {@code data[].b64_json} when {@code base64} holds the fetched files. */
    public static ObjectNode imagesResponse(JsonNode prediction, List<String> base64, long created) {
        ObjectNode r = Json.object();
        r.put("created", created);
        ArrayNode data = r.putArray("data");
        if (base64 != null) {
            base64.forEach(b -> data.addObject().put("b64_json", b));
        } else {
            outputUrls(prediction).forEach(u -> data.addObject().put("url", u));
        }
        JsonNode predictTime = prediction.path("metrics").path("predict_time");
        if (predictTime.isNumber()) {
            r.putObject("replicate").set("predict_time", predictTime);
        }
        return r;
    }

    // ---------------------------------------------------------------- errors

    /**
     * An HTTP error answer of the API ({@code {"title", "detail", "status"}}, {@code invalid_fields} on a 422) as the
     * client's error; a 429's {@code retry-after} passes on.
     */
    public static UpstreamException httpError(int status, JsonNode body, String retryAfter, String modelId) {
        String detail = Json.text(body, "detail");
        String title = Json.text(body, "title");
        String message = detail != null ? detail : title != null ? title : "Upstream error (HTTP " + status + ")";
        String param = null;
        JsonNode fields = body == null ? null : body.path("invalid_fields");
        if (status == 422 && fields != null && fields.isArray() && !fields.isEmpty()) {
            StringBuilder sb = new StringBuilder(message);
            for (JsonNode f : fields) {
                sb.append("; ").append(f.path("field").asText("input")).append(": ")
                        .append(f.path("description").asText(""));
            }
            message = sb.toString();
        }
        if (status == 402) { // Replicate's account is out of credit: the platform team's to fix, not the caller's
            return UpstreamErrors.from(502, ApiError.of(502, "the Replicate account behind " + modelId
                    + " has no credit left (HTTP 402): " + message, null), null, modelId);
        }
        return UpstreamErrors.from(status, ApiError.of(status, message, param), retryAfter, modelId);
    }

    /** What a prediction that ended without output means. */
    public enum Failure { BLOCKED, CONTEXT_TOO_LONG, FAILED }

    public static Failure failure(String error) {
        String e = error == null ? "" : error.toLowerCase(Locale.ROOT);
        if (e.contains("nsfw content detected") || e.contains("flagged as sensitive")) {
            return Failure.BLOCKED;
        }
        if (e.contains("maximum context length") || e.contains("context window")
                || (e.contains("prompt") && (e.contains("too long") || e.contains("exceeds")) && e.contains("token"))) {
            return Failure.CONTEXT_TOO_LONG;
        }
        return Failure.FAILED;
    }

    /** A failed (or canceled) prediction as the client's error. */
    public static UpstreamException predictionError(String status, String error, String modelId) {
        String e = error == null || error.isBlank() ? "no reason given" : error;
        if (failure(error) == Failure.CONTEXT_TOO_LONG) {
            return UpstreamErrors.from(400, ApiError.of(400, e + " (" + modelId + "): shorten the messages",
                    "messages").withCode("context_length_exceeded"), null, modelId);
        }
        return new UpstreamException(new ApiError(502, "api_error", "upstream_error", "the Replicate prediction for "
                + modelId + " " + ("canceled".equals(status) || "aborted".equals(status) ? "was " + status : "failed")
                + ": " + e, null, "upstream_error"), 0, null);
    }
}
