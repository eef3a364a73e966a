package dev.tollgate.gateway.cache;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** Snapshots, answers and a clock the cache tests share. */
final class CacheFixtures {
    static final long T0 = 1_767_225_600_000L;

    private CacheFixtures() {}

    /** A config caching {@code groups} (exact, scope namespace) with {@code maxBytes}, sharing through {@code redisUrl}. */
    static Snapshot snapshot(String redisUrl, long maxBytes, String... groups) {
        Map<String, GatewayConfig.Cache> g = new java.util.HashMap<>();
        for (String group : groups) {
            g.put(group, cache(GatewayConfig.Cache.NAMESPACE));
        }
        GatewayConfig.Caching caching = new GatewayConfig.Caching(maxBytes, 100, false, g);
        return new Snapshot(new GatewayConfig(GatewayConfig.SCHEMA, "ns/gw", new GatewayConfig.Settings(4000, 10_000,
                redisUrl), List.of(), List.of(), List.of(), null, null, caching),
                new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(), Map.of(), null), "v1");
    }

    static GatewayConfig.Cache cache(String scope) {
        return new GatewayConfig.Cache(new GatewayConfig.Exact(60_000, 1024 * 1024), null, scope, null);
    }

    static GatewayConfig.Key key(String id) {
        return new GatewayConfig.Key(id, List.of(), List.of(), null, null, null, null, false, Map.of());
    }

    static Partition partition(String namespace, String group) {
        return Partition.of(cache(GatewayConfig.Cache.NAMESPACE), key(namespace + "/k"), group, CacheControls.NONE);
    }

    static CachedAnswer answer(String text, long storedAt) {
        byte[] body = ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"" + text + "\"},\"finish_reason\":\"stop\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        return new CachedAnswer(WireFormat.OPENAI, Operation.CHAT, body, new TokenUsage(10, 5, 0, 2), 1234,
                "team/gpt-a", storedAt);
    }

    /** A wall clock and a Caffeine ticker that move together, only when the test says. */
    static final class Clock implements LongSupplier, Ticker {
        volatile long millis = T0;

        void advance(long ms) {
            millis += ms;
        }

        @Override
        public long getAsLong() {
            return millis;
        }

        @Override
        public long read() {
            return TimeUnit.MILLISECONDS.toNanos(millis - T0);
        }
    }
}
