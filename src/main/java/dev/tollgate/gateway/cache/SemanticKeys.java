package dev.tollgate.gateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the semantic cache embeds of a request, and which semantic partition it looks in. Pure.
 *
 * <p><b>The text embedded</b> ({@link #prompt}) is the conversation without its instructions, one line per turn,
 * {@code <role>: <text>} (roughly what LiteLLM embeds, which joins every message's content; the system prompt is left
 * out here because it is part of the partition instead):
 * <ul>
 *   <li>OpenAI chat ({@code /v1/chat/completions}): each message of {@code messages} whose role is not {@code system}
 *       or {@code developer}, in order: its {@code content} (a string, or the {@code text} of its {@code text}
 *       parts joined by a newline), then, for an assistant's {@code tool_calls}, one {@code [tool_call <name>
 *       <arguments>]} each (its {@code function_call} alike); a {@code tool} message's role is written
 *       {@code tool <tool_call_id>}.</li>
 *   <li>Anthropic Messages ({@code /v1/messages}): each message of {@code messages}: its {@code content} (a string,
 *       or its blocks: {@code text} blocks' text, {@code tool_use} as {@code [tool_use <name> <input>]},
 *       {@code tool_result} as {@code [tool_result <tool_use_id>] <its text>}; {@code thinking} blocks are left
 *       out).</li>
 *   <li>Completions ({@code /v1/completions}): {@code prompt} (a string, or an array of strings joined by a
 *       newline).</li>
 * </ul>
 * Nothing is embedded (null: the request is not looked up nor stored semantically) when the request holds
 * anything a text embedding cannot see: an image, audio, file or document part, a prompt of token ids, an
 * unknown part type; when the text is empty; or when it is longer than {@link #MAX_PROMPT_CHARS} (an embedding
 * of a truncated prompt would match prompts that differ in their tail). Embeddings and every other operation are
 * not cached semantically.
 *
 * <p><b>The partition</b> ({@link #partition}) is the SHA-256 of: every component of the request's
 * {@link Partition} (tenant, namespace, model group, purge token, the client's own namespace), the client dialect
 * and operation, the embedding group (vectors of two embedding models are not comparable), and, in a canonical form
 * (object members sorted, numbers by value), the instructions and every body field except those that do not
 * change the answer or are the embedded text: the OpenAI {@code system} and {@code developer} messages (whole,
 * in order), and every top-level field except {@code messages} (chat) or {@code prompt} (completions),
 * {@code user}, {@code stream}, {@code stream_options}, {@code cache} and {@code metadata}. So Anthropic's
 * {@code system}, {@code tools}, {@code tool_choice}, {@code functions}, {@code response_format},
 * {@code temperature}, {@code max_tokens}, {@code n}, {@code seed}, ... all partition: a request with another
 * value of any of them never gets a semantic hit from this one.
 */
public final class SemanticKeys {
    /** The longest text embedded, in characters (about 8k tokens, OpenAI's embedding models' input limit). */
    public static final int MAX_PROMPT_CHARS = 24_000;

    /** Body fields that are not part of the partition. */
    static final Set<String> NOT_PARTITIONED = Set.of("user", "stream", "stream_options", "cache", "metadata");

    private SemanticKeys() {}

    /** The text to embed, or null when the request is not cached semantically (see the class comment). */
    public static String prompt(WireFormat ingress, Operation operation, ObjectNode body) {
        StringBuilder out = new StringBuilder();
        boolean ok;
        if (operation == Operation.CHAT) {
            JsonNode messages = body.path("messages");
            if (!messages.isArray()) {
                return null;
            }
            ok = ingress == WireFormat.ANTHROPIC ? anthropic(messages, out) : openAi(messages, out);
        } else if (operation == Operation.COMPLETIONS) {
            ok = completion(body.path("prompt"), out);
        } else {
            return null;
        }
        if (!ok || out.length() > MAX_PROMPT_CHARS || out.toString().isBlank()) {
            return null;
        }
        return out.toString();
    }

    private static boolean openAi(JsonNode messages, StringBuilder out) {
        for (JsonNode m : messages) {
            String role = m.path("role").asText("");
            if (role.equals("system") || role.equals("developer")) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            JsonNode content = m.path("content");
            if (content.isTextual()) {
                text.append(content.asText());
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    String type = part.path("type").asText("");
                    if (type.equals("text") || type.equals("input_text")) {
                        line(text, part.path("text").asText(""));
                    } else if (!type.equals("refusal")) {
                        return false; // an image, audio, file ...: not seen by a text embedding
                    }
                }
            } else if (!content.isMissingNode() && !content.isNull()) {
                return false;
            }
            for (JsonNode call : m.path("tool_calls")) {
                line(text, "[tool_call " + call.path("function").path("name").asText("") + " "
                        + call.path("function").path("arguments").asText("") + "]");
            }
            if (m.path("function_call").isObject()) {
                line(text, "[tool_call " + m.path("function_call").path("name").asText("") + " "
                        + m.path("function_call").path("arguments").asText("") + "]");
            }
            if (role.equals("tool")) {
                role = "tool " + m.path("tool_call_id").asText("");
            }
            line(out, role + ": " + text);
        }
        return true;
    }

    private static boolean anthropic(JsonNode messages, StringBuilder out) {
        for (JsonNode m : messages) {
            StringBuilder text = new StringBuilder();
            if (!anthropicContent(m.path("content"), text)) {
                return false;
            }
            line(out, m.path("role").asText("") + ": " + text);
        }
        return true;
    }

    private static boolean anthropicContent(JsonNode content, StringBuilder text) {
        if (content.isTextual()) {
            text.append(content.asText());
            return true;
        }
        if (!content.isArray()) {
            return content.isMissingNode() || content.isNull();
        }
        for (JsonNode block : content) {
            switch (block.path("type").asText("")) {
                case "text" -> line(text, block.path("text").asText(""));
                case "tool_use" -> line(text, "[tool_use " + block.path("name").asText("") + " "
                        + canonical(block.path("input")) + "]");
                case "tool_result" -> {
                    StringBuilder result = new StringBuilder();
                    if (!anthropicContent(block.path("content"), result)) {
                        return false;
                    }
                    line(text, "[tool_result " + block.path("tool_use_id").asText("") + "] " + result);
                }
                case "thinking", "redacted_thinking" -> { }
                default -> {
                    return false; // image, document, ...
                }
            }
        }
        return true;
    }

    private static boolean completion(JsonNode prompt, StringBuilder out) {
        if (prompt.isTextual()) {
            out.append(prompt.asText());
            return true;
        }
        if (!prompt.isArray()) {
            return false;
        }
        for (JsonNode p : prompt) {
            if (!p.isTextual()) {
                return false; // token ids
            }
            line(out, p.asText());
        }
        return true;
    }

    private static void line(StringBuilder out, String s) {
        if (out.length() > 0) {
            out.append('\n');
        }
        out.append(s);
    }

    /**
     * The semantic partition of a request (hex SHA-256; see the class comment).
     *
     * @param embeddingModel the embedding group's public name
     */
    public static String partition(Partition partition, String embeddingModel, WireFormat ingress, Operation operation,
            ObjectNode body) {
        StringBuilder s = new StringBuilder();
        for (String part : new String[] {partition.tenant(), partition.namespace(), partition.group(), partition.purge(),
                partition.clientNamespace(), ingress.name(), operation.name(), embeddingModel}) {
            field(s, part);
        }
        if (operation == Operation.CHAT && ingress == WireFormat.OPENAI) {
            StringBuilder system = new StringBuilder();
            for (JsonNode m : body.path("messages")) {
                String role = m.path("role").asText("");
                if (role.equals("system") || role.equals("developer")) {
                    canonical(m, system);
                    system.append(',');
                }
            }
            field(s, system.toString());
        }
        String embedded = operation == Operation.COMPLETIONS ? "prompt" : "messages";
        TreeMap<String, JsonNode> rest = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals(embedded) && !NOT_PARTITIONED.contains(e.getKey())) {
                rest.put(e.getKey(), e.getValue());
            }
        }
        rest.forEach((name, value) -> {
            field(s, name);
            field(s, canonical(value));
        });
        return sha256(s.toString());
    }

    /** Length-prefixed, so that no two different lists of fields join to the same string. */
    private static void field(StringBuilder s, String value) {
        if (value == null) {
            s.append("-1:");
            return;
        }
        s.append(value.length()).append(':').append(value);
    }

    /** JSON with object members sorted and numbers by value ({@code 1}, {@code 1.0} and {@code 1e0} alike). */
    static String canonical(JsonNode node) {
        StringBuilder out = new StringBuilder();
        canonical(node, out);
        return out.toString();
    }

    private static void canonical(JsonNode node, StringBuilder out) {
        if (node == null || node.isMissingNode()) {
            out.append("null");
        } else if (node.isObject()) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            node.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(com.fasterxml.jackson.databind.node.TextNode.valueOf(e.getKey())).append(':');
                canonical(e.getValue(), out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            List<JsonNode> items = new ArrayList<>();
            node.forEach(items::add);
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                canonical(items.get(i), out);
            }
            out.append(']');
        } else if (node.isNumber()) {
            BigDecimal v = node.decimalValue().stripTrailingZeros();
            out.append(v.signum() == 0 ? "0" : v.toString());
        } else {
            out.append(node.toString());
        }
    }

    static String sha256(String s) {
        return dev.tollgate.gateway.Sha256.hex(dev.tollgate.gateway.Sha256.of(s), 32);
    }
}
