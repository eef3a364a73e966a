package dev.tollgate.gateway.validation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Anthropic's {@code POST /v1/messages} body, after its Messages API reference: {@code model}, {@code max_tokens}
 * (an integer >= 1) and {@code messages} are required; messages are {@code user} or {@code assistant} with content a
 * string or an array of content blocks; {@code system} is a string or an array of text blocks; {@code temperature}
 * and {@code top_p} are within 0..1, {@code top_k} >= 0; {@code stop_sequences} is an array of strings; tools and
 * tool_choice have their documented shapes. Content blocks of the types the gateway knows have their required fields
 * checked (text, image, document, tool_use, tool_result, thinking, redacted_thinking); the other documented types
 * (server tools' results, search results …) are passed on as they are.
 */
final class AnthropicRules extends RequestRules {
    static final RequestRules MESSAGES = new AnthropicRules();

    private static final int MESSAGES_SEEN = 1;
    private static final int MAX_TOKENS_SEEN = 2;

    private static final String[] BLOCK_TYPES = {"text", "image", "document", "search_result", "thinking",
        "redacted_thinking", "tool_use", "tool_result", "server_tool_use", "web_search_tool_result",
        "web_fetch_tool_result", "code_execution_tool_result", "bash_code_execution_tool_result",
        "text_editor_code_execution_tool_result", "tool_search_tool_result", "mcp_tool_use", "mcp_tool_result",
        "container_upload"};

    private AnthropicRules() {}

    @Override
    public int field(String name, JsonParser p) throws IOException {
        switch (name) {
            case "model" -> ok(string(p), name);
            case "max_tokens" -> {
                ok(integer(p, 1, Integer.MAX_VALUE), name);
                return MAX_TOKENS_SEEN;
            }
            case "messages" -> {
                messages(p);
                return MESSAGES_SEEN;
            }
            case "system" -> system(p);
            case "temperature" -> ok(number(p, 0, 1), name);
            case "top_p" -> ok(number(p, 0, 1), name);
            case "top_k" -> ok(integer(p, 0, Integer.MAX_VALUE), name);
            case "stop_sequences" -> stringOrStrings(p, name, 0, Integer.MAX_VALUE, false);
            case "stream" -> ok(bool(p), name);
            case "tools" -> tools(p);
            case "tool_choice" -> toolChoice(p);
            case "metadata", "thinking" -> anyObject(p, name);
            default -> p.skipChildren();
        }
        return 0;
    }

    @Override
    public void end(int seen) {
        if ((seen & MAX_TOKENS_SEEN) == 0) {
            throw InvalidRequest.missing("max_tokens");
        }
        if ((seen & MESSAGES_SEEN) == 0) {
            throw InvalidRequest.missing("messages");
        }
    }

    private static void messages(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw InvalidRequest.of(type(p, "an array of messages"), "messages");
        }
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            ok(object(p), "messages", i);
            boolean role = false;
            boolean content = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                if (f.equals("role")) {
                    ok(oneOf(p, "user", "assistant"), "messages", i, "role");
                    role = true;
                } else if (f.equals("content")) {
                    if (p.currentToken() == JsonToken.START_ARRAY) {
                        blocks(p, "messages", i, "content");
                    } else if (p.currentToken() != JsonToken.VALUE_STRING) {
                        throw InvalidRequest.of(type(p, "a string or an array of content blocks"), "messages", i,
                                "content");
                    }
                    content = true;
                } else {
                    p.skipChildren();
                }
            }
            if (!role) {
                throw InvalidRequest.missing("messages", i, "role");
            }
            if (!content) {
                throw InvalidRequest.missing("messages", i, "content");
            }
            i++;
        }
        if (i == 0) {
            throw empty("messages");
        }
    }

    /** Bits of the fields a block has (checked by their own shape as they pass). */
    private static final int TEXT = 1, SOURCE = 2, ID = 4, NAME = 8, INPUT = 16, TOOL_USE_ID = 32, THINKING = 64,
            SIGNATURE = 128, DATA = 256, CONTENT_NOT_TEXT = 512, SOURCE_ANY = 1024;

    /** An array of content blocks at {@code a[i].b} (messages' content) or {@code a} (system: i < 0). */
    private static void blocks(JsonParser p, String a, int i, String b) throws IOException {
        int j = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            block(p, a, i, b, j++);
        }
    }

    private static void block(JsonParser p, String a, int i, String b, int j) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw InvalidRequest.of(type(p, "a content block (an object)"), path(a, i, b, j));
        }
        String type = null;
        int has = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            switch (f) {
                case "type" -> {
                    Problem wrong = oneOf(p, BLOCK_TYPES);
                    if (wrong != null) {
                        throw InvalidRequest.of(wrong, path(a, i, b, j, "type"));
                    }
                    type = p.getText();
                }
                case "text" -> has |= string(p, TEXT, a, i, b, j, f);
                case "id" -> has |= string(p, ID, a, i, b, j, f);
                case "name" -> has |= string(p, NAME, a, i, b, j, f);
                case "tool_use_id" -> has |= string(p, TOOL_USE_ID, a, i, b, j, f);
                case "thinking" -> has |= string(p, THINKING, a, i, b, j, f);
                case "signature" -> has |= string(p, SIGNATURE, a, i, b, j, f);
                case "data" -> has |= string(p, DATA, a, i, b, j, f);
                case "source" -> { // an object for images and documents, a string for search results
                    has |= SOURCE_ANY | (p.currentToken() == JsonToken.START_OBJECT ? SOURCE : 0);
                    p.skipChildren();
                }
                case "input" -> {
                    has |= p.currentToken() == JsonToken.START_OBJECT ? INPUT : 0;
                    p.skipChildren();
                }
                case "content" -> {
                    JsonToken t = p.currentToken();
                    has |= t == JsonToken.VALUE_STRING || t == JsonToken.START_ARRAY ? 0 : CONTENT_NOT_TEXT;
                    p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
        if (type == null) {
            throw InvalidRequest.missing(path(a, i, b, j, "type"));
        }
        switch (type) {
            case "text" -> need(has, TEXT, "text", a, i, b, j);
            case "image", "document" -> {
                need(has, SOURCE_ANY, "source", a, i, b, j);
                if ((has & SOURCE) == 0) {
                    throw InvalidRequest.value("invalid_type", "a block of type " + type + " needs 'source', an "
                            + "object", path(a, i, b, j, "source"));
                }
            }
            case "tool_use" -> {
                need(has, ID, "id", a, i, b, j);
                need(has, NAME, "name", a, i, b, j);
                if ((has & INPUT) == 0) {
                    throw InvalidRequest.value("invalid_type", "a tool_use block needs 'input', an object",
                            path(a, i, b, j, "input"));
                }
            }
            case "tool_result" -> {
                need(has, TOOL_USE_ID, "tool_use_id", a, i, b, j);
                if ((has & CONTENT_NOT_TEXT) != 0) {
                    throw InvalidRequest.value("invalid_type", "a tool_result's content is a string or an array of "
                            + "content blocks", path(a, i, b, j, "content"));
                }
            }
            case "thinking" -> {
                need(has, THINKING, "thinking", a, i, b, j);
                need(has, SIGNATURE, "signature", a, i, b, j);
            }
            case "redacted_thinking" -> need(has, DATA, "data", a, i, b, j);
            default -> { // documented, passed on as it is
            }
        }
    }

    private static int string(JsonParser p, int bit, String a, int i, String b, int j, String f) {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw InvalidRequest.of(type(p, "a string"), path(a, i, b, j, f));
        }
        return bit;
    }

    private static void need(int has, int bit, String field, String a, int i, String b, int j) {
        if ((has & bit) == 0) {
            throw InvalidRequest.missing(path(a, i, b, j, field));
        }
    }

    /** {@code a[i].b[j].rest…}, or {@code a[j].rest…} when i < 0 (system blocks). */
    private static Object[] path(String a, int i, String b, int j, Object... rest) {
        Object[] head = i < 0 ? new Object[] {a, j} : new Object[] {a, i, b, j};
        Object[] out = java.util.Arrays.copyOf(head, head.length + rest.length);
        System.arraycopy(rest, 0, out, head.length, rest.length);
        return out;
    }

    private static void system(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            return;
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw InvalidRequest.of(type(p, "a string or an array of text blocks"), "system");
        }
        int j = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw InvalidRequest.of(type(p, "a text block (an object)"), "system", j);
            }
            String type = null;
            boolean text = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                if (f.equals("type")) {
                    ok(oneOf(p, "text"), "system", j, "type");
                    type = "text";
                } else if (f.equals("text")) {
                    ok(string(p), "system", j, "text");
                    text = true;
                } else {
                    p.skipChildren();
                }
            }
            if (type == null) {
                throw InvalidRequest.missing("system", j, "type");
            }
            if (!text) {
                throw InvalidRequest.missing("system", j, "text");
            }
            j++;
        }
    }

    /**
     * Client tools ({@code type} absent or {@code custom}) need {@code name} and {@code input_schema} (an object);
     * Anthropic's own tools ({@code type} such as {@code web_search_20250305}) need a {@code name}.
     */
    private static void tools(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw InvalidRequest.of(type(p, "an array of tools"), "tools");
        }
        int k = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            ok(object(p), "tools", k);
            boolean custom = true;
            boolean name = false;
            boolean schema = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                    case "type" -> {
                        ok(string(p), "tools", k, "type");
                        custom = p.getText().equals("custom");
                    }
                    case "name" -> {
                        ok(string(p), "tools", k, "name");
                        name = true;
                    }
                    case "description" -> ok(string(p), "tools", k, "description");
                    case "input_schema" -> {
                        ok(object(p), "tools", k, "input_schema");
                        p.skipChildren();
                        schema = true;
                    }
                    default -> p.skipChildren();
                }
            }
            if (!name) {
                throw InvalidRequest.missing("tools", k, "name");
            }
            if (custom && !schema) {
                throw InvalidRequest.missing("tools", k, "input_schema");
            }
            k++;
        }
    }

    /** {@code {"type": "auto" | "any" | "tool" | "none"}}; {@code tool} names one. */
    private static void toolChoice(JsonParser p) throws IOException {
        ok(object(p), "tool_choice");
        String type = null;
        boolean name = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            switch (f) {
                case "type" -> {
                    ok(oneOf(p, "auto", "any", "tool", "none"), "tool_choice", "type");
                    type = p.getText();
                }
                case "name" -> {
                    ok(string(p), "tool_choice", "name");
                    name = true;
                }
                case "disable_parallel_tool_use" -> ok(bool(p), "tool_choice", "disable_parallel_tool_use");
                default -> p.skipChildren();
            }
        }
        if (type == null) {
            throw InvalidRequest.missing("tool_choice", "type");
        }
        if (type.equals("tool") && !name) {
            throw InvalidRequest.missing("tool_choice", "name");
        }
    }
}
