package dev.tollgate.operator.gateway;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.config.KeyShards;
import dev.tollgate.operator.Names;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.BulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What the two key-shard dependents ({@code <gw>-keys-<i>}, a ConfigMap and a Secret per shard, see
 * {@link KeyShards}) share: one object per shard with the shard's labels and content hash, created and updated but
 * never deleted by the operator (not a Deleter: the shard count never shrinks; they go with the
 * GatewayDeployment through their owner reference), and found in the informer's cache by name.
 */
abstract class GatewayKeyShardDependent<R extends HasMetadata> extends KubernetesDependentResource<R, GatewayDeployment>
        implements Creator<R, GatewayDeployment>, Updater<R, GatewayDeployment>,
        BulkDependentResource<R, GatewayDeployment, ResourceID> {

    GatewayKeyShardDependent(Class<R> type) {
        super(type);
    }

    /** The shard's object, with {@code meta} as its metadata. */
    protected abstract R shard(ObjectMeta meta, KeyShards.Shard shard);

    @Override
    protected boolean addOwnerReference() {
        return true;
    }

    @Override
    public Map<ResourceID, R> desiredResources(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        Map<ResourceID, R> out = new TreeMap<>(Comparator.comparing(ResourceID::getName));
        for (KeyShards.Shard s : RenderSupport.packed(gw, ctx).shards()) {
            String name = Names.keyShard(gw, s.index());
            Map<String, String> labels = new TreeMap<>(Names.gatewayLabels(gw));
            labels.put(Names.KEY_SHARD_LABEL, Integer.toString(s.index()));
            ObjectMeta meta = new ObjectMetaBuilder().withName(name).withNamespace(gw.getMetadata().getNamespace())
                    .withLabels(labels).addToAnnotations(Names.CONFIG_HASH_ANNOTATION, s.hash()).build();
            out.put(new ResourceID(name, gw.getMetadata().getNamespace()), shard(meta, s));
        }
        return out;
    }

    @Override
    public Map<ResourceID, R> getSecondaryResources(GatewayDeployment gw, Context<GatewayDeployment> ctx) {
        // From this informer, by name: the shards are found whether or not JOSDK indexes them by owner (it would
        // look them up by the primary's own name otherwise). The informer's store lags behind the operator's own
        // writes (by minutes at 10,000 keys, when every key's status patch is also a watch event): a shard created
        // or updated by the previous reconcile can be missing or stale there. get() sees JOSDK's cache of those
        // writes first, so shard i, for i = 0 up to the first one nobody has, is taken from it: without that, the
        // next reconcile created the shard again (409 AlreadyExists) until its retries ran out and the gateway
        // was left with a failed status that only a restart rewrote.
        var es = eventSource().orElseThrow();
        String ns = gw.getMetadata().getNamespace();
        String prefix = Names.keyShard(gw, 0).replaceFirst("0$", "");
        Map<ResourceID, R> out = es.list(ns, r -> r.getMetadata().getName().startsWith(prefix)
                        && r.getMetadata().getLabels() != null && r.getMetadata().getLabels().containsKey(Names.KEY_SHARD_LABEL))
                .collect(Collectors.toMap(ResourceID::fromResource, r -> r, (a, b) -> a));
        for (int i = 0; ; i++) {
            ResourceID id = new ResourceID(Names.keyShard(gw, i), ns);
            var latest = es.get(id);
            if (latest.isEmpty()) {
                if (!out.containsKey(id)) {
                    break; // shards are numbered 0..count-1 and never deleted
                }
                continue;
            }
            out.put(id, latest.get());
        }
        return out;
    }
}
