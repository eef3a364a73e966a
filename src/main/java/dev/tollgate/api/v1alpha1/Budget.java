package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A spend limit per period over a set of VirtualKeys in its namespace. */
@Group(Api.GROUP)
@Version(Api.VERSION)
@ShortNames({"tgbudget", "tgb"})
@Categories(Api.CATEGORY)
@JsonClassDescription("A spend limit in USD per period (daily, weekly, monthly or rolling) over a set of VirtualKeys "
        + "in its namespace: once the period's spend reaches it, gateways refuse the keys' requests until it resets.")
// kubectl get shows the columns in this order (CrdPolish keeps it).
@AdditionalPrinterColumn(name = "Ready", jsonPath = Api.READY_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = Api.REASON_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Spend", jsonPath = ".status.spend", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Spend in the current period (USD).")
@AdditionalPrinterColumn(name = "Limit", jsonPath = ".spec.limit", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Spend limit per period (USD).")
@AdditionalPrinterColumn(name = "Remaining", jsonPath = ".status.remaining", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Limit minus spend in the current period (USD).")
@AdditionalPrinterColumn(name = "Period", jsonPath = ".spec.period", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Resets At", jsonPath = ".status.resetsAt", type = AdditionalPrinterColumn.Type.STRING,
        priority = 1, getDescription = "When the current period ends and spend resets.")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Budget extends CustomResource<BudgetSpec, BudgetStatus> implements Namespaced {
}
