package dev.tollgate.operator;

import static dev.tollgate.Fixtures.decode;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.Condition;
import dev.tollgate.api.v1alpha1.SecretKeyRef;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.api.v1alpha1.VirtualKeyStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

@WithKubernetesTestServer(crud = true)
@QuarkusTest
class VirtualKeyReconcilerTest {
    @Inject
    KubernetesClient client;

    /** A namespace with a gateway that serves its keys (Ready means served). */
    private void namespace(String ns) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        client.resource(dev.tollgate.Fixtures.gateway(ns, "gw")).create();
    }

    @Test
    void readyMeansServedByAGateway() {
        String ns = "vk-served";
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        client.resource(key(ns, "k")).create();
        awaitReady(ns, "k", "False", "NotAdmitted");
        assertThat(get(ns, "k").getStatus().condition("Stalled").orElseThrow().getStatus()).isEqualTo("True");

        client.resource(dev.tollgate.Fixtures.gateway(ns, "gw")).create();
        awaitReady(ns, "k", "True", "KeyActive");
        assertThat(get(ns, "k").getStatus().condition("Ready").orElseThrow().getMessage()).contains("served by " + ns + "/gw");

        // a budgetRefs entry naming no Budget: the gateway refuses the key (401), so it is not Ready
        edit(ns, "k", k -> k.getSpec().setBudgetRefs(java.util.List.of("missing")));
        awaitReady(ns, "k", "False", "BudgetNotFound");
        assertThat(get(ns, "k").getStatus().condition("Ready").orElseThrow().getMessage())
                .startsWith("gateway " + ns + "/gw: ").contains(ns + "/missing");
        client.resource(dev.tollgate.Fixtures.budget(ns, "missing", "1.00", "daily")).create();
        awaitReady(ns, "k", "True", "KeyActive");

        // deleting the only gateway: nobody serves the key any more
        client.resources(dev.tollgate.api.v1alpha1.GatewayDeployment.class).inNamespace(ns).withName("gw").delete();
        awaitReady(ns, "k", "False", "NotAdmitted");
    }

    private VirtualKey get(String ns, String name) {
        return client.resources(VirtualKey.class).inNamespace(ns).withName(name).get();
    }

    private void awaitReady(String ns, String name, String status, String reason) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            VirtualKeyStatus s = get(ns, name).getStatus();
            assertThat(s).isNotNull();
            assertThat(s.condition("Ready")).hasValueSatisfying(c -> {
                assertThat(c.getStatus()).as(c.toString()).isEqualTo(status);
                assertThat(c.getReason()).as(c.toString()).isEqualTo(reason);
            });
        });
    }

    private void edit(String ns, String name, Consumer<VirtualKey> change) {
        dev.tollgate.Fixtures.edit(client.resources(VirtualKey.class).inNamespace(ns).withName(name), vk -> {
            change.accept(vk);
        });
    }

    @Test
    void generatesTheKeyOnceIntoAnOwnedSecret() {
        String ns = "vk-gen";
        namespace(ns);
        VirtualKey vk = client.resource(key(ns, "team-a")).create();
        awaitReady(ns, "team-a", "True", "KeyActive");

        Secret s = client.secrets().inNamespace(ns).withName("team-a-key").get();
        String value = decode(s, "key");
        assertThat(value).startsWith("sk-tg-").hasSize(6 + 43); // 256 bits in URL-safe base64
        assertThat(s.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(r -> assertThat(r.getUid()).isEqualTo(vk.getMetadata().getUid()));
        VirtualKeyStatus status = get(ns, "team-a").getStatus();
        assertThat(status.getSecretName()).isEqualTo("team-a-key");
        assertThat(status.getKeyPrefix()).isEqualTo(value.substring(0, 10) + "…");
        assertThat(status.toString() + status.getConditions()).doesNotContain(value.substring(10));

        // Spec changes reconcile again; the key stays the same.
        edit(ns, "team-a", k -> k.getSpec().setAttributes(Map.of("team", "a")));
        edit(ns, "team-a", k -> k.getSpec().setModels(java.util.List.of("gpt-4o")));
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ns, "team-a").getStatus().getObservedGeneration() >= 3);
        assertThat(decode(client.secrets().inNamespace(ns).withName("team-a-key").get(), "key")).isEqualTo(value);
    }

    /**
     * The reconcile that generates the key reads it from what it just created: the first status a new key gets is
     * Ready, not a KeySecretNotFound that the Secret's own watch event corrects a moment later (two status
     * changes per key, 20,000 at 10,000 keys, each also an event for every informer over VirtualKeys).
     */
    @Test
    void aNewKeysFirstStatusIsAlreadyReady() throws Exception {
        String ns = "vk-first";
        namespace(ns);
        java.util.List<String> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (var watch = client.resources(VirtualKey.class).inNamespace(ns).watch(new io.fabric8.kubernetes.client.Watcher<>() {
            @Override
            public void eventReceived(Action action, VirtualKey vk) {
                if (vk.getStatus() != null) {
                    vk.getStatus().condition("Ready").ifPresent(c -> seen.add(vk.getMetadata().getName() + " "
                            + c.getStatus() + " " + c.getReason()));
                }
            }

            @Override
            public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}
        })) {
            for (int i = 0; i < 5; i++) {
                client.resource(key(ns, "new-" + i)).create();
            }
            for (int i = 0; i < 5; i++) {
                awaitReady(ns, "new-" + i, "True", "KeyActive");
            }
            sleep(1000); // a later status that is not Ready would show here
        }
        // Every key's first Ready condition is True, and none is ever anything else. The number of events is not
        // asserted: a reconcile woken by the Secret's event can still read the key from the informer before its own
        // status patch has come back, and patch the same status again. A real API server treats that second
        // patch as a no-op (no new resourceVersion, no event); the mock server stores it and sends an event.
        assertThat(seen).as("Ready conditions in the order the keys got them")
                .allSatisfy(c -> assertThat(c).endsWith(" True KeyActive"));
        assertThat(seen.stream().map(c -> c.substring(0, c.indexOf(' '))).distinct().sorted().toList())
                .as("keys with a Ready condition, in %s", seen)
                .containsExactly("new-0", "new-1", "new-2", "new-3", "new-4");
    }

    @Test
    void bringYourOwnKeyAndItsProblems() {
        String ns = "vk-byo";
        namespace(ns);
        VirtualKey vk = key(ns, "migrated");
        vk.getSpec().setExistingSecret(new SecretKeyRef("litellm-key", "token"));
        client.resource(vk).create();
        awaitReady(ns, "migrated", "False", "KeySecretNotFound");
        assertThat(client.secrets().inNamespace(ns).withName("migrated-key").get()).as("no generated Secret").isNull();

        // Creating the Secret is seen by the watch: no re-apply of the VirtualKey needed.
        client.resource(secret(ns, "litellm-key", Map.of("token", "sk-litellm-0123456789abcdefghij"))).create();
        awaitReady(ns, "migrated", "True", "KeyActive");
        assertThat(get(ns, "migrated").getStatus().getKeyPrefix()).startsWith("sk-litel");
        // The user's own Secret is never touched (a JOSDK Deleter sharing its informer once deleted it).
        assertThat(client.secrets().inNamespace(ns).withName("litellm-key").get()).isNotNull();

        // A second key with the same value: the older keeps it, the newer is refused. Creation timestamps have
        // one-second resolution (ties go to the lower namespace/name), so make "older" unambiguous.
        sleep(1100);
        VirtualKey copy = key(ns, "copy");
        copy.getSpec().setExistingSecret(new SecretKeyRef("litellm-key", "token"));
        client.resource(copy).create();
        awaitReady(ns, "copy", "False", "DuplicateKey");
        awaitReady(ns, "migrated", "True", "KeyActive");
        assertThat(get(ns, "copy").getStatus().condition("Ready").map(Condition::getMessage).orElseThrow())
                .contains(ns + "/migrated").doesNotContain("sk-litellm-0123456789abcdefghij");

        // Too short a key is refused with a reason.
        client.resource(secret(ns, "weak", Map.of("key", "short"))).create();
        VirtualKey weak = key(ns, "weak");
        weak.getSpec().setExistingSecret(new SecretKeyRef("weak", "key"));
        client.resource(weak).create();
        awaitReady(ns, "weak", "False", "InvalidKey");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void disabledAndExpiredKeys() {
        String ns = "vk-state";
        namespace(ns);
        VirtualKey vk = key(ns, "k");
        vk.getSpec().setDisabled(true);
        client.resource(vk).create();
        awaitReady(ns, "k", "True", "Disabled");
        assertThat(get(ns, "k").getStatus().condition("Disabled").orElseThrow().getStatus()).isEqualTo("True");

        edit(ns, "k", k -> {
            k.getSpec().setDisabled(false);
            k.getSpec().setExpiresAt(Instant.now().minusSeconds(60).toString());
        });
        awaitReady(ns, "k", "True", "Expired");
        assertThat(get(ns, "k").getStatus().condition("Expired").orElseThrow().getStatus()).isEqualTo("True");

        // A key expiring in 2 s flips to Expired by itself (rescheduled reconcile, no event needed).
        edit(ns, "k", k -> k.getSpec().setExpiresAt(Instant.now().plusSeconds(2).toString()));
        awaitReady(ns, "k", "True", "KeyActive");
        awaitReady(ns, "k", "True", "Expired");
    }
}
