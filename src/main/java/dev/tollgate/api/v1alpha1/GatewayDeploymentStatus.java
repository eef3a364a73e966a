package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class GatewayDeploymentStatus extends StatusBase {
    @JsonPropertyDescription("Gateway pods that are ready.")
    private Integer readyReplicas;
    @StatusReplicas
    @JsonPropertyDescription("Gateway pods that exist (the Deployment's status.replicas), for the scale subresource.")
    private Integer replicas;
    @LabelSelector
    @JsonPropertyDescription("Label selector of the gateway pods, as a string (e.g. app.kubernetes.io/instance=NAME,"
            + "app.kubernetes.io/name=tollgate-gateway), for the scale subresource.")
    private String selector;
    @JsonPropertyDescription("In-cluster base URL of the gateway's OpenAI-compatible API.")
    private String endpoint;
    @JsonPropertyDescription("Hash of the rendered configuration (ConfigMap and Secret) the gateway should serve.")
    private String configHash;
    @JsonPropertyDescription("LlmModels in the rendered configuration.")
    private Integer models;
    @JsonPropertyDescription("VirtualKeys in the rendered configuration.")
    private Integer keys;
    @JsonPropertyDescription("Budgets in the rendered configuration.")
    private Integer budgets;
    @JsonPropertyDescription("How budgets are enforced across the gateway's pods: 'Exact' (shared through spec.redis), or "
            + "'SyncedEvery' and spec.usageSyncInterval, e.g. 'SyncedEvery 10s' (each pod enforces them in memory and gets the others' spend back at "
            + "that interval; the ExactLimits condition gives the overshoot bound).")
    private String budgetMode;
    @JsonPropertyDescription("Usage totals over every deployment this gateway served.")
    private Usage usage;
    @JsonPropertyDescription("The config hash each gateway pod reports serving, by pod name (compare with configHash).")
    private java.util.Map<String, String> servedConfigs;

    public Integer getReadyReplicas() { return readyReplicas; }
    public void setReadyReplicas(Integer readyReplicas) { this.readyReplicas = readyReplicas; }
    public Integer getReplicas() { return replicas; }
    public void setReplicas(Integer replicas) { this.replicas = replicas; }
    public String getSelector() { return selector; }
    public void setSelector(String selector) { this.selector = selector; }
    public String getEndpoint() { return endpoint; }
    public void setEndpoint(String endpoint) { this.endpoint = endpoint; }
    public String getConfigHash() { return configHash; }
    public void setConfigHash(String configHash) { this.configHash = configHash; }
    public Integer getModels() { return models; }
    public void setModels(Integer models) { this.models = models; }
    public Integer getKeys() { return keys; }
    public void setKeys(Integer keys) { this.keys = keys; }
    public Integer getBudgets() { return budgets; }
    public void setBudgets(Integer budgets) { this.budgets = budgets; }
    public java.util.Map<String, String> getServedConfigs() { return servedConfigs; }
    public void setServedConfigs(java.util.Map<String, String> servedConfigs) { this.servedConfigs = servedConfigs; }
    public String getBudgetMode() { return budgetMode; }
    public void setBudgetMode(String budgetMode) { this.budgetMode = budgetMode; }
    public Usage getUsage() { return usage; }
    public void setUsage(Usage usage) { this.usage = usage; }
}
