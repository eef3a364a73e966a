package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.Api;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * {@code <gw>-secrets}: key hashes and provider credentials of one gateway. It deliberately does not carry the
 * llm.tollgate.dev/secret label, so it is never read back as an input.
 */
// Not the generated key Secrets (also managed by the operator, but labelled as inputs): one per VirtualKey,
// this informer would otherwise hold another copy of each.
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR + ",!" + Api.SECRET_LABEL))
public class GatewaySecretDependent extends CRUDKubernetesDependentResource<Secret, GatewayDeployment> {
    public GatewaySecretDependent() {
        super(Secret.class);
    }

    @Override
    protected Secret desired(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        var render = RenderSupport.render(gw, ctx);
        String json = RenderSupport.packed(gw, ctx).secretsJson();
        return new SecretBuilder()
                .withNewMetadata().withName(Names.secret(gw)).withNamespace(gw.getMetadata().getNamespace())
                .withLabels(Names.gatewayLabels(gw))
                .addToAnnotations(Names.CONFIG_HASH_ANNOTATION, render.configHash()).endMetadata()
                .withType("Opaque")
                .addToData(Names.SECRETS_FILE, Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)))
                .build();
    }
}
