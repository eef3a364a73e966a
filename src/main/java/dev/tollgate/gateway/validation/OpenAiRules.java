package dev.tollgate.gateway.validation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * OpenAI's request bodies, after its OpenAPI description: chat completions, (legacy) completions, embeddings and
 * image generations. Constraints are the description's own (types, required fields, minimum/maximum, enums,
 * minItems/maxItems); {@code max_tokens} and {@code max_completion_tokens} of a chat completion must also be at least
 * 1 (the description gives no minimum, and 0 or less can only fail upstream).
 */
abstract class OpenAiRules extends RequestRules {
    static final RequestRules CHAT = new Chat();
    static final RequestRules COMPLETIONS = new Completions();
    static final RequestRules EMBEDDINGS = new Embeddings();
    static final RequestRules IMAGES = new Images();
    static final RequestRules RERANK = new Rerank();

    static final int LOGPROBS_TRUE = 1;
    static final int TOP_LOGPROBS = 2;
    static final int REQUIRED = 4;
    /** The chat body names a prompt (prompt_id): its messages come from the prompt, the client's may be absent. */
    static final int PROMPT = 8;
    /** The chat body's messages are an empty array: refused unless the body names a prompt (which brings its own). */
    static final int NO_MESSAGES = 16;

    /** The fields chat completions and completions share. */
    static int common(String name, JsonParser p) throws IOException {
        switch (name) {
            case "temperature" -> okOrNull(p, number(p, 0, 2), name);
            case "top_p" -> okOrNull(p, number(p, 0, 1), name);
            case "presence_penalty", "frequency_penalty" -> okOrNull(p, number(p, -2, 2), name);
            case "n" -> okOrNull(p, integer(p, 1, 128), name);
            case "seed" -> okOrNull(p, integer(p, Long.MIN_VALUE, Long.MAX_VALUE), name);
            case "stream" -> okOrNull(p, bool(p), name);
            case "stream_options" -> streamOptions(p);
            case "stop" -> stringOrStrings(p, name, 1, 4, true);
            case "user" -> ok(string(p), name);
            case "logit_bias" -> logitBias(p);
            case "model" -> ok(string(p), name);
            default -> p.skipChildren();
        }
        return 0;
    }

