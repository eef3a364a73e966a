package dev.tollgate.gateway.provider.huggingface;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * OpenAI's legacy completions ({@code /v1/completions}) to and from Text Generation Inference's native
 * {@code POST /generate} and {@code /generate_stream} (TGI's OpenAPI document:
 * https://huggingface.github.io/text-generation-inference/openapi.json, and its router's {@code GenerateParameters}).
 * Pure functions.
 *
 * <p>Request: {@code prompt} (one string, or an array of one) becomes {@code inputs}; {@code max_tokens} →
 * {@code max_new_tokens}; {@code temperature} → {@code temperature} with {@code do_sample: true}, and 0 (greedy:
 * TGI refuses a temperature that is not strictly positive) → {@code do_sample: false}; {@code top_p} → {@code top_p}
 * unless it is 1 or more (TGI wants it strictly between 0 and 1; 1 means "no nucleus sampling"); {@code stop} (a
 * string or an array) → {@code stop}; {@code seed}, {@code frequency_penalty} as they are. TGI's own knobs
 * ({@code top_k}, {@code repetition_penalty}, {@code typical_p}, {@code truncate}, {@code watermark},
 * {@code do_sample}), sent as extra body fields by clients such as LiteLLM's, pass through. {@code details: true}
 * is always asked for (the usage comes from it), and {@code decoder_input_details: true} when not streaming (the
 * prompt's tokens are then counted from {@code details.prefill}; TGI refuses it on a stream, whose last event says
 * {@code details.input_length} instead). {@code n}, {@code logprobs}, {@code echo}, {@code suffix},
 * {@code presence_penalty}, {@code logit_bias}, {@code best_of} have no TGI equivalent: refused (400) or dropped as
 * the model's policy says.
 *
 * <p>Answer: {@code {generated_text, details: {finish_reason, generated_tokens, prefill, tokens}}} becomes a
 * {@code text_completion} with {@code finish_reason} {@code length} for TGI's {@code length} and {@code stop} for
 * {@code eos_token} and {@code stop_sequence}; usage is {@code generated_tokens} and the prefill's length. When TGI
 * did not say how long the prompt was, the answer carries no usage and the gateway counts both sides with its
 * tokenizer (an approximation for non-OpenAI vocabularies).
 */
public final class TgiTranslator {
    private TgiTranslator() {}

    /** Completions fields that need no translation (the gateway's, or consumed elsewhere). */
    private static final Set<String> IGNORED = Set.of("model", "stream", "stream_options", "user");
    /** TGI's own parameters, passed through when a client sends them as extra body fields. */
    private static final List<String> NATIVE = List.of("top_k", "repetition_penalty", "typical_p", "truncate",
            "watermark", "do_sample", "return_full_text");

    /** The {@code /generate} (or {@code /generate_stream}) body for a completions request. */
    public static ObjectNode toGenerate(JsonNode body, boolean stream, UnsupportedParams policy, List<String> dropped) {
        ParamPolicy params = new ParamPolicy(policy, "Text Generation Inference's /generate");
        ObjectNode out = Json.object();
        out.put("inputs", prompt(body.get("prompt")));
        ObjectNode p = out.putObject("parameters");
        for (var it = body.fields(); it.hasNext(); ) {
            var e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (IGNORED.contains(name) || name.equals("prompt") || NATIVE.contains(name) || v.isNull()) {
                continue;
            }
            switch (name) {
                case "max_tokens", "max_completion_tokens" -> p.put("max_new_tokens", v.asInt());
                case "temperature" -> {
                    if (v.asDouble() <= 0) {
                        p.put("do_sample", false);
                    } else {
                        p.put("temperature", v.asDouble());
                        p.put("do_sample", true);
                    }
                }
                case "top_p" -> {
                    if (v.asDouble() > 0 && v.asDouble() < 1) {
                        p.put("top_p", v.asDouble());
                    }
                }
                case "stop" -> {
                    ArrayNode stop = p.putArray("stop");
                    if (v.isTextual()) {
                        stop.add(v.asText());
                    } else if (v.isArray()) {
                        v.forEach(s -> stop.add(s.asText()));
                    }
                }
                case "seed" -> p.put("seed", v.asLong());
                case "frequency_penalty" -> p.put("frequency_penalty", v.asDouble());
                case "n", "best_of" -> {
                    if (v.asInt(1) != 1) {
                        params.unsupported(name, "Text Generation Inference returns one completion per request: "
                                + "send n requests.");
                    }
                }
                default -> {
                    if (!isDefault(v)) { // echo: false, logprobs: 0, presence_penalty: 0 … change nothing
                        params.unsupported(name, "Remove it.");
                    }
                }
            }
        }
        for (String n : NATIVE) {
            if (body.hasNonNull(n)) {
                p.set(n, body.get(n));
            }
        }
        p.put("details", true);
        if (!stream) {
            p.put("decoder_input_details", true);
        }
        if (stream) {
            out.put("stream", true);
        }
        dropped.addAll(params.dropped());
        return out;
    }

    /** A value that asks for nothing: false, zero, or an empty object or array. */
    static boolean isDefault(JsonNode v) {
        return v.isBoolean() && !v.asBoolean() || v.isNumber() && v.asDouble() == 0
                || v.isContainerNode() && v.isEmpty();
    }

    static String prompt(JsonNode prompt) {
        if (prompt != null && prompt.isTextual()) {
            return prompt.asText();
        }
        if (prompt != null && prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            return prompt.get(0).asText();
        }
        throw TranslationException.badRequest("prompt", "Text Generation Inference takes one prompt string per "
                + "request (token arrays and batches are not supported): send one request per prompt");
    }

    /** TGI's finish reason in OpenAI's words. */
    public static String finishReason(String tgi) {
        if (tgi == null) {
            return "stop";
        }
        return switch (tgi) {
            case "length" -> "length";
            case "eos_token", "stop_sequence" -> "stop";
            default -> tgi;
        };
    }

    /** The {@code /generate} answer as a {@code text_completion}. */
    public static ObjectNode fromGenerate(JsonNode answer, String id, String model, long created) {
        ObjectNode out = Json.object();
        out.put("id", id);
        out.put("object", "text_completion");
        out.put("created", created);
        out.put("model", model);
        JsonNode details = answer.path("details");
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", answer.path("generated_text").asText(""));
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(Json.text(details, "finish_reason")));
        ObjectNode usage = usage(details);
        if (usage != null) {
            out.set("usage", usage);
        }
        return out;
    }

    /**
     * OpenAI usage from TGI's {@code details}: completion tokens from {@code generated_tokens}, prompt tokens from
     * {@code input_length} (a stream's last event) or the length of {@code prefill} (when decoder input details were
     * asked for). Null when either is missing: the gateway then counts both sides itself.
     */
    public static ObjectNode usage(JsonNode details) {
        if (details == null || !details.isObject() || !details.path("generated_tokens").canConvertToLong()) {
            return null;
        }
        long prompt;
        if (details.path("input_length").canConvertToLong()) {
            prompt = details.get("input_length").asLong();
        } else if (details.path("prefill").isArray() && !details.get("prefill").isEmpty()) {
            prompt = details.get("prefill").size();
        } else {
            return null;
        }
        long completion = details.get("generated_tokens").asLong();
        ObjectNode u = Json.object();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        return u;
    }

    /**
     * TGI's error body ({@code {"error": "...", "error_type": "validation" | "overloaded" | "generation" |
     * "incomplete_generation" | ...}}) as an ApiError of {@code status}; a validation error saying the prompt and
     * {@code max_new_tokens} exceed the model's window (TGI: "Input validation error: `inputs` tokens +
     * `max_new_tokens` must be <= N", or "`inputs` must have less than N tokens") becomes 400
     * {@code context_length_exceeded} on {@code param}. Returns null when the body is not TGI's shape.
     */
    public static ApiError error(int status, JsonNode body, String param) {
        if (body == null || !body.path("error").isTextual()) {
            return null;
        }
        String message = body.get("error").asText();
        String type = Json.text(body, "error_type");
        if (contextTooLong(message)) {
            return ApiError.of(400, message + ": shorten the prompt or lower max_tokens", param)
                    .withCode("context_length_exceeded");
        }
        int s = status;
        if (s <= 0) { // an error event inside a stream: no status of its own
            s = "validation".equals(type) ? 422 : "overloaded".equals(type) ? 429 : 500;
        }
        ApiError e = ApiError.of(s == 422 ? 400 : s, message, null);
        return type == null ? e : e.withCode(type);
    }

    static boolean contextTooLong(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("`inputs` tokens + `max_new_tokens` must be")
                || m.contains("`inputs` must have less than")
                || m.contains("input validation error") && m.contains("context");
    }
}
