package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.RedisServer;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.UsageReport;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import dev.tollgate.gateway.budget.BudgetLedger;
import dev.tollgate.gateway.limits.SharedStore;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The cache figures of the usage report: response-cache hits (exact and semantic) are requests without tokens or
 * spend that add to the hits and the saved spend; a charged hit is counted once, with its charge; the provider's
 * prompt-cache tokens are counted from the request's usage; all of it survives a crash through the journal.
 */
class UsageRecorderCacheTest {
    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static RequestContext ctx(String keyId, String deploymentId) {
        RoutingContext rc = (RoutingContext) Proxy.newProxyInstance(UsageRecorderCacheTest.class.getClassLoader(),
                new Class<?>[] {RoutingContext.class}, (proxy, method, args) -> null);
        RequestContext ctx = new RequestContext(rc, "req-1", WireFormat.OPENAI, Operation.CHAT, null);
        ctx.key = new GatewayConfig.Key(keyId, List.of(), List.of(), null, null, null, null, false, null);
        ctx.deployment = deploymentId == null ? null : new GatewayConfig.Model(deploymentId, "m", "anthropic",
                "claude", null, null, null, null, null, null, null, 1, 1_000, null, null, "reject", null);
        ctx.status = 200;
        return ctx;
    }

    @Test
    void aHitIsOneOfTheKeysRequestsWithoutTokensOrSpendAndAddsItsSavedSpend() throws Exception {
        UsageRecorder r = new UsageRecorder();
        await(r.record(null, "ns/k", "ns/m", 200, 100L, 20L, 1_500, List.of(), false, false));
        r.cacheHit(null, "ns/k", "ns/m", false, 1_500);
        // the stored answer's deployment is no longer served: the hit still counts under its id
        await(r.hit(null, "ns/k", "ns/gone", true, 700));

        UsageReport.Counters key = r.report("v").keys().get("ns/k");
        assertThat(key.requests()).isEqualTo(3);
        assertThat(key.errors()).isZero();
        assertThat(key.inputTokens()).isEqualTo(100);
        assertThat(key.outputTokens()).isEqualTo(20);
        assertThat(key.spendMicros()).as("a hit never adds spend").isEqualTo(1_500);
        assertThat(key.cacheHits()).isEqualTo(2);
        assertThat(key.semanticCacheHits()).isEqualTo(1);
        assertThat(key.cacheSavedMicros()).isEqualTo(2_200);
        assertThat(key.rpm()).as("no upstream call, no rate-limit unit: not in the last minute's rpm").isEqualTo(1);
        assertThat(key.tpm()).isEqualTo(120);
        assertThat(key.lastUsedAt()).isNotNull();

        UsageReport.Counters m = r.report("v").models().get("ns/m");
        assertThat(m.requests()).isEqualTo(2);
        assertThat(m.cacheHits()).isEqualTo(1);
        assertThat(m.semanticCacheHits()).as("none of its hits was semantic").isNull();
        assertThat(m.cacheSavedMicros()).isEqualTo(1_500);
        assertThat(m.spendMicros()).isEqualTo(1_500);
        UsageReport.Counters gone = r.report("v").models().get("ns/gone");
        assertThat(gone.requests()).isEqualTo(1);
        assertThat(gone.cacheHits()).isEqualTo(1);
        assertThat(gone.semanticCacheHits()).isEqualTo(1);
        assertThat(gone.cacheSavedMicros()).isEqualTo(700);
        assertThat(gone.spendMicros()).isZero();
        assertThat(r.report("v").health().get("ns/gone").requests())
                .as("a hit is no upstream call: the deployment's health counts none").isZero();
    }

    @Test
    void theProvidersPromptCacheTokensAreCountedForTheKeyAndTheDeployment() {
        UsageRecorder r = new UsageRecorder();
        RequestContext ctx = ctx("ns/k", "ns/m");
        // Anthropic's decomposition: 100 uncached, 30 written to the cache, 400 read from it; 20 out
        ctx.usage = new TokenUsage(100, 20, 30, 400);
        ctx.costMicros = 900L;
        r.admit(ctx);
        r.complete(ctx);
        RequestContext plain = ctx("ns/k", "ns/m");
        plain.usage = new TokenUsage(10, 5, 0, 0);
        plain.costMicros = 100L;
        r.admit(plain);
        r.complete(plain);

        for (UsageReport.Counters c : List.of(r.report("v").keys().get("ns/k"), r.report("v").models().get("ns/m"))) {
            assertThat(c.inputTokens()).as("the cached tokens are part of the input").isEqualTo(540);
            assertThat(c.outputTokens()).isEqualTo(25);
            assertThat(c.cachedInputTokens()).isEqualTo(400);
            assertThat(c.cacheWriteTokens()).isEqualTo(30);
            assertThat(c.cacheHits()).as("no response-cache hit").isNull();
            assertThat(c.spendMicros()).isEqualTo(1_000);
        }
    }

