package dev.tollgate.operator.usage;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An informer over the operator's watch scope, read as one: a single informer over all namespaces, or one per
 * watched namespace (a Fabric8 informer watches one namespace or all of them), so nothing outside the scope is ever
 * listed, watched or cached.
 */
final class ScopedInformer<T extends HasMetadata> {
    private final List<SharedIndexInformer<T>> informers;

    private ScopedInformer(List<SharedIndexInformer<T>> informers) {
        this.informers = informers;
    }

    /**
     * Opens the informers: {@code anyNamespace} when {@code namespaces} is empty (cluster-wide), else
     * {@code inNamespace} for each.
     */
    static <T extends HasMetadata> ScopedInformer<T> open(Set<String> namespaces,
            Function<String, SharedIndexInformer<T>> inNamespace, Supplier<SharedIndexInformer<T>> anyNamespace) {
        return new ScopedInformer<>(namespaces.isEmpty() ? List.of(anyNamespace.get())
                : namespaces.stream().sorted().map(inNamespace).toList());
    }

    List<T> list() {
        return informers.size() == 1 ? informers.get(0).getStore().list()
                : informers.stream().flatMap(i -> i.getStore().list().stream()).toList();
    }

    /** The object {@code namespace/name}, or null. */
    T get(String namespace, String name) {
        return informers.stream().map(i -> i.getStore().getByKey(namespace + "/" + name)).filter(Objects::nonNull)
                .findFirst().orElse(null);
    }

    boolean hasSynced() {
        return informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    void close() {
        informers.forEach(SharedIndexInformer::close);
    }
}
