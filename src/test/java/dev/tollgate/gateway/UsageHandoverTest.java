package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UsageHandoverTest {
    @Test
    void aStoppingGatewayWaitsForTheOperatorsNextRead() throws Exception {
        UsageRecorder recorder = new UsageRecorder();
        CompletableFuture<Boolean> handover = CompletableFuture.supplyAsync(() -> {
            try {
                return recorder.awaitHandover(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertThat(handover).as("still waiting for a read").isNotDone();
        recorder.markRead();
        assertThat(handover.get(2, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void withoutAReadItGivesUpAtTheTimeout() throws Exception {
        long start = System.nanoTime();
        assertThat(new UsageRecorder().awaitHandover(Duration.ofMillis(300))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(3));
    }
}
