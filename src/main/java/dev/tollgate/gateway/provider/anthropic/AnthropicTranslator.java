package dev.tollgate.gateway.provider.anthropic;

import dev.tollgate.gateway.provider.Translated;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.TranslationOptions;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.Json;

import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.TokenUsage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * Translates requests and non-streaming responses between the OpenAI Chat Completions format and the Anthropic
 * Messages format. Pure functions on Jackson trees: the inputs are never mutated, the outputs share no nodes with
 * them. For streams see {@link AnthropicToOpenAiStream} and {@link OpenAiToAnthropicStream}.
 *
 * <h2>OpenAI request to Anthropic request</h2>
 * <ul>
 *   <li>{@code system} and {@code developer} messages become the top-level {@code system} (a string when there is
 *       one text, else an array of text blocks, in message order; a system message in the middle of the
 *       conversation is hoisted there too, as Anthropic has no system role).</li>
 *   <li>Anthropic treats a final assistant message as a prefill that the reply continues; an OpenAI request ending
 *       with an assistant message is translated as is and gets that behaviour.</li>
 *   <li>{@code tool} messages become {@code tool_result} blocks in a user turn; consecutive messages that end up
 *       with the same role (parallel tool results, a user message after tool results, two user messages) are
 *       merged into one turn, as Anthropic expects alternating turns. Content is always written as an array of
 *       blocks; empty text is left out because Anthropic rejects empty text blocks, and a user message left
 *       empty is rejected (400) rather than skipped.</li>
 *   <li>Assistant {@code tool_calls} become {@code tool_use} blocks, their {@code arguments} JSON text parsed into
 *       the {@code input} object (numbers kept exact); assistant {@code refusal} text becomes text.</li>
 *   <li>Images: {@code data:<type>;base64,<data>} URLs become {@code base64} sources (jpeg, png, gif, webp only),
 *       http(s) URLs become {@code url} sources.</li>
 *   <li>{@code max_completion_tokens}, else {@code max_tokens}, else {@link TranslationOptions#defaultMaxTokens()}
 *       becomes {@code max_tokens}; {@code stop} becomes {@code stop_sequences}; {@code temperature} (when at most
 *       1: Anthropic's range is 0..1) and {@code top_p} are copied; {@code user} (or {@code safety_identifier})
 *       becomes {@code metadata.user_id}; {@code stream} is copied; {@code stream_options} is consumed here (see
 *       {@link #includeUsageRequested(JsonNode)}).</li>
 *   <li>Function tools become {@code {name, description, input_schema}}; {@code tool_choice} auto / required / none
 *       / named function become {@code auto} / {@code any} / {@code none} / {@code tool};
 *       {@code parallel_tool_calls: false} becomes {@code disable_parallel_tool_use: true}.</li>
 *   <li>Parameters without an Anthropic equivalent go through {@link UnsupportedParams}: {@code n} other than 1,
 *       {@code logprobs}, {@code top_logprobs}, {@code seed}, non-zero penalties, {@code logit_bias},
 *       {@code response_format} other than text, {@code reasoning_effort}, audio options, message {@code name}s,
 *       image {@code detail}, {@code strict} functions, unknown parameters, .... {@code response_format}
 *       {@code json_schema} is deliberately treated as unsupported: the Messages API has no
 *       {@code response_format}, and its structured-output configuration ({@code output_config.format}) is
 *       model-dependent, so mapping it could fail or behave differently per model; clients get a 400 under
 *       REJECT, or the format is dropped and reported under DROP.</li>
 * </ul>
 *
 * <h2>Anthropic request to OpenAI request</h2>
 * The reverse mapping: {@code system} becomes a leading system message, {@code tool_result} blocks become
 * {@code tool} messages placed before the rest of their user turn, {@code tool_use} blocks become
 * {@code tool_calls} (input serialized to the {@code arguments} text), images become {@code image_url} parts,
 * {@code stop_sequences} becomes {@code stop}, {@code max_tokens} becomes {@code max_completion_tokens} (or
 * {@code max_tokens}, see {@link TranslationOptions#legacyMaxTokensField()}), {@code metadata.user_id} becomes
 * {@code user}, and a streaming request asks for {@code stream_options.include_usage} so that usage can be
 * reported. {@code top_k}, {@code thinking}, {@code is_error}, server tools and other Anthropic-only features go
 * through {@link UnsupportedParams}.
 *
 * <h2>Prompt-cache breakpoints</h2>
 * Anthropic's {@code cache_control} travels both ways in LiteLLM's OpenAI form
 * ({@link dev.tollgate.gateway.provider.CacheMarkers}): a breakpoint on a system, text or image block is on the part
 * made of it (a marked single text stays an array of parts), one on a {@code tool_result} or {@code tool_use} is on
 * the tool / assistant message, one on a tool is on the function tool, a top-level one stays top-level; back to
 * Anthropic, a message-level breakpoint goes on the message's last block and a function's on its tool.
 *
 * <p>Content that cannot be represented on the other side (audio, files, documents, images in OpenAI tool
 * messages, unknown block types) is always rejected with HTTP 400: it is part of the prompt.
 */
public final class AnthropicTranslator {

    private AnthropicTranslator() {
    }

    /**
     * OpenAI Chat Completions request to Anthropic Messages request.
     *
     * @throws TranslationException (HTTP 400) when the request cannot be translated faithfully, or an unsupported
     *                              parameter is present under {@link UnsupportedParams#REJECT}
     */
    public static Translated toAnthropicRequest(ObjectNode openAiRequest, TranslationOptions options) {
        Objects.requireNonNull(openAiRequest, "openAiRequest");
        Objects.requireNonNull(options, "options");
        return OpenAiRequestToAnthropic.translate(openAiRequest, options);
    }

    /**
     * Anthropic Messages request to OpenAI Chat Completions request.
     * {@link TranslationOptions#defaultMaxTokens()} is not used in this direction.
     *
     * @throws TranslationException (HTTP 400) when the request cannot be translated faithfully, or an unsupported
     *                              parameter is present under {@link UnsupportedParams#REJECT}; its
     *                              {@code param} is then in Anthropic's vocabulary
     */
    public static Translated toOpenAiRequest(ObjectNode anthropicRequest, TranslationOptions options) {
        Objects.requireNonNull(anthropicRequest, "anthropicRequest");
        Objects.requireNonNull(options, "options");
        return AnthropicRequestToOpenAi.translate(anthropicRequest, options);
    }

    /** Whether an OpenAI request asks for a final usage chunk ({@code stream_options.include_usage: true}). */
    public static boolean includeUsageRequested(JsonNode openAiRequest) {
        JsonNode opts = openAiRequest == null ? null : openAiRequest.get("stream_options");
        return opts != null && opts.path("include_usage").asBoolean(false);
    }

    /**
     * Anthropic {@code message} response to OpenAI {@code chat.completion}.
     *
     * <p>Text blocks are concatenated into {@code message.content} ({@code null} when there is none),
     * {@code tool_use} blocks become {@code tool_calls}; thinking blocks (and server-tool blocks, which the
     * translated requests never ask for) are left out, as Chat Completions has no place for them. The
     * {@code stop_sequence} that matched is lost (OpenAI has no field for it). Usage is converted as described in
     * {@link TokenUsage}.
     *
     * @param createdEpochSeconds the {@code created} timestamp to write (the caller's clock)
     * @throws TranslationException with the upstream status when the body is an Anthropic error body, or 502 when
     *                              it is not a message
     */
    public static ObjectNode toOpenAiResponse(ObjectNode anthropicResponse, long createdEpochSeconds) {
        Objects.requireNonNull(anthropicResponse, "anthropicResponse");
        if ("error".equals(Json.text(anthropicResponse, "type"))) {
            throw new TranslationException(ApiError.fromAnthropic(0, anthropicResponse));
        }
        JsonNode content = anthropicResponse.get("content");
        if (!"message".equals(Json.text(anthropicResponse, "type")) || content == null || !content.isArray()) {
            throw TranslationException.badUpstream("The Anthropic response is not a message.");
        }
        StringBuilder text = new StringBuilder();
        boolean hasText = false;
        ArrayNode toolCalls = Json.array();
        for (JsonNode block : content) {
            String type = Json.text(block, "type");
            if ("text".equals(type)) {
                text.append(Json.text(block, "text"));
                hasText = true;
            } else if ("tool_use".equals(type)) {
                ObjectNode call = toolCalls.addObject();
                call.put("id", Json.text(block, "id"));
                call.put("type", "function");
                ObjectNode fn = call.putObject("function");
                fn.put("name", Json.text(block, "name"));
                JsonNode input = block.get("input");
                fn.put("arguments", Json.write(input == null || input.isNull() ? Json.object() : input));
            }
        }
        ObjectNode out = Json.object();
        out.put("id", Json.text(anthropicResponse, "id"));
        out.put("object", "chat.completion");
        out.put("created", createdEpochSeconds);
        out.put("model", Json.text(anthropicResponse, "model"));
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (hasText) {
            message.put("content", text.toString());
        } else {
            message.putNull("content");
        }
        message.putNull("refusal");
        if (!toolCalls.isEmpty()) {
            message.set("tool_calls", toolCalls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", FinishReasons.toOpenAi(Json.text(anthropicResponse, "stop_reason")));
        out.set("usage", TokenUsage.fromAnthropic(anthropicResponse.get("usage")).toOpenAi());
        return out;
    }

    /**
     * OpenAI {@code chat.completion} to Anthropic {@code message}.
     *
     * <p>Uses {@code choices[0]} (translated requests never ask for more). Text content (or a {@code refusal},
     * which also sets {@code stop_reason: refusal}) becomes a text block, {@code tool_calls} become {@code tool_use}
     * blocks. {@code stop_sequence} is always {@code null}: OpenAI does not say whether a stop sequence matched, so
     * {@code stop} maps to {@code end_turn}. A missing {@code usage} is written as zeros (Anthropic requires the
     * object); callers that meter should read the upstream usage.
     *
     * @throws TranslationException with the upstream status when the body is an OpenAI error body, or 502 when it
     *                              has no choice, no finish reason, or tool arguments that are not a JSON object
     */
    public static ObjectNode toAnthropicResponse(ObjectNode openAiResponse) {
        Objects.requireNonNull(openAiResponse, "openAiResponse");
        if (openAiResponse.has("error") && !openAiResponse.get("error").isNull()) {
            throw new TranslationException(ApiError.fromOpenAi(0, openAiResponse));
        }
        JsonNode choices = openAiResponse.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty()) {
            throw TranslationException.badUpstream("The OpenAI-style response has no choices.");
        }
        JsonNode choice = choices.get(0);
        JsonNode message = choice.path("message");
        String finish = Json.text(choice, "finish_reason");
        if (finish == null) {
            throw TranslationException.badUpstream("The OpenAI-style response has no finish_reason.");
        }
        String stopReason = FinishReasons.toAnthropic(finish);

        ObjectNode out = Json.object();
        out.put("id", Json.text(openAiResponse, "id"));
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", Json.text(openAiResponse, "model"));
        ArrayNode content = out.putArray("content");
        String text = contentText(message.get("content"));
        if (text != null && !text.isEmpty()) {
            content.addObject().put("type", "text").put("text", text);
        }
        String refusal = Json.text(message, "refusal");
        if (refusal != null && !refusal.isEmpty()) {
            content.addObject().put("type", "text").put("text", refusal);
            stopReason = "refusal";
        }
        JsonNode toolCalls = message.get("tool_calls");
        if (toolCalls != null && toolCalls.isArray()) {
            for (JsonNode call : toolCalls) {
                content.add(toolUse(call));
            }
        }
        out.put("stop_reason", stopReason);
        out.putNull("stop_sequence");
        out.set("usage", TokenUsage.fromOpenAi(openAiResponse.get("usage")).toAnthropic());
        return out;
    }

    private static String contentText(JsonNode content) {
        if (content == null || content.isNull()) {
            return null;
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        if (content.isArray()) {
            for (JsonNode part : content) {
                String t = Json.text(part, "text");
                if (t != null) {
                    sb.append(t);
                }
            }
        }
        return sb.toString();
    }

    /** An OpenAI tool call (complete, not a chunk) to an Anthropic {@code tool_use} block. */
    static ObjectNode toolUse(JsonNode call) {
        JsonNode fn = call.path("function");
        String args = Json.text(fn, "arguments");
        ObjectNode input;
        if (args == null || args.isBlank()) {
            input = Json.object();
        } else {
            JsonNode parsed = Json.parse(args);
            if (parsed == null || !parsed.isObject()) {
                throw TranslationException.badUpstream("The model produced tool call arguments that are not a "
                        + "JSON object, which an Anthropic tool_use block cannot carry.");
            }
            input = (ObjectNode) parsed;
        }
        ObjectNode block = Json.object();
        block.put("type", "tool_use");
        block.put("id", Json.text(call, "id"));
        block.put("name", Json.text(fn, "name"));
        block.set("input", input);
        return block;
    }
}
