package dev.tollgate.operator.gateway;

import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.config.Termination;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * Rollouts do not cut streams: a gateway pod's grace period covers the longest stream its models may serve plus the
 * usage hand-over, its preStop pauses while load balancers stop sending it traffic, and the drain deadline it is
 * given fits in between. Editing models does not roll the pods; only a longer model timeout (above ten minutes) or
 * the spec's override changes the grace period.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class GatewayPodTerminationTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String NS = "gw-termination";

    @Inject
    KubernetesClient client;

    private PodTemplateSpec template() {
        var d = client.apps().deployments().inNamespace(NS).withName("gw").get();
        assertThat(d).as("the gateway's Deployment").isNotNull();
        return d.getSpec().getTemplate();
    }

    private static Container gatewayContainer(PodTemplateSpec t) {
        return t.getSpec().getContainers().get(0);
    }

    private static long drainEnv(PodTemplateSpec t) {
        return Long.parseLong(gatewayContainer(t).getEnv().stream()
                .filter(e -> e.getName().equals("TOLLGATE_GATEWAY_DRAIN_TIMEOUT_MILLIS")).map(EnvVar::getValue)
                .findFirst().orElseThrow());
    }

    /** The largest model timeout in the config the operator rendered for the gateway. */
    private long longestRenderedTimeout() throws Exception {
        JsonNode config = JSON.readTree(client.configMaps().inNamespace(NS).withName("gw-config").get().getData()
                .get("config.json"));
        return StreamSupport.stream(config.get("models").spliterator(), false)
                .mapToLong(m -> m.get("timeoutMillis").asLong()).max().orElseThrow();
    }

    /** What every gateway pod template must hold, whatever its models. */
    private void assertCoversTheLongestStream(PodTemplateSpec t) throws Exception {
        long grace = t.getSpec().getTerminationGracePeriodSeconds();
        int preStop = gatewayContainer(t).getLifecycle().getPreStop().getSleep().getSeconds().intValue();
        assertThat(preStop).as("preStop sleep, seconds").isEqualTo(Termination.DEFAULT_PRE_STOP_SECONDS);
        long drain = drainEnv(t);
        assertThat(drain).as("drain deadline >= the longest model timeout").isGreaterThanOrEqualTo(longestRenderedTimeout());
        assertThat(grace * 1000).as("grace period covers preStop + drain + usage hand-over")
                .isGreaterThanOrEqualTo(preStop * 1000L + drain + Termination.HANDOVER_MILLIS);
    }

    @Test
    void theGracePeriodCoversTheLongestStreamAndOnlyItsInputsChangeIt() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        LlmModel quick = model(NS, "quick", "quick", "mock");
        quick.getSpec().setTimeout("30s");
        client.resource(quick).create();
        client.resource(model(NS, "usual", "usual", "mock")).create(); // the default timeout: 600s
        client.resource(gateway(NS, "gw")).create();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            assertThat(template().getSpec().getTerminationGracePeriodSeconds()).isNotNull();
            assertThat(JSON.readTree(client.configMaps().inNamespace(NS).withName("gw-config").get().getData()
                    .get("config.json")).get("models")).hasSize(2);
        });
        PodTemplateSpec first = template();
        assertCoversTheLongestStream(first);
        assertThat(first.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(10 + 600 + 12 + 5);

        // Editing models at or below ten minutes re-renders the config, never the pod template (no roll).
        Fixtures.edit(client.resources(LlmModel.class).inNamespace(NS).withName("quick"), m -> {
            m.getSpec().setTimeout("45s");
            m.getSpec().setWeight(3);
        });
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> JSON.readTree(client.configMaps()
                .inNamespace(NS).withName("gw-config").get().getData().get("config.json")).toString().contains("45000"));
        assertThat(template()).as("pod template after a model edit").isEqualTo(first);

        // A model with a 20-minute timeout: the pods get a grace period that lets its streams finish.
        LlmModel slow = model(NS, "slow", "slow", "mock");
        slow.getSpec().setTimeout("20m");
        client.resource(slow).create();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(template().getSpec().getTerminationGracePeriodSeconds()).isEqualTo(10 + 1200 + 12 + 5));
        assertCoversTheLongestStream(template());
        assertThat(drainEnv(template())).isEqualTo(1_200_000);

        // The spec's override wins; the drain deadline the pod gets shrinks to fit it.
        Fixtures.edit(client.resources(GatewayDeployment.class).inNamespace(NS).withName("gw"),
                gw -> gw.getSpec().setTerminationGracePeriodSeconds(120));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(template().getSpec().getTerminationGracePeriodSeconds()).isEqualTo(120));
        assertThat(drainEnv(template())).isEqualTo((120 - 10 - 12 - 5) * 1000L);
        assertThat(gatewayContainer(template()).getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(10);
    }
}
