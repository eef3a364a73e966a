package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A gateway: pods serving the LLM API for a selection of LlmModels, VirtualKeys and Budgets.
 *
 * <p>Its name is also the name of its Service and the stem of its other objects' names ({@code <name>-config},
 * {@code <name>-keys-<i>}, {@code <name>-gateway} …), so the API server refuses names that would make any of them
 * invalid: the rules below, on top of the DNS subdomain that every name already is, make it a DNS-1035 label
 * short enough for the longest suffix. They read {@code self.metadata.name}, which only a rule on the root of the
 * schema may do (hence on this class, not on the spec).
 */
@Group(Api.GROUP)
@Version(Api.VERSION)
@ShortNames({"tggateway", "tggw"})
@Categories(Api.CATEGORY)
@JsonClassDescription("A Tollgate gateway: the operator runs its pods (a Deployment, and a Service of the same name) that serve the "
        + "OpenAI- and Anthropic-compatible LLM API for the LlmModels, VirtualKeys and Budgets it selects, and "
        + "meters their usage.")
// kubectl get shows the columns in this order (CrdPolish keeps it).
@AdditionalPrinterColumn(name = "Ready", jsonPath = Api.READY_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = Api.REASON_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Replicas", jsonPath = ".spec.replicas", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "Gateway pods wanted.")
@AdditionalPrinterColumn(name = "Available", jsonPath = ".status.readyReplicas", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "Gateway pods that are ready.")
@AdditionalPrinterColumn(name = "Models", jsonPath = ".status.models", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "LlmModels in the rendered configuration.")
@AdditionalPrinterColumn(name = "Keys", jsonPath = ".status.keys", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "VirtualKeys in the rendered configuration.")
@AdditionalPrinterColumn(name = "Endpoint", jsonPath = ".status.endpoint", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "In-cluster base URL of the gateway's OpenAI-compatible API.")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "!self.metadata.name.contains('.')",
        message = "metadata.name must not contain '.': it is also the name of the gateway's Service, a DNS label "
                + "(write team-gateway rather than team.gateway)")
@ValidationRule(value = "self.metadata.name.matches('^[a-z]')",
        message = "metadata.name must start with a lower-case letter: it is also the name of the gateway's Service, "
                + "a DNS label (write gw-1 rather than 1-gw)")
@ValidationRule(value = "self.metadata.name.size() <= " + Api.GATEWAY_NAME_MAX_LENGTH,
        message = "metadata.name must be at most " + Api.GATEWAY_NAME_MAX_LENGTH + " characters: the gateway's "
                + "Services are named <name> and <name>-metrics, and a Service name has at most 63")
public class GatewayDeployment extends CustomResource<GatewayDeploymentSpec, GatewayDeploymentStatus> implements Namespaced {
}
