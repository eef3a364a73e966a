package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Names and labels of everything the operator creates, in one place.
 *
 * <p>Object names derived from a resource's name are valid because the CRDs refuse names that would make them
 * invalid (see {@code GatewayDeployment} and {@code VirtualKey}: a gateway's name is a DNS-1035 label of at most
 * {@value dev.tollgate.api.v1alpha1.Api#GATEWAY_NAME_MAX_LENGTH} characters). Label values derived from a name
 * go through {@link #labelValue}, which shortens what a label value cannot hold.
 */
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
    /** Longest label value Kubernetes accepts. */
    public static final int LABEL_VALUE_MAX_LENGTH = 63;
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    /** Hex digits of the hash that ends a shortened label value (40 bits). */
    private static final int LABEL_HASH_DIGITS = 10;

    private Names() {}

    public static String configMap(GatewayDeployment gw) { return gw.getMetadata().getName() + "-config"; }
    public static String secret(GatewayDeployment gw) { return gw.getMetadata().getName() + "-secrets"; }
    public static String spendConfigMap(GatewayDeployment gw) { return gw.getMetadata().getName() + dev.tollgate.config.SpendSeed.CONFIG_MAP_SUFFIX; }
    public static String keyShard(GatewayDeployment gw, int index) { return keyShard(gw.getMetadata().getName(), index); }
    public static String keyShard(String gateway, int index) { return gateway + "-keys-" + index; }
    public static String deployment(GatewayDeployment gw) { return gw.getMetadata().getName(); }
    /** The LLM API's Service: its port only, whatever its type. */
    public static String service(GatewayDeployment gw) { return gw.getMetadata().getName(); }
    /** The management port's Service (metrics, usage report): ClusterIP only, for a ServiceMonitor. */
    public static String metricsService(GatewayDeployment gw) { return gw.getMetadata().getName() + "-metrics"; }
    /** Name of the management port on the gateway container and on {@link #metricsService}. */
    public static final String METRICS_PORT_NAME = "metrics";
    /** HorizontalPodAutoscaler, PodDisruptionBudget and NetworkPolicy of a gateway: named like its Deployment. */
    public static String autoscaler(GatewayDeployment gw) { return gw.getMetadata().getName(); }
    public static String disruptionBudget(GatewayDeployment gw) { return gw.getMetadata().getName(); }
    public static String networkPolicy(GatewayDeployment gw) { return gw.getMetadata().getName(); }
    /** Label {@code app.kubernetes.io/name} of the operator's own pods (deploy/20-operator.yaml, the Helm chart). */
    public static final String OPERATOR_POD_NAME = "tollgate-operator";
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
        return Map.of("app.kubernetes.io/name", "tollgate-gateway", "app.kubernetes.io/instance", labelValue(gw.getMetadata().getName()));
    }

    /** {@link #selectorLabels} as a label query string (status.selector, for the scale subresource). */
    public static String selectorString(GatewayDeployment gw) {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(selectorLabels(gw)).forEach((k, v) -> b.append(b.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return b.toString();
    }

    public static Map<String, String> keySecretLabels(String virtualKeyName) {
        return Map.of("app.kubernetes.io/name", "tollgate-virtual-key", "app.kubernetes.io/instance", labelValue(virtualKeyName),
                "app.kubernetes.io/part-of", "tollgate", MANAGED_BY, OPERATOR,
                dev.tollgate.api.v1alpha1.Api.SECRET_LABEL, "key");
    }

    /**
     * {@code value} as a label value. A valid label value (at most 63 characters of letters, digits, '-', '_' and
     * '.', starting and ending with a letter or digit) is returned as it is, so every name the CRDs accept for a
     * gateway keeps its label. Anything else (a VirtualKey name longer than 63 characters, say) becomes its
     * first characters, with any other character replaced by '-', followed by '-' and the first
     * {@value #LABEL_HASH_DIGITS} hex digits of the SHA-256 of the whole value: stable across reconciles and
     * operator versions, and distinct for distinct values (but for a 40-bit hash collision).
     */
    public static String labelValue(String value) {
        if (value.length() <= LABEL_VALUE_MAX_LENGTH && LABEL_VALUE.matcher(value).matches()) {
            return value;
        }
        String hash = sha256Hex(value).substring(0, LABEL_HASH_DIGITS);
        String stem = value.replaceAll("[^-A-Za-z0-9_.]", "-");
        stem = stem.substring(0, Math.min(stem.length(), LABEL_VALUE_MAX_LENGTH - 1 - LABEL_HASH_DIGITS))
                .replaceFirst("^[^A-Za-z0-9]+", "");
        return stem.isEmpty() ? hash : stem + "-" + hash;
    }

    private static String sha256Hex(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    public static String endpoint(GatewayDeployment gw) {
        int port = gw.getSpec() == null || gw.getSpec().getPort() == null ? 4000 : gw.getSpec().getPort();
        return "http://" + service(gw) + "." + gw.getMetadata().getNamespace() + ".svc:" + port + "/v1";
    }
}
