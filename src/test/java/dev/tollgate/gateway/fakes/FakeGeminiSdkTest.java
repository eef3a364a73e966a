package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.errors.ClientException;
import com.google.genai.errors.ServerException;
import com.google.genai.types.Candidate;
import com.google.genai.types.Content;
import com.google.genai.types.ContentEmbedding;
import com.google.genai.types.EmbedContentConfig;
import com.google.genai.types.EmbedContentResponse;
import com.google.genai.types.FunctionCall;
import com.google.genai.types.FunctionDeclaration;
import com.google.genai.types.FunctionResponse;
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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Proof that {@link FakeGemini} speaks the Gemini API's wire format: Google's official Gen AI SDK for Java
 * (com.google.genai:google-genai) is pointed at it and parses plain and streamed answers, function calls with their
 * thought signatures, embeddings and errors; what the SDK never sends (the {@code ?key=} form, a missing key, the
 * raw SSE framing) is checked with a plain HTTP client.
 */
class FakeGeminiSdkTest {

    private static final String KEY = "AIza-test-0123456789";
    private static final String MODEL = "gemini-2.5-flash";

    private static FakeGemini fake;
    private static Client client;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        fake = FakeGemini.start(KEY);
        client = sdk(KEY);
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

    private static Client sdk(String key) {
        return Client.builder().apiKey(key).vertexAI(false).httpOptions(HttpOptions.builder().baseUrl(fake.baseUrl())
                .apiVersion("v1beta").retryOptions(HttpRetryOptions.builder().attempts(1).build()).build()).build();
    }

    @Test
    void plainAnswerWithUsage() {
        fake.enqueue(Reply.text("Hello there").usage(12, 3));

        GenerateContentResponse response = client.models.generateContent(MODEL, "Say hello",
                GenerateContentConfig.builder().maxOutputTokens(50).systemInstruction(
                        Content.fromParts(Part.fromText("Be brief."))).build());

        assertThat(response.text()).isEqualTo("Hello there");
        assertThat(response.finishReason().toString()).isEqualTo("STOP");
        assertThat(response.usageMetadata().orElseThrow().promptTokenCount()).contains(12);
        assertThat(response.usageMetadata().orElseThrow().candidatesTokenCount()).contains(3);
        assertThat(response.usageMetadata().orElseThrow().totalTokenCount()).contains(15);
        assertThat(response.modelVersion()).contains(MODEL);
        assertThat(response.responseId()).isPresent();

        RecordedRequest request = fake.lastRequest();
        assertThat(request.path()).isEqualTo("/v1beta/models/" + MODEL + ":generateContent");
        assertThat(request.header("x-goog-api-key")).isEqualTo(KEY);
        assertThat(request.json().path("contents").get(0).path("parts").get(0).path("text").asText())
                .isEqualTo("Say hello");
        assertThat(request.json().path("systemInstruction").path("parts").get(0).path("text").asText())
                .isEqualTo("Be brief.");
        assertThat(request.json().path("generationConfig").path("maxOutputTokens").asInt()).isEqualTo(50);
    }

    @Test
    void streamedAnswerArrivesInPiecesWithUsageLast() {
        fake.enqueue(Reply.text("one two three").usage(7, 3));

        List<GenerateContentResponse> chunks = new ArrayList<>();
        try (ResponseStream<GenerateContentResponse> stream =
                     client.models.generateContentStream(MODEL, "count", null)) {
            stream.forEach(chunks::add);
        }

        assertThat(chunks).hasSize(3);
        assertThat(chunks.stream().map(GenerateContentResponse::text).toList()).containsExactly("one ", "two ", "three");
        GenerateContentResponse last = chunks.get(2);
        assertThat(last.finishReason().toString()).isEqualTo("STOP");
        assertThat(last.usageMetadata().orElseThrow().candidatesTokenCount()).contains(3);
        assertThat(last.usageMetadata().orElseThrow().totalTokenCount()).contains(10);
        assertThat(chunks.get(0).candidates().orElseThrow().get(0).finishReason()).isEmpty();
        assertThat(fake.lastRequest().path()).isEqualTo("/v1beta/models/" + MODEL + ":streamGenerateContent");
        assertThat(fake.lastRequest().queryParam("alt")).isEqualTo("sse");
    }

