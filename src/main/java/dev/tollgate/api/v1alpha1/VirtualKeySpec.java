package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!(has(self.secretName) && has(self.existingSecret))",
        message = "set either secretName (Tollgate generates the key) or existingSecret (bring your own key), not both")
public class VirtualKeySpec {
    @JsonPropertyDescription("The GatewayDeployment that serves this key. Absent: every gateway whose keys selection matches it.")
    private GatewayRef gatewayRef;

    @JsonPropertyDescription("Public model names this key may call. Empty: every model of the gateway.")
    private List<String> models = new ArrayList<>();

    @JsonPropertyDescription("Names of Budgets in this namespace that bind this key (besides Budgets whose keySelector matches it).")
    private List<String> budgetRefs = new ArrayList<>();

    @JsonPropertyDescription("Rate limits of this key.")
    private KeyLimits limits;

    @JsonSerialize(using = Api.DateTime.class)
    @JsonPropertyDescription("When the key stops working (RFC 3339, e.g. 2026-12-31T23:59:59Z).")
    private String expiresAt;

    @Default("false")
    @JsonPropertyDescription("Set true to stop the key working without deleting it.")
    private Boolean disabled = false;

    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @Size(max = 253)
    @JsonPropertyDescription("Name of the Secret the generated key is written to (key 'key'). Default: <name>-key.")
    private String secretName;

    @JsonPropertyDescription("Use a key you already have (e.g. migrating from LiteLLM) instead of generating one. "
            + "The Secret must carry the label llm.tollgate.dev/secret.")
    private SecretKeyRef existingSecret;

    @JsonPropertyDescription("Free-form attributes for chargeback and reporting (team, cost center …), carried into "
            + "the rendered config and reported by the chargeback export (GET :9000/tollgate/chargeback). Never used for auth.")
    private Map<String, String> attributes;

    @JsonPropertyDescription("Tags every request made with this key carries (for spend by tag, tag Budgets and "
            + "chargeback), whatever the client sends.")
    private List<@Pattern(Api.TAG_PATTERN) String> tags = new ArrayList<>();

    @JsonPropertyDescription("Tags a client may add to a request (LiteLLM's metadata.tags field, or the header "
            + "x-tollgate-tags). An entry ending in '*' allows every tag with that prefix; [\"*\"] allows any. Empty "
            + "(default): the client may add none, and a request that names a tag not allowed is refused (403).")
    private List<@Pattern(Api.ALLOWED_TAG_PATTERN) String> allowedTags = new ArrayList<>();

    public GatewayRef getGatewayRef() { return gatewayRef; }
    public void setGatewayRef(GatewayRef gatewayRef) { this.gatewayRef = gatewayRef; }
    public List<String> getModels() { return models; }
    public void setModels(List<String> models) { this.models = models == null ? new ArrayList<>() : models; }
    public List<String> getBudgetRefs() { return budgetRefs; }
    public void setBudgetRefs(List<String> budgetRefs) { this.budgetRefs = budgetRefs == null ? new ArrayList<>() : budgetRefs; }
    public KeyLimits getLimits() { return limits; }
    public void setLimits(KeyLimits limits) { this.limits = limits; }
    public String getExpiresAt() { return expiresAt; }
    public void setExpiresAt(String expiresAt) { this.expiresAt = expiresAt; }
    public Boolean getDisabled() { return disabled; }
    public void setDisabled(Boolean disabled) { this.disabled = disabled; }
    public String getSecretName() { return secretName; }
    public void setSecretName(String secretName) { this.secretName = secretName; }
    public SecretKeyRef getExistingSecret() { return existingSecret; }
    public void setExistingSecret(SecretKeyRef existingSecret) { this.existingSecret = existingSecret; }
    public Map<String, String> getAttributes() { return attributes; }
    public void setAttributes(Map<String, String> attributes) { this.attributes = attributes; }
    public List<String> getTags() { return tags; }
    public void setTags(List<String> tags) { this.tags = tags == null ? new ArrayList<>() : tags; }
    public List<String> getAllowedTags() { return allowedTags; }
    public void setAllowedTags(List<String> allowedTags) { this.allowedTags = allowedTags == null ? new ArrayList<>() : allowedTags; }
}
