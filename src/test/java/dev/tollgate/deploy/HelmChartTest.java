package dev.tollgate.deploy;

import static dev.tollgate.deploy.DeployManifestsTest.grants;
import static dev.tollgate.deploy.DeployManifestsTest.parseAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lints and renders the Helm chart deploy/helm/tollgate in-process (helm-java: Helm's Go code as a native library)
 * with the default values and with the value sets a platform team uses, and checks every rendered object: it parses
 * into Fabric8's typed model with no unknown field, no RBAC rule has a wildcard, every pod meets the "restricted" Pod
 * Security Standard, every image is pinned, and the cluster-wide RBAC is exactly what `kubectl kustomize deploy/`
 * renders (the same operator ClusterRole, leader-election Role and tenant roles).
 */
class HelmChartTest {
    static final Path CHART = Path.of("deploy/helm/tollgate");
    static final String NAMESPACE = "tollgate-system";
    static final String IMAGE_REPO = "ghcr.io/tollgate-dev/tollgate";
    /** A version tag (1.2.3, 1.2.3-rc.1) or a digest; never latest or a SNAPSHOT. */
    static final Pattern PINNED = Pattern.compile(".+(:v?\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.]+)?|@sha256:[0-9a-f]{64})");
    static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

    @TempDir
    static Path tmp;

    static List<JsonNode> defaults;

    @BeforeAll
    static void renderDefaults() throws IOException {
        defaults = render("");
    }

    // ---- The chart itself ----------------------------------------------------------------------------------------

    @Test
    void lintsClean() {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).as("helm lint --strict messages").noneMatch(m -> m.contains("[WARNING]")
                || m.contains("[ERROR]"));
    }

    @Test
    void chartVersionsArePinnedAndTheImageDefaultsToTheAppVersion() throws IOException {
        JsonNode chart = DeployManifestsTest.YAML.readTree(CHART.resolve("Chart.yaml").toFile());
        assertThat(chart.path("apiVersion").asText()).isEqualTo("v2");
        assertThat(chart.path("version").asText()).isEqualTo("0.1.0");
        assertThat(chart.path("appVersion").asText()).isEqualTo("0.1.0");
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f)).as("%s", f).doesNotContain("SNAPSHOT");
            }
        }
        Container c = operatorContainer(defaults);
        assertThat(c.getImage()).isEqualTo(IMAGE_REPO + ":0.1.0");
        assertThat(env(c, "TOLLGATE_GATEWAY_IMAGE")).isEqualTo(c.getImage());
    }

    @Test
    void valuesSchemaRefusesMisspeltAndFloatingValues() {
        for (String bad : List.of("watchNamespace: [team-a]\n", "image: {tag: latest}\n", "image: {tag: 0.2.0-SNAPSHOT}\n",
                "logLevel: TRACE\n", "watchNamespaces: [Team_A]\n", "monitoring: {serviceMonitor: {enable: true}}\n",
                "image: {digest: \"sha256:abc\"}\n")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> render(bad)).as(bad)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("values");
        }
    }

    // ---- Every rendering, every object ---------------------------------------------------------------------------

    /** The value sets the tests render besides the defaults; each must pass every check below. */
    static Map<String, String> valueSets() {
        Map<String, String> sets = new TreeMap<>();
        sets.put("defaults", "");
        sets.put("namespaced", "watchNamespaces: [team-a, team-b]\n");
        sets.put("monitoring", "monitoring:\n  forceApiVersion: true\n  serviceMonitor: {enabled: true, labels: {release: prom}}\n"
                + "  podMonitor: {enabled: true}\n  prometheusRule: {enabled: true, labels: {release: prom}}\n"
                + "  grafanaDashboard: {enabled: true, namespace: grafana}\n");
        sets.put("monitoring-namespaced", "watchNamespaces: [team-a]\nmonitoring:\n  forceApiVersion: true\n"
                + "  podMonitor: {enabled: true}\n");
        sets.put("pdb-netpol", "replicas: 2\npodDisruptionBudget: {enabled: true}\n"
                + "networkPolicy: {enabled: true, metricsFromNamespaces: [monitoring]}\n");
        sets.put("digest", "image: {digest: \"" + DIGEST + "\"}\nimagePullSecrets: [{name: regcred}]\n"
                + "nodeSelector: {kubernetes.io/os: linux}\ntolerations: [{key: dedicated, operator: Equal, value: ops, effect: NoSchedule}]\n"
                + "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: "
                + "[{matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]}]}}}\n"
                + "resources: {requests: {cpu: 200m, memory: 512Mi}, limits: {memory: 1Gi}}\nlogLevel: DEBUG\n"
                + "leaderElection: {leaseNamespace: ops}\n");
        return sets;
    }

    @Test
    void everyObjectOfEveryValueSetParsesIntoTheTypedModelWithoutUnknownFields() throws IOException {
        for (var set : valueSets().entrySet()) {
            List<JsonNode> docs = render(set.getValue());
            assertThat(docs).as("objects rendered with %s", set.getKey()).isNotEmpty();
            for (JsonNode doc : docs) {
                KubernetesResource typed = typed(doc);
                assertThat(typed).as("%s (%s): a kind Fabric8 knows", DeployManifestsTest.id(doc), set.getKey())
                        .isNotInstanceOf(GenericKubernetesResource.class);
                List<String> unknown = new ArrayList<>();
                unknownFields(typed, "", unknown, new IdentityHashMap<>());
                assertThat(unknown).as("fields of %s (%s) that are not in the schema", DeployManifestsTest.id(doc),
                        set.getKey()).isEmpty();
            }
        }
    }

    @Test
    void unknownFieldsAreSeen() {
        // Guards the walk above: a misspelt field anywhere in a pod template must be reported.
        JsonNode bad = parse("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  template:
                    spec:
                      containers:
                        - name: c
                          image: i
                          securityContext: {runAsNonroot: true}
                """).get(0);
        List<String> unknown = new ArrayList<>();
        unknownFields(typed(bad), "", unknown, new IdentityHashMap<>());
        assertThat(unknown).singleElement().asString().contains("runAsNonroot").contains("securityContext");
    }

    @Test
    void noRbacWildcardsInAnyValueSet() throws IOException {
        for (var set : valueSets().entrySet()) {
            List<PolicyRule> rules = new ArrayList<>();
            for (JsonNode doc : render(set.getValue())) {
                if (typed(doc) instanceof ClusterRole r) {
                    rules.addAll(r.getRules());
                } else if (typed(doc) instanceof Role r) {
                    rules.addAll(r.getRules());
                }
            }
            assertThat(rules).as("RBAC rules (%s)", set.getKey()).isNotEmpty();
            for (PolicyRule r : rules) {
                List<String> values = new ArrayList<>();
                Stream.of(r.getApiGroups(), r.getResources(), r.getVerbs(), r.getResourceNames(), r.getNonResourceURLs())
                        .forEach(values::addAll);
                assertThat(values).as("rule %s (%s)", r, set.getKey()).noneMatch(v -> v.contains("*"));
                assertThat(r.getVerbs()).as("rule %s", r).doesNotContain("escalate", "bind", "impersonate", "deletecollection");
            }
        }
    }

    @Test
    void everyPodIsRestrictedAndEveryImagePinned() throws IOException {
        for (var set : valueSets().entrySet()) {
            List<PodTemplateSpec> pods = new ArrayList<>();
            for (JsonNode doc : render(set.getValue())) {
                if (typed(doc) instanceof Deployment d) {
                    pods.add(d.getSpec().getTemplate());
                }
            }
            assertThat(pods).as("pod templates (%s)", set.getKey()).isNotEmpty();
            for (PodTemplateSpec t : pods) {
                assertRestricted(t.getSpec(), set.getKey());
            }
        }
    }

    static void assertRestricted(PodSpec pod, String set) {
        assertThat(pod.getHostNetwork()).as("hostNetwork (%s)", set).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getHostPID()).as("hostPID (%s)", set).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getHostIPC()).as("hostIPC (%s)", set).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getVolumes()).as("volumes (%s)", set).allSatisfy(v -> assertThat(v.getHostPath()).isNull());
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).as("pod runAsNonRoot (%s)", set).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).as("seccomp (%s)", set).isEqualTo("RuntimeDefault");
        List<Container> containers = new ArrayList<>(pod.getContainers());
        containers.addAll(pod.getInitContainers());
        for (Container c : containers) {
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as("allowPrivilegeEscalation (%s)", set).isFalse();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).as("drop (%s)", set).containsExactly("ALL");
            assertThat(c.getSecurityContext().getCapabilities().getAdd()).as("add (%s)", set).isEmpty();
            assertThat(c.getSecurityContext().getPrivileged()).as("privileged (%s)", set).isNotEqualTo(Boolean.TRUE);
            assertThat(Long.valueOf(0).equals(c.getSecurityContext().getRunAsUser())).as("runAsUser 0 (%s)", set).isFalse();
            assertThat(c.getPorts()).as("hostPort (%s)", set).allSatisfy(p -> assertThat(p.getHostPort()).isNull());
            assertPinned(c.getImage(), set);
            c.getEnv().stream().filter(e -> e.getName().endsWith("_IMAGE")).forEach(e -> assertPinned(e.getValue(), set));
        }
    }

    static void assertPinned(String image, String set) {
        assertThat(image).as("image (%s) is pinned by a version tag or a digest", set).matches(PINNED)
                .doesNotContainIgnoringCase("latest").doesNotContainIgnoringCase("snapshot");
    }

    @Test
    void pinningCheckRefusesFloatingImages() {
        for (String floating : List.of(IMAGE_REPO, IMAGE_REPO + ":latest", IMAGE_REPO + ":0.1.0-SNAPSHOT", IMAGE_REPO + ":main")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertPinned(floating, "test")).as(floating)
                    .isInstanceOf(AssertionError.class);
        }
        assertPinned(IMAGE_REPO + "@" + DIGEST, "digest");
        assertPinned(IMAGE_REPO + ":0.1.0", "tag");
    }

    // ---- Parity with the kustomize base --------------------------------------------------------------------------

    @Test
    void clusterWideRbacEqualsTheKustomizeBase() throws Exception {
        List<JsonNode> kustomize = parseAll(DeployManifestsTest.kubectl("kustomize", DeployManifestsTest.DEPLOY.toString()));
        for (String name : List.of("tollgate-operator", "tollgate-edit", "tollgate-view")) {
            ClusterRole chart = as(one(defaults, "ClusterRole", name), ClusterRole.class);
            ClusterRole base = as(one(kustomize, "ClusterRole", name), ClusterRole.class);
            assertThat(grants(chart.getRules())).as("ClusterRole %s: chart vs deploy/", name).isEqualTo(grants(base.getRules()));
            assertThat(chart.getMetadata().getLabels()).as("aggregation labels of %s", name)
                    .containsAllEntriesOf(aggregationLabels(base));
            assertThat(aggregationLabels(chart)).isEqualTo(aggregationLabels(base));
        }
        Role chartLease = as(one(defaults, "Role", "tollgate-operator-leader-election"), Role.class);
        Role baseLease = as(one(kustomize, "Role", "tollgate-operator-leader-election"), Role.class);
        assertThat(grants(chartLease.getRules())).as("leader-election Role: chart vs deploy/").isEqualTo(grants(baseLease.getRules()));
        assertThat(chartLease.getMetadata().getNamespace()).isEqualTo(NAMESPACE);

        // The same kinds of RBAC object, by name, in both (nothing extra granted by one of them).
        assertThat(rbacIds(defaults)).as("RBAC objects: chart (defaults) vs deploy/").isEqualTo(rbacIds(kustomize));
        ClusterRoleBinding b = as(one(defaults, "ClusterRoleBinding", "tollgate-operator"), ClusterRoleBinding.class);
        assertThat(b.getRoleRef().getName()).isEqualTo("tollgate-operator");
        assertThat(b.getSubjects()).extracting(Subject::getKind, Subject::getName, Subject::getNamespace)
                .containsExactly(tuple("ServiceAccount", "tollgate-operator", NAMESPACE));
    }

    @Test
    void tenantRolesLetEditorsManageKeysBudgetsAndLogSinksOnly() {
        Map<String, Set<String>> edit = grants(as(one(defaults, "ClusterRole", "tollgate-edit"), ClusterRole.class).getRules());
        Set<String> manage = Set.of("create", "update", "patch", "delete", "get", "list", "watch");
        Set<String> read = Set.of("get", "list", "watch");
        Map<String, Set<String>> expected = new TreeMap<>();
        for (String k : List.of("virtualkeys", "budgets", "logsinks", "prompts")) {
            expected.put("llm.tollgate.dev/" + k, manage);
        }
        for (String k : List.of("llmmodels", "gatewaydeployments")) {
            expected.put("llm.tollgate.dev/" + k, read);
        }
        for (String k : DeployManifestsTest.KINDS) {
            expected.put("llm.tollgate.dev/" + k + "/status", read);
        }
        assertThat(edit).as("tollgate-edit").isEqualTo(expected);

        Map<String, Set<String>> view = grants(as(one(defaults, "ClusterRole", "tollgate-view"), ClusterRole.class).getRules());
        assertThat(view.values()).as("tollgate-view is read-only").allSatisfy(v -> assertThat(v).isEqualTo(read));
        assertThat(view.keySet()).as("tollgate-view covers all six kinds and their status").isEqualTo(expected.keySet());

        assertThat(aggregationLabels(as(one(defaults, "ClusterRole", "tollgate-edit"), ClusterRole.class))).isEqualTo(Map.of(
                "rbac.authorization.k8s.io/aggregate-to-edit", "true", "rbac.authorization.k8s.io/aggregate-to-admin", "true"));
        assertThat(aggregationLabels(as(one(defaults, "ClusterRole", "tollgate-view"), ClusterRole.class)))
                .isEqualTo(Map.of("rbac.authorization.k8s.io/aggregate-to-view", "true"));

        assertThat(kinds(render("tenantRoles: {enabled: false}\n"), "ClusterRole")).as("tenant roles off")
                .containsExactly("tollgate-operator");
    }

    // ---- Watch scope ---------------------------------------------------------------------------------------------

    @Test
    void namespacedScopeGrantsARolePerWatchedNamespaceAndTellsTheOperator() {
        List<JsonNode> docs = render("watchNamespaces: [team-a, team-b]\n");
        ClusterRole base = as(one(defaults, "ClusterRole", "tollgate-operator"), ClusterRole.class);
        Map<String, Set<String>> clusterWide = grants(base.getRules());

        assertThat(kinds(docs, "ClusterRole")).as("no cluster-wide operator role").doesNotContain("tollgate-operator")
                .contains("tollgate-operator-cluster");
        Map<String, Set<String>> cluster = grants(as(one(docs, "ClusterRole", "tollgate-operator-cluster"), ClusterRole.class).getRules());
        assertThat(cluster.keySet()).as("cluster-scoped reads only").allMatch(k -> k.startsWith("/namespaces")
                || k.startsWith("apiextensions.k8s.io/customresourcedefinitions["));
        ClusterRoleBinding cb = as(one(docs, "ClusterRoleBinding", "tollgate-operator-cluster"), ClusterRoleBinding.class);
        assertThat(cb.getRoleRef().getName()).isEqualTo("tollgate-operator-cluster");

        List<Role> roles = docs.stream().filter(d -> d.path("kind").asText().equals("Role"))
                .map(d -> as(d, Role.class)).filter(r -> r.getMetadata().getName().equals("tollgate-operator")).toList();
        assertThat(roles).extracting(r -> r.getMetadata().getNamespace()).containsExactlyInAnyOrder("team-a", "team-b");
        for (Role r : roles) {
            Map<String, Set<String>> merged = new TreeMap<>(grants(r.getRules()));
            merged.putAll(cluster);
            assertThat(merged).as("Role in %s + the cluster reads = the cluster-wide ClusterRole", r.getMetadata().getNamespace())
                    .isEqualTo(clusterWide);
            RoleBinding rb = docs.stream().filter(d -> d.path("kind").asText().equals("RoleBinding"))
                    .map(d -> as(d, RoleBinding.class))
                    .filter(x -> x.getMetadata().getName().equals("tollgate-operator")
                            && x.getMetadata().getNamespace().equals(r.getMetadata().getNamespace()))
                    .findFirst().orElseThrow();
            assertThat(rb.getRoleRef().getKind()).isEqualTo("Role");
            assertThat(rb.getSubjects()).extracting(Subject::getName, Subject::getNamespace)
                    .containsExactly(tuple("tollgate-operator", NAMESPACE));
        }
        assertThat(env(operatorContainer(docs), "QUARKUS_OPERATOR_SDK_NAMESPACES")).isEqualTo("team-a,team-b");
        assertThat(env(operatorContainer(defaults), "QUARKUS_OPERATOR_SDK_NAMESPACES")).as("cluster-wide: not set").isNull();
    }

    // ---- Values --------------------------------------------------------------------------------------------------

    @Test
    void operatorDeploymentMatchesTheKustomizeOneAndFollowsTheValues() throws Exception {
        List<JsonNode> kustomize = parseAll(DeployManifestsTest.kubectl("kustomize", DeployManifestsTest.DEPLOY.toString()));
        Deployment base = as(one(kustomize, "Deployment", "tollgate-operator"), Deployment.class);
        Deployment chart = as(one(defaults, "Deployment", "tollgate-operator"), Deployment.class);
        Container b = base.getSpec().getTemplate().getSpec().getContainers().get(0);
        Container c = chart.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getArgs()).isEqualTo(b.getArgs());
        assertThat(c.getPorts()).isEqualTo(b.getPorts());
        assertThat(c.getStartupProbe()).isEqualTo(b.getStartupProbe());
        assertThat(c.getLivenessProbe()).isEqualTo(b.getLivenessProbe());
        assertThat(c.getReadinessProbe()).isEqualTo(b.getReadinessProbe());
        assertThat(c.getSecurityContext()).isEqualTo(b.getSecurityContext());
        assertThat(c.getResources()).isEqualTo(b.getResources());
        assertThat(c.getVolumeMounts()).isEqualTo(b.getVolumeMounts());
        assertThat(env(c, "JAVA_TOOL_OPTIONS")).isEqualTo(env(b, "JAVA_TOOL_OPTIONS"));
        assertThat(chart.getSpec().getTemplate().getSpec().getSecurityContext())
                .isEqualTo(base.getSpec().getTemplate().getSpec().getSecurityContext());
        assertThat(chart.getSpec().getTemplate().getSpec().getVolumes()).isEqualTo(base.getSpec().getTemplate().getSpec().getVolumes());
        assertThat(chart.getSpec().getSelector()).isEqualTo(base.getSpec().getSelector());
        assertThat(chart.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("tollgate-operator");
        assertThat(chart.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(env(c, "QUARKUS_LOG_LEVEL")).isEqualTo("INFO");
        assertThat(kinds(defaults, "PodDisruptionBudget")).isEmpty();
        assertThat(kinds(defaults, "NetworkPolicy")).isEmpty();

        List<JsonNode> custom = render(valueSets().get("digest"));
        Deployment d = as(one(custom, "Deployment", "tollgate-operator"), Deployment.class);
        Container dc = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(dc.getImage()).isEqualTo(IMAGE_REPO + "@" + DIGEST);
        assertThat(env(dc, "TOLLGATE_GATEWAY_IMAGE")).isEqualTo(dc.getImage());
        assertThat(env(dc, "QUARKUS_LOG_LEVEL")).isEqualTo("DEBUG");
        assertThat(env(dc, "TOLLGATE_OPERATOR_LEASE_NAMESPACE")).isEqualTo("ops");
        assertThat(dc.getResources().getLimits()).containsEntry("memory", new Quantity("1Gi"));
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("regcred");
        assertThat(pod.getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
        assertThat(pod.getAffinity().getNodeAffinity()).isNotNull();
        Role lease = as(one(custom, "Role", "tollgate-operator-leader-election"), Role.class);
        assertThat(lease.getMetadata().getNamespace()).as("the Lease's Role follows leaderElection.leaseNamespace").isEqualTo("ops");
    }

    @Test
    void pdbAndNetworkPolicyWhenAskedFor() {
        List<JsonNode> docs = render(valueSets().get("pdb-netpol"));
        Deployment d = as(one(docs, "Deployment", "tollgate-operator"), Deployment.class);
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        PodDisruptionBudget pdb = as(one(docs, "PodDisruptionBudget", "tollgate-operator"), PodDisruptionBudget.class);
        assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());

        NetworkPolicy np = as(one(docs, "NetworkPolicy", "tollgate-operator"), NetworkPolicy.class);
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(np.getSpec().getPodSelector().getMatchLabels());
        assertThat(np.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(np.getSpec().getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getPorts()).extracting(p -> p.getPort().getStrVal()).containsExactlyInAnyOrder("metrics", "http");
            assertThat(rule.getFrom()).singleElement().satisfies(peer -> {
                assertThat(peer.getPodSelector()).isNull();
                assertThat(peer.getIpBlock()).isNull();
                assertThat(peer.getNamespaceSelector().getMatchExpressions()).singleElement().satisfies(e -> {
                    assertThat(e.getKey()).isEqualTo("kubernetes.io/metadata.name");
                    assertThat(e.getOperator()).isEqualTo("In");
                    assertThat(e.getValues()).containsExactly("monitoring");
                });
            });
        });
        Set<String> containerPorts = Set.copyOf(d.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts()
                .stream().map(p -> p.getName()).toList());
        assertThat(containerPorts).contains("metrics", "http");

        NetworkPolicy closed = as(one(render("networkPolicy: {enabled: true}\n"), "NetworkPolicy", "tollgate-operator"), NetworkPolicy.class);
        assertThat(closed.getSpec().getIngress()).as("no namespace named: no ingress at all").isEmpty();
    }

    // ---- Monitoring ----------------------------------------------------------------------------------------------

    @Test
    void monitorsOnlyWhenEnabledAndThePrometheusOperatorApiIsThere() {
        // Enabled, but `helm template` without a cluster does not serve monitoring.coreos.com/v1: nothing rendered.
        List<JsonNode> noApi = render("monitoring: {serviceMonitor: {enabled: true}, podMonitor: {enabled: true}}\n");
        assertThat(kinds(noApi, "ServiceMonitor")).isEmpty();
        assertThat(kinds(noApi, "PodMonitor")).isEmpty();
        // The API forced, but the monitors off: nothing either.
        assertThat(kinds(render("monitoring: {forceApiVersion: true}\n"), "ServiceMonitor")).isEmpty();

        List<JsonNode> docs = render(valueSets().get("monitoring"));
        ServiceMonitor sm = as(one(docs, "ServiceMonitor", "tollgate-operator"), ServiceMonitor.class);
        var service = as(one(docs, "Service", "tollgate-operator-metrics"), io.fabric8.kubernetes.api.model.Service.class);
        assertThat(sm.getMetadata().getLabels()).containsEntry("release", "prom");
        assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(sm.getSpec().getSelector().getMatchLabels());
        assertThat(sm.getSpec().getNamespaceSelector().getMatchNames()).containsExactly(NAMESPACE);
        assertThat(sm.getSpec().getEndpoints()).singleElement().satisfies(e -> {
            assertThat(e.getPort()).isEqualTo(service.getSpec().getPorts().get(0).getName());
            assertThat(e.getPath()).isEqualTo("/q/metrics");
        });

        PodMonitor pm = as(one(docs, "PodMonitor", "tollgate-gateways"), PodMonitor.class);
        // The gateway pods' labels (pod template: Names.gatewayLabels) and management port name, as the operator sets them.
        var gw = new dev.tollgate.api.v1alpha1.GatewayDeployment();
        gw.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("gw").build());
        assertThat(Names.gatewayLabels(gw)).containsAllEntriesOf(pm.getSpec().getSelector().getMatchLabels());
        assertThat(pm.getSpec().getSelector().getMatchLabels()).isNotEmpty();
        assertThat(pm.getSpec().getNamespaceSelector().getAny()).isTrue();
        assertThat(pm.getSpec().getPodMetricsEndpoints()).singleElement().satisfies(e -> {
            assertThat(e.getPort()).isEqualTo(Names.METRICS_PORT_NAME);
            assertThat(e.getPath()).isEqualTo("/q/metrics");
        });

        PodMonitor scoped = as(one(render(valueSets().get("monitoring-namespaced")), "PodMonitor", "tollgate-gateways"), PodMonitor.class);
        assertThat(scoped.getSpec().getNamespaceSelector().getMatchNames()).containsExactly("team-a");
        assertThat(scoped.getSpec().getNamespaceSelector().getAny()).isNotEqualTo(Boolean.TRUE);
    }

    @Test
    void monitorsFollowTheApiVersionsTheClusterServes() throws IOException {
        // helm install --dry-run against a fake API server that serves only discovery: Helm fills
        // .Capabilities.APIVersions from it, then GETs every object it rendered (the conflict check), so the
        // objects the fake server is asked for are exactly the rendered ones. (helm-java 0.0.15's template has no
        // --api-versions option.)
        String values = "monitoring: {serviceMonitor: {enabled: true}, podMonitor: {enabled: true}}\n";
        try (FakeApiServer withPrometheusOperator = new FakeApiServer(true)) {
            withPrometheusOperator.dryRunInstall(values);
            assertThat(withPrometheusOperator.requested()).as("objects Helm rendered when monitoring.coreos.com/v1 is served")
                    .contains("/apis/monitoring.coreos.com/v1/namespaces/" + NAMESPACE + "/servicemonitors/tollgate-operator",
                            "/apis/monitoring.coreos.com/v1/namespaces/" + NAMESPACE + "/podmonitors/tollgate-gateways",
                            "/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments/tollgate-operator");
        }
        try (FakeApiServer without = new FakeApiServer(false)) {
            // Rendering a ServiceMonitor here would fail the install ("no matches for kind ServiceMonitor").
            without.dryRunInstall(values);
            assertThat(without.requested()).as("objects Helm rendered when the cluster has no Prometheus operator")
                    .contains("/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments/tollgate-operator")
                    .noneMatch(p -> p.contains("monitoring.coreos.com"));
        }
    }

    /**
     * An API server that answers discovery only (the groups and kinds the chart uses, monitoring.coreos.com/v1 when
     * asked) and 404 to everything else, recording the paths asked for. On loopback, for helm's dry-run install.
     */
    static final class FakeApiServer implements AutoCloseable {
        private final com.sun.net.httpserver.HttpServer server;
        private final List<String> requested = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Map<String, List<String[]>> groups = new java.util.LinkedHashMap<>();

        FakeApiServer(boolean prometheusOperator) throws IOException {
            groups.put("v1", List.of(new String[] {"serviceaccounts", "ServiceAccount", "true"},
                    new String[] {"services", "Service", "true"}, new String[] {"secrets", "Secret", "true"}));
            groups.put("apps/v1", List.<String[]>of(new String[] {"deployments", "Deployment", "true"}));
            groups.put("rbac.authorization.k8s.io/v1", List.of(new String[] {"clusterroles", "ClusterRole", "false"},
                    new String[] {"clusterrolebindings", "ClusterRoleBinding", "false"},
                    new String[] {"roles", "Role", "true"}, new String[] {"rolebindings", "RoleBinding", "true"}));
            groups.put("policy/v1", List.<String[]>of(new String[] {"poddisruptionbudgets", "PodDisruptionBudget", "true"}));
            groups.put("networking.k8s.io/v1", List.<String[]>of(new String[] {"networkpolicies", "NetworkPolicy", "true"}));
            if (prometheusOperator) {
                groups.put("monitoring.coreos.com/v1", List.of(new String[] {"servicemonitors", "ServiceMonitor", "true"},
                        new String[] {"podmonitors", "PodMonitor", "true"}));
            }
            server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                String path = exchange.getRequestURI().getPath();
                requested.add(path);
                String body = answer(path);
                byte[] bytes = (body == null ? "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                        + "\"reason\":\"NotFound\",\"code\":404}" : body).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            server.start();
        }

        private String answer(String path) {
            var json = DeployManifestsTest.YAML.createObjectNode();
            if (path.equals("/version")) {
                json.put("major", "1").put("minor", "31").put("gitVersion", "v1.31.0");
            } else if (path.equals("/api")) {
                json.put("kind", "APIVersions").putArray("versions").add("v1");
            } else if (path.equals("/apis")) {
                json.put("kind", "APIGroupList").put("apiVersion", "v1");
                var list = json.putArray("groups");
                groups.keySet().stream().filter(gv -> gv.contains("/")).forEach(gv -> {
                    var g = list.addObject().put("name", gv.substring(0, gv.indexOf('/')));
                    var v = DeployManifestsTest.YAML.createObjectNode().put("groupVersion", gv)
                            .put("version", gv.substring(gv.indexOf('/') + 1));
                    g.putArray("versions").add(v);
                    g.set("preferredVersion", v);
                });
            } else {
                String gv = path.startsWith("/api/") ? path.substring(5) : path.startsWith("/apis/") ? path.substring(6) : "";
                if (!groups.containsKey(gv)) {
                    return null;
                }
                json.put("kind", "APIResourceList").put("groupVersion", gv);
                var list = json.putArray("resources");
                for (String[] r : groups.get(gv)) {
                    list.addObject().put("name", r[0]).put("singularName", "").put("kind", r[1])
                            .put("namespaced", Boolean.parseBoolean(r[2])).putArray("verbs").add("get").add("list").add("create");
                }
            }
            return json.toString();
        }

        void dryRunInstall(String values) throws IOException {
            Path file = Files.createTempFile(tmp, "values", ".yaml");
            Files.writeString(file, values);
            String kubeconfig = """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: fake, cluster: {server: "http://127.0.0.1:%d"}}]
                    users: [{name: fake, user: {token: fake}}]
                    contexts: [{name: fake, context: {cluster: fake, user: fake, namespace: %s}}]
                    current-context: fake
                    """.formatted(server.getAddress().getPort(), NAMESPACE);
            new Helm(CHART).install().withName("tollgate").withNamespace(NAMESPACE).dryRun().disableOpenApiValidation()
                    .withKubeConfigContents(kubeconfig).withValuesFile(file).call();
        }

        List<String> requested() {
            return List.copyOf(requested);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    // ---- CRDs ----------------------------------------------------------------------------------------------------

    /** The chart's copies of deploy/monitoring's files (Helm reads files from the chart only). */
    static final List<String> MONITORING_FILES = List.of("prometheusrule.yaml", "grafana-dashboard.json");

    @Test
    void chartMonitoringFilesAreDeployMonitorings() throws IOException {
        for (String f : MONITORING_FILES) {
            Path source = Path.of("deploy/monitoring").resolve(f);
            Path copy = CHART.resolve("files").resolve(f);
            if (Boolean.getBoolean("update-generated")) {
                Files.copy(source, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            assertThat(copy).as("%s is a copy of %s (run the tests with -Dupdate-generated=true)", copy, source)
                    .hasSameTextualContentAs(source);
        }
    }

    @Test
    void monitoringEqualsTheKustomizeLayer() throws Exception {
        List<JsonNode> kustomized = parseAll(DeployManifestsTest.kubectl("kustomize", "deploy/monitoring"));
        List<JsonNode> docs = render(valueSets().get("monitoring"));

        // The alerts: the same rule groups, in the release namespace, with the extra labels asked for.
        JsonNode rule = one(docs, "PrometheusRule", "tollgate");
        assertThat(rule.path("spec")).isEqualTo(one(kustomized, "PrometheusRule", "tollgate").path("spec"));
        assertThat(rule.path("metadata").path("namespace").asText()).isEqualTo(NAMESPACE);
        assertThat(rule.path("metadata").path("labels").path("release").asText()).isEqualTo("prom");
        assertThat(rule.path("spec").path("groups").size()).isPositive();

        // The monitors set the same job labels, selectors, ports, paths and relabelings the rules rely on.
        JsonNode pm = one(docs, "PodMonitor", "tollgate-gateways").path("spec");
        JsonNode kpm = one(kustomized, "PodMonitor", "tollgate-gateways").path("spec");
        assertThat(pm).isEqualTo(kpm);
        JsonNode sm = one(docs, "ServiceMonitor", "tollgate-operator").path("spec");
        JsonNode ksm = one(kustomized, "ServiceMonitor", "tollgate-operator").path("spec");
        assertThat(sm.path("jobLabel")).isEqualTo(ksm.path("jobLabel"));
        assertThat(sm.path("endpoints")).isEqualTo(ksm.path("endpoints"));
        var service = as(one(docs, "Service", "tollgate-operator-metrics"), io.fabric8.kubernetes.api.model.Service.class);
        assertThat(service.getMetadata().getLabels())
                .containsEntry(ksm.path("jobLabel").asText(), "tollgate-operator")
                .containsAllEntriesOf(DeployManifestsTest.YAML.convertValue(ksm.path("selector").path("matchLabels"),
                        new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() { }));

        // The dashboard: the same JSON, where the Grafana sidecar looks.
        JsonNode cm = one(docs, "ConfigMap", "tollgate-grafana-dashboard");
        assertThat(cm.path("metadata").path("namespace").asText()).isEqualTo("grafana");
        assertThat(cm.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
        assertThat(DeployManifestsTest.YAML.readTree(cm.path("data").path("grafana-dashboard.json").asText()))
                .isEqualTo(DeployManifestsTest.YAML.readTree(Files.readString(Path.of("deploy/monitoring/grafana-dashboard.json"))));
        // Not rendered unless asked for.
        assertThat(kinds(defaults, "PrometheusRule")).isEmpty();
        assertThat(kinds(defaults, "ConfigMap")).isEmpty();
        assertThat(kinds(render("monitoring: {prometheusRule: {enabled: true}}\n"), "PrometheusRule"))
                .as("no PrometheusRule where the cluster does not serve monitoring.coreos.com/v1").isEmpty();
    }

    @Test
    void chartCrdsAreTheGeneratedOnes() throws IOException {
        // GeneratedFilesTest rewrites both with -Dupdate-generated=true; this checks them without Quarkus.
        List<String> committed;
        try (Stream<Path> s = Files.list(DeployManifestsTest.CRDS)) {
            committed = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml")).sorted().toList();
        }
        List<String> inChart;
        try (Stream<Path> s = Files.list(CHART.resolve("crds"))) {
            inChart = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(inChart).as("deploy/helm/tollgate/crds/").isEqualTo(committed).hasSize(6);
        for (String f : committed) {
            assertThat(Files.readString(CHART.resolve("crds").resolve(f))).as("chart crds/%s", f)
                    .isEqualTo(Files.readString(DeployManifestsTest.CRDS.resolve(f)));
        }
    }

    // ---- Helpers -------------------------------------------------------------------------------------------------

    /** helm template tollgate deploy/helm/tollgate -n tollgate-system -f <values>. */
    static List<JsonNode> render(String values) {
        try {
            TemplateCommand t = new Helm(CHART).template().withName("tollgate").withNamespace(NAMESPACE);
            if (!values.isBlank()) {
                Path file = Files.createTempFile(tmp, "values", ".yaml");
                Files.writeString(file, values);
                t = t.withValuesFile(file);
            }
            return parse(t.call());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static List<JsonNode> parse(String yaml) {
        try {
            return parseAll(yaml);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static KubernetesResource typed(JsonNode doc) {
        return DeployManifestsTest.K8S.convertValue(doc, KubernetesResource.class);
    }

    static <T> T as(JsonNode doc, Class<T> type) {
        return DeployManifestsTest.as(doc, type);
    }

    static JsonNode one(List<JsonNode> docs, String kind, String name) {
        List<JsonNode> found = docs.stream().filter(n -> n.path("kind").asText().equals(kind)
                && n.path("metadata").path("name").asText().equals(name)).toList();
        assertThat(found).as("%s %s rendered", kind, name).hasSize(1);
        return found.get(0);
    }

    static List<String> kinds(List<JsonNode> docs, String kind) {
        return docs.stream().filter(n -> n.path("kind").asText().equals(kind))
                .map(n -> n.path("metadata").path("name").asText()).toList();
    }

    static Set<String> rbacIds(List<JsonNode> docs) {
        return Set.copyOf(docs.stream().filter(n -> n.path("apiVersion").asText().startsWith("rbac.authorization.k8s.io/"))
                .map(n -> n.path("kind").asText() + " " + n.path("metadata").path("namespace").asText() + "/"
                        + n.path("metadata").path("name").asText()).toList());
    }

    static Map<String, String> aggregationLabels(HasMetadata o) {
        Map<String, String> out = new TreeMap<>();
        o.getMetadata().getLabels().forEach((k, v) -> {
            if (k.startsWith("rbac.authorization.k8s.io/aggregate-to-")) {
                out.put(k, v);
            }
        });
        return out;
    }

    static Container operatorContainer(List<JsonNode> docs) {
        Deployment d = as(one(docs, "Deployment", "tollgate-operator"), Deployment.class);
        return d.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("operator")).findFirst().orElseThrow();
    }

    static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
    }

    /**
     * Paths of fields Fabric8's model did not know: its classes keep them in additionalProperties instead of
     * failing, so a misspelt or misplaced field would otherwise pass. Walks every Fabric8 model object reachable
     * from {@code o}.
     */
    static void unknownFields(Object o, String path, List<String> out, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Enum<?>
                || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "/" + k, out, seen));
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object v : c) {
                unknownFields(v, path + "/" + i++, out, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        try {
            Method additional = o.getClass().getMethod("getAdditionalProperties");
            Object extra = additional.invoke(o);
            if (extra instanceof Map<?, ?> m && !m.isEmpty()) {
                out.add(path + " " + m.keySet());
            }
        } catch (NoSuchMethodException e) {
            // a model class without additionalProperties: nothing unknown can hide in it
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        for (Class<?> k = o.getClass(); k != null && k != Object.class; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getName().equals("additionalProperties")) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    unknownFields(f.get(o), path + "/" + f.getName(), out, seen);
                } catch (IllegalAccessException | RuntimeException e) {
                    throw new AssertionError("cannot read " + k.getName() + "." + f.getName(), e);
                }
            }
        }
    }
}
