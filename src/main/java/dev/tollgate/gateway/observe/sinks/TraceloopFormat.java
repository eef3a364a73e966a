package dev.tollgate.gateway.observe.sinks;

import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.Headers;
import dev.tollgate.gateway.observe.GenAiSpans;
import dev.tollgate.gateway.observe.SinkFormat;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Traceloop through its OTLP endpoint: one {@code POST <url>/v1/traces} per batch, {@code Authorization: Bearer
 * <apiKey>} (credential role {@code apiKey}), {@code content-type: application/x-protobuf}, body an OTLP
 * {@code ExportTraceServiceRequest} of the GenAI spans ({@link GenAiSpans#encode}: a span per request, a child per
 * upstream attempt, the prompt and answer only when the sink logs content). Sources:
 * https://traceloop.com/docs/openllmetry/integrations/traceloop (an OTLP/HTTP exporter to
 * {@code https://api.traceloop.com} with {@code Authorization: Bearer <TRACELOOP_API_KEY>}) and the OTLP/HTTP
 * specification, https://opentelemetry.io/docs/specs/otlp/#otlphttp ({@code /v1/traces}, binary protobuf, the
 * retryable codes). The resource is {@code service.name} = the gateway's name ({@link SinkTarget#serviceName()}) and
 * {@code service.instance.id} = the pod, as in the gateway's own tracing; one batch is one export.
 */
public final class TraceloopFormat implements SinkFormat {
    /** The URL used when the resource gives none (Traceloop's API; TRACELOOP_BASE_URL's default in its SDKs). */
    public static final String DEFAULT_URL = "https://api.traceloop.com";

    /** Encodes records as an OTLP protobuf trace export (the signature of {@link GenAiSpans#encode}). */
    @FunctionalInterface
    public interface SpanEncoder {
        byte[] encode(List<CallRecord> records, String serviceName, String serviceInstance, boolean withContent);
    }

    private final SpanEncoder spans;
    private final String serviceInstance;

    /**
     * Traceloop's format over the gateway's GenAI spans, the resource's {@code service.instance.id} being the pod's
     * host name ({@code HOSTNAME}) as in the gateway's own tracing ({@link GenAiSpans#otlpFormat()}).
     */
    public TraceloopFormat() {
        this(GenAiSpans::encode, System.getenv("HOSTNAME"));
    }

    /** Over another span encoder and {@code service.instance.id} (null or blank: none). */
    public TraceloopFormat(SpanEncoder spans, String serviceInstance) {
        this.spans = spans;
        this.serviceInstance = serviceInstance == null || serviceInstance.isBlank() ? null : serviceInstance;
    }

    @Override
    public List<SinkRequest> encode(List<CallRecord> batch, SinkTarget target) {
        if (batch.isEmpty()) {
            return List.of();
        }
        Map<String, String> own = new LinkedHashMap<>();
        own.put("content-type", "application/x-protobuf");
        String key = SinkParts.credential(target, SinkParts.API_KEY);
        if (key != null) {
            own.put("authorization", "Bearer " + key);
        }
        byte[] body = spans.encode(batch, target.serviceName(), serviceInstance, target.logContent());
        return List.of(new SinkRequest("POST", SinkParts.url(target, "/v1/traces"), Headers.merge(target.headers(), Map.of(), own),
                Buffer.buffer(body), batch.size()));
    }

    /** Retried as OTLP/HTTP says (https://opentelemetry.io/docs/specs/otlp/#retryable-response-codes): 429, 502, 503, 504. */
    @Override
    public boolean retryable(int status) {
        return status == 429 || status == 502 || status == 503 || status == 504;
    }
}
