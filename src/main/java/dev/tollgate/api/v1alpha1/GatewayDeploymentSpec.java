package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class GatewayDeploymentSpec {
    public enum ServiceType { ClusterIP, NodePort, LoadBalancer }

    @Min(0)
    @Max(1000)
    @Default("1")
    @SpecReplicas
    @JsonPropertyDescription("Number of gateway pods. Default 1. Limits are exact across replicas only with redis set. "
            + "The scale subresource writes it (kubectl scale tggw/NAME --replicas=3, or an autoscaler you run). "
            + "Ignored while spec.autoscaling is set: the HorizontalPodAutoscaler then sizes the gateway's Deployment.")
    private Integer replicas = 1;

    @JsonPropertyDescription("Autoscale the gateway pods: the operator creates a HorizontalPodAutoscaler <name> "
            + "(autoscaling/v2) for the Deployment <name> and leaves that Deployment's replicas to it, so spec.replicas "
            + "is ignored while this is set (and a GitOps tool holding spec.replicas never fights the autoscaler). "
            + "Removed with the HorizontalPodAutoscaler when absent.")
    private GatewayDeploymentAutoscaling autoscaling;

    @JsonPropertyDescription("Gateway container image. Default: the operator's own image (tollgate.gateway.image).")
    private String image;

    @JsonPropertyDescription("Compute resources of the gateway container. Absent: requests cpu 250m and memory 256Mi, "
            + "limit memory 512Mi (an idle gateway uses about 150 MB; no CPU limit, which would throttle streams). "
            + "When set it replaces these defaults as a whole. The autoscaler's utilization targets are percentages "
            + "of these requests.")
    private ResourceRequirements resources;

    @Min(1)
    @Max(65535)
    @Default("4000")
    @JsonPropertyDescription("Port the gateway serves the LLM API on, in the pod and on the Service. Default 4000.")
    private Integer port = 4000;

    @Default("ClusterIP")
    @JsonPropertyDescription("Type of the Service <name> that carries the LLM API only: ClusterIP (default), NodePort or "
            + "LoadBalancer. The management port (usage report, metrics) is never on it: Service <name>-metrics is "
            + "always ClusterIP.")
    private ServiceType serviceType = ServiceType.ClusterIP;

    @JsonPropertyDescription("Settings of the Service <name> that carries the LLM API (annotations for cloud load "
            + "balancers).")
    private GatewayDeploymentServiceSpec service;

    @JsonPropertyDescription("Which LlmModels this gateway serves. Absent: all in the gateway's namespace.")
    private Selection models;

    @JsonPropertyDescription("Model names (LlmModel spec.modelName) whose load-balanced group may take LlmModels from "
            + "several namespaces; \"*\" for every name. By default a model name belongs to one namespace (the "
            + "gateway's own when it has a model of that name, else that of the oldest one), so a team's model cannot "
            + "join another team's group and receive its prompts: a model from another namespace with a taken name is "
            + "refused (Ready=False, reason ModelNameTaken).")
    private List<String> sharedModelNames;

    @JsonPropertyDescription("Defaults for how every model group this gateway serves is routed, retried, cooled "
            + "down and failed over; a group's LlmModels override them field by field in their spec.routing. A "
            + "group's own name is left out of the fallbacks it inherits from here. Absent: weighted routing, 2 "
            + "retries, the built-in cooldowns, no affinity, no fallbacks.")
    private RoutingSpec routing;

    @JsonPropertyDescription("Response caching: defaults for every model group this gateway serves (a group's "
            + "LlmModels override them field by field in their spec.cache), the memory the caches may use, and "
            + "whether hits are charged. With spec.redis the cached answers are shared by every replica. Absent: "
            + "nothing is cached unless an LlmModel turns its group's cache on.")
    private GatewayCacheSpec cache;

    @JsonPropertyDescription("Traces and GenAI metrics over OTLP, logging callbacks for all traffic, and alerts. Teams "
            + "add logging callbacks for their own keys with a LogSink in their namespace. Absent: none of them.")
    private ObservabilitySpec observability;

    @JsonPropertyDescription("Which VirtualKeys this gateway accepts. Absent: all in the gateway's namespace. "
            + "A key with a gatewayRef is served only by the gateway it names.")
    private Selection keys;

    @JsonPropertyDescription("Which Budgets this gateway enforces. Absent: all in the gateway's namespace.")
    private Selection budgets;

    @JsonPropertyDescription("Shared state for exact rate limits and budgets across replicas, and for the "
            + "response caches (spec.cache): every replica serves what one stored. Absent: in-memory per pod.")
    private RedisSpec redis;

    @Pattern(Api.DURATION_PATTERN)
    @Default("10s")
    @JsonPropertyDescription("How often the operator hands the gateway pods the budgets' period spend across all pods "
            + "(ConfigMap NAME-spend), e.g. 10s; a new or restarted pod starts from it. Without redis, replicas "
            + "together may pass a budget by what they spend in about one interval plus one usage collection; with "
            + "redis budgets are exact. Changing it restarts no pod.")
    private String usageSyncInterval = "10s";

    @JsonPropertyDescription("Node labels the gateway pods must run on.")
    private Map<String, String> nodeSelector;

    @JsonPropertyDescription("Tolerations of the gateway pods.")
    private List<Toleration> tolerations;

    @JsonPropertyDescription("Affinity rules of the gateway pods.")
    private Affinity affinity;

    @JsonPropertyDescription("How the gateway pods spread over the cluster (the pod spec's topologySpreadConstraints). "
            + "Absent: across nodes (kubernetes.io/hostname) and zones (topology.kubernetes.io/zone), maxSkew 1, "
            + "whenUnsatisfiable ScheduleAnyway, so a small cluster still schedules every pod. [] spreads nothing. "
            + "A constraint without labelSelector gets the gateway pods' labels.")
    private List<TopologySpreadConstraint> topologySpreadConstraints;

    @JsonPropertyDescription("Secrets with registry credentials to pull the gateway image (the pod spec's "
            + "imagePullSecrets), in the gateway's namespace.")
    private List<LocalObjectReference> imagePullSecrets;

    @JsonPropertyDescription("A NetworkPolicy on the gateway pods: the LLM API port only from the namespaces named here "
            + "and the gateway's own, the management port only from the Tollgate operator and the monitoring namespaces "
            + "named here. Absent or enabled: false: no NetworkPolicy (one made before is removed).")
    private GatewayDeploymentNetworkPolicy networkPolicy;

    @JsonPropertyDescription("Extra annotations on the gateway pods (e.g. for a service mesh or log shipper).")
    private Map<String, String> podAnnotations;

    @Min(30)
    @JsonPropertyDescription("Seconds a gateway pod may take to stop (its terminationGracePeriodSeconds): a preStop "
            + "pause while load balancers stop sending it traffic, then requests in flight, streams included, finish "
            + "and the pod hands its last usage to the operator. Absent: derived from the longest stream it may serve, "
            + "preStop + max(600, largest LlmModel timeout in seconds, at most 3600) + 17 (627 by default). Set it "
            + "lower for faster node drains (e.g. under the cluster autoscaler's 600 s cap): streams still open at "
            + "the end then stop with an error event the client can retry, never a silent cut.")
    private Integer terminationGracePeriodSeconds;

    public Integer getReplicas() { return replicas; }
    public void setReplicas(Integer replicas) { this.replicas = replicas; }
    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public ResourceRequirements getResources() { return resources; }
    public void setResources(ResourceRequirements resources) { this.resources = resources; }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
    public ServiceType getServiceType() { return serviceType; }
    public void setServiceType(ServiceType serviceType) { this.serviceType = serviceType; }
    public Selection getModels() { return models; }
    public void setModels(Selection models) { this.models = models; }
    public List<String> getSharedModelNames() { return sharedModelNames; }
    public void setSharedModelNames(List<String> sharedModelNames) { this.sharedModelNames = sharedModelNames; }
    public RoutingSpec getRouting() { return routing; }
    public void setRouting(RoutingSpec routing) { this.routing = routing; }
    public GatewayCacheSpec getCache() { return cache; }
    public void setCache(GatewayCacheSpec cache) { this.cache = cache; }
    public ObservabilitySpec getObservability() { return observability; }
    public void setObservability(ObservabilitySpec observability) { this.observability = observability; }
    public Selection getKeys() { return keys; }
    public void setKeys(Selection keys) { this.keys = keys; }
    public Selection getBudgets() { return budgets; }
    public void setBudgets(Selection budgets) { this.budgets = budgets; }
    public RedisSpec getRedis() { return redis; }
    public void setRedis(RedisSpec redis) { this.redis = redis; }
    public String getUsageSyncInterval() { return usageSyncInterval; }
    public void setUsageSyncInterval(String usageSyncInterval) { this.usageSyncInterval = usageSyncInterval; }
    public Map<String, String> getNodeSelector() { return nodeSelector; }
    public void setNodeSelector(Map<String, String> nodeSelector) { this.nodeSelector = nodeSelector; }
    public List<Toleration> getTolerations() { return tolerations; }
    public void setTolerations(List<Toleration> tolerations) { this.tolerations = tolerations; }
    public Affinity getAffinity() { return affinity; }
    public void setAffinity(Affinity affinity) { this.affinity = affinity; }
    public Map<String, String> getPodAnnotations() { return podAnnotations; }
    public void setPodAnnotations(Map<String, String> podAnnotations) { this.podAnnotations = podAnnotations; }
    public GatewayDeploymentAutoscaling getAutoscaling() { return autoscaling; }
    public void setAutoscaling(GatewayDeploymentAutoscaling autoscaling) { this.autoscaling = autoscaling; }
    public GatewayDeploymentServiceSpec getService() { return service; }
    public void setService(GatewayDeploymentServiceSpec service) { this.service = service; }
    public List<TopologySpreadConstraint> getTopologySpreadConstraints() { return topologySpreadConstraints; }
    public void setTopologySpreadConstraints(List<TopologySpreadConstraint> constraints) { this.topologySpreadConstraints = constraints; }
    public List<LocalObjectReference> getImagePullSecrets() { return imagePullSecrets; }
    public void setImagePullSecrets(List<LocalObjectReference> imagePullSecrets) { this.imagePullSecrets = imagePullSecrets; }
    public GatewayDeploymentNetworkPolicy getNetworkPolicy() { return networkPolicy; }
    public void setNetworkPolicy(GatewayDeploymentNetworkPolicy networkPolicy) { this.networkPolicy = networkPolicy; }
    public Integer getTerminationGracePeriodSeconds() { return terminationGracePeriodSeconds; }
    public void setTerminationGracePeriodSeconds(Integer seconds) { this.terminationGracePeriodSeconds = seconds; }
}
