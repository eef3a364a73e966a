package dev.tollgate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.config.Checks;
import dev.tollgate.config.Provider;
import dev.tollgate.config.Result;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A vertex model without its project or location, in a standalone folder: the schema lets it through (CEL rules are
 * the API server's), the renderer's check refuses it with MissingProviderSetting, and standalone mode reports it at
 * the file and line where the setting belongs.
 */
class VertexSettingsStandaloneTest {
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static String where(String yaml) throws Exception {
        Manifests.Document d = Manifests.read(Path.of("vertex.yaml"), yaml).get(0);
        assertThat(SchemaValidator.bundled().validate(d.body())).isEmpty();
        LlmModel m = STRICT.treeToValue(d.body(), LlmModel.class);
        m.getMetadata().setNamespace("default");
        Result<Provider> r = Checks.settings(m);
        assertThat(r.ok()).isFalse();
        assertThat(r.problem().reason()).isEqualTo("MissingProviderSetting");
        return StandaloneRunner.where(r.problem(), d) + ": " + r.problem().message();
    }

    @Test
    void aVertexModelWithoutItsProjectIsReportedAtTheLineOfSpec() throws Exception { // spec starts on line 6
        String error = where("""
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata:
                  name: claude
                spec:
                  modelName: claude-sonnet
                  provider: vertex
                  model: claude-sonnet-4@20250514
                  region: us-east5
                """);
        assertThat(error).startsWith("vertex.yaml:6: ").contains("provider vertex needs spec.project")
                .contains("Google Cloud project id");
    }

    @Test
    void aVertexModelWithoutItsLocationIsReportedTooAndGlobalIsALocation() throws Exception {
        String error = where("""
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata:
                  name: gemini
                spec:
                  modelName: gemini
                  provider: vertex
                  model: gemini-2.5-flash
                  project: my-project-123
                """);
        assertThat(error).startsWith("vertex.yaml:6: ").contains("provider vertex needs spec.region").contains("global");

        Manifests.Document ok = Manifests.read(Path.of("vertex.yaml"), """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata:
                  name: gemini
                spec:
                  modelName: gemini
                  provider: vertex
                  model: gemini-2.5-flash
                  project: my-project-123
                  region: global
                """).get(0);
        LlmModel m = STRICT.treeToValue(ok.body(), LlmModel.class);
        assertThat(Checks.settings(m).ok()).isTrue();
    }

    @Test
    void aProjectIdThatIsNoGoogleCloudProjectIdIsRefusedByTheSchema() throws Exception {
        Manifests.Document d = Manifests.read(Path.of("vertex.yaml"), """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata:
                  name: gemini
                spec:
                  modelName: gemini
                  provider: vertex
                  model: gemini-2.5-flash
                  region: us-central1
                  project: My_Project/../x
                """).get(0);
        assertThat(SchemaValidator.bundled().validate(d.body())).singleElement()
                .satisfies(v -> assertThat(v.pointer()).isEqualTo("/spec/project"));
        assertThat(d.where("/spec/project")).isEqualTo("vertex.yaml:10");
    }
}
