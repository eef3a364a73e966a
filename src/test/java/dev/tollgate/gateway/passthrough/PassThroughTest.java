package dev.tollgate.gateway.passthrough;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.GatewayException;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the generic pass-through does for every provider: headers, the allowlist, the base URL, the registry. */
class PassThroughTest {
    @Test
    void requestHeadersLoseHopByHopCredentialsAndTheClientsHop() {
        MultiMap in = MultiMap.caseInsensitiveMultiMap()
                .add("Authorization", "Bearer sk-tg-client").add("x-api-key", "sk-tg-client")
                .add("Proxy-Authorization", "Basic x").add("Cookie", "a=b").add("Connection", "keep-alive, X-Hop")
                .add("Keep-Alive", "timeout=5").add("TE", "trailers").add("Transfer-Encoding", "chunked")
                .add("Upgrade", "h2c").add("X-Hop", "1").add("Host", "gateway:4000").add("Content-Length", "12")
                .add("Accept-Encoding", "gzip").add("X-Forwarded-For", "10.0.0.1").add("x-tollgate-cost", "1")
                .add("Prefer", "wait=30").add("Content-Type", "application/json").add("User-Agent", "replicate-python")
                .add("Cancel-After", "5m");
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        PassThrough.requestHeaders(in, out);
        assertThat(out.names()).containsExactlyInAnyOrder("Prefer", "Content-Type", "User-Agent", "Cancel-After");
        assertThat(out.get("prefer")).isEqualTo("wait=30");
    }

    @Test
    void responseHeadersLoseHopByHopAndCookiesAndNeverOverrideTheGateways() {
        MultiMap in = MultiMap.caseInsensitiveMultiMap().add("Connection", "close, X-Upstream-Hop")
                .add("X-Upstream-Hop", "1").add("Transfer-Encoding", "chunked").add("Set-Cookie", "s=1")
                .add("x-request-id", "upstream-id").add("Content-Type", "application/json")
                .add("Content-Length", "42").add("Location", "https://api.replicate.com/v1/predictions/p1");
        MultiMap out = MultiMap.caseInsensitiveMultiMap().add("x-request-id", "gateway-id");
        PassThrough.responseHeaders(in, out);
        assertThat(out.names()).containsExactlyInAnyOrder("x-request-id", "Content-Type", "Content-Length", "Location");
        assertThat(out.getAll("x-request-id")).containsExactly("gateway-id");
    }

    @Test
    void aCallIsForADeploymentTheKeyMayUse() {
        GatewayConfig.Model a = ReplicateApiTest.model("ns/a", "a", "replicate", "o/n", null);
        GatewayConfig.Model b = ReplicateApiTest.model("ns/b", "b", "replicate", "o/n", null);
        GatewayConfig.Key onlyB = new GatewayConfig.Key("ns/k", List.of("b"), List.of(), null, null, null, null, false, null);
        GatewayConfig.Key onlyC = new GatewayConfig.Key("ns/k", List.of("c"), List.of(), null, null, null, null, false, null);
        assertThat(PassThrough.choose(List.of(a, b), onlyB, "replicate", "/x")).isSameAs(b);
        assertThatThrownBy(() -> PassThrough.choose(List.of(a, b), onlyC, "replicate", "/x"))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.error().httpStatus()).isEqualTo(403);
                    assertThat(e.error().code()).isEqualTo("model_not_allowed");
                });
        assertThatThrownBy(() -> PassThrough.choose(List.of(), onlyB, "replicate", "/x"))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.error().httpStatus()).isEqualTo(404));
    }

    @Test
    void theBaseIsTheModelsApiBaseOrTheProvidersDefault() {
        assertThat(PassThrough.base(ReplicateApiTest.model("ns/a", "a", "replicate", "o/n", null)))
                .isEqualTo("https://api.replicate.com/v1");
        GatewayConfig.Model own = new GatewayConfig.Model("ns/a", "a", "replicate", "o/n", "http://mirror:8080/v1/", null,
                null, null, null, null, null, 1, 1000, null, null, "reject", null);
        assertThat(PassThrough.base(own)).isEqualTo("http://mirror:8080/v1");
    }

    @Test
    void aRouteForAProviderTheRegistryDoesNotFlagIsAMistakeCaughtAtStart() {
        NativeApi notFlagged = new ReplicateApi(60, 10, java.time.Duration.ofHours(1), System::nanoTime) {
            @Override
            public String provider() {
                return "openai";
            }
        };
        Vertx vertx = Vertx.vertx();
        try {
            assertThatThrownBy(() -> new PassThrough(vertx, List.of(notFlagged))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Provider.passThrough");
            assertThat(new PassThrough(vertx, List.of(new ReplicateApi(60, 10, java.time.Duration.ofHours(1),
                    System::nanoTime))).providers()).containsExactly("replicate");
        } finally {
            vertx.close();
        }
    }

    @Test
    void jsonFieldsArePickedFromAnyPiecesAndOnlyOutsideArrays() {
        String doc = "{\"id\":\"p1\",\"output\":[{\"id\":\"inner\"}],\"metrics\":{\"predict_time\":1.000000000000000001,"
                + "\"nested\":{\"predict_time\":9}},\"status\":\"succeeded\",\"logs\":\"" + "x".repeat(10_000) + "\"}";
        for (int piece : new int[] {1, 3, 7, 64, doc.length()}) {
            JsonFields f = new JsonFields(Set.of("id", "status", "metrics.predict_time"));
            for (int i = 0; i < doc.length(); i += piece) {
                f.feed(io.vertx.core.buffer.Buffer.buffer(doc.substring(i, Math.min(doc.length(), i + piece))));
            }
            f.end();
            assertThat(f.broken()).isFalse();
            assertThat(f.text("id")).as("piece %d", piece).isEqualTo("p1");
            assertThat(f.text("status")).isEqualTo("succeeded");
            assertThat(f.number("metrics.predict_time")).isEqualByComparingTo(new BigDecimal("1.000000000000000001"));
        }
        JsonFields broken = JsonFields.of(io.vertx.core.buffer.Buffer.buffer("{\"id\":\"p1\", oops"), Set.of("id"));
        assertThat(broken.broken()).isTrue();
        assertThat(JsonFields.of(io.vertx.core.buffer.Buffer.buffer("{\"id\":5}"), Set.of("id")).text("id")).isNull();
    }
}
