package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link FakeOpenAi} at the byte level, with a plain java.net.http client: SSE framing, pacing by timers,
 * the auth and validation errors the SDK never provokes, disconnect detection, and the recorder under
 * concurrency.
 */
class FakeOpenAiWireTest {

    private static final String KEY = "sk-wire-test-key-123456";
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    private static FakeOpenAi fake;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        fake = FakeOpenAi.start(KEY);
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    private static HttpRequest chat(String body, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("authorization", authorization);
        }
        return request.build();
    }

    private static JsonNode json(String text) throws Exception {
        return FakeUpstream.JSON.readTree(text);
    }

    @Test
    void baseUrlIncludesV1() {
        assertThat(fake.baseUrl()).matches("http://127\\.0\\.0\\.1:\\d+/v1");
        assertThat(fake.port()).isPositive();
    }

    @Test
    void streamFramingIsDataLinesEndingWithDone() throws Exception {
        fake.enqueue(Reply.text("Hello world").usage(3, 2));
        HttpResponse<String> response = HTTP.send(chat(CHAT + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
                "Bearer " + KEY), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).contains("text/event-stream; charset=utf-8");
        String body = response.body();
        assertThat(body).endsWith("data: [DONE]\n\n");
        String[] events = body.split("\n\n");
        assertThat(events).allSatisfy(e -> assertThat(e).startsWith("data: ").doesNotContain("\n"));
        // role, "Hello ", "world", finish, usage, [DONE]
        assertThat(events).hasSize(6);
        JsonNode role = json(events[0].substring(6));
        assertThat(role.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(role.path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        assertThat(role.path("choices").get(0).path("finish_reason").isNull()).isTrue();
        assertThat(role.has("usage") && role.path("usage").isNull()).isTrue();
        JsonNode finish = json(events[3].substring(6));
        assertThat(finish.path("choices").get(0).path("delta").isEmpty()).isTrue();
        assertThat(finish.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        JsonNode usage = json(events[4].substring(6));
        assertThat(usage.path("choices").isArray() && usage.path("choices").isEmpty()).isTrue();
        assertThat(usage.path("usage").path("total_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void chunksArePacedByTheInterval() throws Exception {
        fake.enqueue(Reply.text("a b c d e").every(Duration.ofMillis(60)));
        long start = System.nanoTime();
        List<Long> arrivals = new ArrayList<>();
        HttpResponse<InputStream> response = HTTP.send(chat(CHAT + ",\"stream\":true}", "Bearer " + KEY),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    arrivals.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }
            }
        }
        // role + 5 words + finish + [DONE] = 8 events, 7 gaps of 60 ms
        assertThat(arrivals).hasSize(8);
        assertThat(arrivals.get(7) - arrivals.get(0)).isGreaterThanOrEqualTo(7 * 60 - 20);
        assertThat(arrivals.get(1) - arrivals.get(0)).isGreaterThanOrEqualTo(40);
    }

    @Test
    void missingKeyAndWrongKeyGetTheDocumented401s() throws Exception {
        HttpResponse<String> missing = HTTP.send(chat(CHAT + "}", null), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(401);
        JsonNode error = json(missing.body()).path("error");
        assertThat(error.path("message").asText()).startsWith("You didn't provide an API key.");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.has("param") && error.path("param").isNull()).isTrue();
        assertThat(error.has("code") && error.path("code").isNull()).isTrue();

        HttpResponse<String> wrong = HTTP.send(chat(CHAT + "}", "Bearer sk-not-the-right-key"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(json(wrong.body()).path("error").path("code").asText()).isEqualTo("invalid_api_key");
        assertThat(json(wrong.body()).path("error").path("message").asText())
                .startsWith("Incorrect API key provided: sk-no").doesNotContain("sk-not-the-right-key");
        assertThat(fake.requests()).hasSize(2);
        assertThat(fake.requests().get(1).header("authorization")).isEqualTo("Bearer sk-not-the-right-key");
    }

    @Test
    void bodyValidationAndUnknownRoutes() throws Exception {
        HttpResponse<String> noMessages = HTTP.send(chat("{\"model\":\"gpt-4o-mini\"}", "Bearer " + KEY),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noMessages.statusCode()).isEqualTo(400);
        assertThat(json(noMessages.body()).path("error").path("param").asText()).isEqualTo("messages");
        assertThat(json(noMessages.body()).path("error").path("code").asText()).isEqualTo("missing_required_parameter");

        HttpResponse<String> notJson = HTTP.send(chat("{oops", "Bearer " + KEY), HttpResponse.BodyHandlers.ofString());
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson.body()).path("error").path("message").asText())
                .startsWith("We could not parse the JSON body of your request.");
        assertThat(fake.lastRequest().json()).isNull();
        assertThat(fake.lastRequest().body()).isEqualTo("{oops");

        HttpResponse<String> unknown = HTTP.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/nope"))
                .header("authorization", "Bearer " + KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown.body()).path("error").path("message").asText()).isEqualTo("Invalid URL (GET /v1/nope)");
    }

    @Test
    void validationErrorsDoNotConsumeTheScript() throws Exception {
        fake.enqueue(Reply.text("kept for the valid request"));
        HTTP.send(chat("{\"model\":\"gpt-4o-mini\"}", "Bearer " + KEY), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> ok = HTTP.send(chat(CHAT + "}", "Bearer " + KEY), HttpResponse.BodyHandlers.ofString());
        assertThat(json(ok.body()).path("choices").get(0).path("message").path("content").asText())
                .isEqualTo("kept for the valid request");
    }

    @Test
    void behaviourAppliesOnceTheScriptIsEmptyAndResetRestoresTheDefault() throws Exception {
        fake.behaviour(Reply.text("always this"));
        fake.enqueue(Reply.text("first"));
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = HTTP.send(chat(CHAT + "}", "Bearer " + KEY), HttpResponse.BodyHandlers.ofString());
            answers.add(json(r.body()).path("choices").get(0).path("message").path("content").asText());
        }
        assertThat(answers).containsExactly("first", "always this", "always this");

        fake.reset();
        assertThat(fake.requests()).isEmpty();
        HttpResponse<String> r = HTTP.send(chat(CHAT + "}", "Bearer " + KEY), HttpResponse.BodyHandlers.ofString());
        assertThat(json(r.body()).path("choices").get(0).path("message").path("content").asText())
                .isEqualTo(FakeOpenAi.DEFAULT_TEXT);
    }

    @Test
    void errorRepliesCarryStatusHeadersAndBody() throws Exception {
        fake.enqueue(Reply.error(400, "invalid_request_error", "max_tokens is too large").param("max_tokens")
                .code("invalid_value"), FakeOpenAi.rateLimited(Duration.ofSeconds(7)));
        HttpResponse<String> bad = HTTP.send(chat(CHAT + "}", "Bearer " + KEY), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad.body())).isEqualTo(json("{\"error\":{\"message\":\"max_tokens is too large\","
                + "\"type\":\"invalid_request_error\",\"param\":\"max_tokens\",\"code\":\"invalid_value\"}}"));

        HttpResponse<String> limited = HTTP.send(chat(CHAT + "}", "Bearer " + KEY), HttpResponse.BodyHandlers.ofString());
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after")).contains("7");
        assertThat(limited.headers().firstValue("x-ratelimit-remaining-requests")).contains("0");
    }

    @Test
    void delayedAnswerArrivesLate() throws Exception {
        fake.enqueue(Reply.text("late").delay(Duration.ofMillis(300)));
        long start = System.nanoTime();
        HttpResponse<String> r = HTTP.send(chat(CHAT + "}", "Bearer " + KEY), HttpResponse.BodyHandlers.ofString());
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(280);
        assertThat(json(r.body()).path("choices").get(0).path("message").path("content").asText()).isEqualTo("late");
    }

    @Test
    void clientGivingUpOnAHangingAnswerIsDetected() throws Exception {
        fake.enqueue(Reply.text("never").hangAfter(0));
        HttpClient impatient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/chat/completions"))
                .header("authorization", "Bearer " + KEY).timeout(Duration.ofMillis(200))
                .POST(HttpRequest.BodyPublishers.ofString(CHAT + "}")).build();
        assertThatThrownBy(() -> impatient.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(java.net.http.HttpTimeoutException.class);
        fake.clientDisconnected().get(20, TimeUnit.SECONDS); // how soon the JDK client closes its connection varies with load
    }

    @Test
    void closingAStreamMidwayIsDetected() throws Exception {
        fake.enqueue(Reply.text("one two three four five six").every(Duration.ofMillis(50)));
        HttpResponse<InputStream> response = HTTP.send(chat(CHAT + ",\"stream\":true}", "Bearer " + KEY),
                HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        assertThat(reader.readLine()).startsWith("data: ");
        assertThat(fake.clientDisconnected()).isNotDone();
        response.body().close();
        fake.clientDisconnected().get(20, TimeUnit.SECONDS); // how soon the JDK client closes its connection varies with load
    }

    @Test
    void aDisconnectFromBeforeResetDoesNotCountAfterIt() throws Exception {
        fake.enqueue(Reply.text("a b c").hangAfter(1));
        HttpResponse<InputStream> response = HTTP.send(chat(CHAT + ",\"stream\":true}", "Bearer " + KEY),
                HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        assertThat(reader.readLine()).startsWith("data: ");
        fake.reset();
        response.body().close();

        fake.enqueue(Reply.text("fresh"));
        HttpResponse<String> next = HTTP.send(chat(CHAT + "}", "Bearer " + KEY), HttpResponse.BodyHandlers.ofString());
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(fake.clientDisconnected()).isNotDone();
        assertThat(fake.disconnects()).isZero();
    }

    @Test
    void concurrentRequestsAreAllRecorded() {
        List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 20)
                .mapToObj(i -> HTTP.sendAsync(chat("{\"model\":\"m" + i + "\",\"messages\":[]}", "Bearer " + KEY),
                        HttpResponse.BodyHandlers.ofString()))
                .toList();
        calls.forEach(CompletableFuture::join);
        assertThat(calls).allSatisfy(c -> assertThat(c.join().statusCode()).isEqualTo(200));
        assertThat(fake.requests()).hasSize(20);
        assertThat(fake.requests().stream().map(r -> r.json().path("model").asText()).distinct()).hasSize(20);
    }
}
