package dev.tollgate.gateway.observe;

import java.util.List;

/**
 * Finished requests as OpenTelemetry spans following the GenAI semantic conventions: one span per gateway request
 * (kind SERVER), a child per upstream attempt (kind CLIENT), encoded as an OTLP {@code ExportTraceServiceRequest}
 * (protobuf) for {@code POST <endpoint>/v1/traces}. Used by the gateway's own tracing (sink type {@code otlp}) and
 * by Traceloop's sink.
 *
 * <p>CONTRACT PLACEHOLDER: implemented by the tracing work (helper A).
 */
public final class GenAiSpans {
    private GenAiSpans() {}

    /**
     * The OTLP/HTTP protobuf body carrying these requests' spans.
     *
     * @param serviceName     the resource's {@code service.name}
     * @param serviceInstance the resource's {@code service.instance.id} (the gateway id and pod), or null
     * @param withContent     add the prompt and answer as span events/attributes (Traceloop with logContent)
     */
    public static byte[] encode(List<CallRecord> records, String serviceName, String serviceInstance, boolean withContent) {
        throw new UnsupportedOperationException("contract placeholder");
    }

    /** The OTLP sink format of the gateway's own tracing (type {@code otlp}): {@code <url>/v1/traces}. */
    public static SinkFormat otlpFormat() {
        throw new UnsupportedOperationException("contract placeholder");
    }
}
