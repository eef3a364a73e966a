package dev.tollgate.gateway;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/** The gateway's current {@link Snapshot}. Sources (Kubernetes watch, standalone folder) call {@link #update}. */
@ApplicationScoped
public class ConfigHolder {
    private static final Logger LOG = Logger.getLogger(ConfigHolder.class);
    private final AtomicReference<Snapshot> current = new AtomicReference<>();
    private final java.util.List<java.util.function.Consumer<Snapshot>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ConfigHolder(MeterRegistry registry) {
        registry.gauge("tollgate.config.models", current, r -> r.get() == null ? 0 : r.get().config().models().size());
        registry.gauge("tollgate.config.keys", current, r -> r.get() == null ? 0 : r.get().config().keys().size());
    }

    /** The snapshot to serve, or null before the first config arrived (readiness is DOWN until then). */
    public Snapshot current() {
        return current.get();
    }

    /**
     * Calls {@code listener} with every snapshot from now on (on the thread that updates), and at once with the
     * current one if there is one: for what is rebuilt per config off the request path (e.g. observability).
     */
    public synchronized void listen(java.util.function.Consumer<Snapshot> listener) {
        listeners.add(listener);
        Snapshot s = current.get();
        if (s != null) {
            listener.accept(s);
        }
    }

    public void update(GatewayConfig config, GatewaySecrets secrets, String version, String source) {
        Snapshot next = new Snapshot(config, secrets, version);
        Snapshot previous;
        synchronized (this) { // listeners see the snapshots in the order they were served
            previous = current.getAndSet(next);
            for (java.util.function.Consumer<Snapshot> l : listeners) {
                try {
                    l.accept(next);
                } catch (RuntimeException e) {
                    LOG.errorf(e, "a config listener failed on config %s", version);
                }
            }
        }
        if (previous == null || !previous.version().equals(version)) {
            LOG.infof("Serving config %s from %s: %d models, %d keys, %d budgets", version, source,
                    config.models().size(), config.keys().size(), config.budgets().size());
        }
    }
}
