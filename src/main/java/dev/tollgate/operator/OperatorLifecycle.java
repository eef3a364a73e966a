package dev.tollgate.operator;

import dev.tollgate.Mode;
import dev.tollgate.TollgateConfig;
import io.javaoperatorsdk.operator.Operator;
import dev.tollgate.operator.usage.UsageCollection;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Starts the controllers in operator mode only. The operator SDK is built with start-operator=false, so in
 * gateway and standalone mode no informer is opened and no CRD is read; the operator (and the Kubernetes client it
 * needs) is not even built there: building it loaded ~750 classes and the JDK's trust store into every gateway.
 */
@ApplicationScoped
public class OperatorLifecycle {
    private static final Logger LOG = Logger.getLogger(OperatorLifecycle.class);

    private final Instance<Operator> operator;
    private final TollgateConfig config;
    /** Usage is collected on the leader only (see UsageCollection). */
    private final UsageCollection usage;
    @jakarta.inject.Inject
    Instance<dev.tollgate.operator.usage.StatusWriteBudget> writes;
    private volatile boolean started;

    public OperatorLifecycle(Instance<Operator> operator, TollgateConfig config,
            Instance<dev.tollgate.operator.usage.UsageScraper> scraper) {
        this.operator = operator;
        this.config = config;
        this.usage = new UsageCollection(() -> scraper.get().start(), () -> scraper.get().stop());
    }

    void onStart(@Observes StartupEvent event) {
        if (config.mode() == Mode.OPERATOR) {
            LOG.infof("Starting the Tollgate operator (%d controllers)", operator.get().getRegisteredControllersNumber());
            operator.get().start();
            usage.operatorStarted(operator.get().getConfigurationService().getLeaderElectionConfiguration().isPresent());
            writes.get().start(250); // hands out the status write budget four times a second
            started = true;
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (started) {
            usage.shutdown();
            writes.get().stop();
            operator.get().stop();
        }
    }

    /** Probes of the operator pod, on the main HTTP port like the gateway's. */
    void routes(@Observes Router router) {
        if (config.mode() != Mode.OPERATOR) {
            return;
        }
        router.get("/health/liveness").handler(rc -> rc.response().setStatusCode(200).end("{\"status\":\"UP\"}"));
        router.get("/health/readiness").handler(rc -> {
            boolean ok = started && operator.get().getRuntimeInfo().allEventSourcesAreHealthy();
            rc.response().setStatusCode(ok ? 200 : 503).end(ok ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
        });
    }

    public boolean isStarted() {
        return started && operator.get().getRuntimeInfo().isStarted();
    }

    /**
     * JOSDK's reconcile metrics per controller, not per resource. Quarkus' default (per-resource collecting
     * MicrometerMetrics) registers a timer with a percentile histogram plus counters for every VirtualKey it ever
     * reconciled: about 12 KB of heap per key, the largest per-key cost at a few thousand keys (bench/operator).
     */
    @Produces
    @Singleton
    io.javaoperatorsdk.operator.api.monitoring.Metrics metrics(io.micrometer.core.instrument.MeterRegistry registry) {
        return io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics.withoutPerResourceMetrics(registry);
    }

    /**
     * One active operator replica at a time (QOSDK turns leader election on in the prod profile only). Usage is
     * collected while this replica leads; one that stops leading exits (JOSDK's default), and its collection stops
     * first.
     */
    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection() {
        // tollgate.operator.lease-namespace (the chart's leaderElection.leaseNamespace); unset: the operator's own.
        String leaseNamespace = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("tollgate.operator.lease-namespace", String.class).orElse(null);
        return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration("tollgate-operator")
                .withLeaseNamespace(leaseNamespace).withLeaderCallbacks(usage.callbacks()).build();
    }
}
