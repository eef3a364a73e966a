package dev.tollgate.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The per-deployment live view: in flight, the last minute's requests and tokens, moving averages of latency. */
class RouteStatsTest {
    final Fixtures.Clock clock = new Fixtures.Clock();
    final RouteStats stats = new RouteStats(clock);

    @Test
    void countsInFlightRequestsAndTheLastMinutesRequestsAndTokens() {
        assertThat(stats.inFlight("d")).isZero();
        assertThat(stats.latencyMillis("d", false)).isEqualTo(-1);
        stats.started("d");
        stats.started("d");
        assertThat(stats.inFlight("d")).isEqualTo(2);
        stats.finished("d", 1_000_000, -1, false, 100);
        assertThat(stats.inFlight("d")).isEqualTo(1);
        clock.advance(30_000);
        stats.started("d");
        stats.finished("d", 1_000_000, -1, false, 50);
        assertThat(stats.requestsLastMinute("d")).isEqualTo(3);
        assertThat(stats.tokensLastMinute("d")).isEqualTo(150);
        clock.advance(30_000); // the first second has left the window
        assertThat(stats.requestsLastMinute("d")).isEqualTo(1);
        assertThat(stats.tokensLastMinute("d")).isEqualTo(50);
        clock.advance(29_000); // 59 s after the second one: still in its minute
        assertThat(stats.requestsLastMinute("d")).isEqualTo(1);
        clock.advance(1_000);
        assertThat(stats.requestsLastMinute("d")).isZero();
        // a slot reused a minute later starts from zero
        stats.started("d");
        assertThat(stats.requestsLastMinute("d")).isEqualTo(1);
        assertThat(stats.inFlight("d")).isEqualTo(2);
    }

    @Test
    void latencyIsAMovingAverageKeptApartForStreamsAndOthers() {
        stats.started("d");
        stats.finished("d", 100_000_000, -1, false, 0);
        assertThat(stats.latencyMillis("d", false)).isEqualTo(100);
        assertThat(stats.latencyMillis("d", true)).isEqualTo(-1);
        stats.started("d");
        stats.finished("d", 200_000_000, -1, false, 0);
        assertThat(stats.latencyMillis("d", false)).isEqualTo(120); // 100 + (200 - 100) / 5
        stats.started("d");
        stats.finished("d", 5_000_000_000L, 40_000_000, true, 0); // streams: time to first token
        assertThat(stats.latencyMillis("d", true)).isEqualTo(40);
        assertThat(stats.latencyMillis("d", false)).isEqualTo(120);
        stats.started("d");
        stats.finished("d", 5_000_000_000L, -1, true, 0); // a stream that sent nothing: no sample
        assertThat(stats.latencyMillis("d", true)).isEqualTo(40);
        assertThat(stats.inFlight("d")).isZero();
    }

    @Test
    void aFinishWithoutAStartOfAForgottenDeploymentIsIgnored() {
        stats.finished("never", 1, 1, false, 10);
        assertThat(stats.inFlight("never")).isZero();
        assertThat(stats.tokensLastMinute("never")).isZero();
        assertThat(stats.size()).isZero();
    }
}
