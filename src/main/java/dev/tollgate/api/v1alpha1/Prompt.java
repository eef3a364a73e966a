package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Versioned prompt templates served by the gateway: clients call chat completions with {@code prompt_id}. */
@Group(Api.GROUP)
@Version(Api.VERSION)
@ShortNames({"tgprompt", "tgp"})
@Categories(Api.CATEGORY)
@JsonClassDescription("Versioned prompt templates the gateway serves: a client calls /v1/chat/completions with "
        + "prompt_id (this resource's name), optionally prompt_version or prompt_label, and prompt_variables; the "
        + "gateway renders the version's messages, appends the client's own, and applies the version's model and "
        + "parameters. Versions are immutable once published; labels (production, staging …) point at versions.")
@AdditionalPrinterColumn(name = "Ready", jsonPath = Api.READY_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = Api.REASON_JSON_PATH, type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Production", jsonPath = ".spec.labels.production", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Latest", jsonPath = ".status.latestVersion", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Prompt extends CustomResource<PromptSpec, PromptStatus> implements Namespaced {
}
