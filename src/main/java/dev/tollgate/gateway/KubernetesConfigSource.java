package dev.tollgate.gateway;

import dev.tollgate.config.ConfigCodec;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.config.KeyShards;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Gateway mode: watches this gateway's ConfigMap ({@code <gw>-config}) and Secret ({@code <gw>-secrets}) through
 * the Kubernetes API, so a re-render applies within a second or two with no restart; requests in flight keep
 * the snapshot they started with. When the API cannot be reached at start, the files the Deployment mounts are
 * read instead (and re-read every 10 s) while the watch keeps retrying. A document that fails to parse is
 * logged and the last good config keeps serving.
 *
 * <p>A gateway with many keys has them in key shards ({@link KeyShards}): the ConfigMap's config names each
 * shard's hash, and the pod reads the shards {@code <gw>-keys-<i>} by name (mounted: {@code keys-<i>.json})
 * whenever the config names a hash it does not have yet, and serves only a complete, matching set.
 */
@ApplicationScoped
public class KubernetesConfigSource {
    private static final Logger LOG = Logger.getLogger(KubernetesConfigSource.class);

    private final ConfigHolder holder;
    private final KubernetesClient client;
    private final Vertx vertx;
    private final String mode;
    private final String name;
    private final String namespace;
    private final Path configDir;
    private final Path secretsDir;
    private volatile String configJson;
    private volatile String secretsJson;
    private SharedIndexInformer<ConfigMap> cmInformer;
    private SharedIndexInformer<Secret> secretInformer;

    public KubernetesConfigSource(ConfigHolder holder, KubernetesClient client, Vertx vertx,
            @ConfigProperty(name = "tollgate.mode", defaultValue = "standalone") String mode,
            @ConfigProperty(name = "tollgate.gateway.name") java.util.Optional<String> name,
            @ConfigProperty(name = "tollgate.gateway.namespace") java.util.Optional<String> namespace,
            @ConfigProperty(name = "tollgate.gateway.config-dir", defaultValue = "/etc/tollgate/config") String configDir,
            @ConfigProperty(name = "tollgate.gateway.secrets-dir", defaultValue = "/etc/tollgate/secrets") String secretsDir) {
        this.holder = holder;
        this.client = client;
        this.vertx = vertx;
        this.mode = mode;
        this.name = name.orElse(null);
        this.namespace = namespace.orElse(null);
        this.configDir = Path.of(configDir);
        this.secretsDir = Path.of(secretsDir);
    }

