package dev.tollgate;

import dev.tollgate.api.v1alpha1.Api;
import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.BudgetSpec;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentSpec;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LlmModelSpec;
import dev.tollgate.api.v1alpha1.SecretKeyRef;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.api.v1alpha1.VirtualKeySpec;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** Small builders for test resources. */
public final class Fixtures {
    private Fixtures() {}

    public static ObjectMeta meta(String ns, String name) {
        return new ObjectMetaBuilder().withNamespace(ns).withName(name).build();
    }

    public static GatewayDeployment gateway(String ns, String name) {
        GatewayDeployment gw = new GatewayDeployment();
        gw.setMetadata(meta(ns, name));
        gw.setSpec(new GatewayDeploymentSpec());
        return gw;
    }

    public static LlmModel model(String ns, String name, String modelName, String provider) {
        LlmModel m = new LlmModel();
        m.setMetadata(meta(ns, name));
        LlmModelSpec s = new LlmModelSpec();
        s.setModelName(modelName);
        s.setProvider(provider);
        s.setModel(modelName);
        m.setSpec(s);
        return m;
    }

    public static LlmModel openAi(String ns, String name, String secret) {
        LlmModel m = model(ns, name, "gpt-4o", "openai");
        m.getSpec().setModel("gpt-4o-2024-08-06");
        m.getSpec().setCredentialsSecretRef(new SecretKeyRef(secret, "api-key"));
        return m;
    }

    public static VirtualKey key(String ns, String name) {
        VirtualKey vk = new VirtualKey();
        vk.setMetadata(meta(ns, name));
        vk.setSpec(new VirtualKeySpec());
        return vk;
    }

    public static Budget budget(String ns, String name, String limit, String period) {
        Budget b = new Budget();
        b.setMetadata(meta(ns, name));
        BudgetSpec s = new BudgetSpec();
        s.setLimit(limit);
        s.setPeriod(period);
        b.setSpec(s);
        return b;
    }

    /** A Secret Tollgate may read (labelled llm.tollgate.dev/secret). */
    public static Secret secret(String ns, String name, Map<String, String> values) {
        var b = new SecretBuilder().withMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name)
                .addToLabels(Api.SECRET_LABEL, "credentials").build());
        values.forEach((k, v) -> b.addToData(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return b.build();
    }

    public static String decode(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    /**
     * Read-modify-write with retry on 409 Conflict: the operator patches status concurrently, and Fabric8's edit()
     * sends the resourceVersion it read (optimistic locking), as any careful client does.
     */
    public static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T edit(
            io.fabric8.kubernetes.client.dsl.Resource<T> resource, java.util.function.Consumer<T> change) {
        return retryOnConflict(() -> resource.edit(r -> {
            change.accept(r);
            return r;
        }));
    }

    /** The same for the status subresource. */
    public static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T editStatus(
            io.fabric8.kubernetes.client.dsl.Resource<T> resource, java.util.function.Consumer<T> change) {
        return retryOnConflict(() -> resource.editStatus(r -> {
            change.accept(r);
            return r;
        }));
    }

    private static <T> T retryOnConflict(java.util.function.Supplier<T> write) {
        for (int attempt = 1; ; attempt++) {
            try {
                return write.get();
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }

}
