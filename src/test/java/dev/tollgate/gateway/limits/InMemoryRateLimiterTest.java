package dev.tollgate.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.limits.RateLimiter.Kind;
import dev.tollgate.gateway.limits.RateLimiter.Limit;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryRateLimiterTest {
    long now = 1_000_000_000L;
    final InMemoryRateLimiter limiter = new InMemoryRateLimiter(() -> now);

    void advanceMillis(long ms) {
        now += ms * 1_000_000L;
    }

    @Test
    void rpmAllowsABurstUpToTheLimitThenRefillsSteadily() {
        Limit rpm = new Limit("key/a", Kind.RPM, 60); // one per second
        for (int i = 0; i < 60; i++) {
            assertThat(limiter.decide(List.of(rpm)).admitted()).as("request %d", i).isTrue();
        }
        RateLimiter.Decision refused = limiter.decide(List.of(rpm));
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.refused()).isEqualTo(rpm);
        assertThat(refused.retryAfterMillis()).isEqualTo(1000);
        advanceMillis(999);
        assertThat(limiter.decide(List.of(rpm)).admitted()).isFalse();
        advanceMillis(1);
        RateLimiter.Decision again = limiter.decide(List.of(rpm));
        assertThat(again.admitted()).isTrue();
        assertThat(again.windows().get(0).remaining()).isZero();
        assertThat(again.windows().get(0).resetMillis()).isEqualTo(60_000);
    }

    @Test
    void allOrNothingAcrossLimits() {
        Limit keyRpm = new Limit("key/a", Kind.RPM, 100);
        Limit modelRpm = new Limit("model/m", Kind.RPM, 1);
        assertThat(limiter.decide(List.of(keyRpm, modelRpm)).admitted()).isTrue();
        RateLimiter.Decision d = limiter.decide(List.of(keyRpm, modelRpm));
        assertThat(d.refused()).isEqualTo(modelRpm);
        // the refused request took nothing from the key's own limit
        assertThat(d.windows().get(0).remaining()).isEqualTo(99);
    }

    @Test
    void tpmIsDebitedWithTheRealCountAfterwards() {
        Limit tpm = new Limit("key/a", Kind.TPM, 1000);
        assertThat(limiter.decide(List.of(tpm)).admitted()).isTrue();
        limiter.settle(List.of(tpm), 1500, false); // the answer was bigger than the whole budget
        RateLimiter.Decision d = limiter.decide(List.of(tpm));
        assertThat(d.admitted()).isFalse();
        assertThat(d.retryAfterMillis()).as("until the bucket is back above zero: 501 tokens at 1000/min")
                .isEqualTo(30_060);
        advanceMillis(30_060);
        assertThat(limiter.decide(List.of(tpm)).admitted()).isTrue();
    }

    @Test
    void aRefusedRequestGivesItsRequestBackButNeverMoreThanTheLimit() {
        Limit rpm = new Limit("key/ns/r", Kind.RPM, 2);
        assertThat(limiter.decide(List.of(rpm)).admitted()).isTrue();
        assertThat(limiter.decide(List.of(rpm)).admitted()).isTrue();
        assertThat(limiter.decide(List.of(rpm)).admitted()).isFalse();
        limiter.settle(List.of(rpm), 0, true); // the second was refused later (its budget): it costs nothing
        RateLimiter.Decision again = limiter.decide(List.of(rpm));
        assertThat(again.admitted()).isTrue();
        limiter.settle(List.of(rpm), 0, false); // an ordinary end gives nothing back
        assertThat(limiter.decide(List.of(rpm)).admitted()).isFalse();
        advanceMillis(60_000); // full again
        limiter.settle(List.of(rpm), 0, true);
        limiter.settle(List.of(rpm), 0, true); // refunds never lift a bucket above its limit
        assertThat(limiter.decide(List.of(rpm)).windows().get(0).remaining()).isEqualTo(1);
    }

    @Test
    void parallelSlotsComeBackOnRelease() {
        Limit par = new Limit("key/a", Kind.PARALLEL, 2);
        assertThat(limiter.decide(List.of(par)).admitted()).isTrue();
        assertThat(limiter.decide(List.of(par)).admitted()).isTrue();
        assertThat(limiter.decide(List.of(par)).admitted()).isFalse();
        limiter.settle(List.of(par), 0, false);
        assertThat(limiter.decide(List.of(par)).admitted()).isTrue();
        limiter.settle(List.of(par), 0, false);
        limiter.settle(List.of(par), 0, false);
        limiter.settle(List.of(par), 0, false); // more releases than acquires never go below zero
        assertThat(limiter.decide(List.of(par)).windows().get(0).remaining()).isEqualTo(1);
    }

    @Test
    void resetDurationsAreWrittenTheWayOpenAiWritesThem() {
        assertThat(RateLimitInterceptor.goDuration(250)).isEqualTo("250ms");
        assertThat(RateLimitInterceptor.goDuration(1000)).isEqualTo("1s");
        assertThat(RateLimitInterceptor.goDuration(1001)).isEqualTo("2s");
        assertThat(RateLimitInterceptor.goDuration(360_000)).isEqualTo("6m0s");
    }
}
