package dev.tollgate.operator.alerts;

import static dev.tollgate.Fixtures.budget;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.AlertChannelSpec;
import dev.tollgate.api.v1alpha1.AlertsSpec;
import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.DailyReportSpec;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.ObservabilitySpec;
import dev.tollgate.api.v1alpha1.SecretKeyRef;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.BudgetPeriods;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's alerts end to end on the Fabric8 mock server: fake gateway pods serve usage reports (one loopback
 * address per pod, as in UsageWriteBackTest), the operator writes status from them, and its alerts go to a fake Slack
 * ({@link FakeSlack}, following Slack's documented answers). Each event is sent once, however often the operator
 * re-evaluates and after its in-memory state is reset as by a restart; the webhook URL appears nowhere but in the
 * request to Slack.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(AlertsOperatorTest.Profile.class)
class AlertsOperatorTest {
    static final Map<String, String> reportsAt = new ConcurrentHashMap<>();
    static HttpServer pods;
    static FakeSlack slack;
    static final List<String> logs = new CopyOnWriteArrayList<>();
    static final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            String m = r instanceof org.jboss.logmanager.ExtLogRecord ext ? ext.getFormattedMessage() : r.getMessage();
            logs.add(m + (r.getThrown() == null ? "" : " " + r.getThrown()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                slack = new FakeSlack();
                pods = Vertx.vertx().createHttpServer().requestHandler(req -> {
                    String report = reportsAt.get(req.localAddress().hostAddress());
                    if (report == null || "fail".equals(report)) {
                        req.response().setStatusCode(503).end();
                    } else {
                        req.response().putHeader("content-type", "application/json").end(report);
                    }
                }).listen(0, "0.0.0.0").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Map.of("tollgate.operator.usage-port", Integer.toString(pods.actualPort()),
                    "tollgate.operator.usage-scrape-interval-millis", "200",
                    "tollgate.operator.metrics-refresh-millis", "300",
                    "tollgate.operator.alerts-interval-millis", "200",
                    "tollgate.operator.alerts-retry-backoff-millis", "20");
        }
    }

    @Inject
    KubernetesClient client;
    @Inject
    Alerts alerts;
    @Inject
    MeterRegistry registry;

    @BeforeAll
    static void captureLogs() {
        java.util.logging.Logger.getLogger("").addHandler(capture);
    }

    @AfterAll
    static void release() {
        java.util.logging.Logger.getLogger("").removeHandler(capture);
    }

    @AfterEach
    void cleanUp() {
        alerts.useClock(Clock.systemUTC());
        // a gateway without alerts is not evaluated: the next test's clock cannot touch this one's
        client.resources(GatewayDeployment.class).inAnyNamespace().list().getItems()
                .forEach(g -> client.resource(g).delete());
    }

    // ---- fixtures ------------------------------------------------------------------------------------------------

    /** A namespace with a gateway whose alerts go to the fake Slack (URL in a labelled Secret), a key, a model. */
    GatewayDeployment setUp(String ns, java.util.function.Consumer<AlertsSpec> alertsSpec) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        client.resource(Fixtures.secret(ns, "slack-webhook", Map.of("url", slack.url()))).create();
        var vk = key(ns, "k");
        vk.getSpec().setBudgetRefs(List.of("b"));
        client.resource(vk).create();
        client.resource(budget(ns, "b", "1.00", "daily")).create();
        client.resource(model(ns, "m", "m", "mock")).create();
        GatewayDeployment gw = Fixtures.gateway(ns, "gw");
        AlertChannelSpec channel = new AlertChannelSpec();
        channel.setName("ops");
        channel.setType("slack");
        channel.setUrl(new SecretKeyRef("slack-webhook", "url"));
        AlertsSpec a = new AlertsSpec();
        a.setChannels(List.of(channel));
        alertsSpec.accept(a);
        ObservabilitySpec o = new ObservabilitySpec();
        o.setAlerts(a);
        gw.getSpec().setObservability(o);
        return client.resource(gw).create();
    }

    static String today() {
        return BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start().toString();
    }

    /** A pod's report: the key's spend, charged to budget b today; the model's calls; optional extra sections. */
    static String report(String ns, String incarnation, long spendMicros, String extra) {
        long start = Instant.parse(today()).toEpochMilli();
        return """
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"%s","startedAt":"2026-12-05T00:00:00Z",
                 "keys":{"%s/k":{"requests":5,"errors":0,"inputTokens":50,"outputTokens":100,"spendMicros":%d,
                                 "budgets":{"%s/b@%d":%d}}},
                 "models":{"%s/m":{"requests":5,"errors":0,"inputTokens":50,"outputTokens":100,"spendMicros":%d}},
                 "budgets":{"%s/b@%d":{"budget":"%s/b","periodStart":"%s","spendMicros":%d}}%s}
                """.formatted(incarnation, ns, spendMicros, ns, start, spendMicros, ns, spendMicros, ns, start, ns, today(),
                spendMicros, extra == null ? "" : "," + extra);
    }

    /** A pod of the gateway as Kubernetes would make it (see UsageWriteBackTest.gatewayPod), at {@code ip}. */
    Pod gatewayPod(String ns, String name, String ip) {
        Deployment d = await().atMost(Duration.ofSeconds(20))
                .until(() -> client.apps().deployments().inNamespace(ns).withName("gw").get(), java.util.Objects::nonNull);
        ReplicaSet rs = client.apps().replicaSets().inNamespace(ns).withName("gw-5d9f8").get();
        if (rs == null) {
            rs = client.resource(new ReplicaSetBuilder().withNewMetadata().withName("gw-5d9f8").withNamespace(ns)
                    .withLabels(d.getSpec().getTemplate().getMetadata().getLabels())
                    .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName("gw")
                    .withUid(d.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata()
                    .withNewSpec().withReplicas(1).withNewSelector().withMatchLabels(d.getSpec().getSelector().getMatchLabels())
                    .endSelector().withTemplate(d.getSpec().getTemplate()).endSpec().build()).create();
        }
        Pod pod = client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .withLabels(rs.getMetadata().getLabels()).withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion("apps/v1").withKind("ReplicaSet").withName(rs.getMetadata().getName())
                        .withUid(rs.getMetadata().getUid()).withController(true).build()).endMetadata()
                .withNewSpec().addNewContainer().withName("gateway").withImage("x").endContainer().endSpec().build()).create();
        return Fixtures.editStatus(client.pods().inNamespace(ns).withName(name), p -> p.setStatus(
                new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPodIP(ip).withPhase("Running").build()));
    }

    List<JsonNode> messages(String event, String resource) {
        return slack.messages.stream().filter(m -> m.get("blocks").get(0).get("text").get("text").asText()
                .endsWith(event + ": " + resource)).toList();
    }

    /** Lets the operator evaluate its alerts {@code n} more times (no sleeping: it counts evaluations). */
    void evaluations(int n) {
        long target = alerts.evaluations() + n;
        await().atMost(Duration.ofSeconds(30)).until(() -> alerts.evaluations() >= target);
    }

    String sent(String ns) {
        ConfigMap cm = client.configMaps().inNamespace(ns).withName("gw-alerts").get();
        return cm == null || cm.getData() == null ? "" : cm.getData().getOrDefault(AlertLedger.SENT, "");
    }

    // ---- tests ---------------------------------------------------------------------------------------------------

    @Test
    void aBudgetNearThenOverItsLimitIsAlertedOnceEachEvenAfterARestart() {
        String ns = "alerts-b";
        setUp(ns, a -> {
            // a second channel whose webhook was removed at Slack (404 no_service): its failures are logged
            client.resource(Fixtures.secret(ns, "gone-webhook", Map.of("url", slack.base() + "/services/T0/B0/g0neT0k3n")))
                    .create();
            AlertChannelSpec gone = new AlertChannelSpec();
            gone.setName("gone");
            gone.setType("slack");
            gone.setUrl(new SecretKeyRef("gone-webhook", "url"));
            gone.setEvents(List.of("BudgetExceeded"));
            a.setChannels(List.of(a.getChannels().get(0), gone));
        });
        reportsAt.put("127.0.0.11", report(ns, "inc-b", 500_000, null));
        gatewayPod(ns, "gw-1", "127.0.0.11");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(client.resources(Budget.class).inNamespace(ns)
                .withName("b").get().getStatus().getSpend()).isEqualTo("0.50"));
        evaluations(5);
        assertThat(messages("BudgetNearLimit", "Budget/" + ns + "/b")).as("0.50 of 1.00: below 80%").isEmpty();

        reportsAt.put("127.0.0.11", report(ns, "inc-b", 850_000, null));
        await().atMost(Duration.ofSeconds(20)).until(() -> messages("BudgetNearLimit", "Budget/" + ns + "/b").size() == 1);
        JsonNode near = messages("BudgetNearLimit", "Budget/" + ns + "/b").get(0);
        assertThat(near.get("text").asText()).isEqualTo("[warning] BudgetNearLimit: Budget " + ns + "/b has reached 80% of "
                + "its limit: 0.85 of 1.00 USD spent this daily period");
        assertThat(sent(ns)).contains("BudgetNearLimit/" + ns + "/b/" + today());

        reportsAt.put("127.0.0.11", report(ns, "inc-b", 1_000_000, null));
        await().atMost(Duration.ofSeconds(20)).until(() -> messages("BudgetExceeded", "Budget/" + ns + "/b").size() == 1);
        assertThat(sent(ns)).contains("BudgetExceeded/" + ns + "/b/" + today());

        // many more evaluations (and reconciles of the statuses they read): nothing again
        evaluations(15);
        assertThat(messages("BudgetNearLimit", "Budget/" + ns + "/b")).hasSize(1);
        assertThat(messages("BudgetExceeded", "Budget/" + ns + "/b")).hasSize(1);
        // as if the operator restarted: nothing held in memory, what was sent is read back from gw-alerts
        alerts.forget();
        evaluations(15);
        assertThat(messages("BudgetNearLimit", "Budget/" + ns + "/b")).hasSize(1);
        assertThat(messages("BudgetExceeded", "Budget/" + ns + "/b")).hasSize(1);
        // every message Slack took is counted as sent (other tests' namespaces share the channel name)
        assertThat(registry.find("tollgate.operator.alerts").tags("event", "BudgetExceeded", "channel", "ops", "result", "sent")
                .counter().count()).isEqualTo(slack.messages.stream().filter(m -> m.get("text").asText()
                        .startsWith("[critical] BudgetExceeded")).count());

        // the webhook URL is a secret: not in a log line, an event, a status, a ConfigMap or a metric
        await().atMost(Duration.ofSeconds(10)).until(() -> logs.stream().anyMatch(l -> l.contains(
                "alert BudgetExceeded for channel gone failed: HTTP 404 no_service")));
        assertThat(registry.find("tollgate.operator.alerts").tags("event", "BudgetExceeded", "channel", "gone", "result", "failed")
                .counter().count()).isEqualTo(1);
        assertThat(registry.find("tollgate.operator.alerts").tags("event", "BudgetNearLimit", "channel", "gone").counter())
                .as("the channel takes BudgetExceeded only").isNull();
        for (String token : List.of("s3cr3tW3bh00kT0k3n", "g0neT0k3n")) {
            assertNoWhere(ns, token);
        }
    }

    /** The token of a webhook URL is in no log line, event, ConfigMap, status, metric, or body sent. */
    void assertNoWhere(String ns, String token) {
        assertThat(logs).noneMatch(l -> l.contains(token));
        assertThat(client.v1().events().inNamespace(ns).list().getItems()).noneMatch(e -> String.valueOf(e.getMessage()).contains(token));
        assertThat(client.configMaps().inNamespace(ns).list().getItems()).noneMatch(c -> String.valueOf(c.getData()).contains(token));
        assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(client.resources(GatewayDeployment.class)
                .inNamespace(ns).withName("gw").get().getStatus())).doesNotContain(token);
        for (Class<? extends io.fabric8.kubernetes.api.model.HasMetadata> kind : List.of(Budget.class, VirtualKey.class,
                dev.tollgate.api.v1alpha1.LlmModel.class)) {
            client.resources(kind).inNamespace(ns).list().getItems().forEach(r -> assertThat(
                    io.fabric8.kubernetes.client.utils.Serialization.asJson(r)).doesNotContain(token));
        }
        registry.getMeters().forEach(m -> assertThat(m.getId().toString()).doesNotContain(token).doesNotContain("127.0.0.1:"));
        assertThat(slack.received).allMatch(body -> !body.contains(token));
    }

    @Test
    void anAlertNoChannelCouldTakeIsSentOnceTheyCanEvenAfterARestart() {
        String ns = "alerts-p";
        setUp(ns, a -> {
            // a second channel whose Secret is created late
            AlertChannelSpec late = new AlertChannelSpec();
            late.setName("late");
            late.setType("slack");
            late.setUrl(new SecretKeyRef("late-webhook", "url"));
            a.setChannels(List.of(a.getChannels().get(0), late));
        });
        slack.failNext.set(1_000_000); // Slack is down (500 rollup_error) for longer than the sender's retries
        int before = slack.requests.get();
        reportsAt.put("127.0.0.15", report(ns, "inc-p", 850_000, null));
        gatewayPod(ns, "gw-1", "127.0.0.15");
        String id = "BudgetNearLimit/" + ns + "/b/" + today();
        await().atMost(Duration.ofSeconds(20)).until(() -> sent(ns).contains(id + " ") && sent(ns).contains(" pending "));
        // tried again by later evaluations, not given up on after one round of retries (1 + 3 requests)
        await().atMost(Duration.ofSeconds(20)).until(() -> slack.requests.get() - before >= 9);
        assertThat(messages("BudgetNearLimit", "Budget/" + ns + "/b")).isEmpty();
        assertThat(sent(ns)).contains(id + " ").contains("pending");
        // Slack is back, the Secret is there, and the operator restarts (or the lead changes) meanwhile
        slack.failNext.set(0);
        client.resource(Fixtures.secret(ns, "late-webhook", Map.of("url", slack.url()))).create();
        alerts.forget();
        await().atMost(Duration.ofSeconds(20)).until(() -> messages("BudgetNearLimit", "Budget/" + ns + "/b").size() == 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> !sent(ns).contains("pending"));
        assertThat(sent(ns)).contains(id + " ");
        evaluations(10);
        alerts.forget();
        evaluations(5);
        assertThat(messages("BudgetNearLimit", "Budget/" + ns + "/b")).as("once per channel").hasSize(2);
        assertThat(registry.find("tollgate.operator.alerts").tags("event", "BudgetNearLimit", "channel", "late",
                "result", "sent").counter().count()).isEqualTo(1);
        assertNoWhere(ns, "s3cr3tW3bh00kT0k3n");
    }

    @Test
    void aPodWhoseUsageCannotBeReadIsAlertedOnce() {
        String ns = "alerts-u";
        setUp(ns, a -> a.setUsageCollectionFailures(3));
        reportsAt.put("127.0.0.12", "fail"); // answers 503: its usage cannot be read
        gatewayPod(ns, "gw-broken", "127.0.0.12");
        await().atMost(Duration.ofSeconds(20)).until(() -> messages("UsageCollectionFailing", "Pod/" + ns + "/gw-broken").size() == 1);
        JsonNode m = messages("UsageCollectionFailing", "Pod/" + ns + "/gw-broken").get(0);
        assertThat(m.get("text").asText()).contains("could not read the usage of gateway pod " + ns + "/gw-broken")
                .contains("HTTP 503");
        evaluations(15);
        assertThat(messages("UsageCollectionFailing", "Pod/" + ns + "/gw-broken")).as("still failing: the same episode")
                .hasSize(1);
        alerts.forget();
        evaluations(10);
        assertThat(messages("UsageCollectionFailing", "Pod/" + ns + "/gw-broken")).hasSize(1);
    }

    @Test
    void slowRequestsCountedByAGatewayAndACooldownAreAlerted() {
        String ns = "alerts-s";
        setUp(ns, a -> a.setSlowRequest("5s"));
        String recent = Instant.now().minusSeconds(5).toString();
        String until = Instant.now().plusSeconds(600).toString();
        reportsAt.put("127.0.0.13", report(ns, "inc-s", 1000, """
                "requests":{"slowMillis":5000,"slow":3,"lastSlowAt":"%s","hanging":0,"hangingNow":0},
                "health":{"%s/m":{"state":"CoolingDown","coolingDownUntil":"%s","requests":4,"failures":4,"cooldowns":1,
                                  "reason":"3 failures in 60s"}}""".formatted(recent, ns, until)));
        gatewayPod(ns, "gw-1", "127.0.0.13");
        await().atMost(Duration.ofSeconds(20)).until(() -> messages("SlowRequests", "GatewayDeployment/" + ns + "/gw").size() == 1);
        JsonNode slow = messages("SlowRequests", "GatewayDeployment/" + ns + "/gw").get(0);
        assertThat(slow.get("text").asText()).contains("slower than 5000 ms (3 since its pods started");
        assertThat(slow.get("blocks").get(2).get("text").get("text").asText()).contains("*slowRequests*: 3");
        await().atMost(Duration.ofSeconds(20)).until(() -> messages("DeploymentCoolingDown", "LlmModel/" + ns + "/m").size() == 1);
        assertThat(messages("DeploymentCoolingDown", "LlmModel/" + ns + "/m").get(0).get("text").asText())
                .contains("3 failures in 60s");
        // more slow requests counted in the same episode: no second alert
        reportsAt.put("127.0.0.13", report(ns, "inc-s", 1000, """
                "requests":{"slowMillis":5000,"slow":7,"lastSlowAt":"%s","hanging":0,"hangingNow":0}""".formatted(Instant.now())));
        evaluations(10);
        assertThat(messages("SlowRequests", "GatewayDeployment/" + ns + "/gw")).hasSize(1);
        assertThat(messages("HangingRequests", "GatewayDeployment/" + ns + "/gw")).as("not watched").isEmpty();
    }

    @Test
    void theDailySpendReportComesAtItsTimeWithTheDaysSpend() {
        String ns = "alerts-d";
        setUp(ns, a -> { });
        reportsAt.put("127.0.0.14", report(ns, "inc-d", 500_000, null));
        gatewayPod(ns, "gw-1", "127.0.0.14");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(client.resources(VirtualKey.class)
                .inNamespace(ns).withName("k").get().getStatus().getUsage().getTotalSpend()).isEqualTo("0.50"));
        // the clock: tomorrow 08:00 in UTC; the report is asked for at 09:00 UTC
        Instant tomorrow = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS).plus(Duration.ofDays(1));
        AtomicReference<Instant> now = new AtomicReference<>(tomorrow.plus(Duration.ofHours(8)));
        alerts.useClock(new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        });
        Fixtures.edit(client.resources(GatewayDeployment.class).inNamespace(ns).withName("gw"), g -> {
            DailyReportSpec d = new DailyReportSpec();
            d.setAt("09:00");
            d.setTimeZone("UTC");
            g.getSpec().getObservability().getAlerts().setDailyReport(d);
        });
        // declared: the spend now is the baseline the first report counts from
        // in its own ConfigMap, so that a large baseline never holds back the alerts' ledger
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ConfigMap cm = client.configMaps().inNamespace(ns).withName("gw-alerts-baseline").get();
            return cm != null && cm.getData().getOrDefault(DailySpend.BASELINE, "").contains("VirtualKey/" + ns + "/k 500000");
        });
        ConfigMap baselineMap = client.configMaps().inNamespace(ns).withName("gw-alerts-baseline").get();
        assertThat(baselineMap.getData().get(DailySpend.BASELINE)).contains("Namespace/" + ns + " 500000");
        assertThat(baselineMap.getMetadata().getOwnerReferences()).extracting(o -> o.getKind())
                .containsExactly("GatewayDeployment");
        ConfigMap ledgerMap = client.configMaps().inNamespace(ns).withName("gw-alerts").get();
        assertThat(ledgerMap == null ? Map.of() : ledgerMap.getData()).doesNotContainKey(DailySpend.BASELINE);
        reportsAt.put("127.0.0.14", report(ns, "inc-d", 1_750_000, null));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(client.resources(VirtualKey.class)
                .inNamespace(ns).withName("k").get().getStatus().getUsage().getTotalSpend()).isEqualTo("1.75"));
        evaluations(5);
        assertThat(messages("DailySpendReport", "Namespace/" + ns)).as("08:00: not yet").isEmpty();

        now.set(tomorrow.plus(Duration.ofHours(9)).plusSeconds(1));
        await().atMost(Duration.ofSeconds(20)).until(() -> messages("DailySpendReport", "Namespace/" + ns).size() == 1);
        JsonNode report = messages("DailySpendReport", "Namespace/" + ns).get(0);
        String day = tomorrow.minus(Duration.ofDays(1)).atZone(ZoneOffset.UTC).toLocalDate().toString();
        assertThat(report.get("text").asText()).isEqualTo("[info] DailySpendReport: Spend in namespace " + ns + " on " + day
                + " (UTC): 1.25 USD over 1 key");
        String details = report.get("blocks").get(2).get("text").get("text").asText();
        assertThat(details).contains("*key k*: 1.25").contains("*model m*: 1.25").contains("*total*: 1.25")
                .contains("*budget b*: ");
        evaluations(10);
        alerts.forget();
        evaluations(5);
        assertThat(messages("DailySpendReport", "Namespace/" + ns)).as("once a day").hasSize(1);
        assertThat(sent(ns)).contains("DailySpendReport/" + ns + "/" + day);
    }
}
