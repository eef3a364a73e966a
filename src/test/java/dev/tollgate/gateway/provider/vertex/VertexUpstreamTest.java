package dev.tollgate.gateway.provider.vertex;

import static dev.tollgate.gateway.provider.vertex.VertexTesting.chat;
import static dev.tollgate.gateway.provider.vertex.VertexTesting.hello;
import static dev.tollgate.gateway.provider.vertex.VertexTesting.model;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeVertex;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Served;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.Upstream;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * What {@link Vertex#served} gives the gateway, driven against {@link FakeVertex} on an event loop: Claude through
 * the hub (HubUpstream + {@link VertexAnthropicAdapter}), Claude relayed to Anthropic clients, and the OpenAI-compatible
 * endpoint, each behind a token from the fake's token endpoint.
 */
class VertexUpstreamTest {
    static final String CLAUDE = "claude-sonnet-4@20250514";
    static final String LLAMA = "meta/llama-3.3-70b-instruct-maas";

    private final Vertx vertx = Vertx.vertx();
    private final FakeVertex fake = FakeVertex.start(vertx);
    private final HttpClient client = vertx.createHttpClient();
    private final VertexTesting.MutableClock clock = new VertexTesting.MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final GoogleAccessTokens tokens = new GoogleAccessTokens(vertx, clock);
    private final Served served = Vertex.served((Supplier<HttpClient>) () -> client, tokens, clock, null);
    private final String key = fake.serviceAccountKeyJson();

    @AfterEach
    void close() {
        fake.close();
        vertx.close();
    }

    private <T> T onLoop(Supplier<Future<T>> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        vertx.runOnContext(v -> action.get().onComplete(ar -> {
            if (ar.succeeded()) {
                result.complete(ar.result());
            } else {
                result.completeExceptionally(ar.cause());
            }
        }));
        return result.get(20, TimeUnit.SECONDS);
    }

    private UpstreamException failure(Supplier<Future<?>> action) throws Exception {
        try {
            onLoop(() -> action.get().map(x -> (Object) x));
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(UpstreamException.class);
            return (UpstreamException) e.getCause();
        }
        throw new AssertionError("the call succeeded");
    }

    /** Collects a stream's events (their data). */
    static final class Collected implements StreamSink {
        final List<String> events = new ArrayList<>();
        final List<JsonNode> data = new ArrayList<>();

        @Override
        public void onEvent(String event, JsonNode d, String raw) {
            events.add(event);
            data.add(d);
        }

        @Override
        public boolean full() {
            return false;
        }

        @Override
        public void onDrain(Runnable resume) {
            resume.run();
        }

        String text() {
            StringBuilder s = new StringBuilder();
            for (JsonNode d : data) {
                for (JsonNode c : d.path("choices")) {
                    s.append(c.path("delta").path("content").asText(""));
                }
            }
            return s.toString();
        }

        JsonNode usage() {
            return data.stream().filter(d -> d.path("usage").isObject()).reduce((a, b) -> b).map(d -> d.get("usage"))
                    .orElse(null);
        }
    }

    private Call claude(ObjectNode body) {
        return chat(model(CLAUDE, fake.baseUrl()), key, body);
    }

    @Nested
    class ClaudeThroughTheHub {
        @Test
        void aPlainAnswerIsTranslatedFromRawPredictWithVertexsBodyAndAToken() throws Exception {
            fake.enqueue(Reply.text("Hello from Claude on Vertex").usage(21, 6));
            JsonNode answer = onLoop(() -> served.hub().send(claude(hello(CLAUDE))));
            assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
            assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo("Hello from Claude on Vertex");
            assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
            assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(21);
            assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(6);

            RecordedRequest sent = fake.modelRequests().get(0);
            assertThat(sent.path()).isEqualTo("/v1/projects/my-project-123/locations/us-east5/publishers/anthropic/models/"
                    + CLAUDE + ":rawPredict");
            assertThat(sent.json().has("model")).isFalse();
            assertThat(sent.json().path("anthropic_version").asText()).isEqualTo("vertex-2023-10-16");
            assertThat(sent.json().has("stream")).isFalse();
            assertThat(sent.header("authorization")).startsWith("Bearer ya29.fake-");
            assertThat(sent.header("anthropic-version")).isNull();
        }

        @Test
        void aStreamCarriesTheSameTextAndUsageFromStreamRawPredict() throws Exception {
            fake.enqueue(Reply.text("one two three four").usage(30, 4).chunks(3));
            ObjectNode body = hello(CLAUDE).put("stream", true);
            Collected sink = new Collected();
            onLoop(() -> served.hub().stream(claude(body), sink));
            assertThat(sink.text()).isEqualTo("one two three four");
            assertThat(sink.usage().path("prompt_tokens").asInt()).isEqualTo(30);
            assertThat(sink.usage().path("completion_tokens").asInt()).isEqualTo(4);
            RecordedRequest sent = fake.modelRequests().get(0);
            assertThat(sent.pathParam("method")).isEqualTo("streamRawPredict");
            assertThat(sent.json().path("stream").asBoolean()).isTrue();
            assertThat(fake.tokensIssued()).isEqualTo(1);
        }

        @Test
        void toolCallsComeBackAsOpenAiToolCalls() throws Exception {
            fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("toolu_1", "get_weather", "{\"city\":\"Paris\"}")));
            JsonNode answer = onLoop(() -> served.hub().send(claude(hello(CLAUDE))));
            assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
            assertThat(answer.at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
            assertThat(Json.parse(answer.at("/choices/0/message/tool_calls/0/function/arguments").asText().getBytes())
                    .path("city").asText()).isEqualTo("Paris");
        }

        @Test
        void aRefusalIsContentFilterNotAnError() throws Exception {
            fake.enqueue(Reply.text("I can't help with that.").finishReason("content_filter"));
            JsonNode answer = onLoop(() -> served.hub().send(claude(hello(CLAUDE))));
            assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
        }

        @Test
        void aCutStreamFailsNeverEndsCleanly() throws Exception {
            fake.enqueue(Reply.text("never finished here").cutAfter(3));
            UpstreamException e = failure(() -> served.hub().stream(claude(hello(CLAUDE).put("stream", true)),
                    new Collected()));
            assertThat(e.error().code()).isEqualTo("upstream_stream_cut");
        }

        @Test
        void quotaExhaustedIs429WithRetryInfosDelayAsRetryAfter() throws Exception {
            fake.enqueue(Reply.error(429, "rate_limit_error", "Quota exceeded").header("retry-after", "7"));
            UpstreamException e = failure(() -> served.hub().send(claude(hello(CLAUDE))));
            assertThat(e.error().httpStatus()).isEqualTo(429);
            assertThat(e.retryAfter()).isEqualTo("7");
            assertThat(fake.modelRequests().get(0).path()).endsWith(":rawPredict");
        }

        @Test
        void refusedCredentialsAre502AndAContextOverflowIs400ContextLengthExceeded() throws Exception {
            fake.enqueue(Reply.error(403, "permission_error", "denied"));
            UpstreamException denied = failure(() -> served.hub().send(claude(hello(CLAUDE))));
            assertThat(denied.error().httpStatus()).isEqualTo(502);
            assertThat(denied.error().openAiType()).isEqualTo("upstream_auth_error");

            fake.enqueue(Reply.contextTooLong());
            UpstreamException tooLong = failure(() -> served.hub().send(claude(hello(CLAUDE))));
            assertThat(tooLong.error().httpStatus()).isEqualTo(400);
            assertThat(tooLong.error().code()).isEqualTo("context_length_exceeded");
            assertThat(tooLong.error().param()).isEqualTo("messages");
        }

        @Test
        void aRevokedTokenIs502AndTheTokenEndpointIsNotAskedAgainWhileTheTokenLooksValid() throws Exception {
            onLoop(() -> served.hub().send(claude(hello(CLAUDE))));
            fake.revokeTokens();
            UpstreamException e = failure(() -> served.hub().send(claude(hello(CLAUDE))));
            assertThat(e.error().httpStatus()).isEqualTo(502);
            assertThat(e.error().openAiType()).isEqualTo("upstream_auth_error");
            assertThat(fake.tokensIssued()).isEqualTo(1);
        }
    }

    @Nested
    class ClaudeRelayedToAnthropicClients {
        @Test
        void onlyClaudeModelsAreRelayedOthersGoThroughTheHub() {
            assertThat(served.relayFor(WireFormat.ANTHROPIC, model(CLAUDE, null))).isNotNull();
            assertThat(served.relayFor(WireFormat.ANTHROPIC, model("gemini-2.5-flash", null))).isNull();
            assertThat(served.relayFor(WireFormat.ANTHROPIC, model(LLAMA, null))).isNull();
        }

        @Test
        void aMessagesRequestGoesOnWithoutModelWithAnthropicVersionAndItsAnswerAsItIs() throws Exception {
            Upstream relay = served.relayFor(WireFormat.ANTHROPIC, model(CLAUDE, null));
            fake.enqueue(Reply.text("relayed").usage(5, 1));
            ObjectNode body = hello(CLAUDE);
            JsonNode answer = onLoop(() -> relay.send(claude(body)));
            assertThat(answer.path("type").asText()).isEqualTo("message");
            assertThat(answer.at("/content/0/text").asText()).isEqualTo("relayed");
            RecordedRequest sent = fake.modelRequests().get(0);
            assertThat(sent.pathParam("method")).isEqualTo("rawPredict");
            assertThat(sent.json().has("model")).isFalse();
            assertThat(sent.json().path("anthropic_version").asText()).isEqualTo("vertex-2023-10-16");
            assertThat(body.path("model").asText()).isEqualTo(CLAUDE); // the client's request is left as it was
        }

        @Test
        void aStreamIsRelayedEventByEventToMessageStop() throws Exception {
            Upstream relay = served.relayFor(WireFormat.ANTHROPIC, model(CLAUDE, null));
            fake.enqueue(Reply.text("a b").usage(5, 2));
            Collected sink = new Collected();
            onLoop(() -> relay.stream(claude(hello(CLAUDE).put("stream", true)), sink));
            assertThat(sink.events).first().isEqualTo("message_start");
            assertThat(sink.events).last().isEqualTo("message_stop");
            assertThat(fake.modelRequests().get(0).pathParam("method")).isEqualTo("streamRawPredict");
        }
    }

    @Nested
    class OpenAiCompatibleEndpoint {
        private Call llama(ObjectNode body) {
            return chat(model(LLAMA, fake.baseUrl()), key, body);
        }

        @Test
        void aPlainAnswerIsRelayedAsTheEndpointSentIt() throws Exception {
            fake.enqueue(Reply.text("Llama says hi").usage(9, 3));
            io.vertx.core.buffer.Buffer raw = onLoop(() -> served.hub().sendRaw(llama(hello(LLAMA))));
            JsonNode answer = Json.parse(raw.getBytes());
            assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo("Llama says hi");
            assertThat(answer.at("/usage/total_tokens").asInt()).isEqualTo(12);
            RecordedRequest sent = fake.modelRequests().get(0);
            assertThat(sent.path()).isEqualTo("/v1/projects/my-project-123/locations/us-east5/endpoints/openapi/chat/completions");
            assertThat(sent.json().path("model").asText()).isEqualTo(LLAMA);
            assertThat(sent.header("authorization")).startsWith("Bearer ya29.fake-");
        }

        @Test
        void aStreamEndsWithDoneAndCarriesUsage() throws Exception {
            fake.enqueue(Reply.text("x y z").usage(4, 3));
            ObjectNode body = hello(LLAMA).put("stream", true);
            body.putObject("stream_options").put("include_usage", true);
            Collected sink = new Collected();
            onLoop(() -> served.hub().stream(llama(body), sink));
            assertThat(sink.text()).isEqualTo("x y z");
            assertThat(sink.usage().path("completion_tokens").asInt()).isEqualTo(3);
        }

        @Test
        void quotaRetryInfoBecomesRetryAfterAndAContextOverflowIsContextLengthExceeded() throws Exception {
            fake.enqueue(Reply.error(429, "rate_limit_error", "Quota exceeded").header("retry-after", "7"));
            UpstreamException limited = failure(() -> served.hub().sendRaw(llama(hello(LLAMA))));
            assertThat(limited.error().httpStatus()).isEqualTo(429);
            assertThat(limited.retryAfter()).isEqualTo("7");

            fake.enqueue(Reply.contextTooLong());
            UpstreamException tooLong = failure(() -> served.hub().sendRaw(llama(hello(LLAMA))));
            assertThat(tooLong.error().code()).isEqualTo("context_length_exceeded");
        }

        @Test
        void aCutStreamFails() throws Exception {
            fake.enqueue(Reply.text("a b c d").cutAfter(2));
            UpstreamException e = failure(() -> served.hub().stream(llama(hello(LLAMA).put("stream", true)),
                    new Collected()));
            assertThat(e.error().code()).isEqualTo("upstream_stream_cut");
        }
    }

    @Test
    void geminiModelsAre501UntilGeminiOnVertexIsWiredAndEmbeddingsOfClaudeAre400() throws Exception {
        GatewayConfig.Model gemini = model("gemini-2.5-flash", fake.baseUrl());
        UpstreamException e = failure(() -> served.hub().send(chat(gemini, key, hello("gemini-2.5-flash"))));
        assertThat(e.error().httpStatus()).isEqualTo(501);
        assertThat(e.error().code()).isEqualTo("provider_not_supported");

        Call embed = new Call(model(CLAUDE, fake.baseUrl()), key, dev.tollgate.gateway.provider.Operation.EMBEDDINGS,
                dev.tollgate.gateway.provider.JsonBody.of(Json.object().put("input", "x")),
                new dev.tollgate.gateway.provider.Cancellation());
        UpstreamException unsupported = failure(() -> served.hub().send(embed));
        assertThat(unsupported.error().httpStatus()).isEqualTo(400);
        assertThat(unsupported.error().code()).isEqualTo("unsupported_operation");
        assertThat(fake.modelRequests()).isEmpty();
    }
}
