package dev.tollgate.gateway.provider.palm;

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
 * The hub's (OpenAI's) requests and answers to and from PaLM 2's two methods of the Generative Language API v1beta2
 * (archived reference: {@code google/ai/generativelanguage/v1beta2/text_service.proto} and
 * {@code discuss_service.proto} in googleapis/googleapis; https://ai.google.dev/palm_docs/curl_quickstart). Pure.
 *
 * <h2>Which method</h2>
 * A model whose id names a chat model ({@code chat-bison-001}: the id contains {@code chat-}) is served by
 * {@code generateMessage}, every other one ({@code text-bison-001}) by {@code generateText}.
 *
 * <h2>generateText (text models)</h2>
 * {@code /v1/completions}: {@code prompt} (a string, or a list of exactly one string) is {@code prompt.text}.
 * {@code /v1/chat/completions}: the messages are flattened into one prompt text:
 * <ul>
 *   <li>the text of every {@code system}/{@code developer} message comes first, paragraphs joined by a blank line;</li>
 *   <li>a conversation of one user message then follows as its bare text (the common case: the model sees exactly
 *       what the user wrote, after the system text);</li>
 *   <li>a longer conversation follows as a transcript, one paragraph per turn, {@code "User: …"} and
 *       {@code "Assistant: …"}, ending with {@code "Assistant:"} when the last turn is the user's, so that the text
 *       model continues as the assistant.</li>
 * </ul>
 * Parameters: {@code temperature}, {@code top_p} → {@code topP}, {@code top_k} → {@code topK}, {@code n} →
 * {@code candidateCount}, {@code max_completion_tokens}/{@code max_tokens} → {@code maxOutputTokens}, {@code stop}
 * → {@code stopSequences}, and the vendor extension {@code safety_settings} (PaLM's own {@code SafetySetting} list)
 * → {@code safetySettings}.
 *
 * <h2>generateMessage (chat models)</h2>
 * {@code system}/{@code developer} text → {@code prompt.context}; {@code prompt.examples} is never sent; the other
 * messages → {@code prompt.messages} with author {@code "0"} (user) and {@code "1"} (assistant), which must
 * alternate and start with the user (consecutive turns of one side are joined into one message, as the API wants
 * alternating authors). Parameters: {@code temperature}, {@code top_p}, {@code top_k}, {@code n}. The method has no
 * output limit and no stop sequences: {@code max_tokens}, {@code max_completion_tokens}, {@code stop} and
 * {@code safety_settings} are unsupported parameters there (400, or dropped under {@code unsupportedParams: drop}).
 * {@code /v1/completions} is refused for chat models (400): use a text model.
 *
 * <h2>Never representable</h2>
 * PaLM has no tools, images or audio: {@code tool} messages, assistant {@code tool_calls} and non-text content parts
 * are refused (400) whatever the policy, because dropping them would change the conversation. {@code tools},
 * {@code tool_choice}, {@code response_format}, penalties, {@code logprobs}, {@code seed}, {@code user} … are
 * unsupported parameters (policy); a value that asks for nothing (null, or OpenAI's default: {@code logprobs: false},
 * penalties 0, {@code response_format} text, {@code tool_choice: "none"}) needs no translation and passes.
 *
 * <h2>Answers</h2>
 * {@code candidates[].output} (text) or {@code candidates[].content} (message) become the choices, in order, with
 * finish reason {@code stop} (PaLM reports none). When the API blocked the answer ({@code filters} present and no
 * candidate), the answer is one choice with empty content and finish reason {@code content_filter}. Citations and
 * {@code safetyFeedback} have no place in OpenAI's answer and are left out. PaLM reports no usage, so the answer
 * has none: the gateway counts the tokens with its tokenizer (Metering).
 */
public final class PalmTranslator {
    static final String TARGET_API = "PaLM (generativelanguage v1beta2)";

    /** Request fields that are translated (or are the gateway's own); every other one is an unsupported parameter. */
    private static final Set<String> HANDLED = Set.of("model", "messages", "prompt", "stream", "stream_options", "n",
            "temperature", "top_p", "top_k", "max_tokens", "max_completion_tokens", "stop", "safety_settings");

    private PalmTranslator() {}

    /** Whether the upstream model id is a chat model, served by {@code generateMessage}. */
    public static boolean isChatModel(String upstreamModel) {
        return modelId(upstreamModel).contains("chat-");
    }

    /** The model id without the API's {@code models/} prefix. */
    public static String modelId(String upstreamModel) {
        return upstreamModel.startsWith("models/") ? upstreamModel.substring("models/".length()) : upstreamModel;
    }

    /** The translated request body and the parameters dropped under the policy. */
    public record Request(ObjectNode body, boolean chatModel, List<String> dropped) {}

    /** The PaLM request for an OpenAI chat completions or completions body. */
    public static Request toPalm(Operation operation, JsonNode openAi, String upstreamModel, UnsupportedParams policy) {
        boolean chatModel = isChatModel(upstreamModel);
        ParamPolicy params = new ParamPolicy(policy, TARGET_API);
        ObjectNode out = Json.object();
        if (operation == Operation.COMPLETIONS) {
            if (chatModel) {
                throw TranslationException.badRequest("model", "'" + modelId(upstreamModel) + "' is a PaLM chat "
                        + "model: it serves /v1/chat/completions only. Use /v1/chat/completions, or a text model "
                        + "(text-bison-001) for /v1/completions.");
            }
            out.putObject("prompt").put("text", completionPrompt(openAi.get("prompt")));
        } else if (operation == Operation.CHAT) {
            Conversation c = conversation(openAi.get("messages"));
            if (chatModel) {
                ObjectNode prompt = out.putObject("prompt");
                if (!c.system().isEmpty()) {
                    prompt.put("context", String.join("\n\n", c.system()));
                }
                ArrayNode messages = prompt.putArray("messages");
                for (Turn t : c.turns()) {
                    messages.addObject().put("author", t.user() ? "0" : "1").put("content", t.text());
                }
            } else {
                out.putObject("prompt").put("text", flatten(c));
            }
        } else {
            throw TranslationException.badRequest(null, TARGET_API + " serves chat completions and completions only");
        }
        sampling(openAi, out, chatModel, params);
        for (Iterator<String> it = openAi.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!HANDLED.contains(name) && !isNoOp(name, openAi.get(name))) {
                params.unsupported(name, advice(name));
            }
        }
        return new Request(out, chatModel, params.dropped());
    }

    /** A value that asks for nothing PaLM would do differently (null, or OpenAI's default): needs no translation. */
    private static boolean isNoOp(String name, JsonNode value) {
        if (value == null || value.isNull()) {
            return true;
        }
        return switch (name) {
            case "logprobs", "store", "echo" -> value.isBoolean() && !value.asBoolean();
            case "frequency_penalty", "presence_penalty" -> value.isNumber() && value.decimalValue().signum() == 0;
            case "response_format" -> "text".equals(value.path("type").asText());
            case "tool_choice" -> "none".equals(value.asText());
            case "best_of" -> value.isNumber() && value.asInt() == 1;
            default -> false;
        };
    }

    private static String advice(String param) {
        return switch (param) {
            case "tools", "tool_choice", "parallel_tool_calls", "functions", "function_call" ->
                    "PaLM has no tool calling: remove it, or use a Gemini model.";
            case "response_format" -> "PaLM has no structured output: describe the format in the prompt.";
            default -> "Remove it, or set the LlmModel's unsupportedParams: drop.";
        };
    }

    /** Temperature, topP, topK, candidateCount and, for text models, maxOutputTokens, stopSequences, safetySettings. */
    private static void sampling(JsonNode in, ObjectNode out, boolean chatModel, ParamPolicy params) {
        number(in, "temperature", out, "temperature");
        number(in, "top_p", out, "topP");
        number(in, "top_k", out, "topK");
        JsonNode n = in.get("n");
        if (n != null && !n.isNull()) {
            if (!n.canConvertToInt() || n.asInt() < 1 || n.asInt() > 8) {
                throw TranslationException.badRequest("n", "n must be between 1 and 8 for " + TARGET_API
                        + " (candidateCount)");
            }
            out.put("candidateCount", n.asInt());
        }
        JsonNode max = present(in, "max_completion_tokens") ? in.get("max_completion_tokens") : in.get("max_tokens");
        String maxName = present(in, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        if (max != null && !max.isNull()) {
            if (chatModel) {
                params.unsupported(maxName, "PaLM's generateMessage has no output limit: remove it.");
            } else {
                if (!max.canConvertToInt() || max.asInt() < 1) {
                    throw TranslationException.badRequest(maxName, maxName + " must be a positive integer");
                }
                out.put("maxOutputTokens", max.asInt());
            }
        }
        JsonNode stop = in.get("stop");
        if (stop != null && !stop.isNull()) {
            if (chatModel) {
                params.unsupported("stop", "PaLM's generateMessage has no stop sequences: remove it.");
            } else {
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
                if (seqs.size() > 5) {
                    throw TranslationException.badRequest("stop", TARGET_API + " takes at most 5 stop sequences");
                }
            }
        }
        JsonNode safety = in.get("safety_settings");
        if (safety != null && !safety.isNull()) {
            if (chatModel) {
                params.unsupported("safety_settings", "PaLM's generateMessage takes no safety settings: remove it.");
            } else if (!safety.isArray()) {
                throw TranslationException.badRequest("safety_settings", "safety_settings must be a list of PaLM "
                        + "SafetySetting objects ({\"category\":\"HARM_CATEGORY_…\",\"threshold\":\"BLOCK_…\"})");
            } else {
                out.set("safetySettings", safety.deepCopy());
            }
        }
    }

    private static boolean present(JsonNode in, String field) {
        return in.get(field) != null && !in.get(field).isNull();
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

    private static String completionPrompt(JsonNode prompt) {
        if (prompt != null && prompt.isTextual()) {
            return prompt.asText();
        }
        if (prompt != null && prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            return prompt.get(0).asText();
        }
        throw TranslationException.badRequest("prompt", TARGET_API + " takes one prompt per request: send prompt "
                + "as a string (token ids and several prompts are not supported)");
    }

    /** One turn of the conversation (consecutive messages of one side joined). */
    record Turn(boolean user, String text) {}

    record Conversation(List<String> system, List<Turn> turns) {}

    static Conversation conversation(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw TranslationException.badRequest("messages", "messages must be a non-empty list");
        }
        List<String> system = new ArrayList<>();
        List<Turn> turns = new ArrayList<>();
        int i = 0;
        for (JsonNode m : messages) {
            String role = m.path("role").asText("");
            String where = "messages[" + i++ + "]";
            if (m.path("tool_calls").isArray() && !m.path("tool_calls").isEmpty() || m.has("function_call")) {
                throw TranslationException.badRequest(where, where + " has tool calls: " + TARGET_API + " has no tool "
                        + "calling. Use a Gemini model for tools.");
            }
            String text = text(m.get("content"), where);
            switch (role) {
                case "system", "developer" -> system.add(text);
                case "user", "assistant" -> {
                    boolean user = "user".equals(role);
                    if (!turns.isEmpty() && turns.get(turns.size() - 1).user() == user) {
                        Turn last = turns.remove(turns.size() - 1);
                        turns.add(new Turn(user, last.text() + "\n\n" + text));
                    } else {
                        turns.add(new Turn(user, text));
                    }
                }
                case "tool", "function" -> throw TranslationException.badRequest(where, where + " is a tool result: "
                        + TARGET_API + " has no tool calling. Use a Gemini model for tools.");
                default -> throw TranslationException.badRequest(where, where + " has role '" + role + "': use system, "
                        + "user or assistant");
            }
        }
        if (turns.isEmpty()) {
            throw TranslationException.badRequest("messages", "messages need at least one user message");
        }
        if (!turns.get(0).user()) {
            throw TranslationException.badRequest("messages", TARGET_API + " needs the conversation to start with a "
                    + "user message (authors alternate, the user first)");
        }
        return new Conversation(system, turns);
    }

    /** A message's content as text: a string, or a list of text parts; anything else cannot be sent to PaLM. */
    private static String text(JsonNode content, String where) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText())) {
                    throw TranslationException.badRequest(where, where + " has a '" + part.path("type").asText()
                            + "' part: " + TARGET_API + " takes text only. Use a Gemini model for images and audio.");
                }
                sb.append(part.path("text").asText(""));
            }
            return sb.toString();
        }
        throw TranslationException.badRequest(where, where + ".content must be a string or a list of text parts");
    }

    /** The conversation as one prompt text, by the rule in the class comment. */
    static String flatten(Conversation c) {
        StringBuilder sb = new StringBuilder(String.join("\n\n", c.system()));
        if (c.turns().size() == 1) {
            if (sb.length() > 0) {
                sb.append("\n\n");
            }
            return sb.append(c.turns().get(0).text()).toString();
        }
        for (Turn t : c.turns()) {
            if (sb.length() > 0) {
                sb.append("\n\n");
            }
            sb.append(t.user() ? "User: " : "Assistant: ").append(t.text());
        }
        if (c.turns().get(c.turns().size() - 1).user()) {
            sb.append("\n\nAssistant:");
        }
        return sb.toString();
    }

    // ---- answers ------------------------------------------------------------------------------------------------

    /**
     * A PaLM answer as the hub's: {@code chat.completion} for chat, {@code text_completion} for completions, by the
     * rule in the class comment; no usage.
     */
    public static ObjectNode toOpenAi(Operation operation, JsonNode palm, boolean chatModel, String id, String model,
            long created) {
        boolean chat = operation == Operation.CHAT;
        ObjectNode out = Json.object();
        out.put("id", id);
        out.put("object", chat ? "chat.completion" : "text_completion");
        out.put("created", created);
        out.put("model", model);
        ArrayNode choices = out.putArray("choices");
        JsonNode candidates = palm.path("candidates");
        List<String> texts = new ArrayList<>();
        for (JsonNode c : candidates) {
            texts.add(c.path(chatModel ? "content" : "output").asText(""));
        }
        String finish = "stop";
        if (texts.isEmpty() && palm.path("filters").isArray() && !palm.path("filters").isEmpty()) {
            texts.add(""); // blocked: one empty choice saying so
            finish = "content_filter";
        } else if (texts.isEmpty()) {
            texts.add("");
        }
        for (int i = 0; i < texts.size(); i++) {
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            if (chat) {
                ObjectNode message = choice.putObject("message");
                message.put("role", "assistant");
                message.put("content", texts.get(i));
                message.putNull("refusal");
            } else {
                choice.put("text", texts.get(i));
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", finish);
        }
        return out;
    }
}
