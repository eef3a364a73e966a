package dev.tollgate.e2e;

import static dev.tollgate.e2e.BudgetedGateway.COST;
import static dev.tollgate.e2e.BudgetedGateway.FRESH;
import static dev.tollgate.e2e.BudgetedGateway.KEY;
import static dev.tollgate.e2e.BudgetedGateway.admittedUntilRefused;
import static dev.tollgate.e2e.BudgetedGateway.ask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.SpendSeed;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.UsageRecorder;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Gateway mode: a pod starts its budgets from the ConfigMap {@code <gw>-spend} the operator wrote (here written
 * before the gateway starts, with 0.018 spent by an earlier pod), and takes every later version of it without
 * counting its own spend twice.
 */
@WithKubernetesTestServer(crud = true, setup = GatewayModeSpendSeedTest.OperatorWroteItAll.class)
@QuarkusTest
@TestProfile(GatewayModeSpendSeedTest.Gateway.class)
class GatewayModeSpendSeedTest {
    static final String NS = "gw-seed";
    static final Instant TODAY = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start();
    static final String END = TODAY.plus(Duration.ofDays(1)).toString();

    public static class Gateway implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tollgate.mode", "gateway", "tollgate.gateway.name", BudgetedGateway.GATEWAY,
                    "tollgate.gateway.namespace", NS);
        }
    }

    /** Before the gateway starts: its config, and 0.018 spent on budget b today by a pod that is gone. */
    public static class OperatorWroteItAll implements Consumer<KubernetesServer> {
        @Override
        public void accept(KubernetesServer server) {
            BudgetedGateway.publish(server.getClient(), NS);
            BudgetedGateway.publishSeed(server.getClient(), NS, new SpendSeed(NS + "/llm", List.of(
                    new SpendSeed.Slot(NS + "/b", TODAY.toString(), END, 2 * COST, Map.of()))));
        }
    }

    @Inject
    KubernetesClient client;

    @Inject
    UsageRecorder recorder;

    @Inject
    BudgetInterceptor budgets;

    @Inject
    ConfigHolder holder;

    @TestHTTPResource("/v1/chat/completions")
    URI chat;

    long spent(String budget) throws Exception {
        return budgets.ledger(holder.current()).spent(NS + "/" + budget, TODAY.toEpochMilli()).toCompletionStage()
                .toCompletableFuture().get();
    }

    @Test
    void startsFromTheOperatorsSpendAndFollowsItsUpdates() throws Exception {
        assertThat(admittedUntilRefused(chat, FRESH, 5)).as("spend 0.045 on budget fresh").isEqualTo(5);
        assertThat(admittedUntilRefused(chat, KEY, 50)).as("0.018 spent by the earlier pod: 9 fit, not 11").isEqualTo(9);
        assertThat(ask(chat, KEY).body()).contains("0.099 USD spent");

        // The operator's next sync: another replica spent 0.009 on fresh. The seed counts this process's own 0.045
        // (and its 0.081 on b) too, under its incarnation: that part it already has and must not count twice.
        String me = recorder.incarnation();
        BudgetedGateway.publishSeed(client, NS, new SpendSeed(NS + "/llm", List.of(
                new SpendSeed.Slot(NS + "/b", TODAY.toString(), END, 11 * COST, Map.of(me, 9 * COST)),
                new SpendSeed.Slot(NS + "/fresh", TODAY.toString(), END, 6 * COST, Map.of(me, 5 * COST, "other-pod", COST)))));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(spent("fresh")).isEqualTo(6 * COST));
        assertThat(spent("b")).isEqualTo(11 * COST);
        // 0.054 spent: 5 more fit (counting its own part twice would leave none; ignoring the other pod, 6)
        assertThat(admittedUntilRefused(chat, FRESH, 50)).isEqualTo(5);
    }
}
