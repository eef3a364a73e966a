package dev.tollgate.gateway.observe.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.SinkTarget;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the prompt and the answer are read from a record, and the shared bits (URL, headers, times). */
class SinkPartsTest {

    static CallRecord with(CallRecord r, String operation, boolean stream, String request, String answer) {
        return new CallRecord(r.requestId(), r.traceId(), r.spanId(), r.parentSpanId(), r.sampled(),
                r.startEpochNanos(), r.endEpochNanos(), r.firstTokenNanos(), operation, r.path(), r.ingress(),
                r.keyId(), r.keyNamespace(), r.keyAttributes(), r.budgets(), r.requestedModel(), r.model(),
                r.deploymentId(), r.provider(), r.upstreamModel(), r.responseModel(), r.responseId(), r.serverAddress(),
                r.serverPort(), stream, r.requestParams(), r.status(), r.errorType(), r.errorMessage(), r.inputTokens(),
                r.outputTokens(), r.cachedInputTokens(), r.cacheWriteTokens(), r.costMicros(), r.cacheStatus(),
                r.finishReasons(), r.attempts(), request == null ? null : Json.parse(request), answer);
    }

    @Test
    void anAnthropicRequestsSystemComesFirstAndTextBlocksAreJoined() {
        CallRecord r = with(SinkSamples.success(), "chat", false,
                "{\"model\":\"claude\",\"system\":[{\"type\":\"text\",\"text\":\"Be brief.\"}],\"messages\":["
                        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
                        + "{\"type\":\"image\",\"source\":{}},{\"type\":\"text\",\"text\":\"b\"}]}]}",
                "{\"id\":\"msg_1\",\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"Sure.\"}]}");

        assertThat(SinkParts.prompt(r)).containsExactly(new SinkParts.Message("system", "Be brief."),
                new SinkParts.Message("user", "a\nb"));
        assertThat(SinkParts.answer(r)).isEqualTo("Sure.");
    }

    @Test
    void aStreamsAnswerIsItsAssembledContentEvenWhenItLooksLikeJson() {
        CallRecord r = with(SinkSamples.success(), "chat", true, SinkSamples.REQUEST_BODY, "{\"content\":\"x\"}");
        assertThat(SinkParts.answer(r)).isEqualTo("{\"content\":\"x\"}");
    }

    @Test
    void aJsonAnswersMessageContentIsTheAnswerAndAnotherBodyStaysAsItCame() {
        CallRecord chat = with(SinkSamples.success(), "chat", false, SinkSamples.REQUEST_BODY, SinkSamples.ANSWER_BODY);
        assertThat(SinkParts.answer(chat)).isEqualTo("4");
        CallRecord other = with(SinkSamples.success(), "rerank", false, "{\"query\":\"q\"}", "{\"results\":[]}");
        assertThat(SinkParts.answer(other)).isEqualTo("{\"results\":[]}");
        CallRecord text = with(SinkSamples.success(), "chat", false, SinkSamples.REQUEST_BODY, "plain");
        assertThat(SinkParts.answer(text)).isEqualTo("plain");
    }

    @Test
    void embeddingsLogTheirInputButNoVectors() {
        CallRecord r = with(SinkSamples.success(), "embeddings", false, "{\"model\":\"e\",\"input\":[\"one\",\"two\"]}",
                "{\"object\":\"list\",\"data\":[{\"embedding\":[0.1,0.2]}]}");
        assertThat(SinkParts.prompt(r)).containsExactly(new SinkParts.Message("user", "one\ntwo"));
        assertThat(SinkParts.answer(r)).isNull();
    }

    @Test
    void withErrorMessageChangesOnlyTheMessage() {
        CallRecord r = SinkSamples.success();
        assertThat(r.withErrorMessage(r.errorMessage())).isEqualTo(r);
        CallRecord changed = r.withErrorMessage("masked");
        assertThat(changed.errorMessage()).isEqualTo("masked");
        assertThat(changed.withErrorMessage(r.errorMessage())).isEqualTo(r);
    }

    @Test
    void noContentNoMessages() {
        CallRecord r = SinkSamples.success().withoutContent();
        assertThat(SinkParts.prompt(r)).isEmpty();
        assertThat(SinkParts.answer(r)).isNull();
    }

    @Test
    void urlsHeadersAndTimes() {
        SinkTarget t = new SinkTarget("s", "lunary", "http://h:1//", Map.of(), Map.of("Content-Type", "text/plain",
                "x-a", "b"), false, "gw");
        assertThat(SinkParts.url(t, "/v1/x")).isEqualTo("http://h:1/v1/x");
        // one join for every format: Langfuse's and the OTLP signal paths too
        SinkTarget lf = new SinkTarget("s", "langfuse", "http://h:1//", Map.of(), Map.of(), false, "gw");
        assertThat(new LangfuseFormat().encode(List.of(SinkSamples.success()), lf).get(0).url())
                .isEqualTo("http://h:1/api/public/ingestion");
        assertThat(dev.tollgate.gateway.observe.GenAiSpans.signalUrl("http://c:4318//", "/v1/metrics"))
                .isEqualTo("http://c:4318/v1/metrics");
        assertThat(dev.tollgate.gateway.observe.SinkUrls.join("http://c:4318/v1/traces/", "/v1/traces"))
                .isEqualTo("http://c:4318/v1/traces");
        Map<String, String> headers = dev.tollgate.gateway.observe.Headers.merge(t.headers(), Map.of(),
                Map.of("content-type", "application/json"));
        assertThat(SinkSamples.lower(headers)).containsEntry("content-type", "application/json").containsEntry("x-a", "b")
                .hasSize(2);
        assertThat(SinkParts.iso(SinkSamples.START)).isEqualTo(SinkSamples.START_ISO);
        assertThat(SinkParts.attributeTags(SinkSamples.success())).isEqualTo(List.of("cost-center:cc-42", "team:payments"));
    }
}
