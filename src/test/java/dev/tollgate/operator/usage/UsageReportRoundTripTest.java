package dev.tollgate.operator.usage;

import static dev.tollgate.gateway.Recorders.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.RedisServer;
import dev.tollgate.api.v1alpha1.UsageShare;
import dev.tollgate.config.UsageReport;
import dev.tollgate.gateway.HealthSource;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.Recorders;
import dev.tollgate.gateway.UsageJournal;
import dev.tollgate.gateway.UsageRecorder;
import dev.tollgate.gateway.limits.SharedStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The usage report both ways: what a real recorder (the gateway's) writes is what the operator's reader (the
 * scraper, as it takes a pod's answer) reads, figure by figure. No hand-typed JSON on either side.
 */
class UsageReportRoundTripTest {
    static final String PERIOD = "2026-12-01T00:00:00Z";
    static final String SLOT = "team/b@" + Instant.parse(PERIOD).toEpochMilli();

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** The operator's side: a scraper of a gateway team/gw that serves these ids (no informers: no cluster needed). */
    static UsageScraper operator() {
        UsageScraper s = new UsageScraper(null, null, 0, 60_000);
        s.served().put("team", "gw", null, Set.of("team/k", "team/k2"), Set.of("team/m"), Set.of("team/b"));
        return s;
    }

    @Test
    void whatTheGatewayReportsIsWhatTheOperatorReads() throws Exception {
        UsageRecorder gateway = new UsageRecorder();
        await(record(gateway, "team/k", "team/m", 200, 100L, 20L, 1_500, List.of(SLOT), false, false));
        await(record(gateway, "team/k", "team/m", 502, null, null, 0, List.of(SLOT), false, true));
        await(record(gateway, "team/k", "team/m", 429, null, null, 0, List.of(), true, false));
        await(record(gateway, "team/k2", "team/m", 200, 7L, 3L, 250, List.of(), false, false));
        String written = gateway.report("cfg-1").toJson(); // what GET :9000/tollgate/usage answers

        UsageScraper operator = operator();
        operator.accept("pod-uid", "gw-1", "team", "gw", written);
        String inc = gateway.incarnation();

        UsageShare key = operator.shares("keys", "team/k", SLOT, PERIOD).get(inc);
        assertThat(key).as("the key's share under the process's incarnation").isNotNull();
        assertThat(key.getPod()).isEqualTo("pod-uid");
        assertThat(key.getJournal()).as("no Redis: no journal").isNull();
        assertThat(key.getRequests()).isEqualTo(3);
        assertThat(key.getErrors()).isEqualTo(2);
        assertThat(key.getInputTokens()).isEqualTo(100);
        assertThat(key.getOutputTokens()).isEqualTo(20);
        assertThat(key.getSpend()).isEqualTo("0.0015");
        assertThat(key.getPeriodStart()).isEqualTo(PERIOD);
        assertThat(key.getPeriodSpend()).isEqualTo("0.0015");
        assertThat(Instant.parse(key.getLastUsedAt())).isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(
                10, java.time.temporal.ChronoUnit.SECONDS));
        assertThat(operator.inUse("keys", "team/k", "rpm")).isEqualTo(3);
        assertThat(operator.inUse("keys", "team/k", "tpm")).isEqualTo(120);
        assertThat(operator.inUse("keys", "team/k", "rateLimited")).isEqualTo(1);
        assertThat(operator.inUse("keys", "team/k2", "rpm")).isEqualTo(1);

        UsageShare model = operator.shares("models", "team/m").get(inc);
        assertThat(model.getRequests()).isEqualTo(4);
        assertThat(model.getSpend()).isEqualTo("0.00175");
        assertThat(operator.inUse("models", "team/m", "upstreamFailures")).isEqualTo(1);

        UsageShare budget = operator.budgetShares("team/b", PERIOD).get(inc);
        assertThat(budget.getSpend()).isEqualTo("0.0015");
        assertThat(budget.getPeriodSpend()).isEqualTo("0.0015");
        assertThat(operator.budgetShares("team/b", "2026-11-01T00:00:00Z").get(inc).getPeriodSpend())
                .as("another period").isEqualTo("0.00");

        assertThat(operator.gatewayShares("team", "gw").get(inc).getRequests()).isEqualTo(4);
        assertThat(operator.servedConfigs("team", "gw")).containsExactly(Map.entry("gw-1", "cfg-1"));
    }

    @Test
    void eachDeploymentsHealthTravelsFromTheGatewayToTheOperator() throws Exception {
        long until = Instant.parse("2026-12-05T06:00:00.250Z").toEpochMilli();
        // routing's view: team/m cools down after a 429; team/idle cooled down on another replica (shared), never
        // called here; victim/m is not served by this gateway
        UsageRecorder gateway = Recorders.withHealth(new UsageRecorder(), now -> Map.of(
                "team/m", new HealthSource.View(UsageReport.Health.COOLING_DOWN, until, 2, "429", 840, 120),
                "team/idle", new HealthSource.View(UsageReport.Health.PROBING, 0, 1, "3 failures in 60s", -1, -1, 0, 0),
                "victim/m", new HealthSource.View(UsageReport.Health.COOLING_DOWN, until, 1, "429", 10, -1)));
        await(record(gateway, "team/k", "team/m", 200, 1L, 1L, 10, List.of(), false, false));
        await(record(gateway, "team/k", "team/m", 502, null, null, 0, List.of(), false, true));
        await(record(gateway, "team/k", "team/m", 503, null, null, 0, List.of(), false, true));
        String written = gateway.report("cfg").toJson();

        UsageScraper operator = new UsageScraper(null, null, 0, 60_000);
        operator.served().put("team", "gw", null, Set.of("team/k"), Set.of("team/m", "team/idle"), Set.of());
        assertThat(operator.health("team/m")).as("no report read in this run: nothing is known yet").isNull();
        java.util.List<String> fired = new java.util.concurrent.CopyOnWriteArrayList<>();
        operator.onChange("models", id -> fired.add(id.getNamespace().orElse("") + "/" + id.getName()));
        operator.accept("pod-uid", "gw-1", "team", "gw", written);

        assertThat(operator.health("team/m")).containsExactly(new UsageReport.Health(UsageReport.Health.COOLING_DOWN,
                "2026-12-05T06:00:00.250Z", 3, 2, 840L, 120L, 2, "429"));
        assertThat(operator.health("team/idle")).as("counts of routing's own, latency unknown")
                .containsExactly(new UsageReport.Health(UsageReport.Health.PROBING, null, 0, 0, null, null, 1, "3 failures in 60s"));
        assertThat(operator.health("victim/m")).as("a deployment this gateway does not serve").isEmpty();
        assertThat(fired).as("a deployment named only by its health is looked at too").containsExactlyInAnyOrder("team/m", "team/idle");
    }

    @Test
    void withoutRoutingsViewEveryCountedDeploymentIsHealthyWithTheRecordersCounts() throws Exception {
        UsageRecorder gateway = new UsageRecorder();
        await(record(gateway, "team/k", "team/m", 200, 1L, 1L, 10, List.of(), false, false));
        await(record(gateway, "team/k", "team/m", 504, null, null, 0, List.of(), false, true));
        UsageReport read = UsageReport.read(gateway.report("cfg").toJson());
        assertThat(read.health()).containsExactly(Map.entry("team/m",
                new UsageReport.Health(UsageReport.Health.HEALTHY, null, 2, 1, null, null, 0, null)));
        // the health of an orphan (a crashed process's figures, from the journal) is none: health is of the moment
        assertThat(UsageReport.read(gateway.report("cfg").withJournal(new UsageReport.Journal(List.of(), Map.of("x",
                new UsageReport(null, null, null, null, null, null, null, null)))).toJson()).journal().orphans().get("x").health())
                .isEmpty();
    }

    @Test
    void figuresAboutIdsTheGatewayDoesNotServeNeverReachTheOperatorsFigures() throws Exception {
        String otherSlot = "victim/b@" + Instant.parse(PERIOD).toEpochMilli();
        UsageRecorder gateway = new UsageRecorder();
        await(record(gateway, "team/k", "team/m", 200, 1L, 1L, 1_000, List.of(SLOT, otherSlot), false, false));
        await(record(gateway, "victim/k", "victim/m", 200, 1L, 1L, 900_000, List.of(otherSlot), false, false));
        UsageScraper operator = operator();
        java.util.List<String> fired = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (String section : List.of("keys", "models", "budgets", "gateways")) {
            operator.onChange(section, id -> fired.add(section + ":" + id.getNamespace().orElse("") + "/" + id.getName()));
        }
        operator.accept("pod-uid", "gw-1", "team", "gw", gateway.report("cfg").toJson());

        assertThat(fired).containsExactlyInAnyOrder("keys:team/k", "models:team/m", "budgets:team/b", "gateways:team/gw");
        assertThat(operator.shares("keys", "victim/k")).isEmpty();
        assertThat(operator.shares("models", "victim/m")).isEmpty();
        assertThat(operator.budgetShares("victim/b", PERIOD)).isEmpty();
        assertThat(operator.inUse("keys", "victim/k", "rpm")).isNull();
        assertThat(operator.shares("keys", "team/k", otherSlot, PERIOD).get(gateway.incarnation()).getPeriodSpend())
                .as("a served key's spend on a budget the gateway does not serve").isEqualTo("0.00");
        assertThat(operator.gatewayShares("team", "gw").get(gateway.incarnation()).getSpend())
                .as("the gateway's total: its served deployments only").isEqualTo("0.001");
        assertThat(operator.shares("keys", "team/k").get(gateway.incarnation()).getSpend()).isEqualTo("0.001");
    }

    @Test
    void aNewerGatewaysFieldsAreIgnoredAndAnotherSchemaIsRefused() throws Exception {
        UsageRecorder gateway = new UsageRecorder();
        await(record(gateway, "team/k", "team/m", 200, 1L, 2L, 10, List.of(), false, false));
        UsageReport real = gateway.report("cfg");
        // a newer gateway adds fields at every level; this reader keeps what it knows
        ObjectNode newer = (ObjectNode) Json.parse(real.toJson());
        newer.put("region", "eu-west-1");
        ((ObjectNode) newer.path("keys").path("team/k")).put("cachedTokens", 5);
        ((ObjectNode) newer.path("health").path("team/m")).put("inFlight", 3);
        assertThat(UsageReport.read(Json.write(newer))).isEqualTo(real);

        ObjectNode other = (ObjectNode) Json.parse(real.toJson());
        other.put("schema", "tollgate.dev/gateway-usage/v2");
        assertThatThrownBy(() -> UsageReport.read(Json.write(other))).isInstanceOf(IOException.class)
                .hasMessageContaining("tollgate.dev/gateway-usage/v2").hasMessageContaining(UsageReport.SCHEMA);
        UsageScraper operator = operator();
        operator.accept("pod-uid", "gw-1", "team", "gw", Json.write(other));
        assertThat(operator.shares("keys", "team/k")).as("a report it cannot read counts nothing").isEmpty();
    }

    @Test
    void aCrashedProcesssJournaledFiguresReachTheOperatorAsAnOrphan() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            Vertx vertx = Vertx.vertx();
            try {
                var api = new SharedStore(vertx).redis(redis.url(), null);
                String prefix = "tollgate:team/gw:";
                UsageRecorder crashed = Recorders.journaled(inc -> new UsageJournal(api, prefix, inc, 300, 60_000));
                await(Recorders.heartbeat(crashed));
                await(record(crashed, "team/k", "team/m", 200, 40L, 4L, 3_000, List.of(SLOT), false, false));
                await(record(crashed, "team/k", "team/m", 200, 60L, 6L, 2_000, List.of(SLOT), false, false));
                // crashed dies here; a new process of the same gateway reports what Redis keeps of it
                UsageRecorder survivor = Recorders.journaled(inc -> new UsageJournal(api, prefix, inc, 60_000, 60_000));
                await(Recorders.heartbeat(survivor));
                UsageReport report;
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                do {
                    Thread.sleep(100);
                    report = await(survivor.reportWithJournal(null));
                } while (!report.journal().orphans().containsKey(crashed.incarnation()) && System.nanoTime() < deadline);

                UsageScraper operator = operator();
                operator.accept("pod-2", "gw-2", "team", "gw", report.toJson());
                UsageShare orphan = operator.shares("keys", "team/k", SLOT, PERIOD).get(crashed.incarnation());
                assertThat(orphan).as("the crashed incarnation's figures, from the survivor's report").isNotNull();
                assertThat(orphan.getPod()).as("no live process").isNull();
                assertThat(orphan.getJournal()).isEqualTo("team/gw");
                assertThat(orphan.getRequests()).isEqualTo(2);
                assertThat(orphan.getInputTokens()).isEqualTo(100);
                assertThat(orphan.getOutputTokens()).isEqualTo(10);
                assertThat(orphan.getSpend()).isEqualTo("0.005");
                assertThat(orphan.getPeriodSpend()).isEqualTo("0.005");
                assertThat(operator.budgetShares("team/b", PERIOD).get(crashed.incarnation()).getPeriodSpend()).isEqualTo("0.005");
                assertThat(operator.shares("models", "team/m").get(crashed.incarnation()).getRequests()).isEqualTo(2);
                assertThat(operator.inUse("keys", "team/k", "rpm")).as("only the live process's report counts now")
                        .isNull();
            } finally {
                vertx.close();
            }
        }
    }
}
