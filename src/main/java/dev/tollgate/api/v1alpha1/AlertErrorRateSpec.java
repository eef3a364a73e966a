package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** When a deployment's upstream error rate is alerted. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AlertErrorRateSpec {
    @Pattern("^(0(\\.[0-9]{1,6})?|1(\\.0{1,6})?)$")
    @JsonPropertyDescription("Share of a deployment's requests that failed upstream (5xx, timeouts, unreachable) at or "
            + "over which an alert is sent, a decimal string, e.g. \"0.2\". Default \"0.5\".")
    private String threshold;

    @Min(1)
    @JsonPropertyDescription("Fewest requests in the window before the rate counts. Default 20.")
    private Integer minRequests;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("The window the rate is measured over. Default 5m.")
    private String window;

    public String getThreshold() { return threshold; }
    public void setThreshold(String threshold) { this.threshold = threshold; }
    public Integer getMinRequests() { return minRequests; }
    public void setMinRequests(Integer minRequests) { this.minRequests = minRequests; }
    public String getWindow() { return window; }
    public void setWindow(String window) { this.window = window; }
}
