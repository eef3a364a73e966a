package dev.tollgate.operator;

import static dev.tollgate.Fixtures.decode;
import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static dev.tollgate.Fixtures.openAi;
import static dev.tollgate.Fixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.Selection;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.Keys;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

@WithKubernetesTestServer(crud = true)
@QuarkusTest
class GatewayDeploymentReconcilerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    KubernetesClient client;

    private void namespace(String ns, Map<String, String> labels) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).withLabels(labels)
                .endMetadata().build()).create();
    }

    private JsonNode config(String ns, String gw) throws Exception {
        ConfigMap cm = client.configMaps().inNamespace(ns).withName(gw + "-config").get();
        assertThat(cm).as("ConfigMap %s-config", gw).isNotNull();
        return JSON.readTree(cm.getData().get("config.json"));
    }

    private JsonNode secrets(String ns, String gw) throws Exception {
        Secret s = client.secrets().inNamespace(ns).withName(gw + "-secrets").get();
        assertThat(s).as("Secret %s-secrets", gw).isNotNull();
        return JSON.readTree(decode(s, "secrets.json"));
    }

    private static void assertOwnedBy(HasMetadata child, HasMetadata owner) {
        assertThat(child.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
            assertThat(ref.getKind()).isEqualTo(owner.getKind());
            assertThat(ref.getName()).isEqualTo(owner.getMetadata().getName());
            assertThat(ref.getUid()).isEqualTo(owner.getMetadata().getUid());
        });
        assertThat(child.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "tollgate-operator")
                .containsEntry("app.kubernetes.io/instance", owner.getMetadata().getName());
    }

    @Test
    void rendersEveryOwnedObjectFromTheSelectedResources() throws Exception {
        String ns = "gw-render";
        namespace(ns, Map.of());
        client.resource(secret(ns, "openai", Map.of("api-key", "sk-upstream-secret-value"))).create();
        client.resource(openAi(ns, "gpt-4o", "openai")).create();
        client.resource(model(ns, "mock", "mock-1", "mock")).create();
        client.resource(key(ns, "team-a")).create();
        client.resource(Fixtures.budget(ns, "monthly", "25.00", "monthly")).create();
        GatewayDeployment gw = client.resource(gateway(ns, "gw")).create();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode c = config(ns, "gw");
            assertThat(c.get("schema").asText()).isEqualTo("tollgate.dev/gateway-config/v1");
            assertThat(c.get("models")).hasSize(2);
            assertThat(c.get("keys")).hasSize(1);
            assertThat(c.get("budgets")).hasSize(1);
        });
        JsonNode config = config(ns, "gw");
        assertThat(config.toString()).doesNotContain("sk-upstream-secret-value");
        JsonNode gpt = config.get("models").get(0);
        assertThat(gpt.get("modelName").asText()).isEqualTo("gpt-4o");
        assertThat(gpt.get("apiBase").asText()).isEqualTo("https://api.openai.com/v1");
        assertThat(gpt.get("credentialRef").asText()).isEqualTo(ns + "/openai/api-key");

        // The Secret carries the provider credential and the hash of the generated key, never the key itself.
        String generated = decode(client.secrets().inNamespace(ns).withName("team-a-key").get(), "key");
        JsonNode secrets = secrets(ns, "gw");
        assertThat(secrets.get("credentials").get(ns + "/openai/api-key").asText()).isEqualTo("sk-upstream-secret-value");
        assertThat(secrets.get("keys").get(Keys.sha256Hex(generated)).asText()).isEqualTo(ns + "/team-a");
        assertThat(secrets.toString()).doesNotContain(generated);

        gw = client.resources(GatewayDeployment.class).inNamespace(ns).withName("gw").get();
        Deployment d = client.apps().deployments().inNamespace(ns).withName("gw").get();
        assertOwnedBy(d, gw);
        var pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getArgs()).containsExactly("gateway");
        assertThat(pod.getContainers().get(0).getImage()).startsWith("ghcr.io/tollgate-dev/tollgate:");
        assertThat(pod.getContainers().get(0).getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/readiness");
        assertThat(pod.getServiceAccountName()).isEqualTo("gw-gateway");
        assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsKey(Names.SETTINGS_HASH_ANNOTATION);
        assertOwnedBy(client.configMaps().inNamespace(ns).withName("gw-config").get(), gw);
        assertOwnedBy(client.secrets().inNamespace(ns).withName("gw-secrets").get(), gw);
        Service svc = client.services().inNamespace(ns).withName("gw").get();
        assertOwnedBy(svc, gw);
        assertThat(svc.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(svc.getSpec().getPorts()).as("the LLM API only, never the management port").singleElement()
                .satisfies(p -> {
                    assertThat(p.getName()).isEqualTo("http");
                    assertThat(p.getPort()).isEqualTo(4000);
                    assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
                });
        assertMetricsService(ns, gw);
        assertOwnedBy(client.serviceAccounts().inNamespace(ns).withName("gw-gateway").get(), gw);
        Role role = client.rbac().roles().inNamespace(ns).withName("gw-gateway").get();
        assertOwnedBy(role, gw);
        // exactly its own objects by name: config, spend handed back, secrets
        assertThat(role.getRules()).extracting(r -> r.getResources().get(0), r -> r.getResourceNames()).containsExactly(
                org.assertj.core.groups.Tuple.tuple("configmaps", java.util.List.of("gw-config", "gw-spend")),
                org.assertj.core.groups.Tuple.tuple("secrets", java.util.List.of("gw-secrets")));
        assertThat(role.getRules()).allSatisfy(r -> assertThat(r.getVerbs()).containsExactly("get", "list", "watch"));
        RoleBinding rb = client.rbac().roleBindings().inNamespace(ns).withName("gw-gateway").get();
        assertOwnedBy(rb, gw);
        assertThat(rb.getSubjects()).singleElement().satisfies(s -> assertThat(s.getName()).isEqualTo("gw-gateway"));

        // Status: pods are not ready (the mock server runs no Deployment controller) ...
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            var s = client.resources(GatewayDeployment.class).inNamespace(ns).withName("gw").get().getStatus();
            assertThat(s.condition("Ready")).hasValueSatisfying(c -> {
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getReason()).isEqualTo("PodsNotReady");
            });
            assertThat(s.getEndpoint()).isEqualTo("http://gw." + ns + ".svc:4000/v1");
            assertThat(s.getModels()).isEqualTo(2);
            assertThat(s.getKeys()).isEqualTo(1);
            assertThat(s.getConfigHash()).isEqualTo(client.configMaps().inNamespace(ns).withName("gw-config").get()
                    .getMetadata().getAnnotations().get(Names.CONFIG_HASH_ANNOTATION));
        });
        // ... until the Deployment reports its pods ready.
        Fixtures.editStatus(client.apps().deployments().inNamespace(ns).withName("gw"), current -> {
            long generation = current.getMetadata().getGeneration() == null ? 1 : current.getMetadata().getGeneration();
            current.setStatus(new DeploymentStatusBuilder().withReplicas(1).withReadyReplicas(1).withUpdatedReplicas(1)
                    .withAvailableReplicas(1).withObservedGeneration(generation).build());
        });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            var s = client.resources(GatewayDeployment.class).inNamespace(ns).withName("gw").get().getStatus();
            assertThat(s.condition("Ready")).hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
            assertThat(s.getReadyReplicas()).isEqualTo(1);
            assertThat(s.getObservedGeneration()).isNotNull();
        });
    }

    /** {@code <gw>-metrics}: the management port alone, cluster-internal, named for a ServiceMonitor. */
    private void assertMetricsService(String ns, GatewayDeployment gw) {
        Service metrics = client.services().inNamespace(ns).withName(gw.getMetadata().getName() + "-metrics").get();
        assertThat(metrics).as("Service %s-metrics", gw.getMetadata().getName()).isNotNull();
        assertOwnedBy(metrics, gw);
        assertThat(metrics.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(metrics.getSpec().getSelector()).isEqualTo(Map.of("app.kubernetes.io/name", "tollgate-gateway",
                "app.kubernetes.io/instance", gw.getMetadata().getName()));
        assertThat(metrics.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("metrics");
            assertThat(p.getPort()).isEqualTo(9000);
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("metrics");
        });
        assertThat(metrics.getMetadata().getLabels()).containsEntry("app.kubernetes.io/component", "metrics");
        // the pods' container port the Services' target ports name
        var ports = client.apps().deployments().inNamespace(ns).withName(gw.getMetadata().getName()).get().getSpec()
                .getTemplate().getSpec().getContainers().get(0).getPorts();
        assertThat(ports).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("metrics");
            assertThat(p.getContainerPort()).isEqualTo(9000);
        });
    }

    @Test
    void aLoadBalancerExposesTheLlmApiAloneAndMetricsStayInsideTheCluster() {
        String ns = "gw-lb";
        namespace(ns, Map.of());
        GatewayDeployment spec = gateway(ns, "public");
        spec.getSpec().setServiceType(dev.tollgate.api.v1alpha1.GatewayDeploymentSpec.ServiceType.LoadBalancer);
        spec.getSpec().setPort(8080);
        client.resource(spec).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.services().inNamespace(ns).withName("public-metrics").get() != null
                && client.services().inNamespace(ns).withName("public").get() != null);
        GatewayDeployment gw = client.resources(GatewayDeployment.class).inNamespace(ns).withName("public").get();
        Service api = client.services().inNamespace(ns).withName("public").get();
        assertThat(api.getSpec().getType()).isEqualTo("LoadBalancer");
        assertThat(api.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getPort()).isEqualTo(8080);
        });
        assertThat(api.getSpec().getPorts()).noneMatch(p -> p.getPort() == 9000);
        assertMetricsService(ns, gw);
    }

    @Test
    void reRendersOnChangesAndDropsDeletedKeysPromptly() throws Exception {
        String ns = "gw-live";
        namespace(ns, Map.of());
        client.resource(model(ns, "mock", "mock-1", "mock")).create();
        client.resource(key(ns, "k1")).create();
        client.resource(gateway(ns, "gw")).create();
        // The ConfigMap and the Deployment are written by separate dependents, in no fixed order: wait for both.
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> config(ns, "gw").get("keys").size() == 1
                && client.apps().deployments().inNamespace(ns).withName("gw").get() != null);
        String hash1 = secrets(ns, "gw").get("keys").fieldNames().next();

        // Model changed -> config changes, pods are not restarted (settings hash unchanged).
        String settingsBefore = client.apps().deployments().inNamespace(ns).withName("gw").get()
                .getSpec().getTemplate().getMetadata().getAnnotations().get(Names.SETTINGS_HASH_ANNOTATION);
        dev.tollgate.Fixtures.edit(client.resources(LlmModel.class).inNamespace(ns).withName("mock"), m -> {
            m.getSpec().setWeight(7);
        });
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> config(ns, "gw").get("models").get(0).get("weight").asInt() == 7);
        assertThat(client.apps().deployments().inNamespace(ns).withName("gw").get().getSpec().getTemplate()
                .getMetadata().getAnnotations().get(Names.SETTINGS_HASH_ANNOTATION)).isEqualTo(settingsBefore);

        // A port change is a start-time setting: it changes the pod template.
        dev.tollgate.Fixtures.edit(client.resources(GatewayDeployment.class).inNamespace(ns).withName("gw"), gw -> {
            gw.getSpec().setPort(4100);
        });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.apps().deployments().inNamespace(ns)
                .withName("gw").get().getSpec().getTemplate().getMetadata().getAnnotations()
                .get(Names.SETTINGS_HASH_ANNOTATION)).isNotEqualTo(settingsBefore));

        // Deleting the key removes its hash (no finalizer: the delete event itself re-renders).
        client.resources(VirtualKey.class).inNamespace(ns).withName("k1").delete();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(secrets(ns, "gw").get("keys").has(hash1)).isFalse();
            assertThat(config(ns, "gw").get("keys")).isEmpty();
        });
    }

    @Test
    void selectsAcrossNamespacesByLabel() throws Exception {
        namespace("gw-platform", Map.of());
        namespace("team-blue", Map.of("tollgate.dev/access", "granted"));
        namespace("team-red", Map.of());
        client.resource(model("gw-platform", "mock", "mock-1", "mock")).create();
        VirtualKey blue = key("team-blue", "blue");
        blue.getMetadata().setLabels(Map.of("tier", "gold"));
        client.resource(blue).create();
        client.resource(key("team-red", "red")).create();
        VirtualKey blueSilver = key("team-blue", "silver");
        blueSilver.getMetadata().setLabels(Map.of("tier", "silver"));
        client.resource(blueSilver).create();

        GatewayDeployment gw = gateway("gw-platform", "shared");
        Selection keys = new Selection();
        keys.setNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels("tollgate.dev/access", "granted").build());
        keys.setSelector(new LabelSelectorBuilder().addToMatchLabels("tier", "gold").build());
        gw.getSpec().setKeys(keys);
        client.resource(gw).create();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode c = config("gw-platform", "shared");
            assertThat(c.get("keys")).hasSize(1);
            assertThat(c.get("keys").get(0).get("id").asText()).isEqualTo("team-blue/blue");
        });
        // Granting team-red access by labelling its namespace is picked up by the namespace watch.
        dev.tollgate.Fixtures.edit(client.namespaces().withName("team-red"), red -> {
            red.getMetadata().setLabels(Map.of("tollgate.dev/access", "granted"));
        });
        dev.tollgate.Fixtures.edit(client.resources(VirtualKey.class).inNamespace("team-red").withName("red"), redKey -> {
            redKey.getMetadata().setLabels(Map.of("tier", "gold"));
        });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(config("gw-platform", "shared").get("keys")).hasSize(2));
    }

    @Test
    void badInputIsReportedNotFatal() throws Exception {
        String ns = "gw-bad";
        namespace(ns, Map.of());
        // A selector that matches nothing: a valid, empty gateway.
        GatewayDeployment gw = gateway(ns, "empty");
        Selection models = new Selection();
        models.setSelector(new LabelSelectorBuilder().addToMatchLabels("team", "nobody").build());
        gw.getSpec().setModels(models);
        client.resource(gw).create();
        // A model whose credentials Secret is missing, one with an unknown provider (the mock server checks no schema).
        client.resource(openAi(ns, "no-creds", "missing-secret")).create();
        client.resource(model(ns, "weird", "weird", "not-a-provider")).create();
        // The gateway still renders, with no models, and says so.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(config(ns, "empty").get("models")).isEmpty();
            var status = client.resources(GatewayDeployment.class).inNamespace(ns).withName("empty").get().getStatus();
            assertThat(status).isNotNull();
            assertThat(status.getModels()).isZero();
            assertThat(status.getConfigHash()).isNotBlank();
        });
    }
}