    @Test
    void functionCallsCarryASignatureThatMustComeBack() {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}"),
                Reply.ToolCall.of("get_time", "{\"zone\":\"CET\"}")));
        Tool tool = Tool.builder().functionDeclarations(
                FunctionDeclaration.builder().name("get_weather").description("Weather of a city")
                        .parametersJsonSchema(Map.of("type", "object", "properties",
                                Map.of("city", Map.of("type", "string")))).build(),
                FunctionDeclaration.builder().name("get_time").build()).build();
        GenerateContentConfig config = GenerateContentConfig.builder().tools(tool).build();

        GenerateContentResponse first = client.models.generateContent(MODEL, "Weather and time in Paris?", config);

        List<FunctionCall> calls = first.functionCalls();
        assertThat(calls).extracting(c -> c.name().orElseThrow()).containsExactly("get_weather", "get_time");
        assertThat(calls.get(0).args().orElseThrow()).isEqualTo(Map.of("city", "Paris"));
        List<Part> parts = first.parts();
        assertThat(parts.get(0).thoughtSignature()).hasValueSatisfying(sig ->
                assertThat(Base64.getEncoder().encodeToString(sig)).isEqualTo(FakeGemini.SIGNATURE));
        assertThat(parts.get(1).thoughtSignature()).isEmpty();
        JsonNode declarations = fake.lastRequest().json().path("tools").get(0).path("functionDeclarations");
        assertThat(declarations.get(0).path("parametersJsonSchema").path("properties").has("city")).isTrue();

        // the next turn with the model's content as it came (signature included) is accepted ...
        Content model = first.candidates().orElseThrow().get(0).content().orElseThrow();
        Content results = Content.builder().role("user").parts(
                Part.fromFunctionResponse("get_weather", Map.of("output", "sunny")),
                Part.fromFunctionResponse("get_time", Map.of("output", "12:00"))).build();
        fake.enqueue(Reply.text("Sunny, noon."));
        GenerateContentResponse second = client.models.generateContent(MODEL,
                List.of(Content.fromParts(Part.fromText("Weather and time in Paris?")), model, results), config);
        assertThat(second.text()).isEqualTo("Sunny, noon.");
        JsonNode sent = fake.lastRequest().json().path("contents");
        assertThat(sent.get(1).path("parts").get(0).path("thoughtSignature").asText()).isEqualTo(FakeGemini.SIGNATURE);
        assertThat(sent.get(2).path("parts").get(0).path("functionResponse").path("name").asText())
                .isEqualTo("get_weather");

        // ... and without the signature refused, as Gemini 3 refuses it
        Content unsigned = Content.builder().role("model").parts(Part.builder().functionCall(
                FunctionCall.builder().name("get_weather").args(Map.of("city", "Paris")).build()).build()).build();
        assertThatThrownBy(() -> client.models.generateContent(MODEL,
                List.of(Content.fromParts(Part.fromText("Weather?")), unsigned, Content.builder().role("user")
                        .parts(Part.builder().functionResponse(FunctionResponse.builder().name("get_weather")
                                .response(Map.of("output", "sunny")).build()).build()).build()), config))
                .isInstanceOfSatisfying(ClientException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.status()).isEqualTo("INVALID_ARGUMENT");
                    assertThat(e.message()).contains("missing a thought_signature");
                });
        // an unsigned call of an earlier turn (a new user question since) is accepted, as Gemini 3 accepts it
        fake.enqueue(Reply.text("ok"));
        assertThat(client.models.generateContent(MODEL, List.of(Content.fromParts(Part.fromText("Weather?")), unsigned,
                Content.builder().role("user").parts(Part.builder().functionResponse(FunctionResponse.builder()
                        .name("get_weather").response(Map.of("output", "sunny")).build()).build()).build(),
                Content.builder().role("model").parts(Part.fromText("Sunny.")).build(),
                Content.fromParts(Part.fromText("Thanks! And tomorrow?"))), config).text()).isEqualTo("ok");
    }

    @Test
    void streamedFunctionCall() {
        fake.enqueue(Reply.text("Checking.").withToolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Rome\"}")));
        List<GenerateContentResponse> chunks = new ArrayList<>();
        try (ResponseStream<GenerateContentResponse> stream =
                     client.models.generateContentStream(MODEL, "Weather in Rome?", null)) {
            stream.forEach(chunks::add);
        }
        assertThat(chunks).hasSize(2);
        assertThat(chunks.get(0).text()).isEqualTo("Checking.");
        assertThat(chunks.get(1).functionCalls()).singleElement().satisfies(c -> {
            assertThat(c.name()).contains("get_weather");
            assertThat(c.args().orElseThrow()).isEqualTo(Map.of("city", "Rome"));
        });
        assertThat(chunks.get(1).finishReason().toString()).isEqualTo("STOP");
    }

    @Test
    void safetyBlocks() {
        fake.enqueue(Reply.text("").finishReason("content_filter"), FakeGemini.promptBlocked("SAFETY"));

        GenerateContentResponse candidateBlocked = client.models.generateContent(MODEL, "something bad", null);
        Candidate candidate = candidateBlocked.candidates().orElseThrow().get(0);
        assertThat(candidate.finishReason().orElseThrow().toString()).isEqualTo("SAFETY");
        assertThat(candidate.safetyRatings().orElseThrow()).anySatisfy(r -> assertThat(r.blocked()).contains(true));
        assertThat(candidate.content()).isEmpty();

        GenerateContentResponse promptBlocked = client.models.generateContent(MODEL, "something worse", null);
        assertThat(promptBlocked.candidates()).isEmpty();
        assertThat(promptBlocked.promptFeedback().orElseThrow().blockReason().orElseThrow().toString())
                .isEqualTo("SAFETY");
    }

    @Test
    void embeddingsOneAndMany() {
        EmbedContentResponse many = client.models.embedContent("text-embedding-004", List.of("alpha", "beta"),
                EmbedContentConfig.builder().outputDimensionality(8).build());
        List<ContentEmbedding> embeddings = many.embeddings().orElseThrow();
        assertThat(embeddings).hasSize(2);
        assertThat(embeddings.get(0).values().orElseThrow()).hasSize(8);
        assertThat(embeddings.get(0).values()).isNotEqualTo(embeddings.get(1).values());
        RecordedRequest request = fake.lastRequest();
        assertThat(request.path()).isEqualTo("/v1beta/models/text-embedding-004:batchEmbedContents");
        assertThat(request.json().path("requests").get(1).path("model").asText()).isEqualTo("models/text-embedding-004");

        EmbedContentResponse one = client.models.embedContent("text-embedding-004", "alpha", null);
        assertThat(one.embeddings().orElseThrow().get(0).values().orElseThrow()).hasSize(FakeGemini.DIMENSIONS);
    }

    @Test
    void errorsAreTheApiErrors() {
        fake.enqueue(Reply.error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.").header("retry-after",
                "7"), FakeGemini.overloaded(), Reply.contextTooLong());

        assertThatThrownBy(() -> client.models.generateContent(MODEL, "hi", null))
                .isInstanceOfSatisfying(ClientException.class, e -> {
                    assertThat(e.code()).isEqualTo(429);
                    assertThat(e.status()).isEqualTo("RESOURCE_EXHAUSTED");
                    assertThat(e.message()).startsWith("You exceeded your current quota.")
                            .contains("google.rpc.RetryInfo").contains("\"retryDelay\":\"7s\"");
                });
        assertThatThrownBy(() -> client.models.generateContent(MODEL, "hi", null))
                .isInstanceOfSatisfying(ServerException.class, e -> {
                    assertThat(e.code()).isEqualTo(503);
                    assertThat(e.status()).isEqualTo("UNAVAILABLE");
                });
        assertThatThrownBy(() -> client.models.generateContent(MODEL, "hi", null))
                .isInstanceOfSatisfying(ClientException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.message()).startsWith("The input token count (");
                });
        Client wrong = sdk("AIza-wrong");
        try {
            assertThatThrownBy(() -> wrong.models.generateContent(MODEL, "hi", null))
                    .isInstanceOfSatisfying(ClientException.class, e -> {
                        assertThat(e.code()).isEqualTo(400);
                        assertThat(e.status()).isEqualTo("INVALID_ARGUMENT");
                        assertThat(e.message()).startsWith("API key not valid. Please pass a valid API key.")
                                .contains("API_KEY_INVALID");
                    });
        } finally {
            wrong.close();
        }
    }

    // ---- what the SDK never sends: checked on the wire ----

    @Test
    void rawWireFormat() throws Exception {
        String body = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}";
        fake.enqueue(Reply.text("Hi there").usage(3, 2));

        HttpResponse<String> sse = post(":streamGenerateContent?alt=sse&key=" + KEY, body, Map.of());
        assertThat(sse.statusCode()).isEqualTo(200);
        assertThat(sse.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("text/event-stream"));
        String[] events = sse.body().split("\r\n\r\n");
        assertThat(events).hasSize(2).allSatisfy(e -> assertThat(e).startsWith("data: {"));
        assertThat(sse.body()).endsWith("\r\n\r\n");
        JsonNode last = FakeUpstream.JSON.readTree(events[1].substring("data: ".length()));
        assertThat(last.path("candidates").get(0).path("finishReason").asText()).isEqualTo("STOP");
        assertThat(last.path("usageMetadata").path("totalTokenCount").asInt()).isEqualTo(5);

        fake.enqueue(Reply.text("Hi there").usage(3, 2));
        HttpResponse<String> array = post(":streamGenerateContent", body, Map.of("x-goog-api-key", KEY));
        JsonNode all = FakeUpstream.JSON.readTree(array.body());
        assertThat(all.isArray()).as("without alt=sse the stream is one JSON array").isTrue();
        assertThat(all).hasSize(2);
        assertThat(all.get(0).path("candidates").get(0).path("content").path("parts").get(0).path("text").asText())
                .isEqualTo("Hi ");

        fake.enqueue(Reply.error(429, "RESOURCE_EXHAUSTED", "Quota").header("retry-after", "7"));
        HttpResponse<String> limited = post(":generateContent", body, Map.of("x-goog-api-key", KEY));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after")).isEmpty();
        JsonNode error = FakeUpstream.JSON.readTree(limited.body()).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(429);
        assertThat(error.path("status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(error.path("details").findValuesAsText("retryDelay")).containsExactly("7s");

        HttpResponse<String> noKey = post(":generateContent", body, Map.of());
        assertThat(noKey.statusCode()).isEqualTo(403);
        assertThat(FakeUpstream.JSON.readTree(noKey.body()).path("error").path("status").asText())
                .isEqualTo("PERMISSION_DENIED");

        HttpResponse<String> noContents = post(":generateContent", "{}", Map.of("x-goog-api-key", KEY));
        assertThat(noContents.statusCode()).isEqualTo(400);
        assertThat(noContents.body()).contains("contents is not specified");
    }

    private static HttpResponse<String> post(String method, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1beta/models/" + MODEL
                        + method)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
