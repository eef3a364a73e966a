package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake of Replicate's own predictions API, as Tollgate's pass-through route ({@code /replicate/v1/...}) relays it.
 * {@link #baseUrl()} is {@code <origin>/v1}, as {@code https://api.replicate.com/v1} is the API's.
 *
 * <p>Sources: the HTTP API reference https://replicate.com/docs/reference/http ({@code predictions.create}:
 * {@code POST /v1/predictions} with {@code version} as {@code owner/name}, {@code owner/name:version_id} or a bare
 * version id, and {@code input}; {@code models.predictions.create}: {@code POST /v1/models/{owner}/{name}/predictions};
 * {@code predictions.get}: {@code GET /v1/predictions/{id}}; {@code predictions.cancel}:
 * {@code POST /v1/predictions/{id}/cancel}; auth {@code Authorization: Bearer $REPLICATE_API_TOKEN}; the prediction
 * object: id, model, version, input, logs, output, data_removed, error, status (starting, processing, succeeded,
 * failed, canceled), created_at, started_at, completed_at, urls {get, cancel, stream}, metrics {predict_time,
 * total_time}) and https://replicate.com/docs/topics/predictions/create-a-prediction (sync mode: the
 * {@code Prefer: wait} header holds the request open up to 60 s and, if the model finished, the response carries the
 * output; otherwise the prediction is returned as it is and must be polled). Errors are problem details
 * {@code {"title","detail","status"}} (https://replicate.com/docs/reference/http#authentication: an invalid token is
 * 401 "Unauthenticated").
 *
 * <p>Behaviour: a create with {@code Prefer: wait} finishes at once (status succeeded, output a replicate.delivery URL,
 * {@code metrics.predict_time} = {@link #predictTime}); without it, the prediction is {@code starting}, the first poll
 * shows it {@code processing} and the second {@code succeeded}. A scripted {@link Reply#error} answers the next call
 * with that status as problem details (its {@code retry-after} header kept). Only {@link #version} is a known version
 * (and model ids containing "frame-interpolation" or "stable-diffusion"); others are 422 as on Replicate.
 */
public final class FakeReplicateNative extends FakeUpstream {
    /** The version id of google-research/frame-interpolation this fake knows. */
    public static final String VERSION = "4f88a16a13673a8b589c18866e540556170a5bcb2ccdc12de556e800e9456d3d";
    private static final Pattern MODEL_CREATE = Pattern.compile("^/v1/models/([^/]+)/([^/]+)/predictions$");
    private static final Pattern PREDICTION = Pattern.compile("^/v1/predictions/([a-z0-9]+)(/cancel)?$");

    private final String apiToken;
    private volatile BigDecimal predictTime = new BigDecimal("2.5");
    private final Map<String, ObjectNode> predictions = new ConcurrentHashMap<>();
    private final Map<String, Integer> polls = new ConcurrentHashMap<>();

    private FakeReplicateNative(Vertx vertx, String apiToken) {
        super(vertx, Reply.text("unused"));
        this.apiToken = apiToken;
    }

    /** A fake accepting exactly {@code apiToken}, on its own Vert.x. */
    public static FakeReplicateNative start(String apiToken) {
        FakeReplicateNative fake = new FakeReplicateNative(null, apiToken);
        fake.listen();
        return fake;
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text("unused"); // predictions are rendered from the fake's own state; replies script errors only
    }

    @Override
    public String baseUrl() {
        return origin() + "/v1";
    }

    /** The {@code metrics.predict_time} (seconds) of predictions that finish from now on. */
    public FakeReplicateNative predictTime(String seconds) {
        this.predictTime = new BigDecimal(seconds);
        return this;
    }

    /** How many predictions were created since start. */
    public int created() {
        return predictions.size();
    }

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        String auth = request.header("authorization");
        if (auth == null || !auth.equals("Bearer " + apiToken)) {
            problem(http, 401, "Unauthenticated", "You did not pass a valid authentication token", Map.of());
            return;
        }
        Matcher create = MODEL_CREATE.matcher(request.path());
        Matcher one = PREDICTION.matcher(request.path());
        if ("POST".equals(request.method()) && (create.matches() || request.path().equals("/v1/predictions"))) {
            Reply reply = nextReply();
            if (reply.isError()) {
                problem(http, reply.status(), "Error", reply.errorMessage(), reply.headers());
                return;
            }
            JsonNode body = request.json();
            if (body == null || !body.path("input").isObject()) {
                problem(http, 422, "Input validation failed", "input is required", Map.of());
                return;
            }
            String model;
            String version;
            if (create.matches()) {
                model = create.group(1) + "/" + create.group(2);
                version = null;
            } else {
                String v = body.path("version").asText("");
                int colon = v.indexOf(':');
                model = colon > 0 ? v.substring(0, colon) : v.contains("/") ? v : "google-research/frame-interpolation";
                version = colon > 0 ? v.substring(colon + 1) : v.contains("/") ? null : v;
                if (version != null && !version.equals(VERSION)) {
                    problem(http, 422, "Invalid version", "The specified version does not exist (or perhaps you "
                            + "don't have permission to use it?)", Map.of());
                    return;
                }
            }
            String id = newId("p"); // lowercase alphanumeric, as Replicate's ids
            ObjectNode p = object();
            p.put("id", id).put("model", model).put("version", version == null ? VERSION : version);
            p.set("input", body.path("input"));
            p.put("logs", "").putNull("output").put("data_removed", false).putNull("error").put("status", "starting")
                    .put("created_at", "2026-12-05T02:00:00.000Z");
            ObjectNode urls = p.putObject("urls");
            urls.put("get", "https://api.replicate.com/v1/predictions/" + id)
                    .put("cancel", "https://api.replicate.com/v1/predictions/" + id + "/cancel")
                    .put("stream", "https://stream.replicate.com/v1/files/" + id);
            String prefer = request.header("prefer");
            if (prefer != null && prefer.startsWith("wait")) {
                finish(p);
            }
            predictions.put(id, p);
            respondJson(http, 201, Map.of(), p, Reply.text(""));
            return;
        }
        if (one.matches() && predictions.containsKey(one.group(1))
                && ("GET".equals(request.method()) && one.group(2) == null
                    || "POST".equals(request.method()) && one.group(2) != null)) {
            ObjectNode p = predictions.get(one.group(1));
            synchronized (p) {
                if (one.group(2) != null) {
                    if (!isTerminal(p)) {
                        p.put("status", "canceled").put("completed_at", "2026-12-05T02:00:03.000Z");
                        p.putObject("metrics").put("predict_time", new BigDecimal("0.5"));
                    }
                } else if (!isTerminal(p)) {
                    int n = polls.merge(one.group(1), 1, Integer::sum);
                    if (n == 1) {
                        p.put("status", "processing").put("started_at", "2026-12-05T02:00:01.000Z");
                    } else {
                        finish(p);
                    }
                }
                respondJson(http, 200, Map.of(), p.deepCopy(), Reply.text(""));
            }
            return;
        }
        problem(http, 404, "Not found", "The requested resource could not be found.", Map.of());
    }

    private static boolean isTerminal(ObjectNode p) {
        String s = p.path("status").asText();
        return s.equals("succeeded") || s.equals("failed") || s.equals("canceled");
    }

    private void finish(ObjectNode p) {
        p.put("status", "succeeded").put("started_at", "2026-12-05T02:00:01.000Z")
                .put("completed_at", "2026-12-05T02:00:04.000Z")
                .put("output", "https://replicate.delivery/pbxt/" + p.path("id").asText() + "/out.mp4");
        p.putObject("metrics").put("predict_time", predictTime).put("total_time", predictTime.add(BigDecimal.ONE));
    }

    private void problem(HttpServerRequest http, int status, String title, String detail, Map<String, String> headers) {
        ObjectNode body = object();
        body.put("title", title).put("detail", detail).put("status", status);
        respondJson(http, status, headers, body, Reply.text(""));
    }
}
