package dev.tollgate.gateway;

import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A gateway process's cumulative usage counters kept in the gateway's Redis as well as in memory, so that they
 * outlive the process (kill -9, OOM kill, node loss). One hash per incarnation holds every counter as an absolute
 * cumulative value, written with "set if greater": counters only grow, so a write is idempotent and order-free,
 * a lost or failed write is repaired by any later one, and the heartbeat rewrites every counter from memory.
 *
 * <p>Keys, under the gateway's prefix ({@code tollgate:<namespace>/<name>:usage:}):
 * <ul>
 * <li>{@code <incarnation>}: the counters (hash). Expires {@code aliveTtl + retention} after the process's last
 * write, so a dead incarnation's figures stay readable for the retention, then vanish.</li>
 * <li>{@code <incarnation>:alive}: the heartbeat, refreshed every heartbeat interval, expiring after
 * {@code aliveTtl}. A hash without a heartbeat is an orphan: its process is gone.</li>
 * <li>{@code incarnations}: the set of incarnations, pruned of those whose hash expired.</li>
 * </ul>
 * Field names: {@code k|<keyId>|<counter>}, {@code k|<keyId>|b|<budget slot>}, {@code m|<deploymentId>|<counter>},
 * {@code b|<budget slot>}, {@code p|<promptId>@<version>|<counter>} (per prompt version), {@code t|<tag>|<counter>} (per
 * request tag), {@code startedAt}; counters are req, err, in, out, spend (micro-USD), last (epoch ms), and,
 * once they are not 0, hit (response-cache hits), semhit (of them semantic), saved (micro-USD the hits saved), cread
 * and cwrite (input tokens the provider read from and wrote to its prompt cache).
 * Ids are Kubernetes names and never contain '|' (nor do tags: their charset is {@code [A-Za-z0-9_.:/-]}). Plain standalone Redis: the scripts touch keys they derive.
 */
public final class UsageJournal {
    /** KEYS: the hash. ARGV: its ttl, then field/value pairs: each field is raised to at least its value. */
    static final String WRITE = """
            local h = KEYS[1]
            for i = 2, #ARGV, 2 do
              local v = tonumber(ARGV[i + 1])
              local cur = tonumber(redis.call('HGET', h, ARGV[i]) or '-1')
              if v > cur then redis.call('HSET', h, ARGV[i], ARGV[i + 1]) end
            end
            redis.call('PEXPIRE', h, ARGV[1])
            return 1
            """;

    /** KEYS: the set. ARGV: the prefix. Returns {id, 1} for a live incarnation, {id, 0, fields} for an orphan. */
    static final String READ = """
            local out = {}
            for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              local h = ARGV[1] .. id
              if redis.call('EXISTS', h) == 0 then
                redis.call('SREM', KEYS[1], id)
              elseif redis.call('EXISTS', h .. ':alive') == 1 then
                out[#out + 1] = {id, 1}
              else
                out[#out + 1] = {id, 0, redis.call('HGETALL', h)}
              end
            end
            return out
            """;

    /** What Redis holds: every incarnation whose counters it keeps, and the figures of those with no heartbeat. */
    public record Listing(List<String> incarnations, Map<String, Map<String, Long>> orphans) {}

    private final RedisAPI redis;
    private final String prefix;
    private final String incarnation;
    private final long aliveTtlMillis;
    private final long retentionMillis;

    /**
     * @param prefix          the gateway's key prefix, e.g. {@code tollgate:ns/gw:}
     * @param aliveTtlMillis  how long a heartbeat lasts (a few heartbeat intervals)
     * @param retentionMillis how long an orphan's figures stay readable after its heartbeat expired
     */
    public UsageJournal(RedisAPI redis, String prefix, String incarnation, long aliveTtlMillis, long retentionMillis) {
        this.redis = redis;
        this.prefix = prefix + "usage:";
        this.incarnation = incarnation;
        this.aliveTtlMillis = aliveTtlMillis;
        this.retentionMillis = retentionMillis;
    }

    /** Raises the given counters to at least these values (one request's counters after it completed). */
    public Future<Void> write(Map<String, Long> fields) {
        if (fields.isEmpty()) {
            return Future.succeededFuture();
        }
        List<String> args = new ArrayList<>(List.of(WRITE, "1", prefix + incarnation,
                Long.toString(aliveTtlMillis + retentionMillis)));
        fields.forEach((f, v) -> {
            args.add(f);
            args.add(Long.toString(v));
        });
        return redis.eval(args).mapEmpty();
    }

    /** The heartbeat: this process is alive, and every counter it has (so any failed write is repaired). */
    public Future<Void> heartbeat(Map<String, Long> allFields) {
        List<String> args = new ArrayList<>(List.of(HEARTBEAT, "3", prefix + incarnation, prefix + incarnation + ":alive",
                prefix + "incarnations", Long.toString(aliveTtlMillis + retentionMillis), Long.toString(aliveTtlMillis),
                incarnation));
        allFields.forEach((f, v) -> {
            args.add(f);
            args.add(Long.toString(v));
        });
        return redis.eval(args).mapEmpty();
    }

    /** KEYS: hash, alive, set. ARGV: hash ttl, alive ttl, incarnation, then field/value pairs. */
    static final String HEARTBEAT = """
            local h = KEYS[1]
            for i = 4, #ARGV, 2 do
              local v = tonumber(ARGV[i + 1])
              local cur = tonumber(redis.call('HGET', h, ARGV[i]) or '-1')
              if v > cur then redis.call('HSET', h, ARGV[i], ARGV[i + 1]) end
            end
            redis.call('PEXPIRE', h, ARGV[1])
            redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
            redis.call('SADD', KEYS[3], ARGV[3])
            return 1
            """;

    /** Every incarnation of this gateway Redis holds, and the orphans' counters. */
    public Future<Listing> read() {
        return redis.eval(List.of(READ, "1", prefix + "incarnations", prefix)).map(UsageJournal::listing);
    }

    private static Listing listing(Response r) {
        List<String> ids = new ArrayList<>();
        Map<String, Map<String, Long>> orphans = new LinkedHashMap<>();
        for (int i = 0; i < r.size(); i++) {
            Response e = r.get(i);
            String id = e.get(0).toString();
            ids.add(id);
            if (e.get(1).toInteger() == 0) {
                Map<String, Long> fields = new LinkedHashMap<>();
                Response kv = e.get(2);
                for (int j = 0; j + 1 < kv.size(); j += 2) {
                    fields.put(kv.get(j).toString(), kv.get(j + 1).toLong());
                }
                orphans.put(id, fields);
            }
        }
        return new Listing(ids, orphans);
    }
}
