package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

public class ConfigCodecTest {

    private static GatewayConfig sampleConfig() {
        ObjectNode params = JsonNodeFactory.instance.objectNode().put("temperature", 0.2).put("max_tokens", 512);
        var priced = new GatewayConfig.Model("ai/gpt", "gpt-4o", "openai", "gpt-4o-2024-08-06", "https://api.openai.com/v1",
                null, null, "ai/openai-creds/api-key", new GatewayConfig.Prices(2_500_000L, 10_000_000L, null, null, "spec"),
                500L, 30_000L, 3, 600_000, 128_000, params, "drop", null);
        var mock = new GatewayConfig.Model("ai/mock", "mock-1", "mock", "mock-1", null, null, null, null, null, null,
                null, 1, 1_000, null, null, "reject", new GatewayConfig.Mock(250, 10, 16, "hello"));
        var key = new GatewayConfig.Key("team-a/ci", List.of("gpt-4o"), List.of("team-a/monthly"), 60L, null, 4,
                "2026-12-31T23:59:59Z", false, new TreeMap<>(Map.of("team", "a", "cost-center", "42")));
        var budget = new GatewayConfig.Budget("team-a/monthly", 25_000_000, "monthly", "Europe/Berlin", 80, List.of());
        return new GatewayConfig(GatewayConfig.SCHEMA, "tollgate/gw",
                new GatewayConfig.Settings(4000, 10_000, "redis://redis:6379/0"),
                List.of(priced, mock), List.of(key), List.of(budget));
    }

    @Test
    void configSurvivesARoundTrip() throws IOException {
        GatewayConfig config = sampleConfig();
        String json = ConfigCodec.toJson(config);
        GatewayConfig back = ConfigCodec.readConfig(json);
        assertThat(back).isEqualTo(config);
        assertThat(ConfigCodec.toJson(back)).isEqualTo(json);
    }

