package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.RecordedRequest;
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
 * Issue 22's prompts end to end: the gateway in standalone mode in front of a fake OpenAI, clients naming a Prompt
 * with LiteLLM's request fields through the official OpenAI Java SDK (extra body fields) and raw HTTP. What the
 * upstream received says what the gateway rendered: the version's messages before the client's, its model and
 * parameters, no prompt fields.
 *
 * <p>The Prompt is put into the served config as the renderer produces it ({@link GatewayConfig.Prompt}), beside the
 * folder's keys and models: the request path is what this test is about (the renderer has its own tests).
 */
@QuarkusTest
@TestProfile(PromptsEndToEndTest.Prompts.class)
class PromptsEndToEndTest {
    static final String APP = "sk-tg-prompts-team-a-app-0123456789ab";
    static final String OTHER = "sk-tg-prompts-team-a-other-0123456789";
    static final String PARTNER = "sk-tg-prompts-team-b-partner-01234567";
    static final String OPENAI_KEY = "sk-upstream-prompts-openai";
    static FakeOpenAi openai;
    static final int MAX_BODY = 20_000;

    public static class Prompts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            openai = FakeOpenAi.start(OPENAI_KEY);
            Path folder = StandaloneFolder.create("tollgate-prompts", manifests());
            // a small body limit, so a prompt can render past it from a request within it
            return StandaloneFolder.serve(folder, "tollgate.gateway.max-body-bytes", String.valueOf(MAX_BODY));
        }
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
                metadata: {name: prompts}
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
                stringData: {app: %s, other: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, namespace: team-b}
                stringData: {partner: %s}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: app, namespace: team-a}
                spec: {existingSecret: {name: keys, key: app}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: other, namespace: team-a}
                spec: {existingSecret: {name: keys, key: other}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: partner, namespace: team-b}
                spec: {existingSecret: {name: keys, key: partner}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: small}
                spec:
                  modelName: small
                  provider: openai
                  model: gpt-4o-mini
                  apiBase: "%s"
                  credentialsSecretRef: {name: creds, key: openai}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: big}
                spec:
                  modelName: big
                  provider: openai
                  model: gpt-4o
                  apiBase: "%s"
                  credentialsSecretRef: {name: creds, key: openai}
                """.formatted(OPENAI_KEY, APP, OTHER, PARTNER, openai.baseUrl(), openai.baseUrl());
    }

    private static GatewayConfig.PromptVersion version(int n, String model, String parameters, List<String> overridable,
            String system) {
        return new GatewayConfig.PromptVersion(n, "sha256:" + n, model, parameters == null ? null : Json.parse(parameters),
                List.of(new GatewayConfig.Variable("customer", null), new GatewayConfig.Variable("tone", "friendly")),
                List.of(new GatewayConfig.Message("system", system + " Be {{ tone }}."),
                        new GatewayConfig.Message("user", "I am {{customer}}.")), overridable);
    }

    /**
     * team-a/support, usable by team-a/app and team-b/partner (not team-a/other): v1 on small, v2 on small with
     * temperature and max_tokens (label production), v3 on big letting a request choose model and temperature (label
     * canary). team-a/draft: versions 1 and 2, no labels.
     */
    static final List<GatewayConfig.Prompt> PROMPTS = List.of(
            new GatewayConfig.Prompt("team-a/draft", List.of(version(1, "small", null, null, "Draft one."),
                    version(2, "small", null, null, "Draft two.")), null, List.of("team-a/app")),
            new GatewayConfig.Prompt("team-a/support", List.of(
                    version(1, "small", "{\"temperature\":0.1}", null, "Support v1."),
                    version(2, "small", "{\"temperature\":0.2,\"max_tokens\":50}", null, "Support v2."),
                    version(3, "big", "{\"temperature\":0.3}", List.of("model", "temperature"), "Support v3.")),
                    Map.of("production", 2, "canary", 3), List.of("team-a/app", "team-b/partner")));

    @Inject
    ConfigHolder holder;

    @BeforeEach
    void servePromptsAndResetTheFake() {
        openai.reset(); // a failed test's unconsumed replies must not answer the next one
        await().atMost(Duration.ofSeconds(20)).until(() -> holder.current() != null);
        Snapshot s = holder.current();
        if (s.prompt("team-a/support") == null) {
            GatewayConfig c = s.config();
            holder.update(new GatewayConfig(c.schema(), c.gateway(), c.settings(), c.models(), c.keys(), c.budgets(),
                    c.keyShards(), c.routing(), c.caching(), c.observability(), PROMPTS), s.secrets(), s.version(),
                    "PromptsEndToEndTest");
        }
    }

    @AfterAll
    static void stopFake() {
        openai.close();
    }

    @TestHTTPResource("/v1")
    URL base;

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    HttpResponse<String> ask(String key, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
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

    static void noPromptFields(JsonNode body) {
        assertThat(body.has("prompt_id") || body.has("prompt_version") || body.has("prompt_label")
                || body.has("prompt_variables")).as(body.toString()).isFalse();
    }

    // ---- through the official SDK ------------------------------------------------------------------------------

    @Test
    void theSdkCallsTheProductionVersionWithItsModelParametersAndMessagesFirst() {
        openai.enqueue(Reply.text("Your order ships today.").usage(30, 5));
        HttpResponseFor<ChatCompletion> r = sdk(APP).chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("big").addUserMessage("Where is my order?")
                        .putAdditionalBodyProperty("prompt_id", JsonValue.from("support"))
                        .putAdditionalBodyProperty("prompt_variables", JsonValue.from(Map.of("customer", "Ada")))
                        .build());
        assertThat(r.parse().choices().get(0).message().content()).hasValue("Your order ships today.");
        assertThat(r.headers().values("x-tollgate-prompt")).containsExactly("team-a/support@2");
        JsonNode sent = upstream();
        assertThat(sent.path("model").asText()).isEqualTo("gpt-4o-mini"); // v2's model (small), not the SDK's
        assertThat(contents(sent)).containsExactly("system: Support v2. Be friendly.", "user: I am Ada.",
                "user: Where is my order?");
        assertThat(sent.path("temperature").decimalValue()).isEqualByComparingTo("0.2");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(50);
        noPromptFields(sent);
    }

    @Test
    void aLabelSelectsItsVersionAndAnOverridableModelIsTheRequests() {
        openai.enqueue(Reply.text("canary answer").usage(30, 5));
        HttpResponseFor<ChatCompletion> r = sdk(APP).chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("small").messages(List.of()).temperature(0.9)
                        .putAdditionalBodyProperty("prompt_id", JsonValue.from("team-a/support"))
                        .putAdditionalBodyProperty("prompt_label", JsonValue.from("canary"))
                        .putAdditionalBodyProperty("prompt_variables",
                                JsonValue.from(Map.of("customer", "Bo", "tone", "brief")))
                        .build());
        assertThat(r.parse().choices().get(0).message().content()).hasValue("canary answer");
        assertThat(r.headers().values("x-tollgate-prompt")).containsExactly("team-a/support@3");
        JsonNode sent = upstream();
        assertThat(sent.path("model").asText()).isEqualTo("gpt-4o-mini"); // v3 lets the request's model (small) stand
        assertThat(contents(sent)).containsExactly("system: Support v3. Be brief.", "user: I am Bo.");
        assertThat(sent.path("temperature").decimalValue()).isEqualByComparingTo("0.9");
        noPromptFields(sent);
    }

    @Test
    void aVersionNumberSelectsItAndAKeyOfAnotherNamespaceNamesTheNamespace() {
        openai.enqueue(Reply.text("v1 answer").usage(30, 5));
        ChatCompletion c = sdk(PARTNER).chat().completions().create(
                ChatCompletionCreateParams.builder().model("big").messages(List.of())
                        .putAdditionalBodyProperty("prompt_id", JsonValue.from("team-a/support"))
                        .putAdditionalBodyProperty("prompt_version", JsonValue.from(1))
                        .putAdditionalBodyProperty("prompt_variables", JsonValue.from(Map.of("customer", 42)))
                        .build());
        assertThat(c.choices().get(0).message().content()).hasValue("v1 answer");
        JsonNode sent = upstream();
        assertThat(sent.path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(contents(sent)).containsExactly("system: Support v1. Be friendly.", "user: I am 42.");
        assertThat(sent.path("temperature").decimalValue()).isEqualByComparingTo("0.1");
        assertThat(sent.has("max_tokens")).isFalse();
    }

    @Test
    void withoutAProductionLabelTheHighestVersionServes() {
        openai.enqueue(Reply.text("draft").usage(30, 5));
        HttpResponseFor<ChatCompletion> r = sdk(APP).chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("big").messages(List.of())
                        .putAdditionalBodyProperty("prompt_id", JsonValue.from("draft"))
                        .putAdditionalBodyProperty("prompt_variables", JsonValue.from(Map.of("customer", "Cy")))
                        .build());
        assertThat(r.headers().values("x-tollgate-prompt")).containsExactly("team-a/draft@2");
        assertThat(contents(upstream())).containsExactly("system: Draft two. Be friendly.", "user: I am Cy.");
    }

    @Test
    void aStreamRendersThePromptToo() {
        openai.enqueue(Reply.text("streamed through a prompt").chunks(4).usage(30, 5));
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = sdk(APP).chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("small").addUserMessage("stream please")
                        .putAdditionalBodyProperty("prompt_id", JsonValue.from("support"))
                        .putAdditionalBodyProperty("prompt_version", JsonValue.from(3))
                        .putAdditionalBodyProperty("prompt_variables", JsonValue.from(Map.of("customer", "Di")))
                        .build())) {
            Iterator<ChatCompletionChunk> it = s.stream().iterator();
            while (it.hasNext()) {
                it.next().choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
            }
        }
        assertThat(text.toString()).isEqualTo("streamed through a prompt");
        JsonNode sent = upstream();
        assertThat(sent.path("stream").asBoolean()).isTrue();
        assertThat(sent.path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(contents(sent)).containsExactly("system: Support v3. Be friendly.", "user: I am Di.",
                "user: stream please");
        noPromptFields(sent);
    }

    @Test
    void aStreamedAnswerCarriesThePromptHeader() throws Exception {
        openai.enqueue(Reply.text("raw stream").chunks(2).usage(30, 5));
        HttpResponse<String> r = ask(APP, "{\"model\":\"small\",\"stream\":true,\"prompt_id\":\"support\","
                + "\"prompt_label\":\"production\",\"prompt_variables\":{\"customer\":\"Ed\"}}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        assertThat(r.headers().firstValue("x-tollgate-prompt")).hasValue("team-a/support@2");
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        assertThat(contents(upstream())).containsExactly("system: Support v2. Be friendly.", "user: I am Ed.");
    }

    @Test
    void theSdkSeesAnUnknownPromptAsNotFound() {
        NotFoundException e = catchThrowableOfType(NotFoundException.class, () -> sdk(APP).chat().completions().create(
                ChatCompletionCreateParams.builder().model("small").addUserMessage("hi")
                        .putAdditionalBodyProperty("prompt_id", JsonValue.from("missing")).build()));
        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(404);
        assertThat(e.code()).hasValue("prompt_not_found");
        assertThat(e.param()).hasValue("prompt_id");
        assertThat(openai.requests()).isEmpty();
    }

    // ---- errors, over raw HTTP: status, code, param ----------------------------------------------------------------

    @Test
    void everyRefusalHasItsStatusCodeAndParamAndReachesNoUpstream() throws Exception {
        String vars = ",\"prompt_variables\":{\"customer\":\"Ada\"}";
        expect(ask(APP, "{\"model\":\"small\",\"prompt_id\":\"nope\"}"), 404, "prompt_not_found", "prompt_id");
        expect(ask(APP, "{\"prompt_id\":\"support\",\"prompt_version\":7" + vars + "}"), 404, "prompt_not_found",
                "prompt_version");
        expect(ask(APP, "{\"prompt_id\":\"support\",\"prompt_label\":\"beta\"" + vars + "}"), 404, "prompt_not_found",
                "prompt_label");
        expect(ask(APP, "{\"prompt_id\":\"support\",\"prompt_label\":\"canary\",\"prompt_version\":3" + vars + "}"),
                400, "invalid_value", "prompt_label");
        expect(ask(APP, "{\"prompt_id\":\"support\",\"prompt_version\":\"two\"" + vars + "}"), 400, "invalid_value",
                "prompt_version");
        expect(ask(APP, "{\"prompt_id\":\"support\",\"prompt_variables\":{\"tone\":\"x\"}}"), 400,
                "invalid_prompt_variables", "prompt_variables.customer");
        expect(ask(APP, "{\"prompt_id\":\"support\",\"prompt_variables\":{\"customer\":\"A\",\"mood\":\"x\"}}"), 400,
                "invalid_prompt_variables", "prompt_variables.mood");
        expect(ask(APP, "{\"prompt_id\":\"support\",\"prompt_variables\":{\"customer\":null}}"), 400,
                "invalid_prompt_variables", "prompt_variables.customer");
        expect(ask(APP, "{\"prompt_id\":\"support\",\"prompt_variables\":\"Ada\"}"), 400, "invalid_prompt_variables",
                "prompt_variables");
        HttpResponse<String> fixed = ask(APP, "{\"prompt_id\":\"support\",\"temperature\":1" + vars + "}");
        expect(fixed, 400, "parameter_fixed_by_prompt", "temperature");
        assertThat(fixed.headers().firstValue("x-tollgate-prompt")).hasValue("team-a/support@2");
        assertThat(openai.requests()).isEmpty();
    }

    @Test
    void aPromptThatRendersPastTheBodyLimitIsA413AndReachesNoUpstream() throws Exception {
        String head = "{\"prompt_id\":\"support\",\"prompt_variables\":{\"customer\":\"";
        String tail = "\"}}";
        String body = head + "x".repeat(MAX_BODY - head.length() - tail.length()) + tail; // exactly the limit
        assertThat(body.length()).isEqualTo(MAX_BODY);
        HttpResponse<String> r = ask(APP, body);
        JsonNode error = Json.parse(r.body()).path("error");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
        assertThat(error.path("code").asText()).isEqualTo("request_too_large");
        assertThat(error.path("param").asText()).isEqualTo("prompt_variables");
        assertThat(error.path("message").asText()).contains("team-a/support@2").contains(MAX_BODY + " bytes");
        assertThat(r.headers().firstValue("x-tollgate-prompt")).hasValue("team-a/support@2");
        assertThat(openai.requests()).isEmpty();
    }

    @Test
    void aKeyTheOwnerDidNotListIsRefused() throws Exception {
        HttpResponse<String> r = ask(OTHER, "{\"prompt_id\":\"support\",\"prompt_variables\":{\"customer\":\"A\"}}");
        expect(r, 403, "prompt_not_allowed", "prompt_id");
        assertThat(Json.parse(r.body()).path("error").path("message").asText())
                .contains("VirtualKey team-a/other").contains("spec.keys");
        assertThat(r.headers().firstValue("x-tollgate-prompt")).isEmpty();
        assertThat(r.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(openai.requests()).isEmpty();
    }

    @Test
    void aRequestWithoutAPromptIsUntouched() throws Exception {
        openai.enqueue(Reply.text("plain").usage(3, 1));
        String body = "{\"model\":\"small\",\"temperature\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> r = ask(APP, body);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-tollgate-prompt")).isEmpty();
        JsonNode sent = upstream();
        assertThat(contents(sent)).containsExactly("user: hi");
        assertThat(sent.path("temperature").asInt()).isEqualTo(1);
        expect(ask(APP, "{\"model\":\"small\",\"messages\":[]}"), 400, "empty_array", "messages");
    }

    private static void expect(HttpResponse<String> r, int status, String code, String param) {
        JsonNode error = Json.parse(r.body()).path("error");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(error.path("code").asText()).as(r.body()).isEqualTo(code);
        assertThat(error.path("param").asText()).as(r.body()).isEqualTo(param);
        assertThat(error.path("type").asText()).as(r.body()).isEqualTo(status == 400 ? "invalid_request_error"
                : status == 403 ? "permission_error" : "not_found_error");
    }
}
