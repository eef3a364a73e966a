package dev.tollgate.gateway.fakes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The failures the routing and resilience tests inject, as each fake renders them on the wire: 429 with
 * {@code retry-after}, 500, 503, Anthropic's 529, a hang before the status line, a stream cut or hung after its
 * lead-in events (before any content), a prompt over the context window and a content-policy refusal, per provider,
 * and scripted per deployment of one fake. Read over raw sockets where the failure is in the framing.
 */
class FakeFailuresTest {
    static final String KEY = "sk-fault-test-key-0123456789";
    static FakeOpenAi openai;
    static FakeAzureOpenAi azure;
    static FakeAnthropic anthropic;

    @BeforeAll
    static void start() {
        openai = FakeOpenAi.start(KEY);
        azure = FakeAzureOpenAi.start(KEY);
        anthropic = FakeAnthropic.start(KEY);
    }

    @AfterAll
    static void stop() {
        openai.close();
        azure.close();
        anthropic.close();
    }

    @BeforeEach
    void reset() {
        openai.reset();
        azure.reset();
        anthropic.reset();
    }

    // ---- a raw HTTP/1.1 exchange ---------------------------------------------------------------------------------

    /** What came back on one connection: everything read until the server closed it (or the read timed out). */
    record Raw(int status, String head, String body, boolean closedByServer) {
        List<String> dataEvents() {
            List<String> out = new ArrayList<>();
            Matcher m = Pattern.compile("data: (.*)\n\n").matcher(body);
            while (m.find()) {
                out.add(m.group(1));
            }
            return out;
        }

        List<String> eventTypes() {
            List<String> out = new ArrayList<>();
            Matcher m = Pattern.compile("event: (\\S+)\n").matcher(body);
            while (m.find()) {
                out.add(m.group(1));
            }
            return out;
        }

        String header(String name) {
            Matcher m = Pattern.compile("(?im)^" + Pattern.quote(name) + ": ([^\r\n]*)").matcher(head);
            return m.find() ? m.group(1) : null;
        }

        JsonNode json() throws IOException {
            return FakeUpstream.JSON.readTree(body);
        }
    }