    static void streamOptions(JsonParser p) throws IOException {
        if (isNull(p)) {
            return;
        }
        ok(object(p), "stream_options");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            if (f.equals("include_usage") || f.equals("include_obfuscation")) {
                ok(bool(p), "stream_options", f);
            } else {
                p.skipChildren();
            }
        }
    }

    static void logitBias(JsonParser p) throws IOException {
        if (isNull(p)) {
            return;
        }
        ok(object(p), "logit_bias");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            p.nextToken();
            ok(integer(p, -100, 100), "logit_bias", token);
        }
    }

    // ---- /v1/chat/completions ------------------------------------------------------------------------------------

    static final class Chat extends OpenAiRules {
        @Override
        public int field(String name, JsonParser p) throws IOException {
            switch (name) {
                case "messages" -> {
                    return messages(p) ? REQUIRED : REQUIRED | NO_MESSAGES;
                }
                case "max_tokens", "max_completion_tokens" -> okOrNull(p, integer(p, 1, Integer.MAX_VALUE), name);
                case "logprobs" -> {
                    okOrNull(p, bool(p), name);
                    return p.currentToken() == JsonToken.VALUE_TRUE ? LOGPROBS_TRUE : 0;
                }
                case "top_logprobs" -> {
                    okOrNull(p, integer(p, 0, 20), name);
                    return isNull(p) ? 0 : TOP_LOGPROBS;
                }
                case "tools" -> tools(p);
                case "tool_choice" -> toolChoice(p);
                case "parallel_tool_calls" -> ok(bool(p), name);
                case "response_format" -> responseFormat(p);
                case "functions" -> functions(p);
                case "prompt_id" -> {
                    p.skipChildren(); // checked by the prompt stage (gateway/prompt), which renders the messages
                    return PROMPT;
                }
                default -> {
                    return common(name, p);
                }
            }
            return 0;
        }

        @Override
        public void end(int seen) {
            if ((seen & REQUIRED) == 0 && (seen & PROMPT) == 0) {
                throw InvalidRequest.missing("messages");
            }
            if ((seen & NO_MESSAGES) != 0 && (seen & PROMPT) == 0) {
                throw empty("messages");
            }
            if ((seen & TOP_LOGPROBS) != 0 && (seen & LOGPROBS_TRUE) == 0) {
                throw InvalidRequest.value("invalid_value", "'logprobs' must be set to true when 'top_logprobs' is "
                        + "used", "top_logprobs");
            }
        }
    }

    /** Content part types, as bits. */
    private static final int TEXT = 1, IMAGE_URL = 2, INPUT_AUDIO = 4, FILE = 8, REFUSAL = 16;
    private static final String[] PART_TYPES = {"text", "image_url", "input_audio", "file", "refusal"};

    /** Checks a chat body's messages; false when the array is empty (the caller decides whether that is allowed). */
    static boolean messages(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw InvalidRequest.of(type(p, "an array of messages"), "messages");
        }
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            message(p, i++);
        }
        return i > 0;
    }

    /**
     * One message. Its fields come in any order (the official SDKs write {@code content} before {@code role}), so
     * each is checked by its own shape as it passes and what depends on the role is decided at the end.
     */
    private static void message(JsonParser p, int i) throws IOException {
        ok(object(p), "messages", i);
        String role = null;
        boolean content = false;
        boolean contentNull = false;
        boolean toolCallId = false;
        boolean name = false;
        boolean toolCalls = false;
        int partTypes = 0; // the types of the content parts seen, as bits
        int[] firstOfType = null; // made only when parts of several kinds meet a role that may forbid one
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            switch (f) {
                case "role" -> {
                    ok(oneOf(p, "system", "developer", "user", "assistant", "tool", "function"), "messages", i, "role");
                    role = p.getText();
                }
                case "content" -> {
                    content = true;
                    JsonToken t = p.currentToken();
                    if (t == JsonToken.VALUE_NULL) {
                        contentNull = true;
                    } else if (t == JsonToken.START_ARRAY) {
                        int j = 0;
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            int type = part(p, i, j);
                            if ((partTypes & type) == 0 && type != TEXT) {
                                if (firstOfType == null) {
                                    firstOfType = new int[PART_TYPES.length];
                                }
                                firstOfType[Integer.numberOfTrailingZeros(type)] = j;
                            }
                            partTypes |= type;
                            j++;
                        }
                        if (j == 0) {
                            throw empty("messages", i, "content");
                        }
                    } else if (t != JsonToken.VALUE_STRING) {
                        throw InvalidRequest.of(type(p, "a string or an array of content parts"), "messages", i,
                                "content");
                    }
                }
                case "name" -> {
                    ok(string(p), "messages", i, "name");
                    name = true;
                }
                case "tool_call_id" -> {
                    ok(string(p), "messages", i, "tool_call_id");
                    toolCallId = true;
                }
                case "tool_calls" -> {
                    toolCalls(p, i);
                    toolCalls = true;
                }
                case "function_call" -> {
                    if (!isNull(p)) {
                        functionCall(p, i);
                    }
                }
                case "refusal" -> okOrNull(p, string(p), "messages", i, "refusal");
                default -> p.skipChildren();
            }
        }
        if (role == null) {
            throw InvalidRequest.missing("messages", i, "role");
        }
        int allowed = switch (role) {
            case "user" -> TEXT | IMAGE_URL | INPUT_AUDIO | FILE;
            case "assistant" -> TEXT | REFUSAL;
            default -> TEXT;
        };
        int wrong = partTypes & ~allowed;
        if (wrong != 0) {
            int bit = Integer.numberOfTrailingZeros(wrong);
            throw InvalidRequest.value("invalid_value", "a " + role + " message's content parts may not be of type '"
                    + PART_TYPES[bit] + "' (allowed: " + allowedNames(allowed) + ")", "messages", i, "content",
                    firstOfType[bit], "type");
        }
        switch (role) {
            case "assistant" -> { // content is optional (null when the message calls tools)
            }
            case "function" -> {
                if (!content) {
                    throw InvalidRequest.missing("messages", i, "content");
                }
                if (!name) {
                    throw InvalidRequest.missing("messages", i, "name");
                }
            }
            default -> {
                if (!content || contentNull) {
                    throw content ? InvalidRequest.value("invalid_type", "a " + role + " message needs content: a "
                            + "string or an array of content parts", "messages", i, "content")
                            : InvalidRequest.missing("messages", i, "content");
                }
                if (role.equals("tool") && !toolCallId) {
                    throw InvalidRequest.missing("messages", i, "tool_call_id");
                }
            }
        }
        if (toolCalls && !role.equals("assistant")) {
            throw InvalidRequest.value("invalid_value", "only assistant messages may carry tool_calls", "messages", i,
                    "tool_calls");
        }
    }

    private static String allowedNames(int allowed) {
        StringBuilder s = new StringBuilder();
        for (int b = 0; b < PART_TYPES.length; b++) {
            if ((allowed & (1 << b)) != 0) {
                s.append(s.isEmpty() ? "" : ", ").append(PART_TYPES[b]);
            }
        }
        return s.toString();
    }

    /** One content part; returns its type as a bit. Its fields come in any order, like a message's. */
    private static int part(JsonParser p, int i, int j) throws IOException {
        ok(object(p), "messages", i, "content", j);
        int type = 0;
        int has = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            switch (f) {
                case "type" -> {
                    ok(oneOf(p, PART_TYPES), "messages", i, "content", j, "type");
                    type = 1 << indexOf(p.getText());
                }
                case "text" -> {
                    ok(string(p), "messages", i, "content", j, "text");
                    has |= TEXT;
                }
                case "refusal" -> {
                    ok(string(p), "messages", i, "content", j, "refusal");
                    has |= REFUSAL;
                }
                case "image_url" -> {
                    ok(object(p), "messages", i, "content", j, "image_url");
                    boolean url = false;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String g = p.currentName();
                        p.nextToken();
                        if (g.equals("url")) {
                            ok(string(p), "messages", i, "content", j, "image_url", "url");
                            url = true;
                        } else if (g.equals("detail")) {
                            ok(oneOf(p, "auto", "low", "high"), "messages", i, "content", j, "image_url", "detail");
                        } else {
                            p.skipChildren();
                        }
                    }
                    if (!url) {
                        throw InvalidRequest.missing("messages", i, "content", j, "image_url", "url");
                    }
                    has |= IMAGE_URL;
                }
                case "input_audio" -> {
                    ok(object(p), "messages", i, "content", j, "input_audio");
                    boolean data = false;
                    boolean format = false;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String g = p.currentName();
                        p.nextToken();
                        if (g.equals("data")) {
                            ok(string(p), "messages", i, "content", j, "input_audio", "data");
                            data = true;
                        } else if (g.equals("format")) {
                            ok(oneOf(p, "wav", "mp3"), "messages", i, "content", j, "input_audio", "format");
                            format = true;
                        } else {
                            p.skipChildren();
                        }
                    }
                    if (!data || !format) {
                        throw InvalidRequest.missing("messages", i, "content", j, "input_audio", data ? "format" : "data");
                    }
                    has |= INPUT_AUDIO;
                }
                case "file" -> {
                    ok(object(p), "messages", i, "content", j, "file");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String g = p.currentName();
                        p.nextToken();
                        if (g.equals("filename") || g.equals("file_data") || g.equals("file_id")) {
                            ok(string(p), "messages", i, "content", j, "file", g);
                        } else {
                            p.skipChildren();
                        }
                    }
                    has |= FILE;
                }
                default -> p.skipChildren();
            }
        }
        if (type == 0) {
            throw InvalidRequest.missing("messages", i, "content", j, "type");
        }
        if ((has & type) == 0) {
            throw InvalidRequest.missing("messages", i, "content", j, PART_TYPES[Integer.numberOfTrailingZeros(type)]);
        }
        return type;
    }

    private static int indexOf(String partType) {
        for (int k = 0; k < PART_TYPES.length; k++) {
            if (PART_TYPES[k].equals(partType)) {
                return k;
            }
        }
        return -1;
    }

    private static void toolCalls(JsonParser p, int i) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw InvalidRequest.of(type(p, "an array of tool calls"), "messages", i, "tool_calls");
        }
        int k = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            ok(object(p), "messages", i, "tool_calls", k);
            boolean id = false;
            String type = null;
            boolean function = false;
            boolean custom = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                    case "id" -> {
                        ok(string(p), "messages", i, "tool_calls", k, "id");
                        id = true;
                    }
                    case "type" -> {
                        ok(oneOf(p, "function", "custom"), "messages", i, "tool_calls", k, "type");
                        type = p.getText();
                    }
                    case "function" -> {
                        namedStrings(p, "arguments", "messages", i, "tool_calls", k, "function");
                        function = true;
                    }
                    case "custom" -> {
                        namedStrings(p, "input", "messages", i, "tool_calls", k, "custom");
                        custom = true;
                    }
                    default -> p.skipChildren();
                }
            }
            if (!id) {
                throw InvalidRequest.missing("messages", i, "tool_calls", k, "id");
            }
            if (type == null) {
                throw InvalidRequest.missing("messages", i, "tool_calls", k, "type");
            }
            if (type.equals("function") ? !function : !custom) {
                throw InvalidRequest.missing("messages", i, "tool_calls", k, type);
            }
            k++;
        }
    }

    /** {@code {"name": string, <second>: string}}, both required (a tool call's function or custom input). */
    private static void namedStrings(JsonParser p, String second, Object... path) throws IOException {
        ok(object(p), (Object[]) path);
        boolean name = false;
        boolean other = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            if (f.equals("name") || f.equals(second)) {
                okAt(string(p), path, f);
                name |= f.equals("name");
                other |= f.equals(second);
            } else {
                p.skipChildren();
            }
        }
        if (!name || !other) {
            throw InvalidRequest.missing(append(path, name ? second : "name"));
        }
    }

    private static void functionCall(JsonParser p, int i) throws IOException {
        namedStrings(p, "arguments", "messages", i, "function_call");
    }

    /** Throws when {@code problem} is not null, naming {@code path} + {@code last} (built only then). */
    static void okAt(Problem problem, Object[] path, Object last) {
        if (problem != null) {
            throw InvalidRequest.of(problem, append(path, last));
        }
    }

    static Object[] append(Object[] path, Object last) {
        Object[] out = java.util.Arrays.copyOf(path, path.length + 1);
        out[path.length] = last;
        return out;
    }

    static void tools(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw InvalidRequest.of(type(p, "an array of tools"), "tools");
        }
        int k = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            ok(object(p), "tools", k);
            String type = null;
            boolean function = false;
            boolean custom = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                    case "type" -> {
                        ok(oneOf(p, "function", "custom"), "tools", k, "type");
                        type = p.getText();
                    }
                    case "function" -> {
                        functionDefinition(p, "tools", k, "function");
                        function = true;
                    }
                    case "custom" -> {
                        ok(object(p), "tools", k, "custom");
                        boolean name = false;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String g = p.currentName();
                            p.nextToken();
                            if (g.equals("name")) {
                                ok(string(p), "tools", k, "custom", "name");
                                name = true;
                            } else {
                                p.skipChildren();
                            }
                        }
                        if (!name) {
                            throw InvalidRequest.missing("tools", k, "custom", "name");
                        }
                        custom = true;
                    }
                    default -> p.skipChildren();
                }
            }
            if (type == null) {
                throw InvalidRequest.missing("tools", k, "type");
            }
            if (type.equals("function") ? !function : !custom) {
                throw InvalidRequest.missing("tools", k, type);
            }
            k++;
        }
    }

    /** FunctionObject: name (required), description, parameters (an object), strict. */
    private static void functionDefinition(JsonParser p, Object... path) throws IOException {
        ok(object(p), (Object[]) path);
        boolean name = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            switch (f) {
                case "name" -> {
                    okAt(string(p), path, "name");
                    name = true;
                }
                case "description" -> okAt(string(p), path, "description");
                case "parameters" -> {
                    okAt(object(p), path, "parameters");
                    p.skipChildren();
                }
                case "strict" -> {
                    if (!isNull(p)) {
                        okAt(bool(p), path, "strict");
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (!name) {
            throw InvalidRequest.missing(append(path, "name"));
        }
    }

    private static void functions(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw InvalidRequest.of(type(p, "an array of functions"), "functions");
        }
        int k = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            functionDefinition(p, "functions", k++);
        }
        if (k == 0) {
            throw empty("functions");
        }
        if (k > 128) {
            throw tooMany(128, "functions");
        }
    }

    /** {@code none | auto | required}, or an object naming a function, a custom tool, or allowed tools. */
    static void toolChoice(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            ok(oneOf(p, "none", "auto", "required"), "tool_choice");
            return;
        }
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw InvalidRequest.of(type(p, "a string (none, auto, required) or an object"), "tool_choice");
        }
        String type = null;
        boolean named = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            switch (f) {
                case "type" -> {
                    ok(oneOf(p, "function", "custom", "allowed_tools"), "tool_choice", "type");
                    type = p.getText();
                }
                case "function", "custom" -> {
                    ok(object(p), "tool_choice", f);
                    boolean name = false;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String g = p.currentName();
                        p.nextToken();
                        if (g.equals("name")) {
                            ok(string(p), "tool_choice", f, "name");
                            name = true;
                        } else {
                            p.skipChildren();
                        }
                    }
                    if (!name) {
                        throw InvalidRequest.missing("tool_choice", f, "name");
                    }
                    named = true;
                }
                case "allowed_tools" -> {
                    anyObject(p, "tool_choice", "allowed_tools");
                    named = true;
                }
                default -> p.skipChildren();
            }
        }
        if (type == null) {
            throw InvalidRequest.missing("tool_choice", "type");
        }
        if (!named) {
            throw InvalidRequest.missing("tool_choice", type);
        }
    }

    /** {@code {"type": "text" | "json_object" | "json_schema", "json_schema": {"name": …}}}. */
    static void responseFormat(JsonParser p) throws IOException {
        ok(object(p), "response_format");
        String type = null;
        boolean schema = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            if (f.equals("type")) {
                ok(oneOf(p, "text", "json_object", "json_schema"), "response_format", "type");
                type = p.getText();
            } else if (f.equals("json_schema")) {
                ok(object(p), "response_format", "json_schema");
                boolean name = false;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String g = p.currentName();
                    p.nextToken();
                    switch (g) {
                        case "name" -> {
                            ok(string(p), "response_format", "json_schema", "name");
                            name = true;
                        }
                        case "schema" -> anyObject(p, "response_format", "json_schema", "schema");
                        case "strict" -> {
                            if (!isNull(p)) {
                                ok(bool(p), "response_format", "json_schema", "strict");
                            }
                        }
                        default -> p.skipChildren();
                    }
                }
                if (!name) {
                    throw InvalidRequest.missing("response_format", "json_schema", "name");
                }
                schema = true;
            } else {
                p.skipChildren();
            }
        }
        if (type == null) {
            throw InvalidRequest.missing("response_format", "type");
        }
        if (type.equals("json_schema") && !schema) {
            throw InvalidRequest.missing("response_format", "json_schema");
        }
    }

    // ---- /v1/completions -----------------------------------------------------------------------------------------

    static final class Completions extends OpenAiRules {
        @Override
        public int field(String name, JsonParser p) throws IOException {
            switch (name) {
                case "prompt" -> {
                    if (!isNull(p)) {
                        textsOrTokens(p, "prompt", Integer.MAX_VALUE, true);
                    }
                    return REQUIRED;
                }
                case "max_tokens" -> okOrNull(p, integer(p, 0, Integer.MAX_VALUE), name);
                case "best_of" -> okOrNull(p, integer(p, 0, 20), name);
                case "logprobs" -> okOrNull(p, integer(p, 0, 5), name);
                case "echo" -> okOrNull(p, bool(p), name);
                case "suffix" -> okOrNull(p, string(p), name);
                default -> {
                    return common(name, p);
                }
            }
            return 0;
        }

        @Override
        public void end(int seen) {
            if ((seen & REQUIRED) == 0) {
                throw InvalidRequest.missing("prompt");
            }
        }
    }

    /**
     * A string, an array of strings, an array of token ids, or an array of arrays of token ids (each non-empty):
     * completions' {@code prompt} and embeddings' {@code input}. Arrays hold one kind only.
     */
    static void textsOrTokens(JsonParser p, String field, int maxItems, boolean emptyStringsArray) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            return;
        }
        String expected = "a string, an array of strings, an array of token ids or an array of arrays of token ids";
        if (t != JsonToken.START_ARRAY) {
            throw InvalidRequest.of(type(p, expected), field);
        }
        JsonToken kind = null;
        int i = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            JsonToken k = t == JsonToken.START_ARRAY ? JsonToken.START_ARRAY : t;
            if (kind == null) {
                kind = k;
                if (k != JsonToken.VALUE_STRING && k != JsonToken.VALUE_NUMBER_INT && k != JsonToken.START_ARRAY) {
                    throw InvalidRequest.of(type(p, "a string, a token id or an array of token ids"), field, i);
                }
            } else if (k != kind) {
                throw InvalidRequest.of(type(p, kind == JsonToken.VALUE_STRING ? "a string"
                        : kind == JsonToken.VALUE_NUMBER_INT ? "an integer (token id)" : "an array of token ids"), field, i);
            }
            if (k == JsonToken.VALUE_NUMBER_INT) {
                ok(integer(p, 0, Integer.MAX_VALUE), field, i);
            } else if (k == JsonToken.START_ARRAY) {
                int j = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                        throw InvalidRequest.of(type(p, "an integer (token id)"), field, i, j);
                    }
                    ok(integer(p, 0, Integer.MAX_VALUE), field, i, j);
                    j++;
                }
                if (j == 0) {
                    throw empty(field, i);
                }
            }
            i++;
        }
        if (i > maxItems) {
            throw tooMany(maxItems, field);
        }
        if (i == 0 && !emptyStringsArray) {
            throw empty(field);
        }
    }

    // ---- /v1/embeddings ------------------------------------------------------------------------------------------

    static final class Embeddings extends OpenAiRules {
        @Override
        public int field(String name, JsonParser p) throws IOException {
            switch (name) {
                case "input" -> {
                    textsOrTokens(p, "input", 2048, false);
                    return REQUIRED;
                }
                case "encoding_format" -> ok(oneOf(p, "float", "base64"), name);
                case "dimensions" -> ok(integer(p, 1, Integer.MAX_VALUE), name);
                case "user", "model" -> ok(string(p), name);
                default -> p.skipChildren();
            }
            return 0;
        }

        @Override
        public void end(int seen) {
            if ((seen & REQUIRED) == 0) {
                throw InvalidRequest.missing("input");
            }
        }
    }

    // ---- /v1/images/generations ----------------------------------------------------------------------------------

    static final class Images extends OpenAiRules {
        @Override
        public int field(String name, JsonParser p) throws IOException {
            switch (name) {
                case "prompt" -> {
                    ok(string(p), name);
                    return REQUIRED;
                }
                case "n" -> okOrNull(p, integer(p, 1, 10), name);
                case "size" -> okOrNull(p, string(p), name);
                case "quality" -> okOrNull(p, oneOf(p, "standard", "hd", "low", "medium", "high", "auto"), name);
                case "response_format" -> okOrNull(p, oneOf(p, "url", "b64_json"), name);
                case "output_format" -> okOrNull(p, oneOf(p, "png", "jpeg", "webp"), name);
                case "output_compression" -> okOrNull(p, integer(p, 0, 100), name);
                case "background" -> okOrNull(p, oneOf(p, "transparent", "opaque", "auto"), name);
                case "moderation" -> okOrNull(p, oneOf(p, "low", "auto"), name);
                case "style" -> okOrNull(p, oneOf(p, "vivid", "natural"), name);
                case "stream" -> okOrNull(p, bool(p), name);
                case "user" -> ok(string(p), name);
                case "model" -> okOrNull(p, string(p), name);
                default -> p.skipChildren();
            }
            return 0;
        }

        @Override
        public void end(int seen) {
            if ((seen & REQUIRED) == 0) {
                throw InvalidRequest.missing("prompt");
            }
        }
    }

    // ---- /v1/rerank ----------------------------------------------------------------------------------------------

    /**
     * The rerank request as Cohere (https://docs.cohere.com/reference/rerank) and LiteLLM take it: {@code query} (a
     * non-empty string) and {@code documents} (1 to {@value #MAX_DOCUMENTS} strings, or objects with a {@code text}
     * string) required; {@code top_n} and {@code max_tokens_per_doc} positive integers; {@code return_documents} a
     * boolean.
     */
    static final class Rerank extends OpenAiRules {
        static final int MAX_DOCUMENTS = 10_000;
        static final int QUERY = 1;
        static final int DOCUMENTS = 2;

        @Override
        public int field(String name, JsonParser p) throws IOException {
            switch (name) {
                case "query" -> {
                    ok(string(p), name);
                    if (p.getText().isBlank()) {
                        throw InvalidRequest.value("empty_string", "empty string. Expected the search query",
                                "query");
                    }
                    return QUERY;
                }
                case "documents" -> {
                    documents(p);
                    return DOCUMENTS;
                }
                case "top_n", "max_tokens_per_doc" -> okOrNull(p, integer(p, 1, Integer.MAX_VALUE), name);
                case "return_documents" -> okOrNull(p, bool(p), name);
                case "model" -> ok(string(p), name);
                default -> p.skipChildren();
            }
            return 0;
        }

        private static void documents(JsonParser p) throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw InvalidRequest.of(type(p, "an array of strings or of objects with a 'text' string"), "documents");
            }
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (p.currentToken() == JsonToken.START_OBJECT) {
                    boolean text = false;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        p.nextToken();
                        if (f.equals("text")) {
                            ok(string(p), "documents", i, "text");
                            text = true;
                        } else {
                            p.skipChildren();
                        }
                    }
                    if (!text) {
                        throw InvalidRequest.missing("documents", i, "text");
                    }
                } else if (p.currentToken() != JsonToken.VALUE_STRING) {
                    throw InvalidRequest.of(type(p, "a string or an object with a 'text' string"), "documents", i);
                }
                i++;
            }
            if (i == 0) {
                throw empty("documents");
            }
            if (i > MAX_DOCUMENTS) {
                throw tooMany(MAX_DOCUMENTS, "documents");
            }
        }

        @Override
        public void end(int seen) {
            if ((seen & QUERY) == 0) {
                throw InvalidRequest.missing("query");
            }
            if ((seen & DOCUMENTS) == 0) {
                throw InvalidRequest.missing("documents");
            }
        }
    }
}
