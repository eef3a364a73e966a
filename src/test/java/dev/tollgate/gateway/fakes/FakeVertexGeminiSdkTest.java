package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.errors.ClientException;
import com.google.genai.types.Candidate;
import com.google.genai.types.Content;
import com.google.genai.types.EmbedContentConfig;
import com.google.genai.types.EmbedContentResponse;
import com.google.genai.types.FunctionCall;
import com.google.genai.types.FunctionDeclaration;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.Part;
import com.google.genai.types.Tool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Proof that {@link FakeVertex} speaks Gemini on Vertex AI: Google's official Gen AI SDK for Java
 * (com.google.genai:google-genai) in Vertex mode, with the fake's service account key (google-auth-library signs the
 * JWT and fetches the token from the fake's token endpoint), is pointed at it and parses plain and streamed answers,
 * function calls, safety blocks, embeddings and errors.
 */
class FakeVertexGeminiSdkTest {

    private static final String MODEL = "gemini-2.5-flash";
    private static final String PROJECT = "fake-project";
    private static final String LOCATION = "us-central1";
    private static final String PREFIX = "/v1/projects/" + PROJECT + "/locations/" + LOCATION
            + "/publishers/google/models/";

    private static FakeVertex fake;
    private static Client client;

    @BeforeAll
    static void start() throws IOException {
        fake = FakeVertex.start();
        client = sdk(fake.serviceAccountKeyJson());
    }

    @AfterAll
    static void stop() {
        client.close();
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    private static Client sdk(String keyJson) throws IOException {
        GoogleCredentials credentials = GoogleCredentials.fromStream(
                new ByteArrayInputStream(keyJson.getBytes(StandardCharsets.UTF_8))).createScoped(FakeVertex.SCOPE);
        return Client.builder().vertexAI(true).project(PROJECT).location(LOCATION).credentials(credentials)
                .httpOptions(HttpOptions.builder().baseUrl(fake.baseUrl()).apiVersion("v1")
                        .retryOptions(HttpRetryOptions.builder().attempts(1).build()).build()).build();
    }

    @Test
    void plainAnswerWithVertexUsage() {
        fake.enqueue(Reply.text("Hello there").usage(12, 3));

        GenerateContentResponse response = client.models.generateContent(MODEL, "Say hello",
                GenerateContentConfig.builder().maxOutputTokens(50).systemInstruction(
                        Content.fromParts(Part.fromText("Be brief."))).build());

        assertThat(response.text()).isEqualTo("Hello there");
        assertThat(response.finishReason().toString()).isEqualTo("STOP");
        var usage = response.usageMetadata().orElseThrow();
        assertThat(usage.promptTokenCount()).contains(12);
        assertThat(usage.candidatesTokenCount()).contains(3);
        assertThat(usage.totalTokenCount()).contains(15);
        assertThat(usage.trafficType().orElseThrow().toString()).isEqualTo("ON_DEMAND");
        assertThat(usage.candidatesTokensDetails().orElseThrow()).singleElement()
                .satisfies(d -> assertThat(d.tokenCount()).contains(3));
        assertThat(response.modelVersion()).contains(MODEL);
        assertThat(response.createTime()).isPresent();
        assertThat(response.responseId()).isPresent();

        RecordedRequest request = fake.lastRequest();
        assertThat(request.path()).isEqualTo(PREFIX + MODEL + ":generateContent");
        assertThat(request.header("authorization")).startsWith("Bearer ya29.fake-");
        assertThat(request.header("x-goog-api-key")).isNull();
        assertThat(request.json().path("contents").get(0).path("parts").get(0).path("text").asText())
                .isEqualTo("Say hello");
        assertThat(request.json().path("systemInstruction").path("parts").get(0).path("text").asText())
                .isEqualTo("Be brief.");
        assertThat(request.json().path("generationConfig").path("maxOutputTokens").asInt()).isEqualTo(50);
        assertThat(fake.tokensIssued()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void streamedAnswerArrivesInPiecesWithUsageLast() {
        fake.enqueue(Reply.text("one two three").usage(7, 3));

        List<GenerateContentResponse> chunks = new ArrayList<>();
        try (ResponseStream<GenerateContentResponse> stream =
                     client.models.generateContentStream(MODEL, "count", null)) {
            stream.forEach(chunks::add);
        }

        assertThat(chunks.stream().map(GenerateContentResponse::text).toList()).containsExactly("one ", "two ", "three");
        GenerateContentResponse last = chunks.get(2);
        assertThat(last.finishReason().toString()).isEqualTo("STOP");
        assertThat(last.usageMetadata().orElseThrow().candidatesTokenCount()).contains(3);
        assertThat(last.usageMetadata().orElseThrow().totalTokenCount()).contains(10);
        assertThat(chunks.get(0).candidates().orElseThrow().get(0).finishReason()).isEmpty();
        assertThat(fake.lastRequest().path()).isEqualTo(PREFIX + MODEL + ":streamGenerateContent");
        assertThat(fake.lastRequest().queryParam("alt")).isEqualTo("sse");
    }

    @Test
    void functionCallsWholeAndStreamed() {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}")));
        Tool tool = Tool.builder().functionDeclarations(
                FunctionDeclaration.builder().name("get_weather").description("Weather of a city")
                        .parametersJsonSchema(Map.of("type", "object", "properties",
                                Map.of("city", Map.of("type", "string")))).build()).build();
        GenerateContentConfig config = GenerateContentConfig.builder().tools(tool).build();

        GenerateContentResponse first = client.models.generateContent(MODEL, "Weather in Paris?", config);
        List<FunctionCall> calls = first.functionCalls();
        assertThat(calls).singleElement().satisfies(c -> {
            assertThat(c.name()).contains("get_weather");
            assertThat(c.args().orElseThrow()).isEqualTo(Map.of("city", "Paris"));
        });
        assertThat(first.parts().get(0).thoughtSignature()).hasValueSatisfying(sig ->
                assertThat(Base64.getEncoder().encodeToString(sig)).isEqualTo(FakeGemini.SIGNATURE));
        JsonNode declarations = fake.lastRequest().json().path("tools").get(0).path("functionDeclarations");
        assertThat(declarations.get(0).path("name").asText()).isEqualTo("get_weather");

        // the model's turn sent back as it came, with the function's result: accepted
        Content model = first.candidates().orElseThrow().get(0).content().orElseThrow();
        fake.enqueue(Reply.text("Sunny."));
        GenerateContentResponse second = client.models.generateContent(MODEL, List.of(
                Content.fromParts(Part.fromText("Weather in Paris?")), model, Content.builder().role("user").parts(
                        Part.fromFunctionResponse("get_weather", Map.of("output", "sunny"))).build()), config);
        assertThat(second.text()).isEqualTo("Sunny.");

        fake.enqueue(Reply.text("Checking.").withToolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Rome\"}")));
        List<GenerateContentResponse> chunks = new ArrayList<>();
        try (ResponseStream<GenerateContentResponse> stream =
                     client.models.generateContentStream(MODEL, "Weather in Rome?", config)) {
            stream.forEach(chunks::add);
        }
        assertThat(chunks).hasSize(2);
        assertThat(chunks.get(0).text()).isEqualTo("Checking.");
        assertThat(chunks.get(1).functionCalls()).singleElement().satisfies(c ->
                assertThat(c.args().orElseThrow()).isEqualTo(Map.of("city", "Rome")));
        assertThat(chunks.get(1).finishReason().toString()).isEqualTo("STOP");
    }

