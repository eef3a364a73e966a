package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** A status condition in the shape kstatus, Argo CD and Flux read: type, status, reason, message, time. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {
    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    /** Values of {@code status}, for the schema's enum (the field stays a String). */
    public enum Status { True, False, Unknown }

    @Required
    @JsonPropertyDescription("Condition type, e.g. Ready. Unique in the list (the list is a map keyed by type).")
    private String type;
    @SchemaFrom(type = Status.class)
    @JsonPropertyDescription("True, False or Unknown.")
    private String status;
    @JsonPropertyDescription("One CamelCase word saying why the condition is in its state.")
    private String reason;
    @JsonPropertyDescription("A sentence for people: what is wrong and what to do.")
    private String message;
    @JsonSerialize(using = Api.DateTime.class)
    @JsonPropertyDescription("When status last changed (RFC 3339).")
    private String lastTransitionTime;
    @JsonPropertyDescription("The metadata.generation this condition was computed from.")
    private Long observedGeneration;

    public Condition() {}

    public Condition(String type, String status, String reason, String message) {
        this.type = type;
        this.status = status;
        this.reason = reason;
        this.message = message;
    }

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public String getStatus() { return status; }
    public void setStatus(String status) { this.status = status; }
    public String getReason() { return reason; }
    public void setReason(String reason) { this.reason = reason; }
    public String getMessage() { return message; }
    public void setMessage(String message) { this.message = message; }
    public String getLastTransitionTime() { return lastTransitionTime; }
    public void setLastTransitionTime(String lastTransitionTime) { this.lastTransitionTime = lastTransitionTime; }
    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }

    @Override
    public boolean equals(Object o) {
        return o instanceof Condition c && Objects.equals(type, c.type) && Objects.equals(status, c.status)
                && Objects.equals(reason, c.reason) && Objects.equals(message, c.message)
                && Objects.equals(lastTransitionTime, c.lastTransitionTime)
                && Objects.equals(observedGeneration, c.observedGeneration);
    }

    @Override
    public int hashCode() { return Objects.hash(type, status, reason, message, lastTransitionTime, observedGeneration); }

    @Override
    public String toString() { return type + "=" + status + " (" + reason + "): " + message; }
}
