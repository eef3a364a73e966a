package dev.tollgate.gateway.provider.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.Upstream;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.WireFormat;
import dev.tollgate.gateway.validation.InvalidRequest;
import dev.tollgate.gateway.validation.RequestRules;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The deterministic mock provider, in-process and in OpenAI's dialect: same request, same answer. The answer is
 * {@code mock.response} or an echo of the last user message, as exactly {@code mock.outputTokens} words (one
 * word = one token = one streamed chunk); prompt tokens are the words of all messages. It honours {@code n},
 * {@code stop}, {@code max_tokens}, tools (a {@code tool_choice} naming a function, or "required", yields a call
 * to it) and {@code stream_options.include_usage}; {@code logprobs} is refused (400) or dropped per the model's
 * unsupportedParams. Latency and the interval between chunks come from the LlmModel's mock settings.
 */
public class MockUpstream implements Upstream {
    /** A 1x1 transparent PNG, for image generation. */
    private static final String PIXEL_PNG =
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    private final Vertx vertx;

    public MockUpstream(Vertx vertx) {
        this.vertx = vertx;
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    @Override
    public boolean supports(Operation operation) {
        return true;
    }

    @Override
    public Future<JsonNode> send(Call call) {
        JsonNode answer;
        try {
            validate(call);
            answer = switch (call.operation()) {
                case CHAT -> chat(call);
                case COMPLETIONS -> completion(call);
                case EMBEDDINGS -> embeddings(call);
                case IMAGES -> images(call);
                case RERANK -> rerank(call);
                case PASSTHROUGH -> throw new IllegalArgumentException("a pass-through call never reaches an adapter");
            };
        } catch (UpstreamException e) {
            return Future.failedFuture(e);
        } catch (RuntimeException e) {
            return Future.failedFuture(unreadable(e));
        }
        return delay(call, mock(call).latencyMillis()).map(v -> answer);
    }

    @Override
    public Future<Void> stream(Call call, StreamSink sink) {
        if (call.operation() != Operation.CHAT && call.operation() != Operation.COMPLETIONS) {
            return Future.failedFuture(bad("stream", "stream is only supported for chat and completions"));
        }
        List<ObjectNode> chunks;
        try {
            validate(call);
            chunks = call.operation() == Operation.CHAT ? chatChunks(call) : completionChunks(call);
        } catch (UpstreamException e) {
            return Future.failedFuture(e);
        } catch (RuntimeException e) {
            return Future.failedFuture(unreadable(e));
        }
        Promise<Void> done = Promise.promise();
        long interval = mock(call).chunkIntervalMillis();
        Runnable[] next = new Runnable[1];
        int[] i = {0};
        next[0] = () -> {
            if (call.cancellation().cancelled()) {
                done.tryFail("cancelled");
                return;
            }
            if (i[0] == chunks.size()) {
                done.tryComplete();
                return;
            }
            try {
                sink.onEvent(null, chunks.get(i[0]++), null);
            } catch (RuntimeException e) {
                done.tryFail(e);
                return;
            }
            boolean lastOrRole = i[0] == 1 || i[0] >= chunks.size() - 1;
            Runnable go = () -> later(lastOrRole ? 0 : interval, next[0]);
            if (sink.full()) {
                sink.onDrain(go);
            } else {
                go.run();
            }
        };
        later(mock(call).latencyMillis(), next[0]);
        return done.future();
    }

    // ---- chat --------------------------------------------------------------------------------------------------

    private ObjectNode chat(Call call) {
        ObjectNode req = call.body();
        checkParams(call);
        int n = Math.max(1, req.path("n").asInt(1));
        List<String> words = answerWords(call);
        ObjectNode resp = Json.object();
        resp.put("id", "chatcmpl-mock-" + shortHash(Json.write(req)));
        resp.put("object", "chat.completion");
        resp.put("created", 0);
        resp.put("model", call.model().upstreamModel());
        ArrayNode choices = resp.putArray("choices");
        JsonNode tool = toolToCall(req);
        for (int c = 0; c < n; c++) {
            ObjectNode choice = choices.addObject();
            choice.put("index", c);
            ObjectNode msg = choice.putObject("message");
            msg.put("role", "assistant");
            if (tool != null) {
                msg.putNull("content");
                ObjectNode tc = msg.putArray("tool_calls").addObject();
                tc.put("id", "call_mock_" + c);
                tc.put("type", "function");
                tc.putObject("function").put("name", tool.path("function").path("name").asText())
                        .put("arguments", "{}");
                choice.put("finish_reason", "tool_calls");
            } else {
                Cut cut = cut(words, req);
                msg.put("content", String.join(" ", cut.words()));
                msg.putNull("refusal");
                choice.put("finish_reason", cut.reason());
            }
            choice.putNull("logprobs");
        }
        resp.set("usage", usage(promptTokens(req), n * (long) cut(words, req).words().size()));
        return resp;
    }

    private List<ObjectNode> chatChunks(Call call) {
        ObjectNode req = call.body();
        ObjectNode full = chat(call);
        String id = full.get("id").asText();
        List<ObjectNode> out = new ArrayList<>();
        JsonNode tool = toolToCall(req);
        int n = full.get("choices").size();
        for (int c = 0; c < n; c++) {
            ObjectNode role = chunk(id, call, c);
            role.withObject("/choices/0/delta").put("role", "assistant").put("content", "");
            out.add(role);
        }
        List<String> words = cut(answerWords(call), req).words();
        for (int w = 0; w < (tool != null ? 1 : words.size()); w++) {
            for (int c = 0; c < n; c++) {
                ObjectNode ch = chunk(id, call, c);
                ObjectNode delta = ch.withObject("/choices/0/delta");
                if (tool != null) {
                    ObjectNode tc = delta.putArray("tool_calls").addObject();
                    tc.put("index", 0).put("id", "call_mock_" + c).put("type", "function");
                    tc.putObject("function").put("name", tool.path("function").path("name").asText()).put("arguments", "{}");
                } else {
                    delta.put("content", (w == 0 ? "" : " ") + words.get(w));
                }
                out.add(ch);
            }
        }
        for (int c = 0; c < n; c++) {
            ObjectNode fin = chunk(id, call, c);
            fin.withObject("/choices/0/delta");
            ((ObjectNode) fin.get("choices").get(0)).put("finish_reason",
                    full.get("choices").get(c).get("finish_reason").asText());
            out.add(fin);
        }
        if (req.path("stream_options").path("include_usage").asBoolean(false)) {
            ObjectNode u = Json.object();
            u.put("id", id).put("object", "chat.completion.chunk").put("created", 0).put("model", call.model().upstreamModel());
            u.putArray("choices");
            u.set("usage", full.get("usage"));
            out.add(u);
        }
        return out;
    }

    private static ObjectNode chunk(String id, Call call, int index) {
        ObjectNode ch = Json.object();
        ch.put("id", id).put("object", "chat.completion.chunk").put("created", 0).put("model", call.model().upstreamModel());
        ObjectNode choice = ch.putArray("choices").addObject();
        choice.put("index", index);
        choice.putObject("delta");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return ch;
    }

    // ---- legacy completions, embeddings, images ---------------------------------------------------------------

    private ObjectNode completion(Call call) {
        ObjectNode req = call.body();
        checkParams(call);
        String prompt = req.path("prompt").isArray() ? req.path("prompt").path(0).asText() : req.path("prompt").asText("");
        List<String> words = cut(answer(call, prompt), req).words();
        ObjectNode resp = Json.object();
        resp.put("id", "cmpl-mock-" + shortHash(Json.write(req)));
        resp.put("object", "text_completion");
        resp.put("created", 0);
        resp.put("model", call.model().upstreamModel());
        ObjectNode choice = resp.putArray("choices").addObject();
        choice.put("text", String.join(" ", words));
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.put("finish_reason", cut(answer(call, prompt), req).reason());
        resp.set("usage", usage(words(prompt).size(), words.size()));
        return resp;
    }

    private List<ObjectNode> completionChunks(Call call) {
        ObjectNode full = completion(call);
        List<ObjectNode> out = new ArrayList<>();
        String[] words = full.at("/choices/0/text").asText().split(" ");
        for (int w = 0; w < words.length; w++) {
            ObjectNode ch = full.deepCopy();
            ch.remove("usage");
            ObjectNode choice = (ObjectNode) ch.get("choices").get(0);
            choice.put("text", (w == 0 ? "" : " ") + words[w]);
            choice.putNull("finish_reason");
            out.add(ch);
        }
        ObjectNode last = full.deepCopy();
        ((ObjectNode) last.get("choices").get(0)).put("text", "");
        if (!call.body().path("stream_options").path("include_usage").asBoolean(false)) {
            last.remove("usage");
        }
        out.add(last);
        return out;
    }

    private ObjectNode embeddings(Call call) {
        JsonNode input = call.body().path("input");
        List<String> inputs = new ArrayList<>();
        if (input.isArray()) {
            input.forEach(i -> inputs.add(i.isTextual() ? i.asText() : i.toString()));
        } else {
            inputs.add(input.asText());
        }
        int dims = call.body().path("dimensions").asInt(8);
        ObjectNode resp = Json.object();
        resp.put("object", "list");
        ArrayNode data = resp.putArray("data");
        long tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            ObjectNode e = data.addObject();
            e.put("object", "embedding");
            e.put("index", i);
            byte[] h = sha256(inputs.get(i));
            ArrayNode vec = e.putArray("embedding");
            for (int d = 0; d < dims; d++) {
                vec.add(Math.round(((h[d % h.length] & 0xFF) / 255.0 - 0.5) * 1e6) / 1e6);
            }
            tokens += words(inputs.get(i)).size();
        }
        resp.put("model", call.model().upstreamModel());
        resp.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return resp;
    }

