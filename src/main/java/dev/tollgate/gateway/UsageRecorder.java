package dev.tollgate.gateway;

import dev.tollgate.config.UsageReport;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import dev.tollgate.gateway.budget.BudgetLedger;
import dev.tollgate.gateway.chargeback.ChargebackLedger;
import dev.tollgate.gateway.limits.SharedStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * What this gateway process has served, as cumulative counters since it started, tagged with its incarnation id
 * (a UUID per process). The operator reads these and writes each incarnation's figures into status as a value
 * (set, not add), so reading twice, or an operator restart between two reads, counts nothing twice; an
 * incarnation that has ended is folded into a total once. Admitted first and completed last of the request
 * stages, it sees every admitted request's final status, usage and charged cost.
 *
 * <p>When the gateway names a Redis, the counters are also kept there ({@link UsageJournal}): each completed
 * request raises its counters in Redis right after it completed, a heartbeat rewrites all of them, and the report
 * lists what Redis holds of incarnations whose heartbeat expired (crashed processes), so their usage survives them.
 */
@ApplicationScoped
public class UsageRecorder implements RequestInterceptor {
    private static final Logger LOG = Logger.getLogger(UsageRecorder.class);
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
        /** Requests answered from the response cache, of them by the semantic cache, and what those answers cost. */
        final LongAdder cacheHits = new LongAdder();
        final LongAdder semanticCacheHits = new LongAdder();
        final LongAdder cacheSavedMicros = new LongAdder();
        /** Input tokens the provider read from, and wrote to, its prompt cache. */
        final LongAdder cachedInputTokens = new LongAdder();
        final LongAdder cacheWriteTokens = new LongAdder();
    }

    /**
     * A request answered from the response cache that runs the request stages (hits charged to budgets,
     * {@code Caching.chargeHits}): put on the request's context ({@link #chargedHit}) so that this recorder's
     * {@link #complete} counts it as the hit it is (a request of the key and of {@code deploymentId}, the charged
     * cost as spend, no tokens) instead of as an upstream call; the caller then does not call {@link #cacheHit}.
     *
     * @param deploymentId the deployment whose stored answer was served (it may no longer be served)
     * @param savedMicros  what the stored answer cost when it was made
     */
    public record Hit(String deploymentId, boolean semantic, long savedMicros) {}

    /** Marks {@code ctx} as a charged cache hit (see {@link Hit}). */
    public static void chargedHit(RequestContext ctx, String deploymentId, boolean semantic, long savedMicros) {
        ctx.attributes.put(Hit.class, new Hit(deploymentId, semantic, savedMicros));
    }

    private final String incarnation = UUID.randomUUID().toString();
    private final Clock clock;
    private final Instant startedAt;
    private final Map<String, Counters> keys = new ConcurrentHashMap<>();
    private final Map<String, Counters> models = new ConcurrentHashMap<>();
    /** Per prompt version ({@code <promptId>@<version>}) and per request tag: the figures of the requests that used it. */
    private final Map<String, Counters> prompts = new ConcurrentHashMap<>();
    private final Map<String, Counters> tags = new ConcurrentHashMap<>();
    /**
     * The tag a request's tag is counted under once {@link #maxTrackedTags} distinct tags are tracked: clients choose
     * tags (a key may allow "*"), and each tracked tag costs counters here, journal fields and report entries.
     * Not a valid tag (tags start with a letter or digit), so it names no real one.
     */
    public static final String OTHER_TAG = "(other)";
    /** {@code tollgate.gateway.max-tracked-tags}: the distinct tags this process counts on their own. */
    private volatile int maxTrackedTags = 1000;
    /** "budgetId@periodStartMillis" -> spend charged by this incarnation. */
    private final Map<String, LongAdder> budgets = new ConcurrentHashMap<>();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    /** The journal of the served config's Redis (null when it names none). */
    private final Function<Snapshot, UsageJournal> journals;
    private final ConfigHolder holder;
    private final long heartbeatMillis;
    /** Slow and hanging requests, for the report (the operator's alerts). */
    private final dev.tollgate.gateway.observe.RequestWatch watch;
    /** Routing's view of each deployment's health, for the report. */
    private volatile HealthSource health = HealthSource.NONE;

    public UsageRecorder() {
        this(Clock.systemUTC());
    }

    UsageRecorder(Clock clock) {
        this(clock, null);
    }

    /** A recorder journaling to the given journal of its incarnation (tests: a real Redis, no config), or none. */
    UsageRecorder(Clock clock, Function<String, UsageJournal> journal) {
        this.clock = clock;
        this.watch = new dev.tollgate.gateway.observe.RequestWatch(clock, System::nanoTime);
        this.startedAt = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        UsageJournal j = journal == null ? null : journal.apply(incarnation);
        this.journals = s -> j;
        this.holder = null;
        this.heartbeatMillis = 0;
    }

    @Inject
    public UsageRecorder(SharedStore store, ConfigHolder holder,
            @ConfigProperty(name = "tollgate.gateway.usage-journal-heartbeat-millis", defaultValue = "5000") long heartbeatMillis,
            @ConfigProperty(name = "tollgate.gateway.usage-journal-retention-millis", defaultValue = "3600000") long retentionMillis,
            @ConfigProperty(name = "tollgate.gateway.max-tracked-tags", defaultValue = "1000") int maxTrackedTags) {
        this.maxTrackedTags = Math.max(0, maxTrackedTags);
        this.clock = Clock.systemUTC();
        this.watch = new dev.tollgate.gateway.observe.RequestWatch(clock, System::nanoTime);
        this.startedAt = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        this.holder = holder;
        this.heartbeatMillis = heartbeatMillis;
        this.journals = s -> {
            String url = s == null ? null : s.config().settings().redisUrl();
            return url == null ? null : new UsageJournal(store.redis(url, s.redisPassword()),
                    "tollgate:" + s.config().gateway() + ":", incarnation, 4 * heartbeatMillis, retentionMillis);
        };
    }

    /** Sets {@code tollgate.gateway.max-tracked-tags} (tests). */
    void maxTrackedTags(int max) {
        this.maxTrackedTags = Math.max(0, max);
    }

    /**
     * The tags a request's figures go to: its own while they are tracked or fewer than {@link #maxTrackedTags} are,
     * else {@link #OTHER_TAG} in their place (once per request, however many of its tags it stands for): at most
     * {@code maxTrackedTags} tags and {@link #OTHER_TAG}. The usual request costs a lookup per tag and no allocation;
     * concurrent first uses of new tags may pass the cap by a few.
     */
    List<String> trackedTags(List<String> requestTags) {
        List<String> out = null;
        int room = Integer.MIN_VALUE; // how many more tags may be tracked: worked out at the request's first new tag
        for (int i = 0; i < requestTags.size(); i++) {
            String tag = requestTags.get(i);
            boolean tracked = true;
            if (!tags.containsKey(tag)) {
                if (room == Integer.MIN_VALUE) {
                    room = maxTrackedTags - tags.size() + (tags.containsKey(OTHER_TAG) ? 1 : 0);
                }
                tracked = room-- > 0;
            }
            if (!tracked && out == null) {
                out = new ArrayList<>(requestTags.subList(0, i));
            }
            if (out != null) {
                String t = tracked ? tag : OTHER_TAG;
                if (!out.contains(t)) {
                    out.add(t);
                }
            }
        }
        return out == null ? requestTags : out;
    }

    /**
     * The chargeback ledger: counted here, beside the key's spend, with the same figures (the CDI bean; an in-memory
     * one for the test constructors).
     */
    private ChargebackLedger chargeback = new ChargebackLedger(Clock.systemUTC());

    @Inject
    void useChargeback(ChargebackLedger ledger) {
        this.chargeback = ledger;
    }

    /** The chargeback ledger this recorder counts into. */
    public ChargebackLedger chargeback() {
        return chargeback;
    }

    /** The health the report carries comes from here (the CDI bean: {@link CountsOnlyHealth} unless replaced). */
    @Inject
    void useHealth(HealthSource source) {
        this.health = source == null ? HealthSource.NONE : source;
    }

    /** Starts the journal's heartbeat (gateway and standalone mode; it does nothing while no Redis is named). */
    void onStart(@Observes io.quarkus.runtime.StartupEvent event, Vertx vertx,
            @ConfigProperty(name = "tollgate.mode", defaultValue = "standalone") String mode) {
        if (!"operator".equalsIgnoreCase(mode) && heartbeatMillis > 0) {
            heartbeat(holder.current());
            vertx.setPeriodic(heartbeatMillis, id -> heartbeat(holder.current()));
        }
    }

    /** Tells Redis this process is alive and raises every counter there to its value here. */
    Future<Void> heartbeat(Snapshot s) {
        UsageJournal j = journals.apply(s);
        if (j == null) {
            return Future.succeededFuture();
        }
        return j.heartbeat(allFields()).onFailure(t -> LOG.debugf("usage journal heartbeat failed: %s", t.getMessage()));
    }

    @Override
    public int order() {
        return 0;
    }

    @Override
    public Future<Void> admit(RequestContext ctx) {
        inFlight.incrementAndGet();
        watch.opened(ctx, ctx.rc, ctx.startNanos, thresholds(ctx.snapshot));
        return Future.succeededFuture();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void complete(RequestContext ctx) {
        inFlight.decrementAndGet();
        watch.closed(ctx);
        var charges = (List<BudgetLedger.Charge>) ctx.attributes.get(BudgetInterceptor.class);
        long cost = Metering.cost(ctx).orElse(0); // first: for a cut answer, it counts the tokens that ctx.usage then holds
        List<String> slots = charges == null ? List.of()
                : charges.stream().map(ch -> ch.budgetId() + "@" + ch.periodStartMillis()).toList();
        Hit hit = (Hit) ctx.attributes.get(Hit.class);
        Future<Void> written;
        if (hit != null) {
            // a charged hit the stages refused (a spent budget, a limit) was not served: a refused request, no charge
            boolean served = ctx.status > 0 && ctx.status < 400;
            written = count(ctx.snapshot, ctx.key.id(), hit.deploymentId(), ctx.status, null, null, 0, 0,
                    served ? cost : 0, slots, ctx.error != null && "rate_limit_exceeded".equals(ctx.error.code()), false,
                    true, !served ? NO_HIT : hit.semantic() ? SEMANTIC : EXACT, served ? hit.savedMicros() : 0,
                    promptKey(ctx), ctx.tags);
            chargeback.count(ctx.snapshot, ctx.key, group(ctx), ctx.tags, true, 0, 0, served ? cost : 0);
        } else {
            TokenUsage u = ctx.usage;
            written = count(ctx.snapshot, ctx.key.id(), ctx.deployment.id(), ctx.status, u == null ? null : u.promptTokens(),
                    u == null ? null : u.outputTokens(), u == null ? 0 : u.cacheReadInputTokens(),
                    u == null ? 0 : u.cacheCreationInputTokens(), cost, slots,
                    ctx.error != null && "rate_limit_exceeded".equals(ctx.error.code()), ctx.upstreamFailed, !ctx.superseded,
                    NO_HIT, 0, promptKey(ctx), ctx.tags);
            chargeback.count(ctx.snapshot, ctx.key, group(ctx), ctx.tags, !ctx.superseded,
                    u == null ? 0 : u.promptTokens(), u == null ? 0 : u.outputTokens(), cost);
        }
        written.onFailure(t -> LOG.debugf("usage journal write failed (the next heartbeat repairs it): %s", t.getMessage()));
    }

    /**
     * A request ended (called once per request, by {@code GatewayRoutes.record}): counted as slow or hanging when it
     * took longer than the config's thresholds ({@link dev.tollgate.gateway.observe.RequestWatch}).
     */
    public void requestFinished(RequestContext ctx) {
        watch.finished(thresholds(ctx.snapshot), System.nanoTime() - ctx.startNanos);
    }

    /** The slow and hanging request counters (tests). */
    public dev.tollgate.gateway.observe.RequestWatch requestWatch() {
        return watch;
    }

    private static dev.tollgate.config.GatewayConfig.RequestAlerts thresholds(Snapshot s) {
        return s == null ? null : dev.tollgate.gateway.observe.RequestWatch.thresholds(s.config());
    }

    private static final int NO_HIT = 0;
    private static final int EXACT = 1;
    private static final int SEMANTIC = 2;

    /**
     * Counts one completed request, here and (when a Redis is named) in the journal. The journal write carries the
     * counters' cumulative values read after this request's increments, so it holds at least this request once it
     * lands; the returned future says when it did.
     */
    Future<Void> record(Snapshot snapshot, String keyId, String deploymentId, int status, Long inputTokens,
            Long outputTokens, long cost, List<String> slots, boolean limited, boolean failed) {
        return record(snapshot, keyId, deploymentId, status, inputTokens, outputTokens, cost, slots, limited, failed, true);
    }

    /**
     * {@link #record(Snapshot, String, String, int, Long, Long, long, List, boolean, boolean)} for one attempt of a
     * request: an attempt another one replaced ({@code keyRequest} false) counts as a request and error of its
     * deployment, and its tokens and spend count for the key too, but it is not one of the key's requests. Public for
     * the calls a request makes besides its attempts (the semantic cache's embedding: {@code keyRequest} false).
     */
    public Future<Void> record(Snapshot snapshot, String keyId, String deploymentId, int status, Long inputTokens,
            Long outputTokens, long cost, List<String> slots, boolean limited, boolean failed, boolean keyRequest) {
        return count(snapshot, keyId, deploymentId, status, inputTokens, outputTokens, 0, 0, cost, slots, limited, failed,
                keyRequest, NO_HIT, 0, null, List.of());
    }

    /**
     * {@link #record(Snapshot, String, String, int, Long, Long, long, List, boolean, boolean, boolean)} of a call made
     * for the request {@code ctx} (the semantic cache's embedding): its tokens and spend count for the request's prompt
     * version and tags as they do for its key.
     */
    public Future<Void> record(RequestContext ctx, String deploymentId, int status, Long inputTokens, Long outputTokens,
            long cost, List<String> slots, boolean limited, boolean failed, boolean keyRequest) {
        return count(ctx.snapshot, ctx.key.id(), deploymentId, status, inputTokens, outputTokens, 0, 0, cost, slots, limited,
                failed, keyRequest, NO_HIT, 0, promptKey(ctx), ctx.tags);
    }

    /** The usage report's key of the request's prompt version, or null when it named no prompt. */
    private static String promptKey(RequestContext ctx) {
        return ctx.prompt == null ? null : ctx.prompt.usageKey();
    }

    /**
     * {@link #record(Snapshot, String, String, int, Long, Long, long, List, boolean, boolean, boolean)} with the
     * provider's prompt-cache tokens: {@code cachedInputTokens} read from its cache and {@code cacheWriteTokens}
     * written to it (both parts of {@code inputTokens}).
     */
    Future<Void> record(Snapshot snapshot, String keyId, String deploymentId, int status, Long inputTokens,
            Long outputTokens, long cachedInputTokens, long cacheWriteTokens, long cost, List<String> slots,
            boolean limited, boolean failed, boolean keyRequest) {
        return count(snapshot, keyId, deploymentId, status, inputTokens, outputTokens, cachedInputTokens,
                cacheWriteTokens, cost, slots, limited, failed, keyRequest, NO_HIT, 0, null, List.of());
    }

    /**
     * The same for a request with a prompt version ({@code promptKey}, {@code <promptId>@<version>}, or null) and tags
     * (tests: the request path sets them on the request's context).
     */
    Future<Void> record(Snapshot snapshot, String keyId, String deploymentId, int status, Long inputTokens,
            Long outputTokens, long cost, List<String> slots, boolean limited, boolean failed, boolean keyRequest,
            String promptKey, List<String> requestTags) {
        return count(snapshot, keyId, deploymentId, status, inputTokens, outputTokens, 0, 0, cost, slots, limited, failed,
                keyRequest, NO_HIT, 0, promptKey, requestTags);
    }

    /**
     * Counts one request or attempt. A cache hit ({@code hit} {@link #EXACT} or {@link #SEMANTIC}) is one of the
     * key's and the deployment's requests and adds to their hits and saved spend, but not to the last minute's
     * rings: it was no upstream call (a deployment's requests and failures there are its health) and took no
     * rate-limit unit.
     */
    private Future<Void> count(Snapshot snapshot, String keyId, String deploymentId, int status, Long inputTokens,
            Long outputTokens, long cachedInputTokens, long cacheWriteTokens, long cost, List<String> slots,
            boolean limited, boolean failed, boolean keyRequest, int hit, long savedMicros, String promptKey,
            List<String> requestTags) {
        long now = clock.millis();
        long tokens = (inputTokens == null ? 0 : inputTokens) + (outputTokens == null ? 0 : outputTokens);
        Counters key = keys.computeIfAbsent(keyId, k -> new Counters());
        Counters model = models.computeIfAbsent(deploymentId, k -> new Counters());
        add(key, keyRequest, status, inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, cost, now, tokens,
                limited, failed, hit, savedMicros);
        add(model, true, status, inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, cost, now, tokens,
                limited, failed, hit, savedMicros);
        // a request's prompt version and each of its tags get the figures its key gets (nothing to do without them)
        Counters prompt = null;
        if (promptKey != null) {
            prompt = prompts.computeIfAbsent(promptKey, k -> new Counters());
            add(prompt, keyRequest, status, inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, cost, now,
                    tokens, limited, failed, hit, savedMicros);
        }
        requestTags = trackedTags(requestTags);
        for (int i = 0; i < requestTags.size(); i++) {
            add(tags.computeIfAbsent(requestTags.get(i), k -> new Counters()), keyRequest, status, inputTokens,
                    outputTokens, cachedInputTokens, cacheWriteTokens, cost, now, tokens, limited, failed, hit, savedMicros);
        }
        for (String slot : slots) {
            budgets.computeIfAbsent(slot, k -> new LongAdder()).add(cost);
            key.budgetSpend.computeIfAbsent(slot, k -> new LongAdder()).add(cost);
        }
        UsageJournal journal = journals.apply(snapshot);
        if (journal == null) {
            return Future.succeededFuture();
        }
        Map<String, Long> fields = new LinkedHashMap<>();
        fields.put("startedAt", startedAt.toEpochMilli());
        fields(fields, "k|" + keyId + "|", key);
        fields(fields, "m|" + deploymentId + "|", model);
        if (prompt != null) {
            fields(fields, "p|" + promptKey + "|", prompt);
        }
        for (int i = 0; i < requestTags.size(); i++) {
            fields(fields, "t|" + requestTags.get(i) + "|", tags.get(requestTags.get(i)));
        }
        for (String slot : slots) {
            fields.put("b|" + slot, budgets.get(slot).sum());
            fields.put("k|" + keyId + "|b|" + slot, key.budgetSpend.get(slot).sum());
        }
        return journal.write(fields);
    }

    /**
     * Adds one request or attempt to one set of counters; {@code request}: it is one of their requests (else only its
     * tokens and spend count: an attempt another one replaced, for a key, a prompt version or a tag).
     */
    private static void add(Counters c, boolean request, int status, Long inputTokens, Long outputTokens,
            long cachedInputTokens, long cacheWriteTokens, long cost, long now, long tokens, boolean limited,
            boolean failed, int hit, long savedMicros) {
        if (request) {
            c.requests.increment();
            if (status >= 400) {
                c.errors.increment();
            }
        }
        if (inputTokens != null) {
            c.inputTokens.add(inputTokens);
            c.outputTokens.add(outputTokens);
        }
        if (cachedInputTokens != 0) {
            c.cachedInputTokens.add(cachedInputTokens);
        }
        if (cacheWriteTokens != 0) {
            c.cacheWriteTokens.add(cacheWriteTokens);
        }
        c.spendMicros.add(cost);
        c.lastUsedMillis.accumulateAndGet(now, Math::max);
        if (hit == NO_HIT) {
            tick(c, now / 1000, tokens, limited, failed);
        } else {
            c.cacheHits.increment();
            if (hit == SEMANTIC) {
                c.semanticCacheHits.increment();
            }
            c.cacheSavedMicros.add(savedMicros);
        }
    }

    private static void fields(Map<String, Long> out, String prefix, Counters c) {
        out.put(prefix + "req", c.requests.sum());
        out.put(prefix + "err", c.errors.sum());
        out.put(prefix + "in", c.inputTokens.sum());
        out.put(prefix + "out", c.outputTokens.sum());
        out.put(prefix + "spend", c.spendMicros.sum());
        out.put(prefix + "last", c.lastUsedMillis.get());
        // the cache figures only once they are not 0: a gateway that caches nothing journals what it did before
        putFigure(out, prefix + "hit", c.cacheHits.sum());
        putFigure(out, prefix + "semhit", c.semanticCacheHits.sum());
        putFigure(out, prefix + "saved", c.cacheSavedMicros.sum());
        putFigure(out, prefix + "cread", c.cachedInputTokens.sum());
        putFigure(out, prefix + "cwrite", c.cacheWriteTokens.sum());
    }

    private static void putFigure(Map<String, Long> out, String field, long v) {
        if (v != 0) {
            out.put(field, v);
        }
    }

    /** Every counter, as journal fields. */
    Map<String, Long> allFields() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("startedAt", startedAt.toEpochMilli());
        keys.forEach((id, c) -> {
            fields(out, "k|" + id + "|", c);
            c.budgetSpend.forEach((slot, v) -> out.put("k|" + id + "|b|" + slot, v.sum()));
        });
        models.forEach((id, c) -> fields(out, "m|" + id + "|", c));
        prompts.forEach((id, c) -> fields(out, "p|" + id + "|", c));
        tags.forEach((tag, c) -> fields(out, "t|" + tag + "|", c));
        budgets.forEach((slot, v) -> out.put("b|" + slot, v.sum()));
        return out;
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

    /**
     * A request answered from the cache (exact or semantic): one of the key's requests (and of the deployment that
     * made the stored answer, counted under its id even when it is no longer served), no tokens from a provider, no
     * spend; {@code savedMicros} (what the stored answer cost) counts as the key's and the deployment's saved spend.
     * Not in the last minute's rpm/tpm (no upstream call, no rate-limit unit). A hit that is charged runs the request
     * stages instead: see {@link #chargedHit}, and then this is not called.
     */
    public void cacheHit(Snapshot snapshot, String keyId, String deploymentId, boolean semantic, long savedMicros) {
        count(snapshot, keyId, deploymentId, 200, null, null, 0, 0, 0, List.of(), false, false, true,
                semantic ? SEMANTIC : EXACT, savedMicros, null, List.of())
                .onFailure(t -> LOG.debugf("usage journal write failed (the next heartbeat repairs it): %s", t.getMessage()));
    }

    /**
     * {@link #cacheHit(Snapshot, String, String, boolean, long)} of the request {@code ctx}: also one of its prompt
     * version's and tags' requests, and one request, no tokens and no spend, in the chargeback ledger.
     */
    public void cacheHit(RequestContext ctx, String deploymentId, boolean semantic, long savedMicros) {
        count(ctx.snapshot, ctx.key.id(), deploymentId, 200, null, null, 0, 0, 0, List.of(), false, false, true,
                semantic ? SEMANTIC : EXACT, savedMicros, promptKey(ctx), ctx.tags)
                .onFailure(t -> LOG.debugf("usage journal write failed (the next heartbeat repairs it): %s", t.getMessage()));
        chargeback.count(ctx.snapshot, ctx.key, group(ctx), ctx.tags, true, 0, 0, 0);
    }

    /** The model group a request is counted under in the chargeback: the group that served it, else the one asked. */
    private static String group(RequestContext ctx) {
        return ctx.deployment != null ? ctx.deployment.modelName() : ctx.modelName;
    }

    /** {@link #cacheHit} with the journal write's outcome (tests). */
    Future<Void> hit(Snapshot snapshot, String keyId, String deploymentId, boolean semantic, long savedMicros) {
        return count(snapshot, keyId, deploymentId, 200, null, null, 0, 0, 0, List.of(), false, false, true,
                semantic ? SEMANTIC : EXACT, savedMicros, null, List.of());
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

    /**
     * The report the operator (or standalone's status view) reads: cumulative since {@link #startedAt}. Built when
     * it is asked for (on the management port, off the request path), serialised once by the caller.
     */
    public UsageReport report(String configVersion) {
        long nowMillis = clock.millis();
        long nowSecond = nowMillis / 1000;
        Map<String, UsageReport.Counters> k = new TreeMap<>();
        keys.forEach((id, c) -> k.put(id, counters(c, nowSecond)));
        Map<String, UsageReport.Counters> m = new TreeMap<>();
        models.forEach((id, c) -> m.put(id, counters(c, nowSecond)));
        Map<String, UsageReport.BudgetSpend> b = new TreeMap<>();
        budgets.forEach((slot, spend) -> b.put(slot, budgetSpend(slot, spend.sum())));
        return new UsageReport(UsageReport.SCHEMA, incarnation, startedAt.toString(), configVersion, k, m, b, null,
                health(m, health.health(nowMillis)), holder == null ? watch.figures() : watch.figures(thresholds(holder.current())),
                section(prompts, nowSecond), section(tags, nowSecond));
    }

    /** The report's figures of one section (prompts, tags): null while it is empty, so the report is as before. */
    private static Map<String, UsageReport.Counters> section(Map<String, Counters> counters, long nowSecond) {
        if (counters.isEmpty()) {
            return null;
        }
        Map<String, UsageReport.Counters> out = new TreeMap<>();
        counters.forEach((id, c) -> out.put(id, counters(c, nowSecond)));
        return out;
    }

    /**
     * Each deployment's health: routing's view where it has one, else Healthy; the last minute's requests and upstream
     * failures from routing when it counts them, else from this recorder's rings (the {@code rpm} and
     * {@code upstreamFailures} of {@code models}).
     */
    static Map<String, UsageReport.Health> health(Map<String, UsageReport.Counters> models, Map<String, HealthSource.View> views) {
        Map<String, UsageReport.Health> out = new TreeMap<>();
        java.util.Set<String> ids = new java.util.TreeSet<>(models.keySet());
        if (views != null) {
            ids.addAll(views.keySet());
        }
        for (String id : ids) {
            UsageReport.Counters c = models.get(id);
            HealthSource.View v = views == null ? null : views.get(id);
            long requests = v != null && v.requests() >= 0 ? v.requests() : c == null || c.rpm() == null ? 0 : c.rpm();
            long failures = v != null && v.failures() >= 0 ? v.failures()
                    : c == null || c.upstreamFailures() == null ? 0 : c.upstreamFailures();
            if (v == null) {
                out.put(id, new UsageReport.Health(UsageReport.Health.HEALTHY, null, requests, failures, null, null, 0, null));
                continue;
            }
            String state = v.state() == null ? UsageReport.Health.HEALTHY : v.state();
            String until = UsageReport.Health.COOLING_DOWN.equals(state) && v.coolingUntilMillis() > 0
                    ? Instant.ofEpochMilli(v.coolingUntilMillis()).toString() : null;
            out.put(id, new UsageReport.Health(state, until, requests, failures, v.latencyMillis() >= 0 ? v.latencyMillis() : null,
                    v.ttftMillis() >= 0 ? v.ttftMillis() : null, v.cooldowns(), v.reason()));
        }
        return out;
    }

    /**
     * The report, plus (when a Redis is named) the journal: every incarnation of this gateway whose counters Redis
     * holds now, live or not, and the cumulative figures of those whose heartbeat expired (orphans), in the report's
     * own shape. When Redis cannot be read the report comes without a journal.
     */
    public Future<UsageReport> reportWithJournal(Snapshot s) {
        UsageReport r = report(s == null ? null : s.version());
        UsageJournal journal = journals.apply(s);
        if (journal == null) {
            return Future.succeededFuture(r);
        }
        return journal.read().map(listing -> {
            Map<String, UsageReport> orphans = new TreeMap<>();
            listing.orphans().forEach((id, fields) -> {
                if (!id.equals(incarnation)) {
                    orphans.put(id, orphan(fields));
                }
            });
            return r.withJournal(new UsageReport.Journal(listing.incarnations().stream().sorted().toList(), orphans));
        }).recover(t -> {
            LOG.debugf("usage journal read failed: %s", t.getMessage());
            return Future.succeededFuture(r);
        });
    }

    private static UsageReport.BudgetSpend budgetSpend(String slot, long spendMicros) {
        int at = slot.lastIndexOf('@');
        return new UsageReport.BudgetSpend(slot.substring(0, at),
                Instant.ofEpochMilli(Long.parseLong(slot.substring(at + 1))).toString(), spendMicros);
    }

    /** One key's or deployment's journal fields, gathered before they become a record. */
    private static final class Journaled {
        long req;
        long err;
        long in;
        long out;
        long spend;
        long last;
        long hit;
        long semhit;
        long saved;
        long cread;
        long cwrite;
        Map<String, Long> budgets;

        UsageReport.Counters counters() {
            return new UsageReport.Counters(req, err, in, out, spend, null, null, null, null, budgets,
                    last > 0 ? Instant.ofEpochMilli(last).toString() : null, UsageReport.Counters.figure(hit),
                    UsageReport.Counters.figure(semhit), UsageReport.Counters.figure(saved),
                    UsageReport.Counters.figure(cread), UsageReport.Counters.figure(cwrite));
        }
    }

    /** An orphan's journal fields as a report (keys, models, budgets, prompts, tags; no rates: a dead process uses none). */
    static UsageReport orphan(Map<String, Long> fields) {
        Map<String, Journaled> keys = new TreeMap<>();
        Map<String, Journaled> models = new TreeMap<>();
        Map<String, Journaled> prompts = new TreeMap<>();
        Map<String, Journaled> tags = new TreeMap<>();
        Map<String, UsageReport.BudgetSpend> budgets = new TreeMap<>();
        String startedAt = null;
        for (var e : new TreeMap<>(fields).entrySet()) {
            String f = e.getKey();
            long v = e.getValue();
            String[] p = f.split("\\|");
            if (f.equals("startedAt")) {
                startedAt = Instant.ofEpochMilli(v).toString();
            } else if (p.length == 2 && p[0].equals("b")) {
                budgets.put(p[1], budgetSpend(p[1], v));
            } else if (p.length == 4 && p[0].equals("k") && p[2].equals("b")) {
                Journaled c = keys.computeIfAbsent(p[1], id -> new Journaled());
                if (c.budgets == null) {
                    c.budgets = new TreeMap<>();
                }
                c.budgets.put(p[3], v);
            } else if (p.length == 3 && (p[0].equals("k") || p[0].equals("m") || p[0].equals("p") || p[0].equals("t"))) {
                Journaled c = (switch (p[0]) {
                    case "k" -> keys;
                    case "m" -> models;
                    case "p" -> prompts;
                    default -> tags;
                }).computeIfAbsent(p[1], id -> new Journaled());
                switch (p[2]) {
                    case "req" -> c.req = v;
                    case "err" -> c.err = v;
                    case "in" -> c.in = v;
                    case "out" -> c.out = v;
                    case "spend" -> c.spend = v;
                    case "last" -> c.last = v;
                    case "hit" -> c.hit = v;
                    case "semhit" -> c.semhit = v;
                    case "saved" -> c.saved = v;
                    case "cread" -> c.cread = v;
                    case "cwrite" -> c.cwrite = v;
                    default -> { }
                }
            }
        }
        Map<String, UsageReport.Counters> k = new TreeMap<>();
        keys.forEach((id, c) -> k.put(id, c.counters()));
        Map<String, UsageReport.Counters> m = new TreeMap<>();
        models.forEach((id, c) -> m.put(id, c.counters()));
        return new UsageReport(null, null, startedAt, null, k, m, budgets, null, null, null, journaled(prompts),
                journaled(tags));
    }

    /** An orphan's prompt or tag figures: null when it journaled none. */
    private static Map<String, UsageReport.Counters> journaled(Map<String, Journaled> in) {
        if (in.isEmpty()) {
            return null;
        }
        Map<String, UsageReport.Counters> out = new TreeMap<>();
        in.forEach((id, c) -> out.put(id, c.counters()));
        return out;
    }

    private static UsageReport.Counters counters(Counters c, long nowSecond) {
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
        Map<String, Long> budgetSpend = null;
        if (!c.budgetSpend.isEmpty()) {
            budgetSpend = new TreeMap<>();
            for (var e : c.budgetSpend.entrySet()) {
                budgetSpend.put(e.getKey(), e.getValue().sum());
            }
        }
        long last = c.lastUsedMillis.get();
        return new UsageReport.Counters(c.requests.sum(), c.errors.sum(), c.inputTokens.sum(), c.outputTokens.sum(),
                c.spendMicros.sum(), failed, rpm, tpm, limited, budgetSpend, last > 0 ? Instant.ofEpochMilli(last).toString() : null,
                UsageReport.Counters.figure(c.cacheHits.sum()), UsageReport.Counters.figure(c.semanticCacheHits.sum()),
                UsageReport.Counters.figure(c.cacheSavedMicros.sum()), UsageReport.Counters.figure(c.cachedInputTokens.sum()),
                UsageReport.Counters.figure(c.cacheWriteTokens.sum()));
    }
}
