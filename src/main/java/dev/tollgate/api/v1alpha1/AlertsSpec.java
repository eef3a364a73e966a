package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * {@code GatewayDeployment.spec.observability.alerts}: which events the platform team hears about, where, and the
 * thresholds. The operator sends each event once per cluster (not once per gateway replica).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AlertsSpec {
    @JsonPropertyDescription("Where alerts go: Slack incoming webhooks or generic webhooks.")
    @Size(max = 16)
    @ValidationRule(value = "self.all(a, self.exists_one(b, b.name == a.name))",
            message = "channel names must be unique within spec.observability.alerts.channels")
    private List<AlertChannelSpec> channels;

    @JsonPropertyDescription("Alert when a Budget the gateway enforces reaches its alertThresholdPercent and when it is "
            + "exceeded (once per budget period each). Default true.")
    private Boolean budgets;

    @JsonPropertyDescription("Alert when a deployment starts cooling down (taken out of rotation after failures). "
            + "Default true.")
    private Boolean cooldowns;

    @JsonPropertyDescription("Alert when a deployment's upstream error rate is over a threshold.")
    private AlertErrorRateSpec errorRate;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("Alert when requests take longer than this (counted by the gateways). Absent: not watched.")
    private String slowRequest;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("Alert when requests are still in flight after this long. Absent: not watched.")
    private String hangingRequest;

    @Min(1)
    @JsonPropertyDescription("Alert when the operator failed to collect a gateway pod's usage this many times in a row. "
            + "Default 3.")
    private Integer usageCollectionFailures;

    @JsonPropertyDescription("A daily spend report per namespace. Absent: none.")
    private DailyReportSpec dailyReport;

    public List<AlertChannelSpec> getChannels() { return channels; }
    public void setChannels(List<AlertChannelSpec> channels) { this.channels = channels; }
    public Boolean getBudgets() { return budgets; }
    public void setBudgets(Boolean budgets) { this.budgets = budgets; }
    public Boolean getCooldowns() { return cooldowns; }
    public void setCooldowns(Boolean cooldowns) { this.cooldowns = cooldowns; }
    public AlertErrorRateSpec getErrorRate() { return errorRate; }
    public void setErrorRate(AlertErrorRateSpec errorRate) { this.errorRate = errorRate; }
    public String getSlowRequest() { return slowRequest; }
    public void setSlowRequest(String slowRequest) { this.slowRequest = slowRequest; }
    public String getHangingRequest() { return hangingRequest; }
    public void setHangingRequest(String hangingRequest) { this.hangingRequest = hangingRequest; }
    public Integer getUsageCollectionFailures() { return usageCollectionFailures; }
    public void setUsageCollectionFailures(Integer usageCollectionFailures) { this.usageCollectionFailures = usageCollectionFailures; }
    public DailyReportSpec getDailyReport() { return dailyReport; }
    public void setDailyReport(DailyReportSpec dailyReport) { this.dailyReport = dailyReport; }
}
