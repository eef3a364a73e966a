package dev.tollgate.gateway.provider.mock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mock provider behaves like a real one: bad input (which the gateway's own validation normally stops first)
 * is a 400 in OpenAI's shape naming the field, never an exception; good input is answered.
 */
class MockUpstreamTest {
    static final Vertx VERTX = Vertx.vertx();
    static final MockUpstream MOCK = new MockUpstream(VERTX);
    static final GatewayConfig.Model MODEL = new GatewayConfig.Model("default/m", "m", "mock", "m", null, null, null,
            null, null, null, null, 1, 30_000, null, null, "reject", new GatewayConfig.Mock(0, 0, 4, null));

    @AfterAll
    static void close() {
        VERTX.close();
    }

    static Call call(Operation op, String body) {
        return new Call(MODEL, null, op, JsonBody.of((ObjectNode) Json.parse(body)), new Cancellation());
    }

    static UpstreamException refused(Future<?> f) {
        assertThat(f.failed()).as("refused").isTrue();
        assertThat(f.cause()).isInstanceOf(UpstreamException.class);
        UpstreamException e = (UpstreamException) f.cause();
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().openAiType()).isEqualTo("invalid_request_error");
        return e;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "CHAT| {\"model\":\"m\",\"messages\":\"x\"}| messages",
        "CHAT| {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":\"many\"}| max_tokens",
        "CHAT| {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":-5}| max_tokens",
        "CHAT| {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":{\"a\":1}}]}| messages[0].content",
        "CHAT| {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":-1}| n",
        "CHAT| {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":{}}| stop",
        "CHAT| {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\"}],\"tool_choice\":\"required\"}| tools[0].function",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":{}}| prompt",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":\"p\",\"max_tokens\":-5}| max_tokens",
        "EMBEDDINGS| {\"model\":\"m\",\"input\":\"a\",\"dimensions\":-3}| dimensions",
        "EMBEDDINGS| {\"model\":\"m\",\"input\":\"a\",\"dimensions\":2000000000}| dimensions",
        "IMAGES| {\"model\":\"m\",\"prompt\":\"p\",\"n\":-4}| n",
    })
    void badInputIsA400NamingTheField(Operation op, String body, String param) {
        UpstreamException e = refused(MOCK.send(call(op, body.strip())));
        assertThat(e.error().param()).isEqualTo(param.strip());
    }

    @Test
    void aBadStreamedRequestIsA400Too() {
        StreamSink sink = new StreamSink() {
            @Override
            public void onEvent(String event, JsonNode data, String raw) {
            }

            @Override
            public boolean full() {
                return false;
            }

            @Override
            public void onDrain(Runnable resume) {
            }
        };
        UpstreamException e = refused(MOCK.stream(call(Operation.CHAT,
                "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":-5}"), sink));
        assertThat(e.error().param()).isEqualTo("max_tokens");
    }

    @Test
    void goodInputIsAnswered() {
        Future<JsonNode> f = MOCK.send(call(Operation.CHAT,
                "{\"model\":\"m\",\"messages\":[{\"content\":\"one two three\",\"role\":\"user\"}],\"max_tokens\":2}"));
        assertThat(f.succeeded()).isTrue();
        assertThat(f.result().at("/choices/0/message/content").asText()).isEqualTo("one two");
        assertThat(f.result().at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(MOCK.send(call(Operation.EMBEDDINGS, "{\"model\":\"m\",\"input\":[\"a\",\"b\"],\"dimensions\":3}"))
                .result().at("/data/1/embedding").size()).isEqualTo(3);
    }
}
