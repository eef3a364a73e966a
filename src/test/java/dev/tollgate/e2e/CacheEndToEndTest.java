package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeAnthropic;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 20's exact cache end to end: the gateway in standalone mode in front of fake OpenAI and Anthropic upstreams,
 * a group cached per namespace (the default scope), keys in two namespaces. What the upstream received (how many
 * calls) says whether an answer came from the cache; the {@code x-tollgate-cache} header says what the gateway did.
 * Streams go through the official OpenAI Java SDK, which must parse a replayed answer like a live one. Every test
 * asks its own prompt: entries outlive a test.
 */
@QuarkusTest
@TestProfile(CacheEndToEndTest.Cached.class)
class CacheEndToEndTest {
    static final String KEY_A = "sk-tg-cache-team-a-key-0123456789abcd";
    static final String KEY_A2 = "sk-tg-cache-team-a-other-0123456789ab";
    static final String KEY_B = "sk-tg-cache-team-b-key-0123456789abcd";
    static final String BUDGETED = "sk-tg-cache-budgeted-key-0123456789a";
    static final String LIMITED = "sk-tg-cache-rpm-one-key-0123456789ab";
    static final String OPENAI_KEY = "sk-upstream-cache-openai";
    static final String ANTHROPIC_KEY = "sk-ant-upstream-cache";
    static FakeOpenAi openai;
    static FakeAnthropic anthropic;

