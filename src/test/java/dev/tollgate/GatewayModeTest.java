package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.operator.OperatorLifecycle;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** In gateway mode the jar serves HTTP but starts no controller: no informer, no watch on our CRDs. */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(GatewayModeTest.Gateway.class)
class GatewayModeTest {
    public static class Gateway implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tollgate.mode", "gateway");
        }
    }

    @Inject
    Operator operator;

    @Inject
    OperatorLifecycle lifecycle;

    @KubernetesTestServer
    KubernetesServer server;

    @TestHTTPResource("/health/liveness")
    URI liveness;

    @TestHTTPResource("/health/readiness")
    URI readiness;

    @Test
    void controllersDoNotStart() throws Exception {
        HttpResponse<String> live = HttpClient.newHttpClient().send(HttpRequest.newBuilder(liveness).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).contains("UP");
        // The gateway's own readiness: not ready until its GatewayDeployment's config exists (none here).
        HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(readiness).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("no configuration");

        assertThat(operator.getRegisteredControllersNumber()).as("controllers are registered, just not started").isEqualTo(6);
        assertThat(lifecycle.isStarted()).isFalse();
        assertThat(operator.getRuntimeInfo().isStarted()).isFalse();
        Thread.sleep(1000);
        List<String> paths = new ArrayList<>();
        RecordedRequest req;
        while ((req = server.getKubernetesMockServer().takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
            paths.add(req.getMethod() + " " + req.getPath());
        }
        assertThat(paths).as("requests to the API server").noneMatch(p -> p.contains("/apis/llm.tollgate.dev/"))
                .noneMatch(p -> p.contains("watch=true"));
    }
}