    @Test
    void aChargedHitRunsTheStagesAndIsCountedOnceWithItsChargeAndNoTokens() {
        UsageRecorder r = new UsageRecorder();
        RequestContext ctx = ctx("ns/k", null); // the stored answer's deployment: only its id is known
        UsageRecorder.chargedHit(ctx, "ns/m", true, 2_000);
        ctx.costMicros = 2_000L; // what the budget stage charged: the stored cost
        ctx.usage = new TokenUsage(50, 10, 0, 40); // the stored answer's usage, shown to the client: no provider tokens now
        ctx.attributes.put(BudgetInterceptor.class, List.of(new BudgetLedger.Charge("ns/b", 1_767_225_600_000L, 10_000_000, 2_000)));
        r.admit(ctx);
        r.complete(ctx);

        UsageReport report = r.report("v");
        UsageReport.Counters key = report.keys().get("ns/k");
        assertThat(key.requests()).isEqualTo(1);
        assertThat(key.cacheHits()).isEqualTo(1);
        assertThat(key.semanticCacheHits()).isEqualTo(1);
        assertThat(key.cacheSavedMicros()).isEqualTo(2_000);
        assertThat(key.spendMicros()).as("charged").isEqualTo(2_000);
        assertThat(key.budgets()).containsExactly(Map.entry("ns/b@1767225600000", 2_000L));
        assertThat(key.inputTokens()).isZero();
        assertThat(key.outputTokens()).isZero();
        assertThat(key.cachedInputTokens()).isNull();
        assertThat(report.budgets().get("ns/b@1767225600000").spendMicros()).isEqualTo(2_000);
        assertThat(report.models().get("ns/m").requests()).isEqualTo(1);
        assertThat(report.models().get("ns/m").cacheHits()).isEqualTo(1);
    }

    @Test
    void withoutCacheActivityTheReportIsWhatItWasBefore() throws Exception {
        UsageRecorder r = new UsageRecorder();
        await(r.record(null, "ns/k", "ns/m", 200, 1L, 1L, 5, List.of(), false, false));
        JsonNode key = Json.parse(r.report("v").toJson()).path("keys").path("ns/k");
        assertThat(key.fieldNames()).toIterable().doesNotContain("cacheHits", "semanticCacheHits", "cacheSavedMicros",
                "cachedInputTokens", "cacheWriteTokens");
        assertThat(r.allFields().keySet()).as("nor is the journal").noneMatch(f -> f.matches(".*\\|(hit|semhit|saved|cread|cwrite)$"));
    }

    @Test
    void theJournalsFieldsReadBackAsTheSameCacheFigures() throws Exception {
        UsageRecorder r = new UsageRecorder();
        await(r.record(null, "ns/k", "ns/m", 200, 100L, 10L, 7L, 3L, 500, List.of(), false, false, true));
        await(r.hit(null, "ns/k", "ns/m", false, 500));
        await(r.hit(null, "ns/k", "ns/m", true, 400));
        Map<String, Long> fields = r.allFields();
        assertThat(fields).containsEntry("k|ns/k|hit", 2L).containsEntry("k|ns/k|semhit", 1L)
                .containsEntry("k|ns/k|saved", 900L).containsEntry("k|ns/k|cread", 7L).containsEntry("k|ns/k|cwrite", 3L)
                .containsEntry("m|ns/m|hit", 2L);
        UsageReport orphan = UsageRecorder.orphan(fields);
        UsageReport live = r.report("v");
        for (String id : List.of("ns/k")) {
            UsageReport.Counters o = orphan.keys().get(id);
            UsageReport.Counters l = live.keys().get(id);
            assertThat(o).isEqualTo(new UsageReport.Counters(l.requests(), l.errors(), l.inputTokens(), l.outputTokens(),
                    l.spendMicros(), null, null, null, null, l.budgets(), l.lastUsedAt(), 2L, 1L, 900L, 7L, 3L));
        }
        assertThat(orphan.models().get("ns/m").cacheSavedMicros()).isEqualTo(900);
    }

    @Test
    void aCrashedProcesssCacheFiguresSurviveInRedis() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            Vertx vertx = Vertx.vertx();
            try {
                var redis = new SharedStore(vertx).redis(server.url(), null);
                String prefix = "tollgate:cache/gw:";
                UsageRecorder crashed = new UsageRecorder(Clock.systemUTC(), inc -> new UsageJournal(redis, prefix, inc, 300, 60_000));
                await(crashed.heartbeat(null));
                await(crashed.record(null, "ns/k", "ns/m", 200, 100L, 10L, 60L, 5L, 800, List.of(), false, false, true));
                await(crashed.hit(null, "ns/k", "ns/m", true, 800)); // each write carries its counters: no heartbeat needed
                UsageReport.Counters own = crashed.report("v").keys().get("ns/k");

                UsageRecorder survivor = new UsageRecorder(Clock.systemUTC(), inc -> new UsageJournal(redis, prefix, inc, 60_000, 60_000));
                await(survivor.heartbeat(null));
                UsageReport read;
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                do {
                    Thread.sleep(100);
                    read = await(survivor.reportWithJournal(null));
                } while (!read.journal().orphans().containsKey(crashed.incarnation()) && System.nanoTime() < deadline);
                UsageReport.Counters orphan = UsageReport.read(read.toJson()).journal().orphans().get(crashed.incarnation())
                        .keys().get("ns/k");
                assertThat(orphan.cacheHits()).isEqualTo(1).isEqualTo(own.cacheHits());
                assertThat(orphan.semanticCacheHits()).isEqualTo(1);
                assertThat(orphan.cacheSavedMicros()).isEqualTo(800);
                assertThat(orphan.cachedInputTokens()).isEqualTo(60);
                assertThat(orphan.cacheWriteTokens()).isEqualTo(5);
                assertThat(orphan.requests()).isEqualTo(2);
            } finally {
                vertx.close();
            }
        }
    }
}