    public static class Cached implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            openai = FakeOpenAi.start(OPENAI_KEY);
            anthropic = FakeAnthropic.start(ANTHROPIC_KEY);
            Path folder = StandaloneFolder.create("tollgate-cache", manifests());
            return StandaloneFolder.serve(folder);
        }
    }

    @BeforeEach
    void freshFakes() {
        openai.reset(); // a failed test's unconsumed replies must not answer the next one
        anthropic.reset();
    }

    @AfterAll
    static void stopFakes() {
        openai.close();
        anthropic.close();
    }

    static String manifests() {
        return """
                apiVersion: v1
                kind: Namespace
                metadata: {name: team-a}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: team-b}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata: {name: cache}
                spec:
                  keys: {namespaceSelector: {}}
                  budgets: {namespaceSelector: {}}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                stringData: {openai: %s, anthropic: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, namespace: team-a}
                stringData: {a: %s, a2: %s, budgeted: %s, limited: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, namespace: team-b}
                stringData: {b: %s}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: a, namespace: team-a}
                spec: {existingSecret: {name: keys, key: a}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: a2, namespace: team-a}
                spec: {existingSecret: {name: keys, key: a2}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: budgeted, namespace: team-a}
                spec: {existingSecret: {name: keys, key: budgeted}, budgetRefs: [cached]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: limited, namespace: team-a}
                spec: {existingSecret: {name: keys, key: limited}, limits: {rpm: 1}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: cached, namespace: team-a}
                spec: {limit: "100000", period: daily}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: b, namespace: team-b}
                spec: {existingSecret: {name: keys, key: b}}
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
                  pricing: {inputPerMillion: "1000000", outputPerMillion: "2000000"}
                  cache: {exact: {ttl: 1h}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: plain}
                spec:
                  modelName: plain
                  provider: openai
                  model: gpt-4o
                  apiBase: "%s"
                  credentialsSecretRef: {name: creds, key: openai}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: claude}
                spec:
                  modelName: claude
                  provider: anthropic
                  model: claude-sonnet-4-5
                  apiBase: "%s"
                  credentialsSecretRef: {name: creds, key: anthropic}
                  cache: {exact: {ttl: 1h}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: sem}
                spec:
                  modelName: sem
                  provider: openai
                  model: gpt-4o-mini
                  apiBase: "%s"
                  credentialsSecretRef: {name: creds, key: openai}
                  cache: {semantic: {embeddingModel: embed}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: embed}
                spec:
                  modelName: embed
                  provider: openai
                  model: text-embedding-3-small
                  apiBase: "%s"
                  credentialsSecretRef: {name: creds, key: openai}
                  pricing: {inputPerMillion: "1000000", outputPerMillion: "0"}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: fb-cached}
                spec:
                  modelName: fb-cached
                  provider: openai
                  model: fb-primary
                  apiBase: "%s"
                  credentialsSecretRef: {name: creds, key: openai}
                  cache: {exact: {ttl: 1h}}
                  routing: {retries: {maxRetries: 0}, fallbacks: [fb-backup]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: fb-backup}
                spec:
                  modelName: fb-backup
                  provider: openai
                  model: fb-secondary
                  apiBase: "%s"
                  credentialsSecretRef: {name: creds, key: openai}
                """.formatted(OPENAI_KEY, ANTHROPIC_KEY, KEY_A, KEY_A2, BUDGETED, LIMITED, KEY_B, openai.baseUrl(),
                openai.baseUrl(), anthropic.baseUrl(), openai.baseUrl(), openai.baseUrl(), openai.baseUrl(),
                openai.baseUrl());
    }

    @TestHTTPResource("/v1")
    URL base;

    @TestHTTPResource(value = "/metrics", management = true)
    URL management;

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    static ObjectNode chat(String model, String prompt) {
        ObjectNode body = Json.object().put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return body;
    }

    HttpResponse<String> post(String path, String key, JsonNode body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> ask(String key, JsonNode body, String... headers) throws Exception {
        return post("/chat/completions", key, body, headers);
    }

    static String cache(HttpResponse<String> r) {
        return r.headers().firstValue("x-tollgate-cache").orElse(null);
    }

    static String content(HttpResponse<String> r) {
        return Json.parse(r.body()).path("choices").path(0).path("message").path("content").asText();
    }

    /** The chat calls the fake OpenAI received whose last user message is {@code prompt}. */
    static long upstreamCalls(String prompt) {
        return openai.requests().stream().filter(r -> r.path().endsWith("/chat/completions"))
                .filter(r -> Json.parse(r.body()).path("messages").toString().contains(prompt)).count();
    }

    JsonNode usage() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(management.toURI().resolve("/tollgate/usage"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return Json.parse(r.body());
    }

    HttpResponse<String> purge(String query) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(management.toURI().resolve("/tollgate/cache/purge" + query))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    // ---- hits and misses -----------------------------------------------------------------------------------------

    @Test
    void aRepeatedRequestIsAnsweredFromTheCacheWithoutAnUpstreamCall() throws Exception {
        String prompt = "repeat: what is two plus two?";
        openai.enqueue(Reply.text("four, from the upstream").usage(11, 4));
        HttpResponse<String> first = ask(KEY_A, chat("cached", prompt));
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(cache(first)).isEqualTo("MISS");
        HttpResponse<String> second = ask(KEY_A, chat("cached", prompt));
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(cache(second)).isEqualTo("HIT");
        assertThat(Json.parse(second.body())).isEqualTo(Json.parse(first.body()));
        assertThat(upstreamCalls(prompt)).isEqualTo(1);
        // a hit costs its key nothing; the miss cost 11 × 1 + 4 × 2 USD
        assertThat(first.headers().firstValue("x-tollgate-cost")).hasValue(Money.format(19_000_000L));
        assertThat(second.headers().firstValue("x-tollgate-cost")).hasValue(Money.format(0L));
    }

    @Test
    void userAndStreamOptionsAreNotPartOfTheKeyButEveryAnswerChangingFieldIs() throws Exception {
        String prompt = "key: name a colour";
        openai.enqueue(Reply.text("blue"), Reply.text("green"), Reply.text("red"));
        assertThat(cache(ask(KEY_A, chat("cached", prompt).put("user", "alice")))).isEqualTo("MISS");
        assertThat(cache(ask(KEY_A, chat("cached", prompt).put("user", "bob")))).isEqualTo("HIT");
        HttpResponse<String> warmer = ask(KEY_A, chat("cached", prompt).put("temperature", 1.5));
        assertThat(cache(warmer)).isEqualTo("MISS");
        assertThat(content(warmer)).isEqualTo("green");
        assertThat(cache(ask(KEY_A, chat("cached", prompt).put("temperature", 1.50)))).isEqualTo("HIT");
        ObjectNode shorter = chat("cached", prompt).put("max_tokens", 3);
        assertThat(cache(ask(KEY_A, shorter))).isEqualTo("MISS");
        assertThat(upstreamCalls(prompt)).isEqualTo(3);
    }

    @Test
    void aGroupWithoutACacheSaysNothingAndAlwaysCallsUpstream() throws Exception {
        String prompt = "plain: uncached question";
        openai.enqueue(Reply.text("one"), Reply.text("two"));
        HttpResponse<String> first = ask(KEY_A, chat("plain", prompt));
        HttpResponse<String> second = ask(KEY_A, chat("plain", prompt));
        assertThat(cache(first)).isNull();
        assertThat(cache(second)).isNull();
        assertThat(content(second)).isEqualTo("two");
    }

    // ---- isolation -----------------------------------------------------------------------------------------------

    @Test
    void anotherNamespaceNeverGetsAnEntryButTheSameNamespaceShares() throws Exception {
        String prompt = "tenant: what is our secret roadmap?";
        openai.enqueue(Reply.text("team a's answer"), Reply.text("team b's own answer"));
        assertThat(cache(ask(KEY_A, chat("cached", prompt)))).isEqualTo("MISS");
        HttpResponse<String> other = ask(KEY_B, chat("cached", prompt));
        assertThat(cache(other)).isEqualTo("MISS");
        assertThat(content(other)).isEqualTo("team b's own answer");
        HttpResponse<String> colleague = ask(KEY_A2, chat("cached", prompt));
        assertThat(cache(colleague)).isEqualTo("HIT");
        assertThat(content(colleague)).isEqualTo("team a's answer");
        HttpResponse<String> otherAgain = ask(KEY_B, chat("cached", prompt));
        assertThat(content(otherAgain)).isEqualTo("team b's own answer");
        assertThat(upstreamCalls(prompt)).isEqualTo(2);
    }

    @Test
    void aClientNamespaceOnlySubPartitionsItsOwnTenant() throws Exception {
        String prompt = "sub: pick a number";
        openai.enqueue(Reply.text("7"), Reply.text("8"), Reply.text("9"));
        ObjectNode inX = chat("cached", prompt);
        inX.putObject("cache").put("namespace", "x");
        assertThat(cache(ask(KEY_A, inX))).isEqualTo("MISS");
        assertThat(cache(ask(KEY_A, chat("cached", prompt)))).isEqualTo("MISS"); // not namespace x
        assertThat(content(ask(KEY_A2, inX))).isEqualTo("7");
        HttpResponse<String> otherTenant = ask(KEY_B, inX);
        assertThat(cache(otherTenant)).isEqualTo("MISS"); // x of team b is not x of team a
        assertThat(content(otherTenant)).isEqualTo("9");
    }

    // ---- controls ------------------------------------------------------------------------------------------------

    @Test
    void cacheControlNoCacheBypassesNoStoreDoesNotStoreAndMaxAgeFilters() throws Exception {
        String prompt = "controls: header directives";
        openai.enqueue(Reply.text("stored"), Reply.text("fresh"), Reply.text("refetched"));
        assertThat(cache(ask(KEY_A, chat("cached", prompt)))).isEqualTo("MISS");
        HttpResponse<String> bypass = ask(KEY_A, chat("cached", prompt), "cache-control", "no-cache");
        assertThat(cache(bypass)).isEqualTo("BYPASS");
        assertThat(content(bypass)).isEqualTo("fresh");
        // no-cache stores the fresh answer: the next plain request gets it
        assertThat(content(ask(KEY_A, chat("cached", prompt)))).isEqualTo("fresh");
        Thread.sleep(1100); // max-age counts whole seconds: the entry must be over one second old
        HttpResponse<String> young = ask(KEY_A, chat("cached", prompt), "cache-control", "max-age=1");
        assertThat(cache(young)).isEqualTo("MISS");
        assertThat(content(young)).isEqualTo("refetched");

        String other = "controls: no-store";
        openai.enqueue(Reply.text("first"), Reply.text("second"));
        assertThat(cache(ask(KEY_A, chat("cached", other), "cache-control", "no-store"))).isEqualTo("MISS");
        HttpResponse<String> after = ask(KEY_A, chat("cached", other));
        assertThat(cache(after)).isEqualTo("MISS");
        assertThat(content(after)).isEqualTo("second");
    }

    @Test
    void liteLlmsCacheFieldIsHonouredAndNeverSentUpstream() throws Exception {
        String prompt = "controls: litellm field";
        openai.enqueue(Reply.text("a"), Reply.text("b"));
        assertThat(cache(ask(KEY_A, chat("cached", prompt)))).isEqualTo("MISS");
        ObjectNode noCache = chat("cached", prompt);
        noCache.putObject("cache").put("no-cache", true);
        HttpResponse<String> r = ask(KEY_A, noCache);
        assertThat(cache(r)).isEqualTo("BYPASS");
        assertThat(content(r)).isEqualTo("b");
        RecordedRequest sent = openai.lastRequest();
        assertThat(Json.parse(sent.body()).has("cache")).isFalse();

        // on a group without a cache the field is still taken out (OpenAI refuses unknown parameters)
        ObjectNode plain = chat("plain", "controls: field on an uncached group");
        plain.putObject("cache").put("no-store", true);
        openai.enqueue(Reply.text("c"));
        assertThat(ask(KEY_A, plain).statusCode()).isEqualTo(200);
        assertThat(Json.parse(openai.lastRequest().body()).has("cache")).isFalse();

        ObjectNode bad = chat("cached", prompt);
        bad.put("cache", "yes please");
        HttpResponse<String> refused = ask(KEY_A, bad);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(Json.parse(refused.body()).path("error").path("param").asText()).isEqualTo("cache");
    }

    /**
     * LiteLLM's {@code cache.ttl} stores an answer for that long only (the group keeps its entries an hour), and
     * {@code cache.s-maxage} accepts only an entry stored at most that long ago (others still get it).
     */
    @Test
    void liteLlmsTtlAndSMaxAgeFieldsLimitAnEntrysLifeAndTheAgeAccepted() throws Exception {
        String shortLived = "controls: litellm ttl";
        String aged = "controls: litellm s-maxage";
        openai.enqueue(Reply.text("short-lived"), Reply.text("kept"), Reply.text("short-lived again"),
                Reply.text("refetched"));
        ObjectNode ttl = chat("cached", shortLived);
        ttl.putObject("cache").put("ttl", 2);
        assertThat(cache(ask(KEY_A, ttl))).isEqualTo("MISS");
        HttpResponse<String> soon = ask(KEY_A, chat("cached", shortLived));
        assertThat(cache(soon)).as("stored, for two seconds").isEqualTo("HIT");
        assertThat(content(soon)).isEqualTo("short-lived");
        assertThat(cache(ask(KEY_A, chat("cached", aged)))).isEqualTo("MISS");
        ObjectNode young = chat("cached", aged);
        young.putObject("cache").put("s-maxage", 1);
        assertThat(cache(ask(KEY_A, young))).as("an entry younger than a second").isEqualTo("HIT");

        Thread.sleep(2_100); // past the ttl of 2 s, and the entry of 'aged' over a second old
        HttpResponse<String> expired = ask(KEY_A, chat("cached", shortLived));
        assertThat(cache(expired)).isEqualTo("MISS");
        assertThat(content(expired)).isEqualTo("short-lived again");
        HttpResponse<String> stillThere = ask(KEY_A, chat("cached", aged));
        assertThat(cache(stillThere)).as("the group's ttl is an hour").isEqualTo("HIT");
        assertThat(content(stillThere)).isEqualTo("kept");
        HttpResponse<String> tooOld = ask(KEY_A, young);
        assertThat(cache(tooOld)).isEqualTo("MISS");
        assertThat(content(tooOld)).isEqualTo("refetched");
        assertThat(upstreamCalls(shortLived)).isEqualTo(2);
        assertThat(upstreamCalls(aged)).isEqualTo(2);
    }

    // ---- only whole, successful answers --------------------------------------------------------------------------

    @Test
    void errorsAndCutStreamsAreNeverStored() throws Exception {
        String prompt = "failures: not stored";
        openai.enqueue(FakeOpenAi.serverError());
        HttpResponse<String> failed = ask(KEY_A, chat("cached", prompt), "x-tollgate-retries", "0");
        assertThat(failed.statusCode()).isGreaterThanOrEqualTo(500);
        openai.enqueue(Reply.text("whole answer").chunks(4).cutAfter(3));
        HttpResponse<String> cut = ask(KEY_A, chat("cached", prompt).put("stream", true), "x-tollgate-retries", "0");
        assertThat(cut.body()).doesNotContain("[DONE]");
        openai.enqueue(Reply.text("the real answer"));
        HttpResponse<String> third = ask(KEY_A, chat("cached", prompt));
        assertThat(cache(third)).isEqualTo("MISS");
        assertThat(content(third)).isEqualTo("the real answer");
        assertThat(upstreamCalls(prompt)).isEqualTo(3);
    }

    /** A fallback group's answer is not the requested group's: it answers the client, and is never stored. */
    @Test
    void aFallbackGroupsAnswerIsNotStored() throws Exception {
        String prompt = "fallback: who answers?";
        openai.enqueueFor("fb-primary", FakeOpenAi.serverError(), FakeOpenAi.serverError());
        openai.enqueueFor("fb-secondary", Reply.text("the backup's answer"), Reply.text("the backup again"));
        HttpResponse<String> first = ask(KEY_A, chat("fb-cached", prompt));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(cache(first)).isEqualTo("MISS");
        assertThat(content(first)).isEqualTo("the backup's answer");
        HttpResponse<String> second = ask(KEY_A, chat("fb-cached", prompt));
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(cache(second)).as("nothing was stored").isEqualTo("MISS");
        assertThat(content(second)).isEqualTo("the backup again");
        assertThat(openai.requests().stream().filter(r -> Json.parse(r.body()).path("model").asText().equals("fb-secondary"))
                .count()).isEqualTo(2);
    }

    /** A hit that is not charged takes no rate-limit unit: a key of one request a minute still gets its hits. */
    @Test
    void anUnchargedHitTakesNoRateLimitUnit() throws Exception {
        String prompt = "rpm: one a minute";
        openai.enqueue(Reply.text("the only call"));
        HttpResponse<String> miss = ask(LIMITED, chat("cached", prompt));
        assertThat(miss.statusCode()).as(miss.body()).isEqualTo(200);
        assertThat(cache(miss)).isEqualTo("MISS");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> hit = ask(LIMITED, chat("cached", prompt));
            assertThat(hit.statusCode()).as(hit.body()).isEqualTo(200);
            assertThat(cache(hit)).isEqualTo("HIT");
            assertThat(content(hit)).isEqualTo("the only call");
        }
        // the limit is real: a request that must go upstream is refused
        HttpResponse<String> other = ask(LIMITED, chat("cached", "rpm: another question"));
        assertThat(other.statusCode()).isEqualTo(429);
        assertThat(upstreamCalls(prompt)).isEqualTo(1);
    }

    // ---- streams and JSON, both ways, through the official SDK ---------------------------------------------------

    @Test
    void aStoredJsonAnswerIsReplayedAsAStreamTheSdkParses() throws Exception {
        String prompt = "stream: tell a short story";
        openai.enqueue(Reply.text("Once upon a time, a gateway cached an answer and everyone was happy.").usage(9, 14));
        HttpResponse<String> json = ask(KEY_A, chat("cached", prompt));
        assertThat(cache(json)).isEqualTo("MISS");
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = sdk(KEY_A).chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("cached").addUserMessage(prompt).build())) {
            Iterator<ChatCompletionChunk> it = s.stream().iterator();
            while (it.hasNext()) {
                it.next().choices().forEach(c -> c.delta().content().ifPresent(text::append));
            }
        }
        assertThat(text.toString()).isEqualTo(content(json));
        assertThat(upstreamCalls(prompt)).isEqualTo(1);
        HttpResponse<String> raw = ask(KEY_A, chat("cached", prompt).put("stream", true));
        assertThat(cache(raw)).isEqualTo("HIT");
        assertThat(raw.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        assertThat(raw.body()).endsWith("data: [DONE]\n\n");
    }

    @Test
    void aStoredStreamAnswersALaterJsonRequest() throws Exception {
        String prompt = "stream: list three fruits";
        openai.enqueue(Reply.text("apple, banana and cherry are three fruits").chunks(5).usage(8, 9));
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = sdk(KEY_A).chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("cached").addUserMessage(prompt).build())) {
            Iterator<ChatCompletionChunk> it = s.stream().iterator();
            while (it.hasNext()) {
                it.next().choices().forEach(c -> c.delta().content().ifPresent(text::append));
            }
        }
        assertThat(text.toString()).isEqualTo("apple, banana and cherry are three fruits");
        ChatCompletion fromCache = sdk(KEY_A).chat().completions().create(
                ChatCompletionCreateParams.builder().model("cached").addUserMessage(prompt).build());
        assertThat(fromCache.choices().get(0).message().content()).hasValue(text.toString());
        assertThat(fromCache.usage().map(u -> u.completionTokens())).hasValue(9L);
        assertThat(upstreamCalls(prompt)).isEqualTo(1);
    }

    @Test
    void anthropicMessagesAreCachedAndReplayedAsTheirOwnStream() throws Exception {
        String prompt = "anthropic: say hi";
        anthropic.enqueue(Reply.text("Hi there from Claude").usage(5, 6));
        ObjectNode body = Json.object().put("model", "claude").put("max_tokens", 64);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        HttpResponse<String> first = post("/messages", KEY_A, body, "anthropic-version", "2023-06-01");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(cache(first)).isEqualTo("MISS");
        HttpResponse<String> streamed = post("/messages", KEY_A, body.deepCopy().put("stream", true),
                "anthropic-version", "2023-06-01");
        assertThat(cache(streamed)).isEqualTo("HIT");
        assertThat(streamed.body()).contains("event: message_start", "event: content_block_delta",
                "event: message_stop");
        StringBuilder text = new StringBuilder();
        for (String line : streamed.body().split("\n")) {
            if (line.startsWith("data: ")) {
                JsonNode e = Json.parse(line.substring(6));
                if ("content_block_delta".equals(e.path("type").asText())) {
                    text.append(e.path("delta").path("text").asText());
                }
            }
        }
        assertThat(text.toString()).isEqualTo("Hi there from Claude");
        assertThat(anthropic.requests()).hasSize(1);
    }

    // ---- money and purge -----------------------------------------------------------------------------------------

    @Test
    void aHitIsNotChargedToTheKeysBudgetAndItsSavedSpendIsCounted() throws Exception {
        String prompt = "budget: hits are free";
        openai.enqueue(Reply.text("costly answer").usage(3, 2)); // 3 × 1 + 2 × 2 = 7 USD
        HttpResponse<String> miss = ask(BUDGETED, chat("cached", prompt));
        assertThat(cache(miss)).as(miss.body()).isEqualTo("MISS");
        await().atMost(Duration.ofSeconds(5)).until(() -> spend(usage(), "team-a/budgeted") == 7_000_000L);
        for (int i = 0; i < 3; i++) {
            assertThat(cache(ask(BUDGETED, chat("cached", prompt)))).isEqualTo("HIT");
        }
        JsonNode report = usage();
        assertThat(spend(report, "team-a/budgeted")).isEqualTo(7_000_000L);
        assertThat(report.path("keys").path("team-a/budgeted").path("requests").asLong()).isEqualTo(4);
        assertThat(report.path("keys").path("team-a/budgeted").path("cacheHits").asLong()).isEqualTo(3);
        assertThat(report.path("keys").path("team-a/budgeted").path("cacheSavedMicros").asLong()).isEqualTo(21_000_000L);
    }

    String scrape() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(management.toURI()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** tollgate_cache_saved_micro_usd_total of the group "cached" (0 before its first hit). */
    static double saved(String scrape) {
        return scrape.lines().filter(l -> l.startsWith("tollgate_cache_saved_micro_usd_total{model=\"cached\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    static long spend(JsonNode report, String key) {
        return report.path("keys").path(key).path("spendMicros").asLong();
    }

    @Test
    void purgeByNamespaceDropsThatNamespacesEntriesOnly() throws Exception {
        String prompt = "purge: which entries go";
        openai.enqueue(Reply.text("a's"), Reply.text("b's"), Reply.text("a's again"));
        ask(KEY_A, chat("cached", prompt));
        ask(KEY_B, chat("cached", prompt));
        HttpResponse<String> purged = purge("?namespace=team-a");
        assertThat(purged.statusCode()).isEqualTo(200);
        assertThat(Json.parse(purged.body()).path("purged").path("exact").asLong()).isGreaterThanOrEqualTo(1);
        HttpResponse<String> a = ask(KEY_A, chat("cached", prompt));
        assertThat(cache(a)).isEqualTo("MISS");
        assertThat(content(a)).isEqualTo("a's again");
        HttpResponse<String> b = ask(KEY_B, chat("cached", prompt));
        assertThat(cache(b)).isEqualTo("HIT");
        assertThat(content(b)).isEqualTo("b's");
        assertThat(upstreamCalls(prompt)).isEqualTo(3);
    }

    // ---- semantic -----------------------------------------------------------------------------------------------

    /** The embedding calls the fake received whose input contains {@code text}. */
    static long embeddingCalls(String text) {
        return openai.requests().stream().filter(r -> r.path().endsWith("/embeddings"))
                .filter(r -> Json.parse(r.body()).path("input").toString().contains(text)).count();
    }

    @Test
    void theSemanticCacheAnswersTheSamePromptWithinItsTenantAndChargesTheEmbeddingToTheCaller() throws Exception {
        // the fake's embeddings are a hash of the text: the same prompt is similarity 1, another one far (the
        // paraphrase suite with a meaning-preserving fake is SemanticCacheTest's)
        String prompt = "semantic: how do I reset my password?";
        // scripted for the chat model only: the embedding calls (text-embedding-3-small) get the default answer
        openai.enqueueFor("gpt-4o-mini", Reply.text("click 'forgot password'").usage(4, 4));
        HttpResponse<String> first = ask(KEY_A2, chat("sem", prompt));
        assertThat(cache(first)).isEqualTo("MISS");
        HttpResponse<String> again = ask(KEY_A2, chat("sem", prompt).put("user", "someone else"));
        assertThat(cache(again)).isEqualTo("SEMANTIC-HIT");
        assertThat(content(again)).isEqualTo("click 'forgot password'");
        assertThat(upstreamCalls(prompt)).isEqualTo(1);
        assertThat(embeddingCalls(prompt)).isEqualTo(2); // one per lookup
        openai.enqueueFor("gpt-4o-mini", Reply.text("b's own"), Reply.text("other question's answer"));
        HttpResponse<String> otherTenant = ask(KEY_B, chat("sem", prompt));
        assertThat(cache(otherTenant)).isEqualTo("MISS");
        assertThat(content(otherTenant)).isEqualTo("b's own");
        HttpResponse<String> unrelated = ask(KEY_A2, chat("sem", "semantic: what is the weather on Mars?"));
        assertThat(cache(unrelated)).isEqualTo("MISS");
        // the embedding calls are the caller's: its usage counts their spend (the embed deployment is priced)
        await().atMost(Duration.ofSeconds(5)).until(() ->
                usage().path("models").path("default/embed").path("spendMicros").asLong() > 0);
        JsonNode report = usage();
        assertThat(report.path("keys").path("team-a/a2").path("spendMicros").asLong())
                .as("the chat miss (4 + 8 USD) plus its three embedding calls")
                .isGreaterThan(12_000_000L);
    }

    @Test
    void cacheMetricsCountLookupsAndSavedSpend() throws Exception {
        String prompt = "metrics: count me";
        openai.enqueue(Reply.text("counted").usage(1, 1)); // 3 USD
        ask(KEY_A, chat("cached", prompt));
        double savedBefore = saved(scrape());
        assertThat(cache(ask(KEY_A, chat("cached", prompt)))).isEqualTo("HIT");
        String scrape = scrape();
        assertThat(saved(scrape) - savedBefore).as("the hit saved what the answer cost: 1 × 1 + 1 × 2 USD")
                .isEqualTo(3_000_000.0);
        assertThat(scrape).contains("tollgate_cache_lookups_total{model=\"cached\",result=\"hit\"}",
                "tollgate_cache_lookups_total{model=\"cached\",result=\"miss\"}",
                "tollgate_cache_saved_micro_usd_total{model=\"cached\"}", "tollgate_cache_entries");
        assertThat(List.of(scrape.split("\n"))).anyMatch(l -> l.startsWith("tollgate_cache_bytes") && !l.endsWith(" 0.0"));
    }
}
