package dev.tollgate.operator.status;

import dev.tollgate.api.v1alpha1.Condition;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Builds condition lists the Kubernetes way: lastTransitionTime changes only when status flips. */
public final class Conditions {
    private Conditions() {}

    public static Condition of(String type, boolean status, String reason, String message) {
        return new Condition(type, status ? Condition.TRUE : Condition.FALSE, reason, message);
    }

    /**
     * The desired conditions, each with lastTransitionTime kept from {@code existing} when its status did not
     * change, else set to {@code now}; observedGeneration set on each. Pure: no clock of its own.
     */
    public static List<Condition> merge(List<Condition> existing, List<Condition> desired, long generation, Instant now) {
        List<Condition> out = new ArrayList<>();
        for (Condition d : desired) {
            Condition c = new Condition(d.getType(), d.getStatus(), d.getReason(), d.getMessage());
            c.setObservedGeneration(generation);
            String previous = existing == null ? null : existing.stream()
                    .filter(e -> d.getType().equals(e.getType()) && d.getStatus().equals(e.getStatus()))
                    .map(Condition::getLastTransitionTime).filter(t -> t != null).findFirst().orElse(null);
            c.setLastTransitionTime(previous != null ? previous : now.truncatedTo(ChronoUnit.SECONDS).toString());
            out.add(c);
        }
        return out;
    }
}
