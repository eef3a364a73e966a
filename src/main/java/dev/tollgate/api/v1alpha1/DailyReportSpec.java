package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** The daily spend report per namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DailyReportSpec {
    @Pattern("^([01][0-9]|2[0-3]):[0-5][0-9]$")
    @JsonPropertyDescription("Time of day the report of the day before is sent, HH:MM. Default 09:00.")
    private String at;

    @JsonPropertyDescription("IANA time zone of at and of the day reported. Default UTC.")
    private String timeZone;

    public String getAt() { return at; }
    public void setAt(String at) { this.at = at; }
    public String getTimeZone() { return timeZone; }
    public void setTimeZone(String timeZone) { this.timeZone = timeZone; }
}
