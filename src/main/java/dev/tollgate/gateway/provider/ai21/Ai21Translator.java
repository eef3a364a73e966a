package dev.tollgate.gateway.provider.ai21;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The hub's (OpenAI's) requests and answers to and from AI21 Studio's two APIs. Pure.
 *
 * <h2>Jamba ({@code jamba-*}): {@code POST /studio/v1/chat/completions}</h2>
 * OpenAI-shaped (request fields documented for Jamba: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-jamba.html,
 * which lists AI21's own chat parameters). The request passes through an ALLOWLIST: {@code model}, {@code messages},
 * {@code tools}, {@code n}, {@code max_tokens} (also from {@code max_completion_tokens}), {@code temperature},
 * {@code top_p}, {@code stop}, {@code stream}, {@code response_format}, {@code documents}. Every other field is an
 * unsupported parameter (the model's policy: 400, or dropped); a value that asks for nothing (null, OpenAI's
 * default) passes silently. Message content given as a list of text parts is joined into one string (Jamba takes
 * strings); image or audio parts are refused (400) whatever the policy.
 *
 * <h2>Jurassic-2 ({@code j2-*}): {@code POST /studio/v1/{model}/complete}</h2>
 * Request {@code prompt}, {@code numResults} (n), {@code maxTokens}, {@code temperature}, {@code topP},
 * {@code stopSequences}, {@code frequencyPenalty}/{@code presencePenalty} as {@code {"scale": x}}; answer
 * {@code {id, prompt:{text,tokens[]}, completions:[{data:{text,tokens[]}, finishReason:{reason}}]}} (shape as in
 * AI21's reference; the same types appear in open gateways' AI21 integrations). Usage is counted from the token
 * arrays: {@code prompt.tokens} length is the prompt, the sum of {@code completions[].data.tokens} lengths the
 * completion. {@code /v1/chat/completions} on a j2 model flattens the messages into one prompt: system/developer
 * texts first (joined by a blank line), then one paragraph per turn {@code "User: …"} / {@code "Assistant: …"},
 * ending with {@code "Assistant:"} so that the model continues as the assistant; a conversation of a single user
 * message (after the system text) is sent as its bare text. Tools and images cannot be expressed (400).
 */
public final class Ai21Translator {
    static final String JAMBA_API = "AI21 Jamba chat completions";
    static final String J2_API = "AI21 Jurassic-2 complete";

    static final Set<String> JAMBA_ALLOWED = Set.of("model", "messages", "tools", "n", "max_tokens", "temperature",
            "top_p", "stop", "stream", "response_format", "documents");
    /** The gateway's own fields: never forwarded, never an error. */
    static final Set<String> GATEWAY_OWN = Set.of("stream_options");
    static final Set<String> J2_HANDLED = Set.of("model", "messages", "prompt", "stream", "stream_options", "n",
            "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "frequency_penalty",
            "presence_penalty");

    private Ai21Translator() {}

    /** Jurassic-2 models are served by the legacy complete API; everything else (Jamba) by chat completions. */
    public static boolean isJurassic(String upstreamModel) {
        return upstreamModel.startsWith("j2-") || upstreamModel.startsWith("j1-");
    }

    public record Request(ObjectNode body, List<String> dropped) {}

    // ---------------------------------------------------------------- Jamba

    public static Request toJamba(JsonNode in, String upstreamModel, boolean stream, UnsupportedParams policy) {
        ParamPolicy params = new ParamPolicy(policy, JAMBA_API);
        ObjectNode out = Json.object();
        out.put("model", upstreamModel);
        for (Iterator<String> it = in.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            JsonNode value = in.get(name);
            if (name.equals("model") || GATEWAY_OWN.contains(name)) {
                continue;
            }
            if (name.equals("messages")) {
                out.set("messages", jambaMessages(value));
            } else if (name.equals("max_completion_tokens")) {
                if (!value.isNull() && !Json.present(in, "max_tokens")) {
                    out.set("max_tokens", value);
                }
            } else if (JAMBA_ALLOWED.contains(name)) {
                if (!value.isNull()) {
                    out.set(name, value);
                }
            } else if (!isNoOp(name, value)) {
                params.unsupported(name, "AI21 documents only " + String.join(", ", new java.util.TreeSet<>(JAMBA_ALLOWED))
                        + " for Jamba.");
            }
        }
        if (!out.has("messages")) {
            throw TranslationException.badRequest("messages", "messages must be a non-empty list");
        }
        out.put("stream", stream);
        return new Request(out, params.dropped());
    }

    static ArrayNode jambaMessages(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw TranslationException.badRequest("messages", "messages must be a non-empty list");
        }
        ArrayNode out = Json.array();
        for (JsonNode m : messages) {
            ObjectNode copy = m.deepCopy();
            String role = m.path("role").asText("");
            if (role.equals("developer")) {
                copy.put("role", "system");
            }
            copy.remove("name");
            JsonNode content = m.get("content");
            if (content != null && content.isArray()) {
                copy.put("content", textOf(content));
            }
            out.add(copy);
        }
        return out;
    }

    /** Text parts joined; any other part (images, audio, files) cannot be sent to AI21. */
    static String textOf(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if (!"text".equals(part.path("type").asText())) {
                throw TranslationException.badRequest("messages", "AI21 takes text only: a message part of type '"
                        + part.path("type").asText() + "' cannot be sent");
            }
            text.append(part.path("text").asText(""));
        }
        return text.toString();
    }

    /** Null, or OpenAI's default: asks for nothing AI21 would do differently. */
    static boolean isNoOp(String name, JsonNode value) {
        if (value == null || value.isNull()) {
            return true;
        }
        return switch (name) {
            case "logprobs", "parallel_tool_calls" -> value.isBoolean() && (name.equals("logprobs") != value.asBoolean());
            case "frequency_penalty", "presence_penalty" -> value.isNumber() && value.asDouble() == 0.0;
            case "tool_choice" -> value.isTextual() && (value.asText().equals("auto") || value.asText().equals("none"));
            default -> false;
        };
    }

    /**
     * A Jamba answer as the hub's: it is OpenAI-shaped already; the model is the deployment's, the id made sure of,
     * the usage normalised to OpenAI's form (totals computed when AI21 leaves them out).
     */
    public static ObjectNode fromJamba(JsonNode body, String model, long created) {
        ObjectNode out = body.deepCopy();
        out.put("object", "chat.completion");
        if (!out.path("id").isTextual()) {
            out.put("id", "chatcmpl-" + java.util.UUID.randomUUID().toString().replace("-", ""));
        }
        if (!out.has("created")) {
            out.put("created", created);
        }
        out.put("model", model);
        for (JsonNode choice : out.path("choices")) {
            ObjectNode c = (ObjectNode) choice;
            c.put("finish_reason", finishReason(c.path("finish_reason").asText(null)));
        }
        if (body.hasNonNull("usage")) {
            out.set("usage", usage(body.get("usage")));
        }
        return out;
    }

    static ObjectNode usage(JsonNode usage) {
        long prompt = usage.path("prompt_tokens").asLong(0);
        long completion = usage.path("completion_tokens").asLong(0);
        ObjectNode u = Json.object().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", usage.has("total_tokens") ? usage.path("total_tokens").asLong() : prompt + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens",
                usage.path("prompt_tokens_details").path("cached_tokens").asLong(0));
        return u;
    }

    /** AI21's finish reasons (stop, length, tool_calls; endoftext on J2) in OpenAI's words. */
    static String finishReason(String reason) {
        if (reason == null) {
            return "stop";
        }
        return switch (reason) {
            case "length", "max_tokens" -> "length";
            case "tool_calls" -> "tool_calls";
            case "content_filter" -> "content_filter";
            default -> "stop"; // stop, endoftext
        };
    }

    // ---------------------------------------------------------------- Jurassic-2

    public static Request toJurassic(Operation operation, JsonNode in, UnsupportedParams policy) {
        ParamPolicy params = new ParamPolicy(policy, J2_API);
        ObjectNode out = Json.object();
        if (operation == Operation.COMPLETIONS) {
            JsonNode prompt = in.get("prompt");
            if (prompt != null && prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
                prompt = prompt.get(0);
            }
            if (prompt == null || !prompt.isTextual()) {
                throw TranslationException.badRequest("prompt", J2_API + " takes one prompt per request: send "
                        + "prompt as a string");
            }
            out.put("prompt", prompt.asText());
        } else if (operation == Operation.CHAT) {
            out.put("prompt", flatten(in.get("messages")));
        } else {
            throw TranslationException.badRequest(null, J2_API + " serves chat completions and completions only");
        }
        number(in, "n", out, "numResults");
        JsonNode max = Json.present(in, "max_completion_tokens") ? in.get("max_completion_tokens") : in.get("max_tokens");
        if (max != null && !max.isNull()) {
            if (!max.canConvertToInt() || max.asInt() < 1) {
                throw TranslationException.badRequest("max_tokens", "max_tokens must be a positive integer");
            }
            out.put("maxTokens", max.asInt());
        }
        number(in, "temperature", out, "temperature");
        number(in, "top_p", out, "topP");
        JsonNode stop = in.get("stop");
        if (stop != null && !stop.isNull()) {
            ArrayNode seqs = out.putArray("stopSequences");
            if (stop.isTextual()) {
                seqs.add(stop.asText());
            } else if (stop.isArray()) {
                for (JsonNode s : stop) {
                    if (!s.isTextual()) {
                        throw TranslationException.badRequest("stop", "stop must be a string or a list of strings");
                    }
                    seqs.add(s.asText());
                }
            } else {
                throw TranslationException.badRequest("stop", "stop must be a string or a list of strings");
            }
        }
        penalty(in, "frequency_penalty", out, "frequencyPenalty");
        penalty(in, "presence_penalty", out, "presencePenalty");
        for (Iterator<String> it = in.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!J2_HANDLED.contains(name) && !isNoOp(name, in.get(name))) {
                params.unsupported(name, J2_API + " has no such parameter.");
            }
        }
        return new Request(out, params.dropped());
    }

    private static void number(JsonNode in, String from, ObjectNode out, String to) {
        JsonNode v = in.get(from);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isNumber()) {
            throw TranslationException.badRequest(from, from + " must be a number");
        }
        out.set(to, v);
    }

    private static void penalty(JsonNode in, String from, ObjectNode out, String to) {
        JsonNode v = in.get(from);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isNumber()) {
            throw TranslationException.badRequest(from, from + " must be a number");
        }
        out.putObject(to).set("scale", v);
    }

    /** The messages as one Jurassic-2 prompt (see the class comment). */
    static String flatten(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw TranslationException.badRequest("messages", "messages must be a non-empty list");
        }
        List<String> system = new ArrayList<>();
        List<String[]> turns = new ArrayList<>();
        for (JsonNode m : messages) {
            String role = m.path("role").asText("");
            if (m.has("tool_calls") || role.equals("tool") || role.equals("function")) {
                throw TranslationException.badRequest("messages", J2_API + " has no tools: tool calls and tool "
                        + "results cannot be sent");
            }
            String text = textOf(m.get("content"));
            switch (role) {
                case "system", "developer" -> system.add(text);
                case "user" -> turns.add(new String[] {"User", text});
                case "assistant" -> turns.add(new String[] {"Assistant", text});
                default -> throw TranslationException.badRequest("messages", "unknown role '" + role + "'");
            }
        }
        List<String> parts = new ArrayList<>();
        if (!system.isEmpty()) {
            parts.add(String.join("\n\n", system));
        }
        if (turns.size() == 1 && turns.get(0)[0].equals("User")) {
            parts.add(turns.get(0)[1]);
        } else {
            for (String[] t : turns) {
                parts.add(t[0] + ": " + t[1]);
            }
            if (!turns.isEmpty() && turns.get(turns.size() - 1)[0].equals("User")) {
                parts.add("Assistant:");
            }
        }
        return String.join("\n\n", parts);
    }

    /** A Jurassic-2 answer as a chat completion or a text completion, with usage from the token arrays. */
    public static ObjectNode fromJurassic(Operation operation, JsonNode body, String id, String model, long created) {
        boolean chat = operation == Operation.CHAT;
        ObjectNode out = Json.object().put("id", id).put("object", chat ? "chat.completion" : "text_completion")
                .put("created", created).put("model", model);
        ArrayNode choices = out.putArray("choices");
        long completion = 0;
        int index = 0;
        for (JsonNode c : body.path("completions")) {
            String text = c.path("data").path("text").asText("");
            completion += c.path("data").path("tokens").size();
            ObjectNode choice = choices.addObject().put("index", index++);
            if (chat) {
                choice.putObject("message").put("role", "assistant").put("content", text);
            } else {
                choice.put("text", text).putNull("logprobs");
            }
            choice.put("finish_reason", finishReason(c.path("finishReason").path("reason").asText(null)));
        }
        if (body.path("prompt").path("tokens").isArray()) {
            long prompt = body.path("prompt").path("tokens").size();
            ObjectNode usage = out.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion)
                    .put("total_tokens", prompt + completion);
            usage.putObject("prompt_tokens_details").put("cached_tokens", 0);
        }
        return out;
    }
}
