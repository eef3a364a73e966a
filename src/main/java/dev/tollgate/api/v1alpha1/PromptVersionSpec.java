package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self == oldSelf", message = "a published version is immutable: add a new version (the next "
        + "number) and move the label to it instead of editing this one")
public class PromptVersionSpec {
    @Required
    @Min(1)
    @JsonPropertyDescription("The version number (1, 2, …), unique within the Prompt.")
    private Integer version;

    @Size(max = 1024)
    @JsonPropertyDescription("What changed in this version (for people; not sent anywhere).")
    private String description;

    @Size(max = 128)
    @JsonPropertyDescription("Public model name the version is written for. Used unless the request may override "
            + "'model' (see overridable) and names one. Absent: the request's model.")
    private String model;

    @PreserveUnknownFields
    @JsonPropertyDescription("Request parameters the version sets, e.g. {temperature: 0.2, max_tokens: 300}. A "
            + "request may set one of them itself only when it is listed in overridable (else 400).")
    private JsonNode parameters;

    @Size(max = 50)
    @ValidationRule(value = "self.all(a, self.exists_one(b, b.name == a.name))",
            message = "variable names must be unique within a version's variables")
    @JsonPropertyDescription("The variables the messages use as {{name}}, each required unless it has a default.")
    private List<PromptVariable> variables = new ArrayList<>();

    @Required
    @Size(min = 1, max = 50)
    @JsonPropertyDescription("The template's messages, sent before the client's own; {{name}} is replaced by the "
            + "variable's value.")
    private List<PromptMessage> messages = new ArrayList<>();

    @Size(max = 32)
    @JsonPropertyDescription("Parameters (and 'model') a request may set to replace the version's. Default: none.")
    private List<String> overridable = new ArrayList<>();

    public Integer getVersion() { return version; }
    public void setVersion(Integer version) { this.version = version; }
    public String getDescription() { return description; }
    public void setDescription(String description) { this.description = description; }
    public String getModel() { return model; }
    public void setModel(String model) { this.model = model; }
    public JsonNode getParameters() { return parameters; }
    public void setParameters(JsonNode parameters) { this.parameters = parameters; }
    public List<PromptVariable> getVariables() { return variables; }
    public void setVariables(List<PromptVariable> variables) { this.variables = variables == null ? new ArrayList<>() : variables; }
    public List<PromptMessage> getMessages() { return messages; }
    public void setMessages(List<PromptMessage> messages) { this.messages = messages == null ? new ArrayList<>() : messages; }
    public List<String> getOverridable() { return overridable; }
    public void setOverridable(List<String> overridable) { this.overridable = overridable == null ? new ArrayList<>() : overridable; }
}
