package dev.tollgate.operator;

import static dev.tollgate.Fixtures.budget;
import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.Selection;
import dev.tollgate.api.v1alpha1.VirtualKey;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The watch scope (quarkus.operator-sdk.namespaces): with [scope-a, scope-b] the operator reads and acts on those two
 * namespaces only. Resources in scope-c get no status, no Secret and no dependents, a gateway pod there is never
 * read, a gateway admitting keys from every labelled namespace sees scope-c's keys not at all, and no informer lists
 * or watches a namespaced kind across the cluster.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(WatchScopeTest.TwoNamespaces.class)
class WatchScopeTest {
    static final String A = "scope-a";
    static final String B = "scope-b";
    static final String C = "scope-c";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reports read, by the loopback address a "pod" was given (see UsageWriteBackTest). */
    static final Map<String, AtomicLong> reads = new ConcurrentHashMap<>();
    static HttpServer server;

    public static class TwoNamespaces implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                server = Vertx.vertx().createHttpServer().requestHandler(req -> {
                    reads.computeIfAbsent(req.localAddress().hostAddress(), a -> new AtomicLong()).incrementAndGet();
                    req.response().putHeader("content-type", "application/json").end("{}");
                }).listen(0, "0.0.0.0").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Map.of("quarkus.operator-sdk.namespaces", A + "," + B,
                    "tollgate.operator.usage-port", Integer.toString(server.actualPort()),
                    "tollgate.operator.usage-scrape-interval-millis", "200");
        }
    }

    @Inject
    KubernetesClient client;

    @KubernetesTestServer
    KubernetesServer mock;

    private static long readsAt(String address) {
        AtomicLong n = reads.get(address);
        return n == null ? 0 : n.get();
    }

    /** The same set of resources in {@code ns}: a model, a key, a Budget, a gateway serving its own namespace. */
    private void everything(String ns) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
                .withLabels(Map.of("tollgate.dev/access", "granted")).endMetadata().build()).create();
        client.resource(model(ns, "m", "m-1", "mock")).create();
        VirtualKey vk = key(ns, "k");
        vk.getSpec().setBudgetRefs(List.of("b"));
        client.resource(vk).create();
        client.resource(budget(ns, "b", "5", "daily")).create();
        client.resource(gateway(ns, "gw")).create();
    }

    private <T extends io.fabric8.kubernetes.api.model.HasMetadata> T get(Class<T> type, String ns, String name) {
        return client.resources(type).inNamespace(ns).withName(name).get();
    }

    @Test
    void onlyTheWatchedNamespacesAreReadAndActedOn() throws Exception {
        everything(A);
        everything(B);
        everything(C);
        // A platform gateway in scope-a admitting keys (and their Budgets) from every namespace labelled access=granted
        // (all three are).
        GatewayDeployment shared = gateway(A, "shared");
        Selection keys = new Selection();
        keys.setNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels("tollgate.dev/access", "granted").build());
        shared.getSpec().setKeys(keys);
        shared.getSpec().setBudgets(keys); // the keys' Budgets, which live next to them
        client.resource(shared).create();

        for (String ns : List.of(A, B)) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(get(GatewayDeployment.class, ns, "gw").getStatus()).as("%s/gw status", ns).isNotNull();
                assertThat(get(VirtualKey.class, ns, "k").getStatus()).as("%s/k status", ns).isNotNull();
                assertThat(get(LlmModel.class, ns, "m").getStatus()).as("%s/m status", ns).isNotNull();
                assertThat(get(Budget.class, ns, "b").getStatus()).as("%s/b status", ns).isNotNull();
                assertThat(client.secrets().inNamespace(ns).withName("k-key").get()).as("%s/k-key", ns).isNotNull();
                assertThat(client.configMaps().inNamespace(ns).withName("gw-config").get()).isNotNull();
                assertThat(client.apps().deployments().inNamespace(ns).withName("gw").get()).isNotNull();
            });
        }
        // The shared gateway serves the keys of scope-a and scope-b; scope-c's key is not even seen.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            ConfigMap cm = client.configMaps().inNamespace(A).withName("shared-config").get();
            assertThat(cm).isNotNull();
            List<String> ids = new ArrayList<>();
            JSON.readTree(cm.getData().get("config.json")).get("keys").forEach(k -> ids.add(k.get("id").asText()));
            assertThat(ids).containsExactlyInAnyOrder(A + "/k", B + "/k");
        });

        // A gateway pod in scope-a is read; one in scope-c, with the chain a Deployment controller would make
        // (Deployment -> ReplicaSet -> pod), is not.
        UsageWriteBackTest.gatewayPod(client, A, "gw", "gw-1", "127.0.0.1");
        Deployment d = client.resource(new DeploymentBuilder().withNewMetadata().withName("gw").withNamespace(C)
                .withLabels(Map.of("app.kubernetes.io/name", "tollgate-gateway")).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app.kubernetes.io/name", "tollgate-gateway").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app.kubernetes.io/name", "tollgate-gateway").endMetadata()
                .withNewSpec().addNewContainer().withName("gateway").withImage("x").endContainer().endSpec().endTemplate()
                .endSpec().build()).create();
        ReplicaSet rs = client.resource(new ReplicaSetBuilder().withNewMetadata().withName("gw-5d9f8").withNamespace(C)
                .withLabels(Map.of("app.kubernetes.io/name", "tollgate-gateway"))
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName("gw")
                .withUid(d.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app.kubernetes.io/name", "tollgate-gateway")
                .endSelector().withTemplate(d.getSpec().getTemplate()).endSpec().build()).create();
        UsageWriteBackTest.pod(client, C, "gw-1", "127.0.0.3", Map.of("app.kubernetes.io/name", "tollgate-gateway"),
                new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet").withName("gw-5d9f8")
                        .withUid(rs.getMetadata().getUid()).withController(true).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> readsAt("127.0.0.1") > 0);
        Thread.sleep(2000); // ten scrape intervals, and time for any reconcile of scope-c to show

        assertThat(readsAt("127.0.0.3")).as("reads of the pod in scope-c").isZero();
        assertThat(get(GatewayDeployment.class, C, "gw").getStatus()).isNull();
        assertThat(get(VirtualKey.class, C, "k").getStatus()).isNull();
        assertThat(get(LlmModel.class, C, "m").getStatus()).isNull();
        assertThat(get(Budget.class, C, "b").getStatus()).isNull();
        assertThat(client.secrets().inNamespace(C).list().getItems()).as("Secrets in scope-c").isEmpty();
        assertThat(client.configMaps().inNamespace(C).list().getItems()).as("ConfigMaps in scope-c").isEmpty();
        assertThat(client.services().inNamespace(C).list().getItems()).as("Services in scope-c").isEmpty();
        assertThat(client.serviceAccounts().inNamespace(C).list().getItems()).as("ServiceAccounts in scope-c").isEmpty();
        assertThat(client.rbac().roles().inNamespace(C).list().getItems()).as("Roles in scope-c").isEmpty();
        assertThat(client.apps().deployments().inNamespace(C).withName("gw").get().getMetadata().getOwnerReferences())
                .as("the Deployment made by hand in scope-c is not taken over").isNullOrEmpty();

        assertInformersStayInScope();
    }

    /**
     * Every collection request (list or watch: a GET of a path ending in a resource type) of a namespaced kind names
     * scope-a or scope-b, each kind an informer reads is listed in both, and only Namespaces and CRDs are read
     * across the cluster. This test's own reads of scope-c (list of Secrets, ConfigMaps, ... above) are the only
     * collection requests there, and they carry no watch.
     */
    private void assertInformersStayInScope() throws InterruptedException {
        List<String> clusterWide = new ArrayList<>();
        List<String> outOfScope = new ArrayList<>();
        Map<String, Set<String>> kindsByNamespace = new ConcurrentHashMap<>();
        RecordedRequest r;
        while ((r = mock.getKubernetesMockServer().takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
            if (!r.getMethod().equals("GET")) {
                continue;
            }
            String path = r.getPath();
            String query = path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
            String[] segs = (path.contains("?") ? path.substring(0, path.indexOf('?')) : path).replaceFirst("^/", "").split("/");
            int prefix = segs[0].equals("api") ? 2 : 3; // /api/v1/... or /apis/group/version/...
            int rest = segs.length - prefix;
            if (rest == 1) {
                String plural = segs[prefix];
                if (!plural.equals("namespaces") && !plural.equals("customresourcedefinitions")) {
                    clusterWide.add(path);
                }
            } else if (rest == 3 && segs[prefix].equals("namespaces")) {
                String ns = segs[prefix + 1];
                boolean watch = query.contains("watch=true");
                if (ns.equals(A) || ns.equals(B)) {
                    kindsByNamespace.computeIfAbsent(ns, n -> new TreeSet<>()).add(segs[prefix + 2]);
                } else if (watch || !ns.equals(C)) {
                    outOfScope.add(path);
                }
            }
        }
        assertThat(clusterWide).as("namespaced kinds listed or watched across the cluster").isEmpty();
        assertThat(outOfScope).as("lists or watches outside scope-a and scope-b").isEmpty();
        for (String ns : List.of(A, B)) {
            assertThat(kindsByNamespace.get(ns)).as("kinds listed in %s", ns).contains(
                    "gatewaydeployments", "llmmodels", "virtualkeys", "budgets", // primaries and their cross-reads
                    "secrets", "configmaps", "serviceaccounts", "services", "deployments", "roles", "rolebindings", // dependents, input Secrets
                    "pods", "replicasets"); // the usage scraper
        }
    }
}
