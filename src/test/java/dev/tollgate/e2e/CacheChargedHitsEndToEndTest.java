package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.Reply;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A GatewayDeployment that charges cache hits ({@code spec.cache.chargeHits: true}): a hit passes the request stages
 * like a call — its key's budget is charged what the stored answer cost, and a budget that is spent refuses it.
 */
@QuarkusTest
@TestProfile(CacheChargedHitsEndToEndTest.Charged.class)
class CacheChargedHitsEndToEndTest {
    static final String KEY = "sk-tg-cache-charged-key-0123456789abc";
    static final String OPENAI_KEY = "sk-upstream-cache-charged";
    static FakeOpenAi openai;

    public static class Charged implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            openai = FakeOpenAi.start(OPENAI_KEY);
            return StandaloneFolder.serve(StandaloneFolder.create("tollgate-cache-charged", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: charged}
                    spec: {cache: {chargeHits: true}}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                    stringData: {openai: %s, key: %s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: k}
                    spec: {existingSecret: {name: creds, key: key}, budgetRefs: [b]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: Budget
                    metadata: {name: b}
                    spec: {limit: "20", period: daily}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: cached}
                    spec:
                      modelName: cached
                      provider: openai
                      model: gpt-4o-mini
                      apiBase: "%s"
                      credentialsSecretRef: {name: creds, key: openai}
                      pricing: {inputPerMillion: "0", outputPerMillion: "2000000"}
                      cache: {exact: {ttl: 1h}}
                    """.formatted(OPENAI_KEY, KEY, openai.baseUrl())));
        }
    }

    @AfterAll
    static void stop() {
        openai.close();
    }

    @TestHTTPResource("/v1/chat/completions")
    URL chat;

    @TestHTTPResource(value = "/metrics", management = true)
    URL management;

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    HttpResponse<String> ask(String prompt) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(chat.toURI()).timeout(Duration.ofSeconds(20))
                .header("authorization", "Bearer " + KEY).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"cached\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"" + prompt + "\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode report() throws Exception {
        return Json.parse(HTTP.send(HttpRequest.newBuilder(management.toURI().resolve("/tollgate/usage")).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void aChargedHitCostsWhatTheAnswerCostAndAnExhaustedBudgetRefusesIt() throws Exception {
        openai.enqueue(Reply.text("six dollars").usage(3, 3)); // 3 output tokens at 2 USD: 6 USD, as max_tokens reserves
        assertThat(ask("charged").headers().firstValue("x-tollgate-cache")).hasValue("MISS");
        HttpResponse<String> hit = ask("charged");
        assertThat(hit.headers().firstValue("x-tollgate-cache")).hasValue("HIT");
        assertThat(hit.headers().firstValue("x-tollgate-cost")).hasValue(dev.tollgate.config.Money.format(6_000_000L));
        assertThat(ask("charged").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> report().path("keys").path("default/k").path("spendMicros")
                .asLong() == 18_000_000L);
        // 18 of 20 USD spent: the next hit (6 USD) does not fit
        HttpResponse<String> refused = ask("charged");
        assertThat(refused.statusCode()).as(refused.body()).isIn(402, 429);
        assertThat(refused.headers().firstValue("x-tollgate-cache")).as("a refused hit is no hit").isEmpty();
        assertThat(openai.requests()).hasSize(1);
        JsonNode key = report().path("keys").path("default/k");
        assertThat(key.path("requests").asLong()).isEqualTo(4);
        assertThat(key.path("cacheHits").asLong()).isEqualTo(2);
        assertThat(key.path("spendMicros").asLong()).as("the refused hit is not charged").isEqualTo(18_000_000L);
        assertThat(key.path("cacheSavedMicros").asLong()).isEqualTo(12_000_000L);
    }
}
