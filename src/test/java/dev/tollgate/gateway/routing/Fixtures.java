package dev.tollgate.gateway.routing;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewayConfig.Model;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.gateway.Snapshot;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

/** Models, snapshots and a router on a settable clock and seeded random numbers, for the routing tests. */
final class Fixtures {
    static final String GROUP = "chat";
    static final long T0 = 1_780_000_000_000L;

    private Fixtures() {}

    /** The health of one replica. The only place the tests construct it (its constructor is not part of the API). */
    static DeploymentHealth health() {
        return new DeploymentHealth(java.time.Clock.fixed(java.time.Instant.ofEpochMilli(T0), java.time.ZoneOffset.UTC));
    }

    static Model model(String id) {
        return model(id, 1, null, null, null, null, null);
    }

    static Model model(String id, int weight, Integer tier, Long rpm, Long tpm, Integer contextWindow,
            GatewayConfig.Prices prices) {
        return new Model("ns/" + id, GROUP, "openai", "gpt-4o-mini", "http://127.0.0.1:1", null, null, null, null,
                prices, rpm, tpm, weight, 60_000, contextWindow, null, null, null, tier);
    }

    static GatewayConfig.Prices prices(long inputPerMillion, long outputPerMillion) {
        return new GatewayConfig.Prices(inputPerMillion, outputPerMillion, null, null, "spec");
    }

    static Snapshot snapshot(List<Model> models) {
        return snapshot(models, null, "v1");
    }

    static Snapshot snapshot(List<Model> models, String redisUrl, String version) {
        GatewayConfig config = new GatewayConfig(GatewayConfig.SCHEMA, "ns/gw", new GatewayConfig.Settings(4000, 0,
                redisUrl), models, List.of(), List.of());
        return new Snapshot(config, new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(), Map.of(), null), version);
    }

    static GatewayConfig.Routing routing(String strategy) {
        return new GatewayConfig.Routing(strategy, null, null, null, null, null, null, null);
    }

    static GatewayConfig.Routing routing(String strategy, long affinityTtlMillis) {
        return new GatewayConfig.Routing(strategy, new GatewayConfig.Affinity("x-session", false, affinityTtlMillis),
                null, null, null, null, null, null);
    }

    static Demand demand() {
        return new Demand(null, 200, 0, () -> {
            throw new AssertionError("the prompt was counted although no context window needs it");
        }, false);
    }

    static Demand demand(String affinityKey) {
        return new Demand(affinityKey, 200, 0, () -> -1, false);
    }

    /** A clock the test moves. */
    static final class Clock implements LongSupplier {
        final AtomicLong now = new AtomicLong(T0);

        @Override
        public long getAsLong() {
            return now.get();
        }

        void advance(long millis) {
            now.addAndGet(millis);
        }
    }

    /** Seeded random numbers (java.util.Random is thread-safe). */
    static LongUnaryOperator random(long seed) {
        Random r = new Random(seed);
        return r::nextLong;
    }
}
