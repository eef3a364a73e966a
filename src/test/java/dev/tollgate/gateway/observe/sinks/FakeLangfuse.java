package dev.tollgate.gateway.observe.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.FakeSink;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Langfuse project's ingestion endpoint, as documented in its API reference (https://api.reference.langfuse.com,
 * "Ingestion / batch"; the Fern definition {@code fern/apis/server/definition/ingestion.yml} of
 * github.com/langfuse/langfuse): {@code POST /api/public/ingestion}, HTTP Basic auth with the project's public key as
 * user and secret key as password (401 otherwise), body {@code {"batch":[events]}} where each event has a string
 * {@code id}, a string {@code timestamp}, a {@code type} of the documented union and an object {@code body}. The
 * answer is 207 with {@code {"successes":[{"id","status":201}],"errors":[{"id","status","message","error"}]}}: input
 * errors are reported per event, never as a 4xx. Events of traces named in {@link #reject} are answered with a
 * per-event error (as Langfuse does for events it cannot accept).
 */
final class FakeLangfuse implements AutoCloseable {
    static final Set<String> TYPES = Set.of("trace-create", "score-create", "span-create", "span-update",
            "generation-create", "generation-update", "event-create", "sdk-log", "observation-create",
            "observation-update");

    final FakeSink server;
    private final String authorization;
    /** Every event accepted (201), in order. */
    final List<JsonNode> accepted = new CopyOnWriteArrayList<>();
    /** Trace ids whose events this fake refuses with a per-event error. */
    final Set<String> reject = ConcurrentHashMap.newKeySet();

    FakeLangfuse(Vertx vertx, String publicKey, String secretKey) {
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString((publicKey + ":" + secretKey).getBytes(StandardCharsets.UTF_8));
        this.server = new FakeSink(vertx).responder(this::answer);
    }

    String url() {
        return server.url();
    }

    private FakeSink.Reply answer(FakeSink.Received r) {
        if (!r.method().equals("POST") || !r.uri().equals("/api/public/ingestion")) {
            return new FakeSink.Reply(404, "{\"message\":\"Not found\"}");
        }
        if (!authorization.equals(r.header("authorization"))) {
            return new FakeSink.Reply(401, "{\"error\":\"Unauthorized\",\"message\":\"Invalid credentials\"}");
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(r.body());
        } catch (Exception e) {
            return new FakeSink.Reply(400, "{\"message\":\"Invalid JSON\"}");
        }
        if (body == null || !body.path("batch").isArray()) {
            return new FakeSink.Reply(400, "{\"message\":\"Invalid request data\"}");
        }
        ObjectNode answer = Json.object();
        ArrayNode successes = answer.putArray("successes");
        ArrayNode errors = answer.putArray("errors");
        List<JsonNode> ok = new ArrayList<>();
        for (JsonNode event : body.path("batch")) {
            String id = event.path("id").asText(null);
            boolean valid = id != null && event.path("timestamp").isTextual()
                    && TYPES.contains(event.path("type").asText()) && event.path("body").isObject();
            String trace = event.path("type").asText().equals("trace-create") ? event.path("body").path("id").asText()
                    : event.path("body").path("traceId").asText();
            if (!valid || reject.contains(trace)) {
                ObjectNode e = errors.addObject();
                e.put("id", id == null ? "" : id);
                e.put("status", 400);
                e.put("message", "Invalid request data");
                e.putObject("error").put("reason", "refused by the test");
            } else {
                successes.addObject().put("id", id).put("status", 201);
                ok.add(event);
            }
        }
        accepted.addAll(ok);
        return new FakeSink.Reply(207, answer.toString());
    }

    @Override
    public void close() {
        server.close();
    }
}
