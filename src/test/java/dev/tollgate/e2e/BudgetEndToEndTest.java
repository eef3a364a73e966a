package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Budgets through the whole gateway: exact under concurrency, streamed = non-streamed, aborted streams charged. */
@QuarkusTest
@TestProfile(BudgetEndToEndTest.Budgets.class)
class BudgetEndToEndTest {
    static final String TIGHT = "sk-tg-tight-budget-key-0123456789abc";
    static final String ROOMY = "sk-tg-roomy-budget-key-0123456789abc";
    static Path folder;

    public static class Budgets implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // 1 input token = 1,000 micros, 1 output token = 2,000 micros: a 1-word prompt and 4 output
            // tokens cost exactly 9,000 micros (0.009 USD).
            folder = StandaloneFolder.create("tollgate-budgets", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: b}
                    spec: {}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: keys, labels: {llm.tollgate.dev/secret: key}}
                    stringData: {tight: %s, roomy: %s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: Budget
                    metadata: {name: tight}
                    spec: {limit: "0.50", period: daily}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: Budget
                    metadata: {name: roomy}
                    spec: {limit: "1000", period: daily}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: tight}
                    spec: {existingSecret: {name: keys, key: tight}, budgetRefs: [tight]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: roomy}
                    spec: {existingSecret: {name: keys, key: roomy}, budgetRefs: [roomy]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: m}
                    spec: {modelName: m, provider: mock, model: m, mock: {outputTokens: 4, chunkInterval: 100ms},
                           pricing: {inputPerMillion: "1000", outputPerMillion: "2000"}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: slow}
                    spec: {modelName: slow, provider: mock, model: gpt-4o-slow, mock: {latency: 5s},
                           pricing: {inputPerMillion: "1000", outputPerMillion: "2000"}}
                    """.formatted(TIGHT, ROOMY));
            return StandaloneFolder.serve(folder);
        }
    }

    @Inject
    BudgetInterceptor budgets;

    @Inject
    ConfigHolder holder;

    @TestHTTPResource("/v1/chat/completions")
    URL chat;

    long spent(String budget) throws Exception {
        long today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start().toEpochMilli();
        return budgets.ledger(holder.current()).spent("default/" + budget, today).toCompletionStage().toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    static String body(boolean stream) {
        return "{\"model\":\"m\",\"max_tokens\":4,\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
    }

    HttpRequest request(String key, boolean stream) throws Exception {
        return HttpRequest.newBuilder(chat.toURI()).header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body(stream))).build();
    }

    /** The management port (its routes live at its root, beside Quarkus' /q). */
    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    static String get(URL url) throws Exception {
        return new String(url.openStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    String get(String managementPath) throws Exception {
        return get(metrics.toURI().resolve(managementPath).toURL());
    }

    @Test
    void usageIsReportedPerIncarnationAndAgreesWithTheLedger() throws Exception {
        JsonNode before = dev.tollgate.gateway.Json.parse(get("/tollgate/usage"));
        assertThat(before.path("schema").asText()).isEqualTo("tollgate.dev/gateway-usage/v1");
        assertThat(before.path("incarnation").asText()).hasSize(36);
        long requestsBefore = before.path("keys").path("default/roomy").path("requests").asLong(0);
        long spendBefore = before.path("keys").path("default/roomy").path("spendMicros").asLong(0);

        HttpClient.newHttpClient().send(request(ROOMY, false), HttpResponse.BodyHandlers.ofString());

        // a request is counted just after its answer's last bytes are written: the report may trail the reply
        JsonNode after = dev.tollgate.gateway.Json.parse(get("/tollgate/usage"));
        for (long deadline = System.nanoTime() + 5_000_000_000L; System.nanoTime() < deadline
                && after.path("keys").path("default/roomy").path("requests").asLong(0) <= requestsBefore; ) {
            Thread.sleep(20);
            after = dev.tollgate.gateway.Json.parse(get("/tollgate/usage"));
        }
        assertThat(after.path("incarnation").asText()).isEqualTo(before.path("incarnation").asText());
        JsonNode key = after.path("keys").path("default/roomy");
        assertThat(key.path("requests").asLong()).isEqualTo(requestsBefore + 1);
        assertThat(key.path("spendMicros").asLong()).isEqualTo(spendBefore + 9_000);
        assertThat(key.path("outputTokens").asLong()).isPositive();
        assertThat(key.path("rpm").asLong()).isPositive();
        long today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start().toEpochMilli();
        assertThat(after.path("budgets").path("default/roomy@" + today).path("spendMicros").asLong())
                .as("this incarnation's share of the budget = the ledger (one replica)").isEqualTo(spent("roomy"));
        assertThat(after.path("models").path("default/m").path("requests").asLong()).isPositive();
        assertThat(after.toString()).doesNotContain(ROOMY);

        String table = get("/tollgate/status");
        assertThat(table).contains("VIRTUALKEY").contains("default/roomy").contains("BUDGET").contains("RESETS AT")
                .contains("LLMMODEL").contains("spec").doesNotContain(ROOMY);
        assertThat(table.lines().filter(l -> l.startsWith("default/roomy")).findFirst().orElseThrow())
                .contains(Money.format(spent("roomy")));
    }

    @Test
    void statusAddsWhatEarlierRunsSavedInTheStateDirectory() throws Exception {
        long today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start().toEpochMilli();
        Path usageDir = folder.resolve(".tollgate-state/usage");
        Files.createDirectories(usageDir);
        Files.writeString(usageDir.resolve("an-earlier-run.json"), """
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"an-earlier-run",
                 "keys":{"default/tight":{"requests":7,"spendMicros":2000000}},
                 "budgets":{"default/tight@%d":{"spendMicros":2000000}}}
                """.formatted(today));
        String row = get("/tollgate/status").lines().filter(l -> l.startsWith("default/tight")).findFirst().orElseThrow();
        assertThat(row).contains(Money.format(spent("tight") + 2_000_000));
    }

    @Test
    void concurrentRequestsNeverPushSpendPastTheLimit() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            all.add(http.sendAsync(request(TIGHT, false), HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        long costs = 0;
        for (var f : all) {
            HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
            if (r.statusCode() == 200) {
                ok++;
                costs += Money.parseMicros(r.headers().firstValue("x-tollgate-cost").orElseThrow());
            } else {
                assertThat(r.statusCode()).isEqualTo(429);
                assertThat(r.body()).contains("\"code\":\"budget_exceeded\"");
                assertThat(r.headers().firstValue("x-should-retry")).hasValue("false");
            }
        }
        assertThat(ok).as("some requests fit: 0.50 USD at 0.009 each").isPositive();
        assertThat(costs).as("every answered request costs 9,000 micros").isEqualTo(ok * 9_000L);
        assertThat(spent("tight")).isEqualTo(costs).isLessThanOrEqualTo(Money.parseMicros("0.50"));
    }

    @Test
    void aStreamedAnswerCostsWhatTheSameAnswerCostsUnstreamed() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long before = spent("roomy");
        HttpResponse<String> plain = http.send(request(ROOMY, false), HttpResponse.BodyHandlers.ofString());
        assertThat(plain.headers().firstValue("x-tollgate-cost")).hasValue("0.009");
        long afterPlain = spent("roomy");
        HttpResponse<String> streamed = http.send(request(ROOMY, true), HttpResponse.BodyHandlers.ofString());
        assertThat(streamed.body()).contains("[DONE]");
        await().atMost(Duration.ofSeconds(5)).until(() -> spent("roomy") > afterPlain);
        assertThat(spent("roomy") - afterPlain).isEqualTo(afterPlain - before).isEqualTo(9_000);
    }

    @Test
    void aRequestLeftBeforeItsAnswerIsChargedItsCountedPrompt() throws Exception {
        long before = spent("roomy");
        String body = "{\"model\":\"slow\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
        HttpURLConnection c = (HttpURLConnection) chat.openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setReadTimeout(500); // the upstream answers after 5 s: give up waiting, as an impatient client does
        c.setRequestProperty("authorization", "Bearer " + ROOMY);
        c.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(c::getInputStream).isInstanceOf(java.net.SocketTimeoutException.class);
        c.disconnect();
        await().atMost(Duration.ofSeconds(10)).until(() -> spent("roomy") > before);
        // no usage arrived: the prompt was counted by OpenAI's recipe (3 per message, role, content, 3 to prime the
        // reply) with gpt-4o's vocabulary, loaded off the event loop; no answer, so no output tokens
        var counter = dev.tollgate.gateway.cost.TokenCounter.forModel("gpt-4o-slow");
        long prompt = 3 + counter.countText("user") + counter.countText("hello there") + 3;
        assertThat(spent("roomy") - before).isEqualTo(prompt * 1_000);
    }

    @Test
    void anAbortedStreamIsChargedNotFree() throws Exception {
        long before = spent("roomy");
        HttpURLConnection c = (HttpURLConnection) chat.openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("authorization", "Bearer " + ROOMY);
        c.getOutputStream().write(body(true).getBytes(StandardCharsets.UTF_8));
        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
        assertThat(in.readLine()).startsWith("data: ");
        c.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> spent("roomy") > before);
        long charged = spent("roomy") - before;
        long reservation = dev.tollgate.gateway.cost.TokenCounter.forModel("m").countText(body(true)) * 1_000 + 4 * 2_000;
        // no usage arrived: Tollgate counted the prompt and the words streamed so far with its tokenizer
        assertThat(charged).as("counted, not free and not the whole reservation").isPositive().isLessThan(reservation);
    }
}
