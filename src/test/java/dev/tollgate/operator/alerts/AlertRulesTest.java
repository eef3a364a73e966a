package dev.tollgate.operator.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.AlertErrorRateSpec;
import dev.tollgate.api.v1alpha1.AlertsSpec;
import dev.tollgate.config.UsageReport;
import dev.tollgate.operator.usage.UsageScraper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which events the operator finds active, given what status and the usage reports show before and after. */
class AlertRulesTest {
    static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
    static final String GW = "platform/llm";

    static AlertRules.Settings settings() {
        AlertsSpec a = new AlertsSpec();
        a.setSlowRequest("10s");
        a.setHangingRequest("2m");
        return AlertRules.Settings.of(a);
    }

    static AlertRules.BudgetView budget(boolean near, boolean exceeded, String periodStart) {
        return new AlertRules.BudgetView("team-a/monthly", near, exceeded, periodStart, "2027-01-01T00:00:00Z",
                near ? "85.00" : "10.00", "100.00", 80, "monthly");
    }

    static AlertRules.Inputs inputs(List<AlertRules.BudgetView> budgets, List<AlertRules.ModelView> models,
            List<UsageReport.Requests> requests, List<UsageScraper.Failing> failing, Instant now) {
        return new AlertRules.Inputs(GW, budgets, models, requests, failing, now);
    }

    static List<String> events(List<AlertEvent> es) {
        return es.stream().map(e -> e.event() + " " + e.identity()).toList();
    }

    @Test
    void anUnreadableTimeZoneSkipsOnlyTheDailyReport() {
        AlertsSpec a = new AlertsSpec();
        dev.tollgate.api.v1alpha1.DailyReportSpec d = new dev.tollgate.api.v1alpha1.DailyReportSpec();
        d.setTimeZone("PST");
        a.setDailyReport(d);
        AlertRules.Settings s = AlertRules.Settings.of(a); // threw before: no alert of the gateway was evaluated
        assertThat(s.daily()).isNull();
        assertThat(s.dailyProblem()).contains("dailyReport.timeZone 'PST' is not a time zone");
        assertThat(s.budgets()).isTrue();
        assertThat(events(AlertRules.evaluate(s, inputs(List.of(budget(true, false, "2026-12-01T00:00:00Z")), List.of(),
                List.of(), List.of(), NOW)))).containsExactly("BudgetNearLimit BudgetNearLimit/team-a/monthly/2026-12-01T00:00:00Z");
        d.setTimeZone("Europe/Berlin");
        assertThat(AlertRules.Settings.of(a).dailyProblem()).isNull();
        assertThat(AlertRules.Settings.of(a).daily().zone()).isEqualTo(java.time.ZoneId.of("Europe/Berlin"));
    }

    @Test
    void defaultsFollowTheSpec() {
        AlertRules.Settings s = AlertRules.Settings.of(new AlertsSpec());
        assertThat(s.budgets()).isTrue();
        assertThat(s.cooldowns()).isTrue();
        assertThat(s.thresholdMicros()).isEqualTo(500_000);
        assertThat(s.minRequests()).isEqualTo(20);
        assertThat(s.window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.slow()).isFalse();
        assertThat(s.hanging()).isFalse();
        assertThat(s.usageFailures()).isEqualTo(3);
        assertThat(s.daily()).isNull();
        AlertsSpec a = new AlertsSpec();
        AlertErrorRateSpec e = new AlertErrorRateSpec();
        e.setThreshold("0.25");
        e.setMinRequests(5);
        e.setWindow("2m");
        a.setErrorRate(e);
        a.setBudgets(false);
        a.setDailyReport(new dev.tollgate.api.v1alpha1.DailyReportSpec());
        s = AlertRules.Settings.of(a);
        assertThat(s.thresholdMicros()).isEqualTo(250_000);
        assertThat(s.minRequests()).isEqualTo(5);
        assertThat(s.window()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.budgets()).isFalse();
        assertThat(s.daily().at()).isEqualTo(java.time.LocalTime.of(9, 0));
        assertThat(s.daily().zone()).isEqualTo(java.time.ZoneId.of("UTC"));
    }

