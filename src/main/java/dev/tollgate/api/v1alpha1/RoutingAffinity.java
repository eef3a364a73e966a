package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * {@code routing.affinity}: which request field keys the session, and for how long a session stays on its
 * deployment. The key (header or user) is one setting: a level that names either replaces the key of the level
 * below, so an LlmModel can switch a GatewayDeployment's header affinity to user affinity by writing
 * {@code user: true}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!(has(self.header) && has(self.user) && self.user)",
        message = "affinity takes one key: header (e.g. header: x-session-id) or user: true (OpenAI's user field), not both")
public class RoutingAffinity {
    @Pattern("^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
    @JsonPropertyDescription("HTTP header whose value is the affinity key, e.g. x-session-id. A request without it "
            + "routes by the strategy.")
    private String header;

    @JsonPropertyDescription("true: the affinity key is the request's user field (OpenAI's end-user id). A request "
            + "without one routes by the strategy. false with no header: no affinity (turns off one the "
            + "GatewayDeployment sets).")
    private Boolean user;

    @Pattern(Api.DURATION_PATTERN)
    @JsonPropertyDescription("How long a session stays on its deployment after its last request, e.g. 10m. Default 1h.")
    private String ttl;

    public String getHeader() { return header; }
    public void setHeader(String header) { this.header = header; }
    public Boolean getUser() { return user; }
    public void setUser(Boolean user) { this.user = user; }
    public String getTtl() { return ttl; }
    public void setTtl(String ttl) { this.ttl = ttl; }
}
