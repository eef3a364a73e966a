package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * {@code GatewayDeployment.spec.observability}: what the platform sees of every call through the gateway: OTLP
 * traces and GenAI metrics, logging callbacks for all traffic, and alerts. Teams add sinks for their own keys with a
 * {@link LogSink} in their namespace.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ObservabilitySpec {
    @JsonPropertyDescription("OpenTelemetry traces (GenAI semantic conventions: a span per request, a child span per "
            + "upstream attempt) and GenAI metrics, exported over OTLP/HTTP. Absent: no traces.")
    private TracingSpec tracing;

    @JsonPropertyDescription("Logging callbacks that receive every call of every key the gateway serves (a team's "
            + "LogSink receives only its namespace's). Sent in batches, off the request path.")
    @Size(max = 32)
    @ValidationRule(value = "self.all(s, has(s.name))",
            message = "every sink in spec.observability.sinks needs a name")
    @ValidationRule(value = "self.all(a, !has(a.name) || self.exists_one(b, has(b.name) && b.name == a.name))",
            message = "sink names must be unique within spec.observability.sinks")
    private List<SinkSpec> sinks;

    @JsonPropertyDescription("Alerts to Slack or a webhook: budgets near or over their limit, deployments cooling down "
            + "or failing, slow or hanging requests, usage collection failing, a daily spend report. Sent by the "
            + "operator, once per cluster.")
    private AlertsSpec alerts;

    public TracingSpec getTracing() { return tracing; }
    public void setTracing(TracingSpec tracing) { this.tracing = tracing; }
    public List<SinkSpec> getSinks() { return sinks; }
    public void setSinks(List<SinkSpec> sinks) { this.sinks = sinks; }
    public AlertsSpec getAlerts() { return alerts; }
    public void setAlerts(AlertsSpec alerts) { this.alerts = alerts; }
}
