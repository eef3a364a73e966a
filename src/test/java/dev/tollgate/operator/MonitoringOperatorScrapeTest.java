package dev.tollgate.operator;

import static dev.tollgate.Fixtures.budget;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.deploy.MonitoringFiles;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every metric the alerts and the dashboard of deploy/monitoring take from the operator (selectors with
 * {@code job="tollgate-operator"}) exists in a real operator's scrape, and the per-resource series say what the
 * resources' status says: an operator on the mock API server reconciles a Budget, an LlmModel and a
 * GatewayDeployment whose (fake) pod reports usage, then its own management port's /q/metrics is read.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(UsageWriteBackTest.FakePodUsage.class)
class MonitoringOperatorScrapeTest {
    @Inject
    KubernetesClient client;

    /** The management port (its root); scraped on the ServiceMonitor's path. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    String scrape() throws Exception {
        return MonitoringFiles.scrape(management.toURI().resolve(MonitoringFiles.operatorScrapePath()).toURL());
    }

    @Test
    void everyOperatorMetricTheRulesAndDashboardNameIsExported() throws Exception {
        String today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start().toString();
        String ns = "monitoring";
        if (client.namespaces().withName(ns).get() == null) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        var vk = key(ns, "k");
        vk.getSpec().setBudgetRefs(List.of("b"));
        client.resource(vk).createOr(e -> e.update());
        client.resource(budget(ns, "b", "1.00", "daily")).createOr(e -> e.update());
        client.resource(model(ns, "m", "m", "mock")).createOr(e -> e.update());
        long start = Instant.parse(today).toEpochMilli();
        UsageWriteBackTest.reportsAt.put("127.0.0.3", """
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"monitoring-a","startedAt":"2026-11-24T00:00:00Z",
                 "keys":{"monitoring/k":{"requests":5,"errors":0,"inputTokens":50,"outputTokens":100,"spendMicros":900000,
                                         "rpm":3,"tpm":90,"rateLimited":0,"lastUsedAt":"2026-11-24T12:00:00Z",
                                         "budgets":{"monitoring/b@%1$d":900000}}},
                 "models":{"monitoring/m":{"requests":5,"errors":0,"inputTokens":50,"outputTokens":100,"spendMicros":900000,
                                           "rpm":3,"tpm":90,"upstreamFailures":0}},
                 "budgets":{"monitoring/b@%1$d":{"budget":"monitoring/b","periodStart":"%2$s","spendMicros":900000}},
                 "config":"cfg-monitoring-a"}
                """.formatted(start, today));
        // an alert channel whose Secret is missing: the budget's NearLimit alert is counted as failed
        var gw = dev.tollgate.Fixtures.gateway(ns, "gw");
        var channel = new dev.tollgate.api.v1alpha1.AlertChannelSpec();
        channel.setName("ops");
        channel.setType("webhook");
        channel.setUrl(new dev.tollgate.api.v1alpha1.SecretKeyRef("no-such-secret", "url"));
        var alerts = new dev.tollgate.api.v1alpha1.AlertsSpec();
        alerts.setChannels(List.of(channel));
        var observability = new dev.tollgate.api.v1alpha1.ObservabilitySpec();
        observability.setAlerts(alerts);
        gw.getSpec().setObservability(observability);
        client.resource(gw).createOr(e -> e.update());
        UsageWriteBackTest.gatewayPod(client, ns, "gw", "gw-mon", "127.0.0.3");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                client.resources(Budget.class).inNamespace(ns).withName("b").get().getStatus().getSpend()).isEqualTo("0.90"));

        // the series mirror the status, by namespace and name only
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(scrape())
                .contains("tollgate_budget_spend_micro_usd{budget=\"b\",namespace=\"monitoring\"} 900000.0")
                .contains("tollgate_budget_limit_micro_usd{budget=\"b\",namespace=\"monitoring\"} 1000000.0")
                .contains("tollgate_budget_alert_threshold_percent{budget=\"b\",namespace=\"monitoring\"} 80.0")
                .contains("tollgate_gateway_replicas_desired{gateway=\"gw\",namespace=\"monitoring\"} 1.0")
                .contains("tollgate_gateway_spend_micro_usd_total{gateway=\"gw\",namespace=\"monitoring\"} 900000.0")
                .contains("tollgate_llmmodel_spend_micro_usd_total{llmmodel=\"m\",namespace=\"monitoring\"} 900000.0")
                .contains("tollgate_operator_usage_collecting 1.0")
                .containsPattern("tollgate_operator_alerts_total\\{channel=\"ops\",event=\"BudgetNearLimit\",result=\"failed\"} 1.0")
                .containsPattern("tollgate_operator_usage_reads_total\\{result=\"ok\"} [1-9]"));
        String scrape = scrape();
        assertThat(scrape).doesNotContain("sk-tg-");
        assertThat(MonitoringFiles.problems(MonitoringFiles.OPERATOR_JOB, scrape)).isEmpty();
        // the README's table of metrics says what the scrape holds: the same operator metrics, with the same labels
        assertThat(MonitoringFiles.tollgateSamples(scrape)).as("README.md, Monitoring: the operator's rows")
                .isEqualTo(MonitoringFiles.readmeMetrics("operator"));

        // a deleted Budget's series go with it
        client.resources(Budget.class).inNamespace(ns).withName("b").delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(scrape())
                .doesNotContain("budget=\"b\",namespace=\"monitoring\"")
                .contains("tollgate_gateway_replicas_desired{gateway=\"gw\",namespace=\"monitoring\"}"));
    }
}
