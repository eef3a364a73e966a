package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/** One place alerts go. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AlertChannelSpec {
    /** Values of {@code type}, for the schema's enum. */
    public enum Type {
        @JsonProperty("slack") SLACK,
        @JsonProperty("webhook") WEBHOOK
    }

    /** Values of {@code events}, for the schema's enum. */
    public enum Event {
        @JsonProperty("BudgetNearLimit") BUDGET_NEAR_LIMIT,
        @JsonProperty("BudgetExceeded") BUDGET_EXCEEDED,
        @JsonProperty("DeploymentCoolingDown") DEPLOYMENT_COOLING_DOWN,
        @JsonProperty("ErrorRateHigh") ERROR_RATE_HIGH,
        @JsonProperty("SlowRequests") SLOW_REQUESTS,
        @JsonProperty("HangingRequests") HANGING_REQUESTS,
        @JsonProperty("UsageCollectionFailing") USAGE_COLLECTION_FAILING,
        @JsonProperty("DailySpendReport") DAILY_SPEND_REPORT
    }

    @Required
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    @JsonPropertyDescription("Name of the channel (in metrics and events).")
    private String name;

    @Required
    @SchemaFrom(type = Type.class)
    @JsonPropertyDescription("slack (an incoming webhook URL) or webhook (JSON POSTed to a URL).")
    private String type;

    @Required
    @JsonPropertyDescription("The URL to POST to, from a Secret in the gateway's namespace (a Slack incoming webhook URL "
            + "is itself a credential).")
    private SecretKeyRef url;

    @JsonPropertyDescription("Which events this channel receives (BudgetNearLimit, BudgetExceeded, DeploymentCoolingDown, ErrorRateHigh, SlowRequests, HangingRequests, UsageCollectionFailing, DailySpendReport). Absent or empty: all.")
    private List<String> events;

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public SecretKeyRef getUrl() { return url; }
    public void setUrl(SecretKeyRef url) { this.url = url; }
    public List<String> getEvents() { return events; }
    public void setEvents(List<String> events) { this.events = events; }
}
