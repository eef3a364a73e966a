package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.ext.web.RoutingContext;
import java.lang.reflect.Proxy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An answer cut short before the provider reported usage (its client left, or a stopping gateway's drain deadline
 * ended it) is charged by counting its tokens; those tokens reach the usage report along with the charge.
 */
class CutAnswerUsageTest {
    private static RequestContext cut(int status, boolean endedByDrain) {
        RoutingContext rc = (RoutingContext) Proxy.newProxyInstance(CutAnswerUsageTest.class.getClassLoader(),
                new Class<?>[] {RoutingContext.class}, (proxy, method, args) -> null);
        RequestContext ctx = new RequestContext(rc, "req-1", WireFormat.OPENAI, Operation.CHAT, null);
        ctx.key = new GatewayConfig.Key("ns/k", List.of(), List.of(), null, null, null, null, false, null);
        ctx.deployment = new GatewayConfig.Model("ns/m", "m", "openai", "gpt-4o-mini", null, null, null, null,
                new GatewayConfig.Prices(1_000_000L, 2_000_000L, null, null, "spec"), null, null, 1, 1_000, null,
                null, "reject", null);
        ObjectNode body = Json.object();
        body.put("model", "m").putArray("messages").addObject().put("role", "user").put("content", "hello world");
        ctx.body = JsonBody.of(body);
        ctx.answerText.append("the first words of a longer answer");
        ctx.status = status;
        ctx.endedByDrain = endedByDrain;
        return ctx;
    }

    private static dev.tollgate.config.UsageReport.Counters keyUsage(RequestContext ctx) {
        UsageRecorder recorder = new UsageRecorder();
        recorder.admit(ctx);
        recorder.complete(ctx);
        return recorder.report("v1").keys().get("ns/k");
    }

    @Test
    void aStreamLeftByItsClientReportsItsCountedTokens() {
        var k = keyUsage(cut(499, false));
        assertThat(k.inputTokens()).isPositive();
        assertThat(k.outputTokens()).isPositive();
        assertThat(k.spendMicros()).isPositive();
    }

    @Test
    void aRequestEndedByTheDrainBeforeItsAnswerStartedIsChargedForItsPrompt() {
        var k = keyUsage(cut(503, true)); // the client got 503 shutting_down; the upstream had the prompt
        assertThat(k.inputTokens()).isPositive();
        assertThat(k.spendMicros()).isPositive();
        assertThat(k.errors()).isEqualTo(1);
    }
}
