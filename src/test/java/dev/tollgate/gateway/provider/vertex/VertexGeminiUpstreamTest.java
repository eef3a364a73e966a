package dev.tollgate.gateway.provider.vertex;

import static dev.tollgate.gateway.provider.vertex.VertexTesting.chat;
import static dev.tollgate.gateway.provider.vertex.VertexTesting.hello;
import static dev.tollgate.gateway.provider.vertex.VertexTesting.model;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeVertex;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.HubUpstream;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.Served;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.google.GeminiAdapter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Gemini on Vertex AI as the gateway serves it ({@link Vertex#served} with the hub upstream Upstreams builds:
 * {@code new HubUpstream(client, new GeminiAdapter(VertexUrls::gemini, tokens, clock))}), against
 * {@link FakeVertex}'s Gemini routes on an event loop: chat and embeddings under Vertex's paths with a token from the
 * fake's token endpoint, and the errors only the gateway sees (several embedding inputs refused before Vertex).
 */
class VertexGeminiUpstreamTest {
    static final String GEMINI = "gemini-2.5-flash";
    static final String PREFIX = "/v1/projects/my-project-123/locations/us-east5/publishers/google/models/";

    private final Vertx vertx = Vertx.vertx();
    private final FakeVertex fake = FakeVertex.start(vertx);
    private final HttpClient client = vertx.createHttpClient();
    private final VertexTesting.MutableClock clock = new VertexTesting.MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final GoogleAccessTokens tokens = new GoogleAccessTokens(vertx, clock);
    private final Served served = Vertex.served((Supplier<HttpClient>) () -> client, tokens, clock,
            new HubUpstream((Supplier<HttpClient>) () -> client, new GeminiAdapter(VertexUrls::gemini, tokens, clock)));
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

    private Call embeddings(String model, ObjectNode body) {
        return new Call(model(model, fake.baseUrl()), key, Operation.EMBEDDINGS, JsonBody.of(body), new Cancellation());
    }

    @Test
    void aChatIsGenerateContentUnderVertexsPathWithAToken() throws Exception {
        fake.enqueue(Reply.text("Hello from Gemini on Vertex").usage(21, 6));
        JsonNode answer = onLoop(() -> served.hub().send(chat(model(GEMINI, fake.baseUrl()), key, hello(GEMINI))));

        assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo("Hello from Gemini on Vertex");
        assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(21);
        assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(6);
        RecordedRequest sent = fake.modelRequests().get(0);
        assertThat(sent.path()).isEqualTo(PREFIX + GEMINI + ":generateContent");
        assertThat(sent.header("authorization")).startsWith("Bearer ya29.fake-");
        assertThat(sent.header("x-goog-api-key")).isNull();
        assertThat(fake.tokensIssued()).isEqualTo(1);
    }

    @Test
    void oneEmbeddingInputIsEmbedContent() throws Exception {
        ObjectNode body = Json.object().put("model", "kit").put("input", "alpha").put("dimensions", 8);
        JsonNode answer = onLoop(() -> served.hub().send(embeddings("gemini-embedding-001", body)));

        assertThat(answer.path("object").asText()).isEqualTo("list");
        assertThat(answer.at("/data/0/embedding").size()).isEqualTo(8);
        RecordedRequest sent = fake.modelRequests().get(0);
        assertThat(sent.path()).isEqualTo(PREFIX + "gemini-embedding-001:embedContent");
        assertThat(sent.json().at("/content/parts/0/text").asText()).isEqualTo("alpha");
    }

    @Test
    void severalEmbeddingInputsAreRefusedBeforeVertex() throws Exception {
        ObjectNode body = Json.object().put("model", "kit");
        body.putArray("input").add("alpha").add("beta");
        try {
            onLoop(() -> served.hub().send(embeddings("gemini-embedding-001", body)));
            throw new AssertionError("the call succeeded");
        } catch (ExecutionException e) {
            // a translation refusal, which the gateway answers as 400 naming the parameter
            assertThat(e.getCause()).isInstanceOf(TranslationException.class);
            TranslationException t = (TranslationException) e.getCause();
            assertThat(t.httpStatus()).isEqualTo(400);
            assertThat(t.param()).isEqualTo("input");
        }
        assertThat(fake.modelRequests()).isEmpty();
    }
}
