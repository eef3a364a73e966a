package dev.tollgate.gateway.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.Served;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.Upstream;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Provider {@code bedrock} hands each operation to the upstream that serves it; unknown ones are not supported. */
class BedrockUpstreamTest {

    /** An upstream that records which operations reached it. */
    static final class Recording implements Upstream {
        final List<Operation> seen = new ArrayList<>();
        final Operation serves;

        Recording(Operation serves) {
            this.serves = serves;
        }

        @Override
        public WireFormat format() {
            return WireFormat.OPENAI;
        }

        @Override
        public boolean supports(Operation operation) {
            return operation == serves;
        }

        @Override
        public Future<JsonNode> send(Call call) {
            seen.add(call.operation());
            return Future.succeededFuture(Json.object().put("served", serves.name()));
        }

        @Override
        public Future<Void> stream(Call call, StreamSink sink) {
            seen.add(call.operation());
            return Future.succeededFuture();
        }
    }

    static Call call(Operation op) {
        GatewayConfig.Model model = new GatewayConfig.Model("ns/b", "b", "bedrock", "amazon.nova-pro-v1:0", null, null,
                "us-east-1", null, null, null, null, 1, 1000, null, null, "reject", null);
        return new Call(model, null, op, JsonBody.of(Json.object()), new Cancellation());
    }

    @Test
    void routesEachOperationToItsUpstream() {
        Recording chat = new Recording(Operation.CHAT);
        Recording embeddings = new Recording(Operation.EMBEDDINGS);
        BedrockUpstream bedrock = new BedrockUpstream(chat);
        assertThat(bedrock.supports(Operation.CHAT)).isTrue();
        assertThat(bedrock.supports(Operation.EMBEDDINGS)).isFalse();
        bedrock.with(Operation.EMBEDDINGS, embeddings);
        assertThat(bedrock.supports(Operation.EMBEDDINGS)).isTrue();
        assertThat(bedrock.supports(Operation.IMAGES)).isFalse();
        assertThat(bedrock.send(call(Operation.EMBEDDINGS)).result().path("served").asText()).isEqualTo("EMBEDDINGS");
        bedrock.stream(call(Operation.CHAT), null);
        assertThat(chat.seen).containsExactly(Operation.CHAT);
        assertThat(embeddings.seen).containsExactly(Operation.EMBEDDINGS);
        assertThat(bedrock.send(call(Operation.IMAGES)).failed()).isTrue();
        Served served = bedrock.served();
        assertThat(served.relayFor(WireFormat.ANTHROPIC)).isNull();
    }

    @Test
    void urlsEncodeTheModelIdAsOneSegment() {
        GatewayConfig.Model m = call(Operation.CHAT).model();
        assertThat(BedrockAdapter.url(m, "converse"))
                .isEqualTo("https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-pro-v1%3A0/converse");
        GatewayConfig.Model proxied = new GatewayConfig.Model("ns/b", "b", "bedrock",
                "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/abc123", "https://vpce.example/",
                null, "eu-west-1", null, null, null, null, 1, 1000, null, null, "reject", null);
        assertThat(BedrockAdapter.url(proxied, "converse-stream")).isEqualTo("https://vpce.example/model/"
                + "arn%3Aaws%3Abedrock%3Aeu-west-1%3A123456789012%3Aapplication-inference-profile%2Fabc123/converse-stream");
    }
}
