package dev.tollgate.config;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Reads Secrets for the renderer: from an informer cache (operator) or from manifests (standalone). */
@FunctionalInterface
public interface SecretLookup {
    Optional<Secret> find(String namespace, String name);

    /** The value of one key, decoded (data is base64, stringData plain; stringData wins as in Kubernetes). */
    default Optional<String> value(String namespace, String name, String key) {
        return find(namespace, name).map(SecretLookup::decoded).map(d -> d.get(key));
    }

    static Map<String, String> decoded(Secret secret) {
        Map<String, String> out = new HashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> {
                if (v != null) {
                    out.put(k, new String(Base64.getDecoder().decode(v.trim()), StandardCharsets.UTF_8));
                }
            });
        }
        if (secret.getStringData() != null) {
            out.putAll(secret.getStringData());
        }
        return out;
    }
}
