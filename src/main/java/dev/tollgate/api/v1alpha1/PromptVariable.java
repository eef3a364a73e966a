package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PromptVariable {
    @Required
    @Pattern("^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    @Size(max = 64)
    @JsonPropertyDescription("The variable's name, used as {{name}} in the messages.")
    private String name;

    @JsonProperty("default")
    @Size(max = 4096)
    @JsonPropertyDescription("Its value when the request gives none. Absent: the request must give one.")
    private String defaultValue;

    @Size(max = 1024)
    @JsonPropertyDescription("What the variable is for (for people).")
    private String description;

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getDefaultValue() { return defaultValue; }
    public void setDefaultValue(String defaultValue) { this.defaultValue = defaultValue; }
    public String getDescription() { return description; }
    public void setDescription(String description) { this.description = description; }
}
