package dev.tollgate.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Splits a rendered config's keys into shards when they would not fit into one ConfigMap and one Secret (the API
 * server refuses either above 1 MiB of data; at ~10,000 keys {@code secrets.json} alone is ~1 MB), and puts
 * them back together on the gateway. Pure, like the renderer.
 *
 * <p>Small gateways stay unsharded: byte for byte what they were. Above {@link #INLINE_MAX_BYTES} in either
 * document, the keys move into {@code count} shards (a power of two) by a stable hash of the key id, each shard
 * one ConfigMap (policies) and one Secret (hashes), named {@code <gateway-name>-keys-<i>}, each at most
 * {@link #SHARD_TARGET_BYTES}. Adding or changing one key rewrites its shard and the index, not every shard. The
 * count only grows ({@code minShards}: the shards that already exist), so no shard is ever left behind with stale
 * keys and the operator never deletes one; they go with the gateway.
 *
 * <p>The main documents name the shards' content hashes ({@link GatewayConfig.KeyShards#hashes()}) and every
 * shard document carries its own, so a reader assembles only a consistent set: all shards of the index it
 * read, each with the hash the index names.
 */
public final class KeyShards {
    /** Above this, in config.json or secrets.json, keys are sharded: half the API server's limit. */
    public static final int INLINE_MAX_BYTES = 512 * 1024;
    /** What one shard document may hold: a quarter of the limit, so a shard has room to grow between renders. */
    public static final int SHARD_TARGET_BYTES = 256 * 1024;
    /** The API server's limit on a ConfigMap's or Secret's data. */
    public static final int API_LIMIT_BYTES = 1024 * 1024;
    static final int MAX_SHARDS = 4096;
    public static final String CONFIG_SCHEMA = "tollgate.dev/gateway-key-shard/v1";
    public static final String SECRETS_SCHEMA = "tollgate.dev/gateway-secret-key-shard/v1";
    /** The data key of both shard objects. */
    public static final String FILE = "keys.json";
    /** The annotation with the hash of what an object holds: on the config, its Secret, and each shard. */
    public static final String HASH_ANNOTATION = "llm.tollgate.dev/config-hash";

    private KeyShards() {}

    /** One shard's policies: ConfigMap {@code <gateway-name>-keys-<shard>}, data {@code keys.json}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ConfigShard(String schema, String gateway, int shard, int count, String hash,
            List<GatewayConfig.Key> keys) {}

    /** One shard's key hashes: Secret {@code <gateway-name>-keys-<shard>}, data {@code keys.json}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SecretShard(String schema, String gateway, int shard, int count, String hash, Map<String, String> keys) {
        @Override
        public String toString() {
            return "SecretShard[" + gateway + " " + shard + "/" + count + ", " + keys.size() + " keys]";
        }
    }

    /** One shard as the two JSON documents to store. */
    public record Shard(int index, String hash, String configJson, String secretsJson) {}

    /**
     * @param config  config.json to store (keys empty and {@code keyShards} set when sharded)
     * @param secrets secrets.json to store (keys empty when sharded)
     * @param shards  the shards, index 0..count-1; empty when unsharded
     */
    public record Packed(GatewayConfig config, GatewaySecrets secrets, List<Shard> shards) {
        public String configJson() {
            return ConfigCodec.toJson(config);
        }

        public String secretsJson() {
            return ConfigCodec.toJson(secrets);
        }
    }

    /** Which shard of {@code count} a key id belongs to: the first 4 bytes of SHA-256 over the id. */
    public static int shardOf(String keyId, int count) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(keyId.getBytes(StandardCharsets.UTF_8));
            int h = ((d[0] & 0xff) << 24) | ((d[1] & 0xff) << 16) | ((d[2] & 0xff) << 8) | (d[3] & 0xff);
            return Math.floorMod(h, count);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Packs with the default thresholds. */
    public static Packed pack(GatewayConfig config, GatewaySecrets secrets, int minShards) {
        return pack(config, secrets, minShards, INLINE_MAX_BYTES, SHARD_TARGET_BYTES);
    }

    public static Packed pack(GatewayConfig config, GatewaySecrets secrets, int minShards, int inlineMax, int shardTarget) {
        String configJson = ConfigCodec.toJson(config);
        String secretsJson = ConfigCodec.toJson(secrets);
        if (minShards <= 0 && bytes(configJson) <= inlineMax && bytes(secretsJson) <= inlineMax) {
            return new Packed(config, secrets, List.of());
        }
        // Per key: its policy's and its hash entry's size, to size the shards before writing them.
        Map<String, String> hashById = new TreeMap<>();
        secrets.keys().forEach((hash, id) -> hashById.put(id, hash));
        List<GatewayConfig.Key> keys = config.keys();
        long[] policyBytes = new long[keys.size()];
        long[] hashBytes = new long[keys.size()];
        long total = 0;
        for (int i = 0; i < keys.size(); i++) {
            policyBytes[i] = bytes(ConfigCodec.toJson(keys.get(i))) + 1;
            String hash = hashById.get(keys.get(i).id());
            hashBytes[i] = hash == null ? 0 : hash.length() + bytes(keys.get(i).id()) + 6;
            total = Math.max(total, Math.max(policyBytes[i], hashBytes[i]));
        }
        long sum = 0;
        for (int i = 0; i < keys.size(); i++) {
            sum += Math.max(policyBytes[i], hashBytes[i]);
        }
        int count = Integer.highestOneBit(Math.max(1, Math.max(minShards, (int) Math.min(MAX_SHARDS, sum / shardTarget + 1))));
        if (count < minShards) {
            count <<= 1;
        }
        // Double until every shard fits (hashing is even on average, not exactly).
        while (true) {
            long[] c = new long[count];
            long[] s = new long[count];
            for (int i = 0; i < keys.size(); i++) {
                int shard = shardOf(keys.get(i).id(), count);
                c[shard] += policyBytes[i];
                s[shard] += hashBytes[i];
            }
            long largest = 0;
            for (int i = 0; i < count; i++) {
                largest = Math.max(largest, Math.max(c[i], s[i]));
            }
            if (largest + 512 <= shardTarget || count >= MAX_SHARDS) {
                break;
            }
            count <<= 1;
        }
        final int n = count;
        List<List<GatewayConfig.Key>> policies = new ArrayList<>();
        List<Map<String, String>> hashes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            policies.add(new ArrayList<>());
            hashes.add(new TreeMap<>());
        }
        for (GatewayConfig.Key k : keys) {
            policies.get(shardOf(k.id(), count)).add(k);
        }
        secrets.keys().forEach((hash, id) -> hashes.get(shardOf(id, n)).put(hash, id));
        List<Shard> shards = new ArrayList<>();
        List<String> shardHashes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String hash = ConfigCodec.shortHash(ConfigCodec.toJson(policies.get(i)), ConfigCodec.toJson(hashes.get(i)));
            shards.add(new Shard(i, hash,
                    ConfigCodec.toJson(new ConfigShard(CONFIG_SCHEMA, config.gateway(), i, count, hash, policies.get(i))),
                    ConfigCodec.toJson(new SecretShard(SECRETS_SCHEMA, config.gateway(), i, count, hash, hashes.get(i)))));
            shardHashes.add(hash);
        }
        GatewayConfig main = new GatewayConfig(config.schema(), config.gateway(), config.settings(), config.models(),
                List.of(), config.budgets(), new GatewayConfig.KeyShards(count, List.copyOf(shardHashes)), config.routing(), config.caching(),
                config.observability(), config.prompts());
        GatewaySecrets mainSecrets = new GatewaySecrets(secrets.schema(), Map.of(), secrets.credentials(),
                secrets.redisPassword());
        return new Packed(main, mainSecrets, List.copyOf(shards));
    }

    /** A shard the reader does not have (yet), or whose hash is not the one the index names. */
    public static final class Incomplete extends Exception {
        public Incomplete(String message) {
            super(message);
        }
    }

    /**
     * The full documents back from the main ones and the shards' JSON ({@code shardConfigs.get(i)} is shard i's
     * ConfigMap document, null when missing). Unsharded documents come back as they are.
     *
     * @throws Incomplete  a shard is missing or not the one the index names: wait for the next change
     * @throws IOException a shard document cannot be read (its message never quotes a secrets document)
     */
    public static Assembled assemble(GatewayConfig config, GatewaySecrets secrets, List<String> shardConfigs,
            List<String> shardSecrets) throws Incomplete, IOException {
        GatewayConfig.KeyShards index = config.keyShards();
        if (index == null) {
            return new Assembled(config, secrets);
        }
        List<GatewayConfig.Key> keys = new ArrayList<>(config.keys());
        Map<String, String> hashes = new TreeMap<>(secrets.keys());
        for (int i = 0; i < index.count(); i++) {
            String cj = i < shardConfigs.size() ? shardConfigs.get(i) : null;
            String sj = i < shardSecrets.size() ? shardSecrets.get(i) : null;
            if (cj == null || sj == null) {
                throw new Incomplete("key shard " + i + " of " + index.count() + " is not there yet");
            }
            ConfigShard c = ConfigCodec.read(cj, ConfigShard.class, false);
            SecretShard s = ConfigCodec.read(sj, SecretShard.class, true);
            if (!CONFIG_SCHEMA.equals(c.schema()) || !SECRETS_SCHEMA.equals(s.schema())) {
                throw new IOException("unsupported key shard schema '" + c.schema() + "' / '" + s.schema()
                        + "', this gateway reads " + CONFIG_SCHEMA + " / " + SECRETS_SCHEMA);
            }
            String want = index.hashes().get(i);
            if (c.shard() != i || s.shard() != i || c.count() != index.count() || s.count() != index.count()
                    || !want.equals(c.hash()) || !want.equals(s.hash())) {
                throw new Incomplete("key shard " + i + " of " + index.count() + " is not yet the one the config names");
            }
            keys.addAll(c.keys());
            hashes.putAll(s.keys());
        }
        keys.sort(Comparator.comparing(GatewayConfig.Key::id));
        return new Assembled(new GatewayConfig(config.schema(), config.gateway(), config.settings(), config.models(),
                List.copyOf(keys), config.budgets(), null, config.routing(), config.caching(), config.observability(),
                config.prompts()),
                new GatewaySecrets(secrets.schema(), hashes,
                secrets.credentials(), secrets.redisPassword()));
    }

    public record Assembled(GatewayConfig config, GatewaySecrets secrets) {}

    static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
