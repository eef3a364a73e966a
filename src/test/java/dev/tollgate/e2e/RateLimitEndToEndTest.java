package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-key rate limits through the whole gateway (standalone mode, mock provider). */
@QuarkusTest
@TestProfile(RateLimitEndToEndTest.Limits.class)
class RateLimitEndToEndTest {
    static final String RPM_KEY = "sk-tg-rpm-limited-key-0123456789abc";
    static final String PAR_KEY = "sk-tg-parallel-limited-key-01234567";
    static final String TPM_KEY = "sk-tg-tpm-limited-key-0123456789abc";
    static final String LIVE_KEY = "sk-tg-live-changed-key-0123456789ab";
    static final String BROKE_KEY = "sk-tg-rpm-and-empty-budget-0123456";
    static Path folder;

    public static class Limits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            folder = StandaloneFolder.create("tollgate-limits", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: l}
                    spec: {}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: keys, labels: {llm.tollgate.dev/secret: key}}
                    stringData: {rpm: %s, par: %s, tpm: %s, live: %s, broke: %s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: rpm}
                    spec: {existingSecret: {name: keys, key: rpm}, limits: {rpm: 3}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: par}
                    spec: {existingSecret: {name: keys, key: par}, limits: {maxParallelRequests: 1}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: tpm}
                    spec: {existingSecret: {name: keys, key: tpm}, limits: {tpm: 20}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: live}
                    spec: {existingSecret: {name: keys, key: live}, limits: {rpm: 100}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: broke}
                    spec: {existingSecret: {name: keys, key: broke}, limits: {rpm: 2}, budgetRefs: [empty]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: Budget
                    metadata: {name: empty}
                    spec: {limit: "0.000001", period: daily}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: priced}
                    spec: {modelName: priced, provider: mock, model: priced, mock: {outputTokens: 16},
                           pricing: {inputPerMillion: "1.00", outputPerMillion: "2.00"}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: fast}
                    spec: {modelName: fast, provider: mock, model: fast, mock: {outputTokens: 16}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: slow}
                    spec: {modelName: slow, provider: mock, model: slow, mock: {outputTokens: 50, chunkInterval: 100ms}}
                    """.formatted(RPM_KEY, PAR_KEY, TPM_KEY, LIVE_KEY, BROKE_KEY));
            return StandaloneFolder.serve(folder);
        }
    }

    @TestHTTPResource("/v1/chat/completions")
    URL chat;

    HttpResponse<String> ask(String key, String model) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(chat.toURI()).header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"count these four words\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void requestsPerMinuteWithOpenAiHeaders() throws Exception {
        for (int i = 2; i >= 0; i--) {
            HttpResponse<String> r = ask(RPM_KEY, "fast");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).hasValue("3");
            assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).hasValue(Integer.toString(i));
            assertThat(r.headers().firstValue("x-ratelimit-reset-requests")).isPresent();
        }
        HttpResponse<String> refused = ask(RPM_KEY, "fast");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("retry-after")).hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isBetween(1L, 20L));
        assertThat(refused.body()).contains("\"type\":\"requests\"").contains("\"code\":\"rate_limit_exceeded\"")
                .contains("3 requests per minute");
    }

    @Test
    void aRequestItsBudgetRefusesTakesNoRequestFromItsRateLimit() throws Exception {
        // rpm 2, a budget nothing fits in: had each refusal counted against the limit, the third would be a rate limit
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = ask(BROKE_KEY, "priced");
            assertThat(r.statusCode()).as("request %d", i).isEqualTo(429);
            assertThat(r.body()).as("request %d", i).contains("budget_exceeded").doesNotContain("rate_limit_exceeded");
        }
    }

    @Test
    void aChangedLimitAppliesOnceTheFolderIsReloaded() throws Exception {
        assertThat(ask(LIVE_KEY, "fast").headers().firstValue("x-ratelimit-limit-requests")).hasValue("100");
        Path file = folder.resolve("all.yaml");
        Files.writeString(file, Files.readString(file).replace("limits: {rpm: 100}", "limits: {rpm: 250}"));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(ask(LIVE_KEY, "fast").headers().firstValue("x-ratelimit-limit-requests")).hasValue("250"));
    }

    @Test
    void tokensPerMinuteCountTheRealUsage() throws Exception {
        // 4 prompt + 16 completion tokens = 20: the whole budget for the minute
        assertThat(ask(TPM_KEY, "fast").statusCode()).isEqualTo(200);
        HttpResponse<String> refused = ask(TPM_KEY, "fast");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).contains("\"type\":\"tokens\"").contains("20 tokens per minute");
    }

    @Test
    void anAbortedStreamGivesItsParallelSlotBack() throws Exception {
        HttpURLConnection stream = (HttpURLConnection) chat.openConnection();
        stream.setRequestMethod("POST");
        stream.setDoOutput(true);
        stream.setRequestProperty("authorization", "Bearer " + PAR_KEY);
        stream.getOutputStream().write("{\"model\":\"slow\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}"
                .getBytes(StandardCharsets.UTF_8));
        BufferedReader in = new BufferedReader(new InputStreamReader(stream.getInputStream(), StandardCharsets.UTF_8));
        assertThat(in.readLine()).startsWith("data: ");

        HttpResponse<String> second = ask(PAR_KEY, "fast");
        assertThat(second.statusCode()).as("one request in flight already").isEqualTo(429);
        assertThat(second.body()).contains("1 requests in flight at once");

        stream.disconnect(); // the client goes away mid-stream
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(ask(PAR_KEY, "fast").statusCode()).isEqualTo(200));
    }
}
