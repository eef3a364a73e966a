package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.config.Money;
import dev.tollgate.operator.usage.StatusWriteBudget;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The operator's own Prometheus metrics (deploy/monitoring builds its alerts and dashboard on them), all on the
 * operator's management port, none on a gateway's request path:
 * <ul>
 * <li>usage collection: {@code tollgate_operator_usage_reads_total{result=ok|failed|unreadable}}, the time of the last
 * report read, whether this replica collects (the leader does);</li>
 * <li>the status write budget: resources waiting for their figures' write, writes made;</li>
 * <li>per Budget, GatewayDeployment and LlmModel (few; keyed by namespace and name, never a key, never a secret):
 * spend and limit in micro-USD (integers: money is never a float), replicas desired and ready, lifetime spend.</li>
 * </ul>
 * The per-resource series are read from the controllers' caches every {@code tollgate.operator.metrics-refresh-millis}
 * (status as last written, so they trail the gateways by the status write budget), and a deleted resource's series
 * go with it.
 */
@ApplicationScoped
public class OperatorMetrics {
    private final MeterRegistry registry;
    private final Counter readsOk;
    private final Counter readsFailed;
    private final Counter readsUnreadable;
    private final AtomicLong lastReadSeconds = new AtomicLong();
    private volatile boolean collecting;
    private final Map<Class<?>, Supplier<? extends Stream<? extends HasMetadata>>> caches = new ConcurrentHashMap<>();
    private final Map<Series, AtomicLong> values = new ConcurrentHashMap<>();
    private final Map<Series, Meter> meters = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final long refreshMillis;
    private long timer = -1;
    /** The meters registered here for the operator as a whole (the per-resource ones are in {@link #meters}). */
    private final List<Meter> own = new java.util.ArrayList<>();

    /** One per-resource series: a gauge, or a counter (a lifetime total, for rate()). */
    record Series(String name, Tags tags, boolean counter) {}

    public OperatorMetrics(MeterRegistry registry, StatusWriteBudget writes, Vertx vertx,
            @ConfigProperty(name = "tollgate.operator.metrics-refresh-millis", defaultValue = "10000") long refreshMillis) {
        this.registry = registry;
        this.vertx = vertx;
        this.refreshMillis = refreshMillis;
        readsOk = reads("ok");
        readsFailed = reads("failed");
        readsUnreadable = reads("unreadable");
        own.add(Gauge.builder("tollgate.operator.usage.last.read.timestamp.seconds", lastReadSeconds, AtomicLong::get)
                .description("When a gateway pod's usage report was last read (Unix seconds; 0: never in this run)")
                .register(registry));
        own.add(Gauge.builder("tollgate.operator.usage.collecting", this, m -> m.collecting ? 1 : 0)
                .description("1 while this replica collects usage (the elected leader does), else 0").register(registry));
        own.add(Gauge.builder("tollgate.operator.status.writes.waiting", writes, StatusWriteBudget::backlog)
                .description("Resources whose usage figures moved and wait for their status write (status write budget)")
                .register(registry));
        own.add(FunctionCounter.builder("tollgate.operator.status.writes", writes, StatusWriteBudget::writes)
                .description("Usage status writes made (figures and urgent)").register(registry));
    }

    /**
     * Removes what was registered here: a registry that outlives this bean (an application restarted in the same
     * JVM, as the tests do) would otherwise keep gauges bound to this instance's state, and hand them back, stale,
     * to the next instance's registration.
     */
    @jakarta.annotation.PreDestroy
    synchronized void close() {
        if (timer >= 0) {
            try {
                vertx.cancelTimer(timer);
            } catch (RuntimeException closed) {
                // Vert.x already closed: no timer left to cancel
            }
            timer = -1;
        }
        own.forEach(registry::remove);
        List.of(readsOk, readsFailed, readsUnreadable).forEach(registry::remove);
        meters.values().forEach(registry::remove);
        meters.clear();
        values.clear();
    }

    private Counter reads(String result) {
        return Counter.builder("tollgate.operator.usage.reads").tag("result", result)
                .description("Reads of gateway pods' usage reports: ok, failed (no answer or not 200), unreadable")
                .register(registry);
    }

