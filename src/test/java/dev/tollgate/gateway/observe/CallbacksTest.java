package dev.tollgate.gateway.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Keys;
import dev.tollgate.gateway.observe.sinks.LangfuseFormat;
import dev.tollgate.gateway.observe.sinks.WebhookFormat;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Callbacks} against fake sinks (Vert.x HTTP servers speaking the generic webhook format): batching by size
 * and by time, retries, drops, a sink that never answers, namespace scoping, content stripping and redaction,
 * reloads, metrics, and that no secret reaches a sink's payload or a log line.
 */
class CallbacksTest {
    static final String WEBHOOK = GatewayConfig.Sink.WEBHOOK;
    static final Callbacks.Timing FAST = new Callbacks.Timing(1_000, 2_000, 20, 100, 2_000);
    static final long HOUR = 3_600_000;

    static Vertx vertx;
    static final List<LogRecord> LOGS = new CopyOnWriteArrayList<>();
    /** Held so the logger (and its handler) is not collected. */
    static Logger callbacksLogger;
    static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            LOGS.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    SimpleMeterRegistry registry;
    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
        callbacksLogger = Logger.getLogger(Callbacks.class.getName());
        callbacksLogger.addHandler(CAPTURE);
    }

    @AfterAll
    static void stopVertx() {
        callbacksLogger.removeHandler(CAPTURE);
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void fresh() {
        registry = new SimpleMeterRegistry();
        LOGS.clear();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    FakeSink fake() {
        FakeSink f = new FakeSink(vertx);
        closeables.add(f);
        return f;
    }

    Callbacks callbacks(Callbacks.Timing timing, Map<String, String> secrets, GatewayConfig.Sink... sinks) {
        Callbacks c = new Callbacks(vertx, List.of(sinks), secrets::get, formats(), "gw-ns/gw", registry, timing);
        closeables.add(c);
        return c;
    }

    static Map<String, SinkFormat> formats() {
        // the otlp type runs the webhook format here: these tests are about Callbacks, not GenAiSpans
        return Map.of(WEBHOOK, new WebhookFormat(), GatewayConfig.Sink.OTLP, new WebhookFormat(),
                GatewayConfig.Sink.LANGFUSE, new LangfuseFormat(), GatewayConfig.Sink.HELICONE,
                new dev.tollgate.gateway.observe.sinks.HeliconeFormat());
    }

    static GatewayConfig.Sink sink(String id, String url, int queueSize, int batchSize, long flushMillis, int retries) {
        return new GatewayConfig.Sink(id, WEBHOOK, url, null, Map.of(), Map.of(), false, List.of(), queueSize,
                batchSize, flushMillis, retries);
    }

    double count(String sink, String result) {
        Counter c = registry.find("tollgate.callback.records").tag("sink", sink).tag("result", result).counter();
        return c == null ? -1 : c.count();
    }

    double queue(String sink) {
        Gauge g = registry.find("tollgate.callback.queue").tag("sink", sink).gauge();
        return g == null ? -1 : g.value();
    }

    static List<CallRecord> records(int n, String prefix, String namespace) {
        List<CallRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(CallRecords.ok(prefix + i, namespace));
        }
        return out;
    }

    @Test
    void aFullBatchIsSentAtOnceAndTheRestWaitsForTheInterval() {
        FakeSink f = fake();
        Callbacks c = callbacks(FAST, Map.of(), sink("p/size", f.url() + "/hook", 100, 5, HOUR, 0));
        records(12, "r", "team-a").forEach(c::offer);

        await().atMost(Duration.ofSeconds(10)).until(() -> f.received().size() == 2);
        assertThat(f.received()).allSatisfy(r -> assertThat(r.json().path("records")).hasSize(5));
        assertThat(FakeSink.requestIds(f.records())).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7",
                "r8", "r9");
        await().until(() -> count("p/size", "sent") == 10);
        assertThat(queue("p/size")).isEqualTo(2);

        c.close(); // flushes the rest
        assertThat(f.received()).hasSize(3);
        assertThat(FakeSink.requestIds(f.records())).endsWith("r10", "r11");
        assertThat(count("p/size", "sent")).isEqualTo(-1); // meters removed with the sink
    }

    @Test
    void aPartialBatchIsSentAfterTheFlushInterval() {
        FakeSink f = fake();
        Callbacks c = callbacks(FAST, Map.of(), sink("p/time", f.url(), 100, 100, 200, 0));
        records(3, "t", null).forEach(c::offer);

        await().atMost(Duration.ofSeconds(10)).until(() -> f.received().size() == 1);
        FakeSink.Received r = f.received().get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.json().path("schema").asText()).isEqualTo("tollgate.dev/callback/v1");
        assertThat(FakeSink.requestIds(f.records())).containsExactly("t0", "t1", "t2");
        await().until(() -> count("p/time", "sent") == 3);
        assertThat(count("p/time", "failed")).isZero();
        assertThat(count("p/time", "dropped")).isZero();
    }

    @Test
    void aRetryableStatusIsRetriedAndTheRecordsArriveOnce() {
        FakeSink f = fake().script(500, 503);
        Callbacks c = callbacks(FAST, Map.of(), sink("p/retry", f.url(), 100, 2, HOUR, 3));
        records(2, "x", null).forEach(c::offer);

        await().atMost(Duration.ofSeconds(10)).until(() -> count("p/retry", "sent") == 2);
        assertThat(f.received()).hasSize(3); // 500, 503, 200
        assertThat(FakeSink.requestIds(f.delivered())).containsExactly("x0", "x1");
        assertThat(count("p/retry", "failed")).isZero();
    }

    @Test
    void retriesRunOutThenTheRecordsCountAsFailed() {
        FakeSink f = fake().status(500);
        Callbacks c = callbacks(FAST, Map.of(), sink("p/down", f.url(), 100, 1, HOUR, 2));
        c.offer(CallRecords.ok("d0", null));

        await().atMost(Duration.ofSeconds(10)).until(() -> count("p/down", "failed") == 1);
        assertThat(f.received()).hasSize(3); // the first try and 2 retries
        assertThat(count("p/down", "sent")).isZero();
    }

    @Test
    void aNonRetryableStatusDropsTheBatchAtOnce() {
        FakeSink f = fake().status(400);
        Callbacks c = callbacks(FAST, Map.of(), sink("p/bad", f.url(), 100, 3, HOUR, 5));
        records(3, "b", null).forEach(c::offer);

        await().atMost(Duration.ofSeconds(10)).until(() -> count("p/bad", "failed") == 3);
        assertThat(f.received()).hasSize(1);
        assertThat(count("p/bad", "sent")).isZero();
        assertThat(LOGS).anySatisfy(l -> assertThat(l.getMessage() + format(l)).contains("p/bad").contains("400"));
    }

    @Test
    void aSinkThatNeverAnswersNeverBlocksOfferAndHoldsOnlyItsQueue() {
        FakeSink f = fake().silent(true);
        Callbacks.Timing slow = new Callbacks.Timing(1_000, 60_000, 20, 100, 500);
        Callbacks c = callbacks(slow, Map.of(), sink("p/dead", f.url(), 1_000, 10, HOUR, 3));
        CallRecord record = CallRecords.ok("same", null);

        for (int i = 0; i < 100_000; i++) {
            c.offer(record);
        }

        double dropped = count("p/dead", "dropped");
        double waiting = queue("p/dead");
        assertThat(waiting).isLessThanOrEqualTo(1_000);
        // what is not waiting was dropped, except at most one batch taken for the delivery that hangs
        assertThat(100_000 - dropped - waiting).isBetween(0.0, 10.0);
        assertThat(dropped).isGreaterThanOrEqualTo(100_000 - 1_010);
        await().atMost(Duration.ofSeconds(10)).until(() -> f.received().size() == 1);
        assertThat(f.received()).hasSize(1); // one delivery at a time: the hanging one
    }

    @Test
    void aDeliveryTheSinkNeverAnswersTimesOutIsRetriedThenFailsAndTheNextBatchGoes() {
        FakeSink f = fake().silent(true);
        Callbacks.Timing shortTimeout = new Callbacks.Timing(1_000, 200, 20, 100, 2_000);
        Callbacks c = callbacks(shortTimeout, Map.of(), sink("p/hung", f.url(), 100, 2, HOUR, 1));
        records(4, "h", null).forEach(c::offer);

        // each batch: the first try and one retry, each given up after 200 ms without an answer
        await().atMost(Duration.ofSeconds(10)).until(() -> count("p/hung", "failed") == 4);
        assertThat(f.received()).hasSize(4);
        assertThat(FakeSink.requestIds(f.records())).containsExactly("h0", "h1", "h0", "h1", "h2", "h3", "h2", "h3");
        assertThat(count("p/hung", "sent")).isZero();
        assertThat(queue("p/hung")).isZero();
    }

    @Test
    void closeGivesUpAtItsDeadlineCountingWhatItCouldNotSend() {
        FakeSink f = fake().silent(true);
        Callbacks.Timing slow = new Callbacks.Timing(1_000, 60_000, 20, 100, 300);
        Callbacks c = callbacks(slow, Map.of(), sink("p/stuck", f.url(), 100, 5, HOUR, 3));
        records(5, "in-flight", null).forEach(c::offer);
        await().atMost(Duration.ofSeconds(10)).until(() -> f.received().size() == 1);
        records(7, "queued", null).forEach(c::offer);
        Counter failed = registry.find("tollgate.callback.records").tag("sink", "p/stuck").tag("result", "failed")
                .counter();
        Counter dropped = registry.find("tollgate.callback.records").tag("sink", "p/stuck").tag("result", "dropped")
                .counter();

        c.close();

        assertThat(failed.count()).isEqualTo(5); // the delivery that never ended
        assertThat(dropped.count()).isEqualTo(7); // never sent
        assertThat(registry.getMeters()).isEmpty();
        c.offer(CallRecords.ok("late", null)); // after close: counted, never sent, never thrown
        assertThat(f.received()).hasSize(1);
    }

    @Test
    void noSinksNoWork() {
        Callbacks c = callbacks(FAST, Map.of());
        assertThat(c.isEmpty()).isTrue();
        assertThat(c.wantsContent(null)).isFalse();
        c.offer(CallRecords.ok("nothing", null));
        assertThat(registry.getMeters()).isEmpty();
        c.close();
    }

    @Test
    void theQueueBoundAndTheDroppedCountAreExact() {
        FakeSink f = fake().silent(true);
        Callbacks.Timing slow = new Callbacks.Timing(1_000, 60_000, 20, 100, 500);
        Callbacks c = callbacks(slow, Map.of(), sink("p/bound", f.url(), 50, 10, HOUR, 0));
        records(10, "first", null).forEach(c::offer); // one full batch: taken by a delivery that never ends
        await().atMost(Duration.ofSeconds(10)).until(() -> f.received().size() == 1);
        assertThat(queue("p/bound")).isZero();

        records(60, "more", null).forEach(c::offer);

        assertThat(queue("p/bound")).isEqualTo(50);
        assertThat(count("p/bound", "dropped")).isEqualTo(10);
        assertThat(count("p/bound", "sent")).isZero();
        assertThat(f.received()).hasSize(1);
    }

    @Test
    void aTeamSinkSeesOnlyItsNamespaceAndTheOtlpSinkOnlySampledRecords() {
        FakeSink platform = fake();
        FakeSink team = fake();
        FakeSink tracing = fake();
        GatewayConfig.Sink teamSink = new GatewayConfig.Sink("team-a/logs", WEBHOOK, team.url(), "team-a", Map.of(),
                Map.of(), false, List.of(), 100, 100, 100, 0);
        GatewayConfig.Sink otlp = new GatewayConfig.Sink("tracing", GatewayConfig.Sink.OTLP, tracing.url(), null,
                Map.of(), Map.of(), false, List.of(), 100, 100, 100, 0);
        Callbacks c = callbacks(FAST, Map.of(), sink("gw/platform", platform.url(), 100, 100, 100, 0), teamSink, otlp);

        c.offer(CallRecords.ok("a1", "team-a", true));
        c.offer(CallRecords.ok("b1", "team-b", false));
        c.offer(CallRecords.ok("n1", null, true));
        c.offer(CallRecords.ok("a2", "team-a", false));

        await().atMost(Duration.ofSeconds(10)).until(() -> count("gw/platform", "sent") == 4
                && count("team-a/logs", "sent") == 2 && count("tracing", "sent") == 2);
        assertThat(FakeSink.requestIds(platform.records())).containsExactlyInAnyOrder("a1", "b1", "n1", "a2");
        assertThat(FakeSink.requestIds(team.records())).containsExactlyInAnyOrder("a1", "a2");
        assertThat(team.records()).allSatisfy(r -> assertThat(r.path("key").path("namespace").asText())
                .isEqualTo("team-a"));
        assertThat(FakeSink.requestIds(tracing.records())).containsExactlyInAnyOrder("a1", "n1");
    }

    @Test
    void contentIsStrippedForSinksWithoutItAndRedactedForTheOthers() {
        FakeSink plain = fake();
        FakeSink full = fake();
        String card = "4111-1111-1111-1111";
        String key = Keys.generate();
        GatewayConfig.Sink content = new GatewayConfig.Sink("team-a/content", WEBHOOK, full.url(), "team-a",
                Map.of(), Map.of(), true, List.of("\\b\\d{4}-\\d{4}-\\d{4}-\\d{4}\\b", "(?i)secret project \\w+"),
                100, 100, 100, 0);
        Callbacks c = callbacks(FAST, Map.of(), sink("gw/meta", plain.url(), 100, 100, 100, 0), content);
        assertThat(c.wantsContent("team-a")).isTrue();
        assertThat(c.wantsContent("team-b")).isFalse();
        assertThat(c.wantsContent(null)).isFalse();

        c.offer(CallRecords.withContent(CallRecords.ok("c1", "team-a"),
                "pay with " + card + " for Secret Project Falcon, my key is " + key,
                "Charged " + card + ". Done."));
        c.offer(CallRecords.withContent(CallRecords.ok("c2", "team-b"), "hello", "hi"));

        await().atMost(Duration.ofSeconds(10)).until(() -> count("gw/meta", "sent") == 2
                && count("team-a/content", "sent") == 1);
        assertThat(plain.records()).allSatisfy(r -> {
            assertThat(r.has("request")).isFalse();
            assertThat(r.has("answer")).isFalse();
        });
        JsonNode r = full.records().get(0);
        assertThat(r.path("request").path("messages").get(0).path("content").asText())
                .isEqualTo("pay with [REDACTED] for [REDACTED], my key is [REDACTED]");
        assertThat(r.path("request").path("model").asText()).isEqualTo("chat");
        assertThat(r.path("answer").asText()).isEqualTo("Charged [REDACTED]. Done.");
        for (FakeSink f : List.of(plain, full)) {
            assertThat(f.received()).allSatisfy(x -> assertThat(x.body()).doesNotContain(card).doesNotContain(key)
                    .doesNotContain("Falcon"));
        }
    }

    @Test
    void anAnswerThatNeverEndsIsCutOffAndTheDeliveryCompletes() {
        FakeSink hook = fake().endless(200);
        FakeSink langfuse = fake().endless(207); // its format reads the body: at most 64 KiB of it
        GatewayConfig.Sink lf = new GatewayConfig.Sink("gw/lf-endless", GatewayConfig.Sink.LANGFUSE, langfuse.url(),
                null, Map.of(), Map.of(), false, List.of(), 100, 2, HOUR, 0);
        Callbacks c = callbacks(FAST, Map.of(), sink("gw/endless", hook.url(), 100, 2, HOUR, 0), lf);
        records(4, "s", null).forEach(c::offer);

        await().atMost(Duration.ofSeconds(10)).until(() -> count("gw/endless", "sent") == 4
                && count("gw/lf-endless", "sent") == 4);
        assertThat(hook.received()).hasSize(2); // the second batch went after the first's answer was cut off
        assertThat(langfuse.received()).hasSize(2);
        assertThat(count("gw/endless", "failed")).isZero();
    }

    @Test
    void aHeaderValueWithControlCharactersFailsItsBatchWithoutLeakingAndTheSinkGoesOn() {
        FakeSink f = fake();
        String injected = "Bearer tok-9d2e\r\nx-injected: 1";
        GatewayConfig.Sink bad = new GatewayConfig.Sink("gw/crlf", WEBHOOK, f.url(), null,
                Map.of("authorization", "gw/crlf/token"), Map.of(), false, List.of(), 100, 2, HOUR, 3);
        Callbacks c = callbacks(FAST, Map.of("gw/crlf/token", injected), bad);
        records(4, "h", null).forEach(c::offer);

        // both batches fail at once (not retried: the header is as bad the next time); the second one still went
        await().atMost(Duration.ofSeconds(10)).until(() -> count("gw/crlf", "failed") == 4);
        assertThat(f.received()).isEmpty();
        assertThat(count("gw/crlf", "sent")).isZero();
        assertThat(logLines()).isNotEmpty();
        assertThat(String.join("\n", logLines())).contains("gw/crlf").doesNotContain("tok-9d2e");
    }

    @Test
    void aFormatWithOneRequestPerRecordHasUpToFourUnderWayAndCountsEachOnce() {
        FakeSink slow = fake().delay(1_000);
        GatewayConfig.Sink helicone = new GatewayConfig.Sink("gw/helicone", GatewayConfig.Sink.HELICONE, slow.url(),
                null, Map.of("apiKey", "gw/helicone/key"), Map.of(), false, List.of(), 100, 10, HOUR, 0);
        Callbacks c = callbacks(FAST, Map.of("gw/helicone/key", "sk-helicone-1"), helicone);
        records(10, "p", null).forEach(c::offer); // one batch of 10: ten requests

        await().atMost(Duration.ofSeconds(10)).until(() -> slow.received().size() >= 4);
        // four under way before the first answer (one at a time, the fourth would go after three were answered)
        assertThat(count("gw/helicone", "sent")).isZero();
        assertThat(slow.received()).hasSize(4);
        await().atMost(Duration.ofSeconds(10)).until(() -> count("gw/helicone", "sent") == 10);
        assertThat(slow.received()).hasSize(10);
        assertThat(count("gw/helicone", "failed")).isZero();
    }

    /** Backtracks exponentially on "aaa…!" (no memoization with a back reference): hours on 40 letters. */
    static final String CATASTROPHIC = "((a+)+)\\2b";

    @Test
    void aCatastrophicRedactPatternRedactsTheWholeValueInsteadOfHoldingThePool() {
        FakeSink bad1 = fake();
        FakeSink bad2 = fake();
        FakeSink plain = fake();
        String evil = "a".repeat(40) + "!";
        GatewayConfig.Sink slow1 = new GatewayConfig.Sink("team-a/slow1", WEBHOOK, bad1.url(), null, Map.of(),
                Map.of(), true, List.of(CATASTROPHIC), 100, 100, 100, 0);
        GatewayConfig.Sink slow2 = new GatewayConfig.Sink("team-a/slow2", WEBHOOK, bad2.url(), null, Map.of(),
                Map.of(), true, List.of(CATASTROPHIC), 100, 100, 100, 0);
        Callbacks c = callbacks(FAST, Map.of(), slow1, slow2, sink("gw/plain", plain.url(), 100, 100, 100, 0));

        for (int i = 0; i < 20; i++) { // many values: the batch's budget, not only each value's, bounds the work
            c.offer(CallRecords.withContent(CallRecords.ok("e" + i, "team-a"), evil, evil + " and more"));
        }

        // both threads of the pool went to the patterns; the plain sink is not starved
        await().atMost(Duration.ofSeconds(15)).until(() -> count("gw/plain", "sent") == 20);
        await().atMost(Duration.ofSeconds(15)).until(() -> count("team-a/slow1", "sent") == 20
                && count("team-a/slow2", "sent") == 20);
        for (FakeSink f : List.of(bad1, bad2)) {
            assertThat(f.records()).hasSize(20).allSatisfy(r -> {
                assertThat(r.path("request").path("messages").get(0).path("content").asText()).isEqualTo(
                        "[REDACTED]");
                assertThat(r.path("answer").asText()).isEqualTo("[REDACTED]");
            });
            assertThat(f.received()).allSatisfy(x -> assertThat(x.body()).doesNotContain(evil));
        }
    }

    @Test
    void aReloadKeepsTheQueuesOfUnchangedSinksAndFlushesTheOthers() {
        FakeSink kept = fake();
        FakeSink changed = fake();
        FakeSink removed = fake();
        GatewayConfig.Sink keptSink = sink("gw/kept", kept.url(), 100, 50, HOUR, 0);
        Callbacks first = callbacks(FAST, Map.of(), keptSink, sink("gw/changed", changed.url(), 100, 50, HOUR, 0),
                sink("gw/removed", removed.url(), 100, 50, HOUR, 0));
        records(3, "q", null).forEach(first::offer);
        assertThat(queue("gw/kept")).isEqualTo(3);

        Callbacks second = callbacks(FAST, Map.of(), keptSink, sink("gw/changed", changed.url(), 100, 40, HOUR, 0));
        second.takeOver(first);

        // the dropped and the changed sinks flush what they held, then the removed one's meters go
        await().atMost(Duration.ofSeconds(10)).until(() -> changed.records().size() == 3
                && removed.records().size() == 3);
        await().until(() -> queue("gw/removed") == -1 && count("gw/removed", "sent") == -1);
        assertThat(kept.received()).isEmpty();
        assertThat(queue("gw/kept")).isEqualTo(3); // still queued, in the worker the new config kept

        second.offer(CallRecords.ok("q3", null));
        second.close();
        assertThat(FakeSink.requestIds(kept.records())).containsExactly("q0", "q1", "q2", "q3");
        assertThat(FakeSink.requestIds(changed.records())).containsExactly("q0", "q1", "q2", "q3");
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void aReloadDuringADeliveryOfAKeptSinkLetsItFinishOnThePreviousClient() {
        FakeSink slow = fake().delay(600);
        GatewayConfig.Sink keptSink = sink("gw/kept-busy", slow.url(), 100, 2, HOUR, 3);
        Callbacks first = callbacks(FAST, Map.of(), keptSink);
        records(2, "b", null).forEach(first::offer);
        await().atMost(Duration.ofSeconds(10)).until(() -> slow.received().size() == 1); // answered 600 ms later

        Callbacks second = callbacks(FAST, Map.of(), keptSink);
        second.takeOver(first);

        await().atMost(Duration.ofSeconds(10)).until(() -> count("gw/kept-busy", "sent") == 2);
        assertThat(slow.received()).hasSize(1); // not failed by a closed client, so not retried: no duplicate
        assertThat(count("gw/kept-busy", "failed")).isZero();
        second.offer(CallRecords.ok("b2", null));
        second.close();
        assertThat(FakeSink.requestIds(slow.records())).containsExactly("b0", "b1", "b2");
    }

    @Test
    void sinksThatCannotRunAreSkippedWithAWarningNamingThemAndNothingSecret() {
        FakeSink f = fake();
        GatewayConfig.Sink noUrl = new GatewayConfig.Sink("team-a/no-url", WEBHOOK, null, "team-a", Map.of(),
                Map.of(), false, List.of(), 10, 10, 100, 0);
        GatewayConfig.Sink noSecret = new GatewayConfig.Sink("team-a/no-secret", WEBHOOK, f.url(), "team-a",
                Map.of("authorization", "team-a/hook/token"), Map.of(), false, List.of(), 10, 10, 100, 0);
        GatewayConfig.Sink badRegex = new GatewayConfig.Sink("team-a/bad-regex", WEBHOOK, f.url(), "team-a",
                Map.of("authorization", "team-a/hook/ok"), Map.of(), true, List.of("ok", "(unclosed"), 10, 10, 100,
                0);
        Callbacks c = callbacks(FAST, Map.of("team-a/hook/ok", "Bearer hook-secret-value"), noUrl, noSecret,
                badRegex);

        assertThat(c.isEmpty()).isTrue();
        assertThat(c.wantsContent("team-a")).isFalse();
        c.offer(CallRecords.ok("s1", "team-a"));
        assertThat(logLines()).hasSize(3);
        assertThat(logLines()).anySatisfy(l -> assertThat(l).contains("team-a/no-url").contains("no url"));
        assertThat(logLines()).anySatisfy(l -> assertThat(l).contains("team-a/no-secret").contains("authorization"));
        assertThat(logLines()).anySatisfy(l -> assertThat(l).contains("team-a/bad-regex").contains("#2"));
        assertThat(String.join("\n", logLines())).doesNotContain("hook-secret-value").doesNotContain("(unclosed");
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void failuresLogAtMostOneWarningAMinutePerSink() {
        FakeSink f = fake().status(400);
        Callbacks c = callbacks(FAST, Map.of(), sink("p/noisy", f.url() + "/hook?token=url-secret", 100, 1, HOUR,
                0));
        records(5, "n", null).forEach(c::offer);

        await().atMost(Duration.ofSeconds(10)).until(() -> count("p/noisy", "failed") == 5);
        assertThat(logLines()).hasSize(1);
        assertThat(logLines().get(0)).contains("p/noisy").contains("400").doesNotContain("url-secret")
                .doesNotContain("127.0.0.1");
    }

    @Test
    void noSecretReachesAPayloadOrALogLine() {
        FakeSink hook = fake().script(500, 500, 401);
        FakeSink langfuse = fake().status(207);
        String virtualKey = Keys.generate();
        Map<String, String> secrets = Map.of("gw/hook/token", "Bearer hook-credential-7f3a",
                "gw/lf/public", "pk-lf-public-9c1e", "gw/lf/secret", "sk-lf-secret-2b8d");
        GatewayConfig.Sink webhook = new GatewayConfig.Sink("gw/hook", WEBHOOK, hook.url() + "/in?sig=query-secret",
                null, Map.of("authorization", "gw/hook/token"), Map.of("x-source", "tollgate"), true, List.of(), 100,
                2, HOUR, 3);
        GatewayConfig.Sink lf = new GatewayConfig.Sink("gw/langfuse", GatewayConfig.Sink.LANGFUSE, langfuse.url(),
                null, Map.of("publicKey", "gw/lf/public", "secretKey", "gw/lf/secret"), Map.of(), true, List.of(),
                100, 2, HOUR, 0);
        Callbacks c = callbacks(FAST, secrets, webhook, lf);

        c.offer(CallRecords.withContent(CallRecords.ok("k1", "team-a"), "my key is " + virtualKey, "noted"));
        c.offer(CallRecords.failed("k2", "team-a", "Incorrect API key provided: " + virtualKey));
        c.offer(CallRecords.ok("k3", "team-a"));
        c.offer(CallRecords.ok("k4", "team-a"));

        await().atMost(Duration.ofSeconds(10)).until(() -> count("gw/hook", "sent") + count("gw/hook", "failed") == 4
                && count("gw/langfuse", "sent") == 4);
        assertThat(count("gw/hook", "failed")).isEqualTo(2); // 500, 500, then a 401 for the first batch of 2
        assertThat(hook.received()).hasSize(4);

        List<String> seen = new ArrayList<>();
        for (FakeSink f : List.of(hook, langfuse)) {
            for (FakeSink.Received r : f.received()) {
                seen.add(r.uri());
                seen.add(r.body());
                r.headers().forEach((name, value) -> {
                    if (!name.equals("authorization")) { // where the sink's own credential belongs
                        seen.add(name + ": " + value);
                    }
                });
                assertThat(r.header("authorization")).doesNotContain(Keys.PREFIX);
            }
        }
        seen.addAll(logLines());
        assertThat(logLines()).isNotEmpty();
        String everything = String.join("\n", seen);
        assertThat(everything).doesNotContain(virtualKey).doesNotContainPattern("sk-tg-[A-Za-z0-9_-]{8,}");
        for (String secret : secrets.values()) {
            assertThat(everything).doesNotContain(secret);
        }
        assertThat(String.join("\n", logLines())).doesNotContain("query-secret").doesNotContain("sig=");
        // the credentials went where they belong, and only there
        assertThat(hook.received()).allSatisfy(r -> assertThat(r.header("authorization"))
                .isEqualTo("Bearer hook-credential-7f3a"));
        assertThat(langfuse.received()).allSatisfy(r -> assertThat(r.header("authorization")).isEqualTo("Basic "
                + java.util.Base64.getEncoder().encodeToString("pk-lf-public-9c1e:sk-lf-secret-2b8d".getBytes())));
    }

    List<String> logLines() {
        List<String> lines = new ArrayList<>();
        for (LogRecord l : LOGS) {
            lines.add(format(l));
        }
        return lines;
    }

    static String format(LogRecord l) {
        String message = l.getMessage();
        Object[] params = l.getParameters();
        if (params != null && params.length > 0 && message.contains("%")) {
            try {
                return String.format(message, params);
            } catch (RuntimeException e) {
                return message;
            }
        }
        return message;
    }
}
