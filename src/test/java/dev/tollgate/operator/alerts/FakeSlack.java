package dev.tollgate.operator.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Slack incoming webhook as Slack documents it (https://api.slack.com/messaging/webhooks): a POST of a JSON body
 * ({@code Content-type: application/json}) with a {@code text} (or {@code blocks}) to the webhook's secret URL
 * {@code /services/T…/B…/…} is answered 200 {@code ok}. Errors are plain-text codes with their status
 * (https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks): 400 {@code invalid_payload}
 * for a body that is not such JSON, 404 {@code no_service} for a URL that is no webhook (removed or mistyped), 500
 * {@code rollup_error} when {@link #failNext} asks for it (a passing fault on Slack's side). Every accepted message
 * is kept.
 *
 * <p>The same server is the receiver of the generic webhook at {@link #WEBHOOK_PATH}: it takes a JSON document with
 * {@code schema} {@code tollgate.dev/alert/v1} and answers 202 (the contract of {@link WebhookMessage}), keeping it in
 * {@link #documents}.
 */
final class FakeSlack implements AutoCloseable {
    static final String PATH = "/services/T0TOLLGATE/B0ALERTS/s3cr3tW3bh00kT0k3n";
    static final String WEBHOOK_PATH = "/hooks/tollgate-alerts/t0k3nInTh3Path";
    private static final ObjectMapper JSON = new ObjectMapper();

    final List<JsonNode> documents = new CopyOnWriteArrayList<>();

    final List<JsonNode> messages = new CopyOnWriteArrayList<>();
    /** Every request body received, accepted or not (for the secret scan). */
    final List<String> received = new CopyOnWriteArrayList<>();
    final AtomicInteger failNext = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;

    FakeSlack() throws Exception {
        server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            requests.incrementAndGet();
            received.add(body.toString());
            var resp = req.response().putHeader("content-type", "text/html");
            if (req.method() == io.vertx.core.http.HttpMethod.POST && WEBHOOK_PATH.equals(req.path())) {
                try {
                    JsonNode doc = JSON.readTree(body.toString());
                    if ("tollgate.dev/alert/v1".equals(doc.path("schema").asText())) {
                        documents.add(doc);
                        resp.setStatusCode(202).end();
                        return;
                    }
                } catch (Exception e) {
                    // answered 400 below
                }
                resp.setStatusCode(400).end("not an alert document");
                return;
            }
            if (req.method() != io.vertx.core.http.HttpMethod.POST || !PATH.equals(req.path())) {
                resp.setStatusCode(404).end("no_service");
                return;
            }
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                resp.setStatusCode(500).end("rollup_error");
                return;
            }
            String type = req.getHeader("content-type");
            JsonNode m;
            try {
                m = type != null && type.startsWith("application/json") ? JSON.readTree(body.toString()) : null;
            } catch (Exception e) {
                m = null;
            }
            if (m == null || !m.isObject() || !(m.path("text").isTextual() || m.path("blocks").isArray())) {
                resp.setStatusCode(400).end("invalid_payload");
                return;
            }
            messages.add(m);
            resp.setStatusCode(200).end("ok");
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    String url() {
        return "http://127.0.0.1:" + server.actualPort() + PATH;
    }

    String webhookUrl() {
        return "http://127.0.0.1:" + server.actualPort() + WEBHOOK_PATH;
    }

    String base() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    @Override
    public void close() {
        vertx.close();
    }
}
