package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Map;

/** {@code GatewayDeployment.spec.observability.tracing}: OTLP/HTTP export of traces and GenAI metrics. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TracingSpec {
    @Required
    @Pattern("^https?://[^\\s]+$")
    @JsonPropertyDescription("The collector's OTLP/HTTP base URL, e.g. http://otel-collector.monitoring:4318: traces "
            + "go to <endpoint>/v1/traces and metrics to <endpoint>/v1/metrics (protobuf).")
    private String endpoint;

    @Pattern("^(0(\\.[0-9]{1,6})?|1(\\.0{1,6})?)$")
    @JsonPropertyDescription("Share of new traces sampled, a decimal string from \"0\" to \"1\" (default \"1\": every "
            + "request). A request that continues a trace (traceparent) follows its caller's sampling decision.")
    private String sampling;

    @JsonPropertyDescription("The service.name of the exported telemetry. Default tollgate-gateway.")
    private String serviceName;

    @JsonPropertyDescription("Plain headers sent with every export (no secrets: use secretHeaders).")
    private Map<String, String> headers;

    @JsonPropertyDescription("Headers whose values come from Secrets in the gateway's namespace (e.g. authorization "
            + "for a hosted collector), by header name.")
    private Map<String, SecretKeyRef> secretHeaders;

    @JsonPropertyDescription("Export the GenAI metrics (gen_ai.client.token.usage, gen_ai.client.operation.duration, "
            + "time to first token, time per output token) over OTLP too. Default true. They are always on the "
            + "metrics port for Prometheus.")
    private Boolean metrics;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("How often metrics are exported. Default 60s.")
    private String metricsInterval;

    public String getEndpoint() { return endpoint; }
    public void setEndpoint(String endpoint) { this.endpoint = endpoint; }
    public String getSampling() { return sampling; }
    public void setSampling(String sampling) { this.sampling = sampling; }
    public String getServiceName() { return serviceName; }
    public void setServiceName(String serviceName) { this.serviceName = serviceName; }
    public Map<String, String> getHeaders() { return headers; }
    public void setHeaders(Map<String, String> headers) { this.headers = headers; }
    public Map<String, SecretKeyRef> getSecretHeaders() { return secretHeaders; }
    public void setSecretHeaders(Map<String, SecretKeyRef> secretHeaders) { this.secretHeaders = secretHeaders; }
    public Boolean getMetrics() { return metrics; }
    public void setMetrics(Boolean metrics) { this.metrics = metrics; }
    public String getMetricsInterval() { return metricsInterval; }
    public void setMetricsInterval(String metricsInterval) { this.metricsInterval = metricsInterval; }
}
