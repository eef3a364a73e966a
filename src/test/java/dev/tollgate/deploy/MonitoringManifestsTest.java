package dev.tollgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.deploy.MonitoringFiles.Query;
import dev.tollgate.deploy.MonitoringFiles.Selector;
import dev.tollgate.operator.Names;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/monitoring as {@code kubectl apply -k deploy/monitoring/} installs it: the PodMonitor and ServiceMonitor
 * select the pods and Service the operator and deploy/ really make, on their real port; every alert is complete; the
 * dashboard is Grafana JSON whose every query names its job; and the PromQL tokenizer the scrape tests rely on reads
 * selectors right (and the check it feeds fails on a metric that does not exist).
 */
class MonitoringManifestsTest {
    static List<JsonNode> rendered;

    @BeforeAll
    static void render() throws Exception {
        rendered = DeployManifestsTest.parseAll(DeployManifestsTest.kubectl("kustomize", MonitoringFiles.DIR.toString()));
    }

    static JsonNode one(String kind) {
        List<JsonNode> found = rendered.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
        assertThat(found).as(kind).hasSize(1);
        return found.get(0);
    }

    @Test
    void rendersTheFourObjectsInTheOperatorsNamespace() {
        assertThat(rendered).extracting(d -> d.path("kind").asText())
                .containsExactlyInAnyOrder("PodMonitor", "ServiceMonitor", "PrometheusRule", "ConfigMap");
        for (JsonNode d : rendered) {
            assertThat(d.path("metadata").path("namespace").asText()).isEqualTo(DeployManifestsTest.NAMESPACE);
            if (!"ConfigMap".equals(d.path("kind").asText())) {
                assertThat(d.path("apiVersion").asText()).as(d.path("kind").asText()).isEqualTo("monitoring.coreos.com/v1");
            }
        }
    }

    @Test
    void thePodMonitorSelectsEveryGatewayPodOnItsManagementPort() {
        JsonNode pm = one("PodMonitor").path("spec");
        assertThat(pm.path("namespaceSelector").path("any").asBoolean()).as("gateways live in any namespace").isTrue();
        // the labels the operator puts on a gateway's pod template
        Map<String, String> podLabels = Names.gatewayLabels(dev.tollgate.Fixtures.gateway("team-a", "gw"));
        Map<String, String> selector = strings(pm.path("selector").path("matchLabels"));
        assertThat(selector).isNotEmpty().containsEntry("app.kubernetes.io/name", "tollgate-gateway");
        assertThat(podLabels).containsAllEntriesOf(selector);
        assertThat(pm.path("selector").path("matchExpressions").isMissingNode()).isTrue();
        // job="tollgate-gateway": the pod label the alerts' selectors rely on
        assertThat(podLabels.get(pm.path("jobLabel").asText())).isEqualTo(MonitoringFiles.GATEWAY_JOB);
        JsonNode ep = pm.path("podMetricsEndpoints");
        assertThat(ep).hasSize(1);
        assertThat(ep.get(0).path("port").asText()).isEqualTo(Names.METRICS_PORT_NAME);
        assertThat(ep.get(0).path("path").asText()).isEqualTo("/q/metrics");
        // gateway=<GatewayDeployment name>, from the instance label
        JsonNode relabel = ep.get(0).path("relabelings").get(0);
        assertThat(relabel.path("targetLabel").asText()).isEqualTo("gateway");
        assertThat(relabel.path("sourceLabels").get(0).asText()).isEqualTo("__meta_kubernetes_pod_label_app_kubernetes_io_instance");
        assertThat(podLabels).containsEntry("app.kubernetes.io/instance", "gw");
    }

    @Test
    void theServiceMonitorSelectsTheOperatorsMetricsService() throws Exception {
        JsonNode sm = one("ServiceMonitor").path("spec");
        JsonNode service = DeployManifestsTest.parseAll(DeployManifestsTest.kubectl("kustomize", DeployManifestsTest.DEPLOY.toString()))
                .stream().filter(d -> "Service".equals(d.path("kind").asText())
                        && "tollgate-operator-metrics".equals(d.path("metadata").path("name").asText())).findFirst().orElseThrow();
        Map<String, String> labels = strings(service.path("metadata").path("labels"));
        Map<String, String> selector = strings(sm.path("selector").path("matchLabels"));
        assertThat(selector).isNotEmpty();
        assertThat(labels).containsAllEntriesOf(selector);
        assertThat(labels.get(sm.path("jobLabel").asText())).isEqualTo(MonitoringFiles.OPERATOR_JOB);
        assertThat(sm.path("namespaceSelector").isMissingNode() || sm.path("namespaceSelector").isEmpty())
                .as("the Service lives next to the ServiceMonitor").isTrue();
        JsonNode ep = sm.path("endpoints");
        assertThat(ep).hasSize(1);
        List<String> ports = new ArrayList<>();
        service.path("spec").path("ports").forEach(p -> ports.add(p.path("name").asText()));
        assertThat(ports).contains(ep.get(0).path("port").asText());
        assertThat(ep.get(0).path("path").asText()).isEqualTo("/q/metrics");
        assertThat(ep.get(0).path("honorLabels").asBoolean())
                .as("the per-resource series keep the namespace of the resource they describe").isTrue();
    }

