package dev.tollgate.e2e;

import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.config.ConfigCodec;
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

/** Gateway mode with the Kubernetes API unreachable at start: the pod serves the files its Deployment mounts. */
@QuarkusTest
@TestProfile(GatewayModeFileFallbackTest.NoApi.class)
class GatewayModeFileFallbackTest {
    static final String KEY = "sk-tg-file-fallback-key-0123456789ab";

    public static class NoApi implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            RenderResult r = GatewayModeFiles.render(KEY, List.of(model("ns", "m", "mock-gpt", "mock")));
            return GatewayModeFiles.serve(ConfigCodec.toJson(r.config()), ConfigCodec.toJson(r.secrets()));
        }
    }

    @TestHTTPResource("/v1/chat/completions")
    URI chat;

    @Test
    void servesTheMountedFiles() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(chat)
                    .header("authorization", "Bearer " + KEY)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("chat.completion");
        });
    }
}
