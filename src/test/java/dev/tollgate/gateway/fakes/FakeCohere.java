package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A fake of Cohere's v2 API; {@link #baseUrl()} is the origin, {@code http://127.0.0.1:PORT}, as Cohere's SDKs take
 * it (the paths carry the version). Follows the API reference and its OpenAPI description
 * (https://docs.cohere.com/reference/chat, https://docs.cohere.com/reference/chat-stream,
 * https://docs.cohere.com/reference/embed, https://docs.cohere.com/reference/rerank,
 * https://docs.cohere.com/reference/errors; cohere-openapi.yaml in github.com/cohere-ai/cohere-developer-experience):
 *
 * <ul>
 *   <li>{@code POST /v2/chat}, {@code /v2/embed}, {@code /v2/rerank}, with {@code Authorization: Bearer <key>} (the
 *       scheme case-insensitive: the docs' curl examples write {@code bearer}); 401 {@code no api key supplied} or
 *       {@code invalid api token} otherwise.</li>
 *   <li>Chat: {@code {id, finish_reason, message: {role, content: [{type: text, text}], tool_plan, tool_calls},
 *       usage: {billed_units: {input_tokens, output_tokens}, tokens: {input_tokens, output_tokens}}}}. The counted
 *       {@code tokens.input_tokens} exceed the billed ones by {@link #TEMPLATE_TOKENS} (the prompt template Cohere adds
 *       and does not bill), as in the documented example. A reply with tool calls carries a {@code tool_plan}.</li>
 *   <li>Chat stream ({@code "stream": true}): SSE events {@code event: <type>\ndata: <json>\n\n} in the documented
 *       order: {@code message-start}, {@code content-start}, {@code content-delta}s, {@code content-end}; for tool
 *       calls {@code tool-plan-delta}s, then per call {@code tool-call-start}, {@code tool-call-delta}s,
 *       {@code tool-call-end}; last {@code message-end} with {@code delta.finish_reason} and {@code delta.usage}.
 *       Cohere documents no error event: {@link Reply#streamErrorAfter} is rendered as a {@code message-end} whose
 *       finish reason is {@code ERROR}, with {@code delta.error}.</li>
 *   <li>Finish reasons: COMPLETE (TOOL_CALL with tool calls); a reply's OpenAI reason is rendered as Cohere's
 *       (length: MAX_TOKENS, stop: COMPLETE, tool_calls: TOOL_CALL) and {@code content_filter} as
 *       {@code ERROR_TOXIC}, the content-filter reason of Cohere's documented FinishReason enum (v2's chat enum has
 *       none); any other is sent verbatim.</li>
 *   <li>Embed: {@code {id, texts, embeddings: {float: [[...]]}, meta: {api_version, billed_units: {input_tokens}},
 *       response_type: embeddings_by_type}}; vectors are deterministic ({@code output_dimension} values, default 8).</li>
 *   <li>Rerank: {@code {id, results: [{index, relevance_score}], meta: {api_version, billed_units: {search_units}}}},
 *       best first, {@code top_n} kept; one search unit per started 100 documents; scores from word overlap.</li>
 *   <li>Errors: the flat {@code {"id", "message"}} body; {@link Reply#contextTooLong()} is Cohere's 400
 *       {@code too many tokens: size limit exceeded by ...}; reply headers (e.g. {@code retry-after}) are sent as
 *       given.</li>
 * </ul>
 */
public final class FakeCohere extends FakeUpstream {

    /** The text a fresh fake answers with. */
    public static final String DEFAULT_TEXT = "Hello from the fake upstream.";
    /** Tokens Cohere counts for its own prompt template and does not bill. */
    public static final int TEMPLATE_TOKENS = 64;
    /** Cohere's wording for a prompt over the context window (https://docs.cohere.com/reference/errors). */
    public static final String CONTEXT_TOO_LONG = "too many tokens: size limit exceeded by 11326 tokens. Try using "
            + "shorter or fewer inputs. The limit for this model is 132000 tokens.";

    private final String apiKey;

    private FakeCohere(Vertx vertx, String apiKey) {
        super(vertx, Reply.text(DEFAULT_TEXT));
        this.apiKey = apiKey;
    }

    /** Starts a fake that accepts exactly {@code apiKey} as its bearer token, on its own Vert.x. */
    public static FakeCohere start(String apiKey) {
        return start(null, apiKey);
    }

    public static FakeCohere start(Vertx vertx, String apiKey) {
        FakeCohere fake = new FakeCohere(vertx, apiKey);
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

    // ---- handling ----

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        String path = request.path();
        if (!"POST".equals(request.method()) || !Set.of("/v2/chat", "/v2/embed", "/v2/rerank").contains(path)) {
            fail(http, 404, "404 page not found");
            return;
        }
        String auth = request.header("authorization");
        if (auth == null || auth.isBlank()) {
            fail(http, 401, "no api key supplied");
            return;
        }
        if (!auth.toLowerCase(Locale.ROOT).startsWith("bearer ") || !auth.substring(7).trim().equals(apiKey)) {
            fail(http, 401, "invalid api token");
            return;
        }
        JsonNode body = request.json();
        if (body == null || !body.isObject()) {
            fail(http, 400, "invalid json syntax: the body is not a JSON object");
            return;
        }
        List<String> required = switch (path) {
            case "/v2/chat" -> List.of("model", "messages");
            case "/v2/embed" -> List.of("model", "input_type");
            default -> List.of("model", "query", "documents");
        };
        for (String field : required) {
            if (body.get(field) == null || body.get(field).isNull()) {
                fail(http, 400, "invalid request: " + field + " is required");
                return;
            }
        }
        if ("/v2/rerank".equals(path) && body.get("documents").isEmpty()) {
            fail(http, 400, "invalid request: list of documents must not be empty");
            return;
        }
        Reply reply = nextReply();
        Map<String, String> headers = new LinkedHashMap<>(reply.headers());
        if (reply.isError()) {
            String message = reply.isContextTooLong() ? CONTEXT_TOO_LONG : reply.errorMessage();
            respondJson(http, reply.status(), headers, error(message), reply);
            return;
        }
        switch (path) {
            case "/v2/chat" -> {
                String id = uuid();
                if (body.path("stream").asBoolean(false)) {
                    respondStream(http, headers, events(id, reply), errorEnd(reply), reply);
                } else {
                    respondJson(http, 200, headers, chat(id, reply), reply);
                }
            }
            case "/v2/embed" -> respondJson(http, 200, headers, embed(body, reply), reply);
            default -> respondJson(http, 200, headers, rerank(body), reply);
        }
    }

    private ObjectNode error(String message) {
        return object().put("id", uuid()).put("message", message);
    }

    private void fail(HttpServerRequest http, int status, String message) {
        respondJson(http, status, Map.of(), error(message), Reply.text(""));
    }

    private String uuid() {
        String n = newId("");
        return "c14c80c3-18eb-4519-9460-" + n.substring(n.length() - 6) + "000000";
    }

    static String finishReason(Reply reply) {
        String given = reply.finishReasonOr(reply.toolCallList().isEmpty() ? "COMPLETE" : "TOOL_CALL");
        return switch (given) {
            case "stop" -> "COMPLETE";
            case "length" -> "MAX_TOKENS";
            case "tool_calls" -> "TOOL_CALL";
            case "content_filter" -> "ERROR_TOXIC";
            default -> given;
        };
    }

    private ObjectNode usage(Reply reply) {
        int input = reply.promptTokens(10);
        int output = reply.completionTokens();
        ObjectNode usage = object();
        usage.putObject("billed_units").put("input_tokens", input).put("output_tokens", output);
        usage.putObject("tokens").put("input_tokens", input + TEMPLATE_TOKENS).put("output_tokens", output);
        return usage;
    }

    private List<String> toolIds(Reply reply) {
        List<String> ids = new ArrayList<>();
        for (Reply.ToolCall call : reply.toolCallList()) {
            ids.add(call.id() != null ? call.id() : call.name() + "_" + newId("").replace("fake", "j3f0adww"));
        }
        return ids;
    }

    static String toolPlan(Reply reply) {
        List<String> names = new ArrayList<>();
        reply.toolCallList().forEach(c -> names.add(c.name()));
        return "I will call " + String.join(" and ", names) + " to answer.";
    }

    private ObjectNode chat(String id, Reply reply) {
        ObjectNode out = object().put("id", id).put("finish_reason", finishReason(reply));
        ObjectNode message = out.putObject("message").put("role", "assistant");
        if (reply.text() != null) {
            message.putArray("content").addObject().put("type", "text").put("text", reply.text());
        }
        List<Reply.ToolCall> calls = reply.toolCallList();
        if (!calls.isEmpty()) {
            message.put("tool_plan", toolPlan(reply));
            ArrayNode tc = message.putArray("tool_calls");
            List<String> ids = toolIds(reply);
            for (int i = 0; i < calls.size(); i++) {
                ObjectNode c = tc.addObject().put("id", ids.get(i)).put("type", "function");
                c.putObject("function").put("name", calls.get(i).name()).put("arguments", calls.get(i).argumentsJson());
            }
        }
        out.set("usage", usage(reply));
        return out;
    }

    private static String event(ObjectNode data) {
        return "event: " + data.get("type").asText() + "\ndata: " + write(data) + "\n\n";
    }

    private static ObjectNode typed(String type) {
        return object().put("type", type);
    }

    /** The stream's events in the documented order; see the class comment. */
    private List<String> events(String id, Reply reply) {
        List<String> events = new ArrayList<>();
        ObjectNode start = typed("message-start").put("id", id);
        start.putObject("delta").putObject("message").put("role", "assistant");
        events.add(event(start));
        if (reply.text() != null) {
            ObjectNode cs = typed("content-start").put("index", 0);
            cs.putObject("delta").putObject("message").putObject("content").put("type", "text").put("text", "");
            events.add(event(cs));
            for (String piece : reply.textPieces()) {
                ObjectNode cd = typed("content-delta").put("index", 0);
                cd.putObject("delta").putObject("message").putObject("content").put("text", piece);
                events.add(event(cd));
            }
            events.add(event(typed("content-end").put("index", 0)));
        }
        List<Reply.ToolCall> calls = reply.toolCallList();
        if (!calls.isEmpty()) {
            for (String piece : toolPlan(reply).split("(?<= )")) {
                ObjectNode plan = typed("tool-plan-delta");
                plan.putObject("delta").putObject("message").put("tool_plan", piece);
                events.add(event(plan));
            }
            List<String> ids = toolIds(reply);
            for (int i = 0; i < calls.size(); i++) {
                ObjectNode ts = typed("tool-call-start").put("index", i);
                ts.putObject("delta").putObject("message").putObject("tool_calls").put("id", ids.get(i))
                        .put("type", "function").putObject("function").put("name", calls.get(i).name())
                        .put("arguments", "");
                events.add(event(ts));
                for (String fragment : calls.get(i).argumentFragments()) {
                    ObjectNode td = typed("tool-call-delta").put("index", i);
                    td.putObject("delta").putObject("message").putObject("tool_calls").putObject("function")
                            .put("arguments", fragment);
                    events.add(event(td));
                }
                events.add(event(typed("tool-call-end").put("index", i)));
            }
        }
        ObjectNode end = typed("message-end");
        ObjectNode delta = end.putObject("delta").put("finish_reason", finishReason(reply));
        delta.set("usage", usage(reply));
        events.add(event(end));
        return events;
    }

    /** A stream error: Cohere documents no error event, only a message-end whose finish reason is ERROR. */
    private String errorEnd(Reply reply) {
        ObjectNode end = typed("message-end");
        ObjectNode delta = end.putObject("delta").put("finish_reason", "ERROR")
                .put("error", reply.errorMessage() == null ? "internal error" : reply.errorMessage());
        delta.set("usage", usage(reply));
        return event(end);
    }

    private ObjectNode embed(JsonNode body, Reply reply) {
        ObjectNode out = object().put("id", uuid());
        ArrayNode texts = out.putArray("texts");
        body.path("texts").forEach(t -> texts.add(t.asText()));
        int dims = body.path("output_dimension").asInt(8);
        ArrayNode floats = out.putObject("embeddings").putArray("float");
        int words = 0;
        for (JsonNode t : body.path("texts")) {
            byte[] h = sha256(t.asText());
            ArrayNode v = floats.addArray();
            for (int d = 0; d < dims; d++) {
                v.add(((h[d % h.length] & 0xFF) - 128) / 256.0);
            }
            words += t.asText().split("\\s+").length;
        }
        ObjectNode meta = out.putObject("meta");
        meta.putObject("api_version").put("version", "2");
        meta.putObject("billed_units").put("input_tokens", reply.promptTokens(words));
        out.put("response_type", "embeddings_by_type");
        return out;
    }

    private ObjectNode rerank(JsonNode body) {
        Set<String> query = words(body.path("query").asText());
        List<double[]> scored = new ArrayList<>();
        int i = 0;
        for (JsonNode d : body.path("documents")) {
            Set<String> doc = words(d.asText());
            long overlap = doc.stream().filter(query::contains).count();
            scored.add(new double[] {i++, Math.round((overlap + 0.5) / (query.size() + 1.0) * 1e6) / 1e6});
        }
        scored.sort((a, b) -> a[1] != b[1] ? Double.compare(b[1], a[1]) : Double.compare(a[0], b[0]));
        int topN = body.path("top_n").asInt(scored.size());
        ObjectNode out = object().put("id", uuid());
        ArrayNode results = out.putArray("results");
        for (double[] s : scored.subList(0, Math.min(topN, scored.size()))) {
            results.addObject().put("index", (int) s[0]).put("relevance_score", s[1]);
        }
        ObjectNode meta = out.putObject("meta");
        meta.putObject("api_version").put("version", "2").put("is_experimental", false);
        meta.putObject("billed_units").put("search_units", (body.path("documents").size() + 99) / 100);
        return out;
    }

    private static Set<String> words(String s) {
        return new HashSet<>(Arrays.asList(s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 ]", " ").trim()
                .split("\\s+")));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
