package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentSpec;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HTTPGetActionBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.KeyShards;
import dev.tollgate.config.Termination;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The gateway pods: this same image in {@code gateway} mode. Routing, keys and budgets reach running pods live
 * (they watch their ConfigMap and Secret), so the pod template carries only the hash of start-time settings:
 * adding a key never restarts the gateway; changing its port or Redis does. Its termination settings let a rollout
 * finish the streams in flight (see {@link #termination}).
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class GatewayDeploymentDependent extends CRUDKubernetesDependentResource<Deployment, GatewayDeployment> {
    static final String CONFIG_DIR = "/etc/tollgate/config";
    static final String SECRETS_DIR = "/etc/tollgate/secrets";

    public GatewayDeploymentDependent() {
        super(Deployment.class);
    }

    @Override
    protected Deployment desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        GatewayDeploymentSpec spec = gw.getSpec();
        var render = RenderSupport.render(gw, ctx);
        Map<String, String> podAnnotations = new TreeMap<>();
        if (spec.getPodAnnotations() != null) {
            podAnnotations.putAll(spec.getPodAnnotations());
        }
        podAnnotations.put(Names.SETTINGS_HASH_ANNOTATION, render.settingsHash());
        Termination termination = termination(spec, render.config().models());
        Deployment d = new DeploymentBuilder()
                .withNewMetadata().withName(Names.deployment(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw)).endMetadata()
                .withNewSpec()
                .withReplicas(replicas(spec, live(gw, ctx)))
                .withNewSelector().withMatchLabels(Names.selectorLabels(gw)).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(Names.gatewayLabels(gw)).withAnnotations(podAnnotations).endMetadata()
                .withNewSpec()
                .withServiceAccountName(Names.serviceAccount(gw))
                .withTerminationGracePeriodSeconds(termination.gracePeriodSeconds())
                .withNodeSelector(spec.getNodeSelector())
                .withTolerations(spec.getTolerations())
                .withAffinity(spec.getAffinity())
                .withTopologySpreadConstraints(topologySpread(gw, spec))
                .withImagePullSecrets(spec.getImagePullSecrets())
                .withNewSecurityContext().withRunAsNonRoot(true).withNewSeccompProfile().withType("RuntimeDefault")
                .endSeccompProfile().endSecurityContext()
                .withContainers(container(gw, spec, termination))
                .addAllToVolumes(configVolumes(gw, RenderSupport.packed(gw, ctx).shards().size()))
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        d.getSpec().getTemplate().getMetadata().getAnnotations().put(POD_SPEC_HASH_ANNOTATION,
                podSpecHash(d.getSpec().getTemplate().getSpec()));
        return d;
    }

    /**
     * On the pod template: a hash of the desired pod spec. With SSA off, JOSDK's matcher treats a field that is in the
     * live object but not in the desired one as a server default and ignores it, so removing tolerations, a node
     * selector, pull secrets or spread constraints from the spec would never reach the Deployment; the hash changes
     * then, and the update (which replaces the whole spec) carries the removal. It changes only with the pod spec,
     * which restarts the pods anyway.
     */
    static final String POD_SPEC_HASH_ANNOTATION = "llm.tollgate.dev/pod-spec-hash";

    static String podSpecHash(io.fabric8.kubernetes.api.model.PodSpec pod) {
        try {
            byte[] json = io.fabric8.kubernetes.client.utils.Serialization.asJson(pod).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(json)).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * The gateway's Deployment as the informer last saw it. Not {@code getSecondaryResource}: JOSDK finds that one
     * through {@code desired()}, which would recurse.
     */
    private static Deployment live(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        return ctx.getSecondaryResourcesAsStream(Deployment.class)
                .filter(d -> Names.deployment(gw).equals(d.getMetadata().getName())).findFirst().orElse(null);
    }

    /**
     * Replicas of the Deployment. With {@code spec.autoscaling} the HorizontalPodAutoscaler owns them: the live value
     * is kept (desired equals actual, so the operator never writes it back), and a new Deployment starts at
     * minReplicas. Otherwise {@code spec.replicas}, which the GatewayDeployment's scale subresource writes.
     */
    static int replicas(GatewayDeploymentSpec spec, Deployment live) {
        var autoscaling = spec.getAutoscaling();
        if (autoscaling != null) {
            if (live != null && live.getSpec() != null && live.getSpec().getReplicas() != null) {
                return live.getSpec().getReplicas();
            }
            return autoscaling.getMinReplicas() == null ? 1 : autoscaling.getMinReplicas();
        }
        return spec.getReplicas() == null ? 1 : spec.getReplicas();
    }

    /**
     * Requests for the gateway container when {@code spec.resources} is absent: a JVM gateway idles near 150 MB RSS
     * (bench/README.md) and serves thousands of requests per second per core, so 250m / 256Mi schedules anywhere and
     * gives the autoscaler's CPU target a base. A memory limit (twice the request) bounds a leak; no CPU limit, since
     * CFS throttling would add latency to every stream while the node has idle cores.
     */
    static final ResourceRequirements DEFAULT_RESOURCES = new ResourceRequirementsBuilder()
            .addToRequests("cpu", new Quantity("250m")).addToRequests("memory", new Quantity("256Mi"))
            .addToLimits("memory", new Quantity("512Mi")).build();

    /** Topology keys the gateway pods spread over by default: nodes, then zones. */
    static final List<String> DEFAULT_SPREAD_KEYS = List.of("kubernetes.io/hostname", "topology.kubernetes.io/zone");

    /**
     * {@code spec.topologySpreadConstraints}, each given the gateway pods' selector when it has none; absent, one
     * soft constraint per {@link #DEFAULT_SPREAD_KEYS} key (ScheduleAnyway: a one-node or one-zone cluster still
     * schedules every pod). {@code pod-template-hash} as matchLabelKeys spreads each rollout's new pods on their own.
     */
    static List<TopologySpreadConstraint> topologySpread(GatewayDeployment gw, GatewayDeploymentSpec spec) {
        LabelSelector pods = new LabelSelectorBuilder().withMatchLabels(Names.selectorLabels(gw)).build();
        if (spec.getTopologySpreadConstraints() != null) {
            return spec.getTopologySpreadConstraints().stream()
                    .map(c -> c.getLabelSelector() != null ? c
                            : new TopologySpreadConstraintBuilder(c).withLabelSelector(pods).build())
                    .toList();
        }
        return DEFAULT_SPREAD_KEYS.stream().map(key -> new TopologySpreadConstraintBuilder()
                .withMaxSkew(1).withTopologyKey(key).withWhenUnsatisfiable("ScheduleAnyway")
                .withLabelSelector(pods).withMatchLabelKeys("pod-template-hash").build()).toList();
    }

    /**
     * The mounted fallback of what the pod watches: the ConfigMap and the Secret; with key shards, one projected
     * volume each that adds every shard as {@code keys-<i>.json} (so the pod restarts when the shard count grows,
     * which happens only when the keys double).
     */
    static List<Volume> configVolumes(GatewayDeployment gw, int shards) {
        if (shards == 0) {
            return List.of(
                    new VolumeBuilder().withName("config").withNewConfigMap().withName(Names.configMap(gw)).endConfigMap().build(),
                    new VolumeBuilder().withName("secrets").withNewSecret().withSecretName(Names.secret(gw)).endSecret().build());
        }
        List<VolumeProjection> config = new ArrayList<>();
        List<VolumeProjection> secrets = new ArrayList<>();
        config.add(new VolumeProjectionBuilder().withNewConfigMap().withName(Names.configMap(gw)).endConfigMap().build());
        secrets.add(new VolumeProjectionBuilder().withNewSecret().withName(Names.secret(gw)).endSecret().build());
        for (int i = 0; i < shards; i++) {
            String file = "keys-" + i + ".json";
            config.add(new VolumeProjectionBuilder().withNewConfigMap().withName(Names.keyShard(gw, i))
                    .addNewItem().withKey(KeyShards.FILE).withPath(file).endItem().endConfigMap().build());
            secrets.add(new VolumeProjectionBuilder().withNewSecret().withName(Names.keyShard(gw, i))
                    .addNewItem().withKey(KeyShards.FILE).withPath(file).endItem().endSecret().build());
        }
        return List.of(
                new VolumeBuilder().withName("config").withNewProjected().withSources(config).endProjected().build(),
                new VolumeBuilder().withName("secrets").withNewProjected().withSources(secrets).endProjected().build());
    }

    /**
     * How long a gateway pod may take to stop: the preStop pause, the drain of its requests in flight and the usage
     * hand-over (see {@link Termination}). It depends only on the spec's override, the operator's preStop setting and
     * the longest model timeout (at least ten minutes), so editing models does not roll the pods.
     */
    static Termination termination(GatewayDeploymentSpec spec, List<GatewayConfig.Model> models) {
        int preStop = ConfigProvider.getConfig().getOptionalValue("tollgate.operator.gateway-prestop-seconds", Integer.class)
                .orElse(Termination.DEFAULT_PRE_STOP_SECONDS);
        return Termination.of(spec.getTerminationGracePeriodSeconds(), models, Math.max(1, preStop));
    }

    private static Container container(GatewayDeployment gw, GatewayDeploymentSpec spec, Termination termination) {
        int port = spec.getPort() == null ? 4000 : spec.getPort();
        String image = spec.getImage() != null ? spec.getImage()
                : ConfigProvider.getConfig().getOptionalValue("tollgate.gateway.image", String.class)
                        .orElse("ghcr.io/tollgate-dev/tollgate:latest");
        return new ContainerBuilder()
                .withName("gateway")
                .withImage(image)
                .withArgs("gateway")
                .addNewEnv().withName("TOLLGATE_GATEWAY_NAME").withValue(gw.getMetadata().getName()).endEnv()
                .addNewEnv().withName("TOLLGATE_GATEWAY_NAMESPACE").withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.namespace").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("QUARKUS_HTTP_PORT").withValue(Integer.toString(port)).endEnv()
                .addNewEnv().withName("TOLLGATE_GATEWAY_CONFIG_DIR").withValue(CONFIG_DIR).endEnv()
                .addNewEnv().withName("TOLLGATE_GATEWAY_SECRETS_DIR").withValue(SECRETS_DIR).endEnv()
                .addNewEnv().withName("TOLLGATE_GATEWAY_DRAIN_TIMEOUT_MILLIS")
                .withValue(Long.toString(termination.drainMillis())).endEnv()
                .addNewPort().withName("http").withContainerPort(port).withProtocol("TCP").endPort()
                .addNewPort().withName("metrics").withContainerPort(Names.MANAGEMENT_PORT).withProtocol("TCP").endPort()
                .withReadinessProbe(probe("/health/readiness", 5))
                .withLivenessProbe(probe("/health/liveness", 10))
                // Stop new traffic first: endpoints, kube-proxy and load balancers take a few seconds to drop a
                // deleted pod, and it keeps serving meanwhile; SIGTERM (and the drain) comes after. The sleep action
                // (Kubernetes 1.30+) rather than an exec of sleep, since the image has no shell to rely on, and
                // rather than an httpGet hook, which would only add a code path for the same pause.
                .withNewLifecycle().withNewPreStop().withNewSleep().withSeconds((long) termination.preStopSeconds())
                .endSleep().endPreStop().endLifecycle()
                .withResources(spec.getResources() != null ? spec.getResources() : DEFAULT_RESOURCES)
                .addNewVolumeMount().withName("config").withMountPath(CONFIG_DIR).withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("secrets").withMountPath(SECRETS_DIR).withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().addToDrop("ALL").endCapabilities().endSecurityContext()
                .build();
    }

    private static Probe probe(String path, int period) {
        return new ProbeBuilder()
                .withHttpGet(new HTTPGetActionBuilder().withPath(path).withPort(new IntOrString("http")).build())
                .withPeriodSeconds(period).withFailureThreshold(3).withTimeoutSeconds(2).build();
    }
}