    @Test
    void aBudgetOverItsThresholdThenExceededIsAlertedOnceEachPerPeriod() {
        AlertLedger ledger = new AlertLedger();
        var s = settings();
        String period = "2026-12-01T00:00:00Z";
        // before: below the threshold
        assertThat(AlertRules.evaluate(s, inputs(List.of(budget(false, false, period)), List.of(), List.of(), List.of(), NOW)))
                .isEmpty();
        // after: NearLimit True
        var near = AlertRules.evaluate(s, inputs(List.of(budget(true, false, period)), List.of(), List.of(), List.of(), NOW));
        assertThat(events(near)).containsExactly("BudgetNearLimit BudgetNearLimit/team-a/monthly/" + period);
        assertThat(near.get(0).severity()).isEqualTo("warning");
        assertThat(near.get(0).resource()).isEqualTo("Budget/team-a/monthly");
        assertThat(near.get(0).details()).containsEntry("spend", "85.00").containsEntry("limit", "100.00")
                .containsEntry("thresholdPercent", "80");
        assertThat(near.get(0).keepUntil()).as("remembered until the period resets").isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
        assertThat(ledger.admit(near, NOW, Duration.ofMinutes(2))).hasSize(1);
        // re-evaluated many times: nothing new
        for (int i = 1; i < 50; i++) {
            assertThat(ledger.admit(AlertRules.evaluate(s, inputs(List.of(budget(true, false, period)), List.of(), List.of(),
                    List.of(), NOW.plusSeconds(i * 10))), NOW.plusSeconds(i * 10), Duration.ofMinutes(2))).isEmpty();
        }
        // exceeded: one more (and NearLimit stays the same identity)
        var over = AlertRules.evaluate(s, inputs(List.of(budget(true, true, period)), List.of(), List.of(), List.of(), NOW));
        assertThat(events(over)).contains("BudgetExceeded BudgetExceeded/team-a/monthly/" + period);
        List<AlertEvent> sent = ledger.admit(over, NOW.plusSeconds(600), Duration.ofMinutes(2));
        assertThat(events(sent)).containsExactly("BudgetExceeded BudgetExceeded/team-a/monthly/" + period);
        assertThat(sent.get(0).severity()).isEqualTo("critical");
        // a restart: the ledger read back from its ConfigMap lines sends nothing again
        AlertLedger restarted = AlertLedger.parse(ledger.format());
        assertThat(restarted.admit(over, NOW.plusSeconds(700), Duration.ofMinutes(2))).isEmpty();
        // the next period: alerted again
        String next = "2027-01-01T00:00:00Z";
        assertThat(events(restarted.admit(AlertRules.evaluate(s, inputs(List.of(budget(true, false, next)), List.of(),
                List.of(), List.of(), Instant.parse("2027-01-20T00:00:00Z"))), Instant.parse("2027-01-20T00:00:00Z"),
                Duration.ofMinutes(2)))).containsExactly("BudgetNearLimit BudgetNearLimit/team-a/monthly/" + next);
        assertThat(restarted.identities()).as("the last period's identities are forgotten once it reset")
                .containsExactly("BudgetNearLimit/team-a/monthly/" + next);
    }

    @Test
    void anAlertStaysPendingUntilEveryChannelTookItAcrossARestart() {
        AlertLedger ledger = new AlertLedger();
        var active = AlertRules.evaluate(settings(), inputs(List.of(), List.of(new AlertRules.ModelView("team-a/gpt",
                "CoolingDown", "2026-12-05T10:01:00Z", "429", 0, 0)), List.of(), List.of(), NOW));
        String id = "DeploymentCoolingDown/team-a/gpt";
        assertThat(ledger.admit(active, NOW, Duration.ofMinutes(2), e -> java.util.Set.of("ops", "audit"))).hasSize(1);
        assertThat(ledger.pending(id)).isTrue();
        // a restart: the pending event and its channels are read back from the ConfigMap lines, event included
        AlertLedger restarted = AlertLedger.parse(ledger.format());
        assertThat(restarted.pending()).hasSize(1);
        AlertLedger.Pending p = restarted.pending().get(0);
        assertThat(p.channels()).containsExactlyInAnyOrder("ops", "audit");
        assertThat(p.since()).isEqualTo(NOW);
        assertThat(p.event()).isEqualTo(active.get(0));
        // found again: not new
        assertThat(restarted.admit(active, NOW.plusSeconds(10), Duration.ofMinutes(2), e -> java.util.Set.of("ops")))
                .isEmpty();
        restarted.done(id, "ops");
        assertThat(restarted.pending().get(0).channels()).containsExactly("audit");
        // cleared long ago: a pending identity is not forgotten while a channel has not taken it
        Instant late = NOW.plus(Duration.ofHours(2));
        restarted.admit(List.of(), late, Duration.ofMinutes(2), e -> java.util.Set.of());
        assertThat(restarted.pending(id)).isTrue();
        restarted.done(id, "audit");
        assertThat(restarted.pending()).isEmpty();
        assertThat(restarted.contains(id)).as("delivered: remembered as sent").isTrue();
        assertThat(AlertLedger.parse(restarted.format()).pending()).isEmpty();
        restarted.admit(List.of(), late.plusSeconds(1), Duration.ofMinutes(2), e -> java.util.Set.of());
        assertThat(restarted.identities()).as("delivered and quiet past its time: forgotten").isEmpty();
    }

