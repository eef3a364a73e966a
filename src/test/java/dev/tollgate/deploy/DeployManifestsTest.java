package dev.tollgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tollgate.operator.OperatorLifecycle;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Renders deploy/ with {@code kubectl kustomize} (what {@code kubectl apply -k deploy/} installs) and checks it:
 * the CRDs are exactly the generated ones in crds/, the RBAC is exactly what the operator needs (least
 * privilege, no wildcards), the operator pod is hardened and probed, everything namespaced is in
 * tollgate-system. Needs kubectl on the PATH (CI installs it); fails, never skips, without it.
 */
class DeployManifestsTest {
    static final Path DEPLOY = Path.of("deploy");
    static final Path CRDS = Path.of("crds");
    static final String NAMESPACE = "tollgate-system";
    static final String IMAGE_REPO = "ghcr.io/tollgate-dev/tollgate";
    static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "CustomResourceDefinition", "ClusterRole",
            "ClusterRoleBinding");
    static final List<String> KINDS = List.of("gatewaydeployments", "llmmodels", "virtualkeys", "budgets",
            "logsinks", "prompts");
    static final Set<String> READ = Set.of("get", "list", "watch");

    static final YAMLMapper YAML = new YAMLMapper();
    static final KubernetesSerialization K8S = new KubernetesSerialization();

    static List<JsonNode> rendered;

    @BeforeAll
    static void render() throws Exception {
        rendered = parseAll(kubectl("kustomize", DEPLOY.toString()));
        assertThat(rendered).as("kubectl kustomize deploy/ rendered nothing").isNotEmpty();
    }

    // ---- CRDs ---------------------------------------------------------------------------------------------

    @Test
    void installsExactlyTheGeneratedCrds() throws IOException {
        Map<String, JsonNode> committed = new TreeMap<>();
        try (Stream<Path> files = Files.list(CRDS)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".llm.tollgate.dev-v1.yml")).toList()) {
                JsonNode crd = YAML.readTree(f.toFile());
                committed.put(crd.path("metadata").path("name").asText(), crd);
            }
        }
        assertThat(committed.keySet()).as("CRDs committed in crds/").containsExactlyInAnyOrderElementsOf(
                KINDS.stream().map(k -> k + ".llm.tollgate.dev").toList());

        Map<String, JsonNode> installed = new TreeMap<>();
        ofKind("CustomResourceDefinition").forEach(n -> installed.put(n.path("metadata").path("name").asText(), n));
        assertThat(installed.keySet()).as("CRDs deploy/ installs (crds/kustomization.yaml must list every generated"
                + " CRD)").isEqualTo(committed.keySet());
        committed.forEach((name, crd) -> {
            List<String> differences = new ArrayList<>();
            diff(crd, installed.get(name), "", differences);
            assertThat(differences).as("%s as rendered by deploy/ differs from crds/ at these paths (no patch, label or "
                    + "namespace may touch the CRDs)", name).isEmpty();
        });
    }

    @Test
    void crdComparisonSeesADifference() throws IOException {
        // Guards the comparison above: it must not pass everything.
        JsonNode a = YAML.readTree("spec: {maximum: 100.0, names: [a, b], x: {y: '1'}}");
        List<String> none = new ArrayList<>();
        diff(a, YAML.readTree("spec: {maximum: 100, names: [a, b], x: {y: '1'}}"), "", none);
        assertThat(none).as("100.0 and 100 are the same JSON number").isEmpty();
        List<String> some = new ArrayList<>();
        diff(a, YAML.readTree("metadata: {labels: {l: v}}\nspec: {maximum: 99, names: [a], x: {y: 1}}"), "", some);
        assertThat(some).containsExactlyInAnyOrder("/metadata", "/spec/maximum", "/spec/names", "/spec/x/y");
    }

    // ---- RBAC -----------------------------------------------------------------------------------------------

    @Test
    void noRbacRuleUsesAWildcardOrAnEscalatingVerb() {
        List<PolicyRule> rules = new ArrayList<>();
        ofKind("ClusterRole").forEach(n -> rules.addAll(as(n, ClusterRole.class).getRules()));
        ofKind("Role").forEach(n -> rules.addAll(as(n, Role.class).getRules()));
        assertThat(rules).as("RBAC rules in deploy/").isNotEmpty();
        for (PolicyRule r : rules) {
            List<String> values = new ArrayList<>();
            Stream.of(r.getApiGroups(), r.getResources(), r.getVerbs(), r.getResourceNames(), r.getNonResourceURLs())
                    .forEach(values::addAll);
            assertThat(values).as("rule %s", r).noneMatch(v -> v.contains("*"));
            assertThat(r.getVerbs()).as("rule %s", r).doesNotContain("escalate", "bind", "impersonate", "deletecollection");
            assertThat(r.getNonResourceURLs()).as("rule %s", r).isEmpty();
        }
    }

    @Test
    void clusterRoleGrantsExactlyWhatTheOperatorNeeds() throws IOException {
        ClusterRole role = clusterRole();
        // Dependents are written with create/update (PUT) while SSA is off; with SSA every write is a patch. What the
        // operator owns goes with its owner (garbage collection); it deletes only a gateway's optional objects, when
        // the spec stops asking for them (reconcilePrecondition false).
        boolean ssa = Boolean.parseBoolean(applicationProperties().getProperty("quarkus.operator-sdk.enable-ssa", "true"));
        Set<String> write = new TreeSet<>(Set.of("get", "list", "watch", "create", "update"));
        if (ssa) {
            write.add("patch");
        }

        Map<String, Set<String>> expected = new TreeMap<>();
        for (String k : KINDS) {
            expected.put("llm.tollgate.dev/" + k, READ);
            expected.put("llm.tollgate.dev/" + k + "/status", Set.of("patch"));
            expected.put("apiextensions.k8s.io/customresourcedefinitions[" + k + ".llm.tollgate.dev]", Set.of("get"));
        }
        expected.put("/namespaces", READ);
        expected.put("/pods", READ); // the gateway pods whose usage reports the operator reads
        expected.put("apps/replicasets", READ); // which Deployment a gateway pod belongs to (pod -> ReplicaSet -> Deployment)
        expected.put("/events", Set.of("create")); // the Budget's NearLimit alert
        for (String r : List.of("secrets", "configmaps", "services", "serviceaccounts")) {
            expected.put("/" + r, write);
        }
        expected.put("apps/deployments", write);
        expected.put("rbac.authorization.k8s.io/roles", write);
        expected.put("rbac.authorization.k8s.io/rolebindings", write);
        Set<String> writeAndDelete = new TreeSet<>(write);
        writeAndDelete.add("delete");
        expected.put("autoscaling/horizontalpodautoscalers", writeAndDelete);
        expected.put("policy/poddisruptionbudgets", writeAndDelete);
        expected.put("networking.k8s.io/networkpolicies", writeAndDelete);

        Map<String, Set<String>> granted = grants(role.getRules());
        assertThat(granted).as("ClusterRole tollgate-operator, as group/resource[name] -> verbs (enable-ssa=%s)", ssa)
                .isEqualTo(expected);

        // The ones the operator cannot work without, spelled out.
        for (String k : KINDS) {
            assertThat(granted.get("llm.tollgate.dev/" + k + "/status")).as("%s/status", k).contains("patch");
            assertThat(granted).as("no finalizers: no reconciler is a Cleaner").doesNotContainKey("llm.tollgate.dev/" + k + "/finalizers");
        }
        assertThat(granted.get("/secrets")).as("secrets (<vk>-key, <gw>-secrets)").contains("create", "update", "list", "watch");
        assertThat(granted.get("apps/deployments")).as("deployments").contains("create", "update");
        assertThat(granted.get("rbac.authorization.k8s.io/roles")).as("roles").contains("create");
        assertThat(granted.get("rbac.authorization.k8s.io/rolebindings")).as("rolebindings").contains("create");
        // The gateway Role grants get/list/watch on configmaps and secrets: RBAC requires the operator to hold them.
        assertThat(granted.get("/configmaps")).containsAll(READ);
        assertThat(granted.get("/secrets")).containsAll(READ);
        assertThat(granted.keySet()).as("the Lease is granted by the namespaced Role only").noneMatch(k -> k.contains("leases"));
    }

    @Test
    void leaderElectionLeaseIsGrantedInTheOperatorNamespaceOnly() throws Exception {
        String lease = leaseName();
        Role role = as(one("Role", "tollgate-operator-leader-election"), Role.class);
        assertThat(role.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(role.getRules()).as("Role rules").allSatisfy(r -> {
            assertThat(r.getApiGroups()).containsExactly("coordination.k8s.io");
            assertThat(r.getResources()).containsExactly("leases");
        });
        Map<String, Set<String>> granted = grants(role.getRules());
        assertThat(granted).as("Role %s", role.getMetadata().getName()).isEqualTo(Map.of(
                "coordination.k8s.io/leases", Set.of("create"),
                "coordination.k8s.io/leases[" + lease + "]", Set.of("get", "update", "patch")));
        // JOSDK refuses to start unless create, update and get are granted on leases (unnamed or this lease):
        Set<String> usable = new TreeSet<>();
        role.getRules().stream().filter(r -> r.getResourceNames().isEmpty() || r.getResourceNames().contains(lease))
                .forEach(r -> usable.addAll(r.getVerbs()));
        assertThat(usable).as("JOSDK LeaderElectionManager.checkLeaseAccess + Fabric8 LeaseLock (patch)")
                .contains("create", "update", "get", "patch");

        RoleBinding binding = as(one("RoleBinding", "tollgate-operator-leader-election"), RoleBinding.class);
        assertThat(binding.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getSubjects()).extracting(Subject::getKind, Subject::getName, Subject::getNamespace)
                .containsExactly(tuple("ServiceAccount", serviceAccountName(), NAMESPACE));
    }

    // ---- The operator's Deployment ---------------------------------------------------------------------------

    @Test
    void operatorDeploymentRunsHardenedAndProbed() throws Exception {
        Deployment d = as(one("Deployment", "tollgate-operator"), Deployment.class);
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers()).hasSize(1);
        Container c = pod.getContainers().get(0);
        Properties app = applicationProperties();

        assertThat(c.getArgs()).containsExactly("operator");
        // The release this version becomes: deploy/ names only immutable tags (ImmutableTagsTest).
        assertThat(c.getImage()).isEqualTo(IMAGE_REPO + ":" + projectVersion().replaceFirst("-SNAPSHOT$", ""));
        assertThat(c.getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
                .contains(tuple("TOLLGATE_GATEWAY_IMAGE", c.getImage()));

        assertThat(c.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort).containsExactlyInAnyOrder(
                tuple("http", Integer.valueOf(app.getProperty("quarkus.http.port"))),
                tuple("metrics", Integer.valueOf(app.getProperty("quarkus.management.port"))));
        assertProbe(c.getReadinessProbe(), "readiness", "/health/readiness");
        assertProbe(c.getLivenessProbe(), "liveness", "/health/liveness");

        assertThat(pod.getSecurityContext().getRunAsNonRoot()).as("pod runAsNonRoot").isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as("readOnlyRootFilesystem").isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as("allowPrivilegeEscalation").isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).isEmpty();
        assertThat(c.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(c.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo("/tmp");
            Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst().orElseThrow();
            assertThat(v.getEmptyDir()).as("/tmp is an emptyDir").isNotNull();
        });
        Map<String, Quantity> requests = c.getResources().getRequests();
        assertThat(requests).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).containsKey("memory");
        assertThat(Quantity.getAmountInBytes(c.getResources().getLimits().get("memory")))
                .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(requests.get("memory")));

        // Runs as the ServiceAccount the ClusterRoleBinding grants the ClusterRole to.
        String sa = serviceAccountName();
        assertThat(pod.getServiceAccountName()).isEqualTo(sa);
        assertThat(pod.getAutomountServiceAccountToken()).as("the operator needs its token").isNotEqualTo(Boolean.FALSE);
        assertThat(one("ServiceAccount", sa).path("metadata").path("namespace").asText()).isEqualTo(NAMESPACE);
        assertThat(d.getSpec().getSelector().getMatchLabels()).isNotEmpty();
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());

        Service metrics = as(one("Service", "tollgate-operator-metrics"), Service.class);
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(metrics.getSpec().getSelector());
        assertThat(metrics.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("metrics");
            assertThat(p.getPort()).isEqualTo(Integer.valueOf(app.getProperty("quarkus.management.port")));
        });
    }

    private static void assertProbe(Probe probe, String what, String path) {
        assertThat(probe).as("%s probe", what).isNotNull();
        assertThat(probe.getHttpGet()).as("%s probe is an HTTP GET", what).isNotNull();
        assertThat(probe.getHttpGet().getPath()).as("%s probe path", what).isEqualTo(path);
        assertThat(probe.getHttpGet().getPort().getStrVal()).as("%s probe port", what).isEqualTo("http");
    }

    @Test
    void clusterRoleBindingBindsTheClusterRoleToTheOperatorServiceAccount() {
        ClusterRoleBinding b = as(one("ClusterRoleBinding", "tollgate-operator"), ClusterRoleBinding.class);
        assertThat(b.getRoleRef().getKind()).isEqualTo("ClusterRole");
        assertThat(b.getRoleRef().getName()).isEqualTo(clusterRole().getMetadata().getName());
        assertThat(b.getSubjects()).extracting(Subject::getKind, Subject::getName, Subject::getNamespace)
                .containsExactly(tuple("ServiceAccount", "tollgate-operator", NAMESPACE));
    }

    // ---- Namespaces and labels ------------------------------------------------------------------------------

    @Test
    void everyNamespacedObjectIsInTollgateSystem() {
        assertThat(one("Namespace", NAMESPACE)).isNotNull();
        for (JsonNode n : rendered) {
            String kind = n.path("kind").asText();
            JsonNode ns = n.path("metadata").path("namespace");
            if (CLUSTER_SCOPED.contains(kind)) {
                assertThat(ns.isMissingNode()).as("%s has no namespace", id(n)).isTrue();
            } else {
                assertThat(ns.asText()).as("namespace of %s", id(n)).isEqualTo(NAMESPACE);
            }
        }
        assertThat(rendered).extracting(n -> n.path("kind").asText()).as("kinds").contains("ServiceAccount", "Role",
                "RoleBinding", "Deployment", "Service");
    }

    @Test
    void everyObjectButTheCrdsIsLabelledAndNoneLooksOperatorOwned() {
        for (JsonNode n : rendered) {
            JsonNode labels = n.path("metadata").path("labels");
            if (n.path("kind").asText().equals("CustomResourceDefinition")) {
                continue;
            }
            assertThat(labels.path("app.kubernetes.io/part-of").asText()).as("part-of label of %s", id(n)).isEqualTo("tollgate");
            assertThat(labels.path("app.kubernetes.io/name").asText()).as("name label of %s", id(n)).isNotEmpty();
            // The operator's informers select app.kubernetes.io/managed-by=tollgate-operator: that is its own objects.
            assertThat(labels.path("app.kubernetes.io/managed-by").asText()).as("managed-by label of %s", id(n))
                    .isNotEqualTo("tollgate-operator");
        }
    }

    // ---- Helpers --------------------------------------------------------------------------------------------

    /** group/resource (and [resourceName] when restricted) -> verbs, over all rules. */
    static Map<String, Set<String>> grants(List<PolicyRule> rules) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (PolicyRule r : rules) {
            for (String g : r.getApiGroups()) {
                for (String res : r.getResources()) {
                    List<String> keys = r.getResourceNames().isEmpty() ? List.of(g + "/" + res)
                            : r.getResourceNames().stream().map(name -> g + "/" + res + "[" + name + "]").toList();
                    keys.forEach(k -> out.computeIfAbsent(k, x -> new TreeSet<>()).addAll(r.getVerbs()));
                }
            }
        }
        return out;
    }

    /** JSON pointers where {@code a} and {@code b} differ; numbers compare by value (kustomize writes 100.0 as 100). */
    static void diff(JsonNode a, JsonNode b, String path, List<String> out) {
        if (a == null || b == null || a.isMissingNode() || b.isMissingNode()) {
            out.add(path);
        } else if (a.isNumber() && b.isNumber()) {
            if (a.decimalValue().compareTo(b.decimalValue()) != 0) {
                out.add(path);
            }
        } else if (a.isObject() && b.isObject()) {
            Set<String> names = new TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            names.forEach(f -> diff(a.get(f), b.get(f), path + "/" + f, out));
        } else if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                out.add(path);
            } else {
                for (int i = 0; i < a.size(); i++) {
                    diff(a.get(i), b.get(i), path + "/" + i, out);
                }
            }
        } else if (!a.equals(b)) {
            out.add(path);
        }
    }

    static ClusterRole clusterRole() {
        return as(one("ClusterRole", "tollgate-operator"), ClusterRole.class);
    }

    /** The ServiceAccount the ClusterRoleBinding grants the ClusterRole to. */
    static String serviceAccountName() {
        ClusterRoleBinding b = as(one("ClusterRoleBinding", "tollgate-operator"), ClusterRoleBinding.class);
        assertThat(b.getSubjects()).hasSize(1);
        return b.getSubjects().get(0).getName();
    }

    /** The Lease name the operator really uses (OperatorLifecycle's LeaderElectionConfiguration). */
    static String leaseName() throws Exception {
        Method m = OperatorLifecycle.class.getDeclaredMethod("leaderElection");
        m.setAccessible(true);
        return ((LeaderElectionConfiguration) m.invoke(new OperatorLifecycle(null, null, null))).getLeaseName();
    }

    static Properties applicationProperties() throws IOException {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
            p.load(r);
        }
        return p;
    }

    static String projectVersion() throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        var children = doc.getDocumentElement().getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i).getNodeName().equals("version")) {
                return children.item(i).getTextContent().trim();
            }
        }
        throw new AssertionError("pom.xml has no project version");
    }

    static List<JsonNode> ofKind(String kind) {
        return rendered.stream().filter(n -> n.path("kind").asText().equals(kind)).toList();
    }

    static JsonNode one(String kind, String name) {
        List<JsonNode> found = ofKind(kind).stream()
                .filter(n -> n.path("metadata").path("name").asText().equals(name)).toList();
        assertThat(found).as("%s %s in the rendered deploy/", kind, name).hasSize(1);
        return found.get(0);
    }

    static <T> T as(JsonNode node, Class<T> type) {
        return K8S.convertValue(node, type);
    }

    static String id(JsonNode n) {
        return n.path("kind").asText() + " " + n.path("metadata").path("name").asText();
    }

    static List<JsonNode> parseAll(String yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(new StringReader(yaml))) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isEmpty()) {
                    docs.add(n);
                }
            }
        }
        return docs;
    }

    /** Runs kubectl from the project root; fails (does not skip) when kubectl is missing or fails. */
    static String kubectl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("kubectl"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(false).start();
        } catch (IOException e) {
            return fail("kubectl is not on the PATH (" + e.getMessage() + "). DeployManifestsTest renders deploy/ with "
                    + "`kubectl kustomize`: install kubectl (https://kubernetes.io/docs/tasks/tools/); CI has it.");
        }
        p.getOutputStream().close();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return fail(String.join(" ", command) + " did not finish within 120 s");
        }
        String stdout = new String(out.get(), StandardCharsets.UTF_8);
        String stderr = new String(err.get(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            return fail(String.join(" ", command) + " failed (exit " + p.exitValue() + "):\n" + stderr);
        }
        return stdout;
    }

    private static byte[] readAll(InputStream in) {
        try (in; ByteArrayOutputStream b = new ByteArrayOutputStream()) {
            in.transferTo(b);
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
