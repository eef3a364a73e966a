package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One upstream deployment of a model. Several LlmModels with the same modelName form a load-balanced group.
 */
@Group(Api.GROUP)
@Version(Api.VERSION)
@ShortNames({"tgmodel", "tgm"})
@Categories(Api.CATEGORY)
@JsonClassDescription("One upstream deployment of a model (provider, upstream model id, endpoint, credentials, prices, "
        + "quotas) that gateways serve under its public modelName; LlmModels sharing a modelName form a load-balanced group.")
// kubectl get shows the columns in this order (CrdPolish keeps it).
@AdditionalPrinterColumn(name = "Ready", jsonPath = Api.READY_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = Api.REASON_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Model Name", jsonPath = ".spec.modelName", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Public model name clients send.")
@AdditionalPrinterColumn(name = "Provider", jsonPath = ".spec.provider", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Wire-protocol family of the upstream.")
@AdditionalPrinterColumn(name = "Health", jsonPath = ".status.health.state", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Healthy, CoolingDown or Probing, as the gateways see it.")
@AdditionalPrinterColumn(name = "Requests", jsonPath = ".status.usage.requests", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Spend", jsonPath = ".status.usage.totalSpend", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Error Rate", jsonPath = ".status.health.errorRate", type = AdditionalPrinterColumn.Type.STRING,
        priority = 1, getDescription = "Share of the last minute's upstream calls that failed.")
@AdditionalPrinterColumn(name = "Latency", jsonPath = ".status.health.latencyMillis", type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1, getDescription = "Moving average of an upstream call, milliseconds.")
@AdditionalPrinterColumn(name = "Upstream Model", jsonPath = ".spec.model", type = AdditionalPrinterColumn.Type.STRING,
        priority = 1, getDescription = "Model id at the upstream.")
@AdditionalPrinterColumn(name = "Cache Hits", jsonPath = ".status.usage.cacheHits", type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1, getDescription = "Requests answered from the gateway's response cache.")
@AdditionalPrinterColumn(name = "Cache Saved", jsonPath = ".status.usage.cacheSavedSpend", type = AdditionalPrinterColumn.Type.STRING,
        priority = 1, getDescription = "Spend the response-cache hits saved (USD).")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class LlmModel extends CustomResource<LlmModelSpec, LlmModelStatus> implements Namespaced {
}
