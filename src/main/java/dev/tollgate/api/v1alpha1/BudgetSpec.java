package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class BudgetSpec {
    @Required
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("Spend limit per period in USD, as a decimal string, e.g. \"25.00\".")
    private String limit;

    @Default("monthly")
    @Pattern("^(daily|weekly|monthly|[0-9]+(m|h|d))$")
    @JsonPropertyDescription("daily, weekly (from Monday), monthly (default), or a rolling duration such as 12h or 7d.")
    private String period = "monthly";

    @Default("UTC")
    @JsonPropertyDescription("IANA time zone for daily/weekly/monthly boundaries, e.g. Europe/Berlin. Default UTC.")
    private String timeZone = "UTC";

    @Min(1)
    @Max(100)
    @Default("80")
    @JsonPropertyDescription("Percent of the limit at which a NearLimit condition and a Kubernetes Event are raised. Default 80.")
    private Integer alertThresholdPercent = 80;

    @JsonPropertyDescription("VirtualKeys in this namespace bound by this Budget, by label. Keys naming it in budgetRefs are bound too.")
    private LabelSelector keySelector;

    @JsonPropertyDescription("Public model names the Budget counts. Empty: all models.")
    private List<String> models = new ArrayList<>();

    @JsonPropertyDescription("Request tags the Budget covers (besides its keys): every request carrying one of them "
            + "is counted and bound. In the gateway's own namespace (the platform's) it covers such requests of every "
            + "namespace; elsewhere only those made with keys of the Budget's namespace.")
    private List<@Pattern(Api.TAG_PATTERN) String> tags = new ArrayList<>();

    @JsonPropertyDescription("Rate limits shared by every request the Budget covers (its keys and its tags together), "
            + "enforced like a key's own (across replicas with the GatewayDeployment's Redis).")
    private KeyLimits limits;

    public String getLimit() { return limit; }
    public void setLimit(String limit) { this.limit = limit; }
    public String getPeriod() { return period; }
    public void setPeriod(String period) { this.period = period; }
    public String getTimeZone() { return timeZone; }
    public void setTimeZone(String timeZone) { this.timeZone = timeZone; }
    public Integer getAlertThresholdPercent() { return alertThresholdPercent; }
    public void setAlertThresholdPercent(Integer alertThresholdPercent) { this.alertThresholdPercent = alertThresholdPercent; }
    public LabelSelector getKeySelector() { return keySelector; }
    public void setKeySelector(LabelSelector keySelector) { this.keySelector = keySelector; }
    public List<String> getModels() { return models; }
    public void setModels(List<String> models) { this.models = models == null ? new ArrayList<>() : models; }
    public List<String> getTags() { return tags; }
    public void setTags(List<String> tags) { this.tags = tags == null ? new ArrayList<>() : tags; }
    public KeyLimits getLimits() { return limits; }
    public void setLimits(KeyLimits limits) { this.limits = limits; }
}
