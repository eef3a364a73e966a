package dev.tollgate.gateway;

import dev.tollgate.config.SpendSeed;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Gateway mode: watches the ConfigMap {@code <gw>-spend}, where the operator writes the period spend it knows for
 * every budget this gateway enforces ({@link SpendSeed}, at most once per {@code usageSyncInterval}), and hands
 * each version to the in-memory budget ledger. So a new or restarted pod starts from the spend already made, and
 * replicas learn each other's spend at every sync. It is not mounted into the pod: updating it restarts nothing.
 *
 * <p>At start the seed is read before the pod serves anything: Quarkus opens the HTTP ports only once every
 * start-up observer has returned, and {@link #awaitSeed} waits (at most {@code tollgate.gateway.spend-seed-wait-millis}
 * from the start of the watch, which runs alongside {@link KubernetesConfigSource}'s own wait) until the first list of
 * the ConfigMap has been applied. A ConfigMap that does not exist yet (a new gateway) means starting from zero.
 */
@ApplicationScoped
public class SpendSeedSource {
    private static final Logger LOG = Logger.getLogger(SpendSeedSource.class);

    private final BudgetInterceptor budgets;
    private final UsageRecorder recorder;
    private final KubernetesClient client;
    private final String mode;
    private final String name;
    private final String namespace;
    private final long waitMillis;
    private volatile String applied;
    private SharedIndexInformer<ConfigMap> informer;
    private java.util.concurrent.CompletableFuture<Void> started;
    private long startedNanos;

    public SpendSeedSource(BudgetInterceptor budgets, UsageRecorder recorder, KubernetesClient client,
            @ConfigProperty(name = "tollgate.mode", defaultValue = "standalone") String mode,
            @ConfigProperty(name = "tollgate.gateway.name") Optional<String> name,
            @ConfigProperty(name = "tollgate.gateway.namespace") Optional<String> namespace,
            @ConfigProperty(name = "tollgate.gateway.spend-seed-wait-millis", defaultValue = "10000") long waitMillis) {
        this.budgets = budgets;
        this.recorder = recorder;
        this.client = client;
        this.mode = mode;
        this.name = name.orElse(null);
        this.namespace = namespace.orElse(null);
        this.waitMillis = waitMillis;
    }

    /** Starts the watch before {@link KubernetesConfigSource#onStart} (default priority) blocks on its own. */
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 400) StartupEvent event) {
        if (!"gateway".equalsIgnoreCase(mode) || name == null || namespace == null) {
            return;
        }
        informer = client.configMaps().inNamespace(namespace).withName(name + SpendSeed.CONFIG_MAP_SUFFIX).runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap obj) {
                apply(obj);
            }

            @Override
            public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {
                apply(newObj);
            }

            @Override
            public void onDelete(ConfigMap obj, boolean deletedFinalStateUnknown) {
                LOG.warnf("ConfigMap %s was deleted; budgets keep the spend it last gave until the operator writes it again",
                        configMap());
            }
        });
        startedNanos = System.nanoTime();
        started = informer.start().toCompletableFuture();
    }

    /** After the config source's start: the ports open only when this returns, so nothing is served unseeded. */
    void awaitSeed(@Observes @Priority(Interceptor.Priority.APPLICATION + 600) StartupEvent event) {
        if (started == null) {
            return;
        }
        long left = Math.max(0, TimeUnit.MILLISECONDS.toNanos(waitMillis) - (System.nanoTime() - startedNanos));
        try {
            started.get(left, TimeUnit.NANOSECONDS);
            if (applied == null) {
                LOG.infof("ConfigMap %s does not exist yet (a new gateway, or an operator that has not synced it): budgets "
                        + "start from zero in this process and take the cluster-wide spend when it is written", configMap());
            }
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.warnf("could not read ConfigMap %s within %d ms (%s): budgets start from zero in this process until it can be "
                    + "read, so replicas may each allow what is left of a budget meanwhile", configMap(), waitMillis,
                    e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String configMap() {
        return namespace + "/" + name + SpendSeed.CONFIG_MAP_SUFFIX;
    }

    void onStop(@Observes ShutdownEvent event) {
        if (informer != null) {
            informer.close();
        }
    }

    private synchronized void apply(ConfigMap cm) {
        String json = cm.getData() == null ? null : cm.getData().get(SpendSeed.FILE);
        if (json == null || json.equals(applied)) {
            return;
        }
        SpendSeed seed;
        try {
            seed = SpendSeed.read(json);
        } catch (IOException | RuntimeException e) {
            LOG.errorf("%s in ConfigMap %s/%s cannot be read (%s); budgets keep the spend they had", SpendSeed.FILE,
                    namespace, cm.getMetadata().getName(), e.getMessage());
            return;
        }
        int periods = budgets.seed(seed, recorder.incarnation());
        if (applied == null) {
            LOG.infof("Budgets start from the spend in ConfigMap %s/%s: %d budget periods with spend of other gateway processes",
                    namespace, cm.getMetadata().getName(), periods);
        } else {
            LOG.debugf("spend seed updated: %d budget periods with spend of other gateway processes", periods);
        }
        applied = json;
    }
}