    /** A usage report was read and parsed ({@code ok}), could not be read, or could not be parsed. */
    public void usageRead(boolean answered, boolean readable) {
        if (!answered) {
            readsFailed.increment();
        } else if (!readable) {
            readsUnreadable.increment();
        } else {
            readsOk.increment();
            lastReadSeconds.set(System.currentTimeMillis() / 1000);
        }
    }

    public void collecting(boolean running) {
        collecting = running;
    }

    /** The controller of {@code type} hands over its primary cache; its resources' series follow it from now on. */
    public synchronized <R extends HasMetadata> void watch(Class<R> type, Supplier<Stream<R>> all) {
        caches.put(type, all);
        if (timer < 0) {
            timer = vertx.setPeriodic(refreshMillis, id -> refresh());
        }
    }

    /**
     * The resources of one kind as the controller's cache holds them now (empty until its controller handed its cache
     * over): the alerts read Budgets, LlmModels and GatewayDeployments from here, off the reconcile threads.
     */
    @SuppressWarnings("unchecked")
    public <R extends HasMetadata> List<R> cached(Class<R> type) {
        Supplier<? extends Stream<? extends HasMetadata>> all = caches.get(type);
        return all == null ? List.of() : (List<R>) all.get().toList();
    }

    /** Reads the caches once and brings the per-resource series in line: new ones registered, gone ones removed. */
    synchronized void refresh() {
        Map<Series, Long> now = new HashMap<>();
        caches.forEach((type, all) -> all.get().forEach(r -> rows(r, now)));
        now.forEach((s, v) -> values.computeIfAbsent(s, this::register).set(v));
        for (Series gone : values.keySet().stream().filter(s -> !now.containsKey(s)).toList()) {
            values.remove(gone);
            registry.remove(meters.remove(gone));
        }
    }

    private AtomicLong register(Series s) {
        AtomicLong value = new AtomicLong();
        meters.put(s, s.counter()
                ? FunctionCounter.builder(s.name(), value, AtomicLong::get).tags(s.tags()).register(registry)
                : Gauge.builder(s.name(), value, AtomicLong::get).tags(s.tags()).register(registry));
        return value;
    }

    /** The series of one resource. Values that do not parse (an invalid spec the status already reports) are left out. */
    static void rows(HasMetadata r, Map<Series, Long> out) {
        String ns = r.getMetadata().getNamespace();
        String name = r.getMetadata().getName();
        if (r instanceof Budget b) {
            Tags tags = Tags.of("namespace", ns, "budget", name);
            micros(b.getSpec() == null ? null : b.getSpec().getLimit())
                    .ifPresent(v -> out.put(new Series("tollgate.budget.limit.micro.usd", tags, false), v));
            if (b.getSpec() != null && b.getSpec().getAlertThresholdPercent() != null) {
                out.put(new Series("tollgate.budget.alert.threshold.percent", tags, false),
                        (long) b.getSpec().getAlertThresholdPercent());
            }
            micros(b.getStatus() == null ? null : b.getStatus().getSpend())
                    .ifPresent(v -> out.put(new Series("tollgate.budget.spend.micro.usd", tags, false), v));
        } else if (r instanceof GatewayDeployment g) {
            Tags tags = Tags.of("namespace", ns, "gateway", name);
            int desired = g.getSpec() == null || g.getSpec().getReplicas() == null ? 1 : g.getSpec().getReplicas();
            out.put(new Series("tollgate.gateway.replicas.desired", tags, false), (long) desired);
            Integer ready = g.getStatus() == null ? null : g.getStatus().getReadyReplicas();
            out.put(new Series("tollgate.gateway.replicas.ready", tags, false), ready == null ? 0L : ready);
            total(g.getStatus() == null ? null : g.getStatus().getUsage())
                    .ifPresent(v -> out.put(new Series("tollgate.gateway.spend.micro.usd", tags, true), v));
        } else if (r instanceof LlmModel m) {
            total(m.getStatus() == null ? null : m.getStatus().getUsage()).ifPresent(v -> out.put(
                    new Series("tollgate.llmmodel.spend.micro.usd", Tags.of("namespace", ns, "llmmodel", name), true), v));
        }
    }

    private static java.util.Optional<Long> total(Usage u) {
        return micros(u == null ? null : u.getTotalSpend());
    }

    private static java.util.Optional<Long> micros(String decimal) {
        if (decimal == null) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(Money.parseMicros(decimal));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }
}
