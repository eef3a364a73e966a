package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.v1alpha1.PromptMessage;
import dev.tollgate.api.v1alpha1.PromptVariable;
import dev.tollgate.api.v1alpha1.PromptVersionSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The prompt version hash: sha256 over canonical JSON, the same from the spec and from the rendered version. */
class PromptHashTest {
    static final ObjectMapper M = new ObjectMapper();

    static JsonNode json(String s) throws Exception {
        return M.readTree(s);
    }

    static PromptVersionSpec spec(String parameters) throws Exception {
        PromptVersionSpec v = new PromptVersionSpec();
        v.setVersion(3);
        v.setDescription("friendlier");
        v.setModel("gpt-4o");
        v.setParameters(parameters == null ? null : json(parameters));
        PromptVariable var = new PromptVariable();
        var.setName("customer");
        var.setDefaultValue("there");
        PromptVariable plain = new PromptVariable();
        plain.setName("issue");
        v.setVariables(List.of(var, plain));
        PromptMessage m = new PromptMessage();
        m.setRole("system");
        m.setContent("Hello {{customer}}, about {{ issue }}");
        v.setMessages(List.of(m));
        v.setOverridable(List.of("temperature"));
        return v;
    }

    @Test
    void theHashIsSha256OfTheCanonicalJsonWithSortedKeys() throws Exception {
        String canonical = "{\"messages\":[{\"content\":\"Hello {{customer}}, about {{ issue }}\",\"role\":\"system\"}],"
                + "\"model\":\"gpt-4o\",\"overridable\":[\"temperature\"],\"parameters\":{\"max_tokens\":300,"
                + "\"temperature\":0.2},\"variables\":[{\"default\":\"there\",\"name\":\"customer\"},{\"name\":\"issue\"}]}";
        String expected = "sha256:" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        assertThat(PromptHash.of(spec("{\"temperature\": 0.2, \"max_tokens\": 300}"))).isEqualTo(expected);
        assertThat(PromptHash.of(spec("{\"max_tokens\":300,\"temperature\":0.2}")))
                .as("the parameters' key order does not matter").isEqualTo(expected);
    }

    @Test
    void theRenderedVersionHashesAsItsSpecAndTheDescriptionIsNotContent() throws Exception {
        PromptVersionSpec s = spec("{\"temperature\":0.2}");
        GatewayConfig.PromptVersion rendered = new GatewayConfig.PromptVersion(3, "ignored", "gpt-4o",
                json("{\"temperature\":0.2}"), List.of(new GatewayConfig.Variable("customer", "there"),
                        new GatewayConfig.Variable("issue", null)),
                List.of(new GatewayConfig.Message("system", "Hello {{customer}}, about {{ issue }}")), List.of("temperature"));
        assertThat(PromptHash.of(rendered)).isEqualTo(PromptHash.of(s));
        s.setDescription("something else");
        assertThat(PromptHash.of(s)).isEqualTo(PromptHash.of(rendered));
    }

    @Test
    void everyPartOfTheContentChangesTheHash() throws Exception {
        String base = PromptHash.of(spec("{\"temperature\":0.2}"));
        assertThat(base).matches("sha256:[0-9a-f]{64}");
        PromptVersionSpec model = spec("{\"temperature\":0.2}");
        model.setModel("gpt-4o-mini");
        PromptVersionSpec params = spec("{\"temperature\":0.3}");
        PromptVersionSpec noParams = spec(null);
        PromptVersionSpec content = spec("{\"temperature\":0.2}");
        content.getMessages().get(0).setContent("Hi {{customer}}, about {{ issue }}");
        PromptVersionSpec role = spec("{\"temperature\":0.2}");
        role.getMessages().get(0).setRole("developer");
        PromptVersionSpec dflt = spec("{\"temperature\":0.2}");
        dflt.getVariables().get(1).setDefaultValue("billing");
        PromptVersionSpec over = spec("{\"temperature\":0.2}");
        over.setOverridable(List.of("temperature", "model"));
        for (PromptVersionSpec changed : List.of(model, params, noParams, content, role, dflt, over)) {
            assertThat(PromptHash.of(changed)).isNotEqualTo(base);
        }
    }
}
