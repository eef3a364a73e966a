package dev.tollgate.gateway.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.UsageReport;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The gateway's counting of slow and hanging requests, on injected clocks. */
class RequestWatchTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-05T10:00:00Z"), ZoneOffset.UTC);
    private final RequestWatch watch = new RequestWatch(clock, nanos::get);

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void countsRequestsSlowerThanTheThresholdOnly() {
        var t = new GatewayConfig.RequestAlerts(2_000L, null);
        watch.finished(t, ms(1_999));
        watch.finished(t, ms(2_000)); // "longer than": the threshold itself is not slow
        watch.finished(t, ms(2_001));
        watch.finished(t, ms(60_000));
        UsageReport.Requests f = watch.figures(t);
        assertThat(f.slow()).isEqualTo(2);
        assertThat(f.slowMillis()).isEqualTo(2_000L);
        assertThat(f.lastSlowAt()).isEqualTo("2026-12-05T10:00:00Z");
        assertThat(f.hangingMillis()).isNull();
        assertThat(f.hanging()).isZero();
        assertThat(f.hangingNow()).isZero();
        assertThat(f.lastHangingAt()).isNull();
        assertThat(watch.watching()).as("no hanging threshold: nothing kept in flight").isZero();
    }

    @Test
    void nothingWatchedNothingReported() {
        watch.finished(null, ms(999_999));
        watch.opened(new Object(), new Object(), nanos.get(), null);
        assertThat(watch.figures()).isNull();
        assertThat(watch.figures(null)).isNull();
        assertThat(watch.watching()).isZero();
        GatewayConfig config = new GatewayConfig(GatewayConfig.SCHEMA, "ns/gw", null, null, null, null, null, null, null,
                new GatewayConfig.Observability(null, null, new GatewayConfig.RequestAlerts(null, null)));
        assertThat(RequestWatch.thresholds(config)).as("both thresholds absent: not watched").isNull();
        assertThat(RequestWatch.thresholds(null)).isNull();
    }

    @Test
    void requestsInFlightPastTheHangingThresholdAreSeenByTheScanOncePerRequest() {
        var t = new GatewayConfig.RequestAlerts(null, 30_000L);
        Object request = new Object();
        Object firstAttempt = new Object();
        Object retry = new Object();
        long start = nanos.get();
        watch.opened(firstAttempt, request, start, t);
        nanos.addAndGet(ms(10_000));
        assertThat(watch.figures(t).hangingNow()).isZero();
        // a retry opens before the attempt it replaces closes: still one request
        watch.opened(retry, request, start, t);
        Object other = new Object();
        watch.opened(other, other, nanos.get(), t); // arrived 10 s later
        nanos.addAndGet(ms(25_000)); // the first request: 35 s in flight; the other: 25 s
        UsageReport.Requests f = watch.figures(t);
        assertThat(f.hangingNow()).isEqualTo(1);
        assertThat(f.hanging()).as("none finished yet").isZero();
        assertThat(f.lastHangingAt()).isEqualTo("2026-12-05T10:00:00Z");
        watch.closed(firstAttempt);
        assertThat(watch.figures(t).hangingNow()).isEqualTo(1);
        // the request ends at last: it counts as one hanging request, and is no longer in flight
        watch.closed(retry);
        watch.finished(t, nanos.get() - start);
        f = watch.figures(t);
        assertThat(f.hangingNow()).isZero();
        assertThat(f.hanging()).isEqualTo(1);
        nanos.addAndGet(ms(10_000)); // the other one: 35 s
        assertThat(watch.figures(t).hangingNow()).isEqualTo(1);
        watch.closed(other);
        assertThat(watch.figures(t).hangingNow()).isZero();
        assertThat(watch.watching()).isZero();
    }

    @Test
    void aConfigThatStopsWatchingDropsTheRequestsInFlight() {
        var t = new GatewayConfig.RequestAlerts(1_000L, 5_000L);
        Object r = new Object();
        watch.opened(r, r, nanos.get(), t);
        assertThat(watch.watching()).isEqualTo(1);
        assertThat(watch.figures(null)).isNull();
        assertThat(watch.watching()).isZero();
    }
}