    /**
     * A rerank answer with a deterministic score per document (from a hash of query and document), best first, and
     * Cohere's billing: one search unit per started 100 documents.
     */
    private ObjectNode rerank(Call call) {
        JsonNode req = call.body();
        String query = req.path("query").asText();
        List<double[]> scored = new ArrayList<>(); // {index, score}
        int i = 0;
        for (JsonNode d : req.path("documents")) {
            String text = d.isTextual() ? d.asText() : d.path("text").asText();
            byte[] h = sha256(query + "\u0000" + text);
            scored.add(new double[] {i++, ((h[0] & 0xFF) * 256 + (h[1] & 0xFF)) / 65535.0});
        }
        scored.sort((a, b) -> a[1] != b[1] ? Double.compare(b[1], a[1]) : Double.compare(a[0], b[0]));
        int topN = req.path("top_n").asInt(scored.size());
        ObjectNode resp = Json.object();
        resp.put("id", "rerank-mock-" + shortHash(query));
        ArrayNode results = resp.putArray("results");
        boolean withDocs = req.path("return_documents").asBoolean(false);
        for (double[] s : scored.subList(0, Math.min(topN, scored.size()))) {
            ObjectNode r = results.addObject();
            r.put("index", (int) s[0]);
            r.put("relevance_score", Math.round(s[1] * 1e6) / 1e6);
            if (withDocs) {
                JsonNode d = req.path("documents").get((int) s[0]);
                r.putObject("document").put("text", d.isTextual() ? d.asText() : d.path("text").asText());
            }
        }
        resp.putObject("meta").putObject("billed_units").put("search_units", (scored.size() + 99) / 100);
        return resp;
    }

