package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The common machinery of the fake upstreams: an in-process Vert.x HTTP server on a random free port of
 * 127.0.0.1, a thread-safe record of every request, a queue of scripted {@link Reply replies} (falling back
 * to a default {@link #behaviour(Reply) behaviour}), and the timer-driven writers for JSON and
 * server-sent-event answers, including cut streams and streams that hang until the client disconnects.
 *
 * <p>Subclasses only route, authenticate and render bodies in their provider's wire format. Image URLs point
 * at {@code /fake-blob/…} on the same server, served without auth and not recorded.
 */
public abstract class FakeUpstream implements AutoCloseable {

    /** Jackson, as the gateway uses it. */
    static final ObjectMapper JSON = JsonMapper.builder().build();

    /** A 1x1 transparent PNG: the bytes behind every generated image. */
    static final byte[] PNG = Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    /** Path prefix of the (unauthenticated, unrecorded) "blob storage" that image URLs point to. */
    static final String BLOB_PREFIX = "/fake-blob/";

    private final Vertx vertx;
    private final boolean ownsVertx;
    private HttpServer server;
    private int port;

    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final Queue<Reply> script = new ConcurrentLinkedQueue<>();
    private volatile Reply behaviour;
    private final Map<String, Queue<Reply>> scripts = new ConcurrentHashMap<>();
    private final Map<String, Reply> behaviours = new ConcurrentHashMap<>();
    private volatile CompletableFuture<Void> clientDisconnected = new CompletableFuture<>();
    private final AtomicInteger disconnects = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();

    /** @param vertx a Vert.x to run on, or {@code null} to create (and later close) one of its own */
    protected FakeUpstream(Vertx vertx, Reply defaultBehaviour) {
        this.ownsVertx = vertx == null;
        this.vertx = ownsVertx ? Vertx.vertx() : vertx;
        this.behaviour = defaultBehaviour;
    }

    /** Routes, authenticates and answers one request; {@code request} is already recorded. */
    protected abstract void handle(HttpServerRequest http, RecordedRequest request);

    /** Values to read from the path before recording (Azure: the deployment); none by default. */
    protected Map<String, String> pathParams(String path) {
        return Map.of();
    }

    /**
     * Binds the server to a random free port on 127.0.0.1 and waits until it listens. HTTP/1.1 only (no h2c
     * upgrade), so that "close the connection" and "the client went away" mean the same for every client.
     */
    protected final void listen() {
        server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
                .requestHandler(this::accept);
        try {
            port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS).actualPort();
        } catch (Exception e) {
            close();
            throw new IllegalStateException("fake upstream could not listen on 127.0.0.1", e);
        }
    }

    // ---- the test-facing API ----

    /** {@code http://127.0.0.1:PORT} — the server's origin, without any API prefix. */
    public final String origin() {
        return "http://127.0.0.1:" + port;
    }

    public final int port() {
        return port;
    }

    /** The base URL to configure a client or the gateway with (provider-specific, see subclasses). */
    public abstract String baseUrl();

    /** Every request received since start or the last {@link #reset()}, oldest first (a snapshot). */
    public final List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** The most recent request; fails when none arrived. */
    public final RecordedRequest lastRequest() {
        if (requests.isEmpty()) {
            throw new IllegalStateException("the fake received no request");
        }
        return requests.get(requests.size() - 1);
    }

    /** Scripts the answer to the next request not yet answered; replies are used in order, once each. */
    public final FakeUpstream enqueue(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    /** The answer used whenever the script is empty. */
    public final FakeUpstream behaviour(Reply reply) {
        this.behaviour = reply;
        return this;
    }

    /**
     * Scripts the answers to the next requests for one deployment served by this fake: the upstream model the request
     * names (OpenAI, Anthropic) or the deployment in its path (Azure), see {@link #deploymentOf(RecordedRequest)}.
     * A deployment's own script and behaviour come before the fake-wide ones, so that one fake can play several
     * deployments of a model group, each failing its own way.
     */
    public final FakeUpstream enqueueFor(String deployment, Reply... replies) {
        scripts.computeIfAbsent(deployment, d -> new ConcurrentLinkedQueue<>()).addAll(List.of(replies));
        return this;
    }

    /** The answer for {@code deployment} whenever its own script is empty (see {@link #enqueueFor}). */
    public final FakeUpstream behaviourFor(String deployment, Reply reply) {
        behaviours.put(deployment, reply);
        return this;
    }

    /** The requests received for one deployment (see {@link #enqueueFor}), oldest first (a snapshot). */
    public final List<RecordedRequest> requestsFor(String deployment) {
        List<RecordedRequest> out = new ArrayList<>();
        for (RecordedRequest r : requests) {
            if (deployment.equals(deploymentOf(r))) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * Completes when a client closes its connection while an answer of this fake is still unfinished (a
     * stream in progress or hanging, a delayed answer). A connection the fake itself cuts
     * ({@link Reply#cutAfter(int)}) does not count. Re-armed by {@link #reset()}; answers begun before the
     * reset never complete the new future.
     */
    public final CompletableFuture<Void> clientDisconnected() {
        return clientDisconnected;
    }

    /** How many unfinished answers lost their client since start or the last {@link #reset()}. */
    public final int disconnects() {
        return disconnects.get();
    }

    /**
     * Forgets recorded requests and scripted replies, restores the default behaviour, re-arms
     * {@link #clientDisconnected()}. Configuration (API key, models, deployments, …) is kept.
     */
    public final void reset() {
        requests.clear();
        script.clear();
        scripts.clear();
        behaviours.clear();
        behaviour = defaultBehaviour();
        disconnects.set(0);
        clientDisconnected = new CompletableFuture<>();
    }

    /** The behaviour a fresh or reset fake has. */
    protected abstract Reply defaultBehaviour();

    /** Stops the server and, when it created one, its Vert.x. */
    @Override
    public final void close() {
        try {
            if (server != null) {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        } catch (Exception ignored) {
            // closing a test server: nothing useful to do
        } finally {
            if (ownsVertx) {
                try {
                    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // as above
                }
            }
        }
    }

    // ---- for subclasses ----

    /** The next scripted reply, or the behaviour when the script is empty. */
    protected final Reply nextReply() {
        Reply next = script.poll();
        return next != null ? next : behaviour;
    }

    /**
     * The next reply for this request: its deployment's script, else that deployment's behaviour, else
     * {@link #nextReply()}.
     */
    protected final Reply nextReply(RecordedRequest request) {
        String deployment = deploymentOf(request);
        if (deployment != null) {
            Queue<Reply> own = scripts.get(deployment);
            Reply next = own == null ? null : own.poll();
            if (next != null) {
                return next;
            }
            Reply standing = behaviours.get(deployment);
            if (standing != null) {
                return standing;
            }
        }
        return nextReply();
    }

    /**
     * Which deployment of this fake a request is for (see {@link #enqueueFor}): by default the {@code model} of its
     * JSON body, null when it names none.
     */
    protected String deploymentOf(RecordedRequest request) {
        return request.json() == null ? null : request.json().path("model").asText(null);
    }

    /** A short unique id with the provider's prefix, e.g. {@code chatcmpl-fake000001}. */
    protected final String newId(String prefix) {
        return String.format(Locale.ROOT, "%sfake%06d", prefix, sequence.incrementAndGet());
    }

    protected static ObjectNode object() {
        return JSON.createObjectNode();
    }

    protected static String writeIndented(JsonNode node) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    protected static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Answers with a JSON body, honouring the reply's {@link Reply#delay(Duration) delay} and, for
     * {@link Reply#hangAfter(int) hangAfter}, never answering.
     */
    protected final void respondJson(HttpServerRequest http, int status, Map<String, String> headers,
                                     JsonNode body, Reply timing) {
        Exchange exchange = new Exchange(http);
        if (timing.isHang()) {
            return; // no status line, ever: open until the client goes away
        }
        exchange.after(timing.delay(), () -> {
            if (timing.hangAfter() != null) {
                return; // stays open until the client goes away
            }
            HttpServerResponse response = http.response().setStatusCode(status);
            headers.forEach(response::putHeader);
            response.putHeader("content-type", "application/json");
            exchange.finish();
            response.end(timing.isIndented() ? writeIndented(body) : write(body));
        });
    }

    /** Answers with raw bytes (the image blobs). */
    private void respondBytes(HttpServerRequest http, String contentType, byte[] bytes) {
        http.response().putHeader("content-type", contentType).end(Buffer.buffer(bytes));
    }

    /**
     * Streams server-sent events. {@code frames} are complete SSE events ({@code "data: …\n\n"}), the
     * terminating one included; the reply decides pacing, a cut ({@link Reply#cutAfter(int)}), a hang
     * ({@link Reply#hangAfter(int)}) or an in-stream error ({@code errorFrame}, see
     * {@link Reply#streamErrorAfter(int, String, String)}).
     */
    protected final void respondStream(HttpServerRequest http, Map<String, String> headers, List<String> frames,
                                       String errorFrame, Reply reply) {
        respondStream(http, "text/event-stream; charset=utf-8", headers, frames, errorFrame, reply, 0);
    }

    /**
     * As {@link #respondStream(HttpServerRequest, Map, List, String, Reply)} for a stream whose first
     * {@code leadIn} events carry no content (OpenAI's role chunk …): where {@link Reply#cutBeforeContent()} and
     * {@link Reply#hangBeforeContent()} stop.
     */
    protected final void respondStream(HttpServerRequest http, Map<String, String> headers, List<String> frames,
                                       String errorFrame, Reply reply, int leadIn) {
        respondStream(http, "text/event-stream; charset=utf-8", headers, frames, errorFrame, reply, leadIn);
    }

    /** As {@link #respondStream(HttpServerRequest, Map, List, String, Reply)}, for another framing (NDJSON lines). */
    protected final void respondStream(HttpServerRequest http, String contentType, Map<String, String> headers,
                                       List<String> frames, String errorFrame, Reply reply) {
        respondStream(http, contentType, headers, frames, errorFrame, reply, 0);
    }

    private void respondStream(HttpServerRequest http, String contentType, Map<String, String> headers,
                               List<String> frames, String errorFrame, Reply reply, int leadIn) {
        Exchange exchange = new Exchange(http);
        if (reply.isHang()) {
            return; // no status line, ever: open until the client goes away
        }
        exchange.after(reply.delay(), () -> {
            HttpServerResponse response = http.response().setStatusCode(200).setChunked(true);
            headers.forEach(response::putHeader);
            response.putHeader("content-type", contentType);
            response.putHeader("cache-control", "no-cache");
            response.writeHead();
            exchange.step(frames, 0, errorFrame, reply, leadIn);
        });
    }

    /**
     * Streams binary frames (AWS event-stream messages) with the given content type, paced, cut, hung or ended with
     * an error frame as the reply says, exactly as {@link #respondStream} does for SSE events.
     */
    protected final void respondFrames(HttpServerRequest http, Map<String, String> headers, String contentType,
                                       List<Buffer> frames, Buffer errorFrame, Reply reply) {
        Exchange exchange = new Exchange(http);
        if (reply.isHang()) {
            return; // no status line, ever: open until the client goes away
        }
        exchange.after(reply.delay(), () -> {
            HttpServerResponse response = http.response().setStatusCode(200).setChunked(true);
            headers.forEach(response::putHeader);
            response.putHeader("content-type", contentType);
            response.writeHead();
            exchange.step(frames, 0, errorFrame, reply, 0);
        });
    }

    /** Headers as a lower-cased multimap. */
    private static Map<String, List<String>> headers(HttpServerRequest http) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        http.headers().forEach(e ->
                headers.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(e.getValue()));
        headers.replaceAll((k, v) -> List.copyOf(v));
        return headers;
    }

    private static Map<String, List<String>> queryParams(HttpServerRequest http) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        http.params().forEach(e -> params.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        params.replaceAll((k, v) -> List.copyOf(v));
        return params;
    }

    private void accept(HttpServerRequest http) {
        if (http.path().startsWith(BLOB_PREFIX)) {
            respondBytes(http, "image/png", PNG);
            return;
        }
        http.body().onSuccess(buffer -> {
            String body = buffer.toString();
            JsonNode json = null;
            if (!body.isBlank()) {
                try {
                    json = JSON.readTree(body);
                } catch (JsonProcessingException e) {
                    json = null;
                }
            }
            RecordedRequest request = new RecordedRequest(http.method().name(), http.path(),
                    http.query() == null ? "" : http.query(), queryParams(http), headers(http),
                    pathParams(http.path()), body, json);
            requests.add(request);
            try {
                handle(http, request);
            } catch (RuntimeException e) {
                if (!http.response().headWritten()) {
                    http.response().setStatusCode(500).end("fake upstream bug: " + e);
                }
                throw e;
            }
        });
    }

    /** One answer in progress: its timers, and whether it finished or the client went away first. */
    private final class Exchange {
        private final HttpServerRequest http;
        private final CompletableFuture<Void> disconnected = clientDisconnected;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile long timer = -1;

        Exchange(HttpServerRequest http) {
            this.http = http;
            http.response().exceptionHandler(e -> gone());
            http.response().closeHandler(v -> gone());
        }

        /** The connection closed (or the stream was reset) under this answer. */
        private void gone() {
            long pending = timer;
            if (pending >= 0) {
                vertx.cancelTimer(pending);
            }
            if (done.compareAndSet(false, true) && disconnected == clientDisconnected) {
                disconnects.incrementAndGet();
                disconnected.complete(null);
            }
        }

        /** Marks the answer complete (or closed by the fake itself): a later close is no disconnect. */
        void finish() {
            done.set(true);
        }

        /** Runs {@code action} after {@code delay} on the event loop, unless the answer ended meanwhile. */
        void after(Duration delay, Runnable action) {
            if (delay.isZero() || delay.isNegative()) {
                action.run();
                return;
            }
            timer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
                timer = -1;
                if (!done.get()) {
                    action.run();
                }
            });
        }

        /**
         * Writes frame {@code i}, or cuts / hangs / errors / ends when the reply says so at this point; the first
         * {@code leadIn} frames carry no content.
         */
        void step(List<?> frames, int i, Object errorFrame, Reply reply, int leadIn) {
            if (done.get()) {
                return;
            }
            HttpServerResponse response = http.response();
            if ((reply.cutAfter() != null && i == reply.cutAfter()) || (reply.isCutBeforeContent() && i == leadIn)) {
                finish();
                http.connection().close(); // no terminating event, no last chunk: the body is truncated
                return;
            }
            if ((reply.hangAfter() != null && i == reply.hangAfter()) || (reply.isHangBeforeContent() && i == leadIn)) {
                return; // open until the client disconnects
            }
            if (reply.streamErrorAfter() != null && i == reply.streamErrorAfter()) {
                finish();
                if (errorFrame instanceof Buffer b) {
                    response.end(b);
                } else {
                    response.end((String) errorFrame);
                }
                return;
            }
            if (i >= frames.size()) {
                finish();
                response.end();
                return;
            }
            Object frame = frames.get(i);
            (frame instanceof Buffer b ? response.write(b) : response.write((String) frame)).onComplete(written -> {
                if (written.succeeded()) {
                    after(reply.every(), () -> step(frames, i + 1, errorFrame, reply, leadIn));
                }
            });
        }
    }
}
