package dev.tollgate.gateway.provider.anthropic;

/**
 * Mapping between Anthropic {@code stop_reason} and OpenAI {@code finish_reason}.
 *
 * <table>
 *   <caption>Anthropic to OpenAI</caption>
 *   <tr><th>stop_reason</th><th>finish_reason</th></tr>
 *   <tr><td>end_turn, stop_sequence</td><td>stop</td></tr>
 *   <tr><td>max_tokens, model_context_window_exceeded</td><td>length</td></tr>
 *   <tr><td>tool_use</td><td>tool_calls</td></tr>
 *   <tr><td>refusal</td><td>content_filter</td></tr>
 *   <tr><td>pause_turn</td><td>stop (only occurs with Anthropic server tools, which the translation never
 *       requests)</td></tr>
 * </table>
 *
 * <table>
 *   <caption>OpenAI to Anthropic</caption>
 *   <tr><th>finish_reason</th><th>stop_reason</th></tr>
 *   <tr><td>stop</td><td>end_turn (OpenAI does not say whether a stop sequence matched)</td></tr>
 *   <tr><td>length</td><td>max_tokens</td></tr>
 *   <tr><td>tool_calls, function_call</td><td>tool_use</td></tr>
 *   <tr><td>content_filter</td><td>refusal</td></tr>
 * </table>
 *
 * <p>Values this class does not know map to {@code stop} / {@code end_turn} so that a new upstream reason does not
 * break responses; {@code null} maps to {@code null}.
 */
public final class FinishReasons {

    private FinishReasons() {
    }

    /** Anthropic {@code stop_reason} to OpenAI {@code finish_reason}. */
    public static String toOpenAi(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn, unknown
        };
    }

    /** OpenAI {@code finish_reason} to Anthropic {@code stop_reason}. */
    public static String toAnthropic(String finishReason) {
        if (finishReason == null) {
            return null;
        }
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn"; // stop, unknown
        };
    }
}
