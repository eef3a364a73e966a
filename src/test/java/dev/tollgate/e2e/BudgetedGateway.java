package dev.tollgate.e2e;

import static dev.tollgate.Fixtures.budget;
import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static dev.tollgate.Fixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.MockSpec;
import dev.tollgate.api.v1alpha1.Pricing;
import dev.tollgate.api.v1alpha1.SecretKeyRef;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.ConfigCodec;
import dev.tollgate.config.RenderInput;
import dev.tollgate.config.RenderResult;
import dev.tollgate.config.Renderer;
import dev.tollgate.config.SpendSeed;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A gateway {@code llm} whose three keys each have a 0.10 daily Budget ({@code b}, {@code fresh}, {@code twin}), as the operator
 * renders it, for gateway-mode tests: every request reserves and costs exactly 0.009 (4 output tokens at 2,250
 * micro-USD; input free), so from zero 11 requests fit into a budget, and from 0.018 spent only 9.
 */
final class BudgetedGateway {
    static final String GATEWAY = "llm";
    static final String KEY = "sk-tg-seeded-budget-key-0123456789ab";
    static final String FRESH = "sk-tg-seeded-fresh-key-0123456789abc";
    static final String TWIN = "sk-tg-seeded-twin-key-0123456789abcd";
    static final long COST = 9_000;

    private BudgetedGateway() {}

    static RenderResult render(String ns) {
        var m = model(ns, "m", "m", "mock");
        MockSpec mock = new MockSpec();
        mock.setOutputTokens(4);
        m.getSpec().setMock(mock);
        Pricing p = new Pricing();
        p.setInputPerMillion("0");
        p.setOutputPerMillion("2250");
        m.getSpec().setPricing(p);
        VirtualKey k = key(ns, "k");
        k.getSpec().setExistingSecret(new SecretKeyRef("keys", "k"));
        k.getSpec().setBudgetRefs(List.of("b"));
        VirtualKey fresh = key(ns, "fresh");
        fresh.getSpec().setExistingSecret(new SecretKeyRef("keys", "fresh"));
        fresh.getSpec().setBudgetRefs(List.of("fresh"));
        VirtualKey twin = key(ns, "twin");
        twin.getSpec().setExistingSecret(new SecretKeyRef("keys", "twin"));
        twin.getSpec().setBudgetRefs(List.of("twin"));
        Secret keys = secret(ns, "keys", Map.of("k", KEY, "fresh", FRESH, "twin", TWIN));
        RenderResult r = Renderer.render(new RenderInput(gateway(ns, GATEWAY), List.of(m), List.of(k, fresh, twin),
                List.of(budget(ns, "b", "0.10", "daily"), budget(ns, "fresh", "0.10", "daily"), budget(ns, "twin", "0.10", "daily")),
                n -> Map.of(),
                (n, name) -> name.equals("keys") ? Optional.of(keys) : Optional.empty()));
        assertThat(r.problems()).isEmpty();
        return r;
    }

    /** The ConfigMap and Secret the operator writes for the gateway. */
    static void publish(KubernetesClient client, String ns) {
        RenderResult r = render(ns);
        client.resource(new ConfigMapBuilder().withNewMetadata().withName(GATEWAY + "-config").withNamespace(ns).endMetadata()
                .addToData("config.json", ConfigCodec.toJson(r.config())).build()).createOr(c -> c.update());
        client.resource(new SecretBuilder().withNewMetadata().withName(GATEWAY + "-secrets").withNamespace(ns).endMetadata()
                .addToData("secrets.json", Base64.getEncoder().encodeToString(
                        ConfigCodec.toJson(r.secrets()).getBytes(StandardCharsets.UTF_8))).build()).createOr(c -> c.update());
    }

    /** The ConfigMap {@code llm-spend} as the operator writes it. */
    static void publishSeed(KubernetesClient client, String ns, SpendSeed seed) {
        client.resource(new ConfigMapBuilder().withNewMetadata().withName(GATEWAY + SpendSeed.CONFIG_MAP_SUFFIX).withNamespace(ns)
                .endMetadata().addToData(SpendSeed.FILE, seed.toJson()).build()).createOr(c -> c.update());
    }

    static HttpResponse<String> ask(URI chat, String key) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(chat).header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Requests admitted one after the other until the first refusal (which must be the budget's), at most {@code max}. */
    static int admittedUntilRefused(URI chat, String key, int max) throws Exception {
        for (int n = 0; n < max; n++) {
            HttpResponse<String> r = ask(chat, key);
            if (r.statusCode() != 200) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                assertThat(r.body()).contains("budget_exceeded");
                return n;
            }
            assertThat(r.headers().firstValue("x-tollgate-cost")).as("every request costs the same").hasValue("0.009");
        }
        return max;
    }
}
