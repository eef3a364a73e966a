package dev.tollgate.operator;

import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.Prompt;
import dev.tollgate.api.v1alpha1.PromptSpec;
import dev.tollgate.api.v1alpha1.PromptVersionSpec;
import dev.tollgate.api.v1alpha1.Selection;
import dev.tollgate.config.Prompts;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Prompts through the operator: a team's Prompt rendered into the gateways serving its namespace (with the keys that
 * may use it), every change of it re-rendering them, a broken one left out alone, and the renders' verdict on each
 * Prompt recorded for its status (RenderedGateways.PROMPT).
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class PromptOperatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String PLATFORM = "prompt-platform";
    private static final String TEAM = "prompt-team";
    private static final String OTHER = "prompt-other";

    @Inject
    KubernetesClient client;

    @Inject
    RenderedGateways rendered;

    private void namespace(String ns, Map<String, String> labels) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).withLabels(labels)
                .endMetadata().build()).create();
    }

    private JsonNode config() throws Exception {
        ConfigMap cm = client.configMaps().inNamespace(PLATFORM).withName("gw-config").get();
        assertThat(cm).as("ConfigMap gw-config").isNotNull();
        return JSON.readTree(cm.getData().get("config.json"));
    }

    private List<String> promptIds() throws Exception {
        List<String> ids = new ArrayList<>();
        config().path("prompts").forEach(p -> ids.add(p.path("id").asText()));
        return ids;
    }

    private JsonNode prompt(String id) throws Exception {
        for (JsonNode p : config().path("prompts")) {
            if (p.path("id").asText().equals(id)) {
                return p;
            }
        }
        throw new AssertionError("no prompt " + id + " in " + config().path("prompts"));
    }

    private static Prompt prompt(String ns, String name, String specYaml) throws Exception {
        Prompt p = new Prompt();
        p.setMetadata(Fixtures.meta(ns, name));
        p.setSpec(YAML.readValue(specYaml, PromptSpec.class));
        return p;
    }

    @Test
    void aTeamsPromptIsRenderedIntoItsGatewaysAndEveryChangeReRendersThem() throws Exception {
        namespace(PLATFORM, Map.of("prompts", "served"));
        namespace(TEAM, Map.of("prompts", "served"));
        namespace(OTHER, Map.of());
        GatewayDeployment gw = gateway(PLATFORM, "gw");
        Selection keys = new Selection();
        keys.setNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels("prompts", "served").build());
        gw.getSpec().setKeys(keys);
        client.resource(gw).create();
        client.resource(key(TEAM, "app")).create(); // the operator generates its key Secret
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(config().path("keys").findValuesAsText("id")).containsExactly(TEAM + "/app"));
        assertThat(config().has("prompts")).isFalse();

        client.resource(prompt(TEAM, "support", """
                versions:
                  - version: 1
                    variables: [{name: customer}]
                    messages: [{role: system, content: "You help {{customer}}."}]
                labels: {production: 1}
                """)).create();
        client.resource(prompt(OTHER, "unserved", "versions: [{version: 1, messages: [{role: system, content: hi}]}]"))
                .create();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(promptIds()).containsExactly(TEAM + "/support"));
        JsonNode support = prompt(TEAM + "/support");
        // no spec.keys: every key of its namespace, named by the namespace (no list of keys)
        assertThat(support.has("keys")).isFalse();
        assertThat(support.path("namespaces").toString()).isEqualTo("[\"" + TEAM + "\"]");
        assertThat(support.path("labels").toString()).isEqualTo("{\"production\":1}");
        assertThat(support.at("/versions/0/hash").asText()).matches("sha256:[0-9a-f]{64}");
        String v1Hash = support.at("/versions/0/hash").asText();

        // a new version and the production label moved to it: the gateway re-renders
        Fixtures.edit(client.resources(Prompt.class).inNamespace(TEAM).withName("support"), p -> {
            PromptVersionSpec v2 = YAML.convertValue(Map.of("version", 2, "variables", List.of(Map.of("name", "customer")),
                    "messages", List.of(Map.of("role", "system", "content", "You kindly help {{customer}}."))),
                    PromptVersionSpec.class);
            p.getSpec().getVersions().add(v2);
            p.getSpec().getLabels().put("production", 2);
        });
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode p = prompt(TEAM + "/support");
            assertThat(p.path("versions").findValuesAsText("version")).containsExactly("1", "2");
            assertThat(p.path("labels").toString()).isEqualTo("{\"production\":2}");
        });
        assertThat(prompt(TEAM + "/support").at("/versions/0/hash").asText()).isEqualTo(v1Hash);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            long generation = client.resources(Prompt.class).inNamespace(TEAM).withName("support").get()
                    .getMetadata().getGeneration();
            var admission = rendered.admission(RenderedGateways.PROMPT, TEAM + "/support", generation,
                    List.of(PLATFORM + "/gw"));
            assertThat(admission.servedBy()).containsExactly(PLATFORM + "/gw");
            assertThat(admission.problem()).isEmpty();
            assertThat(admission.complete()).isTrue();
        });

        // a placeholder no variable declares: the Prompt is left out, alone, and the verdict says why
        client.resource(prompt(TEAM, "other", "versions: [{version: 1, messages: [{role: system, content: hi}]}]")).create();
        Fixtures.edit(client.resources(Prompt.class).inNamespace(TEAM).withName("support"),
                p -> p.getSpec().getVersions().get(1).getMessages().get(0).setContent("You help {{client}}."));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(promptIds()).containsExactly(TEAM + "/other"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            long generation = client.resources(Prompt.class).inNamespace(TEAM).withName("support").get()
                    .getMetadata().getGeneration();
            var admission = rendered.admission(RenderedGateways.PROMPT, TEAM + "/support", generation,
                    List.of(PLATFORM + "/gw"));
            assertThat(admission.servedBy()).isEmpty();
            assertThat(admission.problem()).hasValueSatisfying(pr -> {
                assertThat(pr.reason()).isEqualTo(Prompts.INVALID_TEMPLATE);
                assertThat(pr.message()).contains("gateway " + PLATFORM + "/gw", "{{client}}");
            });
        });

        // the Prompt is deleted: gone from the config
        client.resources(Prompt.class).inNamespace(TEAM).withName("other").delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(config().has("prompts")).isFalse());
    }
}
