package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.RedisServer;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.Reply;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three real Tollgate processes (the packaged jar, standalone mode, each on its own ports and state directory)
 * share one real redis-server: a deployment cooled down through one of them is skipped by the other two, a key's rpm
 * limit and a Budget hold across all three under concurrent load, and after kill -9 of one process a survivor's usage
 * report carries the killed incarnation's exact figures from Redis. Run by failsafe in {@code verify}, after the jar
 * is built. The tests run in order: the last one kills a process.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeGatewaysSharingRedisIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LIMITED = "sk-tg-it-limited-key-000000000000000";
    static final String BUDGETED = "sk-tg-it-budgeted-key-00000000000000";
    static final String WARMUP = "sk-tg-it-warmup-key-0000000000000000";
    static final String COOLING = "sk-tg-it-cooling-key-000000000000000";
    static final String UPSTREAM_KEY = "sk-upstream-it-openai";
    /** Plays both deployments of the group shared-cd: cd-a (weight 1000 to cd-b's 1: picked first nearly always). */
    static FakeOpenAi upstream;
    static final int RPM = 12;
    static final long BUDGET_MICROS = 200_000;

    record Gateway(Process process, int port, int managementPort, Path log) {
        URI api(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        URI management(String path) {
            return URI.create("http://127.0.0.1:" + managementPort + path);
        }
    }

    static RedisServer redis;
    static Path work;
    static final List<Gateway> gateways = new ArrayList<>();
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("the packaged application (mvn package runs before this test)").exists();
        redis = RedisServer.start();
        upstream = FakeOpenAi.start(UPSTREAM_KEY);
        work = Files.createTempDirectory("tollgate-three-gateways");
        Path folder = Files.createDirectories(work.resolve("manifests"));
        // mock model: 1 input token = 1,000 micros, 1 output token = 2,000 micros
        Files.writeString(folder.resolve("all.yaml"), """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata: {name: shared}
                spec: {redis: {url: "%s"}}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, labels: {llm.tollgate.dev/secret: key}}
                stringData: {limited: %s, budgeted: %s, warmup: %s, cooling: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                stringData: {openai: %s}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: cooling}
                spec: {existingSecret: {name: keys, key: cooling}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: cd-a}
                spec: {modelName: shared-cd, provider: openai, model: cd-a, apiBase: "%s", weight: 1000,
                       credentialsSecretRef: {name: creds, key: openai}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: cd-b}
                spec: {modelName: shared-cd, provider: openai, model: cd-b, apiBase: "%s", weight: 1,
                       credentialsSecretRef: {name: creds, key: openai}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: cached}
                spec: {modelName: shared-cache, provider: openai, model: cached, apiBase: "%s",
                       credentialsSecretRef: {name: creds, key: openai}, cache: {exact: {ttl: 1h}}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: limited}
                spec: {existingSecret: {name: keys, key: limited}, limits: {rpm: %d}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: budgeted}
                spec: {existingSecret: {name: keys, key: budgeted}, budgetRefs: [b]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: warmup}
                spec: {existingSecret: {name: keys, key: warmup}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: b}
                spec: {limit: "0.20", period: daily}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: m}
                spec: {modelName: m, provider: mock, model: m, mock: {outputTokens: 4},
                       pricing: {inputPerMillion: "1000", outputPerMillion: "2000"}}
                """.formatted(redis.url(), LIMITED, BUDGETED, WARMUP, COOLING, UPSTREAM_KEY, upstream.baseUrl(),
                upstream.baseUrl(), upstream.baseUrl(), RPM));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < 3; i++) {
            int port = freePort();
            int management = freePort();
            Path log = work.resolve("gateway-" + i + ".log");
            Process p = new ProcessBuilder(java, "-Xmx256m", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                    "-Dquarkus.http.port=" + port, "-Dquarkus.management.port=" + management,
                    "-Dtollgate.standalone.state-dir=" + work.resolve("state-" + i),
                    "-Dtollgate.gateway.usage-journal-heartbeat-millis=500",
                    "-jar", jar.toAbsolutePath().toString(), "standalone", folder.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            gateways.add(new Gateway(p, port, management, log));
        }
        for (Gateway g : gateways) {
            awaitTrue(Duration.ofSeconds(120), () -> {
                try {
                    return http.send(HttpRequest.newBuilder(g.api("/health/readiness")).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                } catch (IOException e) {
                    if (!g.process().isAlive()) {
                        throw new IllegalStateException("gateway exited with " + g.process().exitValue() + ": " + readLog(g));
                    }
                    return false;
                }
            }, () -> "gateway on port " + g.port() + " not ready: " + readLog(g));
        }
        // warm each process up (JIT, tokenizer, Redis connections) so the bursts below take seconds, not minutes
        for (Gateway g : gateways) {
            for (int i = 0; i < 5; i++) {
                assertThat(chat(g, WARMUP).join().statusCode()).isEqualTo(200);
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (Gateway g : gateways) {
            g.process().destroyForcibly();
        }
        for (Gateway g : gateways) {
            g.process().waitFor(30, TimeUnit.SECONDS);
        }
        if (redis != null) {
            redis.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String readLog(Gateway g) {
        try {
            String s = Files.readString(g.log());
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    static void awaitTrue(Duration timeout, java.util.concurrent.Callable<Boolean> check, Supplier<String> message)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(message.get());
            }
            Thread.sleep(200);
        }
    }

    static CompletableFuture<HttpResponse<String>> chat(Gateway g, String key) {
        return chat(g, key, "m");
    }

    static CompletableFuture<HttpResponse<String>> chat(Gateway g, String key, String model) {
        return http.sendAsync(HttpRequest.newBuilder(g.api("/v1/chat/completions")).timeout(Duration.ofSeconds(60))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                        + "\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The replica's gauge {@code tollgate.deployments.cooling} for a model group: its deployments not Healthy. */
    static double cooling(Gateway g, String model) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(g.management("/q/metrics")).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("tollgate_deployments_cooling{") && line.contains("model=\"" + model + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1; // no gauge for the group (yet)
    }

    @Test
    @Order(1)
    void aDeploymentCooledDownThroughOneReplicaIsSkippedByTheOtherTwo() throws Exception {
        upstream.behaviourFor("cd-a", FakeOpenAi.rateLimited(Duration.ofSeconds(60)));
        upstream.behaviourFor("cd-b", Reply.text("from cd-b"));
        for (Gateway g : gateways) {
            assertThat(cooling(g, "shared-cd")).as("nothing cools down yet").isZero();
        }
        // through replica 0: cd-a answers 429 (retry-after 60 s, over the default cap: not waited for), cd-b serves
        HttpResponse<String> first = chat(gateways.get(0), COOLING, "shared-cd").join();
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-tollgate-deployment")).hasValue("default/cd-b");
        assertThat(first.headers().firstValue("x-tollgate-attempts")).hasValue("2");
        assertThat(upstream.requestsFor("cd-a")).hasSize(1);
        assertThat(cooling(gateways.get(0), "shared-cd")).isEqualTo(1.0);
        // the cooldown travels through Redis (each replica polls it every second): the other replicas' gauge shows it
        for (Gateway g : gateways.subList(1, 3)) {
            awaitTrue(Duration.ofSeconds(15), () -> cooling(g, "shared-cd") == 1.0,
                    () -> "replica on port " + g.port() + " never learnt of the cooldown: " + readLog(g));
        }
        // the other two skip cd-a, though its weight would pick it nearly every time
        for (Gateway g : gateways.subList(1, 3)) {
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = chat(g, COOLING, "shared-cd").join();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(r.headers().firstValue("x-tollgate-deployment")).hasValue("default/cd-b");
                assertThat(r.headers().firstValue("x-tollgate-attempts")).hasValue("1");
            }
        }
        assertThat(upstream.requestsFor("cd-a")).as("no replica called it again").hasSize(1);
        assertThat(upstream.requestsFor("cd-b")).hasSize(11);
    }

    @Test
    @Order(1)
    void anAnswerCachedThroughOneReplicaIsServedByTheOthersAndAPurgeReachesThemAll() throws Exception {
        upstream.behaviourFor("cached", Reply.text("first answer"));
        HttpResponse<String> miss = chat(gateways.get(0), COOLING, "shared-cache").join();
        assertThat(miss.statusCode()).as(miss.body()).isEqualTo(200);
        assertThat(miss.headers().firstValue("x-tollgate-cache")).hasValue("MISS");
        for (Gateway g : gateways) {
            HttpResponse<String> hit = chat(g, COOLING, "shared-cache").join();
            assertThat(hit.headers().firstValue("x-tollgate-cache")).as("replica on port " + g.port()).hasValue("HIT");
            assertThat(content(hit)).isEqualTo("first answer");
        }
        assertThat(upstream.requestsFor("cached")).as("one upstream call for four requests on three replicas").hasSize(1);
        // a purge through replica 1 empties Redis and, within a poll, every replica's memory
        HttpResponse<String> purged = http.send(HttpRequest.newBuilder(gateways.get(1).management(
                "/tollgate/cache/purge?model=shared-cache")).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(purged.statusCode()).as(purged.body()).isEqualTo(200);
        upstream.behaviourFor("cached", Reply.text("second answer"));
        for (Gateway g : List.of(gateways.get(0), gateways.get(2))) {
            awaitTrue(Duration.ofSeconds(10), () -> content(chat(g, COOLING, "shared-cache").join()).equals("second answer"),
                    () -> "replica on port " + g.port() + " still serves the purged answer: " + readLog(g));
        }
        assertThat(upstream.requestsFor("cached").size()).as("the purge made one replica ask again; the other shared it")
                .isBetween(2, 3);
    }

    static String content(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body()).path("choices").path(0).path("message").path("content").asText();
    }

    static JsonNode usage(Gateway g) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(g.management("/tollgate/usage")).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Sends {@code n} concurrent requests spread round-robin over the live gateways. */
    static List<HttpResponse<String>> burst(List<Gateway> over, String key, int n) {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(chat(over.get(i % over.size()), key));
        }
        return all.stream().map(CompletableFuture::join).toList();
    }

    @Test
    @Order(2)
    void threeProcessesShareLimitsAndBudgetsAndAKilledOnesUsageSurvivesInRedis() throws Exception {
        // 1. rpm across the three processes: a token bucket of RPM requests, refilled at RPM per minute
        long t0 = System.nanoTime();
        List<HttpResponse<String>> limited = burst(gateways, LIMITED, 4 * RPM);
        long elapsedMillis = (System.nanoTime() - t0) / 1_000_000;
        long admitted = limited.stream().filter(r -> r.statusCode() == 200).count();
        long refused = limited.stream().filter(r -> r.statusCode() == 429).count();
        assertThat(admitted + refused).as("every answer is 200 or 429").isEqualTo(4 * RPM);
        assertThat(admitted).as("the burst took %d ms; the bucket refills %d per minute", elapsedMillis, RPM)
                .isBetween((long) RPM, RPM + elapsedMillis * RPM / 60_000);
        assertThat(limited.stream().filter(r -> r.statusCode() == 429)).allSatisfy(r ->
                assertThat(r.headers().firstValue("retry-after")).isPresent());

        // 2. the budget across the three processes: spend ends at or under the limit, and is what the answers said
        List<HttpResponse<String>> budgeted = burst(gateways, BUDGETED, 60);
        long charged = 0;
        for (HttpResponse<String> r : budgeted) {
            if (r.statusCode() == 200) {
                charged += dev.tollgate.config.Money.parseMicros(r.headers().firstValue("x-tollgate-cost").orElseThrow());
            } else {
                assertThat(r.statusCode()).isEqualTo(429);
                assertThat(r.body()).contains("budget_exceeded");
            }
        }
        assertThat(charged).isPositive().isLessThanOrEqualTo(BUDGET_MICROS);
        assertThat(budgeted.stream().filter(r -> r.statusCode() == 429).count()).as("the budget refused some").isPositive();
        long expectedCharged = charged;
        // every process's own report, summed: the same spend (settled right after each answer)
        awaitTrue(Duration.ofSeconds(30), () -> budgetSpend(gateways) == expectedCharged,
                () -> "reported budget spend " + budgetSpendOrError() + " != charged " + expectedCharged);

        // 3. kill -9 one process: a survivor's report carries its exact figures, read back from Redis
        Gateway victim = gateways.get(0);
        JsonNode last = usage(victim);
        String incarnation = last.path("incarnation").asText();
        assertThat(last.path("keys").path("default/budgeted").path("requests").asLong()).isPositive();
        victim.process().destroyForcibly(); // SIGKILL: no drain, no hand-over, no final save
        assertThat(victim.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        Gateway survivor = gateways.get(1);
        awaitTrue(Duration.ofSeconds(30), () -> usage(survivor).path("journal").path("orphans").has(incarnation),
                () -> "no orphan " + incarnation + " in the survivor's report");
        JsonNode orphan = usage(survivor).path("journal").path("orphans").path(incarnation);
        for (String key : List.of("default/limited", "default/budgeted", "default/warmup")) {
            for (String f : List.of("requests", "errors", "inputTokens", "outputTokens", "spendMicros", "budgets")) {
                assertThat(orphan.path("keys").path(key).path(f)).as("%s %s", key, f)
                        .isEqualTo(last.path("keys").path(key).path(f));
            }
        }
        assertThat(orphan.path("models").path("default/m").path("requests"))
                .isEqualTo(last.path("models").path("default/m").path("requests"));
        assertThat(orphan.path("budgets")).isEqualTo(last.path("budgets"));
        // the other survivor says the same, and the killed spend plus the survivors' own is still what was charged
        assertThat(usage(gateways.get(2)).path("journal").path("orphans").path(incarnation)).isEqualTo(orphan);
        assertThat(budgetSpend(List.of(gateways.get(1), gateways.get(2))) + spend(orphan)).isEqualTo(expectedCharged);
    }

    static long spend(JsonNode report) {
        long sum = 0;
        for (JsonNode b : report.path("budgets")) {
            if (b.path("budget").asText().equals("default/b")) {
                sum += b.path("spendMicros").asLong();
            }
        }
        return sum;
    }

    static long budgetSpend(List<Gateway> over) throws Exception {
        long sum = 0;
        for (Gateway g : over) {
            sum += spend(usage(g));
        }
        return sum;
    }

    static String budgetSpendOrError() {
        try {
            return Long.toString(budgetSpend(gateways));
        } catch (Exception e) {
            return e.toString();
        }
    }
}
