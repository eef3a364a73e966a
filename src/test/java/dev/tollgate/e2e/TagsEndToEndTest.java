package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tags through standalone mode: a client tags requests (header x-tollgate-tags, LiteLLM's metadata.tags), its key
 * allows some and carries others; a platform Budget on a tag refuses tagged requests once spent and another's
 * limits rate-limit them, whichever key sends them; a team Budget with {@code keySelector: {}} binds every key of
 * its namespace across models; the upstream never sees the tags.
 */
@QuarkusTest
@TestProfile(TagsEndToEndTest.Tagged.class)
class TagsEndToEndTest {
    static final String TAGGER = "sk-tg-tags-e2e-tagger-0123456789abcdef";
    static final String OTHER = "sk-tg-tags-e2e-other-00123456789abcdef";
    static final String TEAM_ONE = "sk-tg-tags-e2e-team-one-123456789abcd";
    static final String TEAM_TWO = "sk-tg-tags-e2e-team-two-123456789abcd";
    static final String OPENAI_KEY = "sk-upstream-tags-e2e";
    static FakeOpenAi openai;

    public static class Tagged implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            openai = FakeOpenAi.start(OPENAI_KEY);
            return StandaloneFolder.serve(StandaloneFolder.create("tollgate-tags", manifests(openai.baseUrl(), null)));
        }
    }

    /**
     * The manifests: gateway {@code default/gw} serving keys and budgets of every namespace; {@code m} (OpenAI, 1 USD
     * per output token) and {@code mock} (3 output tokens at 1 USD); keys in team-a (tagger: fixed tag team:a, may
     * add feature:*; other: may add any tag) and team-b (one, two: bound by the team Budget); platform Budgets on
     * tags feature:search (4 USD) and feature:limited (rpm 2).
     */
    static String manifests(String openAiBase, String redisUrl) {
        return """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata: {name: gw}
                spec:
                  keys: {namespaceSelector: {}}
                  budgets: {namespaceSelector: {}}
                  %s
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                stringData: {openai: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, namespace: team-a, labels: {llm.tollgate.dev/secret: key}}
                stringData: {tagger: %s, other: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, namespace: team-b, labels: {llm.tollgate.dev/secret: key}}
                stringData: {one: %s, two: %s}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: m}
                spec: {modelName: m, provider: openai, model: gpt-4o-mini, apiBase: "%s",
                       credentialsSecretRef: {name: creds, key: openai},
                       pricing: {inputPerMillion: "0", outputPerMillion: "1000000"}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: mock}
                spec: {modelName: mock, provider: mock, model: mock, mock: {outputTokens: 3},
                       pricing: {inputPerMillion: "0", outputPerMillion: "1000000"}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: tagger, namespace: team-a}
                spec: {existingSecret: {name: keys, key: tagger}, tags: ["team:a"], allowedTags: ["feature:*"]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: other, namespace: team-a}
                spec: {existingSecret: {name: keys, key: other}, allowedTags: ["*"]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: one, namespace: team-b}
                spec: {existingSecret: {name: keys, key: one}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: two, namespace: team-b}
                spec: {existingSecret: {name: keys, key: two}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: search}
                spec: {limit: "4", period: daily, tags: ["feature:search"]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: limited}
                spec: {limit: "1000", period: daily, tags: ["feature:limited"], limits: {rpm: 2}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: team, namespace: team-b}
                spec: {limit: "5", period: daily, keySelector: {}}
                """.formatted(redisUrl == null ? "" : "redis: {url: \"" + redisUrl + "\"}", OPENAI_KEY, TAGGER, OTHER,
                TEAM_ONE, TEAM_TWO, openAiBase);
    }

    @AfterAll
    static void stop() {
        openai.close();
    }

    @BeforeEach
    void reset() {
        openai.reset();
        openai.behaviour(Reply.text("ok").usage(2, 3)); // 3 output tokens: 3 USD
    }

    @TestHTTPResource("/v1/chat/completions")
    URL chat;

    @TestHTTPResource(value = "/metrics", management = true)
    URL management;

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    HttpResponse<String> ask(String key, String model, String tagsHeader, String extra) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(chat.toURI()).timeout(Duration.ofSeconds(20))
                .header("authorization", "Bearer " + key).header("content-type", "application/json");
        if (tagsHeader != null) {
            b.header("x-tollgate-tags", tagsHeader);
        }
        return HTTP.send(b.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"max_tokens\":3,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + (extra == null ? "" : "," + extra) + "}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode error(HttpResponse<String> r) {
        return Json.parse(r.body()).path("error");
    }

    JsonNode report() throws Exception {
        return Json.parse(HTTP.send(HttpRequest.newBuilder(management.toURI().resolve("/tollgate/usage")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    long budgetSpend(String id) throws Exception {
        long sum = 0;
        for (JsonNode b : report().path("budgets")) {
            if (id.equals(b.path("budget").asText())) {
                sum += b.path("spendMicros").asLong();
            }
        }
        return sum;
    }

    @Test
    void aTagBudgetRefusesTaggedRequestsOnceSpentAndOnlyThose() throws Exception {
        HttpResponse<String> first = ask(TAGGER, "m", null, "\"metadata\":{\"tags\":[\"feature:search\"]}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> budgetSpend("default/search") == 3_000_000L);
        // 3 of 4 USD spent, and a request may cost 3: refused, from any key of any namespace, by header or body
        HttpResponse<String> byBody = ask(TAGGER, "m", null, "\"metadata\":{\"tags\":[\"feature:search\"]}");
        assertThat(byBody.statusCode()).as(byBody.body()).isEqualTo(429);
        assertThat(error(byBody).path("code").asText()).isEqualTo("budget_exceeded");
        assertThat(error(byBody).path("message").asText()).contains("budget default/search has 1.00 USD left of 4.00 USD");
        HttpResponse<String> byHeader = ask(OTHER, "m", "feature:search", null);
        assertThat(byHeader.statusCode()).as(byHeader.body()).isEqualTo(429);
        assertThat(error(byHeader).path("message").asText()).contains("budget default/search");
        // the same keys untagged, or with another tag: not covered
        assertThat(ask(TAGGER, "m", null, null).statusCode()).isEqualTo(200);
        assertThat(ask(OTHER, "m", "feature:chat", null).statusCode()).isEqualTo(200);
        assertThat(openai.requests()).hasSize(3);
        assertThat(budgetSpend("default/search")).as("refused requests cost nothing").isEqualTo(3_000_000L);
    }

    @Test
    void aTagsLimitsRateLimitEveryKeySendingItWithA429NamingTheBudget() throws Exception {
        assertThat(ask(TAGGER, "m", "feature:limited", null).statusCode()).isEqualTo(200);
        assertThat(ask(OTHER, "m", null, "\"metadata\":{\"tags\":[\"feature:limited\"]}").statusCode()).isEqualTo(200);
        HttpResponse<String> third = ask(OTHER, "m", "feature:limited", null);
        assertThat(third.statusCode()).as(third.body()).isEqualTo(429);
        assertThat(error(third).path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error(third).path("message").asText()).contains("Budget default/limited", "2 requests per minute");
        assertThat(third.headers().firstValue("retry-after")).isPresent();
        assertThat(ask(OTHER, "m", null, null).statusCode()).as("untagged: not limited").isEqualTo(200);
    }

    @Test
    void aTeamBudgetWithAnEmptyKeySelectorBindsEveryKeyOfItsNamespaceAcrossModels() throws Exception {
        HttpResponse<String> one = ask(TEAM_ONE, "m", null, null);
        assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> budgetSpend("team-b/team") == 3_000_000L);
        // the other key of the team, on the other model: 3 + 3 > 5
        HttpResponse<String> two = ask(TEAM_TWO, "mock", null, null);
        assertThat(two.statusCode()).as(two.body()).isEqualTo(429);
        assertThat(error(two).path("message").asText()).contains("budget team-b/team has 2.00 USD left of 5.00 USD");
        assertThat(ask(TAGGER, "mock", null, null).statusCode()).as("another namespace's key").isEqualTo(200);
    }

    @Test
    void aTagTheKeyDoesNotAllowIs403AndAMalformedOneIs400() throws Exception {
        HttpResponse<String> refused = ask(TAGGER, "m", "cost-center:42", null);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(error(refused).path("code").asText()).isEqualTo("tag_not_allowed");
        assertThat(error(refused).path("param").asText()).isEqualTo("metadata.tags");
        assertThat(error(refused).path("message").asText()).contains("'cost-center:42'", "team-a/tagger", "feature:*");
        HttpResponse<String> untaggable = ask(TEAM_ONE, "m", null, "\"metadata\":{\"tags\":[\"feature:x\"]}");
        assertThat(untaggable.statusCode()).as("a key allowing no tags").isEqualTo(403);
        HttpResponse<String> malformed = ask(OTHER, "m", null, "\"metadata\":{\"tags\":\"feature:x\"}");
        assertThat(malformed.statusCode()).as(malformed.body()).isEqualTo(400);
        assertThat(error(malformed).path("param").asText()).isEqualTo("metadata.tags");
        assertThat(ask(OTHER, "m", "bad tag!", null).statusCode()).isEqualTo(400);
        assertThat(openai.requests()).as("nothing refused reached the upstream").isEmpty();
    }

    @Test
    void theUpstreamNeverSeesTheTagsButKeepsTheRestOfMetadata() throws Exception {
        assertThat(ask(OTHER, "m", null, "\"metadata\":{\"tags\":[\"feature:strip\"],\"purpose\":\"eval\"}").statusCode())
                .isEqualTo(200);
        assertThat(ask(OTHER, "m", "feature:header", "\"metadata\":{\"tags\":[\"feature:strip\"]}").statusCode()).isEqualTo(200);
        assertThat(ask(OTHER, "m", null, "\"tags\":[\"feature:top\"]").statusCode()).isEqualTo(200);
        assertThat(openai.requests()).hasSize(3);
        RecordedRequest kept = openai.requests().get(0);
        assertThat(kept.json().path("metadata").toString()).isEqualTo("{\"purpose\":\"eval\"}");
        RecordedRequest emptied = openai.requests().get(1);
        assertThat(emptied.json().has("metadata")).as("metadata held only tags").isFalse();
        assertThat(emptied.header("x-tollgate-tags")).as("the header stays at the gateway").isNull();
        assertThat(openai.requests().get(2).json().has("tags")).isFalse();
        for (RecordedRequest r : openai.requests()) {
            assertThat(r.body()).doesNotContain("feature:");
            assertThat(r.json().path("messages").path(0).path("content").asText()).isEqualTo("hi");
        }
    }
}
