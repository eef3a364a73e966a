package dev.tollgate.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A key shard the operator has just written is seen by the next reconcile even before its informer has it. At
 * 10,000 keys the informer lagged by minutes: every following reconcile created the shard again, got 409
 * AlreadyExists until its retries ran out, and left the gateway with a failed status (the 30 writes of a "no-op"
 * restart at 10,000 keys in bench/operator/results.md were the restart finishing that work).
 *
 * <p>The lag is made exact here: the operator's own shard-Secret informer (on the mock API server) has shard 0,
 * which exists; shard 1 is only in JOSDK's cache of the operator's recent writes, as right after its create.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class KeyShardsOwnWritesTest {
    @Inject
    KubernetesClient client;

    @Inject
    Operator operator;

    @Test
    @SuppressWarnings("unchecked")
    void shardsJustWrittenCountAsExistingBeforeTheInformerSeesThem() throws Exception {
        String ns = "shards-own-writes";
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        // No GatewayDeployment of that name exists, so no reconcile of the running operator uses these shards.
        GatewayDeployment gw = Fixtures.gateway(ns, "lagging");
        var controller = (Controller<GatewayDeployment>) operator.getRegisteredController("gatewaydeployment").orElseThrow();
        var informer = (InformerEventSource<Secret, GatewayDeployment>) controller.getEventSourceManager()
                .getEventSourceFor(Secret.class, "key-shard-secrets");

        client.resource(shard(gw, 0)).create();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        ResourceID id0 = new ResourceID(Names.keyShard(gw, 0), ns);
        while (informer.get(id0).isEmpty() && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertThat(informer.get(id0)).as("shard 0 in the informer").isPresent();
        Secret created = shard(gw, 1);
        created.getMetadata().setResourceVersion("999999");
        informer.handleRecentResourceCreate(ResourceID.fromResource(gw), created);

        var dependent = new GatewayKeyShardSecretsDependent();
        dependent.setEventSource(informer);
        Map<ResourceID, Secret> seen = dependent.getSecondaryResources(gw, null);
        assertThat(seen.keySet()).extracting(ResourceID::getName)
                .containsExactlyInAnyOrder(Names.keyShard(gw, 0), Names.keyShard(gw, 1));
    }

    private static Secret shard(GatewayDeployment gw, int i) {
        Map<String, String> labels = new java.util.TreeMap<>(Names.gatewayLabels(gw));
        labels.put(Names.KEY_SHARD_LABEL, Integer.toString(i));
        return new SecretBuilder().withMetadata(new ObjectMetaBuilder().withName(Names.keyShard(gw, i))
                .withNamespace(gw.getMetadata().getNamespace()).withLabels(labels).build())
                .withType("Opaque").addToData("keys.json", "e30=").build();
    }
}
