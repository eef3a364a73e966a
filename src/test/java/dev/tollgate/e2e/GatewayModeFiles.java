package dev.tollgate.e2e;

import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.secret;

import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.SecretKeyRef;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.RenderInput;
import dev.tollgate.config.RenderResult;
import dev.tollgate.config.Renderer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A gateway pod's mounted files, for gateway-mode tests: the render of gateway {@code ns/llm} with one key (its own
 * Secret, {@code byo}) and the given models, and the config overrides that serve two such documents from fresh folders
 * with the Kubernetes API unreachable (nothing listens at the API server's address).
 */
final class GatewayModeFiles {
    private GatewayModeFiles() {
    }

    static RenderResult render(String key, List<LlmModel> models) {
        VirtualKey vk = key("ns", "k");
        vk.getSpec().setExistingSecret(new SecretKeyRef("byo", "key"));
        var byo = secret("ns", "byo", Map.of("key", key));
        return Renderer.render(new RenderInput(gateway("ns", "llm"), models, List.of(vk), List.of(), ns -> Map.of(),
                (ns, name) -> name.equals("byo") ? Optional.of(byo) : Optional.empty()));
    }

    static Map<String, String> serve(String configJson, String secretsJson) {
        try {
            Path config = Files.createTempDirectory("tollgate-config");
            Path secrets = Files.createTempDirectory("tollgate-secrets");
            Files.writeString(config.resolve("config.json"), configJson);
            Files.writeString(secrets.resolve("secrets.json"), secretsJson);
            return Map.of("tollgate.mode", "gateway", "tollgate.gateway.name", "llm", "tollgate.gateway.namespace", "ns",
                    "tollgate.gateway.config-dir", config.toString(), "tollgate.gateway.secrets-dir", secrets.toString(),
                    "quarkus.kubernetes-client.api-server-url", "http://127.0.0.1:1",
                    "quarkus.kubernetes-client.request-timeout", "500", "quarkus.kubernetes-client.connection-timeout", "500");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