    @Test
    void everyAlertIsCompleteAndEveryRuleFileHoldsTheWholeObject() throws Exception {
        JsonNode file = MonitoringFiles.rule();
        assertThat(file).as("prometheusrule.yaml as the Helm chart embeds it").isEqualTo(stripNamespace(one("PrometheusRule"), file));
        Set<String> names = new HashSet<>();
        int alerts = 0;
        for (JsonNode group : file.path("spec").path("groups")) {
            assertThat(group.path("name").asText()).isNotBlank();
            for (JsonNode r : group.path("rules")) {
                String alert = r.path("alert").asText();
                assertThat(alert).as("every rule is an alert").matches("Tollgate[A-Za-z]+");
                assertThat(names.add(alert)).as("alert names are unique: " + alert).isTrue();
                assertThat(r.path("expr").asText()).as(alert).isNotBlank();
                assertThat(r.path("for").asText()).as(alert + " for:").matches("[0-9]+[mh]");
                assertThat(r.path("labels").path("severity").asText()).as(alert).isIn("critical", "warning", "info");
                for (String a : List.of("summary", "description", "runbook_url")) {
                    assertThat(r.path("annotations").path(a).asText()).as(alert + " " + a).isNotBlank();
                }
                assertThat(r.path("annotations").path("runbook_url").asText())
                        .as(alert + ": the README's runbook anchor").endsWith("#" + alert.toLowerCase(java.util.Locale.ROOT));
                alerts++;
            }
        }
        assertThat(names).contains("TollgateGatewayDown", "TollgateUpstreamErrorRateHigh", "TollgateBudgetNearLimit",
                "TollgateUsageCollectionFailing", "TollgateOperatorDown");
        // each alert has its runbook in the README
        String readme = MonitoringFiles.readString(java.nio.file.Path.of("README.md"));
        for (String alert : names) {
            assertThat(readme).as("README runbook entry for " + alert).contains("#### " + alert);
        }
        assertThat(alerts).isGreaterThanOrEqualTo(10);
    }