    private ObjectNode images(Call call) {
        int n = Math.max(1, call.body().path("n").asInt(1));
        ObjectNode resp = Json.object();
        resp.put("created", 0);
        ArrayNode data = resp.putArray("data");
        for (int i = 0; i < n; i++) {
            data.addObject().put("b64_json", PIXEL_PNG).put("revised_prompt", call.body().path("prompt").asText());
        }
        return resp;
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private record Cut(List<String> words, String reason) {}

    /** Applies max_tokens and stop the way OpenAI does: stop text is not included; a cut is "length". */
    private static Cut cut(List<String> words, JsonNode req) {
        List<String> stops = new ArrayList<>();
        JsonNode stop = req.path("stop");
        if (stop.isTextual()) {
            stops.add(stop.asText());
        } else if (stop.isArray()) {
            stop.forEach(s -> stops.add(s.asText()));
        }
        List<String> out = new ArrayList<>();
        for (String w : words) {
            if (stops.stream().anyMatch(w::contains)) {
                return new Cut(out, "stop");
            }
            out.add(w);
        }
        long max = Math.max(0, req.path("max_completion_tokens").asLong(req.path("max_tokens").asLong(Long.MAX_VALUE)));
        if (out.size() > max) {
            return new Cut(out.subList(0, (int) max), "length");
        }
        return new Cut(out, "stop");
    }

    private List<String> answerWords(Call call) {
        JsonNode messages = call.body().path("messages");
        String last = "";
        for (JsonNode m : messages) {
            if ("user".equals(m.path("role").asText())) {
                last = text(m.path("content"));
            }
        }
        return answer(call, last);
    }

    private List<String> answer(Call call, String prompt) {
        GatewayConfig.Mock mock = mock(call);
        List<String> source = mock.response() != null ? words(mock.response()) : words(prompt);
        if (source.isEmpty()) {
            source = List.of("mock");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < mock.outputTokens(); i++) {
            out.add(source.get(i % source.size()));
        }
        return out;
    }

    private static long promptTokens(JsonNode req) {
        long n = 0;
        for (JsonNode m : req.path("messages")) {
            n += words(text(m.path("content"))).size();
        }
        return n;
    }

    private static String text(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        content.forEach(p -> {
            if ("text".equals(p.path("type").asText())) {
                sb.append(p.path("text").asText()).append(' ');
            }
        });
        return sb.toString();
    }

    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        for (String w : s.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    private static JsonNode toolToCall(JsonNode req) {
        JsonNode tools = req.path("tools");
        JsonNode choice = req.path("tool_choice");
        if (!tools.isArray() || tools.isEmpty()) {
            return null;
        }
        if (choice.isObject()) {
            String name = choice.path("function").path("name").asText();
            for (JsonNode t : tools) {
                if (name.equals(t.path("function").path("name").asText())) {
                    return t;
                }
            }
        }
        return "required".equals(choice.asText()) ? tools.get(0) : null;
    }

    private static void checkParams(Call call) {
        if (call.body().has("logprobs") && call.body().path("logprobs").asBoolean(false)) {
            if ("drop".equals(call.model().unsupportedParams())) {
                call.body().remove("logprobs");
                call.body().remove("top_logprobs");
            } else {
                throw bad("logprobs", "the mock provider does not return logprobs: remove the parameter, or set the "
                        + "LlmModel's unsupportedParams to drop");
            }
        }
    }

    /** The most dimensions the mock returns (OpenAI's largest embedding model has 3072). */
    static final int MAX_DIMENSIONS = 3072;

    /**
     * Checks the request as a real OpenAI endpoint does, against the same published description the gateway checks
     * its clients' bodies with (a body the gateway built, e.g. translated from Anthropic's dialect, is checked too):
     * a violation is a 400 in OpenAI's shape naming the field, never an exception.
     */
    private static void validate(Call call) {
        try (com.fasterxml.jackson.core.JsonParser p = call.body().traverse()) {
            RequestRules.of(WireFormat.OPENAI, call.operation()).check(p);
        } catch (InvalidRequest e) {
            throw new UpstreamException(e.toApiError(false), 400, null);
        } catch (java.io.IOException e) {
            throw unreadable(e);
        }
        if (call.operation() == Operation.EMBEDDINGS && call.body().path("dimensions").asLong(0) > MAX_DIMENSIONS) {
            throw new UpstreamException(ApiError.of(400, "Invalid 'dimensions': the mock model returns at most "
                    + MAX_DIMENSIONS + " dimensions", "dimensions").withCode("integer_above_max_value"), 400, null);
        }
    }

    /** Input the mock could not make sense of: a 400, as a real provider answers, never a 500. */
    private static UpstreamException unreadable(Exception e) {
        return new UpstreamException(ApiError.of(400, "the mock provider could not read the request ("
                + e.getClass().getSimpleName() + "): check it against the API reference", null), 400, null);
    }

    private static UpstreamException bad(String param, String message) {
        return new UpstreamException(ApiError.of(400, message, param).withCode("unsupported_parameter"), 400, null);
    }

    private static ObjectNode usage(long prompt, long completion) {
        ObjectNode u = Json.object();
        u.put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
        return u;
    }

    private static GatewayConfig.Mock mock(Call call) {
        GatewayConfig.Mock m = call.model().mock();
        return m != null ? m : new GatewayConfig.Mock(0, 0, 16, null);
    }

    private Future<Void> delay(Call call, long millis) {
        if (millis <= 0) {
            return Future.succeededFuture();
        }
        Promise<Void> p = Promise.promise();
        long timer = vertx.setTimer(millis, t -> p.tryComplete());
        call.cancellation().onCancel(() -> {
            vertx.cancelTimer(timer);
            p.tryFail("cancelled");
        });
        return p.future();
    }

    private void later(long millis, Runnable r) {
        if (millis <= 0) {
            vertx.runOnContext(v -> r.run());
        } else {
            vertx.setTimer(millis, t -> r.run());
        }
    }

    private static String shortHash(String s) {
        byte[] h = sha256(s);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(h).substring(0, 12);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
