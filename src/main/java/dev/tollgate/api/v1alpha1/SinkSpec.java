package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * One logging callback: a sink on the GatewayDeployment ({@code spec.observability.sinks[]}, all traffic) or a
 * team's {@link LogSink} (its namespace's traffic). Credentials come from Secrets in the declaring resource's
 * namespace.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.type != 'webhook' || has(self.url)",
        message = "a webhook sink needs url: the endpoint the calls are POSTed to")
@ValidationRule(value = "self.type != 'langfuse' || (has(self.credentials) && 'publicKey' in self.credentials"
        + " && 'secretKey' in self.credentials)",
        message = "a langfuse sink needs credentials publicKey and secretKey (the project's API keys, from a Secret)")
@ValidationRule(value = "(self.type != 'lunary' && self.type != 'helicone' && self.type != 'promptlayer'"
        + " && self.type != 'traceloop') || (has(self.credentials) && 'apiKey' in self.credentials)",
        message = "a lunary, helicone, promptlayer or traceloop sink needs credentials apiKey (from a Secret)")
@ValidationRule(value = "!has(self.redact) || size(self.redact) == 0 || (has(self.logContent) && self.logContent)",
        message = "redact applies to the prompt and answer, which are sent only with logContent: true; set it or "
                + "remove redact")
public class SinkSpec {
    /** Values of {@code type}, for the schema's enum (the field stays a String, read by the renderer). */
    public enum Type {
        @JsonProperty("langfuse") LANGFUSE,
        @JsonProperty("lunary") LUNARY,
        @JsonProperty("helicone") HELICONE,
        @JsonProperty("promptlayer") PROMPTLAYER,
        @JsonProperty("traceloop") TRACELOOP,
        @JsonProperty("webhook") WEBHOOK
    }

    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    @JsonPropertyDescription("Name of the sink, unique within the GatewayDeployment. Required in "
            + "spec.observability.sinks (its id is <gateway namespace>/<gateway name>/<name>); leave it out of a "
            + "LogSink, which is named by its metadata (id <namespace>/<name>).")
    private String name;

    @Required
    @SchemaFrom(type = Type.class)
    @JsonPropertyDescription("What receives the calls: langfuse, lunary, helicone, promptlayer, traceloop (its OTLP "
            + "endpoint) or webhook (any HTTP endpoint; JSON batches).")
    private String type;

    @Pattern("^https?://[^\\s]+$")
    @JsonPropertyDescription("Where to send. Default: the service's cloud endpoint (langfuse https://cloud.langfuse.com, "
            + "lunary https://api.lunary.ai, helicone https://api.worker.helicone.ai, promptlayer "
            + "https://api.promptlayer.com, traceloop https://api.traceloop.com). Required for webhook.")
    private String url;

    @JsonPropertyDescription("Credentials by role, each from a Secret (labelled llm.tollgate.dev/secret) in this "
            + "resource's namespace: langfuse publicKey and secretKey; lunary, helicone, promptlayer and traceloop "
            + "apiKey; webhook any header name (e.g. authorization) whose value is sent as that header. Handed to the "
            + "gateway pods in their Secret, never in a ConfigMap, status, event or log line.")
    private Map<String, SecretKeyRef> credentials;

    @JsonPropertyDescription("Plain headers sent with every delivery (no secrets: use credentials).")
    private Map<String, String> headers;

    @JsonPropertyDescription("Send the prompt and the answer too (after redact). Default false: only ids, key "
            + "attributes, model, provider, tokens, cost, latency, status, cache and routing outcome.")
    private Boolean logContent;

    @Size(max = 32)
    @JsonPropertyDescription("Regular expressions (Java syntax) whose matches in the prompt and answer are replaced by "
            + "[REDACTED] before they leave the gateway. One that does not compile leaves the sink out (its status or "
            + "the gateway's ObservabilityResolved condition says which).")
    private List<@Size(max = 1024) String> redact;

    @Min(1)
    @Max(1000000)
    @JsonPropertyDescription("Most calls waiting to be sent in each gateway pod; beyond it the newest are dropped and "
            + "counted (tollgate_callback_records_total{result=\"dropped\"}). Default 10000.")
    private Integer queueSize;

    @Min(1)
    @Max(1000)
    @JsonPropertyDescription("Most calls per delivery. Default 100.")
    private Integer batchSize;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("Longest a call waits for its batch to fill. Default 1s.")
    private String flushInterval;

    @Min(0)
    @Max(10)
    @JsonPropertyDescription("Retries of a failed delivery, with exponential backoff, before its calls are dropped "
            + "(and counted). Default 3.")
    private Integer maxRetries;

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public String getUrl() { return url; }
    public void setUrl(String url) { this.url = url; }
    public Map<String, SecretKeyRef> getCredentials() { return credentials; }
    public void setCredentials(Map<String, SecretKeyRef> credentials) { this.credentials = credentials; }
    public Map<String, String> getHeaders() { return headers; }
    public void setHeaders(Map<String, String> headers) { this.headers = headers; }
    public Boolean getLogContent() { return logContent; }
    public void setLogContent(Boolean logContent) { this.logContent = logContent; }
    public List<String> getRedact() { return redact; }
    public void setRedact(List<String> redact) { this.redact = redact; }
    public Integer getQueueSize() { return queueSize; }
    public void setQueueSize(Integer queueSize) { this.queueSize = queueSize; }
    public Integer getBatchSize() { return batchSize; }
    public void setBatchSize(Integer batchSize) { this.batchSize = batchSize; }
    public String getFlushInterval() { return flushInterval; }
    public void setFlushInterval(String flushInterval) { this.flushInterval = flushInterval; }
    public Integer getMaxRetries() { return maxRetries; }
    public void setMaxRetries(Integer maxRetries) { this.maxRetries = maxRetries; }
}
