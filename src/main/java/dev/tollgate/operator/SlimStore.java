package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.VirtualKey;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.function.UnaryOperator;

/**
 * An informer store that keeps only what the operator reads of each object. Informers hold every object they
 * watch for the life of the process, so at 10,000 VirtualKeys (and as many key Secrets) what a cached copy
 * carries is multiplied by the number of informers over that kind. Objects are trimmed in place as they enter
 * the store (each informer deserializes its own copies, so nothing else sees the change).
 *
 * <p>Always dropped: {@code metadata.managedFields} (never read; the API server adds an entry per field manager
 * to every object) and kubectl's last-applied-configuration annotation (a second copy of the object, and of a
 * Secret's data in clear text).
 */
public class SlimStore<R extends HasMetadata> extends BasicItemStore<R> {
    static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    private final UnaryOperator<R> trim;

    public SlimStore() {
        this(r -> r);
    }

    public SlimStore(UnaryOperator<R> trim) {
        super(Cache::metaNamespaceKeyFunc);
        this.trim = trim;
    }

    @Override
    public R put(String key, R obj) {
        return super.put(key, trim.apply(slimMetadata(obj)));
    }

    static <R extends HasMetadata> R slimMetadata(R r) {
        ObjectMeta m = r.getMetadata();
        if (m != null) {
            m.setManagedFields(null);
            if (m.getAnnotations() != null && m.getAnnotations().containsKey(LAST_APPLIED)) {
                var annotations = new java.util.LinkedHashMap<>(m.getAnnotations());
                annotations.remove(LAST_APPLIED);
                m.setAnnotations(annotations);
            }
        }
        return r;
    }

    /** VirtualKeys as read by controllers that use their spec and labels only (gateway render, Budget). */
    public static SlimStore<VirtualKey> withoutStatus() {
        return new SlimStore<>(vk -> {
            vk.setStatus(null);
            return vk;
        });
    }

    /**
     * Generated key Secrets as the key-secret dependent needs them: it only creates a missing Secret (never
     * updates one), so it reads whether the Secret exists, not its key.
     */
    public static class ExistenceOnly extends SlimStore<Secret> {
        public ExistenceOnly() {
            super(s -> {
                s.setData(null);
                s.setStringData(null);
                return s;
            });
        }
    }
}
