package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import java.util.Map;
import java.util.TreeMap;

/** Names and labels of everything the operator creates, in one place. */
public final class Names {
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String OPERATOR = "tollgate-operator";
    /** Label selector of every object the operator owns; its informers watch only these. */
    public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR;
    public static final String CONFIG_FILE = "config.json";
    public static final String SECRETS_FILE = "secrets.json";
    /** On a key shard (ConfigMap and Secret {@code <gw>-keys-<i>}): its index. */
    public static final String KEY_SHARD_LABEL = "llm.tollgate.dev/key-shard";
    public static final String CONFIG_HASH_ANNOTATION = dev.tollgate.config.KeyShards.HASH_ANNOTATION;
    /** On the pod template: changes (and so restarts the pods) only when a start-time setting changes. */
    public static final String SETTINGS_HASH_ANNOTATION = "llm.tollgate.dev/settings-hash";
    /** On the ConfigMap {@code <gw>-spend} (the budgets' spend handed back to the gateway pods), for its own informer. */
    public static final String SPEND_LABEL = "llm.tollgate.dev/spend";
    /** On {@code <gw>-spend}: when its content was last written (RFC 3339), to write it at most once per sync interval. */
    public static final String SPEND_WRITTEN_AT_ANNOTATION = "llm.tollgate.dev/spend-written-at";
    public static final int MANAGEMENT_PORT = 9000;

    private Names() {}

    public static String configMap(GatewayDeployment gw) { return gw.getMetadata().getName() + "-config"; }
    public static String secret(GatewayDeployment gw) { return gw.getMetadata().getName() + "-secrets"; }
    public static String spendConfigMap(GatewayDeployment gw) { return gw.getMetadata().getName() + dev.tollgate.config.SpendSeed.CONFIG_MAP_SUFFIX; }
    public static String keyShard(GatewayDeployment gw, int index) { return keyShard(gw.getMetadata().getName(), index); }
    public static String keyShard(String gateway, int index) { return gateway + "-keys-" + index; }
    public static String deployment(GatewayDeployment gw) { return gw.getMetadata().getName(); }
    public static String service(GatewayDeployment gw) { return gw.getMetadata().getName(); }
    public static String serviceAccount(GatewayDeployment gw) { return gw.getMetadata().getName() + "-gateway"; }
    public static String role(GatewayDeployment gw) { return gw.getMetadata().getName() + "-gateway"; }

    /** Labels on every object belonging to one gateway. */
    public static Map<String, String> gatewayLabels(GatewayDeployment gw) {
        Map<String, String> l = new TreeMap<>(selectorLabels(gw));
        l.put("app.kubernetes.io/component", "gateway");
        l.put("app.kubernetes.io/part-of", "tollgate");
        l.put(MANAGED_BY, OPERATOR);
        return l;
    }

    /** The stable subset used as the Deployment's and Service's selector. */
    public static Map<String, String> selectorLabels(GatewayDeployment gw) {
        return Map.of("app.kubernetes.io/name", "tollgate-gateway", "app.kubernetes.io/instance", gw.getMetadata().getName());
    }

    public static Map<String, String> keySecretLabels(String virtualKeyName) {
        return Map.of("app.kubernetes.io/name", "tollgate-virtual-key", "app.kubernetes.io/instance", virtualKeyName,
                "app.kubernetes.io/part-of", "tollgate", MANAGED_BY, OPERATOR,
                dev.tollgate.api.v1alpha1.Api.SECRET_LABEL, "key");
    }

    public static String endpoint(GatewayDeployment gw) {
        int port = gw.getSpec() == null || gw.getSpec().getPort() == null ? 4000 : gw.getSpec().getPort();
        return "http://" + service(gw) + "." + gw.getMetadata().getNamespace() + ".svc:" + port + "/v1";
    }
}
