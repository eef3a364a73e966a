package dev.tollgate.operator.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The status write budget on a controlled clock: tokens, stalest-first grants, urgent writes. */
class StatusWriteBudgetTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final StatusWriteBudget budget = new StatusWriteBudget(10, clock::get);
    private final List<ResourceID> granted = new ArrayList<>();

    StatusWriteBudgetTest() {
        budget.onGrant("keys", granted::add);
    }

    private static ResourceID key(int i) {
        return new ResourceID("k" + i, "team");
    }

    private void advance(long millis) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void figuresAreHeldUntilGrantedAndGrantsNeverExceedTheBudget() {
        for (int i = 0; i < 100; i++) {
            assertThat(budget.figures("keys", key(i))).isEqualTo(StatusWriteBudget.Verdict.HOLD);
        }
        assertThat(budget.backlog()).isEqualTo(100);
        budget.grant();
        assertThat(granted).as("one second of budget at once").hasSize(10);
        for (int second = 0; second < 5; second++) {
            advance(1000);
            budget.grant();
        }
        assertThat(granted).as("10 at start + 10 per second for 5 s").hasSize(60);
        // each granted key writes once, with the token it was given
        granted.forEach(id -> assertThat(budget.figures("keys", id)).isEqualTo(StatusWriteBudget.Verdict.WRITE));
        assertThat(budget.writes()).isEqualTo(60);
        assertThat(budget.backlog()).isEqualTo(40);
    }

    @Test
    void theStalestFiguresGoFirst() {
        budget.figures("keys", key(1));
        budget.figures("keys", key(2));
        budget.grant();
        budget.figures("keys", key(2)); // written now
        advance(500);
        budget.figures("keys", key(1)); // written later
        granted.clear();
        advance(10_000);
        budget.figures("keys", key(1)); // both move again: k2's figures are older
        budget.figures("keys", key(2));
        budget.figures("keys", key(3)); // never written: stalest of all
        budget.grant();
        assertThat(granted).containsExactly(key(3), key(2), key(1));
    }

    @Test
    void urgentWritesAreNeverHeldButSpendTokensSoFiguresWait() {
        for (int i = 0; i < 30; i++) {
            budget.urgent("keys", key(i)); // e.g. 30 conditions flip at once
        }
        assertThat(budget.urgentWrites()).isEqualTo(30);
        budget.figures("keys", key(100));
        budget.grant();
        assertThat(granted).as("the flips spent this second's tokens and (at most) the next second's").isEmpty();
        advance(1000);
        budget.grant();
        assertThat(granted).isEmpty();
        advance(100);
        budget.grant();
        assertThat(granted).containsExactly(key(100));
    }

    @Test
    void anUrgentWriteOfAQueuedResourceTakesItOutOfTheQueue() {
        budget.figures("keys", key(1));
        budget.urgent("keys", key(1));
        advance(2000);
        budget.grant();
        assertThat(granted).isEmpty();
        assertThat(budget.backlog()).isZero();
    }

    @Test
    void aGrantFoundUnchangedGivesItsTokenBack() {
        for (int i = 0; i < 11; i++) {
            budget.figures("keys", key(i));
        }
        budget.grant();
        assertThat(granted).hasSize(10);
        granted.forEach(id -> budget.unchanged("keys", id)); // nothing to write after all
        budget.grant();
        assertThat(granted).as("the returned tokens serve the 11th at once").hasSize(11);
    }

    @Test
    void aZeroOrNegativeBudgetIsRefusedWithItsPropertyName() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new StatusWriteBudget(0, clock::get))
                .hasMessageContaining("tollgate.operator.status-writes-per-second");
    }
}
