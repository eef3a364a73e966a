import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The benchmark's "framework floor": the plainest reverse proxy Vert.x (the I/O layer under Tollgate) can be, on one
 * event loop with the native epoll transport, as Tollgate runs. It reads the request body, sends it to the upstream
 * over a keep-alive pool, and pipes the answer back (streams pass through chunk by chunk). No routing, no JSON, no
 * keys: the distance between this line and nginx is the runtime's; between Tollgate and this line, Tollgate's.
 *
 * Run: java -cp 'target/quarkus-app/lib/main/*' bench/src/VertxProxy.java --port 18004 --upstream-port 18000
 */
public class VertxProxy {
    public static void main(String[] args) {
        int port = 18004;
        int upstreamPort = 18000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--upstream-port" -> upstreamPort = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
        // the same pool size per event loop as Tollgate's upstream client (1,000 concurrent streams must not queue)
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(4096));
        int up = upstreamPort;
        vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1").setTcpNoDelay(true))
                .requestHandler(req -> req.body().onSuccess(body -> {
                    RequestOptions target = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                            .setPort(up).setURI(req.uri());
                    client.request(target).compose(out -> {
                        out.putHeader(HttpHeaders.CONTENT_TYPE, req.getHeader(HttpHeaders.CONTENT_TYPE));
                        return out.send(body);
                    }).onSuccess(resp -> {
                        req.response().setStatusCode(resp.statusCode());
                        String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
                        if (type != null) {
                            req.response().putHeader(HttpHeaders.CONTENT_TYPE, type);
                        }
                        String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
                        if (length != null) {
                            req.response().putHeader(HttpHeaders.CONTENT_LENGTH, length);
                        } else {
                            req.response().setChunked(true);
                        }
                        resp.pipeTo(req.response());
                    }).onFailure(t -> req.response().setStatusCode(502).end());
                })).listen().onSuccess(s -> System.out.println("listening on " + s.actualPort()))
                .onFailure(t -> {
                    t.printStackTrace();
                    System.exit(1);
                });
    }
}
