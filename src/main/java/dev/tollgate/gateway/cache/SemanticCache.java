package dev.tollgate.gateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.UsageRecorder;
import dev.tollgate.gateway.budget.BudgetCharges;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import dev.tollgate.gateway.budget.BudgetLedger;
import dev.tollgate.gateway.cost.Characters;
import dev.tollgate.gateway.cost.CostCalculator;
import dev.tollgate.gateway.cost.TokenCounter;
import dev.tollgate.gateway.limits.SharedStore;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.Served;
import dev.tollgate.gateway.provider.Upstreams;
import dev.tollgate.gateway.routing.DeploymentHealth;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * The semantic cache: a request's prompt is embedded by the group {@link GatewayConfig.Semantic#embeddingModel()}
 * and the nearest stored prompt of its semantic partition (its {@link Partition}, and the model group, system
 * prompt, tools and every other answer-changing parameter: {@link SemanticKeys}) is served when its cosine
 * similarity reaches the threshold. The embedding call is charged to the calling key (usage and budgets) like any
 * other call.
 *
 * <p><b>Embedding.</b> The first deployment of the embedding group that routing does not hold cooling down
 * ({@link DeploymentHealth#available}) and whose provider serves embeddings is called through its provider's hub
 * upstream (OpenAI's embeddings request {@code {"model": <upstream model>, "input": <text>}}; adapters translate it
 * for other providers), for at most {@link #EMBED_TIMEOUT_MILLIS}. A failure, a timeout, an answer without a vector:
 * a miss ({@link Lookup#NONE}), never a failed request.
 *
 * <p><b>Cost.</b> An embedding the provider answered is charged to the key whose request it looked up: its tokens
 * (as the provider reported them; else counted) and their cost at the embedding deployment's prices count in the
 * key's usage and the embedding deployment's (not as one of the key's requests, as a retried attempt), and the cost
 * is added to every Budget bound to the key that covers the requested model group or the embedding group, with no
 * reservation first. The lookup runs before the request's stages, so a key over its rate limit or budget still pays
 * one embedding per request before its 429 (a known gap, in the README): a few micro-USD each. A model without prices
 * is counted in tokens and charged nothing.
 *
 * <p><b>Index.</b> {@link SemanticIndex}: an exact scan of the partition, inline on the event loop for partitions up
 * to {@link #INLINE_SCAN} multiply-adds (about 0.1 ms), on a worker thread above; entries read from Redis are decoded
 * on a worker thread when there are more than {@link #INLINE_LOAD}.
 *
 * <p><b>Redis</b> (when the config names one), keys under {@code tollgate:<gateway>:}:
 * <ul>
 *   <li>{@code cache:s:<namespace>:<group>:<partition>}: a sorted set, one member per entry, scored by when it was
 *       stored (epoch ms); the member is {@code v1|<id>|<storedAt>|<expiresAt>|<base64 unit vector, float32
 *       little-endian>|<base64 CachedAnswer.encode()>}. A store adds its member, drops members older than the group's
 *       ttl and the oldest over {@code maxSemanticEntries}, and keeps the key alive for the longest ttl stored.
 *       {@code <namespace>} and {@code <group>} have {@code % : * ? [ ] \} percent-encoded (so purge patterns match
 *       them literally); the namespace is empty for scope gateway.</li>
 *   <li>{@code cache:s-epoch}: a counter a purge raises.</li>
 * </ul>
 * A lookup in a partition this replica has not read within {@link #REFRESH_MILLIS} reads the partition's members
 * stored since the last read (less {@link #OVERLAP_MILLIS} for clock skew between replicas; ids de-duplicate) and the
 * epoch, in one script, while the prompt is being embedded; it waits at most {@link #REDIS_TIMEOUT_MILLIS} (a failure
 * or timeout: what is local serves). When the epoch moved (another replica purged), this replica empties its whole
 * semantic index and reads each partition whole again at its next lookup: a purge reaches every replica within a
 * second of its next lookups. A store writes its member without waiting (a failed write is dropped).
 */
@ApplicationScoped
public class SemanticCache {
    private static final Logger LOG = Logger.getLogger(SemanticCache.class);

    public static final long EMBED_TIMEOUT_MILLIS = 2_000;
    static final long REDIS_TIMEOUT_MILLIS = 500;
    static final long REFRESH_MILLIS = 1_000;
    static final long OVERLAP_MILLIS = 5_000;
    /** The largest search ({@code entries x dimensions}) run on the event loop. */
    static final long INLINE_SCAN = 128 * 1024;
    /** The most entries read from Redis that are decoded on the event loop (more: on a worker thread). */
    static final int INLINE_LOAD = 32;

    /** What a lookup found, and what {@link #store} needs to store the answer under the same prompt. */
    public record Lookup(CachedAnswer hit, double similarity, Object handle) {
        /** Nothing found and nothing to store with (the embedding failed, or the request has no prompt to embed). */
        public static final Lookup NONE = new Lookup(null, 0, null);
    }

    /** The embedded prompt and where it belongs. */
    private record Handle(SemanticIndex.Shelf shelf, float[] vector) {}

    /** Whether a deployment may take a request now (routing's cooldowns). */
    @FunctionalInterface
    interface Availability {
        boolean available(String deploymentId, long nowMillis);
    }

    static final String STORE = """
            redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
            redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
            local ttl = tonumber(ARGV[5])
            if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
            return 1
            """;

    static final String READ = """
            local epoch = redis.call('GET', KEYS[2]) or '0'
            return {epoch, redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')}
            """;

    static final String PURGE = """
            local n = 0
            for i = 1, #KEYS do
              n = n + redis.call('ZCARD', KEYS[i])
              redis.call('DEL', KEYS[i])
            end
            return n
            """;

    private final Vertx vertx;
    private final Upstreams upstreams;
    private final UsageRecorder usage;
    private final BudgetInterceptor budgets;
    private final Availability health;
    private final SharedStore store;
    private final LongSupplier clock;
    private final long embedTimeoutMillis;
    private final SemanticIndex index = new SemanticIndex(GatewayConfig.Caching.DEFAULT_MAX_SEMANTIC_ENTRIES,
            GatewayConfig.Caching.DEFAULT_MAX_BYTES);
    /** The purge epoch last read from each Redis key prefix. */
    private final Map<String, String> epochs = new ConcurrentHashMap<>();

    @Inject
    public SemanticCache(Vertx vertx, Upstreams upstreams, UsageRecorder usage, BudgetInterceptor budgets,
            DeploymentHealth health, SharedStore store) {
        this(vertx, upstreams, usage, budgets, health::available, store, System::currentTimeMillis, EMBED_TIMEOUT_MILLIS);
    }

    /** For tests: routing's health, the clock and the embedding's time limit given. */
    SemanticCache(Vertx vertx, Upstreams upstreams, UsageRecorder usage, BudgetInterceptor budgets, Availability health,
            SharedStore store, LongSupplier clock, long embedTimeoutMillis) {
        this.vertx = vertx;
        this.upstreams = upstreams;
        this.usage = usage;
        this.budgets = budgets;
        this.health = health;
        this.store = store;
        this.clock = clock;
        this.embedTimeoutMillis = embedTimeoutMillis;
    }

    /**
     * Embeds {@code ctx}'s prompt and looks for the nearest entry of its semantic partition stored at most
     * {@code maxAgeMillis} ago (-1: any). Never fails: an embedding, index or Redis failure is a miss ({@link Lookup#NONE}).
     */
    public Future<Lookup> lookup(RequestContext ctx, GatewayConfig.Cache cache, Partition partition, long maxAgeMillis) {
        try {
            GatewayConfig.Semantic semantic = cache == null ? null : cache.semantic();
            if (semantic == null || ctx.body == null || semantic.embeddingModel() == null) {
                return Future.succeededFuture(Lookup.NONE);
            }
            ObjectNode body = ctx.body.tree();
            String text = SemanticKeys.prompt(ctx.ingress, ctx.operation, body);
            if (text == null) {
                return Future.succeededFuture(Lookup.NONE);
            }
            String key = SemanticKeys.partition(partition, semantic.embeddingModel(), ctx.ingress, ctx.operation, body);
            Snapshot s = ctx.snapshot;
            bound(s);
            SemanticIndex.Shelf shelf = index.shelf(key, partition.namespace(), partition.group());
            Future<Void> refreshed = refresh(s, shelf);
            Future<float[]> embedded = embed(ctx, semantic, text);
            return Future.join(refreshed, embedded).transform(ar -> {
                float[] vector = embedded.result();
                if (vector == null) {
                    return Future.succeededFuture(Lookup.NONE);
                }
                return search(shelf, vector, maxAgeMillis).map(nearest -> {
                    Handle h = new Handle(shelf, vector);
                    return nearest.entry() != null && nearest.similarity() >= semantic.threshold()
                            ? new Lookup(nearest.entry().answer(), nearest.similarity(), h)
                            : new Lookup(null, nearest.similarity(), h);
                });
            }).recover(t -> {
                LOG.debugf("semantic cache lookup failed (a miss): %s", t.toString());
                return Future.succeededFuture(Lookup.NONE);
            });
        } catch (RuntimeException e) {
            LOG.debugf("semantic cache lookup failed (a miss): %s", e.toString());
            return Future.succeededFuture(Lookup.NONE);
        }
    }

    /**
     * The index's bounds from the config: {@code maxSemanticEntries} entries and {@code maxBytes} bytes (the same
     * figure as the exact cache's, a bound of its own: the two caches together hold at most twice {@code maxBytes}).
     */
    private void bound(Snapshot s) {
        GatewayConfig.Caching c = s.caching();
        index.maxEntries(c == null || c.maxSemanticEntries() <= 0 ? GatewayConfig.Caching.DEFAULT_MAX_SEMANTIC_ENTRIES
                : c.maxSemanticEntries());
        index.maxBytes(c == null || c.maxBytes() <= 0 ? GatewayConfig.Caching.DEFAULT_MAX_BYTES : c.maxBytes());
    }

    /** Searches the shelf: inline when it is small, else on a worker thread (never holding up an event loop). */
    private Future<SemanticIndex.Nearest> search(SemanticIndex.Shelf shelf, float[] vector, long maxAgeMillis) {
        long now = clock.getAsLong();
        Context here = Vertx.currentContext();
        if (here == null || SemanticIndex.cost(shelf, vector.length) <= INLINE_SCAN) {
            return Future.succeededFuture(index.nearest(shelf, vector, now, maxAgeMillis));
        }
        return here.executeBlocking(() -> index.nearest(shelf, vector, now, maxAgeMillis), false);
    }

    // ---- embedding ------------------------------------------------------------------------------------------------

    /** The unit vector of {@code text}, or null (no deployment, a failure, a timeout). Never fails. */
    private Future<float[]> embed(RequestContext ctx, GatewayConfig.Semantic semantic, String text) {
        Snapshot s = ctx.snapshot;
        long now = clock.getAsLong();
        GatewayConfig.Model model = null;
        Served served = null;
        for (GatewayConfig.Model m : s.group(semantic.embeddingModel())) {
            Served sv = upstreams.forProvider(m.provider()).orElse(null);
            if (sv != null && sv.supports(Operation.EMBEDDINGS) && health.available(m.id(), now)) {
                model = m;
                served = sv;
                break;
            }
        }
        if (model == null) {
            LOG.debugf("no deployment of the embedding group %s can embed now: a semantic miss", semantic.embeddingModel());
            return Future.succeededFuture(null);
        }
        GatewayConfig.Model m = model;
        ObjectNode body = Json.object();
        body.put("model", m.upstreamModel());
        body.put("input", text);
        Cancellation cancellation = new Cancellation();
        ctx.cancellation.onCancel(cancellation::cancel); // the client left: its lookup is not needed any more
        Future<JsonNode> sent;
        try {
            sent = served.hub().send(new Call(m, s.credential(m).orElse(null), Operation.EMBEDDINGS, JsonBody.of(body),
                    cancellation));
        } catch (RuntimeException e) {
            sent = Future.failedFuture(e);
        }
        return within(sent, embedTimeoutMillis, cancellation).map(answer -> {
            account(ctx, m, answer, text);
            return vector(answer);
        }).recover(t -> {
            LOG.debugf("the embedding by %s failed (a semantic miss): %s", m.id(), t.getMessage());
            return Future.succeededFuture(null);
        });
    }

    /** {@code data[0].embedding} as a unit vector, or null when there is none. */
    static float[] vector(JsonNode answer) {
        JsonNode e = answer.path("data").path(0).path("embedding");
        if (!e.isArray() || e.isEmpty()) {
            return null;
        }
        float[] v = new float[e.size()];
        for (int i = 0; i < v.length; i++) {
            if (!e.get(i).isNumber()) {
                return null;
            }
            v[i] = (float) e.get(i).doubleValue();
        }
        return SemanticIndex.unit(v);
    }

    /** Charges the embedding to the calling key: its usage, and the budgets bound to it (see the class comment). */
    private void account(RequestContext ctx, GatewayConfig.Model m, JsonNode answer, String text) {
        if (ctx.key == null) {
            return;
        }
        JsonNode reported = answer.path("usage");
        TokenUsage tokens;
        if (reported.isObject() && reported.has("prompt_tokens")) {
            tokens = TokenUsage.fromOpenAi(reported);
        } else if (TokenCounter.loaded(m.upstreamModel())) {
            tokens = new TokenUsage(TokenCounter.forModel(m.upstreamModel()).countText(text), 0, 0, 0);
        } else { // no vocabulary at hand (loading one would hold up the event loop): a byte is at most a token
            tokens = new TokenUsage(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, 0, 0, 0);
        }
        Characters characters = m.prices() != null && m.prices().perCharacter()
                ? new Characters(Characters.count(text), 0) : null;
        long cost = CostCalculator.costMicros(m.prices(), tokens, characters).orElse(0);
        Snapshot s = ctx.snapshot;
        Map<String, BudgetLedger.Charge> charges = new LinkedHashMap<>();
        Instant now = Instant.ofEpochMilli(clock.getAsLong());
        for (String group : new String[] {ctx.modelName, m.modelName()}) {
            if (group != null) {
                for (BudgetLedger.Charge c : BudgetCharges.of(dev.tollgate.gateway.tags.Tags.budgets(ctx), group, s::budget, 0, now, BudgetCharges::window)) {
                    charges.putIfAbsent(c.budgetId(), c);
                }
            }
        }
        List<String> slots = new ArrayList<>();
        if (cost > 0 && !charges.isEmpty()) {
            List<BudgetLedger.Charge> list = List.copyOf(charges.values());
            list.forEach(c -> slots.add(c.budgetId() + "@" + c.periodStartMillis()));
            budgets.ledger(s).settle(list, cost).onFailure(t -> LOG.errorf(
                    "could not charge the embedding's %s micro-USD for request %s: %s", cost, ctx.requestId, t.getMessage()));
        }
        usage.record(ctx, m.id(), 200, tokens.promptTokens(), tokens.outputTokens(), cost, slots, false, false, false)
                .onFailure(t -> LOG.debugf("usage journal write failed: %s", t.getMessage()));
        // the embedding is the request's call, not a request: its tokens and spend, under the embedding's model group
        usage.chargeback().count(s, ctx.key, m.modelName(), ctx.tags, false, tokens.promptTokens(), tokens.outputTokens(), cost);
    }

    /** {@code f}, failed with a timeout (and {@code cancellation} cancelled) when it takes longer than {@code millis}. */
    private <T> Future<T> within(Future<T> f, long millis, Cancellation cancellation) {
        if (f.isComplete()) {
            return f;
        }
        Promise<T> p = Promise.promise();
        long timer = vertx.setTimer(millis, id -> {
            if (p.tryFail(new TimeoutException("no answer within " + millis + " ms")) && cancellation != null) {
                cancellation.cancel();
            }
        });
        f.onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.succeeded()) {
                p.tryComplete(ar.result());
            } else {
                p.tryFail(ar.cause());
            }
        });
        return p.future();
    }

    // ---- storing ----------------------------------------------------------------------------------------------------

    /** Stores {@code answer} under the prompt {@code lookup} embedded (nothing when it has no handle). */
    public void store(RequestContext ctx, GatewayConfig.Cache cache, Lookup lookup, CachedAnswer answer, long ttlMillis) {
        try {
            GatewayConfig.Semantic semantic = cache == null ? null : cache.semantic();
            if (lookup == null || !(lookup.handle() instanceof Handle) || semantic == null || answer == null) {
                return;
            }
            Handle h = (Handle) lookup.handle();
            if (semantic.maxEntryBytes() > 0 && answer.body().length > semantic.maxEntryBytes()) {
                return;
            }
            long ttl = ttlMillis > 0 && ttlMillis < semantic.ttlMillis() ? ttlMillis : semantic.ttlMillis();
            if (ttl <= 0) {
                return;
            }
            Snapshot s = ctx.snapshot;
            bound(s);
            long now = clock.getAsLong();
            String id = Long.toHexString(ThreadLocalRandom.current().nextLong());
            index.add(h.shelf(), id, h.vector(), answer, now, now + ttl);
            String url = s.config().settings() == null ? null : s.config().settings().redisUrl();
            if (url == null) {
                return;
            }
            String member = "v1|" + id + "|" + now + "|" + (now + ttl) + "|" + floats(h.vector()) + "|"
                    + Base64.getEncoder().encodeToString(answer.encode());
            int max = s.caching() == null || s.caching().maxSemanticEntries() <= 0
                    ? GatewayConfig.Caching.DEFAULT_MAX_SEMANTIC_ENTRIES : s.caching().maxSemanticEntries();
            redis(s).eval(List.of(STORE, "1", redisKey(s, h.shelf()), Long.toString(now), member,
                    Long.toString(now - semantic.ttlMillis()), Integer.toString(max), Long.toString(ttl)))
                    .onFailure(t -> LOG.debugf("semantic cache entry not written to Redis: %s", t.getMessage()));
        } catch (RuntimeException e) {
            LOG.debugf("semantic cache store failed: %s", e.toString());
        }
    }

    // ---- Redis ------------------------------------------------------------------------------------------------------

    private RedisAPI redis(Snapshot s) {
        return store.redis(s.config().settings().redisUrl(), s.redisPassword());
    }

    private static String prefix(Snapshot s) {
        return "tollgate:" + s.config().gateway() + ":";
    }

    static String redisKey(Snapshot s, SemanticIndex.Shelf shelf) {
        return prefix(s) + "cache:s:" + escape(shelf.namespace) + ":" + escape(shelf.group) + ":" + shelf.key;
    }

    private static String epochKey(Snapshot s) {
        return prefix(s) + "cache:s-epoch";
    }

    /** {@code % : * ? [ ] \} percent-encoded: a key segment that a glob pattern matches literally. */
    static String escape(String segment) {
        if (segment == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(segment.length());
        for (char c : segment.toCharArray()) {
            switch (c) {
                case '%', ':', '*', '?', '[', ']', '\\' -> out.append('%').append(String.format("%02X", (int) c));
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Reads what other replicas stored in the shelf's partition since the last read, at most once a second per
     * partition, waiting at most {@link #REDIS_TIMEOUT_MILLIS}. Never fails.
     */
    private Future<Void> refresh(Snapshot s, SemanticIndex.Shelf shelf) {
        String url = s.config().settings() == null ? null : s.config().settings().redisUrl();
        long now = clock.getAsLong();
        if (url == null || shelf.refreshedAtMillis != Long.MIN_VALUE && now - shelf.refreshedAtMillis < REFRESH_MILLIS) {
            return Future.succeededFuture();
        }
        shelf.refreshedAtMillis = now; // one read a second per partition: lookups meanwhile use what is here
        long highest = shelf.highestScore;
        boolean whole = highest == Long.MIN_VALUE;
        String from = whole ? "-inf" : Long.toString(highest - OVERLAP_MILLIS);
        String prefix = prefix(s);
        Future<Response> read;
        try {
            read = redis(s).eval(List.of(READ, "2", redisKey(s, shelf), epochKey(s), from));
        } catch (RuntimeException e) {
            read = Future.failedFuture(e);
        }
        return within(read, REDIS_TIMEOUT_MILLIS, null).<Void>compose(r -> {
            String epoch = r.get(0).toString();
            String seen = epochs.put(prefix, epoch);
            if (seen != null && !seen.equals(epoch)) { // another replica purged: read every partition whole again
                index.clearAll();
                if (!whole) {
                    return Future.succeededFuture();
                }
                shelf.refreshedAtMillis = now;
            }
            Response members = r.get(1);
            Context here = Vertx.currentContext();
            if (here == null || members.size() <= INLINE_LOAD) {
                load(shelf, members, now);
                return Future.succeededFuture();
            }
            // decoding many entries (vectors, answers) is not work for an event loop
            return here.executeBlocking(() -> {
                load(shelf, members, now);
                return null;
            }, false);
        }).recover(t -> {
            LOG.debugf("semantic cache: Redis not read (%s), the local entries serve", t.getMessage());
            return Future.succeededFuture();
        });
    }

    private void load(SemanticIndex.Shelf shelf, Response members, long now) {
        long highest = shelf.highestScore;
        for (Response member : members) {
            String[] p = member.toString().split("\\|", -1);
            if (p.length != 6 || !p[0].equals("v1")) {
                continue;
            }
            try {
                long storedAt = Long.parseLong(p[2]);
                long expiresAt = Long.parseLong(p[3]);
                highest = Math.max(highest, storedAt);
                if (expiresAt <= now || index.contains(shelf, p[1])) {
                    continue; // expired, or read before (the overlap window): not decoded again
                }
                float[] vector = floats(p[4]);
                CachedAnswer answer = CachedAnswer.decode(Base64.getDecoder().decode(p[5]));
                if (vector != null && answer != null) {
                    index.add(shelf, p[1], vector, answer, storedAt, expiresAt);
                }
            } catch (IllegalArgumentException damaged) {
                // another version's member, or a damaged one: skipped
            }
        }
        shelf.highestScore = highest;
    }

    static String floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    static float[] floats(String base64) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() == 0 || b.remaining() % 4 != 0) {
            return null;
        }
        float[] v = new float[b.remaining() / 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.getFloat();
        }
        return v;
    }

    // ---- purge ------------------------------------------------------------------------------------------------------

    /**
     * As {@link ResponseCache#purge}, for the semantic entries: this replica's, and (when the config names a Redis) the
     * shared ones, and the purge epoch is raised so that the other replicas drop theirs at their next lookup. Completes
     * with the number of entries removed: the larger of this replica's and the shared store's count (the shared store
     * holds this replica's entries too).
     */
    public Future<Long> purge(Snapshot s, String namespace, String group) {
        long local = index.purge(namespace, group);
        String url = s == null || s.config().settings() == null ? null : s.config().settings().redisUrl();
        if (url == null) {
            return Future.succeededFuture(local);
        }
        String pattern = prefix(s) + "cache:s:" + (namespace == null ? "*" : escape(namespace)) + ":"
                + (group == null ? "*" : escape(group)) + ":*";
        RedisAPI redis = redis(s);
        return scan(redis, pattern, "0", 0).compose(n -> redis.incr(epochKey(s)).map(r -> Math.max(local, n)))
                .recover(t -> {
                    LOG.warnf("semantic cache: the shared entries could not be purged (%s)", t.getMessage());
                    return Future.succeededFuture(local);
                });
    }

    private Future<Long> scan(RedisAPI redis, String pattern, String cursor, long removed) {
        return redis.scan(List.of(cursor, "MATCH", pattern, "COUNT", "500")).compose(r -> {
            String next = r.get(0).toString();
            List<String> keys = new ArrayList<>();
            r.get(1).forEach(k -> keys.add(k.toString()));
            Future<Long> batch = keys.isEmpty() ? Future.succeededFuture(0L) : redis.eval(purgeArgs(keys)).map(Response::toLong);
            return batch.compose(n -> next.equals("0") ? Future.succeededFuture(removed + n)
                    : scan(redis, pattern, next, removed + n));
        });
    }

    private static List<String> purgeArgs(List<String> keys) {
        List<String> args = new ArrayList<>(keys.size() + 2);
        args.add(PURGE);
        args.add(Integer.toString(keys.size()));
        args.addAll(keys);
        return args;
    }

    /** Entries in this process's index now. */
    public long entries() {
        return index.size();
    }

    /** Bytes the entries in this process's index hold now ({@link SemanticIndex.Entry#weight()} summed). */
    public long bytes() {
        return index.bytes();
    }
}
