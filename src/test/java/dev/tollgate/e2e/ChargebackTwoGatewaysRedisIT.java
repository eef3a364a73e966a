package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.RedisServer;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.Reply;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 22's chargeback across replicas: two real Tollgate processes (the packaged jar, standalone mode, each with its
 * own state directory) share one real redis-server. Requests of keys in two namespaces go through both, concurrently;
 * the export read from either process shows both processes' requests, and its figures equal the sum of every answer's
 * {@code x-tollgate-cost}, in total, per namespace and per model. Run by failsafe in {@code verify}, after the jar is
 * built.
 */
class ChargebackTwoGatewaysRedisIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String UPSTREAM_KEY = "sk-upstream-chargeback-it";
    static final Map<String, String> KEYS = new TreeMap<>(Map.of(
            "team-a/alice", "sk-tg-cb-it-alice-00000000000000000000",
            "team-a/bob", "sk-tg-cb-it-bob-0000000000000000000000",
            "team-b/carol", "sk-tg-cb-it-carol-00000000000000000000"));
    static FakeOpenAi upstream;
    static RedisServer redis;
    static Path work;
    static final List<ThreeGatewaysSharingRedisIT.Gateway> gateways = new ArrayList<>();
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("the packaged application (mvn package runs before this test)").exists();
        redis = RedisServer.start();
        upstream = FakeOpenAi.start(UPSTREAM_KEY);
        upstream.behaviour(Reply.text("an answer of a few words").usage(37, 11));
        work = Files.createTempDirectory("tollgate-chargeback-two");
        Path folder = Files.createDirectories(work.resolve("manifests"));
        Files.writeString(folder.resolve("all.yaml"), """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata: {name: shared}
                spec: {redis: {url: "%s"}, keys: {namespaceSelector: {}}}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                stringData: {openai: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, namespace: team-a}
                stringData: {alice: %s, bob: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, namespace: team-b}
                stringData: {carol: %s}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: alice, namespace: team-a}
                spec: {existingSecret: {name: keys, key: alice}, attributes: {team: search}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: bob, namespace: team-a}
                spec: {existingSecret: {name: keys, key: bob}, attributes: {team: ads}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: carol, namespace: team-b}
                spec: {existingSecret: {name: keys, key: carol}, attributes: {team: search}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: gpt}
                spec: {modelName: gpt, provider: openai, model: gpt-up, apiBase: "%s",
                       credentialsSecretRef: {name: creds, key: openai},
                       pricing: {inputPerMillion: "2.5", outputPerMillion: "10"}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: mini}
                spec: {modelName: mini, provider: mock, model: m, mock: {outputTokens: 4},
                       pricing: {inputPerMillion: "1000", outputPerMillion: "2000"}}
                """.formatted(redis.url(), UPSTREAM_KEY, KEYS.get("team-a/alice"), KEYS.get("team-a/bob"),
                KEYS.get("team-b/carol"), upstream.baseUrl()));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < 2; i++) {
            int port = ThreeGatewaysSharingRedisIT.freePort();
            int management = ThreeGatewaysSharingRedisIT.freePort();
            Path log = work.resolve("gateway-" + i + ".log");
            Process p = new ProcessBuilder(java, "-Xmx256m", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                    "-Dquarkus.http.port=" + port, "-Dquarkus.management.port=" + management,
                    "-Dtollgate.standalone.state-dir=" + work.resolve("state-" + i),
                    "-jar", jar.toAbsolutePath().toString(), "standalone", folder.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            gateways.add(new ThreeGatewaysSharingRedisIT.Gateway(p, port, management, log));
        }
        for (ThreeGatewaysSharingRedisIT.Gateway g : gateways) {
            ThreeGatewaysSharingRedisIT.awaitTrue(Duration.ofSeconds(120), () -> {
                try {
                    return http.send(HttpRequest.newBuilder(g.api("/health/readiness")).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                } catch (IOException e) {
                    if (!g.process().isAlive()) {
                        throw new IllegalStateException("gateway exited with " + g.process().exitValue() + ": "
                                + ThreeGatewaysSharingRedisIT.readLog(g));
                    }
                    return false;
                }
            }, () -> "gateway on port " + g.port() + " not ready: " + ThreeGatewaysSharingRedisIT.readLog(g));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (ThreeGatewaysSharingRedisIT.Gateway g : gateways) {
            g.process().destroyForcibly();
        }
        for (ThreeGatewaysSharingRedisIT.Gateway g : gateways) {
            g.process().waitFor(30, TimeUnit.SECONDS);
        }
        if (redis != null) {
            redis.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    record Sent(String key, String model, CompletableFuture<HttpResponse<String>> answer) {}

    static CompletableFuture<HttpResponse<String>> chat(ThreeGatewaysSharingRedisIT.Gateway g, String key, String model,
            String prompt) {
        return http.sendAsync(HttpRequest.newBuilder(g.api("/v1/chat/completions")).timeout(Duration.ofSeconds(60))
                .header("authorization", "Bearer " + KEYS.get(key)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"max_tokens\":20,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode export(ThreeGatewaysSharingRedisIT.Gateway g, String groupBy) throws Exception {
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(g.management("/tollgate/chargeback?from=" + today
                + "&to=" + today + "&groupBy=" + groupBy)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static Map<String, Long> spendBy(ThreeGatewaysSharingRedisIT.Gateway g, String dim) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        for (JsonNode row : export(g, dim).path("rows")) {
            out.merge(row.path(dim).asText(), Money.parseMicros(row.path("spend").asText()), Long::sum);
        }
        return out;
    }

    @Test
    void theExportOfEitherProcessShowsBothProcessesRequestsAndReconciles() throws Exception {
        List<Sent> sent = new ArrayList<>();
        List<String> keys = List.copyOf(KEYS.keySet());
        for (int i = 0; i < 60; i++) {
            String key = keys.get(i % keys.size());
            String model = i % 3 == 0 ? "mini" : "gpt";
            sent.add(new Sent(key, model, chat(gateways.get(i % 2), key, model, "question " + "x ".repeat(i % 7))));
        }
        Map<String, Long> perNamespace = new TreeMap<>();
        Map<String, Long> perModel = new TreeMap<>();
        long total = 0;
        for (Sent s : sent) {
            HttpResponse<String> r = s.answer().join();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            long cost = Money.parseMicros(r.headers().firstValue("x-tollgate-cost").orElseThrow());
            perNamespace.merge(s.key().substring(0, s.key().indexOf('/')), cost, Long::sum);
            perModel.merge(s.model(), cost, Long::sum);
            total += cost;
        }
        assertThat(total).isPositive();
        long expected = total;
        for (ThreeGatewaysSharingRedisIT.Gateway g : gateways) {
            // both processes' requests, flushed within a second or still in memory: the total at once or soon after
            ThreeGatewaysSharingRedisIT.awaitTrue(Duration.ofSeconds(10),
                    () -> export(g, "").path("total").path("requests").asLong() == 60,
                    () -> "the export of port " + g.port() + " misses requests: " + exportOrError(g));
            JsonNode all = export(g, "namespace,model");
            assertThat(Money.parseMicros(all.path("total").path("spend").asText())).isEqualTo(expected);
            assertThat(spendBy(g, "namespace")).isEqualTo(perNamespace);
            assertThat(spendBy(g, "model")).isEqualTo(perModel);
            assertThat(spendBy(g, "tag")).isEqualTo(Map.of("(untagged)", expected));
            assertThat(spendBy(g, "attribute:team").keySet()).containsExactly("ads", "search");
        }
        // each process's own usage report holds only its half: the export is the shared view
        long own = 0;
        for (ThreeGatewaysSharingRedisIT.Gateway g : gateways) {
            JsonNode usage = ThreeGatewaysSharingRedisIT.usage(g);
            long requests = 0;
            for (JsonNode k : usage.path("keys")) {
                requests += k.path("requests").asLong();
                own += k.path("spendMicros").asLong();
            }
            assertThat(requests).isEqualTo(30);
        }
        assertThat(own).as("the processes' own spend adds up to the export's total").isEqualTo(expected);
    }

    static String exportOrError(ThreeGatewaysSharingRedisIT.Gateway g) {
        try {
            return export(g, "").toString();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
