package dev.tollgate.e2e;

import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.config.ConfigCodec;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.RenderResult;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Gateway mode (a pod serving the operator's rendered files) caches what its config's {@code caching} declares: the
 * same document the renderer writes into the ConfigMap, read by the pod, not only standalone's manifests. A hit names
 * no deployment (no upstream attempt served it).
 */
@QuarkusTest
@TestProfile(GatewayModeCacheTest.Cached.class)
class GatewayModeCacheTest {
    static final String KEY = "sk-tg-gateway-mode-cache-key-0123456";

    public static class Cached implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            RenderResult r = GatewayModeFiles.render(KEY,
                    List.of(model("ns", "cached", "cached-gpt", "mock"), model("ns", "plain", "plain-gpt", "mock")));
            GatewayConfig c = r.config();
            GatewayConfig.Caching caching = new GatewayConfig.Caching(GatewayConfig.Caching.DEFAULT_MAX_BYTES,
                    GatewayConfig.Caching.DEFAULT_MAX_SEMANTIC_ENTRIES, false, Map.of("cached-gpt", new GatewayConfig.Cache(
                            new GatewayConfig.Exact(60_000, 65_536), null, null, null)));
            GatewayConfig cached = new GatewayConfig(c.schema(), c.gateway(), c.settings(), c.models(), c.keys(),
                    c.budgets(), c.keyShards(), c.routing(), caching);
            return GatewayModeFiles.serve(ConfigCodec.toJson(cached), ConfigCodec.toJson(r.secrets()));
        }
    }

    @TestHTTPResource("/v1/chat/completions")
    URI chat;

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    HttpResponse<String> ask(String model) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(chat).timeout(Duration.ofSeconds(20)).header("authorization", "Bearer " + KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theRenderedCachingIsServed() throws Exception {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ask("plain-gpt").statusCode()).isEqualTo(200));
        HttpResponse<String> miss = ask("cached-gpt");
        HttpResponse<String> hit = ask("cached-gpt");
        assertThat(miss.headers().firstValue("x-tollgate-cache")).hasValue("MISS");
        assertThat(hit.headers().firstValue("x-tollgate-cache")).hasValue("HIT");
        assertThat(hit.body()).isEqualTo(miss.body());
        assertThat(miss.headers().firstValue("x-tollgate-deployment")).hasValue("ns/cached");
        assertThat(hit.headers().firstValue("x-tollgate-deployment")).isEmpty();
        HttpResponse<String> plain = ask("plain-gpt");
        assertThat(plain.headers().firstValue("x-tollgate-cache")).isEmpty();
        assertThat(plain.headers().firstValue("x-tollgate-deployment")).hasValue("ns/plain");
    }
}
