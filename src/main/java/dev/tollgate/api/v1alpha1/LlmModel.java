package dev.tollgate.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One upstream deployment of a model. Several LlmModels with the same modelName form a load-balanced group.
 */
@Group(Api.GROUP)
@Version(Api.VERSION)
@ShortNames({"llm", "llmm"})
@AdditionalPrinterColumn(name = "Ready", jsonPath = Api.READY_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Requests", jsonPath = ".status.usage.requests", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Spend", jsonPath = ".status.usage.totalSpend", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class LlmModel extends CustomResource<LlmModelSpec, LlmModelStatus> implements Namespaced {
}
