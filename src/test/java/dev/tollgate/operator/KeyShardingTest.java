package dev.tollgate.operator;

import static dev.tollgate.Fixtures.decode;
import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.config.ConfigCodec;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.KeyShards;
import dev.tollgate.config.Keys;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A gateway with more keys than fit one ConfigMap/Secret gets key shards, each under the limit, that put back
 * together hold every key. The limits are lowered (as bytes, through config) so that 24 keys need shards; the
 * sizes at 10,000 keys are KeyShardsTest's and the operator benchmark's business.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
@TestProfile(KeyShardingTest.SmallShards.class)
class KeyShardingTest {
    static final int INLINE_MAX = 2048;
    static final int TARGET = 1024;
    static final int KEYS = 24;

    public static class SmallShards implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tollgate.operator.key-shard-inline-max-bytes", Integer.toString(INLINE_MAX),
                    "tollgate.operator.key-shard-target-bytes", Integer.toString(TARGET));
        }
    }

    @Inject
    KubernetesClient client;

    @Test
    void manyKeysAreShardedUnderTheLimitAndReassembleWhole() throws Exception {
        String ns = "sharded";
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        client.resource(model(ns, "mock", "mock-gpt", "mock")).create();
        client.resource(gateway(ns, "llm")).create();
        for (int i = 0; i < KEYS; i++) {
            client.resource(key(ns, String.format("key-%02d", i))).create();
        }

        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(KeyShards.Incomplete.class).untilAsserted(() -> {
            var whole = assemble(ns);
            assertThat(whole.config().keys()).hasSize(KEYS);
            assertThat(whole.secrets().keys()).hasSize(KEYS);
        });

        ConfigMap main = client.configMaps().inNamespace(ns).withName("llm-config").get();
        GatewayConfig config = ConfigCodec.readConfig(main.getData().get("config.json"));
        int count = config.keyShards().count();
        assertThat(count).isGreaterThan(1);
        assertThat(config.keys()).isEmpty();
        List<String> shardNames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = "llm-keys-" + i;
            shardNames.add(name);
            ConfigMap cm = client.configMaps().inNamespace(ns).withName(name).get();
            Secret s = client.secrets().inNamespace(ns).withName(name).get();
            assertThat(cm.getData().get(KeyShards.FILE).getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(TARGET);
            assertThat(decode(s, KeyShards.FILE).getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(TARGET);
            assertThat(cm.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(ref -> assertThat(ref.getName()).isEqualTo("llm"));
            assertThat(cm.getData().get(KeyShards.FILE)).as("no key hash in a ConfigMap").doesNotContainPattern("[0-9a-f]{64}");
        }

        // Every key's own hash is served: from its generated Secret to the reassembled hashes.
        var whole = assemble(ns);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < KEYS; i++) {
            String name = String.format("key-%02d", i);
            ids.add(ns + "/" + name);
            Secret keySecret = client.secrets().inNamespace(ns).withName(name + "-key").get();
            assertThat(whole.secrets().keys()).containsEntry(Keys.sha256Hex(decode(keySecret, "key")), ns + "/" + name);
        }
        assertThat(whole.config().keys()).extracting(GatewayConfig.Key::id).containsExactlyInAnyOrderElementsOf(ids);

        // The gateway pods may read exactly their shards, and have them mounted as the fallback.
        Role role = client.rbac().roles().inNamespace(ns).withName("llm-gateway").get();
        assertThat(role.getRules()).anySatisfy(r -> assertThat(r.getResourceNames()).containsExactlyElementsOf(shardNames));
        Deployment d = client.apps().deployments().inNamespace(ns).withName("llm").get();
        var volumes = d.getSpec().getTemplate().getSpec().getVolumes();
        assertThat(volumes).filteredOn(v -> v.getName().equals("secrets")).singleElement()
                .satisfies(v -> assertThat(v.getProjected().getSources()).hasSize(count + 1));

        // A key deleted later leaves its shard; the count stays.
        client.resource(key(ns, "key-00")).delete();
        // Read while the operator rewrites (config read, then a shard written, then that shard read), the set is
        // Incomplete for a moment, as a gateway would see it and wait: so does the test.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(KeyShards.Incomplete.class).untilAsserted(() ->
                assertThat(assemble(ns).config().keys()).hasSize(KEYS - 1));
        assertThat(ConfigCodec.readConfig(client.configMaps().inNamespace(ns).withName("llm-config").get()
                .getData().get("config.json")).keyShards().count()).isEqualTo(count);
    }

    private KeyShards.Assembled assemble(String ns) throws Exception {
        ConfigMap main = client.configMaps().inNamespace(ns).withName("llm-config").get();
        Secret mainSecret = client.secrets().inNamespace(ns).withName("llm-secrets").get();
        assertThat(main).isNotNull();
        assertThat(mainSecret).isNotNull();
        GatewayConfig config = ConfigCodec.readConfig(main.getData().get("config.json"));
        assertThat(config.keyShards()).as("sharded").isNotNull();
        List<String> configs = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < config.keyShards().count(); i++) {
            ConfigMap cm = client.configMaps().inNamespace(ns).withName("llm-keys-" + i).get();
            Secret s = client.secrets().inNamespace(ns).withName("llm-keys-" + i).get();
            configs.add(cm == null ? null : cm.getData().get(KeyShards.FILE));
            secrets.add(s == null ? null : decode(s, KeyShards.FILE));
        }
        return KeyShards.assemble(config, ConfigCodec.readSecrets(decode(mainSecret, "secrets.json")), configs, secrets);
    }
}
