package dev.tollgate.e2e;

import static dev.tollgate.e2e.BudgetedGateway.FRESH;
import static dev.tollgate.e2e.BudgetedGateway.KEY;
import static dev.tollgate.e2e.BudgetedGateway.TWIN;
import static dev.tollgate.e2e.BudgetedGateway.admittedUntilRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.UsageShare;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Money;
import dev.tollgate.config.SpendSeed;
import dev.tollgate.operator.gateway.GatewaySpendConfigMapDependent;
import dev.tollgate.operator.usage.UsageMerge;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 point 2 with real processes (the packaged jar): spend part of a budget in one gateway process, stop it,
 * start a new one (a new incarnation), and the new one refuses exactly where the old one would have. In gateway
 * mode the processes read their config and the operator's {@code <gw>-spend} from a Fabric8 mock API server; in
 * standalone mode the new run reads the usage the old one saved in the state directory. Every request reserves
 * and costs 0.009 of a 0.10 budget (see {@link BudgetedGateway}). Run by failsafe in {@code verify}.
 */
class GatewayRestartKeepsSpendIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String NS = "restart";
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final List<Process> processes = new ArrayList<>();
    static KubernetesMockServer apiServer;
    static KubernetesClient client;
    static Path work;

    record Gateway(Process process, int port, int managementPort, Path log) {
        URI chat() {
            return URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
        }
    }

    @BeforeAll
    static void start() throws Exception {
        assertThat(Path.of("target/quarkus-app/quarkus-run.jar")).as("the packaged application (mvn package runs before this test)")
                .exists();
        work = Files.createTempDirectory("tollgate-restart");
        apiServer = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), false);
        apiServer.init(InetAddress.getLoopbackAddress(), 0);
        client = apiServer.createClient();
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (client != null) {
            client.close();
        }
        if (apiServer != null) {
            apiServer.destroy();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Gateway launch(String name, String... args) throws Exception {
        int port = freePort();
        int management = freePort();
        Path log = work.resolve(name + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-Dquarkus.http.port=" + port, "-Dquarkus.management.port=" + management,
                "-Dtollgate.gateway.usage-handover-timeout-millis=100"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        Gateway g = new Gateway(p, port, management, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/readiness"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return g;
                }
            } catch (IOException e) {
                assertThat(p.isAlive()).as("%s exited: %s", name, Files.readString(log)).isTrue();
            }
            assertThat(System.nanoTime()).as("%s not ready: %s", name, Files.readString(log)).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** SIGTERM, as Kubernetes stops a pod (standalone saves its usage then), and wait for the exit. */
    static void stop(Gateway g) throws Exception {
        g.process().destroy();
        assertThat(g.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    static Gateway gatewayMode(String name) throws Exception {
        return launch(name, "-Dtollgate.gateway.name=" + BudgetedGateway.GATEWAY, "-Dtollgate.gateway.namespace=" + NS,
                "-Dquarkus.kubernetes-client.api-server-url=" + apiServer.url("/"),
                "-Dquarkus.kubernetes-client.trust-certs=true",
                "-jar", Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString(), "gateway");
    }

    static JsonNode usage(Gateway g) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.managementPort() + "/tollgate/usage"))
                .build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    /** One process's figures of one budget in one period, as the operator reads them from its report. */
    static Map<String, UsageShare> shares(JsonNode report, String budget, String periodStart) {
        Map<String, UsageShare> out = new HashMap<>();
        report.path("budgets").forEach(b -> {
            if (budget.equals(b.path("budget").asText()) && periodStart.equals(b.path("periodStart").asText())) {
                UsageShare s = new UsageShare();
                s.setPod("pod-of-" + report.path("incarnation").asText());
                s.setSpend(Money.format(b.path("spendMicros").asLong()));
                s.setPeriodStart(periodStart);
                s.setPeriodSpend(Money.format(b.path("spendMicros").asLong()));
                out.put(report.path("incarnation").asText(), s);
            }
        });
        return out;
    }

    @Test
    void aNewGatewayModeProcessRefusesWhereTheOldOneWould() throws Exception {
        BudgetedGateway.publish(client, NS);
        Gateway old = gatewayMode("gateway-old");
        assertThat(admittedUntilRefused(old.chat(), KEY, 2)).as("0.018 spent on b").isEqualTo(2);
        assertThat(admittedUntilRefused(old.chat(), TWIN, 2)).as("0.018 spent on its twin").isEqualTo(2);
        int oldWouldAdmit = admittedUntilRefused(old.chat(), TWIN, 50);
        assertThat(oldWouldAdmit).as("from 0.018 the old process admits 9 more").isEqualTo(9);

        // What the operator has from the old pod: its report, in the Budgets' status; then the pod is deleted, and
        // the operator writes the seed the way GatewaySpendConfigMapDependent does.
        JsonNode report = usage(old);
        String today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start().toString();
        GatewayConfig config = BudgetedGateway.render(NS).config();
        Map<String, Usage> status = new HashMap<>();
        for (GatewayConfig.Budget b : config.budgets()) {
            status.put(b.id(), UsageMerge.merge(null, shares(report, b.id(), today), (inc, s) -> false, today, null, null));
        }
        stop(old);
        SpendSeed seed = GatewaySpendConfigMapDependent.seed(config, status::get, (id, start) -> Map.of(),
                (inc, s) -> true, Instant.now());
        assertThat(seed.budgets()).extracting(SpendSeed.Slot::budget, SpendSeed.Slot::spendMicros)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(NS + "/b", 18_000L),
                        org.assertj.core.groups.Tuple.tuple(NS + "/twin", 99_000L));
        BudgetedGateway.publishSeed(client, NS, seed);

        Gateway next = gatewayMode("gateway-new");
        assertThat(usage(next).path("incarnation").asText()).isNotEqualTo(report.path("incarnation").asText());
        assertThat(admittedUntilRefused(next.chat(), KEY, 50)).as("where the old process would have refused")
                .isEqualTo(oldWouldAdmit);
        assertThat(admittedUntilRefused(next.chat(), TWIN, 50)).as("the twin the old one exhausted stays exhausted").isZero();
        assertThat(admittedUntilRefused(next.chat(), FRESH, 50)).as("from zero: 11").isEqualTo(11);
        stop(next);
    }

    @Test
    void aRestartedStandaloneProcessRefusesWhereTheOldOneWould() throws Exception {
        Path folder = Files.createDirectories(work.resolve("standalone"));
        Files.writeString(folder.resolve("all.yaml"), StandaloneFolder.twoBudgetedKeys(KEY, "twin", TWIN));
        String jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString();
        Gateway old = launch("standalone-old", "-jar", jar, "standalone", folder.toString());
        assertThat(admittedUntilRefused(old.chat(), KEY, 2)).isEqualTo(2);
        assertThat(admittedUntilRefused(old.chat(), TWIN, 2)).isEqualTo(2);
        int oldWouldAdmit = admittedUntilRefused(old.chat(), TWIN, 50);
        assertThat(oldWouldAdmit).isEqualTo(9);
        stop(old); // saves its usage in the state directory

        Gateway next = launch("standalone-new", "-jar", jar, "standalone", folder.toString());
        assertThat(admittedUntilRefused(next.chat(), KEY, 50)).as("the issue's case: 0.10 budget, 0.018 spent, restart")
                .isEqualTo(oldWouldAdmit);
        assertThat(admittedUntilRefused(next.chat(), TWIN, 50)).isZero();
        stop(next);
    }
}
