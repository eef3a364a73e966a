package dev.tollgate.e2e;

import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.config.ConfigCodec;
import dev.tollgate.config.RenderResult;
import dev.tollgate.gateway.Json;
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
 * A config from a newer operator names a provider this gateway version has no adapter for (the renderer of this
 * version would have refused it). Its requests get 501 {@code provider_not_supported} with
 * {@code x-should-retry: false}, so the official SDKs do not retry what cannot succeed; the other models serve.
 */
@QuarkusTest
@TestProfile(GatewayModeUnservedProviderTest.NewerOperator.class)
class GatewayModeUnservedProviderTest {
    static final String KEY = "sk-tg-unserved-provider-key-01234567";

    public static class NewerOperator implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            RenderResult r = GatewayModeFiles.render(KEY,
                    List.of(model("ns", "m", "mock-gpt", "mock"), model("ns", "later", "from-the-future", "mock")));
            // what a newer operator renders for a provider it serves and this (older) gateway does not: every provider
            // of this version's registry is served, so a name from a future one
            String json = ConfigCodec.toJson(r.config());
            int at = json.indexOf("\"modelName\":\"from-the-future\"");
            int provider = json.indexOf("\"provider\":\"mock\"", at);
            assertThat(at).isPositive();
            assertThat(provider).isPositive();
            json = json.substring(0, provider) + "\"provider\":\"carrier-pigeon\"" + json.substring(provider + "\"provider\":\"mock\"".length());
            return GatewayModeFiles.serve(json, ConfigCodec.toJson(r.secrets()));
        }
    }

    @TestHTTPResource("/v1/chat/completions")
    URI chat;

    HttpResponse<String> ask(String model) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(chat).header("authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aModelOfAProviderThisVersionDoesNotServeIs501AndSaysNotToRetry() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ask("mock-gpt").statusCode()).isEqualTo(200));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            HttpResponse<String> r = ask("from-the-future");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(501);
            assertThat(r.headers().firstValue("x-should-retry")).hasValue("false");
            assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("provider_not_supported");
            assertThat(r.body()).contains("carrier-pigeon");
        });
    }
}
