package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentNetworkPolicy;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * {@code <gw>}, a NetworkPolicy on the gateway pods while {@code spec.networkPolicy.enabled} (JOSDK deletes it when
 * that turns false). Ingress only, two rules:
 * <ul>
 *   <li>the LLM API port: from every pod of the gateway's own namespace, of the namespaces {@code allowFrom} selects,
 *       and from the {@code allowCidrs} ranges;</li>
 *   <li>the management port (usage report, metrics): from the operator's pods (label
 *       {@code app.kubernetes.io/name=tollgate-operator} in the operator's namespace, {@link #operatorNamespace}) and
 *       from the namespaces {@code monitoringFrom} selects.</li>
 * </ul>
 * Egress stays open: the pods call their providers and Redis. Ports are numbers, not names, which every network
 * plugin supports.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class GatewayNetworkPolicyDependent extends CRUDKubernetesDependentResource<NetworkPolicy, GatewayDeployment> {
    /** Label Kubernetes (1.21+) puts on every namespace: its name. */
    static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    public GatewayNetworkPolicyDependent() {
        super(NetworkPolicy.class);
    }

    @Override
    protected NetworkPolicy desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        // JOSDK also calls desired() to find the object to delete once spec.networkPolicy is gone: only its name matters then
        GatewayDeploymentNetworkPolicy np = gw.getSpec().getNetworkPolicy() != null ? gw.getSpec().getNetworkPolicy()
                : new GatewayDeploymentNetworkPolicy();
        int port = gw.getSpec().getPort() == null ? 4000 : gw.getSpec().getPort();

        List<NetworkPolicyPeer> api = new ArrayList<>();
        api.add(new NetworkPolicyPeerBuilder().withNamespaceSelector(namespace(gw.getMetadata().getNamespace())).build());
        nullToEmpty(np.getAllowFrom()).forEach(s -> api.add(new NetworkPolicyPeerBuilder().withNamespaceSelector(s).build()));
        nullToEmpty(np.getAllowCidrs()).forEach(c -> api.add(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(c)
                .endIpBlock().build()));

        List<NetworkPolicyPeer> management = new ArrayList<>();
        management.add(new NetworkPolicyPeerBuilder().withNamespaceSelector(namespace(operatorNamespace(ctx)))
                .withNewPodSelector().addToMatchLabels("app.kubernetes.io/name", Names.OPERATOR_POD_NAME).endPodSelector()
                .build());
        nullToEmpty(np.getMonitoringFrom()).forEach(s -> management.add(new NetworkPolicyPeerBuilder().withNamespaceSelector(s)
                .build()));

        return new NetworkPolicyBuilder()
                .withNewMetadata().withName(Names.networkPolicy(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw)).endMetadata()
                .withNewSpec()
                .withNewPodSelector().withMatchLabels(Names.selectorLabels(gw)).endPodSelector()
                .withPolicyTypes("Ingress")
                .addNewIngress().addNewPort().withProtocol("TCP").withPort(new IntOrString(port)).endPort()
                .withFrom(api).endIngress()
                .addNewIngress().addNewPort().withProtocol("TCP").withPort(new IntOrString(Names.MANAGEMENT_PORT)).endPort()
                .withFrom(management).endIngress()
                .endSpec()
                .build();
    }

    /**
     * The operator's own namespace: {@code tollgate.operator.namespace} when set, else the Kubernetes client's
     * namespace, which in a pod is the ServiceAccount's (the file Kubernetes mounts next to the token), the same
     * namespace the operator's leader-election Lease lives in.
     */
    static String operatorNamespace(Context<GatewayDeployment> ctx) {
        return ConfigProvider.getConfig().getOptionalValue("tollgate.operator.namespace", String.class)
                .filter(s -> !s.isBlank())
                .orElseGet(() -> {
                    String ns = ctx.getClient().getConfiguration().getNamespace();
                    return ns == null || ns.isBlank() ? "tollgate-system" : ns;
                });
    }

    private static LabelSelector namespace(String name) {
        return new LabelSelectorBuilder().withMatchLabels(Map.of(NAMESPACE_NAME_LABEL, name)).build();
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    /** Only while {@code spec.networkPolicy.enabled} is true. */
    public static class Enabled implements Condition<NetworkPolicy, GatewayDeployment> {
        @Override
        public boolean isMet(DependentResource<NetworkPolicy, GatewayDeployment> dependent, GatewayDeployment gw,
                Context<GatewayDeployment> ctx) {
            return gw.getSpec() != null && gw.getSpec().getNetworkPolicy() != null
                    && Boolean.TRUE.equals(gw.getSpec().getNetworkPolicy().getEnabled());
        }
    }
}
