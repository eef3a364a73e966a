package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fake Ollama server at its root ({@link #baseUrl()} is {@code http://127.0.0.1:PORT}, as
 * {@code http://localhost:11434} is Ollama's), following its API reference
 * (https://github.com/ollama/ollama/blob/main/docs/api.md):
 * <ul>
 *   <li>{@code POST /api/chat} — {@code {model, messages: [{role, content, images?, tool_calls?, tool_name?}], tools,
 *       format, options, stream, keep_alive}}; answers {@code {model, created_at, message: {role, content,
 *       tool_calls: [{function: {name, arguments: {…an object…}}}]}, done: true, done_reason, total_duration,
 *       load_duration, prompt_eval_count, prompt_eval_duration, eval_count, eval_duration}}, or — {@code stream}
 *       is true unless the request says false — {@code application/x-ndjson}: one such object a line with
 *       {@code done: false} and the content so far in pieces, tool calls whole on a line of their own, and a last
 *       {@code done: true} line with an empty message and the counts.</li>
 *   <li>{@code POST /api/generate} — {@code {model, prompt, suffix, options, stream, format}}; as chat with
 *       {@code response} (text) instead of {@code message}.</li>
 *   <li>{@code POST /api/embed} — {@code {model, input: string | [string], truncate, dimensions}};
 *       {@code {model, embeddings: [[…]], total_duration, load_duration, prompt_eval_count}}.</li>
 * </ul>
 * Errors are {@code {"error": "<message>"}} with the status: a model whose name starts with {@code missing} is 404
 * {@code model "<name>" not found, try pulling it first}; {@link Reply#contextTooLong()} is 400 {@code the input
 * length exceeds the context length} (the error the reference documents for {@code /api/embed} with
 * {@code truncate: false}); a 429 keeps the Reply's {@code retry-after}. Ollama itself has no auth; started with an
 * API key, the fake wants {@code Authorization: Bearer <key>} (as ollama.com and authenticating proxies do) and
 * answers 401 {@code {"error": "unauthorized"}}. No safety block: {@code finishReason("content_filter")} is
 * rendered as that {@code done_reason}. An error while streaming is a line {@code {"error": "…"}};
 * {@code cutAfter(n)}: the connection closes after n lines.
 */
public final class FakeOllama extends FakeUpstream {
    public static final String DEFAULT_TEXT = "Hello from the fake Ollama.";
    private final String apiKey;

    private FakeOllama(Vertx vertx, String apiKey) {
        super(vertx, Reply.text(DEFAULT_TEXT));
        this.apiKey = apiKey;
    }

    /** @param apiKey the Bearer key to require, or null for none (a local Ollama) */
    public static FakeOllama start(String apiKey) {
        return start(null, apiKey);
    }

    public static FakeOllama start(Vertx vertx, String apiKey) {
        FakeOllama fake = new FakeOllama(vertx, apiKey);
        fake.listen();
        return fake;
    }

    @Override
    public String baseUrl() {
        return origin();
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text(DEFAULT_TEXT);
    }

    private static ObjectNode error(String message) {
        return object().put("error", message);
    }

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        String path = request.path();
        if (!"POST".equals(request.method()) || !List.of("/api/chat", "/api/generate", "/api/embed").contains(path)) {
            respondJson(http, 404, Map.of(), error("404 page not found"), Reply.text(""));
            return;
        }
        if (apiKey != null && !("Bearer " + apiKey).equals(request.header("authorization"))) {
            respondJson(http, 401, Map.of(), error("unauthorized"), Reply.text(""));
            return;
        }
        JsonNode json = request.json();
        if (json == null || !json.isObject()) {
            respondJson(http, 400, Map.of(), error("invalid character looking for beginning of value"), Reply.text(""));
            return;
        }
        String model = json.path("model").asText("");
        if (model.isEmpty()) {
            respondJson(http, 400, Map.of(), error("model is required"), Reply.text(""));
            return;
        }
        if (model.startsWith("missing")) {
            respondJson(http, 404, Map.of(), error("model \"" + model + "\" not found, try pulling it first"),
                    Reply.text(""));
            return;
        }
        Reply reply = nextReply();
        if (reply.isError()) {
            respondJson(http, reply.isContextTooLong() ? 400 : reply.status(), new LinkedHashMap<>(reply.headers()),
                    error(reply.isContextTooLong() ? "the input length exceeds the context length" : reply.errorMessage()),
                    reply);
            return;
        }
        switch (path) {
            case "/api/embed" -> embed(http, json, reply);
            case "/api/chat" -> answer(http, json, reply, true);
            default -> answer(http, json, reply, false);
        }
    }

    private ObjectNode envelope(String model) {
        return object().put("model", model).put("created_at", Instant.now().toString());
    }

    private static void stats(ObjectNode o, Reply reply) {
        o.put("total_duration", 4_883_583_458L).put("load_duration", 1_334_875L)
                .put("prompt_eval_count", reply.promptTokens(10)).put("prompt_eval_duration", 342_546_000L)
                .put("eval_count", reply.completionTokens()).put("eval_duration", 4_535_599_000L);
    }

    private static ArrayNode toolCalls(Reply reply) {
        ArrayNode calls = JSON.createArrayNode();
        for (Reply.ToolCall c : reply.toolCallList()) {
            ObjectNode fn = calls.addObject().putObject("function");
            fn.put("name", c.name());
            try {
                fn.set("arguments", JSON.readTree(c.argumentsJson()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return calls;
    }

    private void answer(HttpServerRequest http, JsonNode json, Reply reply, boolean chat) {
        String model = reply.modelOr(json.path("model").asText());
        String doneReason = reply.finishReasonOr(reply.toolCallList().isEmpty() ? "stop" : "stop");
        String text = reply.text() == null ? "" : reply.text();
        if (!json.path("stream").asBoolean(true)) {
            ObjectNode o = envelope(model);
            if (chat) {
                ObjectNode m = o.putObject("message").put("role", "assistant").put("content", text);
                if (!reply.toolCallList().isEmpty()) {
                    m.set("tool_calls", toolCalls(reply));
                }
            } else {
                o.put("response", text);
            }
            o.put("done_reason", doneReason).put("done", true);
            stats(o, reply);
            respondJson(http, 200, new LinkedHashMap<>(reply.headers()), o, reply);
            return;
        }
        List<String> lines = new ArrayList<>();
        for (String piece : reply.textPieces()) {
            ObjectNode o = envelope(model);
            if (chat) {
                o.putObject("message").put("role", "assistant").put("content", piece);
            } else {
                o.put("response", piece);
            }
            o.put("done", false);
            lines.add(write(o) + "\n");
        }
        if (chat && !reply.toolCallList().isEmpty()) {
            ObjectNode o = envelope(model);
            o.putObject("message").put("role", "assistant").put("content", "").set("tool_calls", toolCalls(reply));
            o.put("done", false);
            lines.add(write(o) + "\n");
        }
        ObjectNode last = envelope(model);
        if (chat) {
            last.putObject("message").put("role", "assistant").put("content", "");
        } else {
            last.put("response", "");
        }
        last.put("done", true).put("done_reason", doneReason);
        stats(last, reply);
        lines.add(write(last) + "\n");
        respondStream(http, "application/x-ndjson", new LinkedHashMap<>(reply.headers()), lines,
                write(error(reply.errorMessage() == null ? "an error was encountered while running the model"
                        : reply.errorMessage())) + "\n", reply);
    }

    private void embed(HttpServerRequest http, JsonNode json, Reply reply) {
        JsonNode input = json.path("input");
        int n = input.isArray() ? input.size() : 1;
        ObjectNode o = object().put("model", json.path("model").asText());
        ArrayNode embeddings = o.putArray("embeddings");
        int dims = json.path("dimensions").asInt(4);
        for (int i = 0; i < n; i++) {
            ArrayNode e = embeddings.addArray();
            for (int d = 0; d < dims; d++) {
                e.add(0.01 * (i + 1) * (d + 1));
            }
        }
        o.put("total_duration", 14_143_917L).put("load_duration", 1_019_500L)
                .put("prompt_eval_count", reply.promptTokens(8));
        respondJson(http, 200, new LinkedHashMap<>(reply.headers()), o, reply);
    }
}
