package dev.tollgate.gateway.chargeback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.TollgateConfig;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.limits.SharedStore;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The chargeback ledger: every finished, metered request of this process counted by UTC day, key id, model group
 * (public model name) and tag set, with its requests, input and output tokens and spend (micro-USD). It is counted by
 * {@code UsageRecorder} at the place it counts a key's spend, with the same figures (the cost the request was charged,
 * its {@code x-tollgate-cost}; superseded attempts add their tokens and spend but no request, as for the key), so the
 * two reconcile by construction. A request costs one map lookup (and the row key's allocation); a row is created on
 * a day's first request of its key, model and tag set.
 *
 * <p>Storage. In memory always. When the served config names a Redis, every second (off the request path) the
 * increments since the last flush go there in one script: HINCRBY into the day's hash
 * {@code tollgate:<gw>:chargeback:<yyyy-mm-dd>}, fields {@code <keyId>|<model>|<tags joined by ','>|<req|in|out|spend>},
 * each hash expiring the retention after its last write. Each Redis call waits at most
 * {@code tollgate.gateway.chargeback-redis-timeout-millis}, so a Redis that never answers cannot hold the serial
 * chain (flushes, exports) forever; a flush that fails or times out is sent again unchanged, with its sequence
 * number, before anything new, and the script skips a sequence number Redis already took: a timed-out flush that
 * did arrive is counted once. Days beyond the retention are pruned after a failed flush too.
 * The export then reads Redis (every replica's figures) plus this process's unflushed increments, and memory keeps
 * only today's and yesterday's rows. Without Redis memory keeps every day within the retention
 * ({@code tollgate.gateway.chargeback-retention-days}), and the export shows this process's figures (and, in
 * standalone mode, earlier runs' as saved in the state directory: {@link #save}, {@link #loadEarlier}). Memory is
 * thus bounded by the days kept times the (key, model, tag set) combinations used on each.
 *
 * <p>Key attributes are remembered per key id (in memory, in the Redis hash {@code tollgate:<gw>:chargeback:attributes}
 * and in the standalone state file) so a deleted key's rows still carry them; a key in the served config shows its
 * current attributes.
 */
@ApplicationScoped
public class ChargebackLedger {
    private static final Logger LOG = Logger.getLogger(ChargebackLedger.class);
    static final long DAY_MILLIS = 86_400_000L;

    /** A row's identity. {@code tags} sorted, never null. */
    record RowKey(long day, String keyId, String model, List<String> tags) {}

    /** A row's figures, and what of them Redis already holds (touched by the flush alone, under {@link #serial}). */
    static final class Cell {
        final LongAdder requests = new LongAdder();
        final LongAdder inputTokens = new LongAdder();
        final LongAdder outputTokens = new LongAdder();
        final LongAdder spendMicros = new LongAdder();
        long flushedRequests;
        long flushedInput;
        long flushedOutput;
        long flushedSpend;
    }

    /**
     * KEYS: the day hashes, the attributes hash, then this process's flush sequence key. ARGV: ttl seconds, n, the
     * batch's sequence number, n (key index, field, increment), then attribute field/json pairs. A batch whose sequence
     * number Redis already took (a resend after a timeout whose first send did arrive) changes nothing: returns 0.
     */
    static final String FLUSH = """
            local ttl = ARGV[1]
            local n = tonumber(ARGV[2])
            local seq = tonumber(ARGV[3])
            local done = tonumber(redis.call('GET', KEYS[#KEYS]) or '0')
            if done >= seq then return 0 end
            redis.call('SET', KEYS[#KEYS], ARGV[3], 'EX', 86400)
            local i = 4
            for j = 1, n do
              redis.call('HINCRBY', KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2])
              i = i + 3
            end
            for k = 1, #KEYS - 2 do redis.call('EXPIRE', KEYS[k], ttl) end
            local a = KEYS[#KEYS - 1]
            while i < #ARGV do
              redis.call('HSET', a, ARGV[i], ARGV[i + 1])
              i = i + 2
            end
            if redis.call('EXISTS', a) == 1 then redis.call('EXPIRE', a, ttl) end
            return 1
            """;

    /**
     * A flush's batch: its script arguments, with its sequence number, and what to mark flushed once Redis took it.
     * One Redis did not confirm (a failure, a timeout) is sent again as it was before anything new.
     */
    private record Batch(long seq, List<String> args, List<Runnable> commit) {}

    private final Clock clock;
    private final int retentionDays;
    /** The Redis of a snapshot's config, or null when it names none. */
    private final Function<Snapshot, RedisAPI> redisOf;
    private final ConfigHolder holder;
    private final Map<RowKey, Cell> rows = new ConcurrentHashMap<>();
    /** How many rows {@link #rows} holds per day (epoch day): the cap's size check. */
    private final Map<Long, java.util.concurrent.atomic.AtomicInteger> rowsPerDay = new ConcurrentHashMap<>();
    /** {@code tollgate.gateway.chargeback-max-rows-per-day}: past it, a new row's tag set is {@link #OTHER}. */
    private volatile int maxRowsPerDay = 100_000;
    /** The tag set of a row counted past {@link #maxRowsPerDay} (of a client's tags). */
    static final List<String> OTHER = List.of(ChargebackExport.OTHER);
    /** Every key's attributes as last seen on one of its requests (or read back): never forgotten within a run. */
    private final Map<String, Map<String, String>> attributes = new ConcurrentHashMap<>();
    /** Key ids whose attributes Redis does not hold yet (or holds an older version of). */
    private final Map<String, Boolean> attributesToWrite = new ConcurrentHashMap<>();
    /** Earlier standalone runs' rows and attributes (read once at start, never changed). */
    private volatile List<ChargebackExport.Entry> earlier = List.of();
    private volatile Map<String, Map<String, String>> earlierAttributes = Map.of();
    /** The last snapshot a request was counted under (for the export when no holder is wired: tests). */
    private volatile Snapshot lastSeen;
    /** Flushes and exports run one after another: an export reads Redis and the unflushed rest consistently. */
    private Future<?> serial = Future.succeededFuture();
    private boolean flushing;
    /** The batch Redis has not confirmed yet (touched under {@link #serial} only), or null. */
    private Batch pending;
    private long nextSeq = 1;
    /** Names this process's flush sequence key ({@code <prefix>flushed:<id>}). */
    private final String incarnation = java.util.UUID.randomUUID().toString();
    /** {@code tollgate.gateway.chargeback-redis-timeout-millis}: the longest a flush or an export waits for Redis. */
    private volatile long redisTimeoutMillis = 5_000;
    private volatile long lastPruneMillis = Long.MIN_VALUE / 2;

    /** A ledger in memory only (tests, and the test constructors of UsageRecorder). */
    public ChargebackLedger(Clock clock) {
        this(clock, 400, s -> null, null);
    }

    /** A ledger flushing to the Redis {@code redisOf} gives for a snapshot (tests: a real Redis, no config). */
    public ChargebackLedger(Clock clock, int retentionDays, Function<Snapshot, RedisAPI> redisOf, ConfigHolder holder) {
        this.clock = clock;
        this.retentionDays = Math.max(1, retentionDays);
        this.redisOf = redisOf;
        this.holder = holder;
    }

    @Inject
    public ChargebackLedger(SharedStore store, ConfigHolder holder, TollgateConfig config) {
        this(Clock.systemUTC(), config.gateway().chargebackRetentionDays(), s -> {
            String url = s == null ? null : s.config().settings().redisUrl();
            return url == null ? null : store.redis(url, s.redisPassword());
        }, holder);
        maxRowsPerDay(config.gateway().chargebackMaxRowsPerDay());
        redisTimeoutMillis(config.gateway().chargebackRedisTimeoutMillis());
    }

    /** Sets {@code tollgate.gateway.chargeback-redis-timeout-millis} (at least 1). */
    public void redisTimeoutMillis(long millis) {
        this.redisTimeoutMillis = Math.max(1, millis);
    }

    /** {@code f}, failed when Redis has not answered within the timeout (the serial chain then moves on). */
    private <T> Future<T> bounded(Future<T> f) {
        return f.timeout(redisTimeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Sets {@code tollgate.gateway.chargeback-max-rows-per-day} (at least 1). */
    public void maxRowsPerDay(int max) {
        this.maxRowsPerDay = Math.max(1, max);
    }

    /** Flushes every second in gateway and standalone mode (it only prunes old days while no Redis is named). */
    void onStart(@Observes StartupEvent event, Vertx vertx, TollgateConfig config) {
        if (config.mode() != dev.tollgate.Mode.OPERATOR) {
            vertx.setPeriodic(1000, id -> flush());
        }
    }

    /**
     * A stopping process sends what it has not flushed yet (best effort, at most 3 s; before the Redis clients close):
     * its last second of figures is not lost. A request still running when the process stops is not counted.
     */
    void onStop(@Observes io.quarkus.runtime.ShutdownEvent event, TollgateConfig config) {
        if (config.mode() == dev.tollgate.Mode.OPERATOR) {
            return;
        }
        try {
            synchronized (this) {
                flushing = false; // a flush still running is chained before this one: this one then sends the rest
            }
            flush().toCompletionStage().toCompletableFuture().get(3, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warnf("chargeback: the last figures could not be flushed to Redis at shutdown: %s", e.toString());
        }
    }

    /**
     * Counts one finished request or attempt (the request path): {@code request} false for an attempt another one
     * replaced or a call made for the request (its tokens and spend count, but it is not a request).
     */
    public void count(Snapshot snapshot, GatewayConfig.Key key, String model, List<String> tags, boolean request,
            long inputTokens, long outputTokens, long spendMicros) {
        if (snapshot != lastSeen) {
            lastSeen = snapshot;
        }
        if (!request && inputTokens == 0 && outputTokens == 0 && spendMicros == 0) {
            return;
        }
        Map<String, String> a = key.attributes() == null ? Map.of() : key.attributes();
        if (attributes.get(key.id()) != a) { // identity: after the first request per key and config, one lookup
            remember(key.id(), a);
        }
        RowKey k = new RowKey(clock.millis() / DAY_MILLIS, key.id(), model == null ? "" : model, tags == null ? List.of() : tags);
        Cell c = rows.get(k);
        if (c == null) {
            java.util.concurrent.atomic.AtomicInteger n = rowsPerDay.computeIfAbsent(k.day(),
                    d -> new java.util.concurrent.atomic.AtomicInteger());
            if (!k.tags().isEmpty() && n.get() >= maxRowsPerDay) {
                // clients choose tags: past the cap their tag set is (other), the key and model stay (spend per key exact)
                k = new RowKey(k.day(), k.keyId(), k.model(), OTHER);
                c = rows.get(k);
            }
            if (c == null) {
                c = rows.computeIfAbsent(new RowKey(k.day(), k.keyId(), k.model(), List.copyOf(k.tags())), x -> {
                    n.incrementAndGet();
                    return new Cell();
                });
            }
        }
        if (request) {
            c.requests.increment();
        }
        if (inputTokens != 0) {
            c.inputTokens.add(inputTokens);
        }
        if (outputTokens != 0) {
            c.outputTokens.add(outputTokens);
        }
        if (spendMicros != 0) {
            c.spendMicros.add(spendMicros);
        }
    }

    /** How many rows memory holds (tests). */
    int rowCount() {
        return rows.size();
    }

    private void remember(String keyId, Map<String, String> a) {
        Map<String, String> before = attributes.put(keyId, a);
        if (before == null || !before.equals(a)) {
            attributesToWrite.put(keyId, Boolean.TRUE);
        }
    }

    private long today() {
        return clock.millis() / DAY_MILLIS;
    }

    private Snapshot current() {
        Snapshot s = holder == null ? null : holder.current();
        return s != null ? s : lastSeen;
    }

    private synchronized <T> Future<T> serially(java.util.function.Supplier<Future<T>> step) {
        Future<T> f = serial.transform(ar -> step.get());
        serial = f;
        return f;
    }

    /**
     * Sends the increments since the last flush to Redis, when the config names one (a flush still running: this one
     * is skipped), and drops the days memory no longer needs. The future fails when Redis did not take them (they
     * are then sent by the next flush).
     */
    public Future<Void> flush() {
        Snapshot s = current();
        RedisAPI redis = s == null ? null : redisOf.apply(s);
        if (redis == null) {
            prune(false);
            return Future.succeededFuture();
        }
        synchronized (this) {
            if (flushing) {
                return Future.succeededFuture();
            }
            flushing = true;
        }
        return this.<Void>serially(() -> send(redis, prefix(s))).onComplete(ar -> {
            synchronized (this) {
                flushing = false;
            }
            if (ar.succeeded()) {
                prune(true);
            } else {
                // the days beyond the retention go all the same: a Redis that never answers must not keep them
                prune(false);
                LOG.debugf("chargeback flush failed (its batch is sent again by the next one): %s", ar.cause().getMessage());
            }
        });
    }

    static String prefix(Snapshot s) {
        return "tollgate:" + s.config().gateway() + ":chargeback:";
    }

    /**
     * Sends the pending batch again if Redis did not confirm it (same sequence number: skipped by Redis if its first
     * send did arrive), then a batch of what changed since; each waits at most the timeout.
     */
    private Future<Void> send(RedisAPI redis, String prefix) {
        Batch resend = pending;
        Batch b = resend != null ? resend : batch(prefix);
        if (b == null) {
            return Future.succeededFuture();
        }
        pending = b;
        return bounded(redis.eval(b.args())).compose(r -> {
            pending = null;
            b.commit().forEach(Runnable::run);
            return resend != null ? send(redis, prefix) : Future.<Void>succeededFuture();
        });
    }

    /** The increments since the last confirmed flush and the attributes to write, or null when there are none. */
    private Batch batch(String prefix) {
        List<String> keys = new ArrayList<>();
        Map<Long, Integer> keyIndex = new HashMap<>();
        List<String> increments = new ArrayList<>();
        List<Runnable> commit = new ArrayList<>();
        for (Map.Entry<RowKey, Cell> e : rows.entrySet()) {
            RowKey k = e.getKey();
            Cell c = e.getValue();
            long req = c.requests.sum();
            long in = c.inputTokens.sum();
            long out = c.outputTokens.sum();
            long spend = c.spendMicros.sum();
            if (req == c.flushedRequests && in == c.flushedInput && out == c.flushedOutput && spend == c.flushedSpend) {
                continue;
            }
            int index = keyIndex.computeIfAbsent(k.day(), d -> {
                keys.add(prefix + LocalDate.ofEpochDay(d));
                return keys.size();
            });
            String field = k.keyId() + "|" + k.model() + "|" + String.join(",", k.tags()) + "|";
            increment(increments, index, field + "req", req - c.flushedRequests);
            increment(increments, index, field + "in", in - c.flushedInput);
            increment(increments, index, field + "out", out - c.flushedOutput);
            increment(increments, index, field + "spend", spend - c.flushedSpend);
            commit.add(() -> {
                c.flushedRequests = req;
                c.flushedInput = in;
                c.flushedOutput = out;
                c.flushedSpend = spend;
            });
        }
        List<String> attributeArgs = new ArrayList<>();
        List<String> written = new ArrayList<>(attributesToWrite.keySet());
        for (String id : written) {
            attributesToWrite.remove(id);
            attributeArgs.add(id);
            attributeArgs.add(Json.write(Json.mapper().valueToTree(new TreeMap<>(attributes.getOrDefault(id, Map.of())))));
        }
        if (increments.isEmpty() && attributeArgs.isEmpty()) {
            return null;
        }
        keys.add(prefix + "attributes");
        keys.add(prefix + "flushed:" + incarnation);
        long seq = nextSeq++;
        List<String> args = new ArrayList<>();
        args.add(FLUSH);
        args.add(Integer.toString(keys.size()));
        args.addAll(keys);
        args.add(Long.toString(retentionDays * 86_400L));
        args.add(Integer.toString(increments.size() / 3));
        args.add(Long.toString(seq));
        args.addAll(increments);
        args.addAll(attributeArgs);
        return new Batch(seq, List.copyOf(args), commit);
    }

    private static void increment(List<String> out, int keyIndex, String field, long by) {
        if (by != 0) {
            out.add(Integer.toString(keyIndex));
            out.add(field);
            out.add(Long.toString(by));
        }
    }

    /**
     * Drops the rows older than the retention, and with Redis ({@code flushed}) those before yesterday that Redis
     * holds whole (no request adds to a past day's row any more: it is counted under the day it finished).
     */
    private void prune(boolean flushed) {
        long now = clock.millis();
        if (now - lastPruneMillis < 60_000 && now >= lastPruneMillis) {
            return; // once a minute: a day's rows only age out at midnight, and memory may hold many days
        }
        lastPruneMillis = now;
        long today = now / DAY_MILLIS;
        long oldest = today - retentionDays + 1;
        rows.entrySet().removeIf(e -> {
            long day = e.getKey().day();
            Cell c = e.getValue();
            boolean drop = day < oldest || flushed && day < today - 1 && c.requests.sum() == c.flushedRequests
                    && c.inputTokens.sum() == c.flushedInput && c.outputTokens.sum() == c.flushedOutput
                    && c.spendMicros.sum() == c.flushedSpend;
            if (drop) {
                java.util.concurrent.atomic.AtomicInteger n = rowsPerDay.get(day);
                if (n != null) {
                    n.decrementAndGet();
                }
            }
            return drop;
        });
        rowsPerDay.keySet().removeIf(day -> day < oldest);
    }

    /** What the export reads: the entries of the days asked (within the retention) and the keys' attributes. */
    public record Figures(List<ChargebackExport.Entry> entries, Map<String, Map<String, String>> attributes) {}

    /**
     * The figures of {@code from}..{@code to}: with Redis, what it holds (every replica's flushed figures) plus this
     * process's unflushed increments; without, this process's rows and earlier standalone runs'. Fails when Redis
     * cannot be read (no partial figures).
     */
    public Future<Figures> figures(LocalDate from, LocalDate to) {
        Snapshot s = current();
        RedisAPI redis = s == null ? null : redisOf.apply(s);
        long oldest = today() - retentionDays + 1;
        long first = Math.max(from.toEpochDay(), oldest);
        long last = to.toEpochDay();
        if (redis == null) {
            List<ChargebackExport.Entry> out = new ArrayList<>();
            rows.forEach((k, c) -> {
                if (k.day() >= first && k.day() <= last) {
                    out.add(entry(k, c.requests.sum(), c.inputTokens.sum(), c.outputTokens.sum(), c.spendMicros.sum()));
                }
            });
            for (ChargebackExport.Entry e : earlier) {
                if (e.day().toEpochDay() >= first && e.day().toEpochDay() <= last) {
                    out.add(e);
                }
            }
            Map<String, Map<String, String>> attrs = new HashMap<>(earlierAttributes);
            attrs.putAll(attributes);
            return Future.succeededFuture(new Figures(out, withCurrent(attrs, s)));
        }
        String prefix = prefix(s);
        return serially(() -> {
            List<Future<Response>> reads = new ArrayList<>();
            for (long d = first; d <= last; d++) {
                reads.add(bounded(redis.hgetall(prefix + LocalDate.ofEpochDay(d))));
            }
            Future<Response> attributeRead = bounded(redis.hgetall(prefix + "attributes"));
            List<Future<?>> all = new ArrayList<>(reads);
            all.add(attributeRead);
            return Future.all(all).map(done -> {
                // read with the flushes held off: what memory has beyond the flushed part is exactly what Redis lacks
                Map<RowKey, long[]> sums = new LinkedHashMap<>();
                for (int i = 0; i < reads.size(); i++) {
                    readDay(first + i, reads.get(i).result(), sums);
                }
                rows.forEach((k, c) -> {
                    if (k.day() >= first && k.day() <= last) {
                        long[] v = sums.computeIfAbsent(k, x -> new long[4]);
                        v[0] += c.requests.sum() - c.flushedRequests;
                        v[1] += c.inputTokens.sum() - c.flushedInput;
                        v[2] += c.outputTokens.sum() - c.flushedOutput;
                        v[3] += c.spendMicros.sum() - c.flushedSpend;
                    }
                });
                List<ChargebackExport.Entry> out = new ArrayList<>();
                sums.forEach((k, v) -> out.add(entry(k, v[0], v[1], v[2], v[3])));
                Map<String, Map<String, String>> attrs = new HashMap<>();
                Response a = attributeRead.result();
                if (a != null) {
                    for (String id : a.getKeys()) {
                        attrs.put(id, attributesOf(Json.parse(a.get(id).toString())));
                    }
                }
                attrs.putAll(attributes);
                return new Figures(out, withCurrent(attrs, s));
            });
        });
    }

    /** The served config's keys show their current attributes; others (deleted keys) what was remembered. */
    private static Map<String, Map<String, String>> withCurrent(Map<String, Map<String, String>> attrs, Snapshot s) {
        if (s != null) {
            for (GatewayConfig.Key k : s.config().keys()) {
                attrs.put(k.id(), k.attributes() == null ? Map.of() : k.attributes());
            }
        }
        return attrs;
    }

    private static void readDay(long day, Response hash, Map<RowKey, long[]> sums) {
        if (hash == null) {
            return;
        }
        for (String field : hash.getKeys()) {
            int counterAt = field.lastIndexOf('|');
            int tagsAt = counterAt <= 0 ? -1 : field.lastIndexOf('|', counterAt - 1);
            int modelAt = field.indexOf('|');
            if (counterAt < 0 || tagsAt < 0 || modelAt >= tagsAt) {
                continue; // not a field this ledger writes
            }
            String tags = field.substring(tagsAt + 1, counterAt);
            RowKey k = new RowKey(day, field.substring(0, modelAt), field.substring(modelAt + 1, tagsAt),
                    tags.isEmpty() ? List.of() : List.of(tags.split(",")));
            int i;
            switch (field.substring(counterAt + 1)) {
                case "req":
                    i = 0;
                    break;
                case "in":
                    i = 1;
                    break;
                case "out":
                    i = 2;
                    break;
                case "spend":
                    i = 3;
                    break;
                default:
                    continue;
            }
            sums.computeIfAbsent(k, x -> new long[4])[i] += hash.get(field).toLong();
        }
    }

    private static ChargebackExport.Entry entry(RowKey k, long req, long in, long out, long spend) {
        return new ChargebackExport.Entry(LocalDate.ofEpochDay(k.day()), k.keyId(), k.model(), k.tags(), req, in, out, spend);
    }

    private static Map<String, String> attributesOf(JsonNode node) {
        Map<String, String> out = new TreeMap<>();
        if (node != null && node.isObject()) {
            node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }

    // ---- standalone: this run's rows in the state directory, earlier runs' read back --------------------------------

    /** This run's rows and remembered attributes as JSON (cumulative; the standalone state file). */
    String toJson(String incarnation) {
        ObjectNode root = Json.object();
        root.put("incarnation", incarnation);
        ArrayNode out = root.putArray("rows");
        rows.forEach((k, c) -> {
            ObjectNode r = out.addObject();
            r.put("day", LocalDate.ofEpochDay(k.day()).toString());
            r.put("key", k.keyId());
            r.put("model", k.model());
            ArrayNode tags = r.putArray("tags");
            k.tags().forEach(tags::add);
            r.put("requests", c.requests.sum());
            r.put("inputTokens", c.inputTokens.sum());
            r.put("outputTokens", c.outputTokens.sum());
            r.put("spendMicros", c.spendMicros.sum());
        });
        root.set("attributes", Json.mapper().valueToTree(new TreeMap<>(attributes)));
        return Json.write(root);
    }

    /** Saves this run's rows as {@code <dir>/<incarnation>.json} (written aside, then moved in place). */
    public synchronized void save(Path dir, String incarnation) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(incarnation + ".json.tmp");
        Files.writeString(tmp, toJson(incarnation));
        Files.move(tmp, dir.resolve(incarnation + ".json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Reads earlier runs' saved rows (every {@code *.json} in {@code dir} but this run's): the export without Redis
     * adds them. Files whose days are all beyond the retention are deleted. Returns how many runs were read.
     */
    public int loadEarlier(Path dir, String incarnation) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long oldest = today() - retentionDays + 1;
        List<ChargebackExport.Entry> entries = new ArrayList<>();
        Map<String, Map<String, String>> attrs = new HashMap<>();
        int runs = 0;
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                if (f.getFileName().toString().equals(incarnation + ".json")) {
                    continue;
                }
                JsonNode root = Json.parse(Files.readString(f));
                if (root == null) {
                    continue;
                }
                runs++;
                boolean kept = false;
                for (JsonNode r : root.path("rows")) {
                    LocalDate day = LocalDate.parse(r.path("day").asText());
                    if (day.toEpochDay() < oldest) {
                        continue;
                    }
                    kept = true;
                    List<String> tags = new ArrayList<>();
                    r.path("tags").forEach(t -> tags.add(t.asText()));
                    entries.add(new ChargebackExport.Entry(day, r.path("key").asText(), r.path("model").asText(),
                            List.copyOf(tags), r.path("requests").asLong(), r.path("inputTokens").asLong(),
                            r.path("outputTokens").asLong(), r.path("spendMicros").asLong()));
                }
                root.path("attributes").fields().forEachRemaining(e -> attrs.put(e.getKey(), attributesOf(e.getValue())));
                if (!kept) {
                    Files.deleteIfExists(f);
                }
            }
        }
        earlier = List.copyOf(entries);
        earlierAttributes = Map.copyOf(attrs);
        return runs;
    }
}
