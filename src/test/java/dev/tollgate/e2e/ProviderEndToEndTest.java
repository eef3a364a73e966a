package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.gateway.fakes.FakeAnthropic;
import dev.tollgate.gateway.fakes.FakeAzureOpenAi;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway in front of fake OpenAI, Azure OpenAI and Anthropic upstreams that follow each provider's
 * documented wire format, with the official OpenAI and Anthropic Java SDKs as clients.
 */
@QuarkusTest
@TestProfile(ProviderEndToEndTest.Upstreams.class)
class ProviderEndToEndTest {
    static final String KEY = "sk-tg-provider-e2e-key-0123456789abcd";
    static final String OPENAI_KEY = "sk-upstream-openai-secret";
    static final String AZURE_KEY = "azure-upstream-secret";
    static final String ANTHROPIC_KEY = "sk-ant-upstream-secret";
    static FakeOpenAi openai;
    static FakeAzureOpenAi azure;
    static FakeAnthropic anthropic;

    public static class Upstreams implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            openai = FakeOpenAi.start(OPENAI_KEY);
            azure = FakeAzureOpenAi.start(AZURE_KEY);
            azure.deployment("prod-gpt4o", "gpt-4o");
            anthropic = FakeAnthropic.start(ANTHROPIC_KEY);
            Path folder = StandaloneFolder.create("tollgate-providers", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: p}
                    spec: {}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                    stringData: {openai: %s, azure: %s, anthropic: %s, key: %s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: k}
                    spec: {existingSecret: {name: creds, key: key}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: gpt}
                    spec: {modelName: gpt-4o, provider: openai, model: gpt-4o-2024-08-06, apiBase: "%s",
                           timeout: 1500ms, credentialsSecretRef: {name: creds, key: openai}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: gpt-health}
                    spec: {modelName: gpt-health, provider: openai, model: gpt-4o-2024-08-06, apiBase: "%s",
                           credentialsSecretRef: {name: creds, key: openai}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: azure}
                    spec: {modelName: azure-gpt, provider: azure, model: prod-gpt4o, apiBase: "%s",
                           apiVersion: "2024-10-21", credentialsSecretRef: {name: creds, key: azure}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: claude}
                    spec: {modelName: claude, provider: anthropic, model: claude-sonnet-4-20250514, apiBase: "%s",
                           credentialsSecretRef: {name: creds, key: anthropic}, defaultParams: {max_tokens: 512}}
                    """.formatted(OPENAI_KEY, AZURE_KEY, ANTHROPIC_KEY, KEY, openai.baseUrl(), openai.baseUrl(), azure.baseUrl(),
                        anthropic.baseUrl()));
            return StandaloneFolder.serve(folder);
        }
    }

    @TestHTTPResource("/v1")
    URL base;

    @BeforeEach
    void reset() {
        openai.reset();
        azure.reset();
        anthropic.reset();
    }

    OpenAIClient openAiSdk() {
        return OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey(KEY).maxRetries(0)
                .putHeader("x-tollgate-retries", "0").build(); // each upstream failure met as mapped
    }

    AnthropicClient anthropicSdk() {
        return AnthropicOkHttpClient.builder().baseUrl(base.toString().replaceAll("/v1$", "")).apiKey(KEY).maxRetries(0)
                .putHeader("x-tollgate-retries", "0").build();
    }

    static ChatCompletionCreateParams.Builder chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addSystemMessage("Be brief.").addUserMessage("Hello");
    }

    static String streamText(StreamResponse<ChatCompletionChunk> s, List<ChatCompletionChunk> chunks) {
        StringBuilder sb = new StringBuilder();
        s.stream().forEach(ch -> {
            chunks.add(ch);
            ch.choices().forEach(c -> c.delta().content().ifPresent(sb::append));
        });
        return sb.toString();
    }

    // ---- OpenAI and Azure: relayed in their own dialect --------------------------------------------------------

    @Test
    void openAiRequestsAreRelayedWithTheUpstreamIdAndCredential() {
        openai.enqueue(Reply.text("Hi from OpenAI").usage(12, 4));
        ChatCompletion c = openAiSdk().chat().completions().create(chat("gpt-4o").build());
        assertThat(c.choices().get(0).message().content()).hasValue("Hi from OpenAI");
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(12);
        RecordedRequest r = openai.lastRequest();
        assertThat(r.path()).isEqualTo("/v1/chat/completions");
        assertThat(r.header("authorization")).isEqualTo("Bearer " + OPENAI_KEY);
        assertThat(r.json().path("model").asText()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(r.json().path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(r.body()).doesNotContain(KEY);
    }

    @Test
    void anAnswerNeedingNoTranslationIsRelayedByteForByteAndStillMetered() throws Exception {
        String chat = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        openai.enqueue(Reply.text("compact").usage(1000, 100));
        HttpResponse<String> compact = post("chat/completions", chat);
        openai.enqueue(Reply.text("indented, as api.openai.com sends it").usage(1000, 100).indented());
        HttpResponse<String> indented = post("chat/completions", chat);
        assertThat(indented.statusCode()).isEqualTo(200);
        assertThat(indented.body()).as("the upstream's own bytes, not a re-serialisation")
                .startsWith("{\n").contains("\n  \"id\" : \"chatcmpl-").contains("\"prompt_tokens\" : 1000");
        assertThat(indented.headers().firstValue("x-tollgate-cost")).as("usage read from the relayed answer")
                .isPresent().isEqualTo(compact.headers().firstValue("x-tollgate-cost"));
        assertThat(new java.math.BigDecimal(indented.headers().firstValue("x-tollgate-cost").orElseThrow())).isPositive();
    }

    @Test
    void openAiStreamsAskForUsageAndHideItFromClientsThatDidNot() {
        openai.enqueue(Reply.text("one two three four").usage(5, 4).every(Duration.ofMillis(5)));
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (var s = openAiSdk().chat().completions().createStreaming(chat("gpt-4o").build())) {
            assertThat(streamText(s, chunks)).isEqualTo("one two three four");
        }
        assertThat(openai.lastRequest().json().path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(chunks).allSatisfy(ch -> assertThat(ch.choices()).isNotEmpty());
    }

    @Test
    void azureGetsItsDeploymentUrlApiVersionAndApiKeyHeader() {
        azure.enqueue(Reply.text("Hi from Azure"));
        ChatCompletion c = openAiSdk().chat().completions().create(chat("azure-gpt").build());
        assertThat(c.choices().get(0).message().content()).hasValue("Hi from Azure");
        RecordedRequest r = azure.lastRequest();
        assertThat(r.path()).isEqualTo("/openai/deployments/prod-gpt4o/chat/completions");
        assertThat(r.queryParam("api-version")).isEqualTo("2024-10-21");
        assertThat(r.header("api-key")).isEqualTo(AZURE_KEY);
        assertThat(r.header("authorization")).isNull();

        // Azure's stream opens with a prompt-filter chunk that has no choices: relayed, not mistaken for usage.
        azure.enqueue(Reply.text("streamed from azure").every(Duration.ofMillis(5)));
        try (var s = openAiSdk().chat().completions().createStreaming(chat("azure-gpt").build())) {
            assertThat(streamText(s, new ArrayList<>())).isEqualTo("streamed from azure");
        }
    }

    // ---- Anthropic upstream, OpenAI client: translated both ways ------------------------------------------------

    @Test
    void openAiClientsReachAnthropicThroughTranslation() {
        anthropic.enqueue(Reply.text("Bonjour").usage(20, 2));
        ChatCompletion c = openAiSdk().chat().completions().create(chat("claude").build());
        assertThat(c.choices().get(0).message().content()).hasValue("Bonjour");
        assertThat(c.choices().get(0).finishReason().asString()).isEqualTo("stop");
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(2);
        RecordedRequest r = anthropic.lastRequest();
        assertThat(r.path()).isEqualTo("/v1/messages");
        assertThat(r.header("x-api-key")).isEqualTo(ANTHROPIC_KEY);
        assertThat(r.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(r.json().path("model").asText()).isEqualTo("claude-sonnet-4-20250514");
        assertThat(r.json().path("system").toString()).contains("Be brief.");
        assertThat(r.json().path("max_tokens").asInt()).as("the LlmModel's defaultParams").isEqualTo(512);
        assertThat(r.json().path("messages")).hasSize(1);
    }

    @Test
    void toolCallsStreamedFromAnthropicReassembleInTheOpenAiSdk() {
        anthropic.enqueue(Reply.toolCalls(Reply.ToolCall.of("toolu_1", "get_weather", "{\"city\":\"Paris\",\"unit\":\"C\"}")
                .fragments(4), Reply.ToolCall.of("toolu_2", "get_time", "{\"zone\":\"CET\"}").fragments(2))
                .every(Duration.ofMillis(5)));
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (var s = openAiSdk().chat().completions().createStreaming(chat("claude")
                .addFunctionTool(tool("get_weather")).addFunctionTool(tool("get_time")).build())) {
            streamText(s, chunks);
        }
        StringBuilder weather = new StringBuilder();
        StringBuilder time = new StringBuilder();
        List<String> names = new ArrayList<>();
        chunks.forEach(ch -> ch.choices().forEach(c -> c.delta().toolCalls().ifPresent(tcs -> tcs.forEach(tc -> {
            tc.function().flatMap(f -> f.name()).ifPresent(names::add);
            String args = tc.function().flatMap(f -> f.arguments()).orElse("");
            (tc.index() == 0 ? weather : time).append(args);
        }))));
        assertThat(names).containsExactly("get_weather", "get_time");
        assertThat(weather.toString()).isEqualTo("{\"city\":\"Paris\",\"unit\":\"C\"}");
        assertThat(time.toString()).isEqualTo("{\"zone\":\"CET\"}");
        assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason().orElseThrow().asString()).isEqualTo("tool_calls");
        assertThat(anthropic.lastRequest().json().path("tools").get(0).path("input_schema").isObject()).isTrue();
    }

    @Test
    void unsupportedParametersAreRefusedByName() {
        assertThatThrownBy(() -> openAiSdk().chat().completions().create(chat("claude").seed(7).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).hasValue("seed"));
        assertThat(anthropic.requests()).isEmpty();
    }

    // ---- Anthropic client (/v1/messages) ------------------------------------------------------------------------

    @Test
    void anthropicSdkAgainstAnAnthropicModelAndAnOpenAiModel() {
        anthropic.enqueue(Reply.text("native answer").usage(9, 2));
        Message m = anthropicSdk().messages().create(MessageCreateParams.builder().model("claude").maxTokens(100)
                .addUserMessage("Hello").build());
        assertThat(m.content().get(0).asText().text()).isEqualTo("native answer");
        assertThat(anthropic.lastRequest().json().path("model").asText()).isEqualTo("claude-sonnet-4-20250514");

        openai.enqueue(Reply.text("translated answer").usage(9, 2).every(Duration.ofMillis(5)));
        MessageAccumulator acc = MessageAccumulator.create();
        try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> s = anthropicSdk().messages().createStreaming(MessageCreateParams
                .builder().model("gpt-4o").maxTokens(100).system("Be brief.").addUserMessage("Hello").build())) {
            s.stream().forEach(acc::accumulate);
        }
        Message streamed = acc.message();
        assertThat(streamed.content().get(0).asText().text()).isEqualTo("translated answer");
        assertThat(streamed.stopReason()).contains(StopReason.END_TURN);
        assertThat(streamed.usage().outputTokens()).isEqualTo(2);
        JsonNode sent = openai.lastRequest().json();
        assertThat(sent.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(sent.path("max_completion_tokens").asInt(sent.path("max_tokens").asInt())).isEqualTo(100);
    }

    @Test
    void anthropicClientsGetAnthropicErrorBodies() {
        anthropic.enqueue(FakeAnthropic.overloaded());
        assertThatThrownBy(() -> anthropicSdk().messages().create(MessageCreateParams.builder().model("claude")
                .maxTokens(10).addUserMessage("hi").build()))
                .isInstanceOfSatisfying(com.anthropic.errors.AnthropicServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(503);
                    assertThat(e.body().toString()).contains("overloaded_error");
                });
    }

    // ---- failures -----------------------------------------------------------------------------------------------

    @Test
    void upstreamErrorsMapToTheRightStatusAndType() throws Exception {
        record Case(Reply reply, int status, String type) {}
        List<Case> cases = List.of(
                new Case(Reply.error(400, "invalid_request_error", "bad temperature").param("temperature"), 400, "invalid_request_error"),
                new Case(Reply.error(401, "invalid_request_error", "Incorrect API key provided"), 502, "upstream_auth_error"),
                new Case(Reply.error(403, "permission_error", "no access"), 502, "upstream_auth_error"),
                new Case(Reply.error(404, "invalid_request_error", "The model does not exist"), 502, "upstream_error"),
                new Case(Reply.error(408, "timeout", "request timeout"), 504, "timeout_error"),
                new Case(Reply.error(429, "requests", "Rate limit reached").header("retry-after", "7"), 429, "requests"),
                new Case(Reply.error(500, "server_error", "boom"), 502, "upstream_error"),
                new Case(Reply.error(503, "server_error", "overloaded"), 503, "overloaded_error"));
        for (Case c : cases) {
            openai.enqueue(c.reply());
            HttpResponse<String> r = post("chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
            assertThat(r.statusCode()).as("upstream %d", c.reply().status()).isEqualTo(c.status());
            assertThat(r.body()).as("upstream %d", c.reply().status()).contains("\"type\":\"" + c.type() + "\"")
                    .doesNotContain(OPENAI_KEY);
        }
        openai.enqueue(Reply.error(429, "requests", "Rate limit reached").header("retry-after", "7"));
        assertThatThrownBy(() -> openAiSdk().chat().completions().create(chat("gpt-4o").build()))
                .isInstanceOfSatisfying(RateLimitException.class, e ->
                        assertThat(e.headers().values("retry-after")).containsExactly("7"));
        openai.enqueue(Reply.error(401, "invalid_request_error", "Incorrect API key provided"));
        HttpResponse<String> auth = post("chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(auth.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(auth.body()).contains("upstream_auth_failed").doesNotContain("Incorrect API key")
                .doesNotContain(OPENAI_KEY.substring(0, 6));
    }

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @Test
    void upstreamFailuresCountTowardsTheDeploymentsHealthButCallerErrorsDoNot() throws Exception {
        // A model no other test calls: the health count is a 60 s window, and other tests' failures sliding out of
        // it mid-test would otherwise shrink the difference.
        java.util.function.Supplier<Long> failures = () -> {
            try (var in = metrics.toURI().resolve("/tollgate/usage").toURL().openStream()) {
                return dev.tollgate.gateway.Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                        .path("models").path("default/gpt-health").path("upstreamFailures").asLong(0);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        long before = failures.get();
        openai.enqueue(Reply.error(400, "invalid_request_error", "bad"), FakeOpenAi.serverError(), Reply.error(503, "x", "busy"));
        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            statuses.add(post("chat/completions",
                    "{\"model\":\"gpt-health\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").statusCode());
        }
        assertThat(statuses).containsExactly(400, 502, 503);
        // a request is counted just after its answer's last bytes are written, so the count may trail the reply
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (failures.get() - before < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(failures.get() - before).as("the 500 and the 503, not the caller's 400").isEqualTo(2);
    }

    @Test
    void aSlowUpstreamTimesOutWith504() throws Exception {
        openai.enqueue(Reply.text("too late").delay(Duration.ofSeconds(4)));
        HttpResponse<String> r = post("chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).contains("upstream_timeout").contains("1500 ms");
    }

    @Test
    void aCutStreamEndsWithAnErrorEventNeverDone() throws Exception {
        openai.enqueue(Reply.text("one two three four five six").every(Duration.ofMillis(5)).cutAfter(3));
        HttpResponse<String> r = post("chat/completions",
                "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"content\":\"one").contains("\"error\"").contains("upstream_stream_cut")
                .doesNotContain("[DONE]");

        anthropic.enqueue(FakeAnthropic.overloadedMidStream("partial answer here", 3));
        HttpResponse<String> a = post("chat/completions",
                "{\"model\":\"claude\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(a.body()).contains("\"error\"").contains("overloaded").doesNotContain("[DONE]");
    }

    @Test
    void aClientThatLeavesCancelsTheUpstreamRequest() throws Exception {
        openai.enqueue(Reply.text("a b c d e f g h").every(Duration.ofMillis(20)).hangAfter(2));
        var conn = (java.net.HttpURLConnection) URI.create(base + "/chat/completions").toURL().openConnection();
        conn.setRequestMethod("POST");
        conn.setDoOutput(true);
        conn.setRequestProperty("authorization", "Bearer " + KEY);
        conn.getOutputStream().write("{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"
                .getBytes(StandardCharsets.UTF_8));
        BufferedReader in = new BufferedReader(new InputStreamReader(conn.getInputStream(), StandardCharsets.UTF_8));
        assertThat(in.readLine()).startsWith("data: ");
        conn.disconnect();
        openai.clientDisconnected().get(5, TimeUnit.SECONDS);
        assertThat(openai.disconnects()).isEqualTo(1);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** One attempt per request (x-tollgate-retries: 0): these tests meet each upstream failure as it is mapped. */
    private HttpResponse<String> post(String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/" + path))
                .header("x-tollgate-retries", "0")
                .header("authorization", "Bearer " + KEY).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static FunctionDefinition tool(String name) {
        return FunctionDefinition.builder().name(name).parameters(FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object")).build()).build();
    }
}
