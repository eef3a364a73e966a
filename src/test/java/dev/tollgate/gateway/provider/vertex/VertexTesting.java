package dev.tollgate.gateway.provider.vertex;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** Models, calls and a clock the tests of this package share. */
final class VertexTesting {
    private VertexTesting() {}

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** A vertex model; {@code apiBase} is the fake's origin (null: Google's host for the location). */
    static GatewayConfig.Model model(String upstreamModel, String apiBase) {
        return new GatewayConfig.Model("team/" + upstreamModel.replace('/', '-').replace('@', '-'), "m", "vertex",
                upstreamModel, apiBase, null, "us-east5", "my-project-123", "team/vertex-key", null, null, null, 1,
                10_000, null, null, "reject", null);
    }

    static Call chat(GatewayConfig.Model model, String credential, ObjectNode body) {
        return new Call(model, credential, Operation.CHAT, JsonBody.of(body), new Cancellation());
    }

    static ObjectNode hello(String upstreamModel) {
        ObjectNode body = Json.object().put("model", upstreamModel).put("max_tokens", 64);
        body.putArray("messages").addObject().put("role", "user").put("content", "Hello?");
        return body;
    }
}
