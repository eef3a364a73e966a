package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.operator.OperatorLifecycle;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The counterpart of GatewayModeTest: in operator mode (the test profile's default) the controllers run. */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class OperatorModeTest {
    @Inject
    OperatorLifecycle lifecycle;

    @TestHTTPResource("/health/readiness")
    URI readiness;

    @Test
    void controllersStartAndReadinessFollowsThem() {
        assertThat(lifecycle.isStarted()).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(readiness).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        });
    }
}
