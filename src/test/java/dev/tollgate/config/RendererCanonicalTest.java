package dev.tollgate.config;

import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.v1alpha1.LlmModel;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RendererCanonicalTest {
    private static RenderResult render(String defaultParamsJson) throws Exception {
        LlmModel m = model("ns", "m", "mock-gpt", "mock");
        m.getSpec().setDefaultParams(new ObjectMapper().readTree(defaultParamsJson));
        return Renderer.render(new RenderInput(gateway("ns", "gw"), List.of(m), List.of(), List.of(), ns -> Map.of(),
                (ns, name) -> Optional.empty()));
    }

    @Test
    void defaultParamsFieldOrderDoesNotChangeTheHash() throws Exception {
        RenderResult a = render("{\"temperature\":0.2,\"max_tokens\":100,\"metadata\":{\"b\":1,\"a\":2}}");
        RenderResult b = render("{\"metadata\":{\"a\":2,\"b\":1},\"max_tokens\":100,\"temperature\":0.2}");
        assertThat(a.configHash()).isEqualTo(b.configHash());
        assertThat(ConfigCodec.toJson(a.config())).contains("\"defaultParams\":{\"max_tokens\":100,\"metadata\":{\"a\":2,\"b\":1},\"temperature\":0.2}");
        assertThat(render("{\"temperature\":0.3}").configHash()).isNotEqualTo(a.configHash());
    }

    @Test
    void aSecretsDocumentWithoutKeysOrCredentialsReadsAsEmpty() throws Exception {
        GatewaySecrets s = ConfigCodec.readSecrets("{\"schema\":\"tollgate.dev/gateway-secrets/v1\"}");
        assertThat(s.keys()).isEmpty();
        assertThat(s.credentials()).isEmpty();
        assertThat(s.toString()).isEqualTo("GatewaySecrets[0 keys, 0 credentials]");
    }
}
