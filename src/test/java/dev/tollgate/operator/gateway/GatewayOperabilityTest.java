package dev.tollgate.operator.gateway;

import static dev.tollgate.Fixtures.gateway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentAutoscaling;
import dev.tollgate.api.v1alpha1.GatewayDeploymentNetworkPolicy;
import dev.tollgate.api.v1alpha1.GatewayDeploymentServiceSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a platform team needs to run a gateway in production: the scale subresource, the autoscaler (which the
 * operator never fights), the disruption budget, topology spread, default resources, pull secrets, Service
 * annotations and the NetworkPolicy. The mock server runs no garbage collector, so every new object's owner
 * reference is asserted: on a real cluster that is what removes it with its gateway.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class GatewayOperabilityTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Map<String, String> SELECTOR_OF_GW = Map.of("app.kubernetes.io/name", "tollgate-gateway",
            "app.kubernetes.io/instance", "gw");

    @Inject
    KubernetesClient client;

    private void namespace(String ns) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }

    private Resource<GatewayDeployment> gw(String ns) {
        return client.resources(GatewayDeployment.class).inNamespace(ns).withName("gw");
    }

    private Deployment deployment(String ns) {
        return client.apps().deployments().inNamespace(ns).withName("gw").get();
    }

    private HorizontalPodAutoscaler hpa(String ns) {
        return client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).withName("gw").get();
    }

    private PodDisruptionBudget pdb(String ns) {
        return client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("gw").get();
    }

    private NetworkPolicy networkPolicy(String ns) {
        return client.network().v1().networkPolicies().inNamespace(ns).withName("gw").get();
    }

    private static void assertOwnedBy(HasMetadata child, GatewayDeployment owner) {
        assertThat(child.getMetadata().getOwnerReferences()).as("owner of %s", child.getKind()).singleElement()
                .satisfies(ref -> {
                    assertThat(ref.getKind()).isEqualTo("GatewayDeployment");
                    assertThat(ref.getName()).isEqualTo(owner.getMetadata().getName());
                    assertThat(ref.getUid()).isEqualTo(owner.getMetadata().getUid());
                });
        assertThat(child.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "tollgate-operator")
                .containsAllEntriesOf(SELECTOR_OF_GW);
    }

    private static GatewayDeploymentAutoscaling autoscaling(int min, int max, Integer memory) {
        GatewayDeploymentAutoscaling a = new GatewayDeploymentAutoscaling();
        a.setMinReplicas(min);
        a.setMaxReplicas(max);
        a.setTargetMemoryUtilizationPercentage(memory);
        return a;
    }

    @Test
    void theCrdServesAScaleSubresourceAndStatusCarriesReplicasAndSelector() throws Exception {
        JsonNode crd = new YAMLMapper().readTree(Path.of("crds/gatewaydeployments.llm.tollgate.dev-v1.yml").toFile());
        JsonNode scale = crd.path("spec").path("versions").get(0).path("subresources").path("scale");
        assertThat(scale.path("specReplicasPath").asText()).isEqualTo(".spec.replicas");
        assertThat(scale.path("statusReplicasPath").asText()).isEqualTo(".status.replicas");
        assertThat(scale.path("labelSelectorPath").asText()).isEqualTo(".status.selector");

        String ns = "ops-scale";
        namespace(ns);
        client.resource(gateway(ns, "gw")).create();
        await().atMost(WAIT).until(() -> deployment(ns) != null);
        Fixtures.editStatus(client.apps().deployments().inNamespace(ns).withName("gw"), d -> d.setStatus(
                new DeploymentStatusBuilder().withReplicas(3).withReadyReplicas(2).withUpdatedReplicas(3).build()));
        await().atMost(WAIT).untilAsserted(() -> {
            var s = gw(ns).get().getStatus();
            assertThat(s.getReplicas()).as("status.replicas: the pods that exist").isEqualTo(3);
            assertThat(s.getSelector()).isEqualTo("app.kubernetes.io/instance=gw,app.kubernetes.io/name=tollgate-gateway");
        });
        // What `kubectl scale gwd/gw --replicas=4` writes (spec.replicas through /scale): the Deployment follows.
        Fixtures.edit(gw(ns), g -> g.getSpec().setReplicas(4));
        await().atMost(WAIT).untilAsserted(() -> assertThat(deployment(ns).getSpec().getReplicas()).isEqualTo(4));
    }

    @Test
    void theAutoscalerOwnsTheDeploymentsReplicasAndGoesWithItsBlock() {
        String ns = "ops-hpa";
        namespace(ns);
        GatewayDeployment spec = gateway(ns, "gw");
        spec.getSpec().setReplicas(1); // as a GitOps tool would keep it in Git: ignored while autoscaling is set
        spec.getSpec().setAutoscaling(autoscaling(2, 6, null));
        client.resource(spec).create();
        await().atMost(WAIT).until(() -> hpa(ns) != null && deployment(ns) != null);
        GatewayDeployment owner = gw(ns).get();
        HorizontalPodAutoscaler hpa = hpa(ns);
        assertOwnedBy(hpa, owner);
        assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion()).isEqualTo("apps/v1");
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("gw");
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(6);
        assertThat(hpa.getSpec().getMetrics()).singleElement().satisfies(m -> {
            assertThat(m.getType()).isEqualTo("Resource");
            assertThat(m.getResource().getName()).isEqualTo("cpu");
            assertThat(m.getResource().getTarget().getType()).isEqualTo("Utilization");
            assertThat(m.getResource().getTarget().getAverageUtilization()).as("default target").isEqualTo(70);
        });
        assertThat(deployment(ns).getSpec().getReplicas()).as("a new Deployment starts at minReplicas").isEqualTo(2);

        // The autoscaler scales the Deployment to 5; the operator's next reconciles (that very change is one, a
        // spec change another) keep 5.
        Fixtures.edit(client.apps().deployments().inNamespace(ns).withName("gw"), d -> d.getSpec().setReplicas(5));
        Fixtures.edit(gw(ns), g -> {
            g.getSpec().setPodAnnotations(Map.of("example.com/touched", "1"));
            g.getSpec().setAutoscaling(autoscaling(2, 8, 80));
        });
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(hpa(ns).getSpec().getMaxReplicas()).isEqualTo(8);
            assertThat(hpa(ns).getSpec().getMetrics()).extracting(m -> m.getResource().getName()).containsExactly("cpu", "memory");
            assertThat(deployment(ns).getSpec().getTemplate().getMetadata().getAnnotations())
                    .containsEntry("example.com/touched", "1");
        });
        assertThat(deployment(ns).getSpec().getReplicas()).as("the autoscaler's replicas survive a reconcile").isEqualTo(5);
        // Readiness is measured against the autoscaler's count, and limits are not exact with up to 8 pods.
        await().atMost(WAIT).untilAsserted(() -> {
            var s = gw(ns).get().getStatus();
            assertThat(s.condition("Ready")).hasValueSatisfying(c -> assertThat(c.getMessage()).startsWith("0/5 "));
            assertThat(s.condition("ExactLimits")).hasValueSatisfying(c -> {
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getMessage()).startsWith("8 replicas");
            });
        });

        // Without the block: the HorizontalPodAutoscaler goes and spec.replicas rules again.
        Fixtures.edit(gw(ns), g -> g.getSpec().setAutoscaling(null));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(hpa(ns)).as("HorizontalPodAutoscaler after spec.autoscaling was removed").isNull();
            assertThat(deployment(ns).getSpec().getReplicas()).isEqualTo(1);
        });
    }

    @Test
    void aDisruptionBudgetExistsOnlyWhileMoreThanOnePodMayRun() {
        String ns = "ops-pdb";
        namespace(ns);
        client.resource(gateway(ns, "gw")).create();
        await().atMost(WAIT).until(() -> deployment(ns) != null);
        assertThat(pdb(ns)).as("no budget for a single pod").isNull();

        Fixtures.edit(gw(ns), g -> g.getSpec().setReplicas(3));
        await().atMost(WAIT).until(() -> pdb(ns) != null);
        PodDisruptionBudget pdb = pdb(ns);
        assertOwnedBy(pdb, gw(ns).get());
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(pdb.getSpec().getMinAvailable()).isNull();
        assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(SELECTOR_OF_GW);
        assertThat(pdb.getSpec().getUnhealthyPodEvictionPolicy()).isEqualTo("AlwaysAllow");

        Fixtures.edit(gw(ns), g -> g.getSpec().setReplicas(1));
        await().atMost(WAIT).untilAsserted(() -> assertThat(pdb(ns)).as("budget after scaling to one pod").isNull());

        // An autoscaler that may add pods brings it back, whatever spec.replicas says.
        Fixtures.edit(gw(ns), g -> g.getSpec().setAutoscaling(autoscaling(1, 4, null)));
        await().atMost(WAIT).until(() -> pdb(ns) != null);
    }

    @Test
    void podsSpreadOverNodesAndZonesWithDefaultResourcesUnlessTheSpecSaysOtherwise() {
        String ns = "ops-pods";
        namespace(ns);
        GatewayDeployment spec = gateway(ns, "gw");
        spec.getSpec().setImagePullSecrets(List.of(new LocalObjectReference("registry-creds")));
        GatewayDeploymentServiceSpec service = new GatewayDeploymentServiceSpec();
        service.setAnnotations(Map.of("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"));
        spec.getSpec().setService(service);
        client.resource(spec).create();
        await().atMost(WAIT).until(() -> deployment(ns) != null && client.services().inNamespace(ns).withName("gw").get() != null);

        var pod = deployment(ns).getSpec().getTemplate().getSpec();
        assertThat(pod.getTopologySpreadConstraints()).extracting(TopologySpreadConstraint::getTopologyKey)
                .containsExactly("kubernetes.io/hostname", "topology.kubernetes.io/zone");
        assertThat(pod.getTopologySpreadConstraints()).allSatisfy(c -> {
            assertThat(c.getMaxSkew()).isEqualTo(1);
            assertThat(c.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway");
            assertThat(c.getLabelSelector().getMatchLabels()).isEqualTo(SELECTOR_OF_GW);
        });
        var resources = pod.getContainers().get(0).getResources();
        assertThat(resources.getRequests()).containsEntry("cpu", new Quantity("250m")).containsEntry("memory", new Quantity("256Mi"));
        assertThat(resources.getLimits()).containsOnlyKeys("memory").containsEntry("memory", new Quantity("512Mi"));
        assertThat(pod.getImagePullSecrets()).extracting(LocalObjectReference::getName).containsExactly("registry-creds");
        var svc = client.services().inNamespace(ns).withName("gw").get();
        assertThat(svc.getMetadata().getAnnotations())
                .containsEntry("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal");
        assertThat(client.services().inNamespace(ns).withName("gw-metrics").get().getMetadata().getAnnotations())
                .as("the metrics Service is never a load balancer's").doesNotContainKey("service.beta.kubernetes.io/aws-load-balancer-scheme");

        // Overrides: the user's constraint (given the gateway's selector) replaces the defaults; resources too.
        Fixtures.edit(gw(ns), g -> {
            g.getSpec().setTopologySpreadConstraints(List.of(new TopologySpreadConstraintBuilder().withMaxSkew(2)
                    .withTopologyKey("topology.kubernetes.io/zone").withWhenUnsatisfiable("DoNotSchedule").build()));
            g.getSpec().setResources(new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity("1"))
                    .addToLimits("memory", new Quantity("2Gi")).build());
        });
        await().atMost(WAIT).untilAsserted(() -> {
            var p = deployment(ns).getSpec().getTemplate().getSpec();
            assertThat(p.getTopologySpreadConstraints()).singleElement().satisfies(c -> {
                assertThat(c.getTopologyKey()).isEqualTo("topology.kubernetes.io/zone");
                assertThat(c.getMaxSkew()).isEqualTo(2);
                assertThat(c.getWhenUnsatisfiable()).isEqualTo("DoNotSchedule");
                assertThat(c.getLabelSelector().getMatchLabels()).isEqualTo(SELECTOR_OF_GW);
            });
            assertThat(p.getContainers().get(0).getResources().getRequests()).isEqualTo(Map.of("cpu", new Quantity("1")));
            assertThat(p.getContainers().get(0).getResources().getLimits()).isEqualTo(Map.of("memory", new Quantity("2Gi")));
        });
        // A field removed from the spec leaves the Deployment too (JOSDK's matcher alone would not see a removal).
        Fixtures.edit(gw(ns), g -> g.getSpec().setImagePullSecrets(null));
        await().atMost(WAIT).untilAsserted(() -> assertThat(deployment(ns).getSpec().getTemplate().getSpec()
                .getImagePullSecrets()).as("imagePullSecrets after their removal from the spec").isEmpty());
        // [] (as kubectl stores it; the Java client drops an empty list from its own writes) spreads nothing.
        GatewayDeployment none = gateway(ns, "gw");
        none.getSpec().setTopologySpreadConstraints(List.of());
        assertThat(GatewayDeploymentDependent.topologySpread(none, none.getSpec())).isEmpty();
    }

    @Test
    void theNetworkPolicyAdmitsTheNamedNamespacesToTheApiAndTheOperatorToTheManagementPort() {
        String ns = "ops-netpol";
        namespace(ns);
        GatewayDeployment spec = gateway(ns, "gw");
        spec.getSpec().setPort(8080);
        GatewayDeploymentNetworkPolicy np = new GatewayDeploymentNetworkPolicy();
        np.setEnabled(true);
        np.setAllowFrom(List.of(new LabelSelectorBuilder().addToMatchLabels("tollgate.dev/access", "granted").build()));
        np.setAllowCidrs(List.of("10.20.0.0/16"));
        np.setMonitoringFrom(List.of(new LabelSelectorBuilder().addToMatchLabels("kubernetes.io/metadata.name", "monitoring").build()));
        spec.getSpec().setNetworkPolicy(np);
        client.resource(spec).create();
        await().atMost(WAIT).until(() -> networkPolicy(ns) != null);

        NetworkPolicy policy = networkPolicy(ns);
        assertOwnedBy(policy, gw(ns).get());
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isEqualTo(SELECTOR_OF_GW);
        assertThat(policy.getSpec().getPolicyTypes()).as("egress stays open (providers, Redis)").containsExactly("Ingress");
        assertThat(policy.getSpec().getIngress()).hasSize(2);
        var api = policy.getSpec().getIngress().get(0);
        assertThat(api.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort().getIntVal()).isEqualTo(8080);
            assertThat(p.getProtocol()).isEqualTo("TCP");
        });
        assertThat(api.getFrom()).extracting(NetworkPolicyPeer::getNamespaceSelector, NetworkPolicyPeer::getPodSelector)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(new LabelSelectorBuilder()
                                .addToMatchLabels("kubernetes.io/metadata.name", ns).build(), null),
                        org.assertj.core.groups.Tuple.tuple(np.getAllowFrom().get(0), null),
                        org.assertj.core.groups.Tuple.tuple(null, null));
        assertThat(api.getFrom().get(2).getIpBlock().getCidr()).isEqualTo("10.20.0.0/16");

        var management = policy.getSpec().getIngress().get(1);
        assertThat(management.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(9000));
        String operatorNamespace = client.getConfiguration().getNamespace();
        assertThat(management.getFrom()).hasSize(2);
        assertThat(management.getFrom().get(0).getNamespaceSelector().getMatchLabels())
                .as("the operator's namespace (the client's, in a pod the ServiceAccount's)")
                .isEqualTo(Map.of("kubernetes.io/metadata.name", operatorNamespace));
        assertThat(management.getFrom().get(0).getPodSelector().getMatchLabels())
                .as("the operator's pods, not every pod of its namespace")
                .isEqualTo(Map.of("app.kubernetes.io/name", "tollgate-operator"));
        assertThat(management.getFrom().get(1).getNamespaceSelector()).isEqualTo(np.getMonitoringFrom().get(0));
        assertThat(management.getFrom().get(1).getPodSelector()).isNull();
        assertThat(management.getFrom()).noneMatch(p -> p.getIpBlock() != null);

        Fixtures.edit(gw(ns), g -> g.getSpec().getNetworkPolicy().setEnabled(false));
        await().atMost(WAIT).untilAsserted(() -> assertThat(networkPolicy(ns)).as("NetworkPolicy once disabled").isNull());
        assertThat(deployment(ns)).as("only the policy goes").isNotNull();
        // Back on, then the whole block removed: gone again.
        Fixtures.edit(gw(ns), g -> g.getSpec().getNetworkPolicy().setEnabled(true));
        await().atMost(WAIT).until(() -> networkPolicy(ns) != null);
        Fixtures.edit(gw(ns), g -> g.getSpec().setNetworkPolicy(null));
        await().atMost(WAIT).untilAsserted(() -> assertThat(networkPolicy(ns)).as("NetworkPolicy once its block is gone").isNull());
    }
}