    @Test
    void budgetAlertsCanBeTurnedOff() {
        AlertsSpec a = new AlertsSpec();
        a.setBudgets(false);
        assertThat(AlertRules.evaluate(AlertRules.Settings.of(a), inputs(List.of(budget(true, true, "2026-12-01T00:00:00Z")),
                List.of(), List.of(), List.of(), NOW))).isEmpty();
    }

    @Test
    void aDeploymentEnteringCooldownIsAlertedAndAgainOnlyAfterAQuietWindow() {
        AlertLedger ledger = new AlertLedger();
        var s = settings();
        var healthy = new AlertRules.ModelView("team-a/gpt", "Healthy", null, null, 0, 0);
        var cooling = new AlertRules.ModelView("team-a/gpt", "CoolingDown", "2026-12-05T10:01:00Z", "429", 0, 0);
        assertThat(AlertRules.evaluate(s, inputs(List.of(), List.of(healthy), List.of(), List.of(), NOW))).isEmpty();
        var active = AlertRules.evaluate(s, inputs(List.of(), List.of(cooling), List.of(), List.of(), NOW));
        assertThat(events(active)).containsExactly("DeploymentCoolingDown DeploymentCoolingDown/team-a/gpt");
        assertThat(active.get(0).summary()).contains("429").contains("2026-12-05T10:01:00Z");
        assertThat(ledger.admit(active, NOW, Duration.ofMinutes(2))).hasSize(1);
        // it recovers, and cools down again a minute later: the same episode as far as alerts go
        Instant t = NOW.plusSeconds(60);
        assertThat(ledger.admit(AlertRules.evaluate(s, inputs(List.of(), List.of(healthy), List.of(), List.of(), t)), t,
                Duration.ofMinutes(2))).isEmpty();
        t = NOW.plusSeconds(120);
        assertThat(ledger.admit(AlertRules.evaluate(s, inputs(List.of(), List.of(cooling), List.of(), List.of(), t)), t,
                Duration.ofMinutes(2))).isEmpty();
        // quiet for more than the window (5m) after it was last active: forgotten, and a new cooldown is alerted
        t = NOW.plusSeconds(120 + 301);
        assertThat(ledger.admit(AlertRules.evaluate(s, inputs(List.of(), List.of(healthy), List.of(), List.of(), t)), t,
                Duration.ofMinutes(2))).isEmpty();
        assertThat(ledger.identities()).isEmpty();
        t = t.plusSeconds(10);
        assertThat(ledger.admit(AlertRules.evaluate(s, inputs(List.of(), List.of(cooling), List.of(), List.of(), t)), t,
                Duration.ofMinutes(2))).hasSize(1);
        AlertsSpec off = new AlertsSpec();
        off.setCooldowns(false);
        assertThat(AlertRules.evaluate(AlertRules.Settings.of(off), inputs(List.of(), List.of(cooling), List.of(), List.of(), t)))
                .isEmpty();
    }

    @Test
    void gatewaysWithDifferentWindowsShareADeploymentsSamples() {
        ErrorWindow w = new ErrorWindow();
        long t0 = NOW.toEpochMilli();
        for (int m = 0; m < 10; m++) {
            w.sample("team-a/gpt", 10, 1, t0 + m * 60_000L);
            long now = t0 + m * 60_000L;
            // a gateway with a 1m window reads first, then one with a 15m window: the short one drops nothing it needs
            assertThat(w.sum("team-a/gpt", now, 60_000)).containsExactly(10, 1);
            assertThat(w.sum("team-a/gpt", now, 900_000)).containsExactly(10L * (m + 1), m + 1L);
        }
        // and again in the other order
        assertThat(w.sum("team-a/gpt", t0 + 540_000, 900_000)).containsExactly(100, 10);
        assertThat(w.sum("team-a/gpt", t0 + 540_000, 180_000)).containsExactly(30, 3);
        // beyond the largest window: gone
        assertThat(w.sum("team-a/gpt", t0 + 540_000 + 900_000, 900_000)).containsExactly(0, 0);
    }

