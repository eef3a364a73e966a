package dev.tollgate.gateway.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.Sha256;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.limits.SharedStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The exact cache: entries in this process's memory, bounded by {@link dev.tollgate.config.GatewayConfig.Caching#maxBytes()}
 * (least recently used first out; each entry also expires at its own ttl), and, when the config names a Redis, in
 * Redis too (with the same ttl), shared by every replica. Never on the request path's failure path: a Redis that does
 * not answer (bounded wait) is a miss, a failed write is dropped.
 *
 * <p>Memory: a Caffeine cache keyed by {@link Partition#id()} followed by the request's key, weighed by
 * {@link CachedAnswer#weight()} (its bound follows the config's {@code maxBytes} when that changes), each entry expiring
 * after its own ttl. Its maintenance (eviction) runs on the calling thread, so the bound holds after every put.
 *
 * <p>Redis, under the gateway's prefix {@code tollgate:<gateway>:cache:}:
 * <ul>
 *   <li>{@code x:<namespace>:<group>:<h>} = the entry (SET PX ttl): its expiry (8 bytes, epoch millis) then
 *       {@link CachedAnswer#encode()}, each byte one ISO-8859-1 char (the client sends strings as UTF-8, which gives
 *       the same bytes back). {@code <namespace>} and {@code <group>} are written as themselves when they are plain
 *       ({@code [A-Za-z0-9._-]+}), else as {@code ~} and 96 bits of their SHA-256 in hex ({@code ~} alone: empty), so
 *       a purge finds them with SCAN MATCH whatever characters a model name holds; {@code <h>} is 128 bits of the
 *       SHA-256 of the memory key (partition and request).</li>
 *   <li>{@code purge} = a hash of purge marks: field {@code <namespace>:<group>} ({@code *} for all), value the epoch
 *       millis of the last purge. Each replica reads it every second (while caching and a Redis are configured) and
 *       drops the entries of its memory stored before a mark it had not yet seen. Each purge sets the hash to expire
 *       a minute after the longest ttl of any group: by then every entry a mark covers has expired anyway.</li>
 * </ul>
 */
@ApplicationScoped
public class ResponseCache {
    private static final Logger LOG = Logger.getLogger(ResponseCache.class);
    /** How long a local miss waits for Redis before it is a miss. */
    public static final long REDIS_TIMEOUT_MILLIS = 100;
    /** How often a replica reads the purge marks. */
    public static final long PURGE_POLL_MILLIS = 1000;
    private static final int SCAN_COUNT = 500;

    /** What memory holds for a key: the answer, its purge coordinates (as written in Redis keys) and its ttl. */
    private record Entry(String namespaceToken, String groupToken, CachedAnswer answer, long ttlNanos) {}

    private final SharedStore store;
    private final Vertx vertx;
    private final Supplier<Snapshot> current;
    private final LongSupplier clock;
    private final long redisTimeoutMillis;
    private final Cache<String, Entry> memory;
    private final Policy.Eviction<String, Entry> eviction;
    /** The purge marks seen (field → epoch millis), from Redis or made here. */
    private final Map<String, Long> marks = new ConcurrentHashMap<>();
    /** Tokens of namespaces and group names (both come from the config, so they are few). */
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final AtomicBoolean polling = new AtomicBoolean();
    private final AtomicBoolean redisDown = new AtomicBoolean();
    private volatile long maximum;
    private volatile long timer = -1;

    @Inject
    public ResponseCache(SharedStore store, Vertx vertx, ConfigHolder holder) {
        this(store, vertx, holder::current, Ticker.systemTicker(), System::currentTimeMillis, REDIS_TIMEOUT_MILLIS);
    }

    /**
     * For tests: an optional store (null: memory only) with the Vert.x its timers run on, the config to poll purge
     * marks for (null: none), a ticker for expiry, a clock (epoch millis) for ages, and the wait for Redis.
     */
    public ResponseCache(SharedStore store, Vertx vertx, Supplier<Snapshot> current, Ticker ticker, LongSupplier clock,
            long redisTimeoutMillis) {
        this.store = store;
        this.vertx = vertx;
        this.current = current;
        this.clock = clock;
        this.redisTimeoutMillis = redisTimeoutMillis;
        this.maximum = GatewayConfig.Caching.DEFAULT_MAX_BYTES;
        this.memory = Caffeine.newBuilder()
                .maximumWeight(maximum)
                .weigher((String k, Entry e) -> e.answer().weight())
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String key, Entry e, long now) {
                        return e.ttlNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry e, long now, long currentDuration) {
                        return e.ttlNanos();
                    }

                    @Override
                    public long expireAfterRead(String key, Entry e, long now, long currentDuration) {
                        return currentDuration;
                    }
                })
                .ticker(ticker)
                .executor(Runnable::run)
                .build();
        this.eviction = memory.policy().eviction().orElseThrow();
    }

    /** Starts the poll of purge marks (gateway and standalone mode; it reads nothing while no Redis is named). */
    void onStart(@Observes io.quarkus.runtime.StartupEvent event,
            @ConfigProperty(name = "tollgate.mode", defaultValue = "standalone") String mode) {
        if (!"operator".equalsIgnoreCase(mode)) {
            start();
        }
    }

    /** Polls the purge marks every {@link #PURGE_POLL_MILLIS}. */
    public void start() {
        if (vertx != null && current != null && timer < 0) {
            timer = vertx.setPeriodic(PURGE_POLL_MILLIS, id -> poll());
        }
    }

    @PreDestroy
    public void stop() {
        if (vertx != null && timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    // ---- the request path ----

    /**
     * The live entry for {@code key} in {@code partition} stored at most {@code maxAgeMillis} ago (-1: any age), or
     * null. Completes at once from memory; on a local miss with a Redis named, when Redis answers (then kept in memory
     * too). Never fails.
     */
    public Future<CachedAnswer> get(Snapshot s, Partition partition, String key, long maxAgeMillis) {
        resize(s);
        String memoryKey = partition.id() + key;
        Entry e = memory.getIfPresent(memoryKey);
        if (e != null) {
            return Future.succeededFuture(fresh(e.answer(), maxAgeMillis) ? e.answer() : null);
        }
        if (!shared(s)) {
            return Future.succeededFuture();
        }
        String namespaceToken = token(partition.namespace());
        String groupToken = token(partition.group());
        Promise<CachedAnswer> p = Promise.promise();
        long wait = redisTimeoutMillis > 0 ? vertx.setTimer(redisTimeoutMillis, t -> p.tryComplete(null)) : -1;
        Future<Response> got;
        try {
            got = redis(s).get(redisKey(s, namespaceToken, groupToken, memoryKey));
        } catch (RuntimeException e2) { // a client that cannot even be made (a malformed URL): a miss
            got = Future.failedFuture(e2);
        }
        got.onComplete(ar -> {
            if (wait >= 0) {
                vertx.cancelTimer(wait);
            }
            if (ar.failed()) {
                down(ar.cause());
                p.tryComplete(null);
                return;
            }
            up();
            CachedAnswer found = fill(ar.result(), memoryKey, namespaceToken, groupToken);
            p.tryComplete(found != null && fresh(found, maxAgeMillis) ? found : null);
        });
        return p.future();
    }

    /**
     * Stores {@code answer} for {@code ttlMillis} (memory, and Redis when named); false when it is larger than
     * {@code maxEntryBytes} (not stored). A ttl of 0 or less stores nothing (false). A failed Redis write is dropped
     * (logged once per outage).
     */
    public boolean put(Snapshot s, Partition partition, String key, CachedAnswer answer, long ttlMillis, long maxEntryBytes) {
        if (answer.body().length > maxEntryBytes || ttlMillis <= 0) {
            return false;
        }
        resize(s);
        String memoryKey = partition.id() + key;
        String namespaceToken = token(partition.namespace());
        String groupToken = token(partition.group());
        memory.put(memoryKey, new Entry(namespaceToken, groupToken, answer, TimeUnit.MILLISECONDS.toNanos(ttlMillis)));
        if (shared(s)) {
            byte[] encoded = answer.encode();
            byte[] framed = ByteBuffer.allocate(8 + encoded.length).putLong(clock.getAsLong() + ttlMillis)
                    .put(encoded).array();
            try {
                redis(s).set(List.of(redisKey(s, namespaceToken, groupToken, memoryKey),
                                new String(framed, StandardCharsets.ISO_8859_1), "PX", Long.toString(ttlMillis)))
                        .onSuccess(r -> up())
                        .onFailure(this::down);
            } catch (RuntimeException e) {
                down(e);
            }
        }
        return true;
    }

    // ---- purge ----

    /**
     * Removes the entries of {@code namespace} (null: every namespace) and {@code group} (null: every group), here and
     * in Redis; other replicas drop theirs within a second (they poll the purge marks Redis holds). Completes with the
     * number of entries removed (here and in Redis: an entry held in both counts once). Entries of scope gateway
     * belong to no namespace: a purge by namespace leaves them. When Redis fails, this replica's entries are removed
     * all the same and the future fails with a {@link PurgeFailed} that says how many.
     */
    public Future<Long> purge(Snapshot s, String namespace, String group) {
        long now = clock.getAsLong();
        String namespaceToken = namespace == null ? null : token(namespace);
        String groupToken = group == null ? null : token(group);
        Set<String> removed = new HashSet<>();
        boolean shared = shared(s);
        long local = 0;
        for (Iterator<Map.Entry<String, Entry>> it = memory.asMap().entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Entry> me = it.next();
            Entry e = me.getValue();
            if (matches(e, namespaceToken, groupToken)) {
                it.remove();
                local++;
                if (shared) {
                    removed.add(redisKey(s, e.namespaceToken(), e.groupToken(), me.getKey()));
                }
            }
        }
        String field = (namespaceToken == null ? "*" : namespaceToken) + ":" + (groupToken == null ? "*" : groupToken);
        marks.merge(field, now, Math::max);
        if (!shared) {
            return Future.succeededFuture(local);
        }
        String prefix = globEscape(prefix(s) + "x:");
        String pattern = namespaceToken == null && groupToken == null ? prefix + "*"
                : prefix + (namespaceToken == null ? "*" : namespaceToken) + ":"
                        + (groupToken == null ? "*" : groupToken) + ":*";
        long localCount = local;
        Promise<Long> p = Promise.promise();
        RedisAPI redis;
        try {
            redis = redis(s);
        } catch (RuntimeException e) {
            return Future.failedFuture(new PurgeFailed(localCount, e));
        }
        redis.hset(List.of(marksKey(s), field, Long.toString(now)))
                .compose(r -> redis.pexpire(List.of(marksKey(s), Long.toString(marksTtlMillis(s)))))
                .compose(r -> scanAndDelete(redis, pattern, "0", removed))
                .onSuccess(v -> {
                    up();
                    p.complete((long) removed.size());
                })
                .onFailure(t -> {
                    down(t);
                    p.fail(new PurgeFailed(localCount, t));
                });
        return p.future();
    }

    /** A purge whose Redis part failed: this replica's entries were removed ({@link #local()}), Redis's were not. */
    public static final class PurgeFailed extends RuntimeException {
        private final long local;

        PurgeFailed(long local, Throwable cause) {
            super("removed " + local + " cache entries from this replica, but the shared Redis failed ("
                    + cause.getClass().getSimpleName() + "): its entries and the other replicas' remain; try again",
                    null, false, false);
            this.local = local;
        }

        public long local() {
            return local;
        }
    }

    private Future<Void> scanAndDelete(RedisAPI redis, String pattern, String cursor, Set<String> removed) {
        return redis.scan(List.of(cursor, "MATCH", pattern, "COUNT", Integer.toString(SCAN_COUNT))).compose(r -> {
            String next = r.get(0).toString();
            List<String> keys = new ArrayList<>();
            for (Response k : r.get(1)) {
                keys.add(k.toString());
            }
            Future<?> deleted = keys.isEmpty() ? Future.succeededFuture() : redis.unlink(keys);
            return deleted.compose(x -> {
                removed.addAll(keys);
                return "0".equals(next) ? Future.<Void>succeededFuture() : scanAndDelete(redis, pattern, next, removed);
            });
        });
    }

    /**
     * How long the marks are kept: past the longest ttl of any group (and a minute), every entry a mark could still
     * drop has expired by itself.
     */
    static long marksTtlMillis(Snapshot s) {
        long longest = GatewayConfig.Exact.DEFAULT_TTL_MILLIS;
        GatewayConfig.Caching c = s.caching();
        if (c != null) {
            for (GatewayConfig.Cache g : c.groups().values()) {
                if (g.exact() != null) {
                    longest = Math.max(longest, g.exact().ttlMillis());
                }
            }
        }
        return longest + 60_000;
    }

    // ---- purge marks from other replicas ----

    /** Reads the purge marks once (when caching and a Redis are configured) and applies the new ones to memory. */
    Future<Void> poll() {
        Snapshot s = current == null ? null : current.get();
        if (s == null || s.caching() == null || !shared(s)) {
            return Future.succeededFuture();
        }
        resize(s);
        if (!polling.compareAndSet(false, true)) {
            return Future.succeededFuture();
        }
        Future<Response> read;
        try {
            read = redis(s).hgetall(marksKey(s));
        } catch (RuntimeException e) {
            read = Future.failedFuture(e);
        }
        return read.<Void>map(r -> {
            up();
            if (r != null) {
                for (String field : r.getKeys()) {
                    Response v = r.get(field);
                    try {
                        apply(field, Long.parseLong(v.toString()));
                    } catch (RuntimeException malformed) {
                        // not a mark this code wrote: ignored
                    }
                }
            }
            return null;
        }).onFailure(this::down).onComplete(ar -> polling.set(false)).otherwise((Void) null);
    }

    /** Drops the entries a mark covers that were stored at or before it, unless this mark was already applied. */
    private void apply(String field, long markMillis) {
        Long seen = marks.get(field);
        if (seen != null && seen >= markMillis) {
            return;
        }
        marks.merge(field, markMillis, Math::max);
        int colon = field.indexOf(':');
        if (colon < 0) {
            return;
        }
        String ns = field.substring(0, colon);
        String group = field.substring(colon + 1);
        String namespaceToken = "*".equals(ns) ? null : ns;
        String groupToken = "*".equals(group) ? null : group;
        memory.asMap().values().removeIf(e -> matches(e, namespaceToken, groupToken)
                && e.answer().storedAtMillis() <= markMillis);
    }

    /** Whether a purge mark seen here covers an answer stored at {@code storedAtMillis} in these coordinates. */
    private boolean purged(String namespaceToken, String groupToken, long storedAtMillis) {
        if (marks.isEmpty()) {
            return false;
        }
        return covers(namespaceToken + ":" + groupToken, storedAtMillis) || covers("*:" + groupToken, storedAtMillis)
                || covers(namespaceToken + ":*", storedAtMillis) || covers("*:*", storedAtMillis);
    }

    private boolean covers(String field, long storedAtMillis) {
        Long mark = marks.get(field);
        return mark != null && storedAtMillis <= mark;
    }

    private static boolean matches(Entry e, String namespaceToken, String groupToken) {
        return (namespaceToken == null || namespaceToken.equals(e.namespaceToken()))
                && (groupToken == null || groupToken.equals(e.groupToken()));
    }

    // ---- gauges ----

    /** Entries in memory now. */
    public long entries() {
        memory.cleanUp();
        return memory.estimatedSize();
    }

    /** Bytes in memory now (by {@link CachedAnswer#weight()}). */
    public long bytes() {
        return eviction.weightedSize().orElse(0);
    }

    // ---- internals ----

    /** An entry read from Redis, kept in memory for the time it has left; null when absent, damaged or purged. */
    private CachedAnswer fill(Response r, String memoryKey, String namespaceToken, String groupToken) {
        if (r == null) {
            return null;
        }
        byte[] framed = r.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (framed.length < 8) {
            return null;
        }
        long expiresAt = ByteBuffer.wrap(framed, 0, 8).getLong();
        byte[] encoded = new byte[framed.length - 8];
        System.arraycopy(framed, 8, encoded, 0, encoded.length);
        CachedAnswer answer = CachedAnswer.decode(encoded);
        long left = expiresAt - clock.getAsLong();
        if (answer == null || left <= 0 || purged(namespaceToken, groupToken, answer.storedAtMillis())) {
            return null;
        }
        memory.put(memoryKey, new Entry(namespaceToken, groupToken, answer, TimeUnit.MILLISECONDS.toNanos(left)));
        return answer;
    }

    private boolean fresh(CachedAnswer a, long maxAgeMillis) {
        return maxAgeMillis < 0 || clock.getAsLong() - a.storedAtMillis() <= maxAgeMillis;
    }

    /** Follows the config's bound (one volatile read when it did not change). */
    private void resize(Snapshot s) {
        GatewayConfig.Caching c = s == null ? null : s.caching();
        long max = c == null || c.maxBytes() <= 0 ? GatewayConfig.Caching.DEFAULT_MAX_BYTES : c.maxBytes();
        if (max != maximum) {
            synchronized (this) {
                if (max != maximum) {
                    maximum = max;
                    eviction.setMaximum(max);
                }
            }
        }
    }

    private boolean shared(Snapshot s) {
        return store != null && s != null && s.config().settings() != null && s.config().settings().redisUrl() != null;
    }

    private RedisAPI redis(Snapshot s) {
        return store.redis(s.config().settings().redisUrl(), s.redisPassword());
    }

    private static String prefix(Snapshot s) {
        return "tollgate:" + s.config().gateway() + ":cache:";
    }

    private static String marksKey(Snapshot s) {
        return prefix(s) + "purge";
    }

    private static String redisKey(Snapshot s, String namespaceToken, String groupToken, String memoryKey) {
        return prefix(s) + "x:" + namespaceToken + ":" + groupToken + ":" + Sha256.hex(Sha256.of(memoryKey), 16);
    }

    /** A namespace or group name as it appears in Redis keys and purge marks (see the class javadoc). */
    String token(String name) {
        String t = tokens.get(name);
        if (t == null) {
            t = tokenOf(name);
            if (tokens.size() < 10_000) {
                tokens.put(name, t);
            }
        }
        return t;
    }

    static String tokenOf(String name) {
        if (name.isEmpty()) {
            return "~";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_' || c == '.';
            if (!plain) {
                return "~" + Sha256.hex(Sha256.of(name), 12);
            }
        }
        return name;
    }


    /** Escapes Redis glob characters ({@code * ? [ ] \}) so the gateway's own name matches only itself. */
    static String globEscape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    private void down(Throwable t) {
        // a Redis error's message names the command, never a key or a value
        String why = t.getClass().getSimpleName();
        if (redisDown.compareAndSet(false, true)) {
            LOG.warnf("response cache: the shared Redis failed (%s); lookups miss there and stores stay in this "
                    + "replica's memory until it answers", why);
        } else {
            LOG.debugf("response cache: the shared Redis failed (%s)", why);
        }
    }

    private void up() {
        if (redisDown.compareAndSet(true, false)) {
            LOG.info("response cache: the shared Redis answers again");
        }
    }
}
