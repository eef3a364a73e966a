package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Bodies of the OpenAI API as its OpenAPI description (openai/openai-openapi) defines them, shared by
 * {@link FakeOpenAi} and {@link FakeAzureOpenAi} (Azure OpenAI returns the same shapes). Each method names
 * the schema it mirrors.
 */
final class OpenAiWire {

    private OpenAiWire() {
    }

    /** Azure's content-filter verdict for a harmless text (four categories, all "safe"). */
    static ObjectNode safeFilterResults() {
        ObjectNode results = FakeUpstream.object();
        for (String category : List.of("hate", "self_harm", "sexual", "violence")) {
            results.putObject(category).put("filtered", false).put("severity", "safe");
        }
        return results;
    }

    /** {@code CompletionUsage}: prompt_tokens, completion_tokens, total_tokens. */
    static ObjectNode usage(int prompt, int completion) {
        return FakeUpstream.object()
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    /**
     * {@code CompletionUsage} with {@code prompt_tokens_details.cached_tokens} when the reply reads from the cache
     * (https://platform.openai.com/docs/guides/prompt-caching: cached tokens are part of prompt_tokens; OpenAI writes
     * no cache-write count).
     */
    static ObjectNode usage(int prompt, int completion, Reply reply) {
        ObjectNode u = usage(prompt, completion);
        if (reply.cacheReadTokens() > 0) {
            u.putObject("prompt_tokens_details").put("cached_tokens", reply.cacheReadTokens()).put("audio_tokens", 0);
        }
        return u;
    }

    /** {@code ErrorResponse}: {@code {"error":{"message","type","param","code"}}}, all four keys present. */
    static ObjectNode error(String message, String type, String param, String code) {
        ObjectNode body = FakeUpstream.object();
        ObjectNode error = body.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return body;
    }

    static String finishReason(Reply reply) {
        return reply.finishReasonOr(reply.toolCallList().isEmpty() ? "stop" : "tool_calls");
    }

    /** {@code CreateChatCompletionResponse} ({@code object: chat.completion}). */
    static ObjectNode chatCompletion(String id, long created, String model, Reply reply, int promptTokens,
                                     boolean azure, String toolIdPrefix, FakeUpstream ids) {
        ObjectNode body = FakeUpstream.object()
                .put("id", id)
                .put("object", "chat.completion")
                .put("created", created)
                .put("model", model);
        ArrayNode choices = body.putArray("choices");
        ObjectNode choice = choices.addObject().put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", reply.text());
        message.putNull("refusal");
        message.putArray("annotations");
        if (!reply.toolCallList().isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            for (Reply.ToolCall call : reply.toolCallList()) {
                ObjectNode c = calls.addObject();
                c.put("id", call.id() != null ? call.id() : ids.newId(toolIdPrefix));
                c.put("type", "function");
                c.putObject("function").put("name", call.name()).put("arguments", call.argumentsJson());
            }
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(reply));
        if (azure) {
            choice.set("content_filter_results", safeFilterResults());
            body.putArray("prompt_filter_results").addObject().put("prompt_index", 0)
                    .set("content_filter_results", safeFilterResults());
        }
        body.set("usage", usage(promptTokens, reply.completionTokens(), reply));
        return body;
    }

    /**
     * The {@code CreateChatCompletionStreamResponse} events of a streamed chat completion, as
     * {@code data: <chunk>} frames ending with {@code data: [DONE]}: a first chunk with the assistant role,
     * one chunk per text delta, for each tool call a chunk with its id/name and then one per argument
     * fragment ({@code ChatCompletionMessageToolCallChunk}, keyed by {@code index}), a chunk with an empty
     * delta and the finish reason, and — when {@code stream_options.include_usage} — a last chunk with
     * {@code choices: []} and the usage (all earlier chunks then carry {@code "usage": null}).
     * Azure streams first a chunk with empty choices and {@code prompt_filter_results}.
     */
    static List<String> chatChunks(String id, long created, String model, Reply reply, int promptTokens,
                                   boolean includeUsage, boolean azure, String toolIdPrefix, FakeUpstream ids) {
        List<ObjectNode> chunks = new ArrayList<>();
        if (azure) {
            ObjectNode filter = FakeUpstream.object();
            filter.putArray("choices");
            filter.put("created", 0).put("id", "").put("model", "").put("object", "");
            filter.putArray("prompt_filter_results").addObject().put("prompt_index", 0)
                    .set("content_filter_results", safeFilterResults());
            chunks.add(filter);
        }
        ObjectNode first = FakeUpstream.object().put("role", "assistant");
        if (reply.text() != null) {
            first.put("content", "");
        } else {
            first.putNull("content");
        }
        first.putNull("refusal");
        chunks.add(chunk(id, created, model, first, null, includeUsage));
        for (String piece : reply.textPieces()) {
            chunks.add(chunk(id, created, model, FakeUpstream.object().put("content", piece), null, includeUsage));
        }
        int index = 0;
        for (Reply.ToolCall call : reply.toolCallList()) {
            ObjectNode head = FakeUpstream.object();
            ObjectNode tc = head.putArray("tool_calls").addObject().put("index", index);
            tc.put("id", call.id() != null ? call.id() : ids.newId(toolIdPrefix));
            tc.put("type", "function");
            tc.putObject("function").put("name", call.name()).put("arguments", "");
            chunks.add(chunk(id, created, model, head, null, includeUsage));
            for (String fragment : call.argumentFragments()) {
                ObjectNode delta = FakeUpstream.object();
                delta.putArray("tool_calls").addObject().put("index", index)
                        .putObject("function").put("arguments", fragment);
                chunks.add(chunk(id, created, model, delta, null, includeUsage));
            }
            index++;
        }
        chunks.add(chunk(id, created, model, FakeUpstream.object(), finishReason(reply), includeUsage));
        if (azure) {
            for (ObjectNode c : chunks.subList(1, chunks.size())) {
                ((ObjectNode) c.withArray("choices").get(0)).set("content_filter_results", safeFilterResults());
            }
        }
        if (includeUsage) {
            ObjectNode last = FakeUpstream.object()
                    .put("id", id)
                    .put("object", "chat.completion.chunk")
                    .put("created", created)
                    .put("model", model);
            last.putArray("choices");
            last.set("usage", usage(promptTokens, reply.completionTokens(), reply));
            chunks.add(last);
        }
        return dataFrames(chunks);
    }

    private static ObjectNode chunk(String id, long created, String model, ObjectNode delta, String finishReason,
                                    boolean includeUsage) {
        ObjectNode chunk = FakeUpstream.object()
                .put("id", id)
                .put("object", "chat.completion.chunk")
                .put("created", created)
                .put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    /** {@code CreateCompletionResponse} ({@code object: text_completion}, {@code choices[].text}). */
    static ObjectNode textCompletion(String id, long created, String model, String text, String finishReason) {
        ObjectNode body = FakeUpstream.object()
                .put("id", id)
                .put("object", "text_completion")
                .put("created", created)
                .put("model", model);
        body.putArray("choices").addObject()
                .put("text", text)
                .put("index", 0)
                .putNull("logprobs")
                .put("finish_reason", finishReason);
        return body;
    }

    /**
     * A streamed legacy completion: "both the streamed and non-streamed response objects share the same
     * shape" — one {@code text_completion} object per text delta, the last with the finish reason, an
     * optional usage object with empty choices, then {@code data: [DONE]}.
     */
    static List<String> textCompletionChunks(String id, long created, String model, Reply reply, int promptTokens,
                                             boolean includeUsage) {
        List<ObjectNode> chunks = new ArrayList<>();
        List<String> pieces = reply.textPieces();
        for (String piece : pieces) {
            chunks.add(textCompletion(id, created, model, piece, null));
        }
        chunks.add(textCompletion(id, created, model, "", reply.finishReasonOr("stop")));
        if (includeUsage) {
            ObjectNode last = FakeUpstream.object().put("id", id).put("object", "text_completion")
                    .put("created", created).put("model", model);
            last.putArray("choices");
            last.set("usage", usage(promptTokens, reply.completionTokens(), reply));
            chunks.add(last);
        }
        return dataFrames(chunks);
    }

    private static List<String> dataFrames(List<ObjectNode> chunks) {
        List<String> frames = new ArrayList<>();
        for (ObjectNode chunk : chunks) {
            frames.add("data: " + FakeUpstream.write(chunk) + "\n\n");
        }
        frames.add("data: [DONE]\n\n");
        return frames;
    }

    /** The in-stream error the SDKs recognise: a {@code data:} event whose JSON has an {@code error} key. */
    static String streamErrorFrame(Reply reply) {
        return "data: " + FakeUpstream.write(error(reply.errorMessage(), reply.errorType(), reply.errorParam(),
                reply.errorCode())) + "\n\n";
    }

    /** The texts of an embeddings {@code input}: a string, an array of strings, of token ids, or of arrays. */
    static List<String> embeddingInputs(JsonNode input) {
        List<String> texts = new ArrayList<>();
        if (input.isTextual()) {
            texts.add(input.asText());
        } else if (input.isArray() && !input.isEmpty() && input.get(0).isNumber()) {
            texts.add(input.toString());
        } else if (input.isArray()) {
            input.forEach(item -> texts.add(item.isTextual() ? item.asText() : item.toString()));
        }
        return texts;
    }

    /** Token count the fakes report for an embedding input: one per whitespace-separated word of a text,
     * one per token id. */
    static int tokens(JsonNode input) {
        if (input.isTextual()) {
            return words(input.asText());
        }
        int count = 0;
        for (JsonNode item : input) {
            if (item.isNumber()) {
                count++;
            } else if (item.isArray()) {
                count += item.size();
            } else {
                count += words(item.asText());
            }
        }
        return count;
    }

    private static int words(String text) {
        String trimmed = text.trim();
        return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
    }

    /** The deterministic vector the fakes return for {@code text}: values in [-1, 1) from a seeded PRNG. */
    static float[] vector(String text, int dimensions) {
        Random random = new Random(text.hashCode());
        float[] vector = new float[dimensions];
        for (int i = 0; i < dimensions; i++) {
            vector[i] = random.nextFloat() * 2 - 1;
        }
        return vector;
    }

    /** The {@code base64} encoding of an embedding: little-endian IEEE-754 float32s, base64-encoded. */
    static String base64(float[] vector) {
        ByteBuffer buffer = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : vector) {
            buffer.putFloat(v);
        }
        return Base64.getEncoder().encodeToString(buffer.array());
    }

    /** {@code CreateEmbeddingResponse}: {@code object: list}, {@code Embedding} items, usage
     * {@code prompt_tokens}/{@code total_tokens}. Honours {@code encoding_format} and {@code dimensions}. */
    static ObjectNode embeddings(JsonNode request, String model, int defaultDimensions, Reply reply) {
        JsonNode input = request.path("input");
        int dimensions = request.path("dimensions").asInt(defaultDimensions);
        boolean base64 = "base64".equals(request.path("encoding_format").asText("float"));
        ObjectNode body = FakeUpstream.object().put("object", "list");
        ArrayNode data = body.putArray("data");
        List<String> inputs = embeddingInputs(input);
        for (int i = 0; i < inputs.size(); i++) {
            float[] vector = vector(inputs.get(i), dimensions);
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                item.put("embedding", base64(vector));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float v : vector) {
                    values.add(v);
                }
            }
        }
        body.put("model", model);
        int prompt = reply.promptTokens(tokens(input));
        body.putObject("usage").put("prompt_tokens", prompt).put("total_tokens", prompt);
        return body;
    }

    /**
     * {@code ImagesResponse}: {@code created} and {@code data[]} of {@code Image} — {@code b64_json} when
     * {@code response_format} is {@code b64_json} or the model is a GPT image model (they return base64
     * only), else a {@code url}; {@code revised_prompt} for {@code dall-e-3} only, as documented.
     */
    static ObjectNode images(JsonNode request, long created, String blobBase, FakeUpstream ids) {
        String model = request.path("model").asText("dall-e-2");
        int n = request.path("n").asInt(1);
        boolean b64 = "b64_json".equals(request.path("response_format").asText())
                || model.startsWith("gpt-image");
        ObjectNode body = FakeUpstream.object().put("created", created);
        ArrayNode data = body.putArray("data");
        for (int i = 0; i < n; i++) {
            ObjectNode image = data.addObject();
            if (b64) {
                image.put("b64_json", Base64.getEncoder().encodeToString(FakeUpstream.PNG));
            } else {
                image.put("url", blobBase + ids.newId("img-") + ".png");
            }
            if (model.equals("dall-e-3")) {
                image.put("revised_prompt", revisedPrompt(request.path("prompt").asText()));
            }
        }
        return body;
    }

    /** What the fakes report as dall-e-3's {@code revised_prompt}. */
    static String revisedPrompt(String prompt) {
        return "A detailed rendering of: " + prompt;
    }
}
