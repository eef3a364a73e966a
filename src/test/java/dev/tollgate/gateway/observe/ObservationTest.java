package dev.tollgate.gateway.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The trace context of an observed request: W3C traceparent parsing (https://www.w3.org/TR/trace-context/#traceparent-header),
 * the parent-based and ratio sampling decisions, and the ids made for new traces and spans.
 */
class ObservationTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String SPAN = "00f067aa0ba902b7";

    @Test
    void aValidTraceparentIsContinuedWithItsSampledFlag() {
        Observation sampled = new Observation(null, "00-" + TRACE + "-" + SPAN + "-01", true, 0.0);
        assertThat(sampled.traceId()).isEqualTo(TRACE);
        assertThat(sampled.parentSpanId).isEqualTo(SPAN);
        assertThat(sampled.sampled()).as("the caller sampled it: the ratio does not matter").isTrue();
        assertThat(sampled.spanId()).matches("[0-9a-f]{16}").isNotEqualTo(SPAN);

        Observation notSampled = new Observation(null, "00-" + TRACE + "-" + SPAN + "-00", true, 1.0);
        assertThat(notSampled.sampled()).as("the caller did not sample it").isFalse();
        assertThat(notSampled.traceId()).isEqualTo(TRACE);
    }

    @Test
    void withoutTracingNothingIsSampledButTheCallersTraceIdIsKeptForTheSinks() {
        Observation o = new Observation(null, "00-" + TRACE + "-" + SPAN + "-01", false, 1.0);
        assertThat(o.sampled()).isFalse();
        assertThat(o.traceId()).isEqualTo(TRACE);
    }

    @Test
    void malformedTraceparentsStartANewTrace() {
        for (String bad : List.of("", "garbage", "00-" + TRACE + "-" + SPAN, "00-" + TRACE.toUpperCase() + "-" + SPAN + "-01",
                "00-00000000000000000000000000000000-" + SPAN + "-01", "00-" + TRACE + "-0000000000000000-01",
                "ff-" + TRACE + "-" + SPAN + "-01", "00-" + TRACE + "-" + SPAN + "-01-extra", "0x-" + TRACE + "-" + SPAN + "-01",
                "00_" + TRACE + "-" + SPAN + "-01")) {
            assertThat(Observation.parse(bad)).as(bad).isNull();
            Observation o = new Observation(null, bad, true, 1.0);
            assertThat(o.traceId()).as(bad).matches("[0-9a-f]{32}").isNotEqualTo(TRACE);
            assertThat(o.parentSpanId).isNull();
        }
        // a later version's header is read by its first four fields
        assertThat(Observation.parse("01-" + TRACE + "-" + SPAN + "-01-future")).containsExactly(TRACE, SPAN, "01");
        assertThat(Observation.parse(" 00-" + TRACE + "-" + SPAN + "-01 ")).containsExactly(TRACE, SPAN, "01");
    }

    @Test
    void theRatioDecidesOnTheTraceIdsLowerHalfLikeOpenTelemetrysSampler() {
        assertThat(Observation.sampledByRatio(TRACE, 1.0)).isTrue();
        assertThat(Observation.sampledByRatio(TRACE, 0.0)).isFalse();
        // lower 64 bits 0x0000000000000001: sampled at any ratio above 0
        assertThat(Observation.sampledByRatio("ffffffffffffffff0000000000000001", 0.000001)).isTrue();
        // lower 64 bits 0x7fffffffffffffff: sampled only at 1
        assertThat(Observation.sampledByRatio("00000000000000007fffffffffffffff", 0.999999)).isFalse();
        // over many random traces, the share sampled is close to the ratio
        int sampled = 0;
        for (int i = 0; i < 20_000; i++) {
            if (Observation.sampledByRatio(Observation.newTraceId(), 0.25)) {
                sampled++;
            }
        }
        assertThat(sampled).isBetween(4_500, 5_500);
    }

    @Test
    void newIdsAreLowerCaseHexOfTheRightLengthAndNeverZero() {
        for (int i = 0; i < 1_000; i++) {
            assertThat(Observation.newTraceId()).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
            assertThat(Observation.newSpanId()).matches("[0-9a-f]{16}").isNotEqualTo("0".repeat(16));
        }
    }

    @Test
    void operationsAreNamedAsTheGenAiConventionsNameThem() {
        assertThat(Observation.operation(dev.tollgate.gateway.provider.Operation.CHAT)).isEqualTo("chat");
        assertThat(Observation.operation(dev.tollgate.gateway.provider.Operation.COMPLETIONS)).isEqualTo("text_completion");
        assertThat(Observation.operation(dev.tollgate.gateway.provider.Operation.EMBEDDINGS)).isEqualTo("embeddings");
    }

    @Test
    void anAnswersIdModelAndFinishReasonsAreReadWithoutItsTree() throws Exception {
        Observation o = new Observation(null, null, false, 1.0);
        o.read(io.vertx.core.buffer.Buffer.buffer("""
                {"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-2024-08-06",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"a","finish_reason":"not this"},
                             "finish_reason":"stop"},
                            {"index":1,"message":{"role":"assistant","content":"b"},"finish_reason":"length"}],
                 "usage":{"prompt_tokens":1,"completion_tokens":2}}"""));
        assertThat(field(o, "responseId")).isEqualTo("chatcmpl-1");
        assertThat(field(o, "responseModel")).isEqualTo("gpt-4o-2024-08-06");
        assertThat(field(o, "finishReasons")).isEqualTo(List.of("stop", "length"));

        Observation anthropic = new Observation(null, null, false, 1.0);
        anthropic.read(io.vertx.core.buffer.Buffer.buffer("""
                {"id":"msg_1","type":"message","model":"claude-sonnet-4-5","content":[{"type":"text","text":"x"}],
                 "stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}"""));
        assertThat(field(anthropic, "responseId")).isEqualTo("msg_1");
        assertThat(field(anthropic, "finishReasons")).isEqualTo(List.of("end_turn"));

        Observation broken = new Observation(null, null, false, 1.0);
        broken.read(io.vertx.core.buffer.Buffer.buffer("{\"id\":\"x\",\"choices\":[{\"finish_reason\":"));
        assertThat(field(broken, "finishReasons")).isNull();
    }

    @Test
    void contentIsCutAtItsBoundAndSaysSo() {
        assertThat(Observation.capped("short", 5)).isEqualTo("short");
        String big = "x".repeat(Observation.MAX_CONTENT + 10);
        assertThat(Observation.capped(big, big.length())).hasSize(Observation.MAX_CONTENT + ("…[" + big.length()
                + " in all: cut]").length()).endsWith("in all: cut]");
    }

    static Object field(Object o, String name) throws Exception {
        java.lang.reflect.Field f = Observation.class.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }
}
