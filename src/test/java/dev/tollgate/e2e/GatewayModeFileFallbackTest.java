package dev.tollgate.e2e;

import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static dev.tollgate.Fixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.SecretKeyRef;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.ConfigCodec;
import dev.tollgate.config.RenderInput;
import dev.tollgate.config.RenderResult;
import dev.tollgate.config.Renderer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Gateway mode with the Kubernetes API unreachable at start: the pod serves the files its Deployment mounts. */
@QuarkusTest
@TestProfile(GatewayModeFileFallbackTest.NoApi.class)
class GatewayModeFileFallbackTest {
    static final String KEY = "sk-tg-file-fallback-key-0123456789ab";

    public static class NoApi implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path config = Files.createTempDirectory("tollgate-config");
                Path secrets = Files.createTempDirectory("tollgate-secrets");
                VirtualKey vk = key("ns", "k");
                vk.getSpec().setExistingSecret(new SecretKeyRef("byo", "key"));
                var byo = secret("ns", "byo", Map.of("key", KEY));
                RenderResult r = Renderer.render(new RenderInput(gateway("ns", "llm"), List.of(model("ns", "m", "mock-gpt", "mock")),
                        List.of(vk), List.of(), ns -> Map.of(), (ns, name) -> name.equals("byo") ? Optional.of(byo) : Optional.empty()));
                Files.writeString(config.resolve("config.json"), ConfigCodec.toJson(r.config()));
                Files.writeString(secrets.resolve("secrets.json"), ConfigCodec.toJson(r.secrets()));
                return Map.of("tollgate.mode", "gateway", "tollgate.gateway.name", "llm", "tollgate.gateway.namespace", "ns",
                        "tollgate.gateway.config-dir", config.toString(), "tollgate.gateway.secrets-dir", secrets.toString(),
                        // nothing listens here: the API server is unreachable
                        "quarkus.kubernetes-client.api-server-url", "http://127.0.0.1:1",
                        "quarkus.kubernetes-client.request-timeout", "500", "quarkus.kubernetes-client.connection-timeout", "500");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
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
