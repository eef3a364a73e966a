package dev.tollgate.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.tollgate.api.v1alpha1.Condition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {
    private static final Instant NOW = Instant.parse("2025-05-01T12:34:56.789Z");
    private static final String NOW_TEXT = "2025-05-01T12:34:56Z";
    private static final String EARLIER = "2025-04-01T08:00:00Z";

    private static Condition existing(String type, String status, String reason, String ltt) {
        Condition c = new Condition(type, status, reason, "old message");
        c.setLastTransitionTime(ltt);
        c.setObservedGeneration(1L);
        return c;
    }

    @Test
    void ofMapsTheBooleanToTrueOrFalse() {
        assertThat(Conditions.of("Ready", true, "R", "m").getStatus()).isEqualTo("True");
        assertThat(Conditions.of("Ready", false, "R", "m").getStatus()).isEqualTo("False");
    }

    @Test
    void withoutExistingConditionsEveryOneTransitionsNowAtSecondPrecision() {
        List<Condition> out = Conditions.merge(null, List.of(Conditions.of("Ready", true, "Ok", "fine"),
                Conditions.of("Degraded", false, "Ok", "nothing")), 7, NOW);

        assertThat(out).extracting(Condition::getType, Condition::getStatus, Condition::getReason, Condition::getMessage,
                Condition::getLastTransitionTime, Condition::getObservedGeneration).containsExactly(
                        tuple("Ready", "True", "Ok", "fine", NOW_TEXT, 7L),
                        tuple("Degraded", "False", "Ok", "nothing", NOW_TEXT, 7L));
    }

    @Test
    void unchangedStatusKeepsItsTransitionTimeWhileReasonMessageAndGenerationUpdate() {
        List<Condition> out = Conditions.merge(List.of(existing("Ready", "False", "PodsNotReady", EARLIER)),
                List.of(Conditions.of("Ready", false, "ProgressDeadlineExceeded", "new message")), 4, NOW);

        assertThat(out).singleElement().satisfies(c -> {
            assertThat(c.getLastTransitionTime()).isEqualTo(EARLIER);
            assertThat(c.getReason()).isEqualTo("ProgressDeadlineExceeded");
            assertThat(c.getMessage()).isEqualTo("new message");
            assertThat(c.getObservedGeneration()).isEqualTo(4L);
        });
    }

    @Test
    void flippedStatusTransitionsNow() {
        List<Condition> out = Conditions.merge(List.of(existing("Ready", "False", "PodsNotReady", EARLIER)),
                List.of(Conditions.of("Ready", true, "AllReplicasReady", "2/2")), 4, NOW);
        assertThat(out.get(0).getLastTransitionTime()).isEqualTo(NOW_TEXT);
    }

    @Test
    void eachTypeIsMatchedOnItsOwn() {
        List<Condition> existing = List.of(existing("Ready", "False", "X", EARLIER),
                existing("Degraded", "False", "X", "2025-03-01T00:00:00Z"));
        List<Condition> out = Conditions.merge(existing, List.of(Conditions.of("Ready", true, "Y", "m"),
                Conditions.of("Degraded", false, "Y", "m"), Conditions.of("Progressing", false, "Y", "m")), 2, NOW);

        assertThat(out).extracting(Condition::getType, Condition::getLastTransitionTime).containsExactly(
                tuple("Ready", NOW_TEXT),
                tuple("Degraded", "2025-03-01T00:00:00Z"),
                tuple("Progressing", NOW_TEXT));
    }

    @Test
    void existingConditionWithoutATimeGetsNow() {
        List<Condition> out = Conditions.merge(List.of(existing("Ready", "True", "Ok", null)),
                List.of(Conditions.of("Ready", true, "Ok", "m")), 1, NOW);
        assertThat(out.get(0).getLastTransitionTime()).isEqualTo(NOW_TEXT);
    }

    @Test
    void onlyDesiredConditionsRemainInDesiredOrder() {
        List<Condition> existing = List.of(existing("Stale", "True", "Old", EARLIER), existing("Ready", "True", "Ok", EARLIER));
        List<Condition> out = Conditions.merge(existing, List.of(Conditions.of("Expired", false, "NotExpired", "m"),
                Conditions.of("Ready", true, "Ok", "m")), 1, NOW);
        assertThat(out).extracting(Condition::getType).containsExactly("Expired", "Ready");
    }

    @Test
    void desiredConditionsAreNotModified() {
        Condition desired = Conditions.of("Ready", true, "Ok", "m");
        Conditions.merge(null, List.of(desired), 9, NOW);
        assertThat(desired.getLastTransitionTime()).isNull();
        assertThat(desired.getObservedGeneration()).isNull();
    }

    @Test
    void mergingTheResultAgainLaterChangesNothing() {
        List<Condition> desired = List.of(Conditions.of("Ready", true, "Ok", "m"), Conditions.of("Degraded", false, "Ok", "m"));
        List<Condition> first = Conditions.merge(null, desired, 3, NOW);
        List<Condition> second = Conditions.merge(first, desired, 3, NOW.plusSeconds(3600));
        assertThat(second).isEqualTo(first);
    }
}
