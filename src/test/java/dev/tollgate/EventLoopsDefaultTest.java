package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventLoopsDefaultTest {
    @Test
    void oneLoopPerCpuUnlessTheUserSaysOtherwise() {
        EventLoopsDefault source = new EventLoopsDefault();
        assertThat(source.getValue("quarkus.vertx.event-loops-pool-size"))
                .isEqualTo(Integer.toString(Runtime.getRuntime().availableProcessors()));
        assertThat(source.getProperties()).containsOnlyKeys("quarkus.vertx.event-loops-pool-size");
        assertThat(source.getValue("quarkus.vertx.worker-pool-size")).isNull();
        // application.properties is 250, the environment 300, system properties 400: each of them wins
        assertThat(source.getOrdinal()).isLessThan(250);
    }
}
