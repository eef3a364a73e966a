package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Prompt-cache breakpoints in the hub's (OpenAI's) dialect, as LiteLLM carries Anthropic's {@code cache_control}
 * there (https://docs.litellm.ai/docs/completion/prompt_caching): {@code {"type": "ephemeral", "ttl"?: "5m"|"1h"}} on
 * <ul>
 *   <li>a content part ({@code {"type":"text","text":…,"cache_control":{…}}}, image parts too): the breakpoint is
 *       after that part;</li>
 *   <li>a message ({@code {"role":…,"content":"…","cache_control":{…}}}): after the message's last block (a string
 *       content is one block);</li>
 *   <li>a tool ({@code {"type":"function","function":{…},"cache_control":{…}}}, or inside {@code function}): after
 *       that tool's definition;</li>
 *   <li>the request itself (top-level {@code cache_control}, Anthropic's automatic caching): the provider places the
 *       breakpoint on the last cacheable block.</li>
 * </ul>
 * The Anthropic family turns them into Anthropic's {@code cache_control} (Messages API, Claude on Vertex), Bedrock's
 * Converse into {@code cachePoint} blocks; providers whose API has no such field (OpenAI, whose prompt caching is
 * automatic, Azure, Groq, Mistral, …) never receive it: {@link #stripped} takes it out. Adapters that build their own
 * bodies (Gemini, Cohere, Ollama, …) ignore it: a breakpoint is a hint about cost, never about the answer.
 */
public final class CacheMarkers {
    private CacheMarkers() {}

    public static final String FIELD = "cache_control";
    private static final byte[] NEEDLE = ("\"" + FIELD + "\"").getBytes(StandardCharsets.US_ASCII);

    /** The marker on a part, message or tool ({@code function.cache_control} too), copied; null when it has none. */
    public static ObjectNode of(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode m = node.get(FIELD);
        if (m == null || !m.isObject()) {
            m = node.path("function").get(FIELD);
        }
        return m != null && m.isObject() ? (ObjectNode) m.deepCopy() : null;
    }

    /** Whether a hub chat request carries a marker anywhere: top level, message, content part, tool or function. */
    public static boolean present(JsonNode request) {
        if (request == null || !request.isObject()) {
            return false;
        }
        if (request.has(FIELD)) {
            return true;
        }
        for (JsonNode msg : request.path("messages")) {
            if (msg.has(FIELD)) {
                return true;
            }
            for (JsonNode part : msg.path("content")) {
                if (part.has(FIELD)) {
                    return true;
                }
            }
        }
        for (JsonNode tool : request.path("tools")) {
            if (tool.has(FIELD) || tool.path("function").has(FIELD)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The request without its markers: itself when it has none, else a copy (the request stays as the client sent it,
     * for a fallback to a provider that takes them).
     */
    public static ObjectNode stripped(ObjectNode request) {
        if (!present(request)) {
            return request;
        }
        ObjectNode copy = request.deepCopy();
        strip(copy);
        return copy;
    }

    /** Removes every marker from a request the caller owns (a copy already). */
    public static void strip(ObjectNode request) {
        request.remove(FIELD);
        for (JsonNode msg : request.path("messages")) {
            if (msg.isObject()) {
                ((ObjectNode) msg).remove(FIELD);
            }
            for (JsonNode part : msg.path("content")) {
                if (part.isObject()) {
                    ((ObjectNode) part).remove(FIELD);
                }
            }
        }
        for (JsonNode tool : request.path("tools")) {
            if (tool.isObject()) {
                ((ObjectNode) tool).remove(FIELD);
            }
            if (tool.path("function").isObject()) {
                ((ObjectNode) tool.get("function")).remove(FIELD);
            }
        }
    }

    /**
     * A hub body as it goes to a provider without markers: the client's bytes (with their splices) when they cannot
     * hold one — one scan for the field's name, no parse — else the body without them.
     */
    public static Buffer strippedBuffer(JsonBody body) {
        if (body.spliced() && !body.mayContain(NEEDLE)) {
            return body.toBuffer();
        }
        ObjectNode tree = body.tree();
        ObjectNode out = stripped(tree);
        return out == tree ? body.toBuffer() : Buffer.buffer(Json.writeBytes(out));
    }

    /**
     * Bedrock Converse's breakpoint for a marker (https://docs.aws.amazon.com/bedrock/latest/APIReference/
     * API_runtime_CachePointBlock.html): {@code {"cachePoint": {"type": "default", "ttl"?: "5m"|"1h"}}}.
     */
    public static ObjectNode cachePoint(ObjectNode marker) {
        ObjectNode block = Json.object();
        ObjectNode point = block.putObject("cachePoint");
        point.put("type", "default");
        String ttl = Json.text(marker, "ttl");
        if (ttl != null) {
            point.put("ttl", ttl);
        }
        return block;
    }

    /** Adds {@code marker} to the last block of {@code blocks} (Anthropic's form); nothing when either is missing. */
    public static void onLast(ArrayNode blocks, ObjectNode marker) {
        if (marker != null && blocks != null && !blocks.isEmpty() && blocks.get(blocks.size() - 1).isObject()) {
            ((ObjectNode) blocks.get(blocks.size() - 1)).set(FIELD, marker);
        }
    }
}
