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

    /**
     * A config that declares no routing renders byte for byte as before routing existed (issue 19): no routing map,
     * no priority, so gateways see the same config hash and no pod restarts after an upgrade. The expected JSON and
     * hash were taken from the renderer of commit bdd327d.
     */
    @Test
    void aConfigWithoutRoutingRendersAsBeforeRoutingExisted() throws Exception {
        LlmModel a = model("ns", "a", "mock-gpt", "mock");
        LlmModel b = model("ns", "b", "mock-gpt", "mock");
        b.getSpec().setWeight(3);
        b.getSpec().setContextWindow(8192);
        RenderResult r = Renderer.render(new RenderInput(gateway("ns", "gw"), List.of(b, a), List.of(), List.of(),
                ns -> Map.of(), (ns, name) -> Optional.empty()));
        assertThat(ConfigCodec.toJson(r.config())).isEqualTo(GOLDEN_JSON);
        assertThat(r.configHash()).isEqualTo(GOLDEN_HASH);
    }

    static final String GOLDEN_JSON = "{\"schema\":\"tollgate.dev/gateway-config/v1\",\"gateway\":\"ns/gw\",\"settings\":{\"port\":4000,\"usageSyncIntervalMillis\":10000},\"models\":[{\"id\":\"ns/a\",\"modelName\":\"mock-gpt\",\"provider\":\"mock\",\"upstreamModel\":\"mock-gpt\",\"weight\":1,\"timeoutMillis\":600000,\"unsupportedParams\":\"reject\",\"mock\":{\"latencyMillis\":0,\"chunkIntervalMillis\":0,\"outputTokens\":16}},{\"id\":\"ns/b\",\"modelName\":\"mock-gpt\",\"provider\":\"mock\",\"upstreamModel\":\"mock-gpt\",\"weight\":3,\"timeoutMillis\":600000,\"contextWindow\":8192,\"unsupportedParams\":\"reject\",\"mock\":{\"latencyMillis\":0,\"chunkIntervalMillis\":0,\"outputTokens\":16}}],\"keys\":[],\"budgets\":[]}";
    static final String GOLDEN_HASH = "b1e29ed0a297aa28";

    @Test
    void aSecretsDocumentWithoutKeysOrCredentialsReadsAsEmpty() throws Exception {
        GatewaySecrets s = ConfigCodec.readSecrets("{\"schema\":\"tollgate.dev/gateway-secrets/v1\"}");
        assertThat(s.keys()).isEmpty();
        assertThat(s.credentials()).isEmpty();
        assertThat(s.toString()).isEqualTo("GatewaySecrets[0 keys, 0 credentials]");
    }
}
