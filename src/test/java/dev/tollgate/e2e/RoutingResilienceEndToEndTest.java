package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeAnthropic;
import dev.tollgate.gateway.fakes.FakeAzureOpenAi;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.Reply;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 19's rules end to end: the gateway in standalone mode in front of fake OpenAI, Azure OpenAI and Anthropic
 * upstreams that inject each failure in their provider's documented wire format ({@link Reply},
 * {@link dev.tollgate.gateway.fakes.FakeFailuresTest}), routed as the manifests' {@code spec.routing} and
 * {@code spec.priority} declare. Streams and error surfacing go through the official OpenAI Java SDK; the rest is raw
 * HTTP, to read the response headers that say what happened ({@code x-tollgate-deployment}, {@code
 * x-tollgate-attempts}, {@code x-tollgate-fallback}, {@code x-tollgate-cooldown-override}).
 *
 * <p>Every test has model groups of its own (cooldowns are state the tests must not share), and one fake plays all
 * the OpenAI deployments, each scripted by its upstream model name ({@code FakeUpstream#enqueueFor}). Groups whose
 * first attempt must land on the failing deployment route by {@code priority}: the failing one is tier 1. Backoffs
 * and timeouts are milliseconds so the class runs in seconds.
 */
@QuarkusTest
@TestProfile(RoutingResilienceEndToEndTest.Faults.class)
class RoutingResilienceEndToEndTest {
    static final String KEY = "sk-tg-routing-e2e-key-0123456789abcd";
    /** May use fba-main only: its fallback fba-backup is outside its allowlist. */
    static final String NARROW_KEY = "sk-tg-routing-narrow-key-0123456789a";
    /** Bound to budgets on fbc-main and fbc-backup: which model was charged. */
    static final String BUDGETED_KEY = "sk-tg-routing-budget-key-0123456789a";
    /** Charged for the streams cut after content. */
    static final String STREAM_KEY = "sk-tg-routing-stream-key-0123456789a";
    static final String OPENAI_KEY = "sk-upstream-routing-openai";
    static final String AZURE_KEY = "azure-upstream-routing";
    static final String ANTHROPIC_KEY = "sk-ant-upstream-routing";
    static FakeOpenAi openai;
    static FakeAzureOpenAi azure;
    static FakeAnthropic anthropic;
    static int closedPort;

    /** Retries for the groups that retry: fast, a 429's retry-after honoured up to 2 s. */
    static final String RETRIES = "retries: {maxRetries: 2, backoff: 10ms, maxBackoff: 50ms, maxRetryAfter: 2s, timeBudget: 20s}";

    public static class Faults implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            openai = FakeOpenAi.start(OPENAI_KEY);
            azure = FakeAzureOpenAi.start(AZURE_KEY);
            azure.deployment("cpz-main", "gpt-4o");
            anthropic = FakeAnthropic.start(ANTHROPIC_KEY);
            closedPort = closedPort();
            Path folder = StandaloneFolder.create("tollgate-routing", manifests());
            return StandaloneFolder.serve(folder);
        }
    }

    @AfterAll
    static void stopFakes() {
        openai.close();
        azure.close();
        anthropic.close();
    }

    /** A port nothing listens on (bound, then released): connecting to it is refused. */
    static int closedPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- the manifests ---------------------------------------------------------------------------------------------

    /** One OpenAI deployment {@code name} of group {@code group} on the shared fake, its upstream model = its name. */
    static String openAi(String name, String group, int tier, String routing, String extra) {
        return deployment(name, group, "openai", openai.baseUrl(), "openai", tier, routing, extra);
    }

    static String deployment(String name, String group, String provider, String apiBase, String credential, int tier,
            String routing, String extra) {
        return """
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: %s}
                spec: {modelName: %s, provider: %s, model: %s, apiBase: "%s", priority: %d,%s
                       credentialsSecretRef: {name: creds, key: %s}%s%s}
                """.formatted(name, group, provider, name, apiBase, tier,
                extra.contains("timeout:") ? "" : " timeout: 1s,", credential,
                extra.isEmpty() ? "" : ", " + extra, routing.isEmpty() ? "" : ",\n       routing: {" + routing + "}");
    }

    /**
     * A group of a failing tier-1 deployment {@code <group>-a} and a healthy tier-2 {@code <group>-b}; a also weighs
     * 1000 to b's 1, so that a strategy other than priority picks it first too (all but once in a thousand).
     */
    static String pair(String group, String routing) {
        return openAi(group + "-a", group, 1, routing, "weight: 1000") + openAi(group + "-b", group, 2, routing, "");
    }

    static String manifests() {
        String priority = "strategy: priority, " + RETRIES;
        StringBuilder m = new StringBuilder("""
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata: {name: routing}
                spec: {}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                stringData: {openai: %s, azure: %s, anthropic: %s, key: %s, narrow: %s, budgeted: %s, streamer: %s}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: k}
                spec: {existingSecret: {name: creds, key: key}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: narrow}
                spec: {existingSecret: {name: creds, key: narrow}, models: [fba-main]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: budgeted}
                spec: {existingSecret: {name: creds, key: budgeted}, budgetRefs: [on-main, on-backup]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: on-main}
                spec: {limit: "100", period: daily, models: [fbc-main]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: on-backup}
                spec: {limit: "100", period: daily, models: [fbc-backup]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: streamer}
                spec: {existingSecret: {name: creds, key: streamer}}
                """.formatted(OPENAI_KEY, AZURE_KEY, ANTHROPIC_KEY, KEY, NARROW_KEY, BUDGETED_KEY, STREAM_KEY));
        // retried classes: 429, 500, 503, connect failure, timeout before headers (OpenAI); 529 (Anthropic)
        for (String g : List.of("r429", "r500", "r503", "rtimeout", "nr", "s-err", "s-cut")) {
            m.append(pair(g, priority));
        }
        // streams broken after content: 1 USD per output token, input free, so the charge counts what was delivered
        for (String g : List.of("s-after", "s-hang")) {
            String perToken = "pricing: {inputPerMillion: \"0\", outputPerMillion: \"1000000\"}";
            m.append(openAi(g + "-a", g, 1, priority, "weight: 1000, " + perToken));
            m.append(openAi(g + "-b", g, 2, priority, perToken));
        }
        m.append(openAi("rsame", "rsame", 1, priority, ""));
        m.append(openAi("rcap", "rcap", 1, "strategy: priority, retries: {maxRetries: 2, backoff: 10ms, maxBackoff: 50ms, "
                + "maxRetryAfter: 1s, timeBudget: 20s}", ""));
        m.append(deployment("r529-a", "r529", "anthropic", anthropic.baseUrl(), "anthropic", 1, priority,
                "weight: 1000, defaultParams: {max_tokens: 64}"));
        m.append(deployment("r529-b", "r529", "anthropic", anthropic.baseUrl(), "anthropic", 2, priority,
                "defaultParams: {max_tokens: 64}"));
        m.append(deployment("rconn-a", "rconn", "openai", "http://127.0.0.1:" + closedPort + "/v1", "openai", 1, priority,
                "weight: 1000"));
        m.append(openAi("rconn-b", "rconn", 2, priority, ""));
        // fallbacks: general, allowlist, budgets, opt-out
        m.append(openAi("fb-main", "fb-main", 1, "retries: {maxRetries: 0}, fallbacks: [fb-backup]", ""));
        m.append(openAi("fb-backup", "fb-backup", 1, "", ""));
        m.append(openAi("fba-main", "fba-main", 1, "retries: {maxRetries: 0}, fallbacks: [fba-backup]", ""));
        m.append(openAi("fba-backup", "fba-backup", 1, "", ""));
        m.append(openAi("fbc-main", "fbc-main", 1, "retries: {maxRetries: 0}, fallbacks: [fbc-backup]",
                "pricing: {inputPerMillion: \"1000\", outputPerMillion: \"1000\"}"));
        m.append(openAi("fbc-backup", "fbc-backup", 1, "",
                "pricing: {inputPerMillion: \"1000\", outputPerMillion: \"2000\"}"));
        m.append(openAi("oo-main", "oo-main", 1, "retries: {maxRetries: 0}, fallbacks: [oo-backup]", ""));
        m.append(openAi("oo-backup", "oo-backup", 1, "", ""));
        m.append(pair("oor", priority));
        // context window: declared (pre-call check) and the provider's own refusal; content policy: OpenAI and Azure
        m.append(openAi("cw-small", "cw-small", 1, "contextWindowFallbacks: [cw-large]", "contextWindow: 64"));
        m.append(openAi("cw-large", "cw-large", 1, "", "contextWindow: 128000"));
        m.append(openAi("cw2-small", "cw2-small", 1, "retries: {maxRetries: 2}, contextWindowFallbacks: [cw-large]", ""));
        m.append(openAi("cp-main", "cp-main", 1, "contentPolicyFallbacks: [cp-alt]", ""));
        m.append(openAi("cp-alt", "cp-alt", 1, "", ""));
        m.append(deployment("cpz-main", "cpz-main", "azure", azure.baseUrl(), "azure", 1,
                "contentPolicyFallbacks: [cp-alt]", "apiVersion: \"2024-10-21\""));
        // cooldowns: after N failures; every deployment cooling down
        String afterTwo = "strategy: priority, " + RETRIES + ", cooldown: {failures: 2, window: 30s, duration: 1s, max: 5s}";
        m.append(pair("cdn", afterTwo));
        String allCooling = "strategy: priority, retries: {maxRetries: 1, backoff: 10ms, maxBackoff: 50ms, "
                + "maxRetryAfter: 500ms, timeBudget: 20s}, cooldown: {failures: 3, window: 30s, duration: 30s, max: 60s}";
        m.append(pair("cdall", allCooling));
        // streams: the first-token timeout
        m.append(openAi("s-ftt-a", "s-ftt", 1, priority + ", firstTokenTimeout: 300ms", "weight: 1000, timeout: 5s"));
        m.append(openAi("s-ftt-b", "s-ftt", 2, priority + ", firstTokenTimeout: 300ms", "timeout: 5s"));
        // strategies: priority tiers; least-busy under concurrency
        m.append(openAi("tier-a", "tier", 1, priority, "")).append(openAi("tier-b", "tier", 2, priority, ""));
        for (String d : List.of("lb-a", "lb-b", "lb-c")) {
            m.append(openAi(d, "lb", 1, "strategy: least-busy", ""));
        }
        return m.toString();
    }

    // ---- clients ---------------------------------------------------------------------------------------------------

    @TestHTTPResource("/v1")
    URL base;

    @TestHTTPResource(value = "/metrics", management = true)
    URL management;

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final String PROMPT = "Say something.";

    OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    static ChatCompletionCreateParams chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage(PROMPT).build();
    }

    HttpResponse<String> ask(String model, String... headers) throws Exception {
        return askAs(KEY, model, PROMPT, headers);
    }

    HttpResponse<String> askAs(String key, String model, String prompt, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
                .timeout(Duration.ofSeconds(20))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(model, prompt)));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String body(String model, String prompt) {
        com.fasterxml.jackson.databind.node.ObjectNode body = Json.object().put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return body.toString();
    }

    static String content(HttpResponse<String> r) {
        return Json.parse(r.body()).path("choices").path(0).path("message").path("content").asText();
    }

    static String header(HttpResponse<String> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    /** Collects a stream's text through the SDK; an exception while iterating is rethrown with the text so far. */
    static String streamText(StreamResponse<ChatCompletionChunk> s, List<ChatCompletionChunk> chunks, StringBuilder text) {
        Iterator<ChatCompletionChunk> it = s.stream().iterator();
        while (it.hasNext()) {
            ChatCompletionChunk ch = it.next();
            chunks.add(ch);
            ch.choices().forEach(c -> c.delta().content().ifPresent(text::append));
        }
        return text.toString();
    }

    JsonNode usage() throws Exception {
        return Json.parse(new String(management.toURI().resolve("/tollgate/usage").toURL().openStream().readAllBytes(),
                StandardCharsets.UTF_8));
    }

    static long budgetSpend(JsonNode report, String budget) {
        long sum = 0;
        for (JsonNode b : report.path("budgets")) {
            if (b.path("budget").asText().equals(budget)) {
                sum += b.path("spendMicros").asLong();
            }
        }
        return sum;
    }

    /** The answer a healthy deployment gives, naming itself: a mixed or duplicated text would show. */
    static Reply says(String deployment) {
        return Reply.text("served by " + deployment + " in five words").usage(10, 7);
    }

    /** Every deployment named answers with its own text, unless a test scripts it otherwise. */
    static void healthy(String... deployments) {
        for (String d : deployments) {
            openai.behaviourFor(d, says(d));
        }
    }

    // ---- retries: each retryable class, served by another deployment of the group ----------------------------------

    void assertRetriedOnB(String group, HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(content(r)).isEqualTo("served by " + group + "-b in five words");
        assertThat(header(r, "x-tollgate-deployment")).isEqualTo("default/" + group + "-b");
        assertThat(header(r, "x-tollgate-attempts")).isEqualTo("2");
        assertThat(header(r, "x-tollgate-fallback")).isNull();
    }

    @Test
    void a429IsRetriedOnAnotherDeploymentOfTheGroup() throws Exception {
        healthy("r429-b");
        openai.enqueueFor("r429-a", FakeOpenAi.rateLimited(Duration.ofSeconds(1)));
        assertRetriedOnB("r429", ask("r429"));
        assertThat(openai.requestsFor("r429-a")).hasSize(1);
        assertThat(openai.requestsFor("r429-b")).hasSize(1);
    }

    @Test
    void a429sRetryAfterIsHonouredOnTheOnlyDeploymentUpToTheCap() throws Exception {
        // rsame: maxRetryAfter 2s, retry-after 1s: waited for, then retried on the same deployment
        openai.enqueueFor("rsame", FakeOpenAi.rateLimited(Duration.ofSeconds(1)), says("rsame"));
        long t0 = System.nanoTime();
        HttpResponse<String> r = ask("rsame");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(content(r)).isEqualTo("served by rsame in five words");
        assertThat(header(r, "x-tollgate-attempts")).isEqualTo("2");
        assertThat(millis).as("the retry waited for retry-after").isGreaterThanOrEqualTo(950);
        assertThat(openai.requestsFor("rsame")).hasSize(2);

        // rcap: maxRetryAfter 1s, retry-after 5s: not waited for; nothing else may serve, so the 429 reaches the client
        openai.behaviourFor("rcap", FakeOpenAi.rateLimited(Duration.ofSeconds(5)));
        t0 = System.nanoTime();
        HttpResponse<String> capped = ask("rcap");
        millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(capped.statusCode()).isEqualTo(429);
        assertThat(capped.body()).contains("rate_limit_exceeded");
        assertThat(millis).as("5 s is over the cap: not waited for").isLessThan(4_000);
        assertThat(openai.requestsFor("rcap")).hasSize(1);
    }

    @Test
    void a500IsRetried() throws Exception {
        healthy("r500-b");
        openai.enqueueFor("r500-a", FakeOpenAi.serverError());
        assertRetriedOnB("r500", ask("r500"));
        assertThat(openai.requestsFor("r500-a")).hasSize(1);
    }

    @Test
    void a503IsRetried() throws Exception {
        healthy("r503-b");
        openai.enqueueFor("r503-a", FakeOpenAi.overloaded());
        assertRetriedOnB("r503", ask("r503"));
        assertThat(openai.requestsFor("r503-a")).hasSize(1);
    }

    @Test
    void anthropics529OverloadedIsRetried() throws Exception {
        anthropic.behaviourFor("r529-b", Reply.text("served by r529-b in five words").usage(10, 7));
        anthropic.enqueueFor("r529-a", FakeAnthropic.overloaded());
        assertRetriedOnB("r529", ask("r529"));
        assertThat(anthropic.requestsFor("r529-a")).hasSize(1);
        assertThat(anthropic.requestsFor("r529-b")).hasSize(1);
    }

    @Test
    void aConnectFailureIsRetried() throws Exception {
        healthy("rconn-b");
        assertRetriedOnB("rconn", ask("rconn"));
    }

    @Test
    void aTimeoutBeforeHeadersIsRetried() throws Exception {
        healthy("rtimeout-b");
        openai.enqueueFor("rtimeout-a", Reply.hang()); // timeout: 1s
        assertRetriedOnB("rtimeout", ask("rtimeout"));
        assertThat(openai.requestsFor("rtimeout-a")).hasSize(1);
    }

    // ---- never retried: the client's own mistakes ------------------------------------------------------------------

    @Test
    void theClientsOwnMistakesAreNeverRetried() throws Exception {
        healthy("nr-b");
        openai.enqueueFor("nr-a", Reply.error(400, "invalid_request_error",
                "Invalid value for 'temperature': must be between 0 and 2.").param("temperature").code("invalid_value"));
        HttpResponse<String> bad = ask("nr");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("temperature");
        assertThat(header(bad, "x-tollgate-attempts")).isEqualTo("1");
        assertThat(openai.requestsFor("nr-a")).as("one attempt").hasSize(1);
        assertThat(openai.requestsFor("nr-b")).isEmpty();

        assertThat(askAs("sk-tg-no-such-key-000000000000000000", "nr", PROMPT).statusCode()).isEqualTo(401);
        assertThat(askAs(NARROW_KEY, "nr", PROMPT).statusCode()).as("not in the key's allowlist").isEqualTo(403);
        assertThat(ask("no-such-model").statusCode()).isEqualTo(404);
        assertThat(openai.requestsFor("nr-a")).as("none of those reached an upstream").hasSize(1);
        assertThat(openai.requestsFor("nr-b")).isEmpty();
    }

    // ---- fallbacks -------------------------------------------------------------------------------------------------

    @Test
    void whenEveryDeploymentFailsTheFallbackGroupServes() throws Exception {
        openai.behaviourFor("fb-main", FakeOpenAi.serverError());
        healthy("fb-backup");
        HttpResponse<String> r = ask("fb-main");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(content(r)).isEqualTo("served by fb-backup in five words");
        assertThat(header(r, "x-tollgate-deployment")).isEqualTo("default/fb-backup");
        assertThat(header(r, "x-tollgate-fallback")).isEqualTo("fb-backup");
        assertThat(header(r, "x-tollgate-attempts")).isEqualTo("2");
        assertThat(openai.requestsFor("fb-main")).hasSize(1);
        assertThat(openai.requestsFor("fb-backup")).hasSize(1);
        assertThat(openai.requestsFor("fb-backup").get(0).json().path("model").asText())
                .as("the fallback's own upstream model").isEqualTo("fb-backup");
    }

    @Test
    void aFallbackOutsideTheKeysAllowlistIsNotUsed() throws Exception {
        openai.behaviourFor("fba-main", FakeOpenAi.serverError());
        healthy("fba-backup");
        HttpResponse<String> r = askAs(NARROW_KEY, "fba-main", PROMPT);
        assertThat(r.statusCode()).as("the original error").isEqualTo(502);
        assertThat(r.body()).contains("upstream_error");
        assertThat(header(r, "x-tollgate-fallback")).isNull();
        assertThat(openai.requestsFor("fba-backup")).isEmpty();
        // the same request with a key that may use fba-backup does fall back
        assertThat(header(ask("fba-main"), "x-tollgate-fallback")).isEqualTo("fba-backup");
    }

    @Test
    void budgetsApplyToTheModelActuallyCalled() throws Exception {
        openai.behaviourFor("fbc-main", FakeOpenAi.serverError());
        openai.behaviourFor("fbc-backup", Reply.text("served by fbc-backup").usage(100, 10));
        JsonNode before = usage();
        HttpResponse<String> r = askAs(BUDGETED_KEY, "fbc-main", PROMPT);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(header(r, "x-tollgate-fallback")).isEqualTo("fbc-backup");
        // priced at fbc-backup's prices: 100 x 1000 + 10 x 2000 USD per million tokens = 0.12 USD; the 500 was free
        assertThat(Money.parseMicros(header(r, "x-tollgate-cost"))).isEqualTo(120_000);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode after = usage();
            assertThat(budgetSpend(after, "default/on-backup") - budgetSpend(before, "default/on-backup")).isEqualTo(120_000);
            assertThat(budgetSpend(after, "default/on-main") - budgetSpend(before, "default/on-main")).isZero();
        });
    }

    @Test
    void aRequestTooLongForTheGroupsContextWindowGoesToItsContextWindowFallback() throws Exception {
        healthy("cw-large");
        String longPrompt = "word ".repeat(400); // some 400 tokens: over cw-small's 64
        HttpResponse<String> r = askAs(KEY, "cw-small", longPrompt);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(header(r, "x-tollgate-fallback")).isEqualTo("cw-large");
        assertThat(header(r, "x-tollgate-deployment")).isEqualTo("default/cw-large");
        assertThat(openai.requestsFor("cw-small")).as("skipped, not tried").isEmpty();
        // a short one stays on cw-small
        healthy("cw-small");
        assertThat(header(ask("cw-small"), "x-tollgate-deployment")).isEqualTo("default/cw-small");
    }

    @Test
    void theProvidersOwnContextTooLongGoesToTheContextWindowFallbackWithoutRetrying() throws Exception {
        healthy("cw-large");
        openai.behaviourFor("cw2-small", Reply.contextTooLong());
        int before = openai.requestsFor("cw-large").size();
        HttpResponse<String> r = ask("cw2-small");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(header(r, "x-tollgate-fallback")).isEqualTo("cw-large");
        assertThat(openai.requestsFor("cw2-small")).as("a 400 is not retried").hasSize(1);
        assertThat(openai.requestsFor("cw-large")).hasSize(before + 1);
    }

    @Test
    void aContentPolicyRefusalGoesToTheContentPolicyFallback() throws Exception {
        healthy("cp-alt");
        openai.behaviourFor("cp-main", Reply.contentPolicy()); // OpenAI: 400 content_policy_violation
        HttpResponse<String> r = ask("cp-main");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(content(r)).isEqualTo("served by cp-alt in five words");
        assertThat(header(r, "x-tollgate-fallback")).isEqualTo("cp-alt");
        assertThat(openai.requestsFor("cp-main")).hasSize(1);

        azure.enqueue(Reply.contentPolicy()); // Azure: 400 content_filter, ResponsibleAIPolicyViolation
        HttpResponse<String> z = ask("cpz-main");
        assertThat(z.statusCode()).as(z.body()).isEqualTo(200);
        assertThat(header(z, "x-tollgate-fallback")).isEqualTo("cp-alt");
        assertThat(azure.requestsFor("cpz-main")).hasSize(1);
    }

    // ---- opting out ------------------------------------------------------------------------------------------------

    @Test
    void aClientMayTurnFallbacksOffAndRetriesDown() throws Exception {
        openai.behaviourFor("oo-main", FakeOpenAi.serverError());
        healthy("oo-backup", "oor-b");
        HttpResponse<String> noFallback = ask("oo-main", "x-tollgate-fallbacks", "off");
        assertThat(noFallback.statusCode()).isEqualTo(502);
        assertThat(header(noFallback, "x-tollgate-fallback")).isNull();
        assertThat(openai.requestsFor("oo-backup")).isEmpty();

        openai.enqueueFor("oor-a", FakeOpenAi.serverError());
        HttpResponse<String> noRetry = ask("oor", "x-tollgate-retries", "0");
        assertThat(noRetry.statusCode()).isEqualTo(502);
        assertThat(header(noRetry, "x-tollgate-attempts")).isEqualTo("1");
        assertThat(openai.requestsFor("oor-a")).hasSize(1);
        assertThat(openai.requestsFor("oor-b")).isEmpty();
    }

    // ---- cooldowns and priority tiers ------------------------------------------------------------------------------

    @Test
    void tier2ServesOnlyWhileTier1CoolsDownAfterA429() throws Exception {
        healthy("tier-a", "tier-b");
        for (int i = 0; i < 4; i++) {
            assertThat(header(ask("tier"), "x-tollgate-deployment")).isEqualTo("default/tier-a");
        }
        openai.enqueueFor("tier-a", FakeOpenAi.rateLimited(Duration.ofSeconds(1)));
        long limitedAt = System.nanoTime();
        HttpResponse<String> r = ask("tier");
        assertThat(header(r, "x-tollgate-deployment")).isEqualTo("default/tier-b");
        assertThat(header(r, "x-tollgate-attempts")).isEqualTo("2");
        // while tier-a cools down (its retry-after) the next requests go straight to tier 2
        int seenByA = openai.requestsFor("tier-a").size();
        for (int i = 0; i < 3 && TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - limitedAt) < 800; i++) {
            HttpResponse<String> cooling = ask("tier");
            assertThat(header(cooling, "x-tollgate-deployment")).isEqualTo("default/tier-b");
            assertThat(header(cooling, "x-tollgate-attempts")).isEqualTo("1");
        }
        assertThat(openai.requestsFor("tier-a")).as("skipped while cooling down").hasSize(seenByA);
        // once the time has passed, tier 1 is back
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                "default/tier-a".equals(header(ask("tier"), "x-tollgate-deployment")));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - limitedAt)).isGreaterThanOrEqualTo(950);
    }

    @Test
    void afterNFailuresADeploymentIsSkippedUntilItsCooldownEnds() throws Exception {
        healthy("cdn-b");
        openai.enqueueFor("cdn-a", FakeOpenAi.serverError(), FakeOpenAi.serverError(), says("cdn-a"));
        assertRetriedOnB("cdn", ask("cdn"));
        assertRetriedOnB("cdn", ask("cdn"));
        long cooledAt = System.nanoTime();
        // 2 failures in the window: cdn-a cools down for 1s
        HttpResponse<String> skipped = ask("cdn");
        if (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cooledAt) < 900) {
            assertThat(header(skipped, "x-tollgate-deployment")).isEqualTo("default/cdn-b");
            assertThat(header(skipped, "x-tollgate-attempts")).isEqualTo("1");
            assertThat(openai.requestsFor("cdn-a")).hasSize(2);
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                "default/cdn-a".equals(header(ask("cdn"), "x-tollgate-deployment")));
    }

    @Test
    void whenEveryDeploymentCoolsDownTheOneWhoseCooldownEndsFirstIsStillTried() throws Exception {
        // both answer 429: cdall-a for 20 s, cdall-b for 40 s (over maxRetryAfter: not waited for)
        openai.enqueueFor("cdall-a", FakeOpenAi.rateLimited(Duration.ofSeconds(20)), says("cdall-a"));
        openai.enqueueFor("cdall-b", FakeOpenAi.rateLimited(Duration.ofSeconds(40)));
        HttpResponse<String> first = ask("cdall");
        assertThat(first.statusCode()).isEqualTo(429);
        assertThat(openai.requestsFor("cdall-a")).hasSize(1);
        assertThat(openai.requestsFor("cdall-b")).hasSize(1);
        // both cool down now; rather than refuse, the gateway tries the one free first, and says so
        HttpResponse<String> r = ask("cdall");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(content(r)).isEqualTo("served by cdall-a in five words");
        assertThat(header(r, "x-tollgate-cooldown-override")).isEqualTo("default/cdall-a");
        assertThat(openai.requestsFor("cdall-b")).hasSize(1);
    }

    // ---- streams ---------------------------------------------------------------------------------------------------

    /** The stream the SDK sees when the first deployment failed before content: all of b's text, once, one id. */
    void assertOneCleanStreamFromB(String group) {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = sdk(KEY).chat().completions().createStreaming(chat(group))) {
            assertThat(streamText(s, chunks, new StringBuilder())).isEqualTo("served by " + group + "-b in five words");
        }
        Set<String> ids = new TreeSet<>();
        chunks.forEach(ch -> ids.add(ch.id()));
        assertThat(ids).as("one stream").hasSize(1);
        assertThat(chunks.stream().filter(ch -> ch.choices().stream().anyMatch(c -> c.delta().role().isPresent())))
                .as("one role chunk").hasSize(1);
        assertThat(openai.requestsFor(group + "-a")).hasSize(1);
        assertThat(openai.requestsFor(group + "-b")).hasSize(1);
    }

    @Test
    void aStreamThatFailsBeforeHeadersIsServedByAnotherDeployment() {
        healthy("s-err-b");
        openai.enqueueFor("s-err-a", FakeOpenAi.serverError());
        assertOneCleanStreamFromB("s-err");
    }

    @Test
    void aStreamCutAfterOnlyTheRoleChunkIsServedByAnotherDeployment() {
        openai.behaviourFor("s-cut-b", says("s-cut-b").every(Duration.ofMillis(5)));
        openai.enqueueFor("s-cut-a", Reply.text("never said by s-cut-a").cutBeforeContent());
        assertOneCleanStreamFromB("s-cut");
    }

    @Test
    void aStreamWithNoFirstTokenWithinTheFirstTokenTimeoutIsServedByAnotherDeployment() throws Exception {
        healthy("s-ftt-b");
        openai.enqueueFor("s-ftt-a", Reply.text("too late from s-ftt-a").hangBeforeContent());
        long t0 = System.nanoTime();
        assertOneCleanStreamFromB("s-ftt");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("the 300 ms first-token timeout, not the "
                + "5 s model timeout").isLessThan(4_000);
    }

    /**
     * A stream that breaks after content reached the client: the SDK throws while iterating, what it received is a
     * prefix of the first deployment's answer (never another's words), nothing is retried, and the key is charged for
     * the words delivered: 1 USD per output token, input free, so the charge counts them.
     */
    void assertEndsWithAnErrorAfterContent(String group, String expectedPrefix) throws Exception {
        String full = "alpha one two three four five six seven";
        JsonNode before = usage();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> s = sdk(STREAM_KEY).chat().completions().createStreaming(chat(group))) {
                streamText(s, chunks, text);
            }
        }).as("the SDK surfaces the broken stream").isInstanceOf(RuntimeException.class);
        assertThat(full).startsWith(text.toString());
        assertThat(text.toString()).isEqualTo(expectedPrefix);
        assertThat(openai.requestsFor(group + "-a")).hasSize(1);
        assertThat(openai.requestsFor(group + "-b")).as("never spliced in").isEmpty();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            long charged = usage().path("keys").path("default/streamer").path("spendMicros").asLong()
                    - before.path("keys").path("default/streamer").path("spendMicros").asLong();
            // "alpha one two " is 3 words: 3 or so tokens at 1 USD each; the whole answer would have been 8
            assertThat(charged).isBetween(2_000_000L, 5_000_000L);
        });
    }

    @Test
    void aStreamCutAfterContentEndsWithAnErrorAndIsChargedForWhatWasDelivered() throws Exception {
        healthy("s-after-b");
        // role chunk, "alpha ", "one ", "two ", then the connection closes
        openai.enqueueFor("s-after-a", Reply.text("alpha one two three four five six seven").usage(10, 8).cutAfter(4));
        assertEndsWithAnErrorAfterContent("s-after", "alpha one two ");
    }

    @Test
    void aStreamHungAfterContentEndsWithAnErrorAndIsChargedForWhatWasDelivered() throws Exception {
        healthy("s-hang-b");
        // role chunk, "alpha ", "one ", "two ", then silence past the model's 1 s timeout
        openai.enqueueFor("s-hang-a", Reply.text("alpha one two three four five six seven").usage(10, 8).hangAfter(4));
        assertEndsWithAnErrorAfterContent("s-hang", "alpha one two ");
    }

    // ---- least-busy under concurrency ------------------------------------------------------------------------------

    /** Opens a stream and reads until its first content chunk: it is in flight at its deployment from then on. */
    InputStream openStream(String model) throws Exception {
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
                .header("authorization", "Bearer " + KEY).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("data: ") && line.contains("\"content\":\"w")) {
                return r.body();
            }
        }
        throw new AssertionError("the stream ended before any content");
    }

    @Test
    void leastBusySpreadsParallelSlowStreamsAcrossTheDeployments() throws Exception {
        // each answer takes 20 x 400 ms: all six are still in flight when the last one starts
        for (String d : List.of("lb-a", "lb-b", "lb-c")) {
            openai.behaviourFor(d, Reply.text("w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20")
                    .every(Duration.ofMillis(400)));
        }
        List<InputStream> open = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                open.add(openStream("lb"));
            }
            assertThat(openai.requestsFor("lb-a")).hasSize(2);
            assertThat(openai.requestsFor("lb-b")).hasSize(2);
            assertThat(openai.requestsFor("lb-c")).hasSize(2);
        } finally {
            for (InputStream s : open) {
                s.close();
            }
        }
    }
}
