package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.RenderInput;
import dev.tollgate.config.RenderResult;
import dev.tollgate.config.Renderer;
import dev.tollgate.operator.Caches;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** Renders a gateway's config from the informer caches, once per reconciliation, shared by all dependents. */
final class RenderSupport {
    private static final String KEY = "tollgate.render";

    private RenderSupport() {}

    static RenderResult render(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        var shared = ctx.managedWorkflowAndDependentResourceContext();
        synchronized (shared) {
            var cached = shared.get(KEY, RenderResult.class);
            if (cached.isPresent()) {
                return cached.get();
            }
            RenderResult r = Renderer.render(new RenderInput(gw, Caches.all(ctx, LlmModel.class),
                    Caches.all(ctx, VirtualKey.class), Caches.all(ctx, Budget.class), Caches.namespaceLabels(ctx),
                    Caches.secretLookup(ctx)));
            shared.put(KEY, r);
            return r;
        }
    }
}
