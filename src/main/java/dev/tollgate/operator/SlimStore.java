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
 * Secret's data in clear text). Metadata strings (names, uids, labels, owner references) are interned, so the
 * copies several informers hold of one object share them.
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
            if (m.getAnnotations() != null) {
                var annotations = new java.util.LinkedHashMap<String, String>();
                m.getAnnotations().forEach((k, v) -> {
                    if (!LAST_APPLIED.equals(k)) {
                        annotations.put(k.intern(), v);
                    }
                });
                m.setAnnotations(annotations);
            }
            // The same names, uids, label keys and values arrive in every informer's own copy of an object (and
            // in the owner references of the Secrets generated for it): keep one String of each.
            m.setName(intern(m.getName()));
            m.setNamespace(intern(m.getNamespace()));
            m.setUid(intern(m.getUid()));
            m.setResourceVersion(intern(m.getResourceVersion()));
            m.setCreationTimestamp(intern(m.getCreationTimestamp()));
            if (m.getLabels() != null) {
                var labels = new java.util.LinkedHashMap<String, String>();
                m.getLabels().forEach((k, v) -> labels.put(k.intern(), intern(v)));
                m.setLabels(labels);
            }
            if (m.getOwnerReferences() != null) {
                m.getOwnerReferences().forEach(o -> {
                    o.setApiVersion(intern(o.getApiVersion()));
                    o.setKind(intern(o.getKind()));
                    o.setName(intern(o.getName()));
                    o.setUid(intern(o.getUid()));
                });
            }
        }
        return r;
    }

    private static String intern(String s) {
        return s == null ? null : s.intern();
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
