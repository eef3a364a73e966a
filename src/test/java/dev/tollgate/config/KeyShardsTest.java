package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class KeyShardsTest {
    private static GatewayConfig.Key key(String id) {
        return new GatewayConfig.Key(id, List.of("gpt-4o", "mock-gpt"), List.of(), 60L, 100_000L, 4, null, false, null);
    }

    /** n keys; the hash of key i is a made-up 64-hex-digit value (only its shape matters here). */
    private static GatewayConfig config(int n) {
        List<GatewayConfig.Key> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(key(String.format("team-%03d/key-%05d", i % 100, i)));
        }
        keys.sort(java.util.Comparator.comparing(GatewayConfig.Key::id));
        return new GatewayConfig(GatewayConfig.SCHEMA, "tollgate/gw", new GatewayConfig.Settings(4000, 10_000, null),
                List.of(), keys, List.of());
    }

    private static GatewaySecrets secrets(GatewayConfig c) {
        Map<String, String> hashes = new TreeMap<>();
        for (GatewayConfig.Key k : c.keys()) {
            hashes.put(hash(k.id()), k.id());
        }
        return new GatewaySecrets(GatewaySecrets.SCHEMA, hashes, Map.of("ns/openai/api-key", "sk-test"), "redis-pw");
    }

    private static String hash(String id) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static KeyShards.Assembled assemble(KeyShards.Packed p) throws Exception {
        return KeyShards.assemble(ConfigCodec.readConfig(p.configJson()), ConfigCodec.readSecrets(p.secretsJson()),
                p.shards().stream().map(KeyShards.Shard::configJson).toList(),
                p.shards().stream().map(KeyShards.Shard::secretsJson).toList());
    }

    @Test
    void aSmallGatewayStaysExactlyAsItWas() throws Exception {
        GatewayConfig c = config(100);
        GatewaySecrets s = secrets(c);
        KeyShards.Packed p = KeyShards.pack(c, s, 0);
        assertThat(p.shards()).isEmpty();
        assertThat(p.configJson()).isEqualTo(ConfigCodec.toJson(c)).doesNotContain("keyShards");
        assertThat(p.secretsJson()).isEqualTo(ConfigCodec.toJson(s));
        assertThat(assemble(p).config()).isEqualTo(c);
    }

    @Test
    void justUnderTheInlineLimitIsInlineJustOverIsSharded() {
        // Find the largest key count whose secrets.json or config.json still fits the (small, for speed) limit.
        int limit = 20_000;
        int n = 1;
        while (Math.max(bytes(ConfigCodec.toJson(config(n + 1))), bytes(ConfigCodec.toJson(secrets(config(n + 1))))) <= limit) {
            n++;
        }
        GatewayConfig fits = config(n);
        GatewayConfig over = config(n + 1);
        assertThat(KeyShards.pack(fits, secrets(fits), 0, limit, limit / 4).shards()).isEmpty();
        KeyShards.Packed sharded = KeyShards.pack(over, secrets(over), 0, limit, limit / 4);
        assertThat(sharded.shards()).hasSizeGreaterThan(1);
        assertThat(Integer.bitCount(sharded.shards().size())).as("a power of two").isEqualTo(1);
        assertThat(sharded.config().keys()).isEmpty();
        assertThat(sharded.secrets().keys()).isEmpty();
        assertThat(sharded.secrets().credentials()).containsEntry("ns/openai/api-key", "sk-test");
        assertThat(sharded.secrets().redisPassword()).isEqualTo("redis-pw");
    }

    @Test
    void tenThousandKeysShardUnderTheApiLimitAndComeBackWhole() throws Exception {
        GatewayConfig c = config(10_000);
        GatewaySecrets s = secrets(c);
        assertThat(bytes(ConfigCodec.toJson(c))).as("why: one config.json is too big").isGreaterThan(KeyShards.API_LIMIT_BYTES);
        assertThat(bytes(ConfigCodec.toJson(s))).as("and secrets.json nearly").isGreaterThan(KeyShards.API_LIMIT_BYTES * 3 / 4);
        KeyShards.Packed p = KeyShards.pack(c, s, 0);
        assertThat(p.shards()).hasSizeGreaterThan(1);
        for (KeyShards.Shard shard : p.shards()) {
            assertThat(bytes(shard.configJson())).isLessThanOrEqualTo(KeyShards.SHARD_TARGET_BYTES);
            assertThat(bytes(shard.secretsJson())).isLessThanOrEqualTo(KeyShards.SHARD_TARGET_BYTES);
        }
        assertThat(bytes(p.configJson())).isLessThan(KeyShards.API_LIMIT_BYTES);
        assertThat(p.config().keyShards().count()).isEqualTo(p.shards().size());
        KeyShards.Assembled whole = assemble(p);
        assertThat(whole.config()).isEqualTo(c);
        assertThat(whole.secrets()).isEqualTo(s);
    }

    @Test
    void aKeyAlwaysLandsInTheSameShardAndOneNewKeyChangesOneShard() {
        GatewayConfig c = config(10_000);
        KeyShards.Packed before = KeyShards.pack(c, secrets(c), 0);
        List<GatewayConfig.Key> more = new ArrayList<>(c.keys());
        more.add(key("team-new/one-more"));
        more.sort(java.util.Comparator.comparing(GatewayConfig.Key::id));
        GatewayConfig c2 = new GatewayConfig(c.schema(), c.gateway(), c.settings(), c.models(), more, c.budgets());
        KeyShards.Packed after = KeyShards.pack(c2, secrets(c2), before.shards().size());
        assertThat(after.shards()).hasSameSizeAs(before.shards());
        int changed = 0;
        for (int i = 0; i < before.shards().size(); i++) {
            if (!before.shards().get(i).hash().equals(after.shards().get(i).hash())) {
                changed++;
                assertThat(i).isEqualTo(KeyShards.shardOf("team-new/one-more", after.shards().size()));
            }
        }
        assertThat(changed).isEqualTo(1);
        assertThat(after.config().keyShards().hashes()).isNotEqualTo(before.config().keyShards().hashes());
    }

    @Test
    void theShardCountNeverShrinksBelowTheShardsThatExist() throws Exception {
        GatewayConfig c = config(10);
        KeyShards.Packed p = KeyShards.pack(c, secrets(c), 8);
        assertThat(p.shards()).hasSize(8);
        assertThat(assemble(p).config()).isEqualTo(c);
        assertThat(KeyShards.pack(c, secrets(c), 5).shards()).as("rounded up to a power of two").hasSize(8);
    }

    @Test
    void anIncompleteOrMismatchedSetIsNotAssembled() throws Exception {
        GatewayConfig c = config(10);
        KeyShards.Packed p = KeyShards.pack(c, secrets(c), 4);
        GatewayConfig main = ConfigCodec.readConfig(p.configJson());
        GatewaySecrets mainSecrets = ConfigCodec.readSecrets(p.secretsJson());
        List<String> configs = new ArrayList<>(p.shards().stream().map(KeyShards.Shard::configJson).toList());
        List<String> hashes = p.shards().stream().map(KeyShards.Shard::secretsJson).toList();

        List<String> missing = new ArrayList<>(configs);
        missing.set(2, null);
        assertThatThrownBy(() -> KeyShards.assemble(main, mainSecrets, missing, hashes))
                .isInstanceOf(KeyShards.Incomplete.class);

        // Shard 1 from another render (one more key): its hash is not the one this config names.
        List<GatewayConfig.Key> more = new ArrayList<>(c.keys());
        String extra = java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "x/extra-" + i)
                .filter(id -> KeyShards.shardOf(id, 4) == 1).findFirst().orElseThrow();
        more.add(key(extra));
        GatewayConfig c2 = new GatewayConfig(c.schema(), c.gateway(), c.settings(), c.models(), more, c.budgets());
        KeyShards.Packed newer = KeyShards.pack(c2, secrets(c2), 4);
        List<String> mixed = new ArrayList<>(configs);
        mixed.set(1, newer.shards().get(1).configJson());
        assertThatThrownBy(() -> KeyShards.assemble(main, mainSecrets, mixed, hashes))
                .isInstanceOf(KeyShards.Incomplete.class);

        assertThat(KeyShards.assemble(main, mainSecrets, configs, hashes).config().keys()).hasSize(10);
    }

    @Test
    void anUnreadableSecretShardIsReportedWithoutQuotingIt() throws Exception {
        GatewayConfig c = config(10);
        KeyShards.Packed p = KeyShards.pack(c, secrets(c), 2);
        List<String> hashes = new ArrayList<>(p.shards().stream().map(KeyShards.Shard::secretsJson).toList());
        hashes.set(0, "{\"schema\": \"sk-very-secret-value");
        assertThatThrownBy(() -> KeyShards.assemble(ConfigCodec.readConfig(p.configJson()),
                ConfigCodec.readSecrets(p.secretsJson()), p.shards().stream().map(KeyShards.Shard::configJson).toList(), hashes))
                .isInstanceOf(java.io.IOException.class).message().doesNotContain("sk-very-secret");
        var shard = ConfigCodec.read(p.shards().get(0).secretsJson(), KeyShards.SecretShard.class, true);
        assertThat(shard.toString()).doesNotContain(shard.keys().keySet().iterator().next());
    }
}
