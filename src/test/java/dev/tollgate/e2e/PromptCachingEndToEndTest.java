package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.Money;
import dev.tollgate.config.Provider;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeAnthropic;
import dev.tollgate.gateway.fakes.FakeAzureOpenAi;
import dev.tollgate.gateway.fakes.FakeBedrock;
import dev.tollgate.gateway.fakes.FakeGemini;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.FakeOpenAiCompatible;
import dev.tollgate.gateway.fakes.FakeUpstream;
import dev.tollgate.gateway.fakes.FakeVertex;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Provider prompt caching through the gateway, one provider family at a time: a fake that follows the provider's
 * documented usage fields reports tokens read from (and, for the Anthropic family, written to) its prompt cache; the
 * client gets them in its own dialect's {@code usage} (OpenAI {@code prompt_tokens_details.cached_tokens} /
 * {@code cache_write_tokens}, Anthropic {@code cache_read_input_tokens} / {@code cache_creation_input_tokens}); the
 * answer costs exactly the catalogue's cached rates ({@code x-tollgate-cost} and the metered spend, computed here by
 * hand); and cache breakpoints sent in one dialect reach the fake in its provider's own form (Anthropic
 * {@code cache_control}, Bedrock {@code cachePoint}), or not at all where the provider has no such field.
 *
 * <p>Every answer reports a prompt of {@value #PROMPT} tokens, {@value #READ} of them read from the cache
 * ({@value #WRITTEN} more written to it for the Anthropic family), and {@value #OUTPUT} output tokens.
 */
@QuarkusTest
@TestProfile(PromptCachingEndToEndTest.Upstreams.class)
class PromptCachingEndToEndTest {
    static final String KEY = "sk-tg-prompt-cache-e2e-0123456789abcd";
    static final int PROMPT = 100_000;
    static final int READ = 80_000;
    static final int WRITTEN = 10_000;
    static final int OUTPUT = 1_000;

    static FakeOpenAi openai;
    static FakeAzureOpenAi azure;
    static FakeAnthropic anthropic;
    static FakeBedrock bedrock;
    static FakeGemini gemini;
    static FakeVertex vertex;
    static FakeOpenAiCompatible deepseek;
    static FakeOpenAiCompatible xai;

    public static class Upstreams implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            openai = FakeOpenAi.start("sk-openai");
            azure = FakeAzureOpenAi.start("azure-key");
            azure.deployment("prod-gpt4o", "gpt-4o");
            anthropic = FakeAnthropic.start("sk-ant");
            bedrock = FakeBedrock.start("unused");
            gemini = FakeGemini.start("gemini-key");
            vertex = FakeVertex.start();
            deepseek = FakeOpenAiCompatible.start(Provider.DEEPSEEK, "sk-deepseek");
            xai = FakeOpenAiCompatible.start(Provider.XAI, "xai-key");
            String secrets = Map.of("openai", "sk-openai", "anthropic", "sk-ant", "bedrock", bedrock.credentialsJson(),
                    "gemini", "gemini-key", "vertex", vertex.serviceAccountKeyJson(), "deepseek", "sk-deepseek",
                    "xai", "xai-key", "azure", "azure-key", "key", KEY).entrySet().stream()
                    .map(e -> e.getKey() + ": " + Json.write(Json.NODES.textNode(e.getValue())))
                    .reduce((a, b) -> a + ", " + b).orElseThrow();
            // no spec.pricing (but xAI's, which the catalogue does not list): the bundled catalogue prices them
            Path folder = StandaloneFolder.create("tollgate-prompt-cache", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: pc}
                    spec: {}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                    stringData: {%s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: k}
                    spec: {existingSecret: {name: creds, key: key}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: gpt}
                    spec: {modelName: gpt, provider: openai, model: gpt-4o-2024-08-06, apiBase: "%s",
                           credentialsSecretRef: {name: creds, key: openai}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: claude}
                    spec: {modelName: claude, provider: anthropic, model: claude-sonnet-4-20250514, apiBase: "%s",
                           credentialsSecretRef: {name: creds, key: anthropic}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: bedrock-claude}
                    spec: {modelName: bedrock-claude, provider: bedrock, model: "us.anthropic.claude-sonnet-4-20250514-v1:0",
                           apiBase: "%s", region: us-east-1, credentialsSecretRef: {name: creds, key: bedrock}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: vertex-claude}
                    spec: {modelName: vertex-claude, provider: vertex, model: "claude-sonnet-4@20250514", apiBase: "%s",
                           project: fake-project, region: us-east5, credentialsSecretRef: {name: creds, key: vertex}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: gemini-pro}
                    spec: {modelName: gemini-pro, provider: gemini, model: gemini-2.5-pro, apiBase: "%s",
                           credentialsSecretRef: {name: creds, key: gemini}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: vertex-flash}
                    spec: {modelName: vertex-flash, provider: vertex, model: gemini-2.5-flash, apiBase: "%s",
                           project: fake-project, region: us-central1, credentialsSecretRef: {name: creds, key: vertex}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: deepseek}
                    spec: {modelName: deepseek, provider: deepseek, model: deepseek-chat, apiBase: "%s",
                           credentialsSecretRef: {name: creds, key: deepseek}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: grok}
                    spec: {modelName: grok, provider: xai, model: grok-4, apiBase: "%s",
                           credentialsSecretRef: {name: creds, key: xai},
                           pricing: {inputPerMillion: "3.00", cachedInputPerMillion: "0.75", outputPerMillion: "15.00"}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: azure-gpt}
                    spec: {modelName: azure-gpt, provider: azure, model: prod-gpt4o, apiBase: "%s", apiVersion: "2024-10-21",
                           credentialsSecretRef: {name: creds, key: azure},
                           pricing: {inputPerMillion: "2.50", cachedInputPerMillion: "1.25", outputPerMillion: "10.00"}}
                    """.formatted(secrets, openai.baseUrl(), anthropic.baseUrl(), bedrock.baseUrl(), vertex.baseUrl(),
                        gemini.baseUrl(), vertex.baseUrl(), deepseek.baseUrl(), xai.baseUrl(), azure.baseUrl()));
            return StandaloneFolder.serve(folder);
        }
    }

    @AfterAll
    static void stopFakes() {
        for (FakeUpstream f : List.<FakeUpstream>of(openai, azure, anthropic, bedrock, gemini, vertex, deepseek, xai)) {
            f.close();
        }
    }

    @TestHTTPResource("/v1")
    URL base;

    @TestHTTPResource(value = "/metrics", management = true)
    URL management;

    @BeforeEach
    void reset() {
        for (FakeUpstream f : List.<FakeUpstream>of(openai, azure, anthropic, bedrock, gemini, vertex, deepseek, xai)) {
            f.reset();
        }
    }

    /** {@code tokens} at {@code usdPerMillion}, in micro-USD (unrounded: the gateway rounds the request's sum once). */
    static BigDecimal at(long tokens, String usdPerMillion) {
        return new BigDecimal(usdPerMillion).multiply(BigDecimal.valueOf(tokens));
    }

    static long micros(BigDecimal... parts) {
        BigDecimal sum = BigDecimal.ZERO;
        for (BigDecimal p : parts) {
            sum = sum.add(p);
        }
        return sum.setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    /** Catalogue: Claude Sonnet 4 (Anthropic, Bedrock, Vertex) 3.00 in, 0.30 cache read, 3.75 cache write, 15.00 out. */
    static final long CLAUDE_SONNET_4 = micros(at(PROMPT - READ - WRITTEN, "3.00"), at(READ, "0.30"),
            at(WRITTEN, "3.75"), at(OUTPUT, "15.00"));

    // ---- OpenAI: automatic caching, cached_tokens; breakpoints never sent to it ---------------------------------

    /** Catalogue: gpt-4o 2.50 in, 1.25 cached, 10.00 out. */
    static final long GPT_4O = micros(at(PROMPT - READ, "2.50"), at(READ, "1.25"), at(OUTPUT, "10.00"));

    @Test
    void openAiCachedTokensAreChargedAtTheCachedRateAndBreakpointsStayHere() throws Exception {
        assertThat(GPT_4O).isEqualTo(160_000); // 20,000 × 2.50 + 80,000 × 1.25 + 1,000 × 10.00
        openai.enqueue(Reply.text("ok").usage(PROMPT, OUTPUT).cached(READ, 0));
        long before = spend("gpt");
        HttpResponse<String> r = post("chat/completions", """
                {"model":"gpt","prompt_cache_key":"tenant-a",
                 "messages":[{"role":"system","content":[{"type":"text","text":"A long manual.",
                   "cache_control":{"type":"ephemeral"}}]},
                  {"role":"user","content":"Question?","cache_control":{"type":"ephemeral"}}],
                 "tools":[{"type":"function","function":{"name":"f"},"cache_control":{"type":"ephemeral"}}]}
                """);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode usage = Json.parse(r.body()).path("usage");
        assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(PROMPT);
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(READ);
        assertThat(cost(r)).isEqualTo(GPT_4O);
        assertSpent("gpt", before, GPT_4O);
        RecordedRequest sent = openai.lastRequest();
        assertThat(sent.body()).as("OpenAI's API has no cache_control").doesNotContain("cache_control");
        assertThat(sent.json().path("prompt_cache_key").asText()).isEqualTo("tenant-a");
        assertThat(sent.json().path("messages").get(0).path("content").get(0).path("text").asText())
                .isEqualTo("A long manual.");
    }

    @Test
    void anAnthropicClientOfOpenAiGetsItsCacheReadsInAnthropicsFields() throws Exception {
        openai.enqueue(Reply.text("ok").usage(PROMPT, OUTPUT).cached(READ, 0));
        long before = spend("gpt");
        HttpResponse<String> r = messages("""
                {"model":"gpt","max_tokens":100,
                 "system":[{"type":"text","text":"A long manual.","cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":"Question?"}]}
                """);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode usage = Json.parse(r.body()).path("usage");
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(PROMPT - READ);
        assertThat(usage.path("cache_read_input_tokens").asLong()).isEqualTo(READ);
        assertThat(usage.path("cache_creation_input_tokens").asLong()).isZero();
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(OUTPUT);
        assertThat(cost(r)).isEqualTo(GPT_4O);
        assertSpent("gpt", before, GPT_4O);
        assertThat(openai.lastRequest().body()).doesNotContain("cache_control");
    }

    @Test
    void anOpenAiStreamIsMeteredAtTheCachedRateEvenWhenTheClientDidNotAskForUsage() throws Exception {
        openai.enqueue(Reply.text("one two three").usage(PROMPT, OUTPUT).cached(READ, 0));
        long before = spend("gpt");
        List<JsonNode> chunks = streamChunks("""
                {"model":"gpt","stream":true,"messages":[{"role":"user","content":"Question?"}]}
                """);
        assertThat(chunks).allSatisfy(c -> assertThat(c.path("choices")).isNotEmpty());
        assertThat(openai.lastRequest().json().path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertSpent("gpt", before, GPT_4O);
    }

    @Test
    void azureCachedTokensAreChargedAtTheDeploymentsOwnCachedPrice() throws Exception {
        // Azure deployments are priced by spec.pricing only: 2.50 in, 1.25 cached, 10.00 out (gpt-4o's list prices)
        azure.enqueue(Reply.text("ok").usage(PROMPT, OUTPUT).cached(READ, 0));
        long before = spend("azure-gpt");
        HttpResponse<String> r = post("chat/completions", """
                {"model":"azure-gpt","messages":[{"role":"user","content":[{"type":"text","text":"Question?",
                  "cache_control":{"type":"ephemeral"}}]}]}
                """);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("usage").path("prompt_tokens_details").path("cached_tokens").asLong())
                .isEqualTo(READ);
        assertThat(cost(r)).isEqualTo(GPT_4O);
        assertSpent("azure-gpt", before, GPT_4O);
        assertThat(azure.lastRequest().body()).doesNotContain("cache_control");
    }

    // ---- Anthropic: cache_control from OpenAI clients, reads and writes back in OpenAI's usage -------------------

    @Test
    void openAiClientsBreakpointsReachAnthropicAsCacheControlAndReadsAndWritesArePriced() throws Exception {
        assertThat(CLAUDE_SONNET_4).isEqualTo(106_500); // 10,000 × 3 + 80,000 × 0.30 + 10,000 × 3.75 + 1,000 × 15
        anthropic.enqueue(Reply.text("ok").usage(PROMPT, OUTPUT).cached(READ, WRITTEN));
        long before = spend("claude");
        HttpResponse<String> r = post("chat/completions", """
                {"model":"claude","max_tokens":100,
                 "messages":[{"role":"system","content":[{"type":"text","text":"A long manual.",
                   "cache_control":{"type":"ephemeral","ttl":"1h"}}]},
                  {"role":"user","content":"A long document.","cache_control":{"type":"ephemeral"}},
                  {"role":"user","content":"Question?"}],
                 "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}},
                   "cache_control":{"type":"ephemeral"}}]}
                """);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode usage = Json.parse(r.body()).path("usage");
        assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(PROMPT);
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(READ);
        assertThat(usage.path("prompt_tokens_details").path("cache_write_tokens").asLong()).isEqualTo(WRITTEN);
        assertThat(cost(r)).isEqualTo(CLAUDE_SONNET_4);
        assertSpent("claude", before, CLAUDE_SONNET_4);
        JsonNode sent = anthropic.lastRequest().json();
        assertThat(sent.path("system").get(0)).isEqualTo(Json.parse(
                "{\"type\":\"text\",\"text\":\"A long manual.\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}"));
        assertThat(sent.path("messages").get(0).path("content")).isEqualTo(Json.parse("""
                [{"type":"text","text":"A long document.","cache_control":{"type":"ephemeral"}},
                 {"type":"text","text":"Question?"}]"""));
        assertThat(sent.path("tools").get(0).path("cache_control")).isEqualTo(Json.parse("{\"type\":\"ephemeral\"}"));
    }

    @Test
    void anOpenAiStreamFromAnthropicEndsWithTheCacheCountsAndIsChargedTheSame() throws Exception {
        anthropic.enqueue(Reply.text("one two three").usage(PROMPT, OUTPUT).cached(READ, WRITTEN));
        long before = spend("claude");
        List<JsonNode> chunks = streamChunks("""
                {"model":"claude","max_tokens":100,"stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"user","content":[{"type":"text","text":"A long document.",
                   "cache_control":{"type":"ephemeral"}}]}]}
                """);
        JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
        assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(PROMPT);
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(READ);
        assertThat(usage.path("prompt_tokens_details").path("cache_write_tokens").asLong()).isEqualTo(WRITTEN);
        assertSpent("claude", before, CLAUDE_SONNET_4);
        assertThat(anthropic.lastRequest().json().path("messages").get(0).path("content").get(0).path("cache_control")
                .path("type").asText()).isEqualTo("ephemeral");
    }

    @Test
    void anAnthropicClientOfAnthropicIsRelayedWithItsCacheFields() throws Exception {
        anthropic.enqueue(Reply.text("ok").usage(PROMPT, OUTPUT).cached(READ, WRITTEN));
        long before = spend("claude");
        HttpResponse<String> r = messages("""
                {"model":"claude","max_tokens":100,
                 "system":[{"type":"text","text":"A long manual.","cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":"Question?"}]}
                """);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode usage = Json.parse(r.body()).path("usage");
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(PROMPT - READ - WRITTEN);
        assertThat(usage.path("cache_read_input_tokens").asLong()).isEqualTo(READ);
        assertThat(usage.path("cache_creation_input_tokens").asLong()).isEqualTo(WRITTEN);
        assertThat(cost(r)).isEqualTo(CLAUDE_SONNET_4);
        assertSpent("claude", before, CLAUDE_SONNET_4);
        assertThat(anthropic.lastRequest().json().path("system").get(0).has("cache_control")).isTrue();
    }

    // ---- Bedrock Converse: cachePoint blocks, cacheRead/WriteInputTokens ------------------------------------------

    @Test
    void anthropicClientsBreakpointsReachBedrockAsCachePoints() throws Exception {
        bedrock.enqueue(Reply.text("ok").usage(PROMPT, OUTPUT).cached(READ, WRITTEN));
        long before = spend("bedrock-claude");
        HttpResponse<String> r = messages("""
                {"model":"bedrock-claude","max_tokens":100,
                 "system":[{"type":"text","text":"A long manual.","cache_control":{"type":"ephemeral","ttl":"1h"}}],
                 "messages":[{"role":"user","content":[
                   {"type":"text","text":"A long document.","cache_control":{"type":"ephemeral"}},
                   {"type":"text","text":"Question?"}]}],
                 "tools":[{"name":"f","input_schema":{"type":"object","properties":{}},
                   "cache_control":{"type":"ephemeral"}}]}
                """);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode usage = Json.parse(r.body()).path("usage");
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(PROMPT - READ - WRITTEN);
        assertThat(usage.path("cache_read_input_tokens").asLong()).isEqualTo(READ);
        assertThat(usage.path("cache_creation_input_tokens").asLong()).isEqualTo(WRITTEN);
        assertThat(cost(r)).isEqualTo(CLAUDE_SONNET_4);
        assertSpent("bedrock-claude", before, CLAUDE_SONNET_4);
        JsonNode sent = bedrock.lastRequest().json();
        assertThat(sent.path("system")).isEqualTo(Json.parse(
                "[{\"text\":\"A long manual.\"},{\"cachePoint\":{\"type\":\"default\",\"ttl\":\"1h\"}}]"));
        assertThat(sent.path("messages").get(0).path("content")).isEqualTo(Json.parse(
                "[{\"text\":\"A long document.\"},{\"cachePoint\":{\"type\":\"default\"}},{\"text\":\"Question?\"}]"));
        assertThat(sent.path("toolConfig").path("tools").get(1)).isEqualTo(Json.parse(
                "{\"cachePoint\":{\"type\":\"default\"}}"));
    }

    @Test
    void aBedrockStreamReportsItsCacheCountsToAnOpenAiClient() throws Exception {
        bedrock.enqueue(Reply.text("one two three").usage(PROMPT, OUTPUT).cached(READ, WRITTEN));
        long before = spend("bedrock-claude");
        List<JsonNode> chunks = streamChunks("""
                {"model":"bedrock-claude","stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"user","content":"A long document.","cache_control":{"type":"ephemeral"}}]}
                """);
        JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
        assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(PROMPT);
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(READ);
        assertThat(usage.path("prompt_tokens_details").path("cache_write_tokens").asLong()).isEqualTo(WRITTEN);
        assertSpent("bedrock-claude", before, CLAUDE_SONNET_4);
        assertThat(bedrock.lastRequest().json().path("messages").get(0).path("content")).isEqualTo(Json.parse(
                "[{\"text\":\"A long document.\"},{\"cachePoint\":{\"type\":\"default\"}}]"));
    }

    // ---- Claude on Vertex AI: Anthropic's cache_control in the rawPredict body ------------------------------------

    @Test
    void openAiClientsBreakpointsReachClaudeOnVertexAsCacheControl() throws Exception {
        vertex.enqueue(Reply.text("ok").usage(PROMPT, OUTPUT).cached(READ, WRITTEN));
        long before = spend("vertex-claude");
        HttpResponse<String> r = post("chat/completions", """
                {"model":"vertex-claude","max_tokens":100,
                 "messages":[{"role":"system","content":"A long manual.","cache_control":{"type":"ephemeral"}},
                  {"role":"user","content":"Question?"}]}
                """);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode usage = Json.parse(r.body()).path("usage");
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(READ);
        assertThat(usage.path("prompt_tokens_details").path("cache_write_tokens").asLong()).isEqualTo(WRITTEN);
        assertThat(cost(r)).isEqualTo(CLAUDE_SONNET_4);
        assertSpent("vertex-claude", before, CLAUDE_SONNET_4);
        List<RecordedRequest> calls = vertex.modelRequests();
        assertThat(calls.get(calls.size() - 1).json().path("system")).isEqualTo(Json.parse(
                "[{\"type\":\"text\",\"text\":\"A long manual.\",\"cache_control\":{\"type\":\"ephemeral\"}}]"));
    }

    // ---- Gemini (AI Studio and Vertex AI): cachedContentTokenCount -----------------------------------------------

    @Test
    void geminiCachedContentIsChargedAtTheCachedRateInBothDialects() throws Exception {
        // catalogue: gemini-2.5-pro 1.25 in, 0.125 cached, 10.00 out (prompts up to 200K tokens)
        long expected = micros(at(PROMPT - READ, "1.25"), at(READ, "0.125"), at(OUTPUT, "10.00"));
        assertThat(expected).isEqualTo(45_000);
        gemini.enqueue(Reply.text("ok").usage(PROMPT, OUTPUT).cached(READ, 0));
        long before = spend("gemini-pro");
        HttpResponse<String> r = post("chat/completions", """
                {"model":"gemini-pro","messages":[{"role":"user","content":"Question?",
                  "cache_control":{"type":"ephemeral"}}]}
                """);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("usage").path("prompt_tokens_details").path("cached_tokens").asLong())
                .isEqualTo(READ);
        assertThat(cost(r)).isEqualTo(expected);
        assertThat(gemini.lastRequest().body()).as("Gemini takes no breakpoints").doesNotContain("cache_control");

        gemini.enqueue(Reply.text("ok").usage(PROMPT, OUTPUT).cached(READ, 0));
        HttpResponse<String> a = messages("""
                {"model":"gemini-pro","max_tokens":100,"messages":[{"role":"user","content":"Question?"}]}
                """);
        assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
        JsonNode usage = Json.parse(a.body()).path("usage");
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(PROMPT - READ);
        assertThat(usage.path("cache_read_input_tokens").asLong()).isEqualTo(READ);
        assertThat(cost(a)).isEqualTo(expected);
        assertSpent("gemini-pro", before, 2 * expected);
    }

    @Test
    void geminiOnVertexIsChargedAtItsCachedRate() throws Exception {
        // catalogue: Vertex gemini-2.5-flash 0.30 in, 0.03 cached, 2.50 out
        long expected = micros(at(PROMPT - READ, "0.30"), at(READ, "0.03"), at(OUTPUT, "2.50"));
        assertThat(expected).isEqualTo(10_900);
        vertex.enqueue(Reply.text("ok").usage(PROMPT, OUTPUT).cached(READ, 0));
        long before = spend("vertex-flash");
        HttpResponse<String> r = post("chat/completions", """
                {"model":"vertex-flash","messages":[{"role":"user","content":"Question?"}]}
                """);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("usage").path("prompt_tokens_details").path("cached_tokens").asLong())
                .isEqualTo(READ);
        assertThat(cost(r)).isEqualTo(expected);
        assertSpent("vertex-flash", before, expected);
    }

    // ---- OpenAI-compatible presets: DeepSeek's prompt_cache_hit_tokens, xAI's cached_tokens ----------------------

    @Test
    void deepSeekCacheHitsAreChargedAtItsCacheHitPrice() throws Exception {
        // catalogue: deepseek-chat 0.56 in (cache miss), 0.07 cache hit, 1.68 out
        long expected = micros(at(PROMPT - READ, "0.56"), at(READ, "0.07"), at(OUTPUT, "1.68"));
        assertThat(expected).isEqualTo(18_480);
        deepseek.cacheHitTokens(READ);
        deepseek.enqueue(Reply.text("ok").usage(PROMPT, OUTPUT));
        long before = spend("deepseek");
        HttpResponse<String> r = post("chat/completions", """
                {"model":"deepseek","messages":[{"role":"user","content":"Question?",
                  "cache_control":{"type":"ephemeral"}}]}
                """);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode usage = Json.parse(r.body()).path("usage");
        assertThat(usage.path("prompt_cache_hit_tokens").asLong()).as("DeepSeek's own field passes").isEqualTo(READ);
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(READ);
        assertThat(cost(r)).isEqualTo(expected);
        assertSpent("deepseek", before, expected);
        assertThat(deepseek.lastRequest().body()).doesNotContain("cache_control");
    }

    @Test
    void xaiCachedTokensAreChargedAtTheModelsOwnCachedPrice() throws Exception {
        // spec.pricing: 3.00 in, 0.75 cached, 15.00 out
        long expected = micros(at(PROMPT - READ, "3.00"), at(READ, "0.75"), at(OUTPUT, "15.00"));
        assertThat(expected).isEqualTo(135_000);
        xai.enqueue(Reply.text("ok").usage(PROMPT, OUTPUT).cached(READ, 0));
        long before = spend("grok");
        HttpResponse<String> r = post("chat/completions", """
                {"model":"grok","messages":[{"role":"user","content":[{"type":"text","text":"Question?",
                  "cache_control":{"type":"ephemeral"}}]}]}
                """);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("usage").path("prompt_tokens_details").path("cached_tokens").asLong())
                .isEqualTo(READ);
        assertThat(cost(r)).isEqualTo(expected);
        assertSpent("grok", before, expected);
        assertThat(xai.lastRequest().body()).doesNotContain("cache_control");
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/" + path)).timeout(Duration.ofSeconds(30))
                .header("x-tollgate-retries", "0").header("authorization", "Bearer " + KEY)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> messages(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/messages")).timeout(Duration.ofSeconds(30))
                .header("x-tollgate-retries", "0").header("x-api-key", KEY).header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The JSON chunks of an OpenAI stream (until [DONE]). */
    List<JsonNode> streamChunks(String body) throws Exception {
        HttpResponse<String> r = post("chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> chunks = new ArrayList<>();
        boolean done = false;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("data: ")) {
                String data = line.substring(6).trim();
                if (data.equals("[DONE]")) {
                    done = true;
                } else {
                    chunks.add(Json.parse(data));
                }
            }
        }
        assertThat(done).as(r.body()).isTrue();
        return chunks;
    }

    /** The answer's {@code x-tollgate-cost} in micro-USD. */
    static long cost(HttpResponse<String> r) {
        return Money.parseMicros(r.headers().firstValue("x-tollgate-cost").orElseThrow());
    }

    /** That the model's spend grew by exactly {@code micros} (metering settles just after the answer is written). */
    void assertSpent(String model, long before, long micros) throws Exception {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> spend(model) - before >= micros);
        assertThat(spend(model) - before).isEqualTo(micros);
    }

    /** The spend metered for a model so far, from the management port's usage report. */
    long spend(String model) throws Exception {
        JsonNode report = Json.parse(HTTP.send(HttpRequest.newBuilder(management.toURI().resolve("/tollgate/usage"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body());
        for (Iterator<Map.Entry<String, JsonNode>> it = report.path("models").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().endsWith("/" + model)) {
                return e.getValue().path("spendMicros").asLong();
            }
        }
        return 0;
    }
}
