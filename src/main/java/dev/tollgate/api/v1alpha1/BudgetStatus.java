package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class BudgetStatus extends StatusBase {
    @JsonPropertyDescription("Spend in the current period (USD, decimal string).")
    private String spend;
    @JsonPropertyDescription("Limit minus spend in the current period (USD, decimal string, never negative).")
    private String remaining;
    @JsonSerialize(using = Api.DateTime.class)
    @JsonPropertyDescription("Start of the current period (RFC 3339).")
    private String periodStart;
    @JsonSerialize(using = Api.DateTime.class)
    @JsonPropertyDescription("When the current period ends and spend resets (RFC 3339).")
    private String resetsAt;
    @JsonPropertyDescription("VirtualKeys bound by this Budget.")
    private Integer keysCovered;
    @JsonPropertyDescription("Where spend comes from: each gateway process's share, and the sum of ended ones.")
    private Usage usage;

    public String getSpend() { return spend; }
    public void setSpend(String spend) { this.spend = spend; }
    public String getRemaining() { return remaining; }
    public void setRemaining(String remaining) { this.remaining = remaining; }
    public String getPeriodStart() { return periodStart; }
    public void setPeriodStart(String periodStart) { this.periodStart = periodStart; }
    public String getResetsAt() { return resetsAt; }
    public void setResetsAt(String resetsAt) { this.resetsAt = resetsAt; }
    public Usage getUsage() { return usage; }
    public void setUsage(Usage usage) { this.usage = usage; }
    public Integer getKeysCovered() { return keysCovered; }
    public void setKeysCovered(Integer keysCovered) { this.keysCovered = keysCovered; }
}
