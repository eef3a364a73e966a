package dev.tollgate.gateway.budget;

import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * Budgets shared by every replica through one Redis. Each reserve and settle is one Lua script: atomic across
 * replicas, all or nothing across a request's budgets. A period's hash (spent, reserved) expires 35 days after
 * its last change, long after the period is over. What a crashed replica had reserved stays reserved until then
 * (it can only make the budget stricter, never looser).
 */
public final class RedisBudgetLedger implements BudgetLedger {
    static final String RESERVE = """
            local n = #KEYS
            local refused = 0
            local out = {}
            for i = 1, n do
              local h = redis.call('HMGET', KEYS[i], 's', 'r')
              local s, r = tonumber(h[1] or '0'), tonumber(h[2] or '0')
              local limit, amount = tonumber(ARGV[2*i-1]), tonumber(ARGV[2*i])
              if s + r + amount > limit and refused == 0 then refused = i end
              out[i] = {s, r}
            end
            if refused == 0 then
              for i = 1, n do
                out[i][2] = redis.call('HINCRBY', KEYS[i], 'r', tonumber(ARGV[2*i]))
                redis.call('PEXPIRE', KEYS[i], 3024000000)
              end
            end
            local res = {refused}
            for i = 1, n do res[#res + 1] = out[i][1]; res[#res + 1] = out[i][2] end
            return res
            """;

    static final String SETTLE = """
            local actual = tonumber(ARGV[1])
            for i = 1, #KEYS do
              -- a charge with nothing reserved (0) releases nothing: Lua writes -0 as "-0", which HINCRBY refuses
              if ARGV[i + 1] ~= '0' then
                local r = redis.call('HINCRBY', KEYS[i], 'r', '-' .. ARGV[i + 1])
                if r < 0 then redis.call('HSET', KEYS[i], 'r', 0) end
              end
              redis.call('HINCRBY', KEYS[i], 's', actual)
              redis.call('PEXPIRE', KEYS[i], 3024000000)
            end
            return 1
            """;

    private final RedisAPI redis;
    private final String prefix;

    public RedisBudgetLedger(RedisAPI redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }

    @Override
    public Future<Reservation> reserve(List<Charge> charges) {
        List<String> args = new ArrayList<>(List.of(RESERVE, Integer.toString(charges.size())));
        charges.forEach(c -> args.add(key(c.budgetId(), c.periodStartMillis())));
        charges.forEach(c -> {
            args.add(Long.toString(c.limitMicros()));
            args.add(Long.toString(c.amountMicros()));
        });
        return redis.eval(args).map(r -> reservation(charges, r));
    }

    @Override
    public Future<Void> settle(List<Charge> charges, long actualMicros) {
        List<String> args = new ArrayList<>(List.of(SETTLE, Integer.toString(charges.size())));
        charges.forEach(c -> args.add(key(c.budgetId(), c.periodStartMillis())));
        args.add(Long.toString(actualMicros));
        charges.forEach(c -> args.add(Long.toString(c.amountMicros())));
        return redis.eval(args).mapEmpty();
    }

    @Override
    public Future<Long> spent(String budgetId, long periodStartMillis) {
        return redis.hget(key(budgetId, periodStartMillis), "s").map(r -> r == null ? 0L : r.toLong());
    }

    private static Reservation reservation(List<Charge> charges, Response r) {
        int refused = r.get(0).toInteger();
        List<Balance> balances = new ArrayList<>();
        for (int i = 0; i < charges.size(); i++) {
            balances.add(new Balance(charges.get(i).budgetId(), r.get(1 + 2 * i).toLong(), r.get(2 + 2 * i).toLong(),
                    charges.get(i).limitMicros()));
        }
        return new Reservation(refused == 0 ? null : charges.get(refused - 1), balances);
    }

    private String key(String budgetId, long periodStart) {
        return prefix + "budget:" + budgetId + "@" + periodStart;
    }
}
