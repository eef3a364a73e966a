package dev.tollgate.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import dev.tollgate.gateway.budget.BudgetLedger;
import io.vertx.core.Future;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What this gateway process has served, as cumulative counters since it started, tagged with its incarnation id
 * (a UUID per process). The operator reads these and writes each incarnation's figures into status as a value
 * (set, not add), so reading twice, or an operator restart between two reads, counts nothing twice; an
 * incarnation that has ended is folded into a total once. Admitted first and completed last of the request
 * stages, it sees every admitted request's final status, usage and charged cost.
 */
@ApplicationScoped
public class UsageRecorder implements RequestInterceptor {
    /** Counters of one key or one deployment. */
    static final class Counters {
        final LongAdder requests = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder inputTokens = new LongAdder();
        final LongAdder outputTokens = new LongAdder();
        final LongAdder spendMicros = new LongAdder();
        final AtomicLong lastUsedMillis = new AtomicLong();
        /** Requests and tokens per second over the last minute, for rpm/tpm in use. */
        final AtomicLongArray requestRing = new AtomicLongArray(60);
        final AtomicLongArray tokenRing = new AtomicLongArray(60);
        final AtomicLongArray ringSecond = new AtomicLongArray(60);
        /** Requests refused by the key's own rate limits, per second over the last minute. */
        final AtomicLongArray limitedRing = new AtomicLongArray(60);
        /** Upstream failures (5xx, timeouts, unreachable), per second over the last minute. */
        final AtomicLongArray failedRing = new AtomicLongArray(60);
        /** Spend per budget period ("budgetId@periodStartMillis") this key was charged to. */
        final Map<String, LongAdder> budgetSpend = new ConcurrentHashMap<>();
    }

    private final String incarnation = UUID.randomUUID().toString();
    private final Clock clock;
    private final Instant startedAt;
    private final Map<String, Counters> keys = new ConcurrentHashMap<>();
    private final Map<String, Counters> models = new ConcurrentHashMap<>();
    /** "budgetId@periodStartMillis" -> spend charged by this incarnation. */
    private final Map<String, LongAdder> budgets = new ConcurrentHashMap<>();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();

    public UsageRecorder() {
        this(Clock.systemUTC());
    }

    UsageRecorder(Clock clock) {
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    @Override
    public int order() {
        return 0;
    }

    @Override
    public Future<Void> admit(RequestContext ctx) {
        inFlight.incrementAndGet();
        return Future.succeededFuture();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void complete(RequestContext ctx) {
        inFlight.decrementAndGet();
        long now = clock.millis();
        long cost = Metering.cost(ctx).orElse(0);
        long tokens = ctx.usage == null ? 0 : ctx.usage.totalTokens();
        for (Counters c : List.of(keys.computeIfAbsent(ctx.key.id(), k -> new Counters()),
                models.computeIfAbsent(ctx.deployment.id(), k -> new Counters()))) {
            c.requests.increment();
            if (ctx.status >= 400) {
                c.errors.increment();
            }
            if (ctx.usage != null) {
                c.inputTokens.add(ctx.usage.promptTokens());
                c.outputTokens.add(ctx.usage.outputTokens());
            }
            c.spendMicros.add(cost);
            c.lastUsedMillis.accumulateAndGet(now, Math::max);
            tick(c, now / 1000, tokens, ctx.error != null && "rate_limit_exceeded".equals(ctx.error.code()),
                    ctx.upstreamFailed);
        }
        var charges = (List<BudgetLedger.Charge>) ctx.attributes.get(BudgetInterceptor.class);
        if (charges != null) {
            Counters key = keys.get(ctx.key.id());
            charges.forEach(ch -> {
                String slot = ch.budgetId() + "@" + ch.periodStartMillis();
                budgets.computeIfAbsent(slot, k -> new LongAdder()).add(cost);
                key.budgetSpend.computeIfAbsent(slot, k -> new LongAdder()).add(cost);
            });
        }
    }

    private static void tick(Counters c, long second, long tokens, boolean limited, boolean failed) {
        int slot = (int) (second % 60);
        if (c.ringSecond.getAndSet(slot, second) != second) {
            c.requestRing.set(slot, 0);
            c.tokenRing.set(slot, 0);
            c.limitedRing.set(slot, 0);
            c.failedRing.set(slot, 0);
        }
        if (failed) {
            c.failedRing.incrementAndGet(slot);
        }
        c.requestRing.incrementAndGet(slot);
        c.tokenRing.addAndGet(slot, tokens);
        if (limited) {
            c.limitedRing.incrementAndGet(slot);
        }
    }

    /** The operator read the report (counted so a stopping gateway knows its last figures were handed over). */
    public void markRead() {
        reads.incrementAndGet();
    }

    /**
     * Waits until no request is in flight and the report has been read at least once after that, or the timeout
     * passes: a stopping gateway's hand-over of its last usage. Returns whether the hand-over happened.
     */
    public boolean awaitHandover(java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        long before = reads.get();
        while (reads.get() == before && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return inFlight.get() == 0 && reads.get() > before;
    }

    public String incarnation() {
        return incarnation;
    }

    /** The report the operator (or standalone's status view) reads: cumulative since {@link #startedAt}. */
    public ObjectNode report(String configVersion) {
        long nowSecond = clock.millis() / 1000;
        ObjectNode r = Json.object();
        r.put("schema", "tollgate.dev/gateway-usage/v1");
        r.put("incarnation", incarnation);
        r.put("startedAt", startedAt.toString());
        r.put("config", configVersion);
        ObjectNode k = r.putObject("keys");
        new TreeMap<>(keys).forEach((id, c) -> k.set(id, counters(c, nowSecond)));
        ObjectNode m = r.putObject("models");
        new TreeMap<>(models).forEach((id, c) -> m.set(id, counters(c, nowSecond)));
        ObjectNode b = r.putObject("budgets");
        new TreeMap<>(budgets).forEach((slot, spend) -> {
            int at = slot.lastIndexOf('@');
            ObjectNode e = b.putObject(slot);
            e.put("budget", slot.substring(0, at));
            e.put("periodStart", Instant.ofEpochMilli(Long.parseLong(slot.substring(at + 1))).toString());
            e.put("spendMicros", spend.sum());
        });
        return r;
    }

    private static ObjectNode counters(Counters c, long nowSecond) {
        ObjectNode o = Json.object();
        o.put("requests", c.requests.sum());
        o.put("errors", c.errors.sum());
        o.put("inputTokens", c.inputTokens.sum());
        o.put("outputTokens", c.outputTokens.sum());
        o.put("spendMicros", c.spendMicros.sum());
        long rpm = 0;
        long tpm = 0;
        long limited = 0;
        long failed = 0;
        for (int i = 0; i < 60; i++) {
            if (nowSecond - c.ringSecond.get(i) < 60) {
                rpm += c.requestRing.get(i);
                tpm += c.tokenRing.get(i);
                limited += c.limitedRing.get(i);
                failed += c.failedRing.get(i);
            }
        }
        o.put("upstreamFailures", failed);
        o.put("rpm", rpm);
        o.put("tpm", tpm);
        o.put("rateLimited", limited);
        if (!c.budgetSpend.isEmpty()) {
            ObjectNode b = o.putObject("budgets");
            new TreeMap<>(c.budgetSpend).forEach((slot, spend) -> b.put(slot, spend.sum()));
        }
        if (c.lastUsedMillis.get() > 0) {
            o.put("lastUsedAt", Instant.ofEpochMilli(c.lastUsedMillis.get()).toString());
        }
        return o;
    }
}
