package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import dev.tollgate.gateway.cost.TokenCounter;
import io.quarkus.test.common.http.TestHTTPResource;
import jakarta.inject.Inject;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's case through the whole gateway, real requests to the mock provider: a 0.10 USD budget and requests that
 * really cost 0.009 each. Their bodies are about 4,900 bytes, so the cheap bound (every byte a prompt token) puts each
 * at about 0.05 USD and alone would refuse after 6 requests with 46 % of the budget left. The budget must admit
 * requests until what is left truly cannot cover the next one's precise estimate (its prompt counted, plus its output
 * limit), sequentially and with concurrent clients, and never overshoot. Subclasses choose the ledger.
 */
abstract class BudgetFit {
    static final String SEQUENTIAL = "sk-tg-fit-sequential-key-0123456789";
    static final String CONCURRENT = "sk-tg-fit-concurrent-key-0123456789";
    static final String ANTHROPIC = "sk-tg-fit-anthropic-key-01234567890";
    static final long LIMIT = Money.parseMicros("0.10");
    /** 800 one-token words at 10 micros (10 USD per million) + 10 output tokens at 100 micros (100 USD per million). */
    static final long COST = 800 * 10 + 10 * 100;
    static final String PROMPT = "hello ".repeat(800).trim();

    /** The manifests, with {@code gatewaySpec} as the GatewayDeployment's spec. */
    static String manifests(String gatewaySpec) {
        return """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata: {name: fit}
                spec: %s
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, labels: {llm.tollgate.dev/secret: key}}
                stringData: {sequential: %s, concurrent: %s, anthropic: %s}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: sequential}
                spec: {limit: "0.10", period: daily}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: concurrent}
                spec: {limit: "0.10", period: daily}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: anthropic}
                spec: {limit: "0.10", period: daily}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: sequential}
                spec: {existingSecret: {name: keys, key: sequential}, budgetRefs: [sequential]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: concurrent}
                spec: {existingSecret: {name: keys, key: concurrent}, budgetRefs: [concurrent]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: anthropic}
                spec: {existingSecret: {name: keys, key: anthropic}, budgetRefs: [anthropic]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: m}
                spec: {modelName: m, provider: mock, model: m, mock: {outputTokens: 10, latency: 50ms},
                       pricing: {inputPerMillion: "10", outputPerMillion: "100"}}
                """.formatted(gatewaySpec, SEQUENTIAL, CONCURRENT, ANTHROPIC);
    }

    @Inject
    BudgetInterceptor budgets;

    @Inject
    ConfigHolder holder;

    @TestHTTPResource("/v1/chat/completions")
    URL chat;

    @TestHTTPResource("/v1/messages")
    URL messages;

    final HttpClient http = HttpClient.newHttpClient();

    static final String CHAT_BODY = "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\""
            + PROMPT + "\"}]}";
    static final String MESSAGES_BODY = "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\""
            + PROMPT + "\"}]}";

