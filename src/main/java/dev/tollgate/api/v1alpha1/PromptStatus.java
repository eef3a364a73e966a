package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PromptStatus extends StatusBase {
    @JsonPropertyDescription("Every published version: its content hash, when it was first published, and its usage.")
    private List<PromptVersionStatus> versions;

    @JsonPropertyDescription("The labels as the gateways serve them (label -> version).")
    private Map<String, Integer> labels;

    @JsonPropertyDescription("The highest published version.")
    private Integer latestVersion;

    @JsonPropertyDescription("The GatewayDeployments (namespace/name) that serve this prompt.")
    private List<String> gateways;

    public List<PromptVersionStatus> getVersions() { return versions; }
    public void setVersions(List<PromptVersionStatus> versions) { this.versions = versions; }
    public Map<String, Integer> getLabels() { return labels; }
    public void setLabels(Map<String, Integer> labels) { this.labels = labels; }
    public Integer getLatestVersion() { return latestVersion; }
    public void setLatestVersion(Integer latestVersion) { this.latestVersion = latestVersion; }
    public List<String> getGateways() { return gateways; }
    public void setGateways(List<String> gateways) { this.gateways = gateways; }
}
