package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PromptVersionStatus {
    @JsonPropertyDescription("The version number.")
    private Integer version;

    @JsonPropertyDescription("sha256 of the version's content as published (model, parameters, variables, messages, "
            + "overridable): a later edit of the version shows as a different hash and the VersionChanged reason.")
    private String hash;

    @JsonSerialize(using = Api.DateTime.class)
    @JsonPropertyDescription("When the operator first saw this version (RFC 3339).")
    private String publishedAt;

    @JsonPropertyDescription("The labels pointing at this version.")
    private java.util.List<String> labels;

    @JsonPropertyDescription("Requests, tokens and spend served with this version, summed over every gateway pod.")
    private Usage usage;

    public Integer getVersion() { return version; }
    public void setVersion(Integer version) { this.version = version; }
    public String getHash() { return hash; }
    public void setHash(String hash) { this.hash = hash; }
    public String getPublishedAt() { return publishedAt; }
    public void setPublishedAt(String publishedAt) { this.publishedAt = publishedAt; }
    public java.util.List<String> getLabels() { return labels; }
    public void setLabels(java.util.List<String> labels) { this.labels = labels; }
    public Usage getUsage() { return usage; }
    public void setUsage(Usage usage) { this.usage = usage; }
}
