package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/**
 * {@code routing.cooldown}: a deployment is taken out of rotation at once on a 429 (for its retry-after, else
 * duration, at most max) and after {@code failures} failures within {@code window} (for duration); when the cooldown
 * ends one request probes it (half-open) and brings it back or cools it down again.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RoutingCooldown {
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Failures (5xx, overload, timeouts, connection failures) within window that cool a "
            + "deployment down. Default 3.")
    private Integer failures;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("The window failures are counted in, e.g. 60s. Default 60s.")
    private String window;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("How long a deployment cools down (also after a 429 without retry-after). Default 30s.")
    private String duration;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("Longest cooldown, whatever a retry-after asks. Default 5m.")
    private String max;

    public Integer getFailures() { return failures; }
    public void setFailures(Integer failures) { this.failures = failures; }
    public String getWindow() { return window; }
    public void setWindow(String window) { this.window = window; }
    public String getDuration() { return duration; }
    public void setDuration(String duration) { this.duration = duration; }
    public String getMax() { return max; }
    public void setMax(String max) { this.max = max; }
}
