package dev.tollgate.gateway.routing;

import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cooldowns of one gateway's deployments as its replicas share them in the gateway's Redis. Written only on
 * failures and cooldowns, read by {@link DeploymentHealth}'s background poll, never on a request's path.
 *
 * <p>Keys, under the gateway's prefix ({@code tollgate:<namespace>/<name>:health:}):
 * <ul>
 * <li>{@code <deploymentId>}: the cooldown, {@code <untilEpochMillis>|<reason>}, expiring when the cooldown ends
 * (a later cooldown replaces an earlier one, never the reverse).</li>
 * <li>{@code <deploymentId>:failures}: failures (5xx, overload, timeouts, connect failures) counted by every replica
 * in a fixed window that starts at the window's first failure; deleted when it starts a cooldown.</li>
 * </ul>
 * Each write is one script, so the replicas cannot both miss or both start the cooldown that a count reaches.
 * Needs a single Redis (the two keys of a deployment in one script, and one MGET for all deployments), like the
 * rate limiter's. Deployment ids are Kubernetes {@code namespace/name} and never contain '|'.
 */
final class SharedHealth {
    /**
     * KEYS: the cooldown, the failure counter. ARGV: until (epoch ms), value, ttl ms. Sets the cooldown unless one
     * that ends at least as late is there; clears the failure count. Returns 1 when it set it.
     */
    static final String COOL = """
            local cur = redis.call('GET', KEYS[1])
            if cur then
              local u = tonumber(string.match(cur, '^(%d+)'))
              if u and u >= tonumber(ARGV[1]) then return 0 end
            end
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            redis.call('DEL', KEYS[2])
            return 1
            """;

    /**
     * KEYS: the failure counter, the cooldown. ARGV: weight, window ms, threshold, until, value, ttl ms. Counts the
     * failure; when the count reaches the threshold, starts the cooldown (as {@link #COOL}) and deletes the count, so
     * exactly one replica's failure is the one that trips it. Returns 1 then, else 0.
     */
    static final String FAIL = """
            local n = redis.call('INCRBY', KEYS[1], ARGV[1])
            if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            if n < tonumber(ARGV[3]) then return 0 end
            redis.call('DEL', KEYS[1])
            local cur = redis.call('GET', KEYS[2])
            if cur then
              local u = tonumber(string.match(cur, '^(%d+)'))
              if u and u >= tonumber(ARGV[4]) then return 1 end
            end
            redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[6])
            return 1
            """;

    /** A cooldown as Redis holds it. */
    record Cooling(long untilMillis, String reason) {}

    private final RedisAPI redis;
    private final String prefix;

    /** @param prefix the gateway's key prefix, e.g. {@code tollgate:ns/gw:} ("health:" is added) */
    SharedHealth(RedisAPI redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix + "health:";
    }

    /** Shares a cooldown until {@code untilMillis}; true when it is the latest one Redis holds for the deployment. */
    Future<Boolean> cool(String deploymentId, long untilMillis, String reason, long nowMillis) {
        long ttl = Math.max(1, untilMillis - nowMillis);
        return redis.eval(List.of(COOL, "2", prefix + deploymentId, prefix + deploymentId + ":failures",
                Long.toString(untilMillis), value(untilMillis, reason), Long.toString(ttl)))
                .map(r -> r.toInteger() == 1);
    }

    /**
     * Counts {@code weight} failures of the deployment in the shared window; true when they reached
     * {@code threshold}: the cooldown until {@code untilMillis} is then shared (this replica starts it locally).
     */
    Future<Boolean> fail(String deploymentId, int weight, long windowMillis, int threshold, long untilMillis,
            String reason, long nowMillis) {
        long ttl = Math.max(1, untilMillis - nowMillis);
        return redis.eval(List.of(FAIL, "2", prefix + deploymentId + ":failures", prefix + deploymentId,
                Integer.toString(weight), Long.toString(Math.max(1, windowMillis)), Integer.toString(threshold),
                Long.toString(untilMillis), value(untilMillis, reason), Long.toString(ttl)))
                .map(r -> r.toInteger() == 1);
    }

    /** The cooldowns Redis holds for these deployments (those with none are absent). */
    Future<Map<String, Cooling>> read(List<String> deploymentIds) {
        if (deploymentIds.isEmpty()) {
            return Future.succeededFuture(Map.of());
        }
        List<String> keys = new ArrayList<>(deploymentIds.size());
        for (String id : deploymentIds) {
            keys.add(prefix + id);
        }
        return redis.mget(keys).map(r -> parse(deploymentIds, r));
    }

    private static Map<String, Cooling> parse(List<String> ids, Response r) {
        Map<String, Cooling> out = new LinkedHashMap<>();
        for (int i = 0; i < ids.size() && i < r.size(); i++) {
            Response v = r.get(i);
            Cooling c = v == null ? null : cooling(v.toString());
            if (c != null) {
                out.put(ids.get(i), c);
            }
        }
        return out;
    }

    /** Parses {@code <until>|<reason>}; null for anything else (a value this version did not write). */
    static Cooling cooling(String value) {
        int bar = value.indexOf('|');
        try {
            return new Cooling(Long.parseLong(bar < 0 ? value : value.substring(0, bar)),
                    bar < 0 ? "" : value.substring(bar + 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String value(long untilMillis, String reason) {
        return untilMillis + "|" + reason;
    }
}
