package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.Reply;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Validation before any cost, through the whole gateway (standalone mode) with plain HTTP and the official OpenAI
 * SDK: a body that breaks its API's description is a 400 naming the field, in the endpoint's own error shape, and
 * takes no rate-limit slot, reserves no budget and never reaches the upstream; unknown fields reach the upstream as
 * the client sent them; a prompt too long for the model's contextWindow is refused with context_length_exceeded.
 */
@QuarkusTest
@TestProfile(ValidationEndToEndTest.Models.class)
class ValidationEndToEndTest {
    static final String KEY = "sk-tg-validation-plain-key-0123456789";
    static final String STRICT = "sk-tg-validation-rpm1-key-0123456789";
    static final String UPSTREAM_KEY = "sk-upstream-validation-secret";
    static FakeOpenAi openai;

    public static class Models implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            openai = FakeOpenAi.start(UPSTREAM_KEY);
            return StandaloneFolder.serve(StandaloneFolder.create("tollgate-validation", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: v}
                    spec: {}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: keys, labels: {llm.tollgate.dev/secret: key}}
                    stringData: {plain: %s, strict: %s, upstream: %s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: Budget
                    metadata: {name: b}
                    spec: {limit: "10.00", period: daily}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: plain}
                    spec: {existingSecret: {name: keys, key: plain}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: strict}
                    spec: {existingSecret: {name: keys, key: strict}, limits: {rpm: 1}, budgetRefs: [b]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: m}
                    spec: {modelName: m, provider: mock, model: m, mock: {outputTokens: 4},
                           pricing: {inputPerMillion: "1000", outputPerMillion: "2250"}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: small}
                    spec: {modelName: small, provider: mock, model: small, contextWindow: 60, mock: {outputTokens: 4}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: up}
                    spec: {modelName: up, provider: openai, model: gpt-4o-mini, apiBase: "%s",
                           credentialsSecretRef: {name: keys, key: upstream}}
                    """.formatted(KEY, STRICT, UPSTREAM_KEY, openai.baseUrl())));
        }
    }

    @TestHTTPResource("/v1")
    URL base;

    @Inject
    BudgetInterceptor budgets;

    @Inject
    ConfigHolder holder;

    @BeforeEach
    void reset() {
        openai.reset();
    }

    HttpResponse<String> post(String path, String key, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode error(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode e = Json.parse(r.body()).path("error");
        assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
        return e;
    }

    OpenAIClient sdk() {
        return OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey(KEY).maxRetries(0).build();
    }

    long spent() throws Exception {
        long today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start().toEpochMilli();
        return budgets.ledger(holder.current()).spent("default/b", today).toCompletionStage().toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    // ---- the issue's examples --------------------------------------------------------------------------------------

    @Test
    void theIssuesExamplesAre400sNamingTheField() throws Exception {
        JsonNode e = error(post("/chat/completions", KEY, "{\"model\":\"m\",\"messages\":\"x\"}"));
        assertThat(e.path("param").asText()).isEqualTo("messages");
        assertThat(e.path("code").asText()).isEqualTo("invalid_type");
        assertThat(e.path("message").asText()).contains("'messages'").contains("expected an array");

        String hi = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        e = error(post("/chat/completions", KEY, "{\"model\":\"m\"," + hi + ",\"max_tokens\":\"many\"}"));
        assertThat(e.path("param").asText()).isEqualTo("max_tokens");
        assertThat(e.path("code").asText()).isEqualTo("invalid_type");

        e = error(post("/chat/completions", KEY, "{\"model\":\"m\"," + hi + ",\"max_tokens\":-5}"));
        assertThat(e.path("param").asText()).isEqualTo("max_tokens");
        assertThat(e.path("code").asText()).isEqualTo("integer_below_min_value");
        assertThat(e.path("message").asText()).contains("-5");

        e = error(post("/chat/completions", KEY, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"video\",\"text\":\"x\"}]}]}"));
        assertThat(e.path("param").asText()).isEqualTo("messages[1].content[0].type");

        e = error(post("/embeddings", KEY, "{\"model\":\"m\",\"input\":{}}"));
        assertThat(e.path("param").asText()).isEqualTo("input");
        e = error(post("/images/generations", KEY, "{\"model\":\"m\",\"prompt\":\"p\",\"n\":11}"));
        assertThat(e.path("param").asText()).isEqualTo("n");
        e = error(post("/completions", KEY, "{\"model\":\"m\",\"prompt\":\"p\",\"temperature\":2.5}"));
        assertThat(e.path("param").asText()).isEqualTo("temperature");
    }

    @Test
    void anthropicClientsGetAnthropicsErrorShape() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/messages"))
                .header("x-api-key", KEY).header("anthropic-version", "2023-06-01").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"max_tokens\":\"many\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode body = Json.parse(r.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(body.path("error").path("message").asText()).contains("'max_tokens'");
    }

    @Test
    void theOfficialSdkSeesABadRequestWithItsParam() {
        assertThatThrownBy(() -> sdk().chat().completions().create(ChatCompletionCreateParams.builder().model("m")
                .addUserMessage("hi").maxTokens(-5).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.param()).hasValue("max_tokens");
                    assertThat(e.code()).hasValue("integer_below_min_value");
                });
        assertThatThrownBy(() -> sdk().chat().completions().create(ChatCompletionCreateParams.builder().model("m")
                .addUserMessage("hi").putAdditionalBodyProperty("max_tokens", JsonValue.from("many")).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).hasValue("max_tokens"));
        assertThatThrownBy(() -> sdk().chat().completions().create(ChatCompletionCreateParams.builder().model("m")
                .addUserMessage("hi").temperature(3.0).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).hasValue("temperature"));
        // and a valid request from the same SDK passes (content is written before role: order does not matter)
        ChatCompletion ok = sdk().chat().completions().create(ChatCompletionCreateParams.builder().model("m")
                .addSystemMessage("be brief").addUserMessage("hi there").maxCompletionTokens(10).temperature(0.5).build());
        assertThat(ok.choices()).hasSize(1);
    }

    // ---- before any cost -------------------------------------------------------------------------------------------

    @Test
    void aRefusedRequestTakesNoRateLimitSlotAndChargesNoBudget() throws Exception {
        long before = spent();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = post("/chat/completions", STRICT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"hi\"}],\"max_tokens\":" + (i % 2 == 0 ? "-5" : "\"many\"") + "}");
            assertThat(error(r).path("param").asText()).isEqualTo("max_tokens");
            assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).as("no limit stage ran").isEmpty();
        }
        assertThat(spent()).as("nothing reserved or charged for refused requests").isEqualTo(before);
        // the key's one request per minute is still there
        HttpResponse<String> ok = post("/chat/completions", STRICT,
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":4}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        assertThat(spent()).as("the valid request is charged").isGreaterThan(before);
        // and it was the only one: the next is over the limit
        assertThat(post("/chat/completions", STRICT,
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(429);
    }

    @Test
    void aRefusedRequestNeverReachesTheUpstream() throws Exception {
        error(post("/chat/completions", KEY, "{\"model\":\"up\",\"messages\":[{\"role\":\"tool\",\"content\":\"42\"}]}"));
        error(post("/chat/completions", KEY, "{\"model\":\"up\",\"messages\":\"x\"}"));
        assertThat(openai.requests()).isEmpty();
    }

    @Test
    void unknownFieldsReachTheUpstreamUntouched() throws Exception {
        openai.enqueue(Reply.text("fine").usage(5, 1));
        String body = "{\"model\":\"up\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"x_note\":{\"k\":[1,\"2\"]}}],"
                + "\"some_future_field\":{\"nested\":[1,\"x\",{\"deep\":true}]},\"verbosity\":\"low\",\"temperature\":0.5}";
        HttpResponse<String> r = post("/chat/completions", KEY, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode sent = openai.lastRequest().json();
        assertThat(sent.path("some_future_field")).isEqualTo(Json.parse("{\"nested\":[1,\"x\",{\"deep\":true}]}"));
        assertThat(sent.path("verbosity").asText()).isEqualTo("low");
        assertThat(sent.path("messages").get(0).path("x_note")).isEqualTo(Json.parse("{\"k\":[1,\"2\"]}"));
        assertThat(sent.path("model").asText()).isEqualTo("gpt-4o-mini");
        // byte for byte, but for the model name the gateway swaps
        assertThat(openai.lastRequest().body()).isEqualTo(body.replace("\"model\":\"up\"", "\"model\":\"gpt-4o-mini\""));
    }

    // ---- context window --------------------------------------------------------------------------------------------

    @Test
    void aPromptBeyondTheContextWindowIsRefusedBeforeTheUpstream() throws Exception {
        String longText = "word ".repeat(200);
        JsonNode e = error(post("/chat/completions", KEY,
                "{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"content\":\"" + longText + "\"}]}"));
        assertThat(e.path("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(e.path("param").asText()).isEqualTo("messages");
        assertThat(e.path("message").asText()).contains("context window of 60 tokens").contains("in the prompt");

        // a short prompt fits alone, but not with a large output limit
        String shortBody = "{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]";
        assertThat(post("/chat/completions", KEY, shortBody + "}").statusCode()).isEqualTo(200);
        assertThat(post("/chat/completions", KEY, shortBody + ",\"max_tokens\":40}").statusCode()).isEqualTo(200);
        e = error(post("/chat/completions", KEY, shortBody + ",\"max_completion_tokens\":100}"));
        assertThat(e.path("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(e.path("message").asText()).contains("100 for the output");

        // Anthropic's dialect: the system prompt counts too, and the error is in Anthropic's shape
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/messages"))
                .header("x-api-key", KEY).header("anthropic-version", "2023-06-01").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"small\",\"max_tokens\":10,\"system\":\"" + longText
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Json.parse(r.body()).path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(Json.parse(r.body()).path("error").path("message").asText()).contains("context window of 60 tokens");
    }

    @Test
    void aModelWithoutAContextWindowCountsNothing() throws Exception {
        String longText = "word ".repeat(2000);
        HttpResponse<String> r = post("/chat/completions", KEY,
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + longText + "\"}],\"max_tokens\":4}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
}
