package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.Provider;
import dev.tollgate.config.Provider.Capability;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeAi21;
import dev.tollgate.gateway.fakes.FakeBedrock;
import dev.tollgate.gateway.fakes.FakeOllama;
import dev.tollgate.gateway.fakes.FakeTgi;
import dev.tollgate.gateway.fakes.FakeAnthropic;
import dev.tollgate.gateway.fakes.FakeAzureOpenAi;
import dev.tollgate.gateway.fakes.FakeCohere;
import dev.tollgate.gateway.fakes.FakeGemini;
import dev.tollgate.gateway.fakes.FakePalm;
import dev.tollgate.gateway.fakes.FakeReplicate;
import dev.tollgate.gateway.fakes.FakeVertex;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.FakeOpenAiCompatible;
import dev.tollgate.gateway.fakes.FakeUpstream;
import dev.tollgate.gateway.fakes.Reply;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The provider conformance kit: every served provider, through the running gateway (standalone mode) against a fake
 * that follows its documentation, answers an OpenAI client the same way — plain and streamed text with the same
 * content, usage and cost; tools and tool results; images in; a cut stream as an error; the provider's 429 with its
 * retry hint as 429 with {@code retry-after}; refused credentials as 502 that says not to retry; a prompt over the
 * context window as 400 {@code context_length_exceeded}; a safety block as {@code finish_reason: content_filter}; and
 * a parameter the provider cannot express refused (400 naming it) or dropped (named in
 * {@code x-tollgate-dropped-params}) as the model's policy says. Which cases run follows the registry's capabilities
 * ({@link Provider#capabilities()}).
 *
 * <p>Adding a provider: an adapter, a fake, and one {@link Subject} line in {@link #SUBJECTS}; a provider with
 * several wire families (Vertex AI: Claude and Gemini) has one line per family, each with its own name suffix.
 */
@QuarkusTest
@TestProfile(ProviderConformanceTest.Kit.class)
class ProviderConformanceTest {
    static final String KEY = "sk-tg-conformance-kit-key-0123456789";
    static final String TEXT = "The quick brown fox jumps over the lazy dog.";
    static final int PROMPT_TOKENS = 12;
    static final int COMPLETION_TOKENS = 9;
    /** Every kit model costs 1.00 USD per million input tokens and 2.00 per million output tokens. */
    static final long COST_MICROS = PROMPT_TOKENS * 1L + COMPLETION_TOKENS * 2L;
    static final String PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

    /**
     * One provider under test: how to start its fake (given the credential it must accept), the upstream model id, what
     * else its LlmModel needs, the provider's own finish reason for a safety block, and a chat parameter it cannot
     * express (null when it can express them all).
     */
    record Subject(Provider provider, Function<String, FakeUpstream> start, String model, String extraSpec,
            String safetyFinishReason, String unsupportedParam, Function<FakeUpstream, String> credential,
            Function<FakeUpstream, String> badCredential, boolean reportsUsage, String suffix) {
        /** The only subject of its provider (no name suffix). */
        Subject(Provider provider, Function<String, FakeUpstream> start, String model, String extraSpec,
                String safetyFinishReason, String unsupportedParam, Function<FakeUpstream, String> credential,
                Function<FakeUpstream, String> badCredential, boolean reportsUsage) {
            this(provider, start, model, extraSpec, safetyFinishReason, unsupportedParam, credential, badCredential,
                    reportsUsage, "");
        }

        /** A provider whose credential is an API key (its fake accepts the one it was started with) and reports usage. */
        Subject(Provider provider, Function<String, FakeUpstream> start, String model, String extraSpec,
                String safetyFinishReason, String unsupportedParam) {
            this(provider, start, model, extraSpec, safetyFinishReason, unsupportedParam, fake -> apiKey(provider),
                    BAD_KEY, true);
        }

        /** The provider's name and the suffix: its fake's and its Secret keys' name (one provider, several subjects). */
        String key() {
            return provider.wireName() + suffix;
        }

        /** The LlmModel's name and modelName: a Kubernetes name (together_ai's underscore becomes a dash). */
        String name() {
            return "kit-" + key().replace('_', '-');
        }

        @Override
        public String toString() {
            return key();
        }
    }

    /** The API key a provider's fake is started with and its good LlmModel sends. */
    static String apiKey(Provider provider) {
        return "upstream-secret-of-" + provider.wireName();
    }

    static final Function<FakeUpstream, String> BAD_KEY = fake -> "not-the-right-credential";

    static final List<Subject> SUBJECTS = List.of(
            new Subject(Provider.OPENAI, FakeOpenAi::start, "gpt-4o-2024-08-06", "", "content_filter", null),
            new Subject(Provider.AZURE, key -> FakeAzureOpenAi.start(key).deployment("kit-deployment", "gpt-4o"),
                    "kit-deployment", "apiVersion: \"2024-10-21\",", "content_filter", null),
            new Subject(Provider.ANTHROPIC, FakeAnthropic::start, "claude-sonnet-4-20250514", "", "refusal",
                    "logit_bias"),
            new Subject(Provider.COHERE, FakeCohere::start, "command-a-03-2025", "", "ERROR_TOXIC", "logit_bias"),
            new Subject(Provider.GEMINI, FakeGemini::start, "gemini-2.5-flash", "", "content_filter", "logit_bias"),
            // Claude on Vertex AI: a service account's key, exchanged for tokens at the fake's token endpoint; the bad
            // one is another account's key (its JWT fails the fake's signature check)
            new Subject(Provider.VERTEX, key -> FakeVertex.start(), "claude-sonnet-4@20250514",
                    "project: fake-project, region: us-east5,", "refusal", "logit_bias",
                    fake -> ((FakeVertex) fake).serviceAccountKeyJson(), ProviderConformanceTest::foreignServiceAccount,
                    true),
            // Gemini on Vertex AI: the same credentials, the Gemini wire under Vertex's paths
            new Subject(Provider.VERTEX, key -> FakeVertex.start(), "gemini-2.5-flash",
                    "project: fake-project, region: us-central1,", "content_filter", "logit_bias",
                    fake -> ((FakeVertex) fake).serviceAccountKeyJson(), ProviderConformanceTest::foreignServiceAccount,
                    true, "-gemini"),
            // PaLM reports no usage: the gateway counts it, the same for an answer whole and replayed as a stream
            // AI21 Jamba: AI21 documents no safety block; its fake renders the finish reason verbatim
            new Subject(Provider.AI21, FakeAi21::start, "jamba-mini", "", "content_filter", "logit_bias"),
            // Bedrock Converse: SigV4 with the fake's access keys (the bad ones have another secret, so the signature
            // fails); an inference-profile id with ':' (quoted for YAML), percent-encoded and signed like the AWS SDKs
            new Subject(Provider.BEDROCK, FakeBedrock::start, "\"us.anthropic.claude-3-5-sonnet-20241022-v2:0\"",
                    "region: us-east-1,", "guardrail_intervened", "logit_bias",
                    fake -> ((FakeBedrock) fake).credentialsJson(),
                    fake -> ((FakeBedrock) fake).credentialsJson().replace(((FakeBedrock) fake).secretAccessKey(),
                            "not-the-right-credential"), true),
            // Replicate: a Llama 2 chat prediction (created with Prefer: wait, streamed from its stream URL); token
            // counts come from the prediction's metrics; a safety block is a failed prediction ("NSFW content detected")
            new Subject(Provider.REPLICATE, FakeReplicate::start, "meta/llama-2-70b-chat", "", "content_filter",
                    "logit_bias"),
            new Subject(Provider.PALM, FakePalm::start, "text-bison-001", "", "content_filter", "logit_bias",
                    fake -> apiKey(Provider.PALM), BAD_KEY, false),
            // OpenAI-compatible presets: one fake with a provider switch; apiBase is set only to reach the fake
            new Subject(Provider.MISTRAL, key -> FakeOpenAiCompatible.start(Provider.MISTRAL, key),
                    "mistral-small-latest", "", "content_filter", "logit_bias"),
            new Subject(Provider.GROQ, key -> FakeOpenAiCompatible.start(Provider.GROQ, key),
                    "llama-3.3-70b-versatile", "", "content_filter", "logit_bias"),
            new Subject(Provider.DEEPSEEK, key -> FakeOpenAiCompatible.start(Provider.DEEPSEEK, key), "deepseek-chat",
                    "", "content_filter", "logit_bias"),
            new Subject(Provider.PERPLEXITY, key -> FakeOpenAiCompatible.start(Provider.PERPLEXITY, key), "sonar", "",
                    "content_filter", "logit_bias"),
            new Subject(Provider.TOGETHER_AI, key -> FakeOpenAiCompatible.start(Provider.TOGETHER_AI, key),
                    "meta-llama/Llama-3.3-70B-Instruct-Turbo", "", "content_filter", null),
            new Subject(Provider.FIREWORKS_AI, key -> FakeOpenAiCompatible.start(Provider.FIREWORKS_AI, key),
                    "accounts/fireworks/models/llama-v3p1-8b-instruct", "", "content_filter", null),
            new Subject(Provider.OPENROUTER, key -> FakeOpenAiCompatible.start(Provider.OPENROUTER, key),
                    "meta-llama/llama-3.3-70b-instruct", "", "content_filter", null),
            new Subject(Provider.XAI, key -> FakeOpenAiCompatible.start(Provider.XAI, key), "grok-3-mini", "",
                    "content_filter", null),
            new Subject(Provider.VLLM, key -> FakeOpenAiCompatible.start(Provider.VLLM, key),
                    "meta-llama/Llama-3.1-8B-Instruct", "", "content_filter", null),
            // Hugging Face on a dedicated endpoint / own TGI: chat through TGI's Messages API (OpenAI's wire, relayed:
            // no parameter to refuse); TGI has no safety block, its fake renders the finish reason verbatim
            new Subject(Provider.HUGGINGFACE, FakeTgi::start, "meta-llama/Llama-2-7b-chat-hf", "", "content_filter",
                    null),
            // Ollama's native /api/chat (NDJSON); no safety block: the fake renders the done_reason verbatim
            new Subject(Provider.OLLAMA, FakeOllama::start, "llama3.2", "", "content_filter", "logit_bias"));

    static String foreignServiceAccount(FakeUpstream fake) {
        try (FakeVertex other = FakeVertex.start()) {
            return other.serviceAccountKeyJson().replace(other.tokenUri(), ((FakeVertex) fake).tokenUri());
        }
    }

    static final Map<String, FakeUpstream> FAKES = new LinkedHashMap<>();

    public static class Kit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            StringBuilder yaml = new StringBuilder("""
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: kit}
                    spec: {}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: k}
                    spec: {existingSecret: {name: creds, key: key}}
                    """);
            StringBuilder secrets = new StringBuilder("key: " + KEY);
            for (Subject s : SUBJECTS) {
                FakeUpstream fake = s.start().apply(apiKey(s.provider()));
                FAKES.put(s.key(), fake);
                // JSON strings are YAML double-quoted scalars: a key file's newlines and quotes survive
                secrets.append(", ").append(s.key()).append(": ")
                        .append(Json.write(Json.NODES.textNode(s.credential().apply(fake))));
                secrets.append(", ").append(s.key()).append("-bad: ")
                        .append(Json.write(Json.NODES.textNode(s.badCredential().apply(fake))));
                for (String variant : List.of("", "-bad", "-drop")) {
                    yaml.append("""
                            ---
                            apiVersion: llm.tollgate.dev/v1alpha1
                            kind: LlmModel
                            metadata: {name: %s}
                            spec: {modelName: %s, provider: %s, model: %s, apiBase: "%s", %s
                                   credentialsSecretRef: {name: creds, key: %s}, unsupportedParams: %s,
                                   pricing: {inputPerMillion: "1.00", outputPerMillion: "2.00"}}
                            """.formatted(s.name() + variant, s.name() + variant, s.provider().wireName(), s.model(),
                            fake.baseUrl(), s.extraSpec(), s.key() + ("-bad".equals(variant) ? "-bad" : ""),
                            "-drop".equals(variant) ? "drop" : "reject"));
                }
            }
            yaml.append("""
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                    stringData: {%s}
                    """.formatted(secrets));
            Path folder = StandaloneFolder.create("tollgate-conformance", yaml.toString());
            return StandaloneFolder.serve(folder);
        }
    }

    @AfterAll
    static void stopFakes() {
        FAKES.values().forEach(FakeUpstream::close);
    }

    @TestHTTPResource("/v1/chat/completions")
    URL chat;

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    /** The cases, each with the capability it needs (null: every provider). */
    enum Case {
        PLAIN_TEXT(null), STREAMED_TEXT(null), TOOLS(Capability.TOOLS), TOOL_RESULTS(Capability.TOOLS),
        STREAMED_TOOLS(Capability.TOOLS), IMAGES_IN(Capability.IMAGES_IN), CUT_STREAM(Capability.STREAM),
        RATE_LIMITED(null), BAD_CREDENTIALS(null), CONTEXT_TOO_LONG(null), SAFETY_BLOCK(null), UNSUPPORTED_PARAM(null);

        final Capability needs;

        Case(Capability needs) {
            this.needs = needs;
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Subject s : SUBJECTS) {
            for (Case c : Case.values()) {
                boolean applies = (c.needs == null || s.provider().capabilities().contains(c.needs))
                        && (c != Case.UNSUPPORTED_PARAM || s.unsupportedParam() != null);
                if (applies) {
                    out.add(Arguments.of(s, c));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void conforms(Subject subject, Case c) throws Exception {
        FakeUpstream fake = FAKES.get(subject.key());
        fake.reset();
        switch (c) {
            case PLAIN_TEXT -> plainText(subject, fake);
            case STREAMED_TEXT -> streamedText(subject, fake);
            case TOOLS -> tools(subject, fake);
            case TOOL_RESULTS -> toolResults(subject, fake);
            case STREAMED_TOOLS -> streamedTools(subject, fake);
            case IMAGES_IN -> imagesIn(subject, fake);
            case CUT_STREAM -> cutStream(subject, fake);
            case RATE_LIMITED -> rateLimited(subject, fake);
            case BAD_CREDENTIALS -> badCredentials(subject);
            case CONTEXT_TOO_LONG -> contextTooLong(subject, fake);
            case SAFETY_BLOCK -> safetyBlock(subject, fake);
            case UNSUPPORTED_PARAM -> unsupportedParam(subject, fake);
        }
    }

    // ---- the cases ------------------------------------------------------------------------------------------------

    void plainText(Subject s, FakeUpstream fake) throws Exception {
        fake.enqueue(Reply.text(TEXT).usage(PROMPT_TOKENS, COMPLETION_TOKENS));
        long before = spend(s);
        HttpResponse<String> r = post(request(s.name(), false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = Json.parse(r.body());
        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.path("choices").path(0).path("message").path("content").asText()).isEqualTo(TEXT);
        assertThat(answer.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
        if (!s.reportsUsage()) { // counted by the gateway: charged, never free
            assertThat(r.headers().firstValue("x-tollgate-cost")).isPresent();
            assertThat(spendAfter(s, before) - before).as("spend charged").isPositive();
            return;
        }
        assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(PROMPT_TOKENS);
        assertThat(answer.path("usage").path("completion_tokens").asInt()).isEqualTo(COMPLETION_TOKENS);
        assertThat(r.headers().firstValue("x-tollgate-cost")).hasValue("0.00003");
        assertThat(spendAfter(s, before) - before).as("spend charged").isEqualTo(COST_MICROS);
    }

    void streamedText(Subject s, FakeUpstream fake) throws Exception {
        long expected = COST_MICROS;
        if (!s.reportsUsage()) { // what the same answer costs whole, counted by the gateway
            fake.enqueue(Reply.text(TEXT));
            long start = spend(s);
            assertThat(post(request(s.name(), false)).statusCode()).isEqualTo(200);
            expected = spendAfter(s, start) - start;
            assertThat(expected).isPositive();
        }
        fake.enqueue(Reply.text(TEXT).usage(PROMPT_TOKENS, COMPLETION_TOKENS));
        long before = spend(s);
        ObjectNode body = request(s.name(), true);
        body.putObject("stream_options").put("include_usage", true);
        Sse sse = Sse.of(post(body));
        assertThat(sse.status).isEqualTo(200);
        assertThat(sse.done).as("ends with [DONE]").isTrue();
        assertThat(sse.text()).isEqualTo(TEXT);
        assertThat(sse.finishReason()).isEqualTo("stop");
        if (!s.reportsUsage()) {
            assertThat(spendAfter(s, before) - before).as("a stream costs what the same answer costs whole")
                    .isEqualTo(expected);
            return;
        }
        JsonNode u = sse.usage();
        assertThat(u.path("prompt_tokens").asInt()).isEqualTo(PROMPT_TOKENS);
        assertThat(u.path("completion_tokens").asInt()).isEqualTo(COMPLETION_TOKENS);
        assertThat(spendAfter(s, before) - before).as("a stream costs what the same answer costs whole").isEqualTo(COST_MICROS);
    }

    void tools(Subject s, FakeUpstream fake) throws Exception {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}")).usage(20, 8));
        ObjectNode body = request(s.name(), false);
        body.set("tools", weatherTool());
        HttpResponse<String> r = post(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode choice = Json.parse(r.body()).path("choices").path(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode call = choice.path("message").path("tool_calls").path(0);
        assertThat(call.path("id").asText()).isNotBlank();
        assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(Json.parse(call.path("function").path("arguments").asText())).isEqualTo(Json.parse("{\"city\":\"Paris\"}"));
    }

    void toolResults(Subject s, FakeUpstream fake) throws Exception {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}")));
        ObjectNode first = request(s.name(), false);
        first.set("tools", weatherTool());
        JsonNode call = Json.parse(post(first).body()).path("choices").path(0).path("message").path("tool_calls").path(0);
        fake.enqueue(Reply.text("It is 18C and sunny in Paris."));
        ObjectNode second = request(s.name(), false);
        second.set("tools", weatherTool());
        ArrayNode messages = (ArrayNode) second.get("messages");
        ObjectNode assistant = messages.addObject().put("role", "assistant");
        assistant.putNull("content");
        assistant.putArray("tool_calls").add(call);
        messages.addObject().put("role", "tool").put("tool_call_id", call.path("id").asText())
                .put("content", "{\"temperature\":\"18C\",\"sky\":\"sunny\"}");
        HttpResponse<String> r = post(second);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("choices").path(0).path("message").path("content").asText())
                .isEqualTo("It is 18C and sunny in Paris.");
        String sent = fake.lastRequest().body();
        assertThat(sent).as("the provider got the tool's result").contains("18C").contains("sunny").contains("get_weather");
    }

    void streamedTools(Subject s, FakeUpstream fake) throws Exception {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}").fragments(3)));
        ObjectNode body = request(s.name(), true);
        body.set("tools", weatherTool());
        Sse sse = Sse.of(post(body));
        assertThat(sse.status).isEqualTo(200);
        assertThat(sse.done).isTrue();
        assertThat(sse.finishReason()).isEqualTo("tool_calls");
        StringBuilder name = new StringBuilder();
        StringBuilder args = new StringBuilder();
        for (JsonNode chunk : sse.chunks) {
            for (JsonNode tc : chunk.path("choices").path(0).path("delta").path("tool_calls")) {
                name.append(tc.path("function").path("name").asText(""));
                args.append(tc.path("function").path("arguments").asText(""));
            }
        }
        assertThat(name.toString()).isEqualTo("get_weather");
        assertThat(Json.parse(args.toString())).isEqualTo(Json.parse("{\"city\":\"Paris\"}"));
    }

    void imagesIn(Subject s, FakeUpstream fake) throws Exception {
        fake.enqueue(Reply.text("A single transparent pixel."));
        ObjectNode body = request(s.name(), false);
        ObjectNode user = (ObjectNode) body.get("messages").get(1);
        ArrayNode parts = user.putArray("content");
        parts.addObject().put("type", "text").put("text", "What is in this image?");
        parts.addObject().put("type", "image_url").putObject("image_url").put("url", "data:image/png;base64," + PNG_BASE64);
        HttpResponse<String> r = post(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(fake.lastRequest().body()).as("the image reached the provider").contains(PNG_BASE64);
    }

    void cutStream(Subject s, FakeUpstream fake) throws Exception {
        fake.enqueue(Reply.text("one two three four five six seven eight").cutAfter(3));
        Sse sse = Sse.of(post(request(s.name(), true)));
        assertThat(sse.done).as("a cut stream never ends cleanly").isFalse();
        assertThat(sse.error).as("the client is told: " + sse.raw).isNotNull();
    }

    void rateLimited(Subject s, FakeUpstream fake) throws Exception {
        fake.enqueue(Reply.error(429, "rate_limit_error", "Rate limit reached: slow down").header("retry-after", "7"));
        HttpResponse<String> r = post(request(s.name(), false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(r.headers().firstValue("retry-after")).hasValue("7");
    }

    void badCredentials(Subject s) throws Exception {
        HttpResponse<String> r = post(request(s.name() + "-bad", false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        assertThat(r.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("upstream_auth_failed");
        assertThat(r.body()).doesNotContain("not-the-right-credential").doesNotContain("PRIVATE KEY");
    }

    void contextTooLong(Subject s, FakeUpstream fake) throws Exception {
        fake.enqueue(Reply.contextTooLong());
        HttpResponse<String> r = post(request(s.name(), false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("context_length_exceeded");
    }

    void safetyBlock(Subject s, FakeUpstream fake) throws Exception {
        fake.enqueue(Reply.text("").finishReason(s.safetyFinishReason()));
        HttpResponse<String> r = post(request(s.name(), false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).path("choices").path(0).path("finish_reason").asText()).isEqualTo("content_filter");
    }

    void unsupportedParam(Subject s, FakeUpstream fake) throws Exception {
        ObjectNode refused = request(s.name(), false);
        refused.putObject(s.unsupportedParam()).put("50256", -100);
        HttpResponse<String> r = post(refused);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(Json.parse(r.body()).path("error").path("param").asText()).isEqualTo(s.unsupportedParam());
        assertThat(fake.requests()).as("refused before the provider").isEmpty();

        fake.enqueue(Reply.text(TEXT));
        ObjectNode dropped = request(s.name() + "-drop", false);
        dropped.putObject(s.unsupportedParam()).put("50256", -100);
        HttpResponse<String> d = post(dropped);
        assertThat(d.statusCode()).as(d.body()).isEqualTo(200);
        assertThat(d.headers().firstValue("x-tollgate-dropped-params")).hasValueSatisfying(v ->
                assertThat(v).contains(s.unsupportedParam()));
        assertThat(fake.lastRequest().body()).doesNotContain(s.unsupportedParam());
    }

    // ---- plumbing -------------------------------------------------------------------------------------------------

    static ObjectNode request(String model, boolean stream) {
        ObjectNode body = Json.object();
        body.put("model", model);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "Be brief.");
        messages.addObject().put("role", "user").put("content", "What is the weather in Paris?");
        body.put("max_tokens", 256);
        if (stream) {
            body.put("stream", true);
        }
        return body;
    }

    static ArrayNode weatherTool() {
        return (ArrayNode) Json.parse("""
                [{"type":"function","function":{"name":"get_weather","description":"The weather in a city",
                  "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]""");
    }

    /**
     * One attempt per request (x-tollgate-retries: 0, no fallback): the kit checks each provider's translation and
     * error mapping as the client meets them; retries and failover have their own suite (RoutingResilienceEndToEndTest).
     */
    HttpResponse<String> post(ObjectNode body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(chat.toURI())
                .header("x-tollgate-retries", "0").header("x-tollgate-fallbacks", "off")
                .header("authorization", "Bearer " + KEY).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The model's spend once it has moved past {@code before} (metering ends just after the answer), or after 5 s. */
    long spendAfter(Subject s, long before) throws Exception {
        long now = spend(s);
        for (long deadline = System.nanoTime() + 5_000_000_000L; now == before && System.nanoTime() < deadline; ) {
            Thread.sleep(20);
            now = spend(s);
        }
        return now;
    }

    /** One client for the usage reads (HTTP/1.1: a new client per read left a selector thread each behind). */
    static final HttpClient REPORTS = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** The model's spend so far, from the gateway's usage report. */
    long spend(Subject s) throws Exception {
        JsonNode report = Json.parse(REPORTS.send(HttpRequest.newBuilder(metrics.toURI().resolve("/tollgate/usage"))
                .timeout(java.time.Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body());
        for (Iterator<Map.Entry<String, JsonNode>> it = report.path("models").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().endsWith("/" + s.name())) {
                return e.getValue().path("spendMicros").asLong();
            }
        }
        return 0;
    }

    /** A streamed answer: its chunks, whether it ended with [DONE], and the error event, if any. */
    static final class Sse {
        int status;
        String raw;
        final List<JsonNode> chunks = new ArrayList<>();
        boolean done;
        JsonNode error;

        static Sse of(HttpResponse<String> r) {
            Sse s = new Sse();
            s.status = r.statusCode();
            s.raw = r.body();
            for (String line : r.body().split("\n")) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                String data = line.substring(5).trim();
                if (data.equals("[DONE]")) {
                    s.done = true;
                    continue;
                }
                JsonNode node = Json.parse(data);
                if (node != null && node.has("error")) {
                    s.error = node.get("error");
                } else if (node != null) {
                    s.chunks.add(node);
                }
            }
            if (r.statusCode() >= 400) {
                JsonNode body = Json.parse(r.body());
                s.error = body == null ? null : body.path("error");
            }
            return s;
        }

        String text() {
            StringBuilder sb = new StringBuilder();
            chunks.forEach(c -> sb.append(c.path("choices").path(0).path("delta").path("content").asText("")));
            return sb.toString();
        }

        String finishReason() {
            String reason = null;
            for (JsonNode c : chunks) {
                JsonNode f = c.path("choices").path(0).path("finish_reason");
                if (f.isTextual()) {
                    reason = f.asText();
                }
            }
            return reason;
        }

        JsonNode usage() {
            JsonNode u = null;
            for (JsonNode c : chunks) {
                if (c.path("usage").isObject()) {
                    u = c.get("usage");
                }
            }
            return u == null ? Json.object() : u;
        }
    }
}