    void onStart(@Observes StartupEvent event) {
        if (!"gateway".equalsIgnoreCase(mode)) {
            return;
        }
        if (name == null || namespace == null) {
            LOG.error("gateway mode needs TOLLGATE_GATEWAY_NAME and TOLLGATE_GATEWAY_NAMESPACE (the operator sets "
                    + "both); reading the mounted files only");
            readFiles();
            vertx.setPeriodic(10_000, id -> vertx.executeBlocking(() -> {
                readFiles();
                return null;
            }, false));
            return;
        }
        cmInformer = client.configMaps().inNamespace(namespace).withName(name + "-config").runnableInformer(0);
        cmInformer.addEventHandler(handler(cm -> {
            configJson = cm.getData() == null ? null : cm.getData().get("config.json");
            apply("ConfigMap " + namespace + "/" + name + "-config");
        }));
        secretInformer = client.secrets().inNamespace(namespace).withName(name + "-secrets").runnableInformer(0);
        secretInformer.addEventHandler(handler(s -> {
            String b64 = s.getData() == null ? null : s.getData().get("secrets.json");
            secretsJson = b64 == null ? null : new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
            apply("Secret " + namespace + "/" + name + "-secrets");
        }));
        try {
            cmInformer.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
            secretInformer.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warnf("the Kubernetes API was not reachable at start (%s); serving the mounted files until it is",
                    e.getClass().getSimpleName());
            readFiles();
            vertx.setPeriodic(10_000, id -> {
                if (!cmInformer.hasSynced() || !secretInformer.hasSynced()) {
                    vertx.executeBlocking(() -> {
                        readFiles();
                        return null;
                    }, false);
                }
            });
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (cmInformer != null) {
            cmInformer.close();
        }
        if (secretInformer != null) {
            secretInformer.close();
        }
    }

    private <T> ResourceEventHandler<T> handler(java.util.function.Consumer<T> onChange) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                onChange.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                onChange.accept(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                LOG.warnf("%s was deleted; still serving the last config", obj.getClass().getSimpleName());
            }
        };
    }

    private void readFiles() {
        try {
            Path c = configDir.resolve("config.json");
            Path s = secretsDir.resolve("secrets.json");
            if (Files.exists(c) && Files.exists(s)) {
                configJson = Files.readString(c);
                secretsJson = Files.readString(s);
                apply("files in " + configDir + " and " + secretsDir, new Path[] {configDir, secretsDir});
            } else {
                LOG.warnf("no configuration yet: %s or %s is missing", c, s);
            }
        } catch (IOException e) {
            LOG.errorf("could not read the mounted configuration: %s", e.getMessage());
        }
    }

    private void apply(String source) {
        apply(source, null);
    }

    /** Field paths already logged as unknown: each is logged once per process, however often the config changes. */
    private final Set<String> unknownLogged = ConcurrentHashMap.newKeySet();

    /**
     * Fields this gateway does not know were skipped: a newer operator rendered them (mid-rollout, or the gateway's
     * image is pinned older). Logged once each, by path only: never a value.
     */
    private void logUnknown(Set<String> unknown) {
        List<String> fresh = unknown.stream().filter(unknownLogged::add).toList();
        if (!fresh.isEmpty()) {
            LOG.infof("the rendered config has fields this gateway version does not know, ignored: %s (a newer operator "
                    + "wrote them; upgrade the gateway image to use them)", String.join(", ", fresh));
        }
    }

    /**
     * @param files where the key shards are ({@code keys-<i>.json} in the config and secrets folders), or null
     *              to read them through the API
     */
    private synchronized void apply(String source, Path[] files) {
        String c = configJson;
        String s = secretsJson;
        if (c == null || s == null) {
            return; // wait for both halves
        }
        GatewayConfig config;
        Set<String> unknown = new TreeSet<>();
        try {
            config = ConfigCodec.readConfig(c, unknown::add);
        } catch (IOException | RuntimeException e) {
            LOG.errorf("config.json from %s cannot be read (%s); still serving the last good config", source, e.getMessage());
            return;
        }
        GatewaySecrets secrets;
        try {
            secrets = ConfigCodec.readSecrets(s, path -> unknown.add("secrets.json: " + path));
        } catch (IOException | RuntimeException e) {
            // Jackson's message quotes the input: never log it for the secrets document.
            LOG.errorf("secrets.json from %s cannot be read (%s); still serving the last good config", source,
                    e.getClass().getSimpleName());
            return;
        }
        logUnknown(unknown);
        String hash = ConfigCodec.shortHash(c, s);
        if (config.keyShards() != null) {
            try {
                var whole = KeyShards.assemble(config, secrets, shards(config.keyShards(), false, files),
                        shards(config.keyShards(), true, files));
                config = whole.config();
                secrets = whole.secrets();
            } catch (KeyShards.Incomplete e) {
                // The operator writes the shards before the config naming them; a newer shard than this config
                // means a newer config is on its way. Look again shortly in case it is not.
                LOG.debugf("%s; still serving the last config, looking again in 1 s", e.getMessage());
                if (retryPending.compareAndSet(false, true)) {
                    vertx.setTimer(1000, id -> vertx.executeBlocking(() -> {
                        retryPending.set(false);
                        apply(source, files);
                        return null;
                    }, false));
                }
                return;
            } catch (IOException | RuntimeException e) {
                LOG.errorf("a key shard from %s cannot be read (%s); still serving the last good config", source,
                        e.getMessage());
                return;
            }
        }
        holder.update(config, secrets, hash, source);
    }

    private final java.util.concurrent.atomic.AtomicBoolean retryPending = new java.util.concurrent.atomic.AtomicBoolean();
    /** Shard documents already read, by object name: reused while the index names the same hash. */
    private final java.util.Map<String, String[]> shardCache = new java.util.concurrent.ConcurrentHashMap<>();

    /** The shards' documents (null where one cannot be had), from the mounted files or by name from the API. */
    private java.util.List<String> shards(GatewayConfig.KeyShards index, boolean secret, Path[] files) throws IOException {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < index.count(); i++) {
            String file = "keys-" + i + ".json";
            if (files != null) {
                Path p = files[secret ? 1 : 0].resolve(file);
                out.add(Files.exists(p) ? Files.readString(p) : null);
                continue;
            }
            String objectName = name + "-keys-" + i + (secret ? "#secret" : "#config");
            String want = index.hashes().get(i);
            String[] cached = shardCache.get(objectName);
            if (cached != null && cached[0].equals(want)) {
                out.add(cached[1]);
                continue;
            }
            io.fabric8.kubernetes.api.model.HasMetadata obj = secret
                    ? client.secrets().inNamespace(namespace).withName(name + "-keys-" + i).get()
                    : client.configMaps().inNamespace(namespace).withName(name + "-keys-" + i).get();
            String doc = obj == null ? null : shardDocument(obj);
            String got = obj == null || obj.getMetadata().getAnnotations() == null ? null
                    : obj.getMetadata().getAnnotations().get(KeyShards.HASH_ANNOTATION);
            if (doc != null && want.equals(got)) {
                shardCache.put(objectName, new String[] {want, doc});
            }
            out.add(doc);
        }
        return out;
    }

    /** A shard object's document: a Secret's {@code keys.json} decoded, a ConfigMap's as is (null when absent). */
    private static String shardDocument(io.fabric8.kubernetes.api.model.HasMetadata obj) {
        if (obj instanceof Secret sec) {
            String b64 = sec.getData() == null ? null : sec.getData().get(KeyShards.FILE);
            return b64 == null ? null : new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
        }
        ConfigMap cm = (ConfigMap) obj;
        return cm.getData() == null ? null : cm.getData().get(KeyShards.FILE);
    }
}
