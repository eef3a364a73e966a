package dev.tollgate.gateway.observe.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A logging service's ingestion endpoint as its documentation describes it (auth, path, body checks, answers),
 * recording every request it gets, refused ones included. One class, one factory per service; each factory's javadoc
 * cites the documentation it follows.
 */
final class FakeSinkService implements AutoCloseable {
    /** One request as the fake got it. */
    record Received(String method, String path, Map<String, String> headers, Buffer body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        JsonNode json() {
            return Json.parse(body.getBytes());
        }
    }

    /** The answer a handler gives. */
    record Reply(int status, String contentType, Buffer body) {
        static Reply json(int status, JsonNode body) {
            return new Reply(status, "application/json", Buffer.buffer(Json.writeBytes(body)));
        }

        static Reply text(int status, String body) {
            return new Reply(status, "text/plain", Buffer.buffer(body));
        }
    }

    interface Handler {
        Reply handle(Received request);
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    private FakeSinkService(Vertx vertx, Handler handler) throws Exception {
        this.server = vertx.createHttpServer().requestHandler(req -> req.body().onFailure(e -> req.response()
                .setStatusCode(500).end("fake could not read the body: " + e)).onSuccess(body -> {
            Received r = new Received(req.method().name(), req.path(), headers(req), body);
            received.add(r);
            Reply reply;
            try {
                reply = handler.handle(r);
            } catch (RuntimeException | Error e) {
                reply = Reply.text(500, "fake failed: " + e);
            }
            req.response().setStatusCode(reply.status()).putHeader("content-type", reply.contentType())
                    .end(reply.body());
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static Map<String, String> headers(HttpServerRequest req) {
        Map<String, String> h = new java.util.LinkedHashMap<>();
        req.headers().forEach(e -> h.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        return h;
    }

    String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static Reply notFound(Received r) {
        return Reply.text(404, "no route " + r.method() + " " + r.path());
    }

    /**
     * Lunary's {@code POST /v1/runs/ingest}: the bearer token is the project's key (lunary-py consumer.py); an unknown
     * project is 401 {@code {"message":"This project does not exist"}}; the body is {@code {"events": Event | Event[]}}
     * (ingest.ts's OpenAPI block and Event type in utils/ingest.ts); the answer is 200 {@code {"results":[{id,
     * success, error?}]}}, an event failing alone, e.g. a second {@code start} of a run
     * ("Run with this ID already exists in the database."). Sources:
     * https://github.com/lunary-ai/lunary/blob/main/packages/backend/src/api/v1/runs/ingest.ts,
     * https://github.com/lunary-ai/lunary/blob/main/packages/backend/src/utils/ingest.ts.
     */
    static FakeSinkService lunary(Vertx vertx, String projectKey) throws Exception {
        Set<String> types = Set.of("llm", "chain", "agent", "tool", "log", "embed", "retriever", "chat", "convo",
                "message", "thread");
        Set<String> runs = new HashSet<>();
        return new FakeSinkService(vertx, r -> {
            if (!r.method().equals("POST") || !r.path().equals("/v1/runs/ingest")) {
                return notFound(r);
            }
            if (!("Bearer " + projectKey).equals(r.header("authorization"))) {
                return Reply.json(401, Json.object().put("message", "This project does not exist"));
            }
            JsonNode events = r.json().get("events");
            if (events == null) {
                return Reply.text(500, "Missing events payload.");
            }
            ArrayNode results = Json.array();
            for (JsonNode e : events.isArray() ? events : Json.array().add(events)) {
                String runId = Json.text(e, "runId");
                ObjectNode result = results.addObject();
                result.put("id", runId);
                String problem = null;
                if (!types.contains(Json.text(e, "type"))) {
                    problem = "unknown type";
                } else if (runId == null || Json.text(e, "event") == null) {
                    problem = "runId and event are required";
                } else if (!parses(Json.text(e, "timestamp"))) {
                    problem = "Couldn't parse timestamp";
                } else if ("start".equals(Json.text(e, "event")) && !runs.add(runId)) {
                    problem = "Run with this ID already exists in the database.";
                }
                result.put("success", problem == null);
                if (problem != null) {
                    result.put("error", problem);
                }
            }
            return Reply.json(200, Json.object().set("results", results));
        });
    }

    private static boolean parses(String timestamp) {
        try {
            Instant.parse(timestamp);
            return true;
        } catch (DateTimeParseException | NullPointerException e) {
            return false;
        }
    }

    /**
     * Helicone's {@code POST /custom/v1/log} (https://docs.helicone.ai/getting-started/integration-method/manual-logger-curl):
     * {@code Authorization: Bearer <API_KEY>}; no authorization is 401 "Unauthorized", a wrong key 401 with
     * {@code {"error"}}; the body is checked as Helicone's worker does (validateAsyncLogModel in
     * worker/src/lib/models/AsyncLog.ts: providerRequest.url a string, meta an object, json present;
     * providerResponse.json present, status a number, headers an object; timing's four numbers, start not after end)
     * and refused with 400 {@code {"error"}}; a good log is 200 "ok".
     */
    static FakeSinkService helicone(Vertx vertx, String apiKey) throws Exception {
        return new FakeSinkService(vertx, r -> {
            if (!r.method().equals("POST") || !r.path().equals("/custom/v1/log")) {
                return notFound(r);
            }
            String auth = r.header("authorization");
            if (auth == null) {
                return Reply.text(401, "Unauthorized");
            }
            if (!auth.equals("Bearer " + apiKey)) {
                return Reply.json(401, Json.object().put("error", "Invalid API key"));
            }
            String problem = heliconeProblem(r.json());
            if (problem != null) {
                return Reply.json(400, Json.object().put("error", problem));
            }
            return new Reply(200, "text/plain", Buffer.buffer("ok"));
        });
    }

    private static String heliconeProblem(JsonNode log) {
        JsonNode req = log.get("providerRequest");
        JsonNode res = log.get("providerResponse");
        JsonNode timing = log.get("timing");
        if (req == null || res == null || timing == null) {
            return "One of the required fields is missing, providerRequest, providerResponse, or timing";
        }
        if (!req.path("url").isTextual()) {
            return "Invalid providerRequest: 'url' should be a string";
        }
        if (!req.path("meta").isObject()) {
            return "Invalid providerRequest: 'meta' should be an object";
        }
        if (!req.has("json")) {
            return "Invalid providerRequest: 'json' is undefined";
        }
        if (!res.has("json")) {
            return "Invalid providerResponse: 'json' is undefined";
        }
        if (!res.path("status").isNumber()) {
            return "Invalid providerResponse: 'status' should be a number";
        }
        if (!res.path("headers").isObject()) {
            return "Invalid providerResponse: 'headers' should be an object";
        }
        for (String t : new String[] {"startTime", "endTime"}) {
            for (String f : new String[] {"seconds", "milliseconds"}) {
                if (!timing.path(t).path(f).isNumber()) {
                    return "Invalid timing: '" + t + "." + f + "' should be a number";
                }
            }
        }
        long start = timing.get("startTime").get("seconds").asLong() * 1000 + timing.get("startTime").get("milliseconds").asLong();
        long end = timing.get("endTime").get("seconds").asLong() * 1000 + timing.get("endTime").get("milliseconds").asLong();
        if (start > end) {
            return "startTime cannot be greater than endTime";
        }
        for (var e : (Iterable<Map.Entry<String, JsonNode>>) req.get("meta")::fields) {
            // the worker builds Headers from meta: a value must be a header-safe string
            if (!e.getValue().isTextual() || !e.getValue().asText().matches("[\\x20-\\x7E]*")) {
                return "meta " + e.getKey() + " is not a header value";
            }
        }
        return null;
    }

    /**
     * PromptLayer's {@code POST /log-request} (https://docs.promptlayer.com/reference/log-request): {@code X-API-KEY}
     * required (a missing or wrong one is refused with 401); {@code provider}, {@code model}, {@code input} and
     * {@code output} required, input and output in Prompt Blueprint format (type chat with messages whose content is
     * an array of content blocks, or type completion with content blocks), metadata values strings
     * (https://docs.promptlayer.com/features/prompt-history/metadata), status one of SUCCESS, WARNING, ERROR; a bad
     * body is refused with 400 (the code is the fake's choice: the page names none); a good one is 200
     * {@code {"id", "prompt_version": null, "status"}}.
     */
    static FakeSinkService promptLayer(Vertx vertx, String apiKey) throws Exception {
        int[] ids = {0};
        return new FakeSinkService(vertx, r -> {
            if (!r.method().equals("POST") || !r.path().equals("/log-request")) {
                return notFound(r);
            }
            if (!apiKey.equals(r.header("x-api-key"))) {
                return Reply.json(401, Json.object().put("message", "Invalid API key"));
            }
            String problem = promptLayerProblem(r.json());
            if (problem != null) {
                return Reply.json(400, Json.object().put("message", problem));
            }
            ObjectNode ok = Json.object().put("id", ++ids[0]);
            ok.putNull("prompt_version");
            ok.put("status", r.json().path("status").asText("SUCCESS"));
            return Reply.json(200, ok);
        });
    }

    private static String promptLayerProblem(JsonNode body) {
        for (String f : new String[] {"provider", "model"}) {
            if (!body.path(f).isTextual() || body.get(f).asText().isEmpty()) {
                return f + " is required";
            }
        }
        for (String f : new String[] {"input", "output"}) {
            String p = blueprintProblem(body.get(f));
            if (p != null) {
                return f + ": " + p;
            }
        }
        for (String f : new String[] {"request_start_time", "request_end_time"}) {
            if (body.has(f) && !parses(body.get(f).asText())) {
                return f + " is not a date-time";
            }
        }
        if (body.has("metadata")) {
            for (var e : (Iterable<Map.Entry<String, JsonNode>>) body.get("metadata")::fields) {
                if (!e.getValue().isTextual()) {
                    return "metadata values must be strings: " + e.getKey();
                }
            }
        }
        if (body.has("tags") && !body.get("tags").isArray()) {
            return "tags must be an array";
        }
        for (String f : new String[] {"input_tokens", "output_tokens", "price"}) {
            if (body.has(f) && (!body.get(f).isNumber() || body.get(f).decimalValue().signum() < 0)) {
                return f + " must be a number >= 0";
            }
        }
        if (body.has("status") && !Set.of("SUCCESS", "WARNING", "ERROR").contains(body.get("status").asText())) {
            return "status must be SUCCESS, WARNING or ERROR";
        }
        return null;
    }

    private static String blueprintProblem(JsonNode template) {
        if (template == null || !template.isObject()) {
            return "required";
        }
        String type = Json.text(template, "type");
        if ("chat".equals(type)) {
            if (!template.path("messages").isArray()) {
                return "messages must be an array";
            }
            for (JsonNode m : template.get("messages")) {
                if (!m.path("role").isTextual()) {
                    return "a message needs a role";
                }
                String p = contentProblem(m.get("content"));
                if (p != null) {
                    return p;
                }
            }
            return null;
        }
        if ("completion".equals(type)) {
            return contentProblem(template.get("content"));
        }
        return "type must be chat or completion";
    }

    private static String contentProblem(JsonNode content) {
        if (content == null || !content.isArray()) {
            return "content must be an array of content blocks, not a plain string";
        }
        for (JsonNode block : content) {
            if (!"text".equals(Json.text(block, "type")) || !block.path("text").isTextual()) {
                return "a text block needs type text and text";
            }
        }
        return null;
    }

    /**
     * Traceloop's OTLP/HTTP endpoint {@code POST /v1/traces} (https://traceloop.com/docs/openllmetry/integrations/traceloop:
     * OTLP exporter to the API with {@code Authorization: Bearer <API key>}; the OTLP/HTTP specification,
     * https://opentelemetry.io/docs/specs/otlp/#otlphttp-request: binary protobuf is
     * {@code Content-Type: application/x-protobuf}, a bad content type 415, the success answer an
     * ExportTraceServiceResponse in the request's encoding, here empty). A missing or wrong key is 401.
     */
    static FakeSinkService traceloop(Vertx vertx, String apiKey) throws Exception {
        return new FakeSinkService(vertx, r -> {
            if (!r.method().equals("POST") || !r.path().equals("/v1/traces")) {
                return notFound(r);
            }
            if (!("Bearer " + apiKey).equals(r.header("authorization"))) {
                return Reply.text(401, "Unauthorized");
            }
            if (!"application/x-protobuf".equals(r.header("content-type"))) {
                return Reply.text(415, "Unsupported Media Type");
            }
            return new Reply(200, "application/x-protobuf", Buffer.buffer());
        });
    }
}
