package dev.tollgate.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * An API key for the gateway. The operator generates the key into a Secret in this namespace (created once,
 * never regenerated), or uses an existing Secret. Only a SHA-256 hash of the key reaches the gateway.
 */
@Group(Api.GROUP)
@Version(Api.VERSION)
@ShortNames({"vk", "vkey"})
@AdditionalPrinterColumn(name = "Ready", jsonPath = Api.READY_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Spend", jsonPath = ".status.usage.totalSpend", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "RPM", jsonPath = ".status.usage.rpm", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class VirtualKey extends CustomResource<VirtualKeySpec, VirtualKeyStatus> implements Namespaced {
}
