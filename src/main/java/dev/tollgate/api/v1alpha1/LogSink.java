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

/** A team's logging callback: every call made with a VirtualKey of its namespace is sent to it. */
@Group(Api.GROUP)
@Version(Api.VERSION)
@ShortNames({"tglogsink", "tgls"})
@Categories(Api.CATEGORY)
@JsonClassDescription("A logging callback of a team (Langfuse, Lunary, Helicone, PromptLayer, Traceloop or a webhook): "
        + "every gateway serving keys of this namespace sends it the calls made with those keys, and only those. "
        + "Credentials come from Secrets in this namespace. Ready says whether a gateway sends to it (status.gateways).")
@AdditionalPrinterColumn(name = "Ready", jsonPath = Api.READY_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = Api.REASON_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Type", jsonPath = ".spec.type", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "!has(self.spec) || !has(self.spec.name)",
        message = "a LogSink is named by its metadata.name: leave spec.name out (it names sinks on a GatewayDeployment)")
public class LogSink extends CustomResource<SinkSpec, LogSinkStatus> implements Namespaced {
}
