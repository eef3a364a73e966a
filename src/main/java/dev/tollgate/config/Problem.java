package dev.tollgate.config;

/**
 * Why a resource could not be served: a CamelCase reason for conditions and a message a user can act on.
 *
 * @param kind      Kubernetes kind of the resource (LlmModel, VirtualKey, Budget, GatewayDeployment, Secret)
 * @param namespace its namespace
 * @param name      its name
 */
public record Problem(String kind, String namespace, String name, String reason, String message) {
    public String id() {
        return namespace + "/" + name;
    }
}