    @Test
    void secretsSurviveARoundTrip() throws IOException {
        GatewaySecrets secrets = new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of("ab12", "team-a/ci"),
                Map.of("ai/openai-creds/api-key", "sk-upstream"), "redis-pw");
        GatewaySecrets back = ConfigCodec.readSecrets(ConfigCodec.toJson(secrets));
        assertThat(back).isEqualTo(secrets);
    }

    @Test
    void nullFieldsAreLeftOut() {
        String json = ConfigCodec.toJson(new GatewayConfig.Settings(4000, 10_000, null));
        assertThat(json).isEqualTo("{\"port\":4000,\"usageSyncIntervalMillis\":10000}");
    }

    @Test
    void mapEntriesAreWrittenInKeyOrderWhateverTheMapsOrder() {
        Map<String, String> zFirst = new LinkedHashMap<>();
        zFirst.put("z", "1");
        zFirst.put("a", "2");
        zFirst.put("m", "3");
        assertThat(ConfigCodec.toJson(zFirst)).isEqualTo("{\"a\":\"2\",\"m\":\"3\",\"z\":\"1\"}");
    }

    @Test
    void readConfigRefusesAnotherSchema() {
        String json = ConfigCodec.toJson(sampleConfig()).replace(GatewayConfig.SCHEMA, "tollgate.dev/gateway-config/v2");
        assertThatThrownBy(() -> ConfigCodec.readConfig(json))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unsupported config schema 'tollgate.dev/gateway-config/v2'")
                .hasMessageContaining("this gateway reads " + GatewayConfig.SCHEMA);
    }

    @Test
    void readConfigRefusesADocumentWithoutSchema() {
        assertThatThrownBy(() -> ConfigCodec.readConfig("{\"gateway\":\"ns/gw\"}"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unsupported config schema 'null'");
    }

    @Test
    void readConfigRefusesTheSecretsSchemaAndViceVersa() {
        assertThatThrownBy(() -> ConfigCodec.readConfig("{\"schema\":\"" + GatewaySecrets.SCHEMA + "\"}"))
                .isInstanceOf(IOException.class).hasMessageContaining("unsupported config schema");
        assertThatThrownBy(() -> ConfigCodec.readSecrets("{\"schema\":\"" + GatewayConfig.SCHEMA + "\",\"keys\":{}}"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unsupported secrets schema '" + GatewayConfig.SCHEMA + "'")
                .hasMessageContaining("this gateway reads " + GatewaySecrets.SCHEMA);
    }

    /**
     * What a newer operator may render within schema v1: an extra field in every object of the document (scalars,
     * objects and arrays as values), but not inside the free-form maps whose keys are data.
     */
    public static String withFieldsFromTheFuture(String json) throws IOException {
        ObjectMapper m = new ObjectMapper();
        JsonNode tree = m.readTree(json);
        addEverywhere((ObjectNode) tree, "");
        return m.writeValueAsString(tree);
    }

    private static void addEverywhere(ObjectNode o, String path) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode v = o.get(name);
            if (FREE_FORM.contains(name) && v.isObject()) {
                continue;
            }
            if (v instanceof ObjectNode child) {
                addEverywhere(child, path + name + ".");
            } else if (v instanceof ArrayNode a) {
                a.forEach(e -> {
                    if (e instanceof ObjectNode child) {
                        addEverywhere(child, path + name + "[].");
                    }
                });
            }
        }
        o.put("futureScalar", "sk-value-never-logged");
        o.putObject("futureObject").put("deep", 1).putArray("deeper").addObject().put("x", true);
        o.putArray("futureArray").add(1).addObject().put("y", "z");
    }

    /** Maps whose keys are data (secrets' key hashes, credential ids, request params, attributes): not records. */
    static final Set<String> FREE_FORM = Set.of("defaultParams", "attributes", "keys", "credentials");

    @Test
    void anOlderGatewayReadsANewerConfigAndNamesWhatItSkipped() throws IOException {
        GatewayConfig config = sampleConfig();
        String newer = withFieldsFromTheFuture(ConfigCodec.toJson(config));
        assertThat(newer).contains("futureObject");

        Set<String> skipped = new TreeSet<>();
        GatewayConfig read = ConfigCodec.readConfig(newer, skipped::add);

        assertThat(read).isEqualTo(config);
        assertThat(ConfigCodec.toJson(read)).isEqualTo(ConfigCodec.toJson(config));
        assertThat(skipped).contains("futureScalar", "futureObject", "futureArray", "settings.futureScalar",
                "models[].futureArray", "models[].prices.futureObject", "models[].mock.futureScalar",
                "keys[].futureObject", "budgets[].futureScalar");
        assertThat(skipped).as("paths only, never a value").noneMatch(p -> p.contains("sk-value") || p.contains("deep"));
        // the strict reader (docs, drift) still refuses the same document
        assertThatThrownBy(() -> ConfigCodec.readConfigStrict(newer)).isInstanceOf(IOException.class)
                .hasMessageContaining("futureScalar");
    }

    @Test
    void anOlderGatewayReadsNewerSecretsWithoutQuotingThem() throws IOException {
        GatewaySecrets secrets = new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of("ab12", "team-a/ci"),
                Map.of("ai/openai-creds/api-key", "sk-upstream"), "redis-pw");
        String newer = withFieldsFromTheFuture(ConfigCodec.toJson(secrets));
        Set<String> skipped = new TreeSet<>();
        assertThat(ConfigCodec.readSecrets(newer, skipped::add)).isEqualTo(secrets);
        assertThat(skipped).containsExactly("futureArray", "futureObject", "futureScalar");
    }

    @Test
    void aNewerSchemaVersionIsStillRefusedWhateverItsFields() throws IOException {
        String v2 = withFieldsFromTheFuture(ConfigCodec.toJson(sampleConfig()))
                .replace(GatewayConfig.SCHEMA, "tollgate.dev/gateway-config/v2");
        assertThatThrownBy(() -> ConfigCodec.readConfig(v2, path -> { }))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unsupported config schema 'tollgate.dev/gateway-config/v2'");
    }

    @Test
    void keyShardsAreReadTolerantlyToo() throws IOException {
        String shard = "{\"schema\":\"x\",\"gateway\":\"ns/gw\",\"shard\":0,\"count\":1,\"hash\":\"h\",\"keys\":{},"
                + "\"futureField\":{\"a\":[1]}}";
        assertThat(ConfigCodec.read(shard, KeyShards.SecretShard.class, true).gateway()).isEqualTo("ns/gw");
    }

    @Test
    void malformedJsonIsAnIOException() {
        assertThatThrownBy(() -> ConfigCodec.readConfig("{\"schema\":")).isInstanceOf(IOException.class);
    }

    @Test
    void shortHashIsTheFirst16HexDigitsOfSha256OverNulTerminatedParts() {
        // Reference values: printf 'abc\0' | sha256sum, printf 'ab\0c\0' | sha256sum, printf '\0' | sha256sum
        assertThat(ConfigCodec.shortHash("abc")).isEqualTo("dc1114cd074914bd");
        assertThat(ConfigCodec.shortHash("ab", "c")).isEqualTo("629c2f14f654f026");
        assertThat(ConfigCodec.shortHash("")).isEqualTo("6e340b9cffb37a98");
        assertThat(ConfigCodec.shortHash((String) null)).isEqualTo("6e340b9cffb37a98");
    }

    @Test
    void shortHashSeparatesParts() {
        assertThat(ConfigCodec.shortHash("ab", "c")).isNotEqualTo(ConfigCodec.shortHash("a", "bc"));
        assertThat(ConfigCodec.shortHash("abc")).isNotEqualTo(ConfigCodec.shortHash("abc", ""));
    }
}