    @Test
    void errorRateOverTheWindowFromTheReportsMinuteSamples() {
        ErrorWindow w = new ErrorWindow();
        long t0 = NOW.toEpochMilli();
        var s = settings(); // 0.5, 20 requests, 5m
        // minute 1: 12 calls, 5 failed; read again 10 s later (same minute: not counted twice)
        w.sample("team-a/gpt", 12, 5, t0);
        w.sample("team-a/gpt", 13, 6, t0 + 10_000);
        long[] sum = w.sum("team-a/gpt", t0 + 10_000, s.window().toMillis());
        assertThat(sum).containsExactly(12, 5);
        var below = new AlertRules.ModelView("team-a/gpt", "Healthy", null, null, sum[0], sum[1]);
        assertThat(AlertRules.evaluate(s, inputs(List.of(), List.of(below), List.of(), List.of(), NOW)))
                .as("12 calls: under minRequests").isEmpty();
        // minute 2: 10 calls, 6 failed: 22 calls, 11 failed in the window = 0.5, at the threshold
        w.sample("team-a/gpt", 10, 6, t0 + 60_000);
        sum = w.sum("team-a/gpt", t0 + 60_000, s.window().toMillis());
        assertThat(sum).containsExactly(22, 11);
        var high = AlertRules.evaluate(s, inputs(List.of(), List.of(new AlertRules.ModelView("team-a/gpt", "Healthy", null,
                null, sum[0], sum[1])), List.of(), List.of(), NOW));
        assertThat(events(high)).containsExactly("ErrorRateHigh ErrorRateHigh/team-a/gpt");
        assertThat(high.get(0).details()).containsEntry("requests", "22").containsEntry("failures", "11")
                .containsEntry("errorRate", "0.5").containsEntry("threshold", "0.5").containsEntry("window", "5m");
        // five minutes later the first two samples left the window
        w.sample("team-a/gpt", 30, 0, t0 + 360_000);
        assertThat(w.sum("team-a/gpt", t0 + 360_000, s.window().toMillis())).containsExactly(30, 0);
        // one failure short of the threshold
        assertThat(AlertRules.evaluate(s, inputs(List.of(), List.of(new AlertRules.ModelView("team-a/gpt", "Healthy", null,
                null, 22, 10)), List.of(), List.of(), NOW))).isEmpty();
    }

    @Test
    void slowAndHangingRequestsFromThePodsReports() {
        var s = settings();
        var quiet = new UsageReport.Requests(10_000L, 4, "2026-12-05T09:50:00Z", 120_000L, 0, 0, null);
        assertThat(AlertRules.evaluate(s, inputs(List.of(), List.of(), List.of(quiet), List.of(), NOW)))
                .as("the last slow request is older than the window").isEmpty();
        var slow = new UsageReport.Requests(10_000L, 5, "2026-12-05T09:59:30Z", 120_000L, 0, 0, null);
        var es = AlertRules.evaluate(s, inputs(List.of(), List.of(), List.of(quiet, slow), List.of(), NOW));
        assertThat(events(es)).containsExactly("SlowRequests SlowRequests/platform/llm");
        assertThat(es.get(0).details()).containsEntry("slowRequests", "9").containsEntry("slowMillis", "10000")
                .containsEntry("lastSlowAt", "2026-12-05T09:59:30Z");
        var hanging = new UsageReport.Requests(10_000L, 0, null, 120_000L, 0, 2, "2026-12-05T09:00:00Z");
        es = AlertRules.evaluate(s, inputs(List.of(), List.of(), List.of(hanging), List.of(), NOW));
        assertThat(events(es)).containsExactly("HangingRequests HangingRequests/platform/llm");
        assertThat(es.get(0).details()).containsEntry("hangingNow", "2");
        // not watched by this GatewayDeployment: nothing, whatever the pods say
        assertThat(AlertRules.evaluate(AlertRules.Settings.of(new AlertsSpec()), inputs(List.of(), List.of(),
                List.of(slow, hanging), List.of(), NOW))).isEmpty();
    }

    @Test
    void usageCollectionFailingAfterTheConfiguredFailuresInARow() {
        var s = settings();
        var twice = new UsageScraper.Failing(GW, "platform/llm-7d9-abc", 2, "Connection refused");
        assertThat(AlertRules.evaluate(s, inputs(List.of(), List.of(), List.of(), List.of(twice), NOW))).isEmpty();
        var thrice = new UsageScraper.Failing(GW, "platform/llm-7d9-abc", 3, "Connection refused");
        var es = AlertRules.evaluate(s, inputs(List.of(), List.of(), List.of(), List.of(thrice), NOW));
        assertThat(events(es)).containsExactly("UsageCollectionFailing UsageCollectionFailing/platform/llm-7d9-abc");
        assertThat(es.get(0).resource()).isEqualTo("Pod/platform/llm-7d9-abc");
        assertThat(es.get(0).details()).containsEntry("failures", "3").containsEntry("error", "Connection refused");
    }
}
