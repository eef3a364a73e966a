package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.Api;
import dev.tollgate.config.SecretLookup;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The informers the controllers read other resources through (never a client list inside reconcile()), and
 * the lookups built on them.
 */
public final class Caches {
    /** Name of the informer over Secrets Tollgate may read (label llm.tollgate.dev/secret). */
    public static final String INPUT_SECRETS = "input-secrets";

    private Caches() {}

    /**
     * An informer on another kind whose every change of spec or labels re-triggers every primary (fine for a
     * handful of primaries). For readers of that kind's spec and labels only, never its status: status-only
     * updates do not trigger (see {@link #specOrLabelsChanged()}).
     */
    public static <R extends HasMetadata, P extends HasMetadata> InformerEventSource<R, P> mappedToAll(
            Class<R> type, EventSourceContext<P> ctx) {
        SecondaryToPrimaryMapper<R> all = r -> ctx.getPrimaryCache().list().map(ResourceID::fromResource).collect(Collectors.toSet());
        var config = InformerEventSourceConfiguration.from(type, ctx.getPrimaryResourceClass())
                .withSecondaryToPrimaryMapper(all).withOnUpdateFilter(specOrLabelsChanged()).withItemStore(store(type));
        return new InformerEventSource<>(clusterScoped(type) ? config.withWatchAllNamespaces().build() : config.build(), ctx);
    }

    /**
     * Whether a kind has no namespace (Namespace). An informer follows its controller's watch scope
     * (quarkus.operator-sdk.namespaces) by default; a cluster-scoped kind must not: with two namespaces in scope
     * JOSDK opened two informers that each watched every Namespace, filed under those two namespaces, and a lookup
     * by name (no namespace) found neither, so every namespace selector matched nothing.
     */
    static boolean clusterScoped(Class<? extends HasMetadata> type) {
        return !io.fabric8.kubernetes.api.model.Namespaced.class.isAssignableFrom(type);
    }

    /** An informer on another kind mapped to primaries by {@code mapper}; every update triggers (status too). */
    public static <R extends HasMetadata, P extends HasMetadata> InformerEventSource<R, P> mapped(
            Class<R> type, EventSourceContext<P> ctx, SecondaryToPrimaryMapper<R> mapper) {
        return mapped(type, ctx, mapper, (n, o) -> true);
    }

