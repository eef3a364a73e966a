import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The observability bench's receivers (bench/observability): fast fakes of what the gateway's tracing and logging
 * sinks deliver to, and one that never answers. One Vert.x event loop for all of them (they share the load core
 * with wrk and the fake upstream, so none parses what it receives: each reads the body to its end, counts it and
 * answers).
 *
 * Run: java -cp 'target/quarkus-app/lib/main/*' bench/src/FakeReceivers.java --control 18429
 *      [--otlp name:port]... [--webhook name:port]... [--langfuse name:port]... [--never name:port]...
 *
 * <ul>
 *   <li>{@code otlp}: an OTLP/HTTP collector. {@code POST /v1/traces}, {@code /v1/metrics}, {@code /v1/logs} are
 *       answered 200 with {@code content-type: application/x-protobuf} and an empty body, which is the full-success
 *       answer of the OTLP/HTTP spec (an ExportTraceServiceResponse with no partial_success field serializes to zero
 *       bytes): https://opentelemetry.io/docs/specs/otlp/#otlphttp-response. Any other path: 404.</li>
 *   <li>{@code langfuse}: Langfuse's batch ingestion endpoint, {@code POST /api/public/ingestion}, HTTP Basic auth
 *       (public key : secret key), answered 207 with the documented IngestionResponse body
 *       {@code {"successes":[...],"errors":[...]}}; it lists no per-event errors (and, not parsing the batch, no
 *       successes either). No {@code Authorization: Basic} header: 401. Documented at
 *       https://api.reference.langfuse.com/#tag/ingestion/POST/api/public/ingestion.</li>
 *   <li>{@code webhook}: any {@code POST}: 200 with an empty body (Tollgate's generic webhook takes any 2xx as
 *       delivered). 401 when the request has no {@code Authorization} header (the bench gives its webhooks an
 *       authorization credential, so a missing one means the credential was lost on the way).</li>
 *   <li>{@code never}: a TCP listener that accepts every connection and then never reads from it or writes to it
 *       (the socket is paused at once, so the kernel's buffers fill and the sender's writes stall); nothing is ever
 *       closed by this side.</li>
 * </ul>
 * {@code GET /} on the control port answers the counters as JSON: per receiver, requests (or connections for
 * {@code never}), body bytes, and answers by status.
 */
public class FakeReceivers {
    /** Counters of one receiver. */
    record Counts(AtomicLong requests, AtomicLong bytes, AtomicLong unauthorized, AtomicLong notFound) {
        Counts() {
            this(new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong());
        }

        JsonObject json() {
            return new JsonObject().put("requests", requests.get()).put("bytes", bytes.get())
                    .put("unauthorized", unauthorized.get()).put("notFound", notFound.get());
        }
    }

    static final Map<String, Counts> counts = new TreeMap<>();
    /** The never-answering side's connections, held so nothing closes them. */
    static final List<NetSocket> held = new CopyOnWriteArrayList<>();

    public static void main(String[] args) {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
        int control = -1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String kind = args[i].substring(2);
            if (kind.equals("control")) {
                control = Integer.parseInt(args[i + 1]);
                continue;
            }
            String[] spec = args[i + 1].split(":", 2);
            String name = spec[0];
            int port = Integer.parseInt(spec[1]);
            Counts c = new Counts();
            synchronized (counts) {
                counts.put(name, c);
            }
            switch (kind) {
                case "otlp" -> http(vertx, port, c, req -> {
                    String p = req.path();
                    if (!p.equals("/v1/traces") && !p.equals("/v1/metrics") && !p.equals("/v1/logs")) {
                        c.notFound().incrementAndGet();
                        req.response().setStatusCode(404).end();
                    } else {
                        req.response().setStatusCode(200).putHeader("content-type", "application/x-protobuf").end();
                    }
                });
                case "langfuse" -> http(vertx, port, c, req -> {
                    String auth = req.getHeader("authorization");
                    if (!req.path().endsWith("/api/public/ingestion")) {
                        c.notFound().incrementAndGet();
                        req.response().setStatusCode(404).end();
                    } else if (auth == null || !auth.regionMatches(true, 0, "Basic ", 0, 6)) {
                        c.unauthorized().incrementAndGet();
                        req.response().setStatusCode(401).putHeader("content-type", "application/json")
                                .end("{\"message\":\"Unauthorized\"}");
                    } else {
                        req.response().setStatusCode(207).putHeader("content-type", "application/json")
                                .end("{\"successes\":[],\"errors\":[]}");
                    }
                });
                case "webhook" -> http(vertx, port, c, req -> {
                    if (req.getHeader("authorization") == null) {
                        c.unauthorized().incrementAndGet();
                        req.response().setStatusCode(401).end();
                    } else {
                        req.response().setStatusCode(200).end();
                    }
                });
                case "never" -> vertx.createNetServer(new NetServerOptions().setPort(port).setHost("127.0.0.1")
                                .setAcceptBacklog(4096))
                        .connectHandler(socket -> {
                            socket.pause(); // never read: the sender's writes fill the buffers and stall
                            held.add(socket);
                            c.requests().incrementAndGet();
                            socket.closeHandler(v -> held.remove(socket));
                        })
                        .listen().toCompletionStage().toCompletableFuture().join();
                default -> throw new IllegalArgumentException("unknown receiver kind --" + kind);
            }
        }
        if (control < 0) {
            throw new IllegalArgumentException("--control <port> is required");
        }
        vertx.createHttpServer(new HttpServerOptions().setPort(control).setHost("127.0.0.1"))
                .requestHandler(req -> {
                    JsonObject out = new JsonObject();
                    synchronized (counts) {
                        counts.forEach((name, c) -> out.put(name, c.json()));
                    }
                    req.response().putHeader("content-type", "application/json").end(out.encode());
                })
                .listen().toCompletionStage().toCompletableFuture().join();
        System.out.println("receivers up: " + counts.keySet() + ", control on " + control);
    }

    /** An HTTP receiver: reads each body to its end (counted, never kept), then answers. */
    static void http(Vertx vertx, int port, Counts c, java.util.function.Consumer<HttpServerRequest> answer) {
        vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1").setTcpNoDelay(true)
                        .setIdleTimeout(0))
                .requestHandler(req -> {
                    c.requests().incrementAndGet();
                    req.handler((Buffer b) -> c.bytes().addAndGet(b.length()));
                    req.endHandler(v -> answer.accept(req));
                })
                .listen().toCompletionStage().toCompletableFuture().join();
    }
}
