package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.labels) || self.labels.all(l, self.versions.exists(v, v.version == self.labels[l]))",
        message = "every label in spec.labels must point at a version in spec.versions")
public class PromptSpec {
    @JsonPropertyDescription("Which VirtualKeys may use this prompt: selector over the keys' labels, namespaceSelector "
            + "over their namespaces (absent: this namespace only; {}: every namespace the gateway serves). Absent: "
            + "every key of this namespace.")
    private Selection keys;

    @Required
    @Size(min = 1, max = 100)
    @ValidationRule(value = "self.all(a, self.exists_one(b, b.version == a.version))",
            message = "version numbers must be unique within spec.versions: give a new version the next free number")
    @JsonPropertyDescription("The published versions. A version is immutable once published: add a new one instead "
            + "of editing it (a changed version is refused by the API server and reported as VersionChanged).")
    private List<PromptVersionSpec> versions = new ArrayList<>();

    @JsonPropertyDescription("Labels pointing at versions, e.g. {production: 3, staging: 4}: promotion and rollback "
            + "are a one-line change. A request without prompt_version or prompt_label gets the production label's "
            + "version, or the highest version when there is no production label.")
    @Size(max = 32)
    private Map<String, Integer> labels = new LinkedHashMap<>();

    public Selection getKeys() { return keys; }
    public void setKeys(Selection keys) { this.keys = keys; }
    public List<PromptVersionSpec> getVersions() { return versions; }
    public void setVersions(List<PromptVersionSpec> versions) { this.versions = versions == null ? new ArrayList<>() : versions; }
    public Map<String, Integer> getLabels() { return labels; }
    public void setLabels(Map<String, Integer> labels) { this.labels = labels == null ? new LinkedHashMap<>() : labels; }
}
