package dev.tollgate.gateway.limits;

import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * Limits shared by every replica through one Redis: each decision is one Lua script, so it is atomic across
 * replicas and all-or-nothing across the limits it checks. Buckets refill on Redis's own clock (TIME), so the
 * replicas' clocks do not matter. Token buckets expire after two idle minutes (they are full again by then);
 * in-flight counters expire an hour after their last change, which bounds what a crashed replica can leak.
 * Needs a single Redis (or keys in one hash slot): the limits of one request are checked in one script.
 */
public final class RedisRateLimiter implements RateLimiter {
    static final String ACQUIRE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local n = #KEYS
            local levels = {}
            local refused, wait = 0, 0
            for i = 1, n do
              local kind, max = ARGV[2*i-1], tonumber(ARGV[2*i])
              if kind == 'P' then
                levels[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
                if levels[i] >= max and refused == 0 then refused, wait = i, 1000 end
              else
                local h = redis.call('HMGET', KEYS[i], 'l', 't')
                local level, ts = tonumber(h[1]), tonumber(h[2])
                if level == nil then level, ts = max, now end
                level = math.min(max, level + (now - ts) * max / 60000)
                levels[i] = level
                if level < 1 and refused == 0 then refused, wait = i, math.ceil((1 - level) * 60000 / max) end
              end
            end
            for i = 1, n do
              local kind = ARGV[2*i-1]
              if kind == 'P' then
                if refused == 0 then
                  levels[i] = redis.call('INCR', KEYS[i])
                  redis.call('PEXPIRE', KEYS[i], 3600000)
                end
              else
                if refused == 0 and kind == 'R' then levels[i] = levels[i] - 1 end
                redis.call('HSET', KEYS[i], 'l', tostring(levels[i]), 't', now)
                redis.call('PEXPIRE', KEYS[i], 120000)
              end
            end
            local out = {refused, wait}
            for i = 1, n do out[#out + 1] = tostring(levels[i]) end
            return out
            """;

    static final String RELEASE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local tokens = tonumber(ARGV[1])
            local refund = ARGV[2] == '1'
            for i = 1, #KEYS do
              local kind, max = ARGV[2*i+1], tonumber(ARGV[2*i+2])
              if kind == 'P' then
                if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
              elseif (kind == 'T' and tokens > 0) or (kind == 'R' and refund) then
                local h = redis.call('HMGET', KEYS[i], 'l', 't')
                local level, ts = tonumber(h[1]), tonumber(h[2])
                if level == nil then level, ts = max, now end
                level = math.min(max, level + (now - ts) * max / 60000)
                if kind == 'T' then level = level - tokens else level = math.min(max, level + 1) end
                redis.call('HSET', KEYS[i], 'l', tostring(level), 't', now)
                redis.call('PEXPIRE', KEYS[i], 120000)
              end
            end
            return 1
            """;

    private final RedisAPI redis;
    private final String prefix;

    /** @param prefix namespaces the keys, e.g. "tollgate:ns/gateway:" so several gateways can share one Redis */
    public RedisRateLimiter(RedisAPI redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }

    @Override
    public Future<Decision> acquire(List<Limit> limits) {
        List<String> args = new ArrayList<>();
        args.add(ACQUIRE);
        args.add(Integer.toString(limits.size()));
        limits.forEach(l -> args.add(key(l)));
        limits.forEach(l -> {
            args.add(code(l.kind()));
            args.add(Long.toString(l.max()));
        });
        return redis.eval(args).map(r -> decision(limits, r));
    }

    @Override
    public Future<Void> release(List<Limit> limits, long tokens, boolean refund) {
        List<String> args = new ArrayList<>();
        args.add(RELEASE);
        args.add(Integer.toString(limits.size()));
        limits.forEach(l -> args.add(key(l)));
        args.add(Long.toString(tokens));
        args.add(refund ? "1" : "0");
        limits.forEach(l -> {
            args.add(code(l.kind()));
            args.add(Long.toString(l.max()));
        });
        return redis.eval(args).mapEmpty();
    }

    private static Decision decision(List<Limit> limits, Response r) {
        int refused = r.get(0).toInteger();
        long wait = r.get(1).toLong();
        List<Window> windows = new ArrayList<>();
        for (int i = 0; i < limits.size(); i++) {
            Limit l = limits.get(i);
            double level = Double.parseDouble(r.get(2 + i).toString());
            if (l.kind() == Kind.PARALLEL) {
                windows.add(new Window(l, Math.max(0, l.max() - (long) level), 0));
            } else {
                long missing = (long) Math.ceil(Math.max(0, l.max() - level) * 60_000.0 / l.max());
                windows.add(new Window(l, Math.max(0, (long) Math.floor(level)), missing));
            }
        }
        return new Decision(refused == 0 ? null : limits.get(refused - 1), wait, windows);
    }

    private String key(Limit l) {
        return prefix + l.scope() + ":" + code(l.kind());
    }

    private static String code(Kind k) {
        return switch (k) {
            case RPM -> "R";
            case TPM -> "T";
            case PARALLEL -> "P";
        };
    }
}
