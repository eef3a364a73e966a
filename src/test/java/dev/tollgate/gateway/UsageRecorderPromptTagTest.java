package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.RedisServer;
import dev.tollgate.config.UsageReport;
import dev.tollgate.gateway.limits.SharedStore;
import dev.tollgate.gateway.prompt.PromptUse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Usage per prompt version and per request tag: each gets the figures the request's key gets (requests, errors,
 * tokens, spend; a superseded attempt's tokens and spend but not a request), in the report, in the journal and back
 * from it for a crashed incarnation; a gateway serving neither writes the report and journal it wrote before.
 */
class UsageRecorderPromptTagTest {
    static RedisServer server;
    static Vertx vertx;
    static RedisAPI redis;

    @BeforeAll
    static void start() {
        server = RedisServer.start();
        vertx = Vertx.vertx();
        redis = new SharedStore(vertx).redis(server.url(), null);
    }

    @AfterAll
    static void stop() {
        vertx.close();
        server.close();
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static RequestContext ctx(PromptUse prompt, List<String> tags, int status, long in, long out, long cost) {
        RequestContext ctx = UsageRecorderCacheTest.ctx("team-a/k", "team-a/m");
        ctx.prompt = prompt;
        ctx.tags = tags;
        ctx.status = status;
        ctx.usage = new TokenUsage(in, out, 0, 0);
        ctx.costMicros = cost;
        return ctx;
    }

    static void serve(UsageRecorder r, RequestContext ctx) {
        r.admit(ctx);
        r.complete(ctx);
    }

    static final PromptUse V3 = new PromptUse("team-a/support", 3, "production");
    static final PromptUse V4 = new PromptUse("team-a/support", 4, null);

    @Test
    void aPromptVersionAndEachTagGetTheFiguresTheKeyGets() {
        UsageRecorder r = new UsageRecorder();
        serve(r, ctx(V3, List.of("cost-center:42", "team-a"), 200, 100, 20, 1_000));
        serve(r, ctx(V3, List.of("team-a"), 502, 0, 0, 0));
        serve(r, ctx(V4, List.of(), 200, 50, 10, 400));
        serve(r, ctx(null, List.of("team-a"), 200, 7, 3, 90));
        // an attempt a retry replaced: its tokens and spend count, it is not one of the requests
        RequestContext superseded = ctx(V4, List.of("team-a"), 503, 30, 0, 60);
        superseded.superseded = true;
        serve(r, superseded);

        UsageReport report = r.report("v");
        UsageReport.Counters v3 = report.prompts().get("team-a/support@3");
        assertThat(v3.requests()).isEqualTo(2);
        assertThat(v3.errors()).isEqualTo(1);
        assertThat(v3.inputTokens()).isEqualTo(100);
        assertThat(v3.outputTokens()).isEqualTo(20);
        assertThat(v3.spendMicros()).isEqualTo(1_000);
        assertThat(v3.lastUsedAt()).isNotNull();
        UsageReport.Counters v4 = report.prompts().get("team-a/support@4");
        assertThat(v4.requests()).as("the superseded attempt is not a request").isEqualTo(1);
        assertThat(v4.errors()).isZero();
        assertThat(v4.inputTokens()).isEqualTo(80);
        assertThat(v4.spendMicros()).as("but its spend counts, as it does for the key").isEqualTo(460);
        assertThat(report.prompts()).hasSize(2);

        UsageReport.Counters team = report.tags().get("team-a");
        assertThat(team.requests()).isEqualTo(3);
        assertThat(team.errors()).isEqualTo(1);
        assertThat(team.inputTokens()).isEqualTo(137);
        assertThat(team.outputTokens()).isEqualTo(23);
        assertThat(team.spendMicros()).isEqualTo(1_150);
        UsageReport.Counters cc = report.tags().get("cost-center:42");
        assertThat(cc.requests()).isEqualTo(1);
        assertThat(cc.spendMicros()).isEqualTo(1_000);
        assertThat(report.tags()).hasSize(2);

        UsageReport.Counters key = report.keys().get("team-a/k");
        assertThat(key.requests()).isEqualTo(4);
        assertThat(key.spendMicros()).isEqualTo(1_550);
        assertThat(key.spendMicros()).as("every request of the key used a prompt version or none")
                .isEqualTo(v3.spendMicros() + v4.spendMicros() + 90);
        // the figures survive the report's JSON (the operator's and standalone's reader)
        JsonNode json = Json.parse(report.toJson());
        assertThat(json.path("prompts").path("team-a/support@3").path("spendMicros").asLong()).isEqualTo(1_000);
        assertThat(json.path("tags").path("team-a").path("requests").asLong()).isEqualTo(3);
    }

    @Test
    void tenThousandClientChosenTagsKeepTheTagCountersAtTheCapAndTheRestGoToOther() {
        UsageRecorder r = new UsageRecorder(); // the default cap, tollgate.gateway.max-tracked-tags: 1000
        long spend = 0;
        for (int i = 0; i < 10_000; i++) {
            serve(r, ctx(null, List.of("t" + i), 200, 1, 1, 7 + i % 3));
            spend += 7 + i % 3;
        }
        // a request with two new tags past the cap is one request of (other), not two; a tracked tag stays its own
        serve(r, ctx(null, List.of("new-a", "new-b", "t5"), 200, 1, 1, 11));
        spend += 11;
        UsageReport report = r.report("v");
        assertThat(report.tags()).hasSize(1001).containsKey(UsageRecorder.OTHER_TAG).containsKey("t999")
                .doesNotContainKey("t1000").doesNotContainKey("new-a");
        assertThat(r.allFields().keySet().stream().filter(f -> f.startsWith("t|") && f.endsWith("|req")))
                .as("journal fields: one set per tracked tag").hasSize(1001);
        UsageReport.Counters other = report.tags().get(UsageRecorder.OTHER_TAG);
        assertThat(other.requests()).isEqualTo(9_000 + 1);
        assertThat(report.tags().get("t5").requests()).isEqualTo(2);
        long tagSpend = report.tags().values().stream().mapToLong(UsageReport.Counters::spendMicros).sum();
        assertThat(tagSpend).as("every request has one tracked tag or (other) once, besides t5's").isEqualTo(spend + 11);
        assertThat(report.keys().get("team-a/k").spendMicros()).isEqualTo(spend);

        UsageRecorder small = new UsageRecorder();
        small.maxTrackedTags(2);
        serve(small, ctx(null, List.of("a", "b", "c", "d"), 200, 1, 1, 5));
        assertThat(small.report("v").tags()).containsOnlyKeys("a", "b", UsageRecorder.OTHER_TAG);
        assertThat(small.report("v").tags().get(UsageRecorder.OTHER_TAG).requests()).isEqualTo(1);
    }

    @Test
    void aGatewayThatServesNoPromptAndNoTagWritesTheReportItWroteBefore() {
        UsageRecorder r = new UsageRecorder();
        serve(r, ctx(null, List.of(), 200, 10, 5, 100));
        UsageReport report = r.report("v");
        assertThat(report.prompts()).isNull();
        assertThat(report.tags()).isNull();
        JsonNode json = Json.parse(report.toJson());
        assertThat(json.has("prompts")).isFalse();
        assertThat(json.has("tags")).isFalse();
        assertThat(r.allFields().keySet()).allMatch(f -> !f.startsWith("p|") && !f.startsWith("t|"));
        assertThat(report.withJournal(new UsageReport.Journal(List.of(), Map.of())).prompts()).isNull();
    }

    @Test
    void theJournalKeepsPromptAndTagFiguresAndACrashedIncarnationsComeBackAsAnOrphans() throws Exception {
        String prefix = "tollgate:prompts/gw:";
        UsageRecorder crashed = new UsageRecorder(Clock.systemUTC(),
                inc -> new UsageJournal(redis, prefix, inc, 600, 60_000));
        await(crashed.heartbeat(null));
        List<Future<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            writes.add(crashed.record(null, "team-a/k", "team-a/m", i % 5 == 0 ? 500 : 200, 10L, 2L, 100, List.of(),
                    false, false, true, i % 2 == 0 ? "team-a/support@3" : null, i % 3 == 0 ? List.of("a", "b/c") : List.of("a")));
        }
        // a superseded attempt (not a request) and the semantic cache's embedding for a prompt request
        writes.add(crashed.record(null, "team-a/k", "team-a/m", 503, 4L, 0L, 7, List.of(), false, true, false,
                "team-a/support@3", List.of("a")));
        await(Future.all(writes));
        JsonNode own = UsageJournalTest.tree(crashed.report("v1"));
        Map<String, Long> stored = new HashMap<>();
        var all = await(redis.hgetall(prefix + "usage:" + crashed.incarnation()));
        for (String f : all.getKeys()) {
            stored.put(f, all.get(f).toLong());
        }
        assertThat(stored).containsEntry("p|team-a/support@3|req", 25L).containsEntry("p|team-a/support@3|spend", 2_507L)
                .containsEntry("t|a|req", 50L).containsEntry("t|a|spend", 5_007L).containsEntry("t|b/c|req", 17L);

        UsageRecorder survivor = new UsageRecorder(Clock.systemUTC(),
                inc -> new UsageJournal(redis, prefix, inc, 600, 60_000));
        await(survivor.heartbeat(null));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        UsageReport orphan;
        do {
            Thread.sleep(100);
            UsageReport r = await(survivor.reportWithJournal(null));
            orphan = r.journal() == null ? null : r.journal().orphans().get(crashed.incarnation());
        } while (orphan == null && System.nanoTime() < deadline);
        assertThat(orphan).isNotNull();
        JsonNode o = UsageJournalTest.tree(orphan);
        for (String section : List.of("prompts", "tags")) {
            own.path(section).fieldNames().forEachRemaining(id -> {
                for (String f : List.of("requests", "errors", "inputTokens", "outputTokens", "spendMicros", "lastUsedAt")) {
                    assertThat(o.path(section).path(id).path(f)).as(section + " " + id + " " + f)
                            .isEqualTo(own.path(section).path(id).path(f));
                }
            });
        }
        assertThat(orphan.prompts()).containsOnlyKeys("team-a/support@3");
        assertThat(orphan.prompts().get("team-a/support@3").errors()).isEqualTo(5);
        assertThat(orphan.tags()).containsOnlyKeys("a", "b/c");
        assertThat(orphan.tags().get("b/c").spendMicros()).isEqualTo(1_700);
        assertThat(orphan.keys().get("team-a/k").requests()).as("the key's figures are read back as before").isEqualTo(50);
        assertThat(UsageRecorder.orphan(Map.of("startedAt", 1L, "k|ns/k|req", 1L)).prompts())
                .as("an orphan that journaled none has none").isNull();
    }

    @Test
    void aCacheHitOfAPromptRequestIsOneOfItsVersionsAndTagsRequests() {
        UsageRecorder r = new UsageRecorder();
        RequestContext ctx = ctx(V3, List.of("team-a"), 200, 0, 0, 0);
        r.cacheHit(ctx, "team-a/m", true, 500);
        UsageReport report = r.report("v");
        assertThat(report.prompts().get("team-a/support@3").requests()).isEqualTo(1);
        assertThat(report.prompts().get("team-a/support@3").cacheHits()).isEqualTo(1);
        assertThat(report.tags().get("team-a").cacheSavedMicros()).isEqualTo(500);
        assertThat(report.keys().get("team-a/k").requests()).isEqualTo(1);
    }
}
