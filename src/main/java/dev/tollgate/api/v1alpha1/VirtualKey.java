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
 * An API key for the gateway. The operator generates the key into a Secret in this namespace (created once,
 * never regenerated), or uses an existing Secret. Only a SHA-256 hash of the key reaches the gateway.
 *
 * <p>The generated key's Secret is {@code <name>-key} unless {@code spec.secretName} says otherwise, so the name
 * must leave room for the suffix (a rule on the root of the schema, the only place that may read
 * {@code self.metadata.name}). The name also labels that Secret ({@code app.kubernetes.io/instance}), where a
 * name longer than a label value may be is shortened by {@code Names.labelValue}, not refused.
 */
@Group(Api.GROUP)
@Version(Api.VERSION)
@ShortNames({"tgkey", "tgk"})
@Categories(Api.CATEGORY)
@JsonClassDescription("An API key for Tollgate gateways, with the models it may call, its rate limits, budgets and "
        + "expiry; the operator generates the key into a Secret in this namespace once (or uses an existing Secret), "
        + "and only a hash of it reaches the gateway.")
// kubectl get shows the columns in this order (CrdPolish keeps it).
@AdditionalPrinterColumn(name = "Ready", jsonPath = Api.READY_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = Api.REASON_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Spend", jsonPath = ".status.usage.totalSpend", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Budget Left", jsonPath = ".status.budgetRemaining", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "What is left of the tightest Budget binding this key this period (USD).")
@AdditionalPrinterColumn(name = "RPM", jsonPath = ".status.usage.rpm", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Prefix", jsonPath = ".status.keyPrefix", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The first characters of the key, to recognise it.")
@AdditionalPrinterColumn(name = "Secret", jsonPath = ".status.secretName", type = AdditionalPrinterColumn.Type.STRING,
        priority = 1, getDescription = "Secret (in this namespace) holding the key.")
@AdditionalPrinterColumn(name = "Cache Hits", jsonPath = ".status.usage.cacheHits", type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1, getDescription = "Requests answered from the gateway's response cache.")
@AdditionalPrinterColumn(name = "Cache Saved", jsonPath = ".status.usage.cacheSavedSpend", type = AdditionalPrinterColumn.Type.STRING,
        priority = 1, getDescription = "Spend the response-cache hits saved (USD).")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "self.metadata.name.size() <= " + Api.VIRTUAL_KEY_NAME_MAX_LENGTH
        + " || (has(self.spec) && (has(self.spec.secretName) || has(self.spec.existingSecret)))",
        message = "metadata.name must be at most " + Api.VIRTUAL_KEY_NAME_MAX_LENGTH + " characters when Tollgate "
                + "generates the key: it goes into the Secret <name>-key, and a Secret name has at most 253; "
                + "shorten the name or set spec.secretName")
public class VirtualKey extends CustomResource<VirtualKeySpec, VirtualKeyStatus> implements Namespaced {
}