    static Socket send(FakeUpstream fake, String path, Map<String, String> headers, String body) throws IOException {
        Socket socket = new Socket("127.0.0.1", fake.port());
        StringBuilder request = new StringBuilder("POST " + path + " HTTP/1.1\r\nhost: 127.0.0.1\r\n"
                + "content-type: application/json\r\n");
        headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        request.append("content-length: ").append(bytes.length).append("\r\n\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.UTF_8));
        out.write(bytes);
        out.flush();
        return socket;
    }

    /** Reads until the server closes the connection, a complete non-chunked body arrived, or {@code timeout}. */
    static Raw read(Socket socket, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        boolean closed = false;
        try {
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    closed = true;
                    break;
                }
                all.write(buffer, 0, n);
                if (complete(all.toString(StandardCharsets.UTF_8))) {
                    break;
                }
            }
        } catch (SocketTimeoutException timedOut) {
            // what arrived so far is the answer
        } catch (IOException reset) {
            closed = true;
        }
        String text = all.toString(StandardCharsets.UTF_8);
        int split = text.indexOf("\r\n\r\n");
        if (split < 0) {
            return new Raw(0, text, "", closed);
        }
        String head = text.substring(0, split);
        String body = text.substring(split + 4);
        if (head.toLowerCase().contains("transfer-encoding: chunked")) {
            body = body.replaceAll("(?m)^[0-9a-fA-F]+\r\n", "").replace("\r\n", "");
        }
        return new Raw(Integer.parseInt(head.substring(9, 12)), head, body, closed);
    }

    /** A response with a content-length whose body is all there, or a chunked one with its last chunk. */
    private static boolean complete(String text) {
        int split = text.indexOf("\r\n\r\n");
        if (split < 0) {
            return false;
        }
        Matcher length = Pattern.compile("(?im)^content-length: (\\d+)").matcher(text.substring(0, split));
        if (length.find()) {
            return text.substring(split + 4).getBytes(StandardCharsets.UTF_8).length >= Integer.parseInt(length.group(1));
        }
        return text.endsWith("\r\n0\r\n\r\n");
    }

    static Raw openAi(String model, boolean stream) throws IOException {
        try (Socket s = send(openai, "/v1/chat/completions", Map.of("authorization", "Bearer " + KEY),
                "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
            return read(s, Duration.ofSeconds(10));
        }
    }

    static Socket azureSocket(String deployment, boolean stream) throws IOException {
        return send(azure, "/openai/deployments/" + deployment + "/chat/completions?api-version=2024-10-21",
                Map.of("api-key", KEY), "{\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    static Raw azure(String deployment, boolean stream) throws IOException {
        try (Socket s = azureSocket(deployment, stream)) {
            return read(s, Duration.ofSeconds(10));
        }
    }

    static Socket anthropicSocket(boolean stream) throws IOException {
        return send(anthropic, "/v1/messages", Map.of("x-api-key", KEY, "anthropic-version", "2023-06-01"),
                "{\"model\":\"claude-sonnet-4-20250514\",\"max_tokens\":64,\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    static Raw anthropic(boolean stream) throws IOException {
        try (Socket s = anthropicSocket(stream)) {
            return read(s, Duration.ofSeconds(10));
        }
    }

    // ---- rate limits and server errors ----------------------------------------------------------------------------

    @Test
    void openAiRateLimitIs429RateLimitExceededWithRetryAfterInWholeSeconds() throws Exception {
        openai.enqueue(FakeOpenAi.rateLimited(Duration.ofSeconds(2)), FakeOpenAi.rateLimited(Duration.ofMillis(1200)));
        Raw r = openAi("gpt-4o", false);
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.header("retry-after")).isEqualTo("2");
        assertThat(r.header("x-ratelimit-remaining-requests")).isEqualTo("0");
        JsonNode error = r.json().path("error");
        assertThat(error.path("type").asText()).isEqualTo("requests");
        assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error.has("param") && error.path("param").isNull()).isTrue();
        assertThat(error.path("message").asText()).startsWith("Rate limit reached for ").contains("Please try again in 2s.");
        assertThat(openAi("gpt-4o", false).header("retry-after")).as("rounded up").isEqualTo("2");
    }

    @Test
    void anthropicRateLimitAndAzureRateLimitCarryRetryAfter() throws Exception {
        anthropic.enqueue(FakeAnthropic.rateLimited(Duration.ofSeconds(3)));
        Raw a = anthropic(false);
        assertThat(a.status()).isEqualTo(429);
        assertThat(a.header("retry-after")).isEqualTo("3");
        assertThat(a.json().path("error").path("type").asText()).isEqualTo("rate_limit_error");

        azure.enqueue(FakeAzureOpenAi.rateLimited(Duration.ofMillis(1500)));
        Raw z = azure("d1", false);
        assertThat(z.status()).isEqualTo(429);
        assertThat(z.header("retry-after")).isEqualTo("2");
        assertThat(z.header("retry-after-ms")).isEqualTo("1500");
        assertThat(z.json().path("error").path("code").asText()).isEqualTo("429");
    }

    @Test
    void serverErrorsAre500And503InOpenAiShapeAnd529OverloadedInAnthropicShape() throws Exception {
        openai.enqueue(FakeOpenAi.serverError(), FakeOpenAi.overloaded());
        Raw five = openAi("gpt-4o", false);
        assertThat(five.status()).isEqualTo(500);
        assertThat(five.json().path("error").path("type").asText()).isEqualTo("server_error");
        Raw three = openAi("gpt-4o", true);
        assertThat(three.status()).as("an error before the stream: no event stream at all").isEqualTo(503);
        assertThat(three.header("content-type")).isEqualTo("application/json");
        assertThat(three.json().path("error").path("message").asText()).contains("overloaded");

        anthropic.enqueue(FakeAnthropic.overloaded());
        Raw overloaded = anthropic(true);
        assertThat(overloaded.status()).isEqualTo(529);
        JsonNode body = overloaded.json();
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).isEqualTo("overloaded_error");
        assertThat(body.path("error").path("message").asText()).isEqualTo("Overloaded");
        assertThat(body.path("request_id").asText()).isEqualTo(overloaded.header("request-id")).startsWith("req_");
    }

    // ---- hangs ----------------------------------------------------------------------------------------------------

    @Test
    void aHangSendsNoStatusLineUntilTheClientGoesAway() throws Exception {
        for (boolean stream : new boolean[] {false, true}) {
            openai.reset();
            openai.enqueue(Reply.hang());
            try (Socket s = send(openai, "/v1/chat/completions", Map.of("authorization", "Bearer " + KEY),
                    "{\"model\":\"gpt-4o\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
                Raw r = read(s, Duration.ofMillis(300));
                assertThat(r.head()).as("stream=%s: not a byte", stream).isEmpty();
                assertThat(r.closedByServer()).isFalse();
                assertThat(openai.requests()).hasSize(1);
            }
            // the answer was still pending when the client left: the fake saw it go
            openai.clientDisconnected().get(10, TimeUnit.SECONDS);
            assertThat(openai.disconnects()).isEqualTo(1);
        }
    }

    @Test
    void hangBeforeContentSendsTheLeadInEventsThenStaysOpen() throws Exception {
        openai.enqueue(Reply.text("never said").hangBeforeContent());
        try (Socket s = send(openai, "/v1/chat/completions", Map.of("authorization", "Bearer " + KEY),
                "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
            Raw r = read(s, Duration.ofMillis(500));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.closedByServer()).isFalse();
            assertThat(r.dataEvents()).hasSize(1);
            assertThat(FakeUpstream.JSON.readTree(r.dataEvents().get(0)).path("choices").get(0).path("delta").path("role")
                    .asText()).isEqualTo("assistant");
        }
        openai.clientDisconnected().get(10, TimeUnit.SECONDS);

        anthropic.enqueue(Reply.text("never said").hangBeforeContent());
        try (Socket s = anthropicSocket(true)) {
            Raw r = read(s, Duration.ofMillis(500));
            assertThat(r.eventTypes()).containsExactly("message_start", "content_block_start", "ping");
            assertThat(r.closedByServer()).isFalse();
        }
        anthropic.clientDisconnected().get(10, TimeUnit.SECONDS);
    }

    // ---- streams that fail before any content ---------------------------------------------------------------------

    @Test
    void openAiStreamCutBeforeContentHasOnlyTheRoleChunkAndNoEnd() throws Exception {
        openai.enqueue(Reply.text("never said").cutBeforeContent());
        Raw r = openAi("gpt-4o", true);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).startsWith("text/event-stream");
        assertThat(r.closedByServer()).isTrue();
        assertThat(r.dataEvents()).hasSize(1);
        JsonNode delta = FakeUpstream.JSON.readTree(r.dataEvents().get(0)).path("choices").get(0).path("delta");
        assertThat(delta.path("role").asText()).isEqualTo("assistant");
        assertThat(delta.path("content").asText()).isEmpty();
        assertThat(r.body()).doesNotContain("[DONE]").doesNotContain("never");
        assertThat(openai.disconnects()).as("the fake closed it, the client did not leave").isZero();
    }

    @Test
    void azureStreamCutBeforeContentHasTheFilterAndRoleChunks() throws Exception {
        azure.enqueue(Reply.text("never said").cutBeforeContent());
        Raw r = azure("d1", true);
        assertThat(r.closedByServer()).isTrue();
        assertThat(r.dataEvents()).hasSize(2);
        assertThat(FakeUpstream.JSON.readTree(r.dataEvents().get(0)).path("prompt_filter_results").isArray()).isTrue();
        assertThat(FakeUpstream.JSON.readTree(r.dataEvents().get(1)).path("choices").get(0).path("delta").path("role")
                .asText()).isEqualTo("assistant");
        assertThat(r.body()).doesNotContain("[DONE]").doesNotContain("never");
    }

    @Test
    void anthropicStreamCutBeforeContentStopsAfterMessageStartBlockStartAndPing() throws Exception {
        anthropic.enqueue(Reply.text("never said").cutBeforeContent());
        Raw r = anthropic(true);
        assertThat(r.closedByServer()).isTrue();
        assertThat(r.eventTypes()).containsExactly("message_start", "content_block_start", "ping");
        assertThat(r.body()).doesNotContain("never");
    }

    @Test
    void theOpenAiSdkSeesAStreamCutAfterContentAsAnErrorWhileIterating() {
        // what the end-to-end suite relies on: a truncated stream is an exception in the client, not a quiet end
        openai.enqueue(Reply.text("one two three four").cutAfter(3));
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(openai.baseUrl()).apiKey(KEY).maxRetries(0).build();
        StringBuilder text = new StringBuilder();
        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                    ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("count").build())) {
                Iterator<ChatCompletionChunk> it = s.stream().iterator();
                while (it.hasNext()) {
                    it.next().choices().forEach(c -> c.delta().content().ifPresent(text::append));
                }
            }
        }).isInstanceOf(RuntimeException.class);
        assertThat(text.toString()).isEqualTo("one two ");
    }

    // ---- context too long and content policy ----------------------------------------------------------------------

    @Test
    void contextTooLongInEachProvidersWords() throws Exception {
        openai.enqueue(Reply.contextTooLong());
        Raw o = openAi("gpt-4o", false);
        assertThat(o.status()).isEqualTo(400);
        assertThat(o.json().path("error").path("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(o.json().path("error").path("message").asText()).startsWith("This model's maximum context length is");

        anthropic.enqueue(Reply.contextTooLong());
        Raw a = anthropic(false);
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(a.json().path("error").path("message").asText()).startsWith("prompt is too long: ");
    }

    @Test
    void openAiContentPolicyIs400ContentPolicyViolation() throws Exception {
        openai.enqueue(Reply.contentPolicy(), Reply.contentPolicy());
        for (boolean stream : new boolean[] {false, true}) {
            Raw r = openAi("gpt-4o", stream);
            assertThat(r.status()).isEqualTo(400);
            JsonNode error = r.json().path("error");
            assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(error.path("code").asText()).isEqualTo("content_policy_violation");
            assertThat(error.has("param") && error.path("param").isNull()).isTrue();
            assertThat(error.path("message").asText()).startsWith("Your request was rejected as a result of our safety system.");
        }
        openai.enqueue(Reply.contentPolicy());
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(openai.baseUrl()).apiKey(KEY).maxRetries(0).build();
        assertThatThrownBy(() -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("x").build()))
                .isInstanceOfSatisfying(BadRequestException.class, e ->
                        assertThat(e.code()).hasValue("content_policy_violation"));
    }

    @Test
    void azureContentPolicyIs400ContentFilterWithTheVerdict() throws Exception {
        azure.enqueue(Reply.contentPolicy());
        Raw r = azure("d1", false);
        assertThat(r.status()).isEqualTo(400);
        JsonNode error = r.json().path("error");
        assertThat(error.path("code").asText()).isEqualTo("content_filter");
        assertThat(error.path("param").asText()).isEqualTo("prompt");
        assertThat(error.path("type").isNull()).isTrue();
        assertThat(error.path("status").asInt()).isEqualTo(400);
        assertThat(error.path("message").asText()).startsWith("The response was filtered due to the prompt triggering "
                + "Azure OpenAI's content management policy.");
        assertThat(error.path("innererror").path("code").asText()).isEqualTo("ResponsibleAIPolicyViolation");
        assertThat(error.path("innererror").path("content_filter_result").path("violence").path("filtered").asBoolean())
                .isTrue();
    }

    @Test
    void anthropicContentPolicyIsA200RefusalInBothForms() throws Exception {
        anthropic.enqueue(Reply.contentPolicy(), Reply.contentPolicy());
        Raw plain = anthropic(false);
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.json().path("stop_reason").asText()).isEqualTo("refusal");
        assertThat(plain.json().path("content").get(0).path("text").asText()).isEmpty();

        Raw stream = anthropic(true);
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.eventTypes()).endsWith("message_delta", "message_stop").doesNotContain("content_block_delta");
        assertThat(stream.body()).contains("\"stop_reason\":\"refusal\"");
    }

    // ---- one fake, several deployments ----------------------------------------------------------------------------

    @Test
    void eachDeploymentOfOneFakeHasItsOwnScriptBehaviourAndRecord() throws Exception {
        openai.enqueueFor("gpt-4o-east", FakeOpenAi.serverError());
        openai.behaviourFor("gpt-4o-west", FakeOpenAi.rateLimited(Duration.ofSeconds(1)));
        openai.enqueue(Reply.text("from the shared script"));

        assertThat(openAi("gpt-4o-west", false).status()).isEqualTo(429);
        assertThat(openAi("gpt-4o-east", false).status()).isEqualTo(500);
        Raw east = openAi("gpt-4o-east", false);
        assertThat(east.status()).as("its own script is spent: the shared one answers").isEqualTo(200);
        assertThat(east.body()).contains("from the shared script");
        assertThat(openAi("gpt-4o-west", false).status()).as("a standing behaviour").isEqualTo(429);
        assertThat(openAi("gpt-4o-north", false).body()).contains(FakeOpenAi.DEFAULT_TEXT);

        assertThat(openai.requestsFor("gpt-4o-west")).hasSize(2);
        assertThat(openai.requestsFor("gpt-4o-east")).hasSize(2);
        assertThat(openai.requestsFor("gpt-4o-south")).isEmpty();
        openai.reset();
        assertThat(openAi("gpt-4o-west", false).status()).as("reset forgets per-deployment behaviours").isEqualTo(200);
    }

    @Test
    void azureDeploymentsAreToldApartByTheirPath() throws Exception {
        azure.enqueueFor("eu", Reply.hang());
        azure.enqueueFor("us", Reply.contentPolicy());
        assertThat(azure("us", false).status()).isEqualTo(400);
        try (Socket s = azureSocket("eu", false)) {
            assertThat(read(s, Duration.ofMillis(200)).head()).isEmpty();
        }
        azure.clientDisconnected().get(10, TimeUnit.SECONDS);
        assertThat(azure("eu", false).status()).isEqualTo(200);
        assertThat(azure.requestsFor("eu")).hasSize(2);
        assertThat(azure.requestsFor("us")).hasSize(1);
    }
}
