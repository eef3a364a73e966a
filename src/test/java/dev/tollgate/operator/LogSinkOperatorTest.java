package dev.tollgate.operator;

import static dev.tollgate.Fixtures.decode;
import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LogSink;
import dev.tollgate.api.v1alpha1.ObservabilitySpec;
import dev.tollgate.api.v1alpha1.Selection;
import dev.tollgate.api.v1alpha1.SinkSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Observability through the operator: the GatewayDeployment's spec.observability and the teams' LogSinks rendered into
 * the gateway's ConfigMap (refs only) and Secret (the credentials), LogSink changes re-rendering the gateway, each
 * LogSink's Ready and status.gateways, and no credential value in a ConfigMap, a status or an event.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class LogSinkOperatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String PLATFORM = "obs-platform";
    private static final String TEAM = "obs-team";
    private static final String OTHER = "obs-other";
    private static final List<String> SECRET_VALUES = List.of("pk-lf-platform-value", "sk-lf-platform-value",
            "Bearer team-hook-token-value", "otel-token-value");

    @Inject
    KubernetesClient client;

    private void namespace(String ns, Map<String, String> labels) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).withLabels(labels)
                .endMetadata().build()).create();
    }

    private JsonNode config() throws Exception {
        ConfigMap cm = client.configMaps().inNamespace(PLATFORM).withName("gw-config").get();
        assertThat(cm).as("ConfigMap gw-config").isNotNull();
        return JSON.readTree(cm.getData().get("config.json"));
    }

    private JsonNode credentials() throws Exception {
        Secret s = client.secrets().inNamespace(PLATFORM).withName("gw-secrets").get();
        assertThat(s).as("Secret gw-secrets").isNotNull();
        return JSON.readTree(decode(s, "secrets.json")).path("credentials");
    }

    private List<String> sinkIds() throws Exception {
        List<String> ids = new ArrayList<>();
        config().path("observability").path("sinks").forEach(s -> ids.add(s.path("id").asText()));
        return ids;
    }

    private LogSink logSink(String ns, String name, String specYaml) throws Exception {
        LogSink s = new LogSink();
        s.setMetadata(Fixtures.meta(ns, name));
        s.setSpec(YAML.readValue(specYaml, SinkSpec.class));
        return s;
    }

    private void awaitSink(String ns, String name, String status, String reason) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            LogSink s = client.resources(LogSink.class).inNamespace(ns).withName(name).get();
            assertThat(s.getStatus()).isNotNull();
            assertThat(s.getStatus().condition("Ready")).hasValueSatisfying(c -> {
                assertThat(c.getStatus()).as(c.toString()).isEqualTo(status);
                assertThat(c.getReason()).as(c.toString()).isEqualTo(reason);
            });
        });
    }

    @Test
    void platformSinksAndTeamLogSinksAreRenderedAndLogSinksSayWhetherTheyAreServed() throws Exception {
        namespace(PLATFORM, Map.of("obs", "served"));
        namespace(TEAM, Map.of("obs", "served"));
        namespace(OTHER, Map.of());
        client.resource(secret(PLATFORM, "langfuse", Map.of("public", "pk-lf-platform-value",
                "secret", "sk-lf-platform-value"))).create();
        client.resource(secret(PLATFORM, "otel", Map.of("token", "otel-token-value"))).create();
        GatewayDeployment gw = gateway(PLATFORM, "gw");
        Selection keys = new Selection();
        keys.setNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels("obs", "served").build());
        gw.getSpec().setKeys(keys);
        gw.getSpec().setObservability(YAML.readValue("""
                tracing:
                  endpoint: http://otel-collector.monitoring:4318
                  secretHeaders: {authorization: {name: otel, key: token}}
                sinks:
                  - name: langfuse
                    type: langfuse
                    credentials:
                      publicKey: {name: langfuse, key: public}
                      secretKey: {name: langfuse, key: secret}
                alerts: {slowRequest: 20s}
                """, ObservabilitySpec.class));
        client.resource(gw).create();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(sinkIds()).containsExactly(PLATFORM + "/gw/langfuse");
            assertThat(config().at("/observability/tracing/endpoint").asText()).isEqualTo("http://otel-collector.monitoring:4318");
            assertThat(config().at("/observability/requests/slowMillis").asLong()).isEqualTo(20_000);
        });
        assertThat(credentials().path("sink:" + PLATFORM + "/gw/langfuse:secretKey").asText()).isEqualTo("sk-lf-platform-value");
        assertThat(credentials().path("tracing:" + PLATFORM + "/gw:authorization").asText()).isEqualTo("otel-token-value");

        // A team's LogSink whose Secret is missing: left out, its status says why; the platform's sink stays.
        client.resource(logSink(TEAM, "audit", """
                type: webhook
                url: https://hooks.obs-team.example/calls
                credentials: {authorization: {name: hook, key: token}}
                logContent: true
                redact: ['sk-[A-Za-z0-9]+']
                """)).create();
        awaitSink(TEAM, "audit", "False", "SecretNotFound");
        assertThat(client.resources(LogSink.class).inNamespace(TEAM).withName("audit").get().getStatus()
                .condition("Ready").orElseThrow().getMessage()).contains("gateway " + PLATFORM + "/gw", "Secret " + TEAM + "/hook");
        assertThat(sinkIds()).containsExactly(PLATFORM + "/gw/langfuse");

        // The Secret arrives: the gateway re-renders with the team's sink, scoped to its namespace.
        client.resource(secret(TEAM, "hook", Map.of("token", "Bearer team-hook-token-value"))).create();
        awaitSink(TEAM, "audit", "True", "Sending");
        assertThat(client.resources(LogSink.class).inNamespace(TEAM).withName("audit").get().getStatus().getGateways())
                .containsExactly(PLATFORM + "/gw");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(sinkIds()).containsExactly(PLATFORM + "/gw/langfuse", TEAM + "/audit"));
        JsonNode team = config().at("/observability/sinks/1");
        assertThat(team.path("namespace").asText()).isEqualTo(TEAM);
        assertThat(team.path("logContent").asBoolean()).isTrue();
        assertThat(team.path("credentials").path("authorization").asText()).isEqualTo("sink:" + TEAM + "/audit:authorization");
        assertThat(credentials().path("sink:" + TEAM + "/audit:authorization").asText()).isEqualTo("Bearer team-hook-token-value");

        // A LogSink where no gateway serves keys.
        client.resource(logSink(OTHER, "lost", "{type: webhook, url: 'https://hooks.example/lost'}")).create();
        awaitSink(OTHER, "lost", "False", "NoGateway");

        // A change to the LogSink re-renders the gateway: a broken redact pattern takes it out again, alone.
        Fixtures.edit(client.resources(LogSink.class).inNamespace(TEAM).withName("audit"),
                s -> s.getSpec().setRedact(List.of("(unclosed")));
        awaitSink(TEAM, "audit", "False", "InvalidRedactPattern");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(sinkIds()).containsExactly(PLATFORM + "/gw/langfuse"));
        assertThat(credentials().has("sink:" + TEAM + "/audit:authorization")).isFalse();

        // A broken platform sink is a warning on the gateway (ObservabilityResolved=False), not a failure of it.
        Fixtures.edit(client.resources(GatewayDeployment.class).inNamespace(PLATFORM).withName("gw"),
                g -> g.getSpec().getObservability().getSinks().get(0).getCredentials().get("secretKey").setKey("missing"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            var s = client.resources(GatewayDeployment.class).inNamespace(PLATFORM).withName("gw").get().getStatus();
            assertThat(s.condition("ObservabilityResolved")).hasValueSatisfying(c -> {
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getReason()).isEqualTo("SecretNotFound");
                assertThat(c.getMessage()).contains("spec.observability.sinks[langfuse].credentials.secretKey");
            });
            assertThat(sinkIds()).isEmpty();
        });

        // No credential value in any ConfigMap, status or event of the three namespaces.
        List<String> visible = new ArrayList<>();
        for (String ns : List.of(PLATFORM, TEAM, OTHER)) {
            client.configMaps().inNamespace(ns).list().getItems().forEach(cm -> visible.add(Serialization.asJson(cm)));
            client.resources(LogSink.class).inNamespace(ns).list().getItems()
                    .forEach(s -> visible.add(Serialization.asJson(s.getStatus())));
            client.resources(GatewayDeployment.class).inNamespace(ns).list().getItems()
                    .forEach(g -> visible.add(Serialization.asJson(g.getStatus())));
            client.v1().events().inNamespace(ns).list().getItems().forEach(e -> visible.add(Serialization.asJson(e)));
        }
        assertThat(visible).isNotEmpty();
        for (String value : SECRET_VALUES) {
            assertThat(visible).allSatisfy(text -> assertThat(text).doesNotContain(value));
        }
    }
}
