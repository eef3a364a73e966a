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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake of Replicate's HTTP API under {@code /v1} ({@link #baseUrl()} is {@code http://127.0.0.1:PORT/v1}, as
 * {@code https://api.replicate.com/v1} is Replicate's), following https://replicate.com/docs/reference/http,
 * https://replicate.com/docs/topics/predictions/create-a-prediction and
 * https://replicate.com/docs/topics/predictions/streaming:
 * <ul>
 *   <li>{@code POST /v1/models/{owner}/{name}/predictions} and {@code POST /v1/predictions} (with {@code version}):
 *       body {@code {"input": {...}, "stream"?: true}}. With {@code Prefer: wait} (or {@code wait=N}) the prediction
 *       comes back finished ({@code succeeded} or {@code failed}) unless {@link #syncWait(boolean)} is off; without it
 *       the answer is {@code 201} with status {@code starting}. The prediction object:
 *       {@code {id, model, version, input, logs, output, error, status, created_at, completed_at, urls: {get, cancel,
 *       stream?}, metrics: {predict_time, input_token_count?, output_token_count?}}}. A language model's output is a
 *       list of text pieces (one per Reply chunk); a model whose name contains {@code diffusion} outputs
 *       {@code num_outputs} file URLs on the fake's {@code /fake-blob/}. Token counts appear in {@code metrics} only
 *       when the Reply sets {@link Reply#usage}: Replicate's official language models report them, most others do not.</li>
 *   <li>{@code GET /v1/predictions/{id}}: {@code starting}, then {@code processing}, then the finished prediction
 *       after {@link #pollsUntilDone(int)} polls (default 2).</li>
 *   <li>{@code POST /v1/predictions/{id}/cancel}: status {@code canceled} ({@link #cancels()} counts them).</li>
 *   <li>{@code GET /stream/v1/predictions/{id}} (the {@code urls.stream}, on the fake's own host as
 *       {@code streaming.api.replicate.com} is Replicate's), {@code Accept: text/event-stream}: one
 *       {@code event: output} per Reply text piece (plain text, a line break splits it into several {@code data}
 *       lines), then {@code event: done} with {@code data: {}}. A failure is {@code event: error} with
 *       {@code {"detail": …}} then {@code event: done} with {@code {"reason": "error"}}. {@code cutAfter(n)} closes the
 *       connection after n events; {@code streamErrorAfter} sends the error event there.</li>
 * </ul>
 * Auth: {@code Authorization: Bearer <token>}; a wrong one is 401 {@code {"title": "Unauthenticated", "detail": "You
 * did not pass a valid authentication token", "status": 401}}. Errors are problem details {@code {"title", "detail",
 * "status"}}; a 429 carries the Reply's {@code retry-after}. A failed prediction is HTTP 200/201 with status
 * {@code failed} and its {@code error}: {@link Reply#contextTooLong()} fails with the message vLLM gives for a prompt
 * over the window ("This model's maximum context length is … tokens"; Replicate documents no wording of its own),
 * and a safety block ({@code finishReason("content_filter")} or {@code "nsfw"}) fails with "NSFW content detected.
 * Try running it again, or try a different prompt." (the Stable Diffusion safety checker's words).
 */
public final class FakeReplicate extends FakeUpstream {
    public static final String DEFAULT_TEXT = "Hello from the fake Replicate.";
    public static final String NSFW = "NSFW content detected. Try running it again, or try a different prompt.";
    public static final String CONTEXT_TOO_LONG = "This model's maximum context length is 4096 tokens. However, you "
            + "requested 9000 tokens (8000 in the messages, 1000 in the completion). Please reduce the length of the "
            + "messages or completion.";
    private static final Pattern BY_NAME = Pattern.compile("^/v1/models/([^/]+)/([^/]+)/predictions$");
    private static final Pattern ONE = Pattern.compile("^/v1/predictions/([a-z0-9]+)$");
    private static final Pattern CANCEL = Pattern.compile("^/v1/predictions/([a-z0-9]+)/cancel$");
    private static final Pattern STREAM = Pattern.compile("^/stream/v1/predictions/([a-z0-9]+)$");

    private final String apiKey;
    private final Map<String, Prediction> predictions = new ConcurrentHashMap<>();
    private final AtomicInteger cancels = new AtomicInteger();
    private volatile int pollsUntilDone = 2;
    private volatile boolean syncWait = true;
    private volatile String urlOrigin;
    private volatile boolean streams = true;
    private final Map<String, String> versions = new ConcurrentHashMap<>();

    /** One prediction's state. */
    private static final class Prediction {
        final String id;
        final String model;
        final String version;
        final JsonNode input;
        final boolean stream;
        final Reply reply;
        final String createdAt = Instant.now().toString();
        int polls;
        String status = "starting";

        Prediction(String id, String model, String version, JsonNode input, boolean stream, Reply reply) {
            this.id = id;
            this.model = model;
            this.version = version;
            this.input = input;
            this.stream = stream;
            this.reply = reply;
        }
    }

    private FakeReplicate(Vertx vertx, String apiKey) {
        super(vertx, Reply.text(DEFAULT_TEXT));
        this.apiKey = apiKey;
    }

    public static FakeReplicate start(String apiKey) {
        return start(null, apiKey);
    }

    public static FakeReplicate start(Vertx vertx, String apiKey) {
        FakeReplicate fake = new FakeReplicate(vertx, apiKey);
        fake.listen();
        return fake;
    }

    @Override
    public String baseUrl() {
        return origin() + "/v1";
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text(DEFAULT_TEXT);
    }

    /** How many polls a prediction needs before it is finished (create without Prefer: wait). */
    public FakeReplicate pollsUntilDone(int polls) {
        this.pollsUntilDone = polls;
        return this;
    }

    /** Whether Prefer: wait returns the finished prediction (true) or one still starting (a model slower than the wait). */
    public FakeReplicate syncWait(boolean finished) {
        this.syncWait = finished;
        return this;
    }

    /** The origin written into {@code urls.*} and output URLs (default: the fake's own): to test the SSRF guard. */
    public FakeReplicate urlOrigin(String origin) {
        this.urlOrigin = origin;
        return this;
    }

    /** Whether the models stream (false: {@code "stream": true} gets no {@code urls.stream}, as for a model that cannot). */
    public FakeReplicate streams(boolean streams) {
        this.streams = streams;
        return this;
    }

    /** The model a version id belongs to (a create with an unknown version runs {@code someone/pinned-model}). */
    public FakeReplicate version(String version, String modelName) {
        versions.put(version, modelName);
        return this;
    }

    /** How many cancel requests arrived. */
    public int cancels() {
        return cancels.get();
    }

    private String urls() {
        return urlOrigin != null ? urlOrigin : origin();
    }

    private static ObjectNode problem(int status, String title, String detail) {
        return object().put("title", title).put("detail", detail).put("status", status);
    }

    private void fail(HttpServerRequest http, int status, String title, String detail) {
        respondJson(http, status, Map.of(), problem(status, title, detail), Reply.text(""));
    }

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        String path = request.path();
        String auth = request.header("authorization");
        if (auth == null || !auth.equals("Bearer " + apiKey)) {
            fail(http, 401, "Unauthenticated", "You did not pass a valid authentication token");
            return;
        }
        Matcher byName = BY_NAME.matcher(path);
        Matcher one = ONE.matcher(path);
        Matcher cancel = CANCEL.matcher(path);
        Matcher stream = STREAM.matcher(path);
        if ("POST".equals(request.method()) && (byName.matches() || path.equals("/v1/predictions"))) {
            create(http, request, byName.matches() ? byName.group(1) + "/" + byName.group(2) : null);
        } else if ("GET".equals(request.method()) && one.matches()) {
            Prediction p = predictions.get(one.group(1));
            if (p == null) {
                fail(http, 404, "Not found", "Not found.");
                return;
            }
            synchronized (p) {
                if (!terminal(p.status)) {
                    p.polls++;
                    p.status = p.polls >= pollsUntilDone ? finalStatus(p.reply) : "processing";
                }
            }
            respondJson(http, 200, Map.of(), render(p), Reply.text(""));
        } else if ("POST".equals(request.method()) && cancel.matches()) {
            Prediction p = predictions.get(cancel.group(1));
            if (p == null) {
                fail(http, 404, "Not found", "Not found.");
                return;
            }
            cancels.incrementAndGet();
            synchronized (p) {
                if (!terminal(p.status)) {
                    p.status = "canceled";
                }
            }
            respondJson(http, 200, Map.of(), render(p), Reply.text(""));
        } else if ("GET".equals(request.method()) && stream.matches()) {
            Prediction p = predictions.get(stream.group(1));
            if (p == null || !p.stream) {
                fail(http, 404, "Not found", "Not found.");
                return;
            }
            stream(http, p);
        } else {
            fail(http, 404, "Not found", "Not found.");
        }
    }

    private void create(HttpServerRequest http, RecordedRequest request, String modelName) {
        JsonNode json = request.json();
        if (json == null || !json.isObject() || !json.path("input").isObject()) {
            fail(http, 422, "Input validation failed", "input: field required");
            return;
        }
        String version = json.path("version").asText(null);
        if (modelName == null && (version == null || version.isBlank())) {
            fail(http, 422, "Invalid version or not permitted", "version: field required");
            return;
        }
        Reply reply = nextReply();
        if (reply.isError() && !reply.isContextTooLong()) {
            ObjectNode body = problem(reply.status(), reply.errorType() == null ? "Error" : reply.errorType(),
                    reply.errorMessage());
            respondJson(http, reply.status(), new LinkedHashMap<>(reply.headers()), body, reply);
            return;
        }
        String id = newId("p").replace("-", "");
        boolean stream = json.path("stream").asBoolean(false) && streams;
        Prediction p = new Prediction(id, modelName != null ? modelName
                : versions.getOrDefault(version, "someone/pinned-model"), version,
                json.get("input"), stream, reply);
        predictions.put(id, p);
        String prefer = request.header("prefer");
        boolean wait = prefer != null && prefer.trim().startsWith("wait");
        if (wait && syncWait) {
            p.status = finalStatus(reply);
        }
        respondJson(http, 201, Map.of(), render(p), reply);
    }

    private static boolean terminal(String status) {
        return status.equals("succeeded") || status.equals("failed") || status.equals("canceled");
    }

    private static String finalStatus(Reply reply) {
        return failure(reply) != null ? "failed" : "succeeded";
    }

    /** The error a reply fails its prediction with, or null when it succeeds. */
    private static String failure(Reply reply) {
        if (reply.isContextTooLong()) {
            return CONTEXT_TOO_LONG;
        }
        String finish = reply.finishReasonOr(null);
        if ("content_filter".equals(finish) || "nsfw".equals(finish)) {
            return NSFW;
        }
        return null;
    }

    private boolean imageModel(Prediction p) {
        return p.model.contains("diffusion");
    }

    private ObjectNode render(Prediction p) {
        ObjectNode o = object();
        o.put("id", p.id);
        o.put("model", p.model);
        o.put("version", p.version == null ? "dp-" + p.id : p.version);
        o.set("input", p.input);
        o.put("logs", "");
        o.put("data_removed", false);
        o.put("created_at", p.createdAt);
        o.put("source", "api");
        String status;
        synchronized (p) {
            status = p.status;
        }
        o.put("status", status);
        if (status.equals("succeeded")) {
            if (imageModel(p)) {
                ArrayNode out = o.putArray("output");
                int n = Math.max(1, p.input.path("num_outputs").asInt(1));
                for (int i = 0; i < n; i++) {
                    out.add(urls() + BLOB_PREFIX + p.id + "-" + i + ".png");
                }
            } else {
                ArrayNode out = o.putArray("output");
                p.reply.textPieces().forEach(out::add);
            }
        } else {
            o.putNull("output");
        }
        if (status.equals("failed")) {
            o.put("error", failure(p.reply));
        } else {
            o.putNull("error");
        }
        ObjectNode urls = o.putObject("urls");
        urls.put("get", urls() + "/v1/predictions/" + p.id);
        urls.put("cancel", urls() + "/v1/predictions/" + p.id + "/cancel");
        urls.put("web", "https://replicate.com/p/" + p.id);
        if (p.stream) {
            urls.put("stream", urls() + "/stream/v1/predictions/" + p.id);
        }
        ObjectNode metrics = o.putObject("metrics");
        if (terminal(status)) {
            o.put("completed_at", Instant.now().toString());
            metrics.put("predict_time", 1.25);
            if (status.equals("succeeded") && p.reply.promptTokens(-1) >= 0) {
                metrics.put("input_token_count", p.reply.promptTokens(0));
                metrics.put("output_token_count", p.reply.completionTokens());
            }
        }
        return o;
    }

    private void stream(HttpServerRequest http, Prediction p) {
        Reply reply = p.reply;
        List<String> frames = new ArrayList<>();
        String error = failure(reply);
        int n = 0;
        if (error == null) {
            for (String piece : reply.textPieces()) {
                StringBuilder f = new StringBuilder("event: output\nid: " + p.id + ":" + n++ + "\n");
                for (String line : piece.split("\n", -1)) {
                    f.append("data: ").append(line).append('\n');
                }
                frames.add(f.append('\n').toString());
            }
            frames.add("event: done\ndata: {}\n\n");
        } else {
            frames.add(errorFrame(error));
        }
        synchronized (p) {
            p.status = finalStatus(reply);
        }
        String streamError = reply.streamErrorAfter() != null ? errorFrame(reply.errorMessage()) : null;
        respondStream(http, Map.of(), frames, streamError, reply);
    }

    private static String errorFrame(String detail) {
        return "event: error\ndata: " + write(object().put("detail", detail)) + "\n\n"
                + "event: done\ndata: {\"reason\":\"error\"}\n\n";
    }
}
