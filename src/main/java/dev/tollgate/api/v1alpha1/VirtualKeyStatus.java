package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class VirtualKeyStatus extends StatusBase {
    @JsonPropertyDescription("Secret (in this namespace) holding the key.")
    private String secretName;
    @JsonPropertyDescription("The first characters of the key, to recognise it. Never the whole key.")
    private String keyPrefix;
    @JsonPropertyDescription("Usage of this key, collected from the gateways. periodSpend is the spend in the current "
            + "period of its first Budget.")
    private Usage usage;
    @JsonPropertyDescription("What is left of the tightest Budget binding this key this period (USD, decimal string).")
    private String budgetRemaining;

    public String getSecretName() { return secretName; }
    public void setSecretName(String secretName) { this.secretName = secretName; }
    public String getKeyPrefix() { return keyPrefix; }
    public void setKeyPrefix(String keyPrefix) { this.keyPrefix = keyPrefix; }
    public String getBudgetRemaining() { return budgetRemaining; }
    public void setBudgetRemaining(String budgetRemaining) { this.budgetRemaining = budgetRemaining; }
    public Usage getUsage() { return usage; }
    public void setUsage(Usage usage) { this.usage = usage; }
}
