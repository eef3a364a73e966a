package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two real Tollgate processes (the packaged jar, standalone mode) sharing one real redis-server enforce a tag
 * Budget and a tag Budget's rpm exactly under concurrent load spread over both, whichever key sends the tag (the
 * manifests of {@link TagsEndToEndTest}). Run by failsafe in {@code verify}, after the jar is built.
 */
class TwoGatewaysTagsSharingRedisIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    static RedisServer redis;
    static FakeOpenAi upstream;
    static Path work;
    static final List<Process> processes = new ArrayList<>();
    static final List<Integer> ports = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("the packaged application (mvn package runs before this test)").exists();
        redis = RedisServer.start();
        upstream = FakeOpenAi.start(TagsEndToEndTest.OPENAI_KEY);
        upstream.behaviour(Reply.text("ok").usage(2, 3).delay(Duration.ofMillis(200))); // 3 USD; in flight a while
        work = Files.createTempDirectory("tollgate-two-gateways-tags");
        Path folder = Files.createDirectories(work.resolve("manifests"));
        Files.writeString(folder.resolve("all.yaml"), TagsEndToEndTest.manifests(upstream.baseUrl(), redis.url()));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < 2; i++) {
            int port = freePort();
            Process p = new ProcessBuilder(java, "-Xmx256m", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                    "-Dquarkus.http.port=" + port, "-Dquarkus.management.port=" + freePort(),
                    "-Dtollgate.standalone.state-dir=" + work.resolve("state-" + i),
                    "-jar", jar.toAbsolutePath().toString(), "standalone", folder.toString())
                    .redirectErrorStream(true).redirectOutput(work.resolve("gateway-" + i + ".log").toFile()).start();
            processes.add(p);
            ports.add(port);
        }
        for (int i = 0; i < 2; i++) {
            int port = ports.get(i);
            Process p = processes.get(i);
            Path log = work.resolve("gateway-" + i + ".log");
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (true) {
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/readiness"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                        break;
                    }
                } catch (IOException e) {
                    assertThat(p.isAlive()).as("gateway %d exited: %s", i, Files.readString(log)).isTrue();
                }
                assertThat(System.nanoTime()).as("gateway %d not ready: %s", i, Files.readString(log)).isLessThan(deadline);
                Thread.sleep(200);
            }
        }
        for (int port : ports) { // warm up (JIT, Redis connections): untagged, no tag budget involved
            for (int i = 0; i < 3; i++) {
                assertThat(chat(port, TagsEndToEndTest.OTHER, null).join().statusCode()).isEqualTo(200);
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            p.waitFor(30, TimeUnit.SECONDS);
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

    static CompletableFuture<HttpResponse<String>> chat(int port, String key, String tags) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("authorization", "Bearer " + key)
                .header("content-type", "application/json");
        if (tags != null) {
            b.header("x-tollgate-tags", tags);
        }
        return http.sendAsync(b.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"max_tokens\":3,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code n} concurrent requests tagged {@code tag}, alternating the two processes and two keys of different namespaces. */
    static List<HttpResponse<String>> burst(String tag, int n) {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(chat(ports.get(i % 2), i % 4 < 2 ? TagsEndToEndTest.OTHER : TagsEndToEndTest.TAGGER, tag));
        }
        return all.stream().map(CompletableFuture::join).toList();
    }

    static String code(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body()).path("error").path("code").asText();
        } catch (IOException e) {
            throw new AssertionError(r.body(), e);
        }
    }

    @Test
    void aTagBudgetHoldsExactlyAcrossBothProcesses() {
        // 4 USD, and each request reserves (and costs) 3: one fits, whichever process and key it comes through
        List<HttpResponse<String>> all = burst("feature:search", 12);
        assertThat(all.stream().filter(r -> r.statusCode() == 200).count()).as("admitted").isEqualTo(1);
        assertThat(all.stream().filter(r -> r.statusCode() == 429).map(TwoGatewaysTagsSharingRedisIT::code))
                .hasSize(11).containsOnly("budget_exceeded");
        assertThat(chat(ports.get(0), TagsEndToEndTest.TAGGER, null).join().statusCode()).as("untagged").isEqualTo(200);
        assertThat(chat(ports.get(1), TagsEndToEndTest.OTHER, "feature:search").join().statusCode())
                .as("still spent, seen from the other process").isEqualTo(429);
    }

    @Test
    void aTagBudgetsRpmHoldsExactlyAcrossBothProcesses() {
        long t0 = System.nanoTime();
        List<HttpResponse<String>> all = burst("feature:limited", 12);
        long elapsedMillis = (System.nanoTime() - t0) / 1_000_000;
        long admitted = all.stream().filter(r -> r.statusCode() == 200).count();
        assertThat(all.stream().filter(r -> r.statusCode() == 429).map(TwoGatewaysTagsSharingRedisIT::code))
                .containsOnly("rate_limit_exceeded");
        assertThat(admitted).as("rpm 2 over both processes; the burst took %d ms", elapsedMillis)
                .isBetween(2L, 2L + elapsedMillis * 2 / 60_000);
        assertThat(all).hasSize(12);
    }
}
