package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeAi21;
import dev.tollgate.gateway.fakes.FakeAnthropic;
import dev.tollgate.gateway.fakes.FakeCohere;
import dev.tollgate.gateway.fakes.FakeGemini;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.FakePalm;
import dev.tollgate.gateway.fakes.FakeReplicate;
import dev.tollgate.gateway.fakes.FakeTgi;
import dev.tollgate.gateway.fakes.FakeUpstream;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import dev.tollgate.standalone.Manifests;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every model a LiteLLM user names (issue 18's list) routes through the running gateway, from its sample LlmModel in
 * {@code samples/models/}, to the right provider's fake with the right translation. The samples are used as written
 * (model ids, default parameters, policies); only their {@code apiBase} is pointed at the fakes, their namespace
 * dropped (standalone serves one) and their credentials Secrets supplied. The README's table of these models is made
 * from {@link #SEEDS} ({@code -Dupdate-generated=true} rewrites it).
 */
@QuarkusTest
@TestProfile(LiteLlmModelListTest.Samples.class)
class LiteLlmModelListTest {
    static final String KEY = "sk-tg-litellm-model-list-0123456789";
    static final boolean UPDATE = Boolean.getBoolean("update-generated");
    static final String BEGIN = "<!-- litellm-models:begin";
    static final String END = "<!-- litellm-models:end -->";

    /** The endpoint a seed is asked through. */
    enum Endpoint {
        CHAT("/v1/chat/completions"), COMPLETIONS("/v1/completions"), EMBEDDINGS("/v1/embeddings"),
        IMAGES("/v1/images/generations"),
        /** Replicate's own API through the gateway's pass-through route: a prediction created with Prefer: wait. */
        PASSTHROUGH("/replicate/v1/models/{model}/predictions");

        final String path;

        Endpoint(String path) {
            this.path = path;
        }
    }

    /** How the provider's fake proves the call reached it translated: the request it recorded, and the sample's model id. */
    record Upstream(String provider, Function<String, FakeUpstream> start, BiConsumer<RecordedRequest, String> check) {}

    /** One seed name: the sample file that defines it, the provider it must reach, the endpoint a client uses. */
    record Seed(String id, String file, String provider, Endpoint endpoint) {
        @Override
        public String toString() {
            return id;
        }
    }

    static final Map<String, Upstream> UPSTREAMS = Stream.of(
            new Upstream("openai", FakeOpenAi::start, (r, model) -> {
                assertThat(r.header("authorization")).isEqualTo("Bearer " + apiKey("openai"));
                assertThat(r.json().path("model").asText()).isEqualTo(model);
            }),
            new Upstream("anthropic", FakeAnthropic::start, (r, model) -> {
                assertThat(r.path()).isEqualTo("/v1/messages");
                assertThat(r.header("x-api-key")).isEqualTo(apiKey("anthropic"));
                assertThat(r.json().path("model").asText()).isEqualTo(model);
                // the Messages API: the system prompt moved out of the messages, max_tokens from the sample's defaults
                assertThat(r.json().path("system").toString()).contains("Answer briefly.");
                assertThat(r.json().path("messages")).hasSize(1);
                assertThat(r.json().path("max_tokens").asInt()).isEqualTo(4096);
            }),
            new Upstream("cohere", FakeCohere::start, (r, model) -> {
                assertThat(r.path()).isEqualTo("/v2/chat");
                assertThat(r.header("authorization")).isEqualTo("Bearer " + apiKey("cohere"));
                assertThat(r.json().path("model").asText()).isEqualTo(model);
                assertThat(r.json().path("messages").get(0).path("role").asText()).isEqualTo("system");
            }),
            new Upstream("gemini", FakeGemini::start, (r, model) -> {
                assertThat(r.path()).endsWith("/models/" + model + ":generateContent");
                assertThat(r.header("x-goog-api-key")).isEqualTo(apiKey("gemini"));
                assertThat(r.json().path("systemInstruction").toString()).contains("Answer briefly.");
                assertThat(r.json().path("contents").get(0).path("role").asText()).isEqualTo("user");
            }),
            new Upstream("palm", FakePalm::start, (r, model) -> {
                assertThat(r.path()).contains("/models/" + model + ":generate");
                assertThat(r.queryParam("key") != null ? r.queryParam("key") : r.header("x-goog-api-key"))
                        .isEqualTo(apiKey("palm"));
            }),
            new Upstream("huggingface", FakeTgi::start, (r, model) -> {
                assertThat(r.header("authorization")).isEqualTo("Bearer " + apiKey("huggingface"));
                // a dedicated endpoint / own TGI: completions through the native /generate, chat through the
                // Messages API
                assertThat(r.path()).isIn("/generate", "/v1/chat/completions");
                if (r.path().equals("/generate")) {
                    assertThat(r.json().path("inputs").asText()).isEqualTo("def fibonacci(n):");
                    assertThat(r.json().path("parameters").path("max_new_tokens").asInt()).isEqualTo(32);
                } else {
                    assertThat(r.json().path("messages")).hasSize(2);
                }
            }),
            new Upstream("replicate", FakeReplicate::start, (r, model) -> {
                assertThat(r.header("authorization")).isEqualTo("Bearer " + apiKey("replicate"));
                if (model.contains(":")) { // a pinned version: POST /v1/predictions naming it
                    assertThat(r.path()).isEqualTo("/v1/predictions");
                    assertThat(r.json().path("version").asText()).isEqualTo(model.substring(model.indexOf(':') + 1));
                } else {
                    assertThat(r.path()).isEqualTo("/v1/models/" + model + "/predictions");
                }
                assertThat(r.json().path("input").isObject()).isTrue();
            }),
            new Upstream("ai21", FakeAi21::start, (r, model) -> {
                assertThat(r.header("authorization")).isEqualTo("Bearer " + apiKey("ai21"));
                assertThat(r.path()).isEqualTo(model.startsWith("j2-") ? "/studio/v1/" + model + "/complete"
                        : "/studio/v1/chat/completions");
            })).collect(java.util.stream.Collectors.toMap(Upstream::provider, u -> u, (a, b) -> a, LinkedHashMap::new));

    /** Issue 18's list, in its order. */
    static final List<Seed> SEEDS = List.of(
            new Seed("ai21/j2-grande-instruct", "ai21.yaml", "ai21", Endpoint.COMPLETIONS),
            new Seed("ai21/j2-jumbo-instruct", "ai21.yaml", "ai21", Endpoint.COMPLETIONS),
            new Seed("ai21/j2-large-instruct", "ai21.yaml", "ai21", Endpoint.CHAT),
            new Seed("anthropic/claude-2", "anthropic.yaml", "anthropic", Endpoint.CHAT),
            new Seed("anthropic/claude-instant-1", "anthropic.yaml", "anthropic", Endpoint.CHAT),
            new Seed("anthropic/claude-v1", "anthropic.yaml", "anthropic", Endpoint.CHAT),
            new Seed("bigcode/starcoder", "huggingface.yaml", "huggingface", Endpoint.COMPLETIONS),
            new Seed("cohere/command-nightly", "cohere.yaml", "cohere", Endpoint.CHAT),
            new Seed("cohere/command", "cohere.yaml", "cohere", Endpoint.CHAT),
            new Seed("google/bison-001", "palm.yaml", "palm", Endpoint.COMPLETIONS),
            new Seed("google/gemini-pro", "gemini.yaml", "gemini", Endpoint.CHAT),
            new Seed("google/gemini-pro-vision", "gemini.yaml", "gemini", Endpoint.CHAT),
            new Seed("google/palm-2-chat-bison-001", "palm.yaml", "palm", Endpoint.CHAT),
            new Seed("huggingface/meta-llama/Llama-2-7b-chat-hf", "huggingface.yaml", "huggingface", Endpoint.CHAT),
            new Seed("huggingface/meta-llama/Llama-2-13b-chat-hf", "huggingface.yaml", "huggingface", Endpoint.CHAT),
            new Seed("huggingface/meta-llama/Llama-2-70b-chat-hf", "huggingface.yaml", "huggingface", Endpoint.CHAT),
            new Seed("huggingface/tiiuae/falcon-40b-instruct", "huggingface.yaml", "huggingface", Endpoint.CHAT),
            new Seed("huggingface/tiiuae/falcon-7b-instruct", "huggingface.yaml", "huggingface", Endpoint.CHAT),
            new Seed("meta/llama-2-70b-chat", "replicate.yaml", "replicate", Endpoint.CHAT),
            new Seed("meta/llama-2-13b-chat", "replicate.yaml", "replicate", Endpoint.CHAT),
            new Seed("meta/llama-2-7b-chat", "replicate.yaml", "replicate", Endpoint.CHAT),
            new Seed("microsoft/phi-1_5", "huggingface.yaml", "huggingface", Endpoint.COMPLETIONS),
            new Seed("mosaicml/mpt-7b-instruct", "replicate.yaml", "replicate", Endpoint.CHAT),
            new Seed("openai/gpt-3.5-turbo", "openai.yaml", "openai", Endpoint.CHAT),
            new Seed("openai/gpt-3.5-turbo-16k", "openai.yaml", "openai", Endpoint.CHAT),
            new Seed("openai/gpt-4", "openai.yaml", "openai", Endpoint.CHAT),
            new Seed("openai/gpt-4-32k", "openai.yaml", "openai", Endpoint.CHAT),
            new Seed("openai/text-davinci-003", "openai.yaml", "openai", Endpoint.COMPLETIONS),
            new Seed("openai/text-embedding-ada-002", "openai.yaml", "openai", Endpoint.EMBEDDINGS),
            new Seed("replicate/a121labs/stable-diffusion", "replicate.yaml", "replicate", Endpoint.IMAGES),
            new Seed("replicate/google-research/frame-interpolation", "replicate-passthrough.yaml", "replicate",
                    Endpoint.PASSTHROUGH),
            new Seed("replicate/stability-ai/stable-diffusion", "replicate.yaml", "replicate", Endpoint.IMAGES),
            new Seed("salesforce/xgen-7b-8k-inst", "huggingface.yaml", "huggingface", Endpoint.CHAT));

    /** Providers whose answers carry no usage. */
    static final Set<String> NO_USAGE = Set.of("palm");

    static String apiKey(String provider) {
        return "upstream-secret-of-" + provider;
    }

    static final Map<String, FakeUpstream> FAKES = new LinkedHashMap<>();
    /** Seed name → the upstream model id its sample names. */
    static final Map<String, String> UPSTREAM_MODEL = new LinkedHashMap<>();

    public static class Samples implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            List<String> docs = new ArrayList<>(List.of("""
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: samples}
                    spec: {}
                    """, """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: k}
                    spec: {existingSecret: {name: client, key: key}}
                    """, """
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: client, labels: {llm.tollgate.dev/secret: key}}
                    stringData: {key: %s}
                    """.formatted(KEY)));
            Map<String, Map<String, String>> secrets = new LinkedHashMap<>(); // name → key → value
            for (String file : new LinkedHashSet<>(SEEDS.stream().map(Seed::file).toList())) {
                for (Manifests.Document d : read(file)) {
                    ObjectNode body = (ObjectNode) d.body().deepCopy();
                    String modelName = body.path("spec").path("modelName").asText();
                    Seed seed = SEEDS.stream().filter(s -> s.id().equals(modelName)).findFirst().orElse(null);
                    if (!"LlmModel".equals(body.path("kind").asText()) || seed == null) {
                        continue;
                    }
                    String provider = body.path("spec").path("provider").asText();
                    FakeUpstream fake = FAKES.computeIfAbsent(provider,
                            p -> UPSTREAMS.get(p).start().apply(apiKey(p)));
                    ((ObjectNode) body.path("metadata")).remove("namespace");
                    ObjectNode spec = (ObjectNode) body.path("spec");
                    spec.put("apiBase", fake.baseUrl());
                    if (!spec.path("credentialsSecretRef").isObject()) { // a server that wants no key: give it one
                        spec.putObject("credentialsSecretRef").put("name", "samples-credentials").put("key", provider);
                    }
                    JsonNode ref = spec.path("credentialsSecretRef");
                    secrets.computeIfAbsent(ref.path("name").asText(), n -> new LinkedHashMap<>())
                            .put(ref.path("key").asText(), apiKey(provider));
                    UPSTREAM_MODEL.put(modelName, spec.path("model").asText());
                    docs.add(Json.write(body)); // JSON is YAML
                }
            }
            secrets.forEach((name, data) -> {
                ObjectNode secret = Json.NODES.objectNode().put("apiVersion", "v1").put("kind", "Secret");
                secret.putObject("metadata").put("name", name).putObject("labels")
                        .put("llm.tollgate.dev/secret", "credentials");
                ObjectNode stringData = secret.putObject("stringData");
                data.forEach(stringData::put);
                docs.add(Json.write(secret));
            });
            return StandaloneFolder.serve(StandaloneFolder.create("tollgate-litellm-models",
                    String.join("\n---\n", docs)));
        }
    }

    static List<Manifests.Document> read(String file) {
        try {
            return Manifests.read(Path.of("samples/models").resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopFakes() {
        FAKES.values().forEach(FakeUpstream::close);
    }

    @TestHTTPResource("/")
    URL gateway;

    static Stream<Seed> seeds() {
        return SEEDS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seeds")
    void routesToItsProvider(Seed seed) throws Exception {
        assertThat(UPSTREAM_MODEL).as("samples/models/%s defines %s", seed.file(), seed.id()).containsKey(seed.id());
        FakeUpstream fake = FAKES.get(seed.provider());
        assertThat(fake).as("%s's sample names provider %s", seed.id(), seed.provider()).isNotNull();
        fake.reset();
        String upstreamModel = UPSTREAM_MODEL.get(seed.id());
        if (fake instanceof FakeReplicate) {
            // Replicate's language models report token counts in the prediction's metrics; a pinned version runs
            // the model it belongs to
            fake.behaviour(Reply.text("Hello from the fake Replicate.").usage(14, 6));
            if (upstreamModel.contains(":")) {
                ((FakeReplicate) fake).version(upstreamModel.substring(upstreamModel.indexOf(':') + 1),
                        upstreamModel.substring(0, upstreamModel.indexOf(':')));
            }
        }
        String body = switch (seed.endpoint()) {
            case CHAT -> "{\"model\":\"%s\",\"messages\":[{\"role\":\"system\",\"content\":\"Answer briefly.\"},"
                    + "{\"role\":\"user\",\"content\":\"Name a colour.\"}]}";
            case COMPLETIONS -> "{\"model\":\"%s\",\"prompt\":\"def fibonacci(n):\",\"max_tokens\":32}";
            case EMBEDDINGS -> "{\"model\":\"%s\",\"input\":[\"first text\",\"second text\"]}";
            case IMAGES -> "{\"model\":\"%s\",\"prompt\":\"a lighthouse at dusk\",\"n\":1,\"size\":\"512x512\"}";
            case PASSTHROUGH -> "{\"input\":{\"frame1\":\"https://example.com/a.png\",\"frame2\":\"https://example.com/b.png\","
                    + "\"times_to_interpolate\":1}}";
        };
        String path = seed.endpoint().path.replace("{model}", upstreamModel);
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        gateway.toURI().resolve(path))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .header("Prefer", "wait")
                .POST(HttpRequest.BodyPublishers.ofString(body.formatted(seed.id()))).build(),
                HttpResponse.BodyHandlers.ofString());
        // Replicate answers a created prediction with 201
        assertThat(response.statusCode()).as(response.body())
                .isEqualTo(seed.endpoint() == Endpoint.PASSTHROUGH ? 201 : 200);
        JsonNode answer = Json.mapper().readTree(response.body());
        switch (seed.endpoint()) {
            case CHAT -> {
                assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
                assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isNotBlank();
            }
            case COMPLETIONS -> {
                assertThat(answer.path("object").asText()).isEqualTo("text_completion");
                assertThat(answer.path("choices").get(0).path("text").asText()).isNotBlank();
            }
            case EMBEDDINGS -> assertThat(answer.path("data")).hasSize(2);
            case IMAGES -> assertThat(answer.path("data")).isNotEmpty();
            case PASSTHROUGH -> { // Replicate's own prediction, as Replicate answered it
                assertThat(answer.path("status").asText()).isEqualTo("succeeded");
                assertThat(answer.path("metrics").path("predict_time").isNumber()).isTrue();
            }
        }
        // PaLM reports no usage (the gateway counts tokens for metering; the conformance kit covers that)
        boolean reportsUsage = seed.endpoint() != Endpoint.IMAGES && seed.endpoint() != Endpoint.PASSTHROUGH
                && !NO_USAGE.contains(seed.provider());
        assertThat(answer.path("usage").isObject()).as(response.body()).isEqualTo(reportsUsage);
        assertThat(fake.requests()).as("calls that reached the %s fake", seed.provider()).isNotEmpty();
        UPSTREAMS.get(seed.provider()).check().accept(fake.requests().get(0), upstreamModel);
        assertThat(fake.lastRequest().body()).doesNotContain(KEY);
    }

    /** The README's table: seed name → provider → sample file. */
    @Test
    void theReadmeTableListsEverySeed() throws IOException {
        StringBuilder t = new StringBuilder("| model id | provider | endpoint | model behind it | sample |\n"
                + "|---|---|---|---|---|\n");
        for (Seed s : SEEDS) {
            t.append("| `").append(s.id()).append("` | `").append(s.provider()).append("` | `")
                    .append(s.endpoint().path).append("` | `").append(UPSTREAM_MODEL.get(s.id())).append("` | [")
                    .append(s.file()).append("](samples/models/").append(s.file()).append(") |\n");
        }
        Path readme = Path.of("README.md");
        String text = Files.readString(readme);
        int begin = text.indexOf('\n', text.indexOf(BEGIN)) + 1;
        int end = text.indexOf(END);
        assertThat(text.indexOf(BEGIN)).as("README has the %s marker", BEGIN).isNotNegative();
        assertThat(end).isGreaterThanOrEqualTo(begin);
        if (UPDATE) {
            Files.writeString(readme, text.substring(0, begin) + t + text.substring(end));
            text = Files.readString(readme);
            begin = text.indexOf('\n', text.indexOf(BEGIN)) + 1;
            end = text.indexOf(END);
        }
        assertThat(text.substring(begin, end)).as("README's LiteLLM model table (run LiteLlmModelListTest with "
                + "-Dupdate-generated=true and commit)").isEqualTo(t.toString());
        Set<String> ids = new LinkedHashSet<>(SEEDS.stream().map(Seed::id).toList());
        assertThat(ids).hasSize(SEEDS.size());
    }
}
