package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RedisSpec {
    @Required
    @Pattern("^rediss?://[^\\s@]+$")
    @JsonPropertyDescription("Redis URL without credentials, e.g. redis://redis.tollgate:6379/0 (rediss:// for TLS).")
    private String url;

    @JsonPropertyDescription("Secret key holding the Redis password (optional).")
    private SecretKeyRef passwordSecretRef;

    public String getUrl() { return url; }
    public void setUrl(String url) { this.url = url; }
    public SecretKeyRef getPasswordSecretRef() { return passwordSecretRef; }
    public void setPasswordSecretRef(SecretKeyRef passwordSecretRef) { this.passwordSecretRef = passwordSecretRef; }
}
