package dev.tollgate.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.HubChunks;
import dev.tollgate.gateway.provider.StreamDecoder;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.function.Consumer;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;
import software.amazon.eventstream.MessageDecoder;

/**
 * ConverseStream's answer (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html) as
 * hub chunks. The body is {@code application/vnd.amazon.eventstream}: binary frames (prelude with total and header
 * lengths and its CRC32, headers, a JSON payload, the message CRC32), decoded by AWS's own decoder, which verifies both
 * checksums: a corrupt frame fails the stream. Each frame's {@code :message-type} header says what it is:
 * <pre>
 * event     :event-type messageStart      {role}                                  -> the role chunk
 *           :event-type contentBlockStart {contentBlockIndex, start.toolUse{toolUseId,name}} -> a tool-call chunk
 *           :event-type contentBlockDelta {contentBlockIndex, delta.text | delta.toolUse.input | delta.reasoningContent}
 *                                                                                   -> text / arguments (reasoning: nothing)
 *           :event-type contentBlockStop  {contentBlockIndex}                     -> nothing
 *           :event-type messageStop       {stopReason}                            -> the finish chunk
 *           :event-type metadata          {usage, metrics}                        -> the usage chunk
 * exception :exception-type throttlingException | validationException | modelStreamErrorException | ...  {message}
 *                                                                                   -> the stream fails (BedrockErrors)
 * error     :error-code, :error-message                                           -> the stream fails
 * </pre>
 * The answer is complete once {@code messageStop} has come (the usage follows it in {@code metadata}); a body that
 * ends before it was cut.
 */
final class BedrockStream implements StreamDecoder {
    private final HubChunks chunks;
    private final String modelId;
    private final Queue<Message> decoded = new ArrayDeque<>();
    private final MessageDecoder decoder = new MessageDecoder(decoded::add);
    private final Map<Integer, Integer> toolIndex = new HashMap<>();
    private boolean started;
    private boolean stopped;
    private boolean sawToolCall;
    private TokenUsage usage;

    BedrockStream(String id, String model, long created, String modelId) {
        this.chunks = new HubChunks(id, model, created);
        this.modelId = modelId;
    }

    @Override
    public void feed(Buffer bytes, Consumer<ObjectNode> out) {
        try {
            decoder.feed(bytes.getBytes());
        } catch (RuntimeException e) { // a checksum that does not match, a length out of bounds
            throw new UpstreamException(new ApiError(502, "api_error", "upstream_error", "Bedrock's event stream for "
                    + modelId + " has a corrupt frame (" + e.getClass().getSimpleName() + "): the answer is "
                    + "incomplete, retry", null, "upstream_error"), 200, null);
        }
        for (Message m = decoded.poll(); m != null; m = decoded.poll()) {
            onMessage(m, out);
        }
    }

    private static String header(Message m, String name) {
        HeaderValue v = m.getHeaders().get(name);
        return v == null ? null : v.getString();
    }

    private void onMessage(Message m, Consumer<ObjectNode> out) {
        String kind = header(m, ":message-type");
        JsonNode payload = m.getPayload().length == 0 ? Json.object() : Json.parse(m.getPayload());
        if ("exception".equals(kind)) {
            String type = header(m, ":exception-type");
            throw BedrockErrors.from(status(type), type, payload == null ? new String(m.getPayload(),
                    StandardCharsets.UTF_8) : BedrockErrors.message(payload), null, modelId);
        }
        if ("error".equals(kind)) {
            throw BedrockErrors.from(500, header(m, ":error-code"), header(m, ":error-message"), null, modelId);
        }
        if (payload == null) {
            throw TranslationException.badUpstream("Bedrock sent a stream event whose payload is not JSON");
        }
        String event = header(m, ":event-type");
        if (event == null) {
            return;
        }
        switch (event) {
            case "messageStart" -> start(out);
            case "contentBlockStart" -> {
                start(out);
                JsonNode use = payload.path("start").path("toolUse");
                if (use.isObject()) {
                    int hub = toolIndex.size();
                    toolIndex.put(payload.path("contentBlockIndex").asInt(hub), hub);
                    sawToolCall = true;
                    out.accept(chunks.toolCall(hub, use.path("toolUseId").asText(""), use.path("name").asText(""), ""));
                }
            }
            case "contentBlockDelta" -> {
                start(out);
                JsonNode delta = payload.path("delta");
                if (delta.path("text").isTextual()) {
                    if (!delta.get("text").asText().isEmpty()) {
                        out.accept(chunks.text(delta.get("text").asText()));
                    }
                } else if (delta.path("toolUse").isObject()) {
                    Integer hub = toolIndex.get(payload.path("contentBlockIndex").asInt(-1));
                    if (hub == null) {
                        throw TranslationException.badUpstream("Bedrock sent tool input for a block it did not start");
                    }
                    String input = delta.get("toolUse").path("input").asText("");
                    if (!input.isEmpty()) {
                        out.accept(chunks.toolCall(hub, null, null, input));
                    }
                }
                // reasoningContent, citations: not content of an OpenAI answer
            }
            case "messageStop" -> {
                start(out);
                String finish = BedrockConverse.finishReason(payload.path("stopReason").asText(null));
                out.accept(chunks.finish(sawToolCall && "stop".equals(finish) ? "tool_calls" : finish));
                stopped = true;
            }
            case "metadata" -> {
                usage = BedrockConverse.usage(payload.get("usage"));
                if (usage != null) {
                    out.accept(chunks.usage(usage.toOpenAi()));
                }
            }
            default -> {
                // contentBlockStop and events added later: nothing for the hub
            }
        }
    }

    /** The HTTP status an exception event stands for (ConverseStreamOutput's documented codes). */
    static int status(String exceptionType) {
        if (exceptionType == null) {
            return 500;
        }
        return switch (exceptionType) {
            case "throttlingException" -> 429;
            case "validationException" -> 400;
            case "modelStreamErrorException" -> 424;
            case "serviceUnavailableException" -> 503;
            default -> 500;
        };
    }

    private void start(Consumer<ObjectNode> out) {
        if (!started) {
            started = true;
            out.accept(chunks.role());
        }
    }

    @Override
    public boolean end(Consumer<ObjectNode> out) {
        return stopped;
    }

    @Override
    public TokenUsage usageSoFar() {
        return usage;
    }
}