    /** The rendered object, with the namespace kustomize sets anyway taken as in the file. */
    private static JsonNode stripNamespace(JsonNode rendered, JsonNode file) {
        var copy = rendered.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) copy.path("metadata")).set("namespace", file.path("metadata").path("namespace"));
        return copy;
    }

    @Test
    void theDashboardIsGrafanaJsonAndItsConfigMapHoldsItForTheSidecar() {
        JsonNode d = MonitoringFiles.dashboard();
        assertThat(d.path("uid").asText()).isEqualTo("tollgate-overview");
        assertThat(d.path("title").asText()).isNotBlank();
        assertThat(d.path("schemaVersion").asInt()).isPositive();
        JsonNode ds = null;
        for (JsonNode v : d.path("templating").path("list")) {
            if ("datasource".equals(v.path("name").asText())) {
                ds = v;
            }
        }
        assertThat(ds).as("a datasource variable").isNotNull();
        assertThat(ds.path("type").asText()).isEqualTo("datasource");
        assertThat(ds.path("query").asText()).isEqualTo("prometheus");

        Set<Integer> ids = new HashSet<>();
        int withTargets = 0;
        for (JsonNode p : MonitoringFiles.panels(d)) {
            String title = p.path("title").asText();
            assertThat(ids.add(p.path("id").asInt())).as("unique panel id: " + title).isTrue();
            assertThat(p.path("gridPos").path("w").asInt()).as(title).isBetween(1, 24);
            if ("row".equals(p.path("type").asText())) {
                continue;
            }
            assertThat(p.path("datasource").path("uid").asText()).as(title).isEqualTo("${datasource}");
            assertThat(p.path("targets")).as(title + " has targets").isNotEmpty();
            for (JsonNode t : p.path("targets")) {
                assertThat(t.path("expr").asText()).as(title).isNotBlank();
                assertThat(t.path("refId").asText()).as(title).isNotBlank();
                assertThat(t.path("datasource").path("uid").asText()).as(title).isEqualTo("${datasource}");
            }
            withTargets++;
        }
        assertThat(withTargets).isGreaterThanOrEqualTo(15);

        JsonNode cm = one("ConfigMap");
        assertThat(cm.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
        assertThat(cm.path("data").path("grafana-dashboard.json").asText())
                .isEqualTo(MonitoringFiles.readString(MonitoringFiles.DIR.resolve("grafana-dashboard.json")));
    }

    @Test
    void everyQueryParsesAndEverySelectorNamesTheJobThatExportsIt() {
        List<Query> queries = MonitoringFiles.queries();
        Map<String, Set<String>> byJob = new TreeMap<>();
        for (Query q : queries) {
            List<Selector> selectors = MonitoringFiles.selectors(q.promql());
            assertThat(selectors).as(q.where() + " names a metric: " + q.promql()).isNotEmpty();
            for (Selector s : selectors) {
                assertThat(s.job()).as(q.where() + ": " + s.metric() + " names its job")
                        .isIn(MonitoringFiles.GATEWAY_JOB, MonitoringFiles.OPERATOR_JOB);
                byJob.computeIfAbsent(s.job(), j -> new java.util.TreeSet<>()).add(s.metric());
            }
        }
        assertThat(byJob.get(MonitoringFiles.GATEWAY_JOB)).contains("tollgate_request_duration_seconds_count",
                "tollgate_tokens_total", "jvm_memory_used_bytes", "up");
        assertThat(byJob.get(MonitoringFiles.OPERATOR_JOB)).contains("tollgate_budget_spend_micro_usd",
                "tollgate_operator_usage_reads_total", "operator_sdk_reconciliations_success_total", "up");
    }

    @Test
    void theTokenizerFindsMetricsNotFunctionsKeywordsLabelsOrStrings() {
        assertThat(MonitoringFiles.selectors("""
                sum by (model, provider) (rate(a_total{job="x", status=~"5..", s="by (b) c{d}"}[5m] offset 1h))
                / on (model) group_left (provider) sum without (pod) (rate(b_count{job="x"}[$__rate_interval]))
                > 0.05 and bool up unless histogram_quantile(0.95, sum by (le) (rate(c_bucket[5m]))) * 1e6
                + max(time() - d_seconds{job=~"y|z"}) + count_values("v", e) + topk(3, f:rule)
                """)).extracting(Selector::metric)
                .containsExactly("a_total", "b_count", "up", "c_bucket", "d_seconds", "e", "f:rule");
        Selector s = MonitoringFiles.selectors("rate(a_total{job=\"x\", status!~\"2..\"}[1m])").get(0);
        assertThat(s.matchers()).containsEntry("job", "=\"x\"").containsEntry("status", "!~\"2..\"");
        assertThat(s.job()).isEqualTo("x");
        assertThat(MonitoringFiles.selectors("a{job=~\"x\"}").get(0).job()).as("only job=\"...\" names one job").isNull();
        assertThatThrownBy(() -> MonitoringFiles.selectors("{__name__=\"a\"}")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theScrapeCheckFailsOnAMissingMetricOrLabel() {
        String scrape = """
                # TYPE tollgate_tokens counter
                tollgate_tokens_total{direction="input",model="m",provider="mock"} 3.0
                tollgate_request_duration_seconds_count{model="m",status="200"} 1.0
                """;
        List<Query> queries = List.of(
                new Query("ok", "rate(tollgate_tokens_total{job=\"tollgate-gateway\", model=\"m\"}[5m])"),
                new Query("typo", "rate(tollgate_token_total{job=\"tollgate-gateway\"}[5m])"),
                new Query("family, not a sample", "tollgate_tokens{job=\"tollgate-gateway\"}"),
                new Query("histogram never exported", "tollgate_request_duration_seconds_bucket{job=\"tollgate-gateway\"}"),
                new Query("no such label", "tollgate_request_duration_seconds_count{job=\"tollgate-gateway\", code=\"500\"}"),
                new Query("other job", "nothing_here{job=\"tollgate-operator\"}"),
                new Query("made by Prometheus", "up{job=\"tollgate-gateway\"}"));
        assertThat(MonitoringFiles.problems(MonitoringFiles.GATEWAY_JOB, scrape, queries)).containsExactly(
                "typo: metric tollgate_token_total is not in a scrape of tollgate-gateway",
                "family, not a sample: metric tollgate_tokens is not in a scrape of tollgate-gateway",
                "histogram never exported: metric tollgate_request_duration_seconds_bucket is not in a scrape of tollgate-gateway",
                "no such label: metric tollgate_request_duration_seconds_count has no label code (it has [model, status])");
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> out = new TreeMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