    long spent(String budget) throws Exception {
        long today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start().toEpochMilli();
        return budgets.ledger(holder.current()).spent("default/" + budget, today).toCompletionStage().toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    HttpResponse<String> ask(String key) throws Exception {
        return http.send(HttpRequest.newBuilder(chat.toURI()).header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(CHAT_BODY)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The precise estimate, from the prices: the prompt counted by OpenAI's recipe, plus 10 output tokens. */
    static long estimate(String body) {
        return TokenCounter.forModel("m").countPrompt(Json.parse(body.getBytes(StandardCharsets.UTF_8))) * 10 + 10 * 100;
    }

    /** The cheap bound: every byte of the body a prompt token, plus 10 output tokens. */
    static long cheapBound(String body) {
        return body.getBytes(StandardCharsets.UTF_8).length * 10L + 10 * 100;
    }

    /** How many requests a budget admits one after the other, each reserving {@code reserve} and costing {@code cost}. */
    static int fitting(long limit, long reserve, long cost) {
        int n = 0;
        for (long spent = 0; spent + reserve <= limit; spent += cost) {
            n++;
        }
        return n;
    }

    private static final Pattern LEFT = Pattern.compile("has ([0-9.]+) USD left of ([0-9.]+) USD");
    private static final Pattern MAY_COST = Pattern.compile("may cost up to ([0-9.]+) USD");

    /** Checks a refusal's message: what is left cannot cover the request's estimate, both decimal USD strings. */
    static void assertRefusedForLackOfBudget(String message, long estimate) {
        Matcher left = LEFT.matcher(message);
        Matcher cost = MAY_COST.matcher(message);
        assertThat(left.find()).as(message).isTrue();
        assertThat(cost.find()).as(message).isTrue();
        assertThat(Money.parseMicros(left.group(2))).isEqualTo(LIMIT);
        assertThat(Money.parseMicros(cost.group(1))).as("the precise estimate, not the byte bound").isEqualTo(estimate);
        assertThat(Money.parseMicros(left.group(1))).as("refused only when what is left cannot cover it")
                .isLessThan(estimate);
        assertThat(message).doesNotContain("Requests in flight hold");
    }

    @Test
    void aBudgetAdmitsRequestsUntilWhatIsLeftCannotCoverOneMore() throws Exception {
        long estimate = estimate(CHAT_BODY);
        int expected = fitting(LIMIT, estimate, COST);
        assertThat(expected).as("0.10 at 0.009 each, the last one needing 0.00907").isEqualTo(11);
        assertThat(fitting(LIMIT, cheapBound(CHAT_BODY), COST)).as("what the byte bound alone admitted").isEqualTo(6);

        int admitted = 0;
        HttpResponse<String> refused = null;
        for (int i = 0; i < 30 && refused == null; i++) {
            HttpResponse<String> r = ask(SEQUENTIAL);
            if (r.statusCode() == 200) {
                admitted++;
                assertThat(r.headers().firstValue("x-tollgate-cost")).hasValue(Money.format(COST));
            } else {
                refused = r;
            }
        }
        assertThat(admitted).isEqualTo(expected);
        assertThat(refused).isNotNull();
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("x-should-retry")).hasValue("false");
        JsonNode error = Json.parse(refused.body().getBytes(StandardCharsets.UTF_8)).path("error");
        assertThat(error.path("code").asText()).isEqualTo("budget_exceeded");
        assertThat(error.path("type").asText()).isEqualTo("budget_exceeded");
        assertThat(error.path("message").asText()).contains("has " + Money.format(LIMIT - expected * COST) + " USD left");
        assertRefusedForLackOfBudget(error.path("message").asText(), estimate);
        assertThat(spent("sequential")).isEqualTo(expected * COST).isLessThanOrEqualTo(LIMIT);
    }

    @Test
    void concurrentClientsGetTheSameAndNeverOvershoot() throws Exception {
        long estimate = estimate(CHAT_BODY);
        int clients = 8;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<List<HttpResponse<String>>>> all = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                all.add(pool.submit(() -> { // each client asks until it is refused
                    List<HttpResponse<String>> answers = new ArrayList<>();
                    for (int i = 0; i < 30; i++) {
                        HttpResponse<String> r = ask(CONCURRENT);
                        answers.add(r);
                        if (r.statusCode() != 200) {
                            break;
                        }
                    }
                    return answers;
                }));
            }
            int admitted = 0;
            for (var f : all) {
                List<HttpResponse<String>> answers = f.get(120, TimeUnit.SECONDS);
                HttpResponse<String> last = answers.get(answers.size() - 1);
                assertThat(last.statusCode()).as(last.body()).isEqualTo(429);
                assertRefusedForLackOfBudget(Json.parse(last.body().getBytes(StandardCharsets.UTF_8)).path("error")
                        .path("message").asText(), estimate);
                for (HttpResponse<String> r : answers.subList(0, answers.size() - 1)) {
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.headers().firstValue("x-tollgate-cost")).hasValue(Money.format(COST));
                    admitted++;
                }
            }
            assertThat(admitted).as("as many as one client gets alone").isEqualTo(fitting(LIMIT, estimate, COST));
            assertThat(spent("concurrent")).isEqualTo(admitted * COST).isLessThanOrEqualTo(LIMIT);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anthropicClientsAreAdmittedAlikeAndRefusedInTheirOwnShape() throws Exception {
        long estimate = estimate(MESSAGES_BODY);
        int admitted = 0;
        HttpResponse<String> refused = null;
        for (int i = 0; i < 30 && refused == null; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(messages.toURI()).header("x-api-key", ANTHROPIC)
                    .header("anthropic-version", "2023-06-01").POST(HttpRequest.BodyPublishers.ofString(MESSAGES_BODY))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                admitted++;
            } else {
                refused = r;
            }
        }
        assertThat(admitted).isEqualTo(fitting(LIMIT, estimate, COST));
        assertThat(refused).isNotNull();
        assertThat(refused.statusCode()).isEqualTo(429);
        JsonNode body = Json.parse(refused.body().getBytes(StandardCharsets.UTF_8));
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).isEqualTo("rate_limit_error");
        assertRefusedForLackOfBudget(body.path("error").path("message").asText(), estimate);
        assertThat(spent("anthropic")).isEqualTo(admitted * COST).isLessThanOrEqualTo(LIMIT);
    }
}
