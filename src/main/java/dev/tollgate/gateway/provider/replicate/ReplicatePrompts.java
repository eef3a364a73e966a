package dev.tollgate.gateway.provider.replicate;

import java.util.List;
import java.util.Locale;

/**
 * Chat conversations as the one {@code prompt} string a Replicate language model takes, per model family. A
 * conversation of one user turn (after an optional system text) is sent as the model's own fields ({@code prompt},
 * {@code system_prompt}) so the model applies its own template; a longer one is formatted here in the family's chat
 * format and sent with {@code prompt_template: "{prompt}"} so it is not wrapped a second time.
 *
 * <ul>
 *   <li>Llama 2 chat ({@code *llama-2*chat*}): {@code [INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {assistant}
 *       </s><s>[INST] {user} [/INST]} — Meta's format (the system block inside the first instruction).</li>
 *   <li>Llama 3 instruct ({@code *llama-3*instruct*}): {@code <|begin_of_text|><|start_header_id|>role<|end_header_id|>
 *       \n\n{text}<|eot_id|>}… ending with the assistant header.</li>
 *   <li>Others: plain paragraphs ({@code "User: …"}, {@code "Assistant: …"}, ending {@code "Assistant:"}); the system
 *       text first; one user turn is sent as system text and user text joined by a blank line, without
 *       {@code system_prompt} (not every model has that input).</li>
 * </ul>
 */
public final class ReplicatePrompts {
    private ReplicatePrompts() {}

    public enum Family {
        LLAMA2_CHAT, LLAMA3_INSTRUCT, OTHER;

        /** The family of a Replicate model name ({@code owner/name}, version ignored). */
        public static Family of(String modelName) {
            String n = modelName.toLowerCase(Locale.ROOT);
            if (n.contains("llama-2") && n.contains("chat")) {
                return LLAMA2_CHAT;
            }
            if ((n.contains("llama-3") || n.contains("llama3")) && n.contains("instruct")) {
                return LLAMA3_INSTRUCT;
            }
            return OTHER;
        }

        /** The input field for the most tokens to generate. */
        public String maxTokensField() {
            return this == LLAMA3_INSTRUCT ? "max_tokens" : "max_new_tokens";
        }

        /** Whether the model has a {@code system_prompt} input. */
        public boolean systemPrompt() {
            return this != OTHER;
        }
    }

    /** One turn: role "user" or "assistant" (system texts are collected apart). */
    public record Turn(String role, String text) {}

    /** The prompt fields: {@code prompt}, and {@code systemPrompt} (null when folded in or absent), {@code raw}: send {@code prompt_template: "{prompt}"}. */
    public record Prompt(String prompt, String systemPrompt, boolean raw) {}

    public static Prompt format(Family family, String system, List<Turn> turns) {
        boolean single = turns.size() == 1 && "user".equals(turns.get(0).role());
        if (single) {
            String user = turns.get(0).text();
            if (family.systemPrompt()) {
                return new Prompt(user, system, false);
            }
            return new Prompt(system == null ? user : system + "\n\n" + user, null, false);
        }
        return switch (family) {
            case LLAMA2_CHAT -> new Prompt(llama2(system, turns), null, true);
            case LLAMA3_INSTRUCT -> new Prompt(llama3(system, turns), null, true);
            case OTHER -> new Prompt(plain(system, turns), null, false);
        };
    }

    static String llama2(String system, List<Turn> turns) {
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        boolean open = false; // an [INST] written and not yet closed
        for (Turn t : turns) {
            if ("user".equals(t.role())) {
                if (open) { // two user turns in a row: one instruction
                    sb.append("\n\n").append(t.text());
                    continue;
                }
                if (!first) {
                    sb.append(" </s><s>");
                }
                sb.append("[INST] ");
                if (first && system != null) {
                    sb.append("<<SYS>>\n").append(system).append("\n<</SYS>>\n\n");
                }
                sb.append(t.text());
                open = true;
            } else {
                if (open) {
                    sb.append(" [/INST]");
                    open = false;
                }
                sb.append(' ').append(t.text());
            }
            first = false;
        }
        if (open) {
            sb.append(" [/INST]");
        }
        return sb.toString();
    }

    static String llama3(String system, List<Turn> turns) {
        StringBuilder sb = new StringBuilder("<|begin_of_text|>");
        if (system != null) {
            header(sb, "system").append(system).append("<|eot_id|>");
        }
        for (Turn t : turns) {
            header(sb, t.role()).append(t.text()).append("<|eot_id|>");
        }
        return header(sb, "assistant").toString();
    }

    private static StringBuilder header(StringBuilder sb, String role) {
        return sb.append("<|start_header_id|>").append(role).append("<|end_header_id|>\n\n");
    }

    static String plain(String system, List<Turn> turns) {
        StringBuilder sb = new StringBuilder();
        if (system != null) {
            sb.append(system).append("\n\n");
        }
        for (Turn t : turns) {
            sb.append("user".equals(t.role()) ? "User: " : "Assistant: ").append(t.text()).append("\n\n");
        }
        return sb.append("Assistant:").toString();
    }
}
