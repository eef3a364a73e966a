package dev.tollgate.e2e;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP endpoint that receives what the gateway sends out of band (an OTLP collector, a logging callback's
 * webhook): it records each request (method, path, headers, body) and answers 200 with an empty JSON object, as the
 * OTLP/HTTP specification's success answer ({@code https://opentelemetry.io/docs/specs/otlp/#otlphttp-response}: an
 * empty ExportTraceServiceResponse is valid) and a webhook's. In {@link #hang} mode it reads requests and never
 * answers (a sink that is up but stuck).
 */
final class FakeReceiver implements AutoCloseable {
    record Received(String method, String path, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile boolean hang;

    private FakeReceiver() {
        try {
            server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
                Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                req.headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
                received.add(new Received(req.method().name(), req.path(), headers, body.getBytes()));
                if (!hang) {
                    String type = req.getHeader("content-type");
                    boolean protobuf = type != null && type.startsWith("application/x-protobuf");
                    req.response().setStatusCode(200).putHeader("content-type", protobuf ? "application/x-protobuf"
                            : "application/json").end(protobuf ? "" : "{}");
                }
            })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static FakeReceiver start() {
        return new FakeReceiver();
    }

    FakeReceiver hang() {
        hang = true;
        return this;
    }

    String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** Every body received so far, as text, joined. */
    String allText() {
        StringBuilder out = new StringBuilder();
        received.forEach(r -> out.append(r.text()).append('\n'));
        return out.toString();
    }

    void reset() {
        received.clear();
    }

    @Override
    public void close() {
        vertx.close();
    }
}
