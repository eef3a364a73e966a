package dev.tollgate.e2e;

import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static dev.tollgate.Fixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.MockSpec;
import dev.tollgate.api.v1alpha1.SecretKeyRef;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.ConfigCodec;
import dev.tollgate.config.RenderInput;
import dev.tollgate.config.RenderResult;
import dev.tollgate.config.Renderer;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Gateway mode: the pod reads the ConfigMap and Secret the operator rendered, through the API, and applies a
 * re-render live (no restart) — here the operator's part is played by the renderer writing to the mock server.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(GatewayModeLiveConfigTest.Gateway.class)
class GatewayModeLiveConfigTest {
    static final String NS = "gw-live";
    static final String KEY = "sk-tg-gateway-mode-key-0123456789ab";

    public static class Gateway implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tollgate.mode", "gateway", "tollgate.gateway.name", "llm", "tollgate.gateway.namespace", NS);
        }
    }

    @Inject
    KubernetesClient client;

    @TestHTTPResource("/v1/chat/completions")
    URI chat;

    @TestHTTPResource("/health/readiness")
    URI readiness;

    /** The gateway's config with one mock model answering {@code response} and one bring-your-own key. */
    private static RenderResult render(String response) {
        var m = model(NS, "mock", "mock-gpt", "mock");
        MockSpec mock = new MockSpec();
        mock.setResponse(response);
        mock.setOutputTokens(2);
        m.getSpec().setMock(mock);
        VirtualKey vk = key(NS, "k");
        vk.getSpec().setExistingSecret(new SecretKeyRef("byo", "key"));
        Secret byo = secret(NS, "byo", Map.of("key", KEY));
        RenderResult r = Renderer.render(new RenderInput(gateway(NS, "llm"), List.of(m), List.of(vk), List.of(),
                ns -> Map.of(), (ns, name) -> name.equals("byo") ? Optional.of(byo) : Optional.empty()));
        assertThat(r.problems()).isEmpty();
        return r;
    }

    private void publish(String response) {
        RenderResult r = render(response);
        client.resource(new ConfigMapBuilder().withNewMetadata().withName("llm-config").withNamespace(NS).endMetadata()
                .addToData("config.json", ConfigCodec.toJson(r.config())).build()).createOr(c -> c.update());
        client.resource(new SecretBuilder().withNewMetadata().withName("llm-secrets").withNamespace(NS).endMetadata()
                .addToData("secrets.json", Base64.getEncoder().encodeToString(
                        ConfigCodec.toJson(r.secrets()).getBytes(StandardCharsets.UTF_8))).build()).createOr(c -> c.update());
    }

    /** The same render stored as the operator stores a gateway with many keys: in four key shards. */
    private void publishSharded(String response) {
        RenderResult r = render(response);
        var packed = dev.tollgate.config.KeyShards.pack(r.config(), r.secrets(), 4);
        assertThat(packed.shards()).hasSize(4);
        assertThat(packed.configJson()).doesNotContain("\"" + NS + "/k\"");
        for (var shard : packed.shards()) { // shards first, as the operator writes them
            client.resource(new ConfigMapBuilder().withNewMetadata().withName("llm-keys-" + shard.index()).withNamespace(NS)
                    .addToAnnotations("llm.tollgate.dev/config-hash", shard.hash()).endMetadata()
                    .addToData("keys.json", shard.configJson()).build()).createOr(c -> c.update());
            client.resource(new SecretBuilder().withNewMetadata().withName("llm-keys-" + shard.index()).withNamespace(NS)
                    .addToAnnotations("llm.tollgate.dev/config-hash", shard.hash()).endMetadata()
                    .addToData("keys.json", Base64.getEncoder().encodeToString(shard.secretsJson().getBytes(StandardCharsets.UTF_8)))
                    .build()).createOr(c -> c.update());
        }
        client.resource(new SecretBuilder().withNewMetadata().withName("llm-secrets").withNamespace(NS).endMetadata()
                .addToData("secrets.json", Base64.getEncoder().encodeToString(
                        packed.secretsJson().getBytes(StandardCharsets.UTF_8))).build()).createOr(c -> c.update());
        client.resource(new ConfigMapBuilder().withNewMetadata().withName("llm-config").withNamespace(NS).endMetadata()
                .addToData("config.json", packed.configJson()).build()).createOr(c -> c.update());
    }

    /** Run after the unsharded part: the pod moves to key shards live, and follows a change within them. */
    private void servesKeysFromKeyShards() throws Exception {
        publishSharded("sharded");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            HttpResponse<String> r = ask();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"content\":\"sharded sharded\"");
        });
        publishSharded("again");
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(ask().body()).contains("again again"));
    }

    private HttpResponse<String> ask() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(chat).header("authorization", "Bearer " + KEY)
                .header("x-request-id", "req-42")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheRenderedConfigAndAppliesChangesLive() throws Exception {
        // Before the operator rendered anything the pod is alive but not ready.
        var notReady = HttpClient.newHttpClient().send(HttpRequest.newBuilder(readiness).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(notReady.statusCode()).isEqualTo(503);

        publish("alpha");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            HttpResponse<String> r = ask();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"content\":\"alpha alpha\"");
            assertThat(r.headers().firstValue("x-request-id")).hasValue("req-42");
        });

        long changed = System.nanoTime();
        publish("beta");
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(ask().body()).contains("beta beta"));
        assertThat(Duration.ofNanos(System.nanoTime() - changed)).isLessThan(Duration.ofSeconds(2));

        // A broken document is refused; the last good config keeps serving.
        dev.tollgate.Fixtures.edit(client.configMaps().inNamespace(NS).withName("llm-config"), cm -> {
            cm.getData().put("config.json", "{\"schema\":\"tollgate.dev/gateway-config/v99\"}");
        });
        Thread.sleep(1000);
        assertThat(ask().body()).contains("beta beta");

        servesKeysFromKeyShards();
    }
}
