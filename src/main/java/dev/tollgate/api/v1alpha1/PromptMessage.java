package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PromptMessage {
    @Required
    @Pattern("^(system|developer|user|assistant)$")
    @JsonPropertyDescription("system, developer, user or assistant.")
    private String role;

    @Required
    @Size(max = 32768)
    @JsonPropertyDescription("The message's text, with {{name}} for each variable.")
    private String content;

    public String getRole() { return role; }
    public void setRole(String role) { this.role = role; }
    public String getContent() { return content; }
    public void setContent(String content) { this.content = content; }
}
