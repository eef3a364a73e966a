package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PrinterColumn;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class VirtualKeyStatus extends StatusBase {
    @PrinterColumn(name = "Secret")
    @JsonPropertyDescription("Secret (in this namespace) holding the key.")
    private String secretName;
    @PrinterColumn(name = "Prefix")
    @JsonPropertyDescription("The first characters of the key, to recognise it. Never the whole key.")
    private String keyPrefix;
    @JsonPropertyDescription("Usage of this key, collected from the gateways.")
    private Usage usage;

    public String getSecretName() { return secretName; }
    public void setSecretName(String secretName) { this.secretName = secretName; }
    public String getKeyPrefix() { return keyPrefix; }
    public void setKeyPrefix(String keyPrefix) { this.keyPrefix = keyPrefix; }
    public Usage getUsage() { return usage; }
    public void setUsage(Usage usage) { this.usage = usage; }
}
