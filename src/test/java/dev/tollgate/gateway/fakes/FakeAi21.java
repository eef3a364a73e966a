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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake of AI21 Studio under {@code /studio/v1} ({@link #baseUrl()} is {@code http://127.0.0.1:PORT/studio/v1}, as
 * {@code https://api.ai21.com/studio/v1} is AI21's):
 * <ul>
 *   <li>{@code POST /studio/v1/chat/completions} — Jamba: an OpenAI-shaped {@code chat.completion}, or
 *       {@code text/event-stream} of {@code data: <chat.completion.chunk>} ending in {@code data: [DONE]}, where the
 *       usage rides on the last chunk (the one with the finish reason) without any {@code stream_options}. Request
 *       fields: messages, model, tools, n, max_tokens, temperature, top_p, stop, stream, response_format, documents
 *       (Jamba's parameters: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-jamba.html); any
 *       other field is refused with 422, as AI21's validating API does, so tests see what the adapter forwards.</li>
 *   <li>{@code POST /studio/v1/{model}/complete} — Jurassic-2: {@code prompt, numResults, maxTokens, temperature,
 *       topP, stopSequences, frequencyPenalty{scale}, presencePenalty{scale}} in;
 *       {@code {id, prompt:{text,tokens[]}, completions:[{data:{text,tokens[]}, finishReason:{reason,length}}]}} out
 *       (the request as in AI21 examples such as {@code requests.post("https://api.ai21.com/studio/v1/j1-large/complete",
 *       headers={"Authorization": "Bearer …"}, json={"prompt", "numResults", "maxTokens", "topP", "stopSequences", …})},
 *       the answer shape as typed by open gateways' AI21 integrations: {@code AI21CompleteResponse}). Tokens are
 *       {@code {generatedToken:{token,logprob}, textRange}} objects, one per counted token of the Reply's usage.</li>
 * </ul>
 * Auth: {@code Authorization: Bearer <key>}; a missing or wrong key is 401 {@code {"detail":"Forbidden: Bad or missing
 * API token."}}. Errors are {@code {"detail": "<message>"}}; a 429 carries the Reply's {@code retry-after} header;
 * {@link Reply#contextTooLong()} is a 400 whose detail says the prompt exceeds the model's context length (wording
 * NOT confirmed from AI21's reference, which the stored documentation does not hold). AI21 documents no safety
 * block: {@code finishReason("content_filter")} is rendered as that finish reason verbatim. {@code cutAfter(n)}:
 * the stream closes after n events (Jurassic-2 does not stream).
 */
public final class FakeAi21 extends FakeUpstream {
    public static final String DEFAULT_TEXT = "Hello from the fake AI21.";
    static final java.util.Set<String> JAMBA_FIELDS = java.util.Set.of("messages", "model", "tools", "n", "max_tokens",
            "temperature", "top_p", "stop", "stream", "response_format", "documents");
    private static final Pattern COMPLETE = Pattern.compile("^/studio/v1/([^/]+)/complete$");

    private final String apiKey;

    private FakeAi21(Vertx vertx, String apiKey) {
        super(vertx, Reply.text(DEFAULT_TEXT));
        this.apiKey = apiKey;
    }

    public static FakeAi21 start(String apiKey) {
        return start(null, apiKey);
    }

    public static FakeAi21 start(Vertx vertx, String apiKey) {
        FakeAi21 fake = new FakeAi21(vertx, apiKey);
        fake.listen();
        return fake;
    }

    @Override
    public String baseUrl() {
        return origin() + "/studio/v1";
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text(DEFAULT_TEXT);
    }

    private static ObjectNode detail(String message) {
        return object().put("detail", message);
    }

    private void fail(HttpServerRequest http, int status, String message) {
        respondJson(http, status, Map.of(), detail(message), Reply.text(""));
    }

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        String path = request.path();
        Matcher complete = COMPLETE.matcher(path);
        boolean chat = path.equals("/studio/v1/chat/completions");
        if (!"POST".equals(request.method()) || !chat && !complete.matches()) {
            fail(http, 404, "Not Found");
            return;
        }
        String auth = request.header("authorization");
        if (auth == null || !auth.equals("Bearer " + apiKey)) {
            fail(http, 401, "Forbidden: Bad or missing API token.");
            return;
        }
        JsonNode json = request.json();
        if (json == null || !json.isObject()) {
            fail(http, 422, "Invalid JSON body");
            return;
        }
        if (chat) {
            for (var it = json.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!JAMBA_FIELDS.contains(f)) {
                    fail(http, 422, "Unsupported parameter: " + f);
                    return;
                }
            }
            if (!json.path("messages").isArray()) {
                fail(http, 422, "messages: field required");
                return;
            }
        } else if (!json.path("prompt").isTextual()) {
            fail(http, 422, "prompt: field required");
            return;
        }
        Reply reply = nextReply();
        if (reply.isError()) {
            Map<String, String> headers = new LinkedHashMap<>(reply.headers());
            String message = reply.isContextTooLong()
                    ? "Prompt length exceeds the model's maximum context length of 256000 tokens (got 300000 tokens)"
                    : reply.errorMessage();
            respondJson(http, reply.status(), headers, detail(message), reply);
            return;
        }
        if (chat) {
            jamba(http, request, reply);
        } else {
            jurassic(http, request, reply);
        }
    }

    private void jamba(HttpServerRequest http, RecordedRequest request, Reply reply) {
        String id = newId("chatcmpl-");
        long created = Instant.now().getEpochSecond();
        String model = reply.modelOr(request.json().path("model").asText("jamba-mini"));
        int prompt = reply.promptTokens(10);
        if (request.json().path("stream").asBoolean(false)) {
            List<String> frames = OpenAiWire.chatChunks(id, created, model, reply, prompt, true, false, "call_", this);
            respondStream(http, new LinkedHashMap<>(reply.headers()), usageOnLastChunk(frames),
                    "data: " + write(detail(reply.errorMessage() == null ? "error" : reply.errorMessage())) + "\n\n",
                    reply);
        } else {
            respondJson(http, 200, new LinkedHashMap<>(reply.headers()),
                    OpenAiWire.chatCompletion(id, created, model, reply, prompt, false, "call_", this), reply);
        }
    }

    /** OpenAI's frames (usage in a chunk of its own) as AI21 sends them: the usage on the finish chunk, no nulls. */
    static List<String> usageOnLastChunk(List<String> frames) {
        List<ObjectNode> chunks = new ArrayList<>();
        for (String f : frames) {
            String data = f.substring("data: ".length()).trim();
            if (!data.equals("[DONE]")) {
                chunks.add((ObjectNode) dev.tollgate.gateway.Json.parse(data));
            }
        }
        ObjectNode usageChunk = chunks.remove(chunks.size() - 1);
        for (ObjectNode c : chunks) {
            c.remove("usage");
        }
        chunks.get(chunks.size() - 1).set("usage", usageChunk.get("usage"));
        List<String> out = new ArrayList<>();
        for (ObjectNode c : chunks) {
            out.add("data: " + write(c) + "\n\n");
        }
        out.add("data: [DONE]\n\n");
        return out;
    }

    private void jurassic(HttpServerRequest http, RecordedRequest request, Reply reply) {
        JsonNode in = request.json();
        int prompt = reply.promptTokens(10);
        ObjectNode body = object().put("id", newId(""));
        ObjectNode p = body.putObject("prompt").put("text", in.path("prompt").asText());
        p.set("tokens", tokens(prompt));
        ArrayNode completions = body.putArray("completions");
        int n = in.path("numResults").asInt(1);
        for (int i = 0; i < n; i++) {
            ObjectNode c = completions.addObject();
            c.putObject("data").put("text", reply.text() == null ? "" : reply.text())
                    .set("tokens", tokens(i == 0 ? reply.completionTokens() : 0));
            String finish = reply.finishReasonOr("stop");
            c.putObject("finishReason").put("reason", finish.equals("stop") ? "endoftext" : finish)
                    .put("length", reply.completionTokens());
        }
        respondJson(http, 200, new LinkedHashMap<>(reply.headers()), body, reply);
    }

    private static ArrayNode tokens(int count) {
        ArrayNode a = dev.tollgate.gateway.Json.array();
        for (int i = 0; i < count; i++) {
            ObjectNode t = a.addObject();
            t.putObject("generatedToken").put("token", "▁tok" + i).put("logprob", -0.5);
            t.putObject("textRange").put("start", i).put("end", i + 1);
        }
        return a;
    }
}
