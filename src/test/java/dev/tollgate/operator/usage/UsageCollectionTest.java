package dev.tollgate.operator.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Usage is collected by the leader only: the wiring between the operator's start, the leader callbacks and the scraper. */
class UsageCollectionTest {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final UsageCollection collection = new UsageCollection(() -> calls.add("start"), () -> calls.add("stop"));

    @Test
    void withLeaderElectionItStartsWhenThisReplicaLeadsAndStopsWhenItStopsLeading() {
        var callbacks = collection.callbacks();
        collection.operatorStarted(true);
        callbacks.onNewLeader("another-replica");
        assertThat(calls).as("a standby reads nothing").isEmpty();
        assertThat(collection.running()).isFalse();

        callbacks.onStartLeading();
        assertThat(calls).containsExactly("start");
        assertThat(collection.running()).isTrue();
        callbacks.onStartLeading();
        assertThat(calls).as("started once").containsExactly("start");

        callbacks.onStopLeading();
        assertThat(calls).containsExactly("start", "stop");
        assertThat(collection.running()).isFalse();
        collection.shutdown();
        assertThat(calls).as("stopped once").containsExactly("start", "stop");
    }

    @Test
    void withoutLeaderElectionItStartsWithTheOperatorAndStopsWithIt() {
        collection.operatorStarted(false);
        assertThat(calls).containsExactly("start");
        collection.shutdown();
        assertThat(calls).containsExactly("start", "stop");
    }

    @Test
    void aShutdownBeforeLeadingStopsNothing() {
        collection.operatorStarted(true);
        collection.shutdown();
        assertThat(calls).isEmpty();
    }
}