    @Test
    void safetyBlockIsFinishReasonSafetyWithScoredRatings() {
        fake.enqueue(Reply.text("").finishReason("content_filter"));

        Candidate candidate = client.models.generateContent(MODEL, "something bad", null)
                .candidates().orElseThrow().get(0);

        assertThat(candidate.finishReason().orElseThrow().toString()).isEqualTo("SAFETY");
        assertThat(candidate.content()).isEmpty();
        assertThat(candidate.safetyRatings().orElseThrow()).anySatisfy(r -> {
            assertThat(r.blocked()).contains(true);
            assertThat(r.severity().orElseThrow().toString()).isEqualTo("HARM_SEVERITY_HIGH");
            assertThat(r.probabilityScore()).isPresent();
        });
    }

    @Test
    void embedContentForAGeminiEmbeddingModel() {
        // the SDK sends :embedContent on Vertex for Gemini embedding models other than gemini-embedding-001
        // (that one, and text-embedding-*, go to :predict, which this fake does not serve)
        EmbedContentResponse one = client.models.embedContent("gemini-embedding-2", "alpha",
                EmbedContentConfig.builder().outputDimensionality(8).build());

        assertThat(one.embeddings().orElseThrow()).singleElement()
                .satisfies(e -> assertThat(e.values().orElseThrow()).hasSize(8));
        RecordedRequest request = fake.lastRequest();
        assertThat(request.path()).isEqualTo(PREFIX + "gemini-embedding-2:embedContent");
        assertThat(request.json().path("content").path("parts").get(0).path("text").asText()).isEqualTo("alpha");
        assertThat(request.json().path("embedContentConfig").path("outputDimensionality").asInt()).isEqualTo(8);
        assertThat(one.truncated()).contains(false);
        assertThat(one.usageMetadata().orElseThrow().promptTokenCount()).isPresent();
    }

    @Test
    void errorsAreVertexErrors() throws IOException {
        fake.enqueue(Reply.error(429, "RESOURCE_EXHAUSTED", "Resource exhausted. Please try again later.")
                .header("retry-after", "7"), Reply.contextTooLong());

        assertThatThrownBy(() -> client.models.generateContent(MODEL, "hi", null))
                .isInstanceOfSatisfying(ClientException.class, e -> {
                    assertThat(e.code()).isEqualTo(429);
                    assertThat(e.status()).isEqualTo("RESOURCE_EXHAUSTED");
                    assertThat(e.message()).startsWith("Resource exhausted.")
                            .contains("google.rpc.RetryInfo").contains("\"retryDelay\":\"7s\"");
                });
        assertThatThrownBy(() -> client.models.generateContent(MODEL, "hi", null))
                .isInstanceOfSatisfying(ClientException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.status()).isEqualTo("INVALID_ARGUMENT");
                    assertThat(e.message()).startsWith("The input token count (");
                });
        fake.revokeTokens();
        try {
            assertThatThrownBy(() -> client.models.generateContent(MODEL, "hi", null))
                    .isInstanceOfSatisfying(ClientException.class, e -> {
                        assertThat(e.code()).isEqualTo(401);
                        assertThat(e.status()).isEqualTo("UNAUTHENTICATED");
                    });
        } finally {
            // a fresh client gets a fresh token for the other tests
            client.close();
            client = sdk(fake.serviceAccountKeyJson());
        }
    }
}
