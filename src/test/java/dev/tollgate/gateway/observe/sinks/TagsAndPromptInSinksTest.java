package dev.tollgate.gateway.observe.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.CallRecords;
import dev.tollgate.gateway.observe.GenAiSpans;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A request's tags and prompt version reach every callback format and the trace, where each tool looks for them. */
class TagsAndPromptInSinksTest {
    static final SinkTarget TARGET = new SinkTarget("gw-ns/gw/s", "webhook", "https://hooks.example/in", Map.of(),
            Map.of(), false, "gw-ns/gw");

    static CallRecord tagged() {
        CallRecord r = CallRecords.ok("req-t", "team-a");
        return new CallRecord(r.requestId(), r.traceId(), r.spanId(), r.parentSpanId(), r.sampled(), r.startEpochNanos(),
                r.endEpochNanos(), r.firstTokenNanos(), r.operation(), r.path(), r.ingress(), r.keyId(), r.keyNamespace(),
                r.keyAttributes(), List.of("team-a/monthly", "ai-platform/tag-checkout"), r.requestedModel(), r.model(),
                r.deploymentId(), r.provider(), r.upstreamModel(), r.responseModel(), r.responseId(), r.serverAddress(),
                r.serverPort(), r.stream(), r.requestParams(), r.status(), r.errorType(), r.errorMessage(),
                r.inputTokens(), r.outputTokens(), r.cachedInputTokens(), r.cacheWriteTokens(), r.costMicros(),
                r.cacheStatus(), r.finishReasons(), r.attempts(), r.request(), r.answer(),
                List.of("checkout", "experiment-b"), "team-a/support", 3);
    }

    static JsonNode only(List<SinkRequest> requests) throws Exception {
        assertThat(requests).hasSize(1);
        return Json.mapper().readTree(requests.get(0).body().getBytes());
    }

    @Test
    void theWebhookCarriesTagsAndThePromptAndNullWithout() throws Exception {
        JsonNode r = only(new WebhookFormat().encode(List.of(tagged()), TARGET)).path("records").get(0);
        assertThat(r.path("tags").toString()).isEqualTo("[\"checkout\",\"experiment-b\"]");
        assertThat(r.path("prompt").path("id").asText()).isEqualTo("team-a/support");
        assertThat(r.path("prompt").path("version").asInt()).isEqualTo(3);
        assertThat(r.path("budgets").toString()).contains("ai-platform/tag-checkout");
        JsonNode plain = only(new WebhookFormat().encode(List.of(CallRecords.ok("req-p", "team-a")), TARGET))
                .path("records").get(0);
        assertThat(plain.path("tags").isArray()).isTrue();
        assertThat(plain.path("tags").size()).isZero();
        assertThat(plain.path("prompt").isNull()).isTrue();
    }

    @Test
    void langfuseTagsTheTraceAndPutsThePromptInTheMetadata() throws Exception {
        JsonNode batch = only(new LangfuseFormat().encode(List.of(tagged()), TARGET)).path("batch");
        JsonNode trace = null;
        JsonNode generation = null;
        for (JsonNode e : batch) {
            if (e.path("type").asText().equals("trace-create")) {
                trace = e.path("body");
            } else if (e.path("type").asText().equals("generation-create")) {
                generation = e.path("body");
            }
        }
        assertThat(trace).isNotNull();
        assertThat(generation).isNotNull();
        List<String> tags = new ArrayList<>();
        trace.path("tags").forEach(t -> tags.add(t.asText()));
        assertThat(tags).containsExactly("tollgate", "team-a", "checkout", "experiment-b");
        assertThat(generation.path("metadata").path("prompt_id").asText()).isEqualTo("team-a/support");
        assertThat(generation.path("metadata").path("prompt_version").asInt()).isEqualTo(3);
        assertThat(generation.path("metadata").path("tags").toString()).isEqualTo("[\"checkout\",\"experiment-b\"]");
    }

    @Test
    void promptLayerListsTheRequestTagsFirstAndMetadataStrings() throws Exception {
        JsonNode body = only(new PromptLayerFormat().encode(List.of(tagged()), TARGET));
        assertThat(body.path("tags").get(0).asText()).isEqualTo("checkout");
        assertThat(body.path("tags").get(1).asText()).isEqualTo("experiment-b");
        assertThat(body.path("metadata").path("tollgate.tags").asText()).isEqualTo("checkout,experiment-b");
        assertThat(body.path("metadata").path("tollgate.prompt").asText()).isEqualTo("team-a/support@3");
    }

    @Test
    void theTraceSpanHasTagAndPromptAttributes() throws Exception {
        byte[] encoded = GenAiSpans.encode(List.of(tagged()), "tollgate-gateway", "pod-1", false);
        ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(encoded);
        Span server = req.getResourceSpans(0).getScopeSpans(0).getSpans(0);
        Map<String, AnyValue> a = new HashMap<>();
        for (KeyValue kv : server.getAttributesList()) {
            a.put(kv.getKey(), kv.getValue());
        }
        List<String> tags = new ArrayList<>();
        a.get("tollgate.tags").getArrayValue().getValuesList().forEach(v -> tags.add(v.getStringValue()));
        assertThat(tags).containsExactly("checkout", "experiment-b");
        assertThat(a.get("tollgate.prompt.id").getStringValue()).isEqualTo("team-a/support");
        assertThat(a.get("tollgate.prompt.version").getIntValue()).isEqualTo(3);
        CallRecord plain = CallRecords.ok("req-p", "team-a");
        ExportTraceServiceRequest none = ExportTraceServiceRequest.parseFrom(
                GenAiSpans.encode(List.of(plain), "tollgate-gateway", "pod-1", false));
        assertThat(none.getResourceSpans(0).getScopeSpans(0).getSpans(0).getAttributesList())
                .noneMatch(kv -> kv.getKey().startsWith("tollgate.tags") || kv.getKey().startsWith("tollgate.prompt"));
    }
}
