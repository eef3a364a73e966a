package dev.tollgate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.config.Problem;
import dev.tollgate.config.RenderInput;
import dev.tollgate.config.RenderResult;
import dev.tollgate.config.Renderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A one-file standalone folder of a GatewayDeployment and LlmModels, read as StandaloneRunner.load reads one (schema
 * check, strict binding, namespace and creation defaults) and rendered, with each problem's file and line.
 */
record RenderedFolder(RenderResult result, Map<String, Manifests.Document> documents) {
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Where a problem or warning points, as standalone prints it: {@code <file>:<line>: <message>}. */
    String where(Problem p) {
        return StandaloneRunner.where(p, documents.get(p.kind() + "/" + p.id())) + ": " + p.message();
    }

    /** Reads {@code yaml} as the file {@code fileName} (every document must pass the schema) and renders it. */
    static RenderedFolder load(String fileName, String yaml) throws Exception {
        List<LlmModel> models = new ArrayList<>();
        GatewayDeployment gw = null;
        Map<String, Manifests.Document> documents = new HashMap<>();
        for (Manifests.Document d : Manifests.read(Path.of(fileName), yaml)) {
            assertThat(SchemaValidator.bundled().validate(d.body())).as(d.where("")).isEmpty();
            Class<? extends HasMetadata> type = d.kind().equals("LlmModel") ? LlmModel.class : GatewayDeployment.class;
            HasMetadata o = STRICT.treeToValue(d.body(), type);
            o.getMetadata().setNamespace("default");
            o.getMetadata().setCreationTimestamp("1970-01-01T00:00:00Z");
            documents.put(d.kind() + "/" + Renderer.id(o), d);
            if (o instanceof LlmModel m) {
                models.add(m);
            } else {
                gw = (GatewayDeployment) o;
            }
        }
        return new RenderedFolder(Renderer.render(new RenderInput(gw, models, List.of(), List.of(), ns -> Map.of(),
                (ns, name) -> Optional.empty())), documents);
    }
}
