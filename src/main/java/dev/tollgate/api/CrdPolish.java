package dev.tollgate.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LogSink;
import dev.tollgate.api.v1alpha1.Prompt;
import dev.tollgate.api.v1alpha1.VirtualKey;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What Fabric8's CRD generator has no annotation for, added to the CRDs it generates (named by
 * {@code quarkus.operator-sdk.crd.post-processor}, so it runs at build time only and target/kubernetes is exactly
 * what crds/ commits):
 * <ul>
 *   <li>the kind's description ({@code @JsonClassDescription} on the kind class) as the schema's top-level
 *       description, which {@code kubectl explain <kind>} prints;</li>
 *   <li>printer columns in the order the kind class declares its {@code @AdditionalPrinterColumn}s (the generator
 *       sorts them by JSON path; {@code kubectl get} shows them in list order, so the most useful go first);</li>
 *   <li>every {@code conditions} list as {@code x-kubernetes-list-type: map} keyed by {@code type}, as
 *       {@code metav1.Condition} lists are (one entry per type; {@code type} is required in Condition);</li>
 *   <li>a Prompt's {@code spec.versions} as {@code x-kubernetes-list-type: map} keyed by {@code version}, so that the
 *       API server correlates each version with its stored self and the transition rule on a version
 *       ({@code self == oldSelf}: published versions are immutable) runs per version, at the cost of one version.</li>
 * </ul>
 * Everything else (enums, formats, categories, short names) comes from annotations on the API classes.
 */
public class CrdPolish implements CRDPostProcessor {
    private static final Map<String, Class<?>> KINDS = Map.of(
            "LlmModel", LlmModel.class, "VirtualKey", VirtualKey.class,
            "Budget", Budget.class, "GatewayDeployment", GatewayDeployment.class, "LogSink", LogSink.class,
            "Prompt", Prompt.class);

    @Override
    public HasMetadata process(HasMetadata resource, String crdSpecVersion) {
        if (!(resource instanceof CustomResourceDefinition crd)) {
            return resource;
        }
        Class<?> kind = KINDS.get(crd.getSpec().getNames().getKind());
        if (kind == null) {
            return resource;
        }
        for (CustomResourceDefinitionVersion v : crd.getSpec().getVersions()) {
            JSONSchemaProps root = v.getSchema().getOpenAPIV3Schema();
            JsonClassDescription d = kind.getAnnotation(JsonClassDescription.class);
            if (d != null) {
                root.setDescription(d.value());
            }
            conditionsAsMaps(root);
            if (kind == Prompt.class) {
                JSONSchemaProps versions = root.getProperties().get("spec").getProperties().get("versions");
                versions.setXKubernetesListType("map");
                versions.setXKubernetesListMapKeys(List.of("version"));
            }
            v.setAdditionalPrinterColumns(ordered(v.getAdditionalPrinterColumns(), kind));
        }
        return crd;
    }

    /**
     * Columns in the order of the kind's {@code @AdditionalPrinterColumn}s; any other column (a field's
     * {@code @PrinterColumn}) after them, keeping the generator's order, but before Age, which stays last.
     */
    static List<CustomResourceColumnDefinition> ordered(List<CustomResourceColumnDefinition> columns, Class<?> kind) {
        List<String> declared = new ArrayList<>();
        for (AdditionalPrinterColumn c : kind.getAnnotationsByType(AdditionalPrinterColumn.class)) {
            if (!c.name().equals("Age")) {
                declared.add(c.name());
            }
        }
        List<CustomResourceColumnDefinition> out = new ArrayList<>(columns);
        out.sort(Comparator.comparingInt(c -> c.getName().equals("Age") ? Integer.MAX_VALUE
                : declared.contains(c.getName()) ? declared.indexOf(c.getName()) : declared.size()));
        return out;
    }

    private static void conditionsAsMaps(JSONSchemaProps schema) {
        if (schema == null) {
            return;
        }
        if (schema.getProperties() != null) {
            for (Map.Entry<String, JSONSchemaProps> e : schema.getProperties().entrySet()) {
                JSONSchemaProps p = e.getValue();
                if (e.getKey().equals("conditions") && "array".equals(p.getType()) && p.getItems() != null
                        && p.getItems().getSchema() != null && p.getItems().getSchema().getProperties() != null
                        && p.getItems().getSchema().getProperties().containsKey("type")) {
                    if (p.getItems().getSchema().getRequired() == null
                            || !p.getItems().getSchema().getRequired().contains("type")) {
                        throw new IllegalStateException("a conditions list keyed by type needs type required in its "
                                + "items (@Required on Condition.type)");
                    }
                    p.setXKubernetesListType("map");
                    p.setXKubernetesListMapKeys(List.of("type"));
                }
                conditionsAsMaps(p);
            }
        }
        if (schema.getItems() != null) {
            conditionsAsMaps(schema.getItems().getSchema());
        }
    }
}
