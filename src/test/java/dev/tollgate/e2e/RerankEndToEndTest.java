package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code POST /v1/rerank} through the whole gateway (authentication, validation, budgets, routing, metering) to a
 * model that serves it (the mock provider, which answers with deterministic scores and Cohere's search-unit billing),
 * priced per search unit: the cost header and the budget's spend are search units × {@code pricing.perSearchUnit}.
 */
@QuarkusTest
@TestProfile(RerankEndToEndTest.Models.class)
class RerankEndToEndTest {
    static final String KEY = "sk-tg-rerank-e2e-key-0123456789abcdef";

    public static class Models implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return StandaloneFolder.serve(StandaloneFolder.create("tollgate-rerank", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: r}
                    spec: {}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: keys, labels: {llm.tollgate.dev/secret: key}}
                    stringData: {k: %s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: Budget
                    metadata: {name: rerank}
                    spec: {limit: "100", period: daily}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: k}
                    spec: {existingSecret: {name: keys, key: k}, budgetRefs: [rerank]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: rerank}
                    spec: {modelName: rerank-v3.5, provider: mock, model: rerank-v3.5, pricing: {perSearchUnit: "0.002"}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: chat}
                    spec: {modelName: gpt, provider: openai-compatible, model: gpt-4o, apiBase: "http://127.0.0.1:9/v1"}
                    """.formatted(KEY)));
        }
    }

    @Inject
    BudgetInterceptor budgets;

    @Inject
    ConfigHolder holder;

    @TestHTTPResource("/")
    URL root;

    static final HttpClient HTTP = HttpClient.newHttpClient();

    HttpResponse<String> post(String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(root.toURI().resolve(path)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.replace('\'', '"')));
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    long spent() throws Exception {
        long today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start().toEpochMilli();
        return budgets.ledger(holder.current()).spent("default/rerank", today).toCompletionStage().toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    static String documents(int n) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append(i % 2 == 0 ? "'document number " + i + "'" : "{'text':'doc " + i + "'}");
        }
        return sb.append("]").toString();
    }

    @Test
    void aRerankIsAnsweredInTheCohereShapeAndChargedPerSearchUnit() throws Exception {
        long before = spent();
        // 150 documents: two search units (one per started 100 documents) at 0.002 USD each
        HttpResponse<String> r = post("v1/rerank", "{'model':'rerank-v3.5','query':'which document','top_n':3,"
                + "'return_documents':true,'documents':" + documents(150) + "}", KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = Json.parse(r.body());
        assertThat(body.path("id").asText()).isNotBlank();
        assertThat(body.path("results")).hasSize(3);
        double previous = 2;
        for (JsonNode result : body.path("results")) {
            int index = result.path("index").asInt();
            assertThat(index).isBetween(0, 149);
            double score = result.path("relevance_score").asDouble();
            assertThat(score).isBetween(0.0, 1.0).isLessThanOrEqualTo(previous);
            previous = score;
            assertThat(result.path("document").path("text").asText()).isEqualTo(index % 2 == 0 ? "document number " + index
                    : "doc " + index);
        }
        assertThat(body.path("meta").path("billed_units").path("search_units").asLong()).isEqualTo(2);
        assertThat(r.headers().firstValue("x-tollgate-cost")).hasValue("0.004");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(spent() - before).isEqualTo(4_000));
    }

    @Test
    void theEndpointIsServedWithoutTheV1PrefixAndTheSameScoresComeBack() throws Exception {
        String req = "{'model':'rerank-v3.5','query':'q','documents':['a','b','c']}";
        HttpResponse<String> a = post("rerank", req, KEY);
        HttpResponse<String> b = post("v1/rerank", req, KEY);
        assertThat(a.statusCode()).isEqualTo(200);
        assertThat(Json.parse(a.body()).path("results")).isEqualTo(Json.parse(b.body()).path("results"));
        assertThat(Json.parse(a.body()).path("results")).hasSize(3);
        assertThat(a.headers().firstValue("x-tollgate-cost")).hasValue("0.002");
    }

    @ParameterizedTest(name = "{0} -> 400 on {1}")
    @CsvSource(delimiter = '|', value = {
        "{'model':'rerank-v3.5','documents':['a']}| query",
        "{'model':'rerank-v3.5','query':'','documents':['a']}| query",
        "{'model':'rerank-v3.5','query':7,'documents':['a']}| query",
        "{'model':'rerank-v3.5','query':'q'}| documents",
        "{'model':'rerank-v3.5','query':'q','documents':[]}| documents",
        "{'model':'rerank-v3.5','query':'q','documents':'a'}| documents",
        "{'model':'rerank-v3.5','query':'q','documents':['a',3]}| documents[1]",
        "{'model':'rerank-v3.5','query':'q','documents':[{'title':'a'}]}| documents[0].text",
        "{'model':'rerank-v3.5','query':'q','documents':['a'],'top_n':0}| top_n",
        "{'model':'rerank-v3.5','query':'q','documents':['a'],'return_documents':'yes'}| return_documents",
        "{'model':'rerank-v3.5','query':'q','documents':['a'],'max_tokens_per_doc':-1}| max_tokens_per_doc",
    })
    void invalidRequestsAreRefusedBeforeAnyCost(String body, String param) throws Exception {
        long before = spent();
        HttpResponse<String> r = post("v1/rerank", body, KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(Json.parse(r.body()).path("error").path("param").asText()).isEqualTo(param);
        assertThat(r.headers().firstValue("x-tollgate-cost")).isEmpty();
        assertThat(spent()).isEqualTo(before);
    }

    @Test
    void aModelWhoseProviderHasNoRerankSaysSo() throws Exception {
        HttpResponse<String> r = post("v1/rerank", "{'model':'gpt','query':'q','documents':['a']}", KEY);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("unsupported_operation");
    }

    @Test
    void aRerankNeedsAKey() throws Exception {
        assertThat(post("v1/rerank", "{'model':'rerank-v3.5','query':'q','documents':['a']}", null).statusCode())
                .isEqualTo(401);
    }
}
