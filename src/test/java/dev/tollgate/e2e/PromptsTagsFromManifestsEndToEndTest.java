package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.RecordedRequest;
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
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 22 from the manifests a user writes, in standalone mode: a GatewayDeployment, an LlmModel in front of a fake
 * OpenAI with pricing (and a priced mock), VirtualKeys with fixed and allowed tags, a Prompt with two versions
 * labelled production and staging whose spec.keys admits one key by label, and a platform Budget on a tag. Nothing is
 * put into the served config by hand: the folder is read, validated and rendered as standalone does it.
 *
 * <p>A prompt request through the official OpenAI Java SDK (LiteLLM's prompt_* fields and metadata.tags as extra body
 * properties) reaches the upstream rendered; its cost shows per prompt version in the usage report and the status
 * view; the tag Budget refuses a tagged request once spent while the same key's untagged one passes; the chargeback
 * export grouped by tag and model reconciles with every request's x-tollgate-cost.
 */
@QuarkusTest
@TestProfile(PromptsTagsFromManifestsEndToEndTest.Manifests.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the export last: it reconciles every request of the class
class PromptsTagsFromManifestsEndToEndTest {
    static final String APP = "sk-tg-manifests-team-a-app-0123456789";
    static final String BATCH = "sk-tg-manifests-team-a-batch-01234567";
    static final String PARTNER = "sk-tg-manifests-team-b-partner-012345";
    static final String OPENAI_KEY = "sk-upstream-manifests-openai";
    static FakeOpenAi openai;

    public static class Manifests implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            openai = FakeOpenAi.start(OPENAI_KEY);
            return StandaloneFolder.serve(StandaloneFolder.create("tollgate-prompts-tags", manifests(openai.baseUrl())));
        }
    }

    /**
     * gpt (OpenAI fake, 0.001 USD per input token, 0.10 per output token) and mini (mock, 4 output tokens, same prices);
     * team-a/app (label app=helpdesk, fixed tag team:a, may add feature:* and env-staging), team-a/batch (may add any
     * tag, not the Prompt's), team-b/partner (may add feature:search); the Prompt team-a/support (v1 production, v2
     * staging); the platform Budget feature-search: 1 USD a day for requests tagged feature:search, from any namespace.
     */
    static String manifests(String openAiBase) {
        return """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata: {name: gw}
                spec:
                  keys: {namespaceSelector: {}}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                stringData: {openai: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, namespace: team-a}
                stringData: {app: %s, batch: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, namespace: team-b}
                stringData: {partner: %s}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: gpt}
                spec:
                  modelName: gpt
                  provider: openai
                  model: gpt-4o-mini
                  apiBase: "%s"
                  credentialsSecretRef: {name: creds, key: openai}
                  pricing: {inputPerMillion: "1000", outputPerMillion: "100000"}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: mini}
                spec:
                  modelName: mini
                  provider: mock
                  model: mini
                  mock: {outputTokens: 4}
                  pricing: {inputPerMillion: "1000", outputPerMillion: "100000"}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: app, namespace: team-a, labels: {app: helpdesk}}
                spec:
                  existingSecret: {name: keys, key: app}
                  tags: ["team:a"]
                  allowedTags: ["feature:*", "env-staging"]
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: batch, namespace: team-a}
                spec: {existingSecret: {name: keys, key: batch}, allowedTags: ["*"]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: partner, namespace: team-b}
                spec: {existingSecret: {name: keys, key: partner}, allowedTags: [feature:search]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Prompt
                metadata: {name: support, namespace: team-a}
                spec:
                  keys:
                    selector:
                      matchLabels: {app: helpdesk}
                  versions:
                    - version: 1
                      description: First version
                      model: gpt
                      parameters: {temperature: 0.2, max_tokens: 5}
                      variables:
                        - name: customer
                      messages:
                        - role: system
                          content: You answer support questions for {{customer}}.
                    - version: 2
                      description: The tone can be chosen, and the order is named
                      model: gpt
                      parameters: {temperature: 0.7, max_tokens: 6}
                      variables:
                        - name: customer
                        - name: order
                        - name: tone
                          default: friendly
                      messages:
                        - role: system
                          content: "You answer support questions for {{customer}} in a {{ tone }} tone."
                        - role: user
                          content: "My order is {{order}}."
                  labels:
                    production: 1
                    staging: 2
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: feature-search}
                spec: {limit: "1", period: daily, tags: ["feature:search"]}
                """.formatted(OPENAI_KEY, APP, BATCH, PARTNER, openAiBase);
    }

    @AfterAll
    static void stop() {
        openai.close();
    }

    @BeforeEach
    void reset() {
        openai.reset();
        openai.behaviour(Reply.text("ok").usage(50, 5)); // 0.05 + 0.50 USD
    }

    @TestHTTPResource("/v1")
    URL base;

    @TestHTTPResource(value = "/metrics", management = true)
    URL management;

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** A request the gateway answered: its model group, the tags it carries (sorted) and its x-tollgate-cost. */
    record Sent(String model, List<String> tags, long costMicros) {}

    /** Every request of this class (the tests share one gateway): what the export must reconcile with. */
    static final List<Sent> SENT = new CopyOnWriteArrayList<>();

    static long cost(java.util.Optional<String> header) {
        return header.map(Money::parseMicros).orElse(0L);
    }

    OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    /** A request the gateway meters (it reaches admission), recorded in {@link #SENT}. */
    HttpResponse<String> ask(String key, String tagsHeader, String body, String model, List<String> tags) throws Exception {
        HttpResponse<String> r = send(key, tagsHeader, body);
        SENT.add(new Sent(model, tags, cost(r.headers().firstValue("x-tollgate-cost"))));
        return r;
    }

    /**
     * A request, not recorded: for one refused before admission (its key, prompt, tags or model), which neither the
     * key's usage nor the chargeback counts.
     */
    HttpResponse<String> send(String key, String tagsHeader, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("authorization", "Bearer " + key).header("content-type", "application/json");
        if (tagsHeader != null) {
            b.header("x-tollgate-tags", tagsHeader);
        }
        return HTTP.send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(management.toURI().resolve(pathAndQuery)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode usage() throws Exception {
        return Json.parse(get("/tollgate/usage").body());
    }

    /** The one chat request the fake received. */
    static JsonNode upstream() {
        List<RecordedRequest> chats = new ArrayList<>();
        openai.requests().stream().filter(r -> r.path().endsWith("/chat/completions")).forEach(chats::add);
        assertThat(chats).hasSize(1);
        return chats.get(0).json();
    }

    static List<String> contents(JsonNode body) {
        List<String> out = new ArrayList<>();
        body.path("messages").forEach(m -> out.add(m.path("role").asText() + ": " + m.path("content").asText()));
        return out;
    }

    @Test
    @Order(1)
    void aPromptRequestFromTheSdkIsRenderedFromTheManifestsAndCountedPerVersion() throws Exception {
        // (a) staging (version 2) through the official SDK, tagged in metadata.tags
        openai.enqueue(Reply.text("It ships today.").usage(40, 6));
        HttpResponseFor<ChatCompletion> r = sdk(APP).chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("mini").addUserMessage("Where is it?")
                        .putAdditionalBodyProperty("prompt_id", JsonValue.from("support"))
                        .putAdditionalBodyProperty("prompt_label", JsonValue.from("staging"))
                        .putAdditionalBodyProperty("prompt_variables",
                                JsonValue.from(Map.of("customer", "Ada", "order", "A-17")))
                        .putAdditionalBodyProperty("metadata",
                                JsonValue.from(Map.of("tags", List.of("feature:support", "env-staging"))))
                        .build());
        assertThat(r.parse().choices().get(0).message().content()).hasValue("It ships today.");
        assertThat(r.headers().values("x-tollgate-prompt")).containsExactly("team-a/support@2");
        long v2Cost = cost(r.headers().values("x-tollgate-cost").stream().findFirst());
        assertThat(v2Cost).as("40 input tokens at 0.001, 6 output at 0.10").isEqualTo(640_000L);
        SENT.add(new Sent("gpt", List.of("env-staging", "feature:support", "team:a"), v2Cost));

        JsonNode sent = upstream();
        assertThat(sent.path("model").asText()).as("version 2's model, not the SDK's").isEqualTo("gpt-4o-mini");
        assertThat(contents(sent)).containsExactly(
                "system: You answer support questions for Ada in a friendly tone.",
                "user: My order is A-17.",
                "user: Where is it?");
        assertThat(sent.path("temperature").decimalValue()).isEqualByComparingTo("0.7");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(6);
        for (String field : List.of("prompt_id", "prompt_label", "prompt_version", "prompt_variables", "metadata", "tags")) {
            assertThat(sent.has(field)).as(field + " in " + sent).isFalse();
        }

        // production (version 1) by raw HTTP, tagged by the header: the header names the version on the wire
        openai.reset();
        openai.enqueue(Reply.text("Hello Bo.").usage(20, 3));
        HttpResponse<String> raw = ask(APP, "feature:support", """
                {"model":"gpt","prompt_id":"team-a/support","prompt_variables":{"customer":"Bo"},
                 "messages":[{"role":"user","content":"Hi"}]}""", "gpt", List.of("feature:support", "team:a"));
        assertThat(raw.statusCode()).as(raw.body()).isEqualTo(200);
        assertThat(raw.headers().allValues("x-tollgate-prompt")).containsExactly("team-a/support@1");
        long v1Cost = cost(raw.headers().firstValue("x-tollgate-cost"));
        assertThat(v1Cost).isEqualTo(320_000L);
        JsonNode v1 = upstream();
        assertThat(contents(v1)).containsExactly("system: You answer support questions for Bo.", "user: Hi");
        assertThat(v1.path("temperature").decimalValue()).isEqualByComparingTo("0.2");
        assertThat(v1.path("max_tokens").asInt()).isEqualTo(5);

        // a key the Prompt's spec.keys does not select
        HttpResponse<String> refused = send(BATCH, null, """
                {"model":"gpt","prompt_id":"team-a/support","prompt_variables":{"customer":"Bo"}}""");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(Json.parse(refused.body()).path("error").path("code").asText()).isEqualTo("prompt_not_allowed");

        // (b) the usage report per prompt version: the requests' own costs
        await().atMost(Duration.ofSeconds(10)).until(() -> usage().path("prompts").path("team-a/support@1")
                .path("requests").asLong() == 1);
        JsonNode prompts = usage().path("prompts");
        assertThat(prompts.path("team-a/support@2").path("requests").asLong()).isEqualTo(1);
        assertThat(prompts.path("team-a/support@2").path("spendMicros").asLong()).isEqualTo(v2Cost);
        assertThat(prompts.path("team-a/support@2").path("inputTokens").asLong()).isEqualTo(40);
        assertThat(prompts.path("team-a/support@2").path("outputTokens").asLong()).isEqualTo(6);
        assertThat(prompts.path("team-a/support@1").path("spendMicros").asLong()).isEqualTo(v1Cost);
        JsonNode tags = usage().path("tags");
        assertThat(tags.path("env-staging").path("spendMicros").asLong()).isEqualTo(v2Cost);
        assertThat(tags.path("feature:support").path("spendMicros").asLong()).isEqualTo(v1Cost + v2Cost);

        // ... and in standalone's status view: a row per version with the labels pointing at it
        String status = get("/tollgate/status").body();
        assertThat(status).contains("PROMPT").contains("VERSION").contains("LABELS");
        assertThat(status).containsPattern(row("team-a/support", "1", "production", "1", "0", "20", "3", Money.format(v1Cost)));
        assertThat(status).containsPattern(row("team-a/support", "2", "staging", "1", "0", "40", "6", Money.format(v2Cost)));
        assertThat(status).containsPattern(row("env-staging", "1", "0", "40", "6", Money.format(v2Cost)));
    }

    /** A line of a status table holding exactly these cells, separated by spaces. */
    static Pattern row(String... cells) {
        StringBuilder sb = new StringBuilder("(?m)^");
        for (int i = 0; i < cells.length; i++) {
            sb.append(i == 0 ? "" : "\\s+").append(Pattern.quote(cells[i]));
        }
        return Pattern.compile(sb.append("\\s*$").toString());
    }

    @Test
    @Order(2)
    void theTagBudgetRefusesTaggedRequestsOnceSpentWhileTheKeysUntaggedOnesPass() throws Exception {
        String body = "{\"model\":\"gpt\",\"max_tokens\":6,\"messages\":[{\"role\":\"user\",\"content\":\"search\"}]}";
        // fits the 1 USD (it may cost about 0.61) and costs 0.55
        HttpResponse<String> first = ask(APP, "feature:search", body, "gpt", List.of("feature:search", "team:a"));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(cost(first.headers().firstValue("x-tollgate-cost"))).isEqualTo(550_000L);
        await().atMost(Duration.ofSeconds(5)).until(() -> budgetSpend("default/feature-search") == 550_000L);

        // 0.45 left: the next tagged request may cost more, refused whichever way it is tagged or whose key it is
        HttpResponse<String> byHeader = ask(APP, "feature:search", body, "gpt", List.of("feature:search", "team:a"));
        assertThat(byHeader.statusCode()).as(byHeader.body()).isEqualTo(429);
        JsonNode error = Json.parse(byHeader.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("budget_exceeded");
        assertThat(error.path("message").asText()).contains("budget default/feature-search has 0.45 USD left of 1.00 USD");
        HttpResponse<String> byBody = ask(PARTNER, null, body.replace("}]}", "}],\"metadata\":{\"tags\":[\"feature:search\"]}}"),
                "gpt", List.of("feature:search"));
        assertThat(byBody.statusCode()).as(byBody.body()).isEqualTo(429);
        assertThat(byBody.headers().firstValue("x-tollgate-cost")).isEmpty();

        // the same key untagged (it still carries its fixed team:a), or with another tag: not the Budget's
        HttpResponse<String> untagged = ask(APP, null, body, "gpt", List.of("team:a"));
        assertThat(untagged.statusCode()).as(untagged.body()).isEqualTo(200);
        HttpResponse<String> other = ask(APP, "feature:chat", body, "gpt", List.of("feature:chat", "team:a"));
        assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
        assertThat(openai.requests()).as("refused requests never reach the upstream").hasSize(3);
        assertThat(budgetSpend("default/feature-search")).as("refused requests cost nothing").isEqualTo(550_000L);
    }

    long budgetSpend(String id) throws Exception {
        long sum = 0;
        for (JsonNode b : usage().path("budgets")) {
            if (id.equals(b.path("budget").asText())) {
                sum += b.path("spendMicros").asLong();
            }
        }
        return sum;
    }

    @Test
    @Order(3)
    void theExportByTagAndModelReconcilesWithEveryRequestsCost() throws Exception {
        // a few requests of its own, on both models and untagged too, besides the prompt and budget tests' requests
        for (int i = 0; i < 3; i++) {
            openai.enqueue(Reply.text("answer " + i).usage(11 + 7 * i, 1 + i));
            assertThat(ask(BATCH, i == 0 ? "team:batch,env-prod" : null, "{\"model\":\"gpt\",\"max_tokens\":4,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"q" + i + "\"}]}", "gpt",
                    i == 0 ? List.of("env-prod", "team:batch") : List.of()).statusCode()).isEqualTo(200);
            assertThat(ask(APP, null, "{\"model\":\"mini\",\"max_tokens\":4,\"metadata\":{\"tags\":[\"feature:mini\"]},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"mini " + "word ".repeat(i) + "\"}]}", "mini",
                    List.of("feature:mini", "team:a")).statusCode()).isEqualTo(200);
        }
        long requests = SENT.size();
        Map<String, Long> perTagAndModel = new TreeMap<>();
        long total = 0;
        for (Sent s : SENT) {
            total += s.costMicros();
            for (String tag : s.tags().isEmpty() ? List.of("(untagged)") : s.tags()) {
                perTagAndModel.merge(tag + " " + s.model(), s.costMicros(), Long::sum);
            }
        }
        assertThat(total).isPositive();

        String today = LocalDate.now(ZoneOffset.UTC).toString();
        String query = "/tollgate/chargeback?from=" + today + "&to=" + today + "&groupBy=tag,model";
        // every metered request once, the budget's 429s included (they reached admission)
        await().atMost(Duration.ofSeconds(10)).until(() -> Json.parse(get(query).body()).path("total").path("requests")
                .asLong() == requests);
        JsonNode export = Json.parse(get(query).body());
        assertThat(Money.parseMicros(export.path("total").path("spend").asText())).as("each request once").isEqualTo(total);
        Map<String, Long> exported = new TreeMap<>();
        export.path("rows").forEach(row -> exported.merge(row.path("tag").asText() + " " + row.path("model").asText(),
                Money.parseMicros(row.path("spend").asText()), Long::sum));
        assertThat(exported).isEqualTo(perTagAndModel);
        assertThat(exported).containsKeys("feature:mini mini", "team:a mini", "env-prod gpt", "(untagged) gpt",
                "env-staging gpt", "feature:support gpt", "feature:search gpt", "feature:chat gpt");
        assertThat(exported.get("feature:search gpt")).as("the one tagged request the Budget let through")
                .isEqualTo(550_000L);
    }
}
