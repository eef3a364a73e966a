package dev.tollgate.e2e;

import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.config.ConfigCodec;
import dev.tollgate.config.ConfigCodecTest;
import dev.tollgate.config.RenderResult;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An older gateway and a newer operator, mid-rollout: the mounted config.json and secrets.json carry fields this
 * gateway does not know in every object (same schema version). The gateway skips them and serves the config.
 */
@QuarkusTest
@TestProfile(GatewayModeNewerConfigTest.NewerOperator.class)
class GatewayModeNewerConfigTest {
    static final String KEY = "sk-tg-newer-config-key-0123456789abc";

    public static class NewerOperator implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                RenderResult r = GatewayModeFiles.render(KEY, List.of(model("ns", "m", "mock-gpt", "mock")));
                String newerConfig = ConfigCodecTest.withFieldsFromTheFuture(ConfigCodec.toJson(r.config()));
                String newerSecrets = ConfigCodecTest.withFieldsFromTheFuture(ConfigCodec.toJson(r.secrets()));
                // the documents really are ones this gateway's strict reader refuses
                assertRefusedByTheStrictReader(newerConfig, newerSecrets);
                return GatewayModeFiles.serve(newerConfig, newerSecrets);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private static void assertRefusedByTheStrictReader(String config, String secrets) {
            for (var read : List.<IoRead>of(() -> ConfigCodec.readConfigStrict(config), () -> ConfigCodec.readSecretsStrict(secrets))) {
                try {
                    read.run();
                    throw new IllegalStateException("the strict reader took a document with unknown fields");
                } catch (IOException expected) {
                    // unknown field
                }
            }
        }

        interface IoRead {
            Object run() throws IOException;
        }
    }

    @TestHTTPResource("/v1/chat/completions")
    URI chat;

    @Test
    void servesTheNewerConfig() {
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
