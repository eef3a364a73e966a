package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Pattern;

/**
 * Response caching of a model group: {@code LlmModel.spec.cache} (the whole group: every LlmModel sharing the
 * spec.modelName) over {@code GatewayDeployment.spec.cache} (defaults for every group the gateway serves, see
 * {@link GatewayCacheSpec}), field by field. Nothing is cached unless one of them declares {@code exact} or
 * {@code semantic}. No field has a schema default: an absent field inherits from the level below.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CacheSpec {
    /** Values of {@code scope}, for the schema's enum (the field stays a String, read by the renderer). */
    public enum Scope {
        @JsonProperty("namespace") NAMESPACE,
        @JsonProperty("key") KEY,
        @JsonProperty("gateway") GATEWAY
    }

    @JsonPropertyDescription("Exact cache: a request equal to one answered before (same model group, messages, tools "
            + "and every parameter that changes the answer; user, stream, stream_options and metadata do not count) "
            + "is answered from the stored answer, streamed or not as the client asks. Only complete, successful "
            + "answers are stored. Absent: inherited (off when no level declares it).")
    private CacheExact exact;

    @JsonPropertyDescription("Semantic cache: a request whose prompt means nearly the same as one answered before "
            + "(by embeddings from spec.cache.semantic.embeddingModel) is answered from the stored answer. Tried after "
            + "the exact cache. Absent: inherited (off when no level declares it).")
    private CacheSemantic semantic;

    @SchemaFrom(type = Scope.class)
    @JsonPropertyDescription("Who shares stored answers: namespace (the default: keys of one namespace share them, "
            + "no other namespace ever sees them), key (each VirtualKey its own), or gateway (every key of the "
            + "gateway, across namespaces: only for answers that are not private to a tenant). A client's cache "
            + "namespace (the request's cache.namespace field) only divides the scope further.")
    private String scope;

    @Pattern("^[A-Za-z0-9._:+-]{1,64}$")
    @JsonPropertyDescription("Any token (e.g. a date or a counter): changing it drops every answer stored before, "
            + "on every replica and in Redis (they are no longer found, and expire). The GatewayDeployment's token and "
            + "the group's both count. To drop answers without a spec change, POST to the gateway's management port "
            + "/tollgate/cache/purge.")
    private String purge;

    public CacheExact getExact() { return exact; }
    public void setExact(CacheExact exact) { this.exact = exact; }
    public CacheSemantic getSemantic() { return semantic; }
    public void setSemantic(CacheSemantic semantic) { this.semantic = semantic; }
    public String getScope() { return scope; }
    public void setScope(String scope) { this.scope = scope; }
    public String getPurge() { return purge; }
    public void setPurge(String purge) { this.purge = purge; }
}
