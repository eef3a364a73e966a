package dev.tollgate.operator.gateway;

import static dev.tollgate.Fixtures.budget;
import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.Fixtures;
import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.VirtualKey;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The gateway renders from the spec and labels of models, keys and Budgets, never their status: a status patch
 * (each key gets at least one, usage updates get many) must not re-render it. At 10,000 keys a render is the
 * operator's most expensive step and the keys' own status patches kept one running back to back.
 */
@WithKubernetesTestServer(crud = true)
@QuarkusTest
class StatusOnlyChangesTest {
    @Inject
    KubernetesClient client;

    @Test
    void statusPatchesOfInputsDoNotReRenderTheGatewayButLabelsDo() throws Exception {
        String ns = "status-only";
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        client.resource(model(ns, "mock", "mock-1", "mock")).create();
        client.resource(key(ns, "k")).create();
        client.resource(budget(ns, "b", "5", "daily")).create();
        client.resource(gateway(ns, "gw")).create();
        var vk = client.resources(VirtualKey.class).inNamespace(ns).withName("k");
        var m = client.resources(LlmModel.class).inNamespace(ns).withName("mock");
        var b = client.resources(Budget.class).inNamespace(ns).withName("b");
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            var gw = client.resources(GatewayDeployment.class).inNamespace(ns).withName("gw").get();
            return gw.getStatus() != null && gw.getStatus().getKeys() == 1 && vk.get().getStatus() != null
                    && vk.get().getStatus().getKeyPrefix() != null && m.get().getStatus() != null && b.get().getStatus() != null;
        });
        awaitNoRenders(Duration.ofSeconds(2));
        long before = RenderSupport.RENDERS.get();

        // Status only, as the operator's own reconcilers and its usage write-back patch it (the reconcilers are
        // generation-aware: they do not react to these either).
        Fixtures.editStatus(vk, k -> k.getStatus().setKeyPrefix("tg-changed"));
        Fixtures.editStatus(m, x -> x.getStatus().setPricingSource("changed"));
        Fixtures.editStatus(b, x -> x.getStatus().setKeysCovered(99));
        Thread.sleep(3000);
        assertThat(RenderSupport.RENDERS.get()).as("gateway renders after status-only changes").isEqualTo(before);

        // A label can change what the gateway serves (selectors): that does re-render.
        Fixtures.edit(vk, k -> k.getMetadata().setLabels(java.util.Map.of("team", "other")));
        await().atMost(Duration.ofSeconds(10)).until(() -> RenderSupport.RENDERS.get() > before);
    }

    /** Waits until no render happened for {@code quiet}. */
    private static void awaitNoRenders(Duration quiet) throws InterruptedException {
        long last = RenderSupport.RENDERS.get();
        long since = System.nanoTime();
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end) {
            Thread.sleep(100);
            long now = RenderSupport.RENDERS.get();
            if (now != last) {
                last = now;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > quiet.toNanos()) {
                return;
            }
        }
        throw new AssertionError("the gateway kept re-rendering");
    }
}
