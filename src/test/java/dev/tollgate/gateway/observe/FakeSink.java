package dev.tollgate.gateway.observe;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A sink endpoint for the callback tests: an in-process Vert.x HTTP/1.1 server on a free port of 127.0.0.1 that
 * records every request (method, path and query, headers, body) and answers with scripted statuses, a
 * {@link #responder} of its own (a fake service's documented answers), or never ({@link #silent}: it accepts the
 * connection and the request, and never writes a byte back).
 *
 * <p>As a generic webhook it follows Tollgate's own documented webhook format ({@code WebhookFormat}): {@code POST},
 * {@code content-type: application/json}, body {@code {"schema":"tollgate.dev/callback/v1","records":[...]}}.
 */
public final class FakeSink implements AutoCloseable {
    /** One request as received. */
    public record Received(String method, String uri, Map<String, String> headers, String body) {
        public JsonNode json() {
            return CallRecords.json(body);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** An answer: status and body. */
    public record Reply(int status, String body) {}

    private final HttpServer server;
    private final int port;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<Received, Integer> answered = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private final Queue<Integer> script = new ConcurrentLinkedQueue<>();
    private volatile int status = 200;
    private volatile boolean silent;
    private volatile Function<Received, Reply> responder;
    private volatile int endless;
    private volatile long delayMillis;
    private final Vertx vertx;
    private final java.util.concurrent.atomic.AtomicLong streamed = new java.util.concurrent.atomic.AtomicLong();

    public FakeSink(Vertx vertx) {
        this.vertx = vertx;
        server = vertx.createHttpServer().requestHandler(this::handle);
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        port = server.actualPort();
    }

    private void handle(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            Map<String, String> headers = new LinkedHashMap<>();
            request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
            Received r = new Received(request.method().name(), request.uri(), headers, body.toString());
            received.add(r);
            if (silent) {
                return; // never answers: the connection stays open until the client gives up
            }
            if (endless > 0) { // a status, then a body that never ends (until the client resets the connection)
                answered.put(r, endless);
                io.vertx.core.http.HttpServerResponse response = request.response().setStatusCode(endless)
                        .setChunked(true);
                io.vertx.core.buffer.Buffer chunk = io.vertx.core.buffer.Buffer.buffer("{\"x\":\"" + "y".repeat(8_000));
                boolean[] gone = {false};
                response.closeHandler(v -> gone[0] = true);
                vertx.setPeriodic(1, id -> {
                    if (gone[0] || response.closed() || response.ended()) {
                        vertx.cancelTimer(id);
                    } else if (!response.writeQueueFull()) {
                        response.write(chunk);
                        streamed.addAndGet(chunk.length());
                    }
                });
                return;
            }
            Function<Received, Reply> custom = responder;
            Reply reply;
            if (custom != null) {
                reply = custom.apply(r);
            } else {
                Integer scripted = script.poll();
                reply = new Reply(scripted != null ? scripted : status, "");
            }
            answered.put(r, reply.status());
            if (delayMillis > 0) {
                vertx.setTimer(delayMillis, t -> request.response().setStatusCode(reply.status()).end(reply.body()));
            } else {
                request.response().setStatusCode(reply.status()).end(reply.body());
            }
        });
    }

    /** The base URL, e.g. {@code http://127.0.0.1:1234}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The next answers' statuses, in order (then the default). */
    public FakeSink script(Integer... statuses) {
        script.addAll(List.of(statuses));
        return this;
    }

    /** The status answered when nothing is scripted. */
    public FakeSink status(int status) {
        this.status = status;
        return this;
    }

    /** Answers this status with a body that never ends. */
    public FakeSink endless(int status) {
        this.endless = status;
        return this;
    }

    /** Answers this much later. */
    public FakeSink delay(long millis) {
        this.delayMillis = millis;
        return this;
    }

    /** The bytes of never-ending bodies written so far. */
    public long streamed() {
        return streamed.get();
    }

    public FakeSink silent(boolean silent) {
        this.silent = silent;
        return this;
    }

    public FakeSink responder(Function<Received, Reply> responder) {
        this.responder = responder;
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Every webhook record received, in order, from every request (answered or not). */
    public List<JsonNode> records() {
        List<JsonNode> out = new ArrayList<>();
        for (Received r : received) {
            r.json().path("records").forEach(out::add);
        }
        return out;
    }

    /** The webhook records of the requests this fake answered with a 2xx. */
    public List<JsonNode> delivered() {
        List<JsonNode> out = new ArrayList<>();
        for (Received r : received) {
            Integer s = answered.get(r);
            if (s != null && s >= 200 && s < 300) {
                r.json().path("records").forEach(out::add);
            }
        }
        return out;
    }

    /** The {@code request_id} of each record. */
    public static List<String> requestIds(List<JsonNode> records) {
        List<String> ids = new ArrayList<>();
        records.forEach(r -> ids.add(r.path("request_id").asText()));
        return ids;
    }

    @Override
    public void close() {
        server.close();
    }

}
