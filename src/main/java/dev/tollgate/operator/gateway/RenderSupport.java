package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LogSink;
import dev.tollgate.api.v1alpha1.Prompt;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.KeyShards;
import dev.tollgate.config.RenderInput;
import dev.tollgate.config.RenderResult;
import dev.tollgate.config.Renderer;
import dev.tollgate.operator.Caches;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** Renders a gateway's config from the informer caches, once per reconciliation, shared by all dependents. */
final class RenderSupport {
    private static final String KEY = "tollgate.render";
    private static final String PACKED = "tollgate.packed";
    /** Renders so far (tests: what does and does not re-render a gateway). */
    static final java.util.concurrent.atomic.AtomicLong RENDERS = new java.util.concurrent.atomic.AtomicLong();
    /**
     * Told of every render as it is made (the GatewayDeployment controller records it in RenderedGateways), before the
     * dependents write it: resources turn Ready as their gateway's render takes them, not after a 10,000-key config
     * has been written out (bench/operator: that put Ready 20 s after live).
     */
    static volatile Listener listener;

    @FunctionalInterface
    interface Listener {
        void rendered(GatewayDeployment gw, RenderResult render, java.util.Map<String, java.util.Map<String, Long>> seen);
    }

    private RenderSupport() {}

    static RenderResult render(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        var shared = ctx.managedWorkflowAndDependentResourceContext();
        synchronized (shared) {
            var cached = shared.get(KEY, RenderResult.class);
            if (cached.isPresent()) {
                return cached.get();
            }
            RENDERS.incrementAndGet();
            var models = Caches.all(ctx, LlmModel.class);
            var keys = Caches.all(ctx, VirtualKey.class);
            var budgets = Caches.all(ctx, Budget.class);
            var logSinks = Caches.all(ctx, LogSink.class);
            var prompts = Caches.all(ctx, Prompt.class);
            RenderResult r = Renderer.render(new RenderInput(gw, models, keys, budgets, Caches.namespaceLabels(ctx),
                    Caches.secretLookup(ctx), logSinks, prompts));
            shared.put(KEY, r);
            java.util.Map<String, java.util.Map<String, Long>> seen = java.util.Map.of(dev.tollgate.operator.RenderedGateways.KEY, generations(keys),
                    dev.tollgate.operator.RenderedGateways.MODEL, generations(models),
                    dev.tollgate.operator.RenderedGateways.BUDGET, generations(budgets),
                    dev.tollgate.operator.RenderedGateways.LOG_SINK, generations(logSinks),
                    dev.tollgate.operator.RenderedGateways.PROMPT, generations(prompts));
            Listener l = listener;
            if (l != null) {
                l.rendered(gw, r, seen);
            }
            return r;
        }
    }

    private static java.util.Map<String, Long> generations(java.util.List<? extends io.fabric8.kubernetes.api.model.HasMetadata> items) {
        java.util.Map<String, Long> out = new java.util.HashMap<>(items.size() * 2);
        items.forEach(r -> out.put(Renderer.id(r), r.getMetadata().getGeneration() == null ? 0L : r.getMetadata().getGeneration()));
        return out;
    }

    /** The render as stored: main documents plus key shards when the keys do not fit into one object. */
    static KeyShards.Packed packed(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        var shared = ctx.managedWorkflowAndDependentResourceContext();
        synchronized (shared) {
            var cached = shared.get(PACKED, KeyShards.Packed.class);
            if (cached.isPresent()) {
                return cached.get();
            }
            RenderResult r = render(gw, ctx);
            var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
            KeyShards.Packed p = KeyShards.pack(r.config(), r.secrets(), existingShards(gw, ctx),
                    config.getOptionalValue("tollgate.operator.key-shard-inline-max-bytes", Integer.class)
                            .orElse(KeyShards.INLINE_MAX_BYTES),
                    config.getOptionalValue("tollgate.operator.key-shard-target-bytes", Integer.class)
                            .orElse(KeyShards.SHARD_TARGET_BYTES));
            shared.put(PACKED, p);
            return p;
        }
    }

    /** How many key shards this gateway has now (highest index + 1): the count never shrinks below it. */
    static int existingShards(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        String prefix = Names.keyShard(gw, 0).replaceFirst("0$", "");
        return ctx.getSecondaryResourcesAsStream(ConfigMap.class)
                .filter(cm -> cm.getMetadata().getLabels() != null
                        && cm.getMetadata().getLabels().containsKey(Names.KEY_SHARD_LABEL)
                        && cm.getMetadata().getName().startsWith(prefix))
                .mapToInt(cm -> {
                    try {
                        return Integer.parseInt(cm.getMetadata().getName().substring(prefix.length())) + 1;
                    } catch (NumberFormatException e) {
                        return 0;
                    }
                }).max().orElse(0);
    }
}
