package dev.tollgate.gateway.chargeback;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.Json;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The export's handler on a real Vert.x router: what a client's malformed query string gets. */
class ChargebackRoutesTest {
    static Vertx vertx;
    static HttpServer server;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        ChargebackRoutes routes = new ChargebackRoutes(null, null); // every answer here is given before the ledger
        router.get("/tollgate/chargeback").handler(routes::export);
        server = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    record Answer(int status, String contentType, String body) {}

    /** A raw HTTP/1.1 GET (Java's clients refuse a malformed escape before sending it). */
    static Answer get(String query) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("localhost", server.actualPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /tollgate/chargeback?" + query + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String raw = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int headEnd = raw.indexOf("\r\n\r\n");
            String head = raw.substring(0, headEnd);
            String contentType = null;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-type:")) {
                    contentType = line.substring(13).trim();
                }
            }
            return new Answer(Integer.parseInt(head.split(" ")[1]), contentType, raw.substring(headEnd + 4));
        }
    }

    @Test
    void malformedPercentEncodingIs400WithTheJsonErrorShapeNot500() throws Exception {
        for (String q : new String[] {"from=%ZZ", "from=2026-03-01&to=%2", "%E0%A4%A=x"}) {
            Answer r = get(q);
            assertThat(r.status()).as(q).isEqualTo(400);
            assertThat(r.contentType()).as(q).isEqualTo("application/json");
            JsonNode e = Json.parse(r.body().getBytes()).path("error");
            assertThat(e.path("type").asText()).as(q).isEqualTo("invalid_request_error");
            assertThat(e.path("message").asText()).as(q).contains("percent-encoding");
            assertThat(e.has("param")).as(q).isTrue();
        }
    }

    @Test
    void aRepeatedParameterIsStill400NamingIt() throws Exception {
        Answer r = get("from=2026-03-01&from=2026-03-02");
        assertThat(r.status()).isEqualTo(400);
        assertThat(Json.parse(r.body().getBytes()).path("error").path("param").asText()).isEqualTo("from");
    }
}