    public static <R extends HasMetadata, P extends HasMetadata> InformerEventSource<R, P> mapped(
            Class<R> type, EventSourceContext<P> ctx, SecondaryToPrimaryMapper<R> mapper, OnUpdateFilter<R> onUpdate) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(type, ctx.getPrimaryResourceClass())
                .withSecondaryToPrimaryMapper(mapper).withOnUpdateFilter(onUpdate).withItemStore(store(type)).build(), ctx);
    }

    /**
     * Updates that change what a reader of spec and labels sees: a new generation (the API server bumps it on
     * every spec change of a resource with a status subresource, as all of ours have) or other labels. A status
     * patch is neither, so it does not trigger: at 10,000 keys every VirtualKey's status patch used to re-render
     * the gateway (and every Budget's or gateway's usage update re-checked every model or gateway). Kinds without
     * a generation (Namespace) compare labels only. Adds and deletes always trigger; the cache is updated either way.
     */
    public static <R extends HasMetadata> OnUpdateFilter<R> specOrLabelsChanged() {
        return (n, o) -> !java.util.Objects.equals(n.getMetadata().getGeneration(), o.getMetadata().getGeneration())
                || !labels(n).equals(labels(o));
    }

    private static Map<String, String> labels(HasMetadata r) {
        return r.getMetadata().getLabels() == null ? Map.of() : r.getMetadata().getLabels();
    }

    /**
     * The store of an informer on another kind: trimmed (see {@link SlimStore}). No controller reads the status
     * of a VirtualKey it does not own (gateways render from spec and labels, Budgets count by them), and with
     * usage figures and conditions the status is most of a VirtualKey.
     */
    @SuppressWarnings("unchecked")
    static <R extends HasMetadata> io.fabric8.kubernetes.client.informers.cache.ItemStore<R> store(Class<R> type) {
        if (type == dev.tollgate.api.v1alpha1.Prompt.class) { // the render reads the spec; the status holds usage
            return (io.fabric8.kubernetes.client.informers.cache.ItemStore<R>) (Object) new SlimStore<dev.tollgate.api.v1alpha1.Prompt>(p -> {
                p.setStatus(null);
                return p;
            });
        }
        return type == dev.tollgate.api.v1alpha1.VirtualKey.class
                ? (io.fabric8.kubernetes.client.informers.cache.ItemStore<R>) (Object) SlimStore.withoutStatus()
                : new SlimStore<>();
    }

    /**
     * An informer on GatewayDeployments for controllers whose Ready reads the gateways' renders
     * ({@link RenderedGateways}): its cache says which gateways exist, and only a deletion triggers, mapped to the
     * resources the deleted gateway's last render had a verdict on (renders themselves tell the registry's listeners).
     */
    public static <P extends HasMetadata> InformerEventSource<dev.tollgate.api.v1alpha1.GatewayDeployment, P> gateways(
            EventSourceContext<P> ctx, RenderedGateways rendered, String kind) {
        return new InformerEventSource<>(InformerEventSourceConfiguration
                .from(dev.tollgate.api.v1alpha1.GatewayDeployment.class, ctx.getPrimaryResourceClass())
                .withSecondaryToPrimaryMapper(gw -> rendered == null ? Set.of()
                        : rendered.concerned(gw.getMetadata().getNamespace() + "/" + gw.getMetadata().getName(), kind))
                .withOnAddFilter(gw -> false).withOnUpdateFilter((n, o) -> false).withItemStore(new SlimStore<>())
                .build(), ctx);
    }

    /** namespace/name of every GatewayDeployment in the controller's GatewayDeployment informer. */
    public static <P extends HasMetadata> java.util.List<String> gatewayIds(Context<P> ctx) {
        return all(ctx, dev.tollgate.api.v1alpha1.GatewayDeployment.class).stream()
                .map(gw -> gw.getMetadata().getNamespace() + "/" + gw.getMetadata().getName()).toList();
    }

    /** The informer over labelled Secrets, mapped to primaries by {@code mapper}. */
    public static <P extends HasMetadata> InformerEventSource<Secret, P> inputSecrets(EventSourceContext<P> ctx,
            SecondaryToPrimaryMapper<Secret> mapper) {
        return inputSecrets(ctx, Api.SECRET_LABEL, mapper);
    }

    /**
     * Like {@link #inputSecrets(EventSourceContext, SecondaryToPrimaryMapper)}, without the key Secrets the
     * operator generates: for controllers that read provider credentials only (LlmModel), so that they do not
     * cache one Secret per VirtualKey.
     */
    public static <P extends HasMetadata> InformerEventSource<Secret, P> credentialSecrets(EventSourceContext<P> ctx,
            SecondaryToPrimaryMapper<Secret> mapper) {
        return inputSecrets(ctx, Api.SECRET_LABEL + "," + Names.MANAGED_BY + "!=" + Names.OPERATOR, mapper);
    }

    private static <P extends HasMetadata> InformerEventSource<Secret, P> inputSecrets(EventSourceContext<P> ctx,
            String labelSelector, SecondaryToPrimaryMapper<Secret> mapper) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(Secret.class, ctx.getPrimaryResourceClass())
                .withName(INPUT_SECRETS).withLabelSelector(labelSelector).withItemStore(new SlimStore<>())
                .withSecondaryToPrimaryMapper(mapper).build(), ctx);
    }

    /** Primaries in the Secret's namespace whose {@code secretNames} include it. */
    public static <P extends HasMetadata> Set<ResourceID> referencing(Secret s, EventSourceContext<P> ctx,
            Function<P, java.util.Collection<String>> secretNames) {
        String ns = s.getMetadata().getNamespace();
        String name = s.getMetadata().getName();
        return ctx.getPrimaryCache().list(p -> ns.equals(p.getMetadata().getNamespace()) && secretNames.apply(p).contains(name))
                .map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    @SuppressWarnings("unchecked")
    public static <P extends HasMetadata> SecretLookup secretLookup(Context<P> ctx) {
        InformerEventSource<Secret, P> es = (InformerEventSource<Secret, P>) ctx.eventSourceRetriever()
                .getEventSourceFor(Secret.class, INPUT_SECRETS);
        return (ns, name) -> es.get(new ResourceID(name, ns));
    }

    public static <P extends HasMetadata> Function<String, Map<String, String>> namespaceLabels(Context<P> ctx) {
        @SuppressWarnings("unchecked")
        InformerEventSource<Namespace, P> es = (InformerEventSource<Namespace, P>) ctx.eventSourceRetriever()
                .getEventSourceFor(Namespace.class);
        return ns -> es.get(new ResourceID(ns)).map(n -> n.getMetadata().getLabels())
                .map(l -> (Map<String, String>) l).orElse(Map.of());
    }

    public static <R extends HasMetadata, P extends HasMetadata> java.util.List<R> all(Context<P> ctx, Class<R> type) {
        @SuppressWarnings("unchecked")
        InformerEventSource<R, P> es = (InformerEventSource<R, P>) ctx.eventSourceRetriever().getEventSourceFor(type);
        return es.list().toList();
    }
}
