package dev.tollgate.operator;

import dev.tollgate.Mode;
import dev.tollgate.TollgateConfig;
import io.javaoperatorsdk.operator.Operator;
import dev.tollgate.operator.usage.UsageCollection;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Starts the controllers in operator mode only. The operator SDK is built with start-operator=false, so in
 * gateway and standalone mode no informer is opened and no CRD is read; the operator (and the Kubernetes client it
 * needs) is not even built there: building it loaded ~750 classes and the JDK's trust store into every gateway.
 */
@ApplicationScoped
public class OperatorLifecycle {
    private static final Logger LOG = Logger.getLogger(OperatorLifecycle.class);
    /** The name in GatewayDeploymentReconciler's {@code @ControllerConfiguration}. */
    private static final String GATEWAY_CONTROLLER = "gatewaydeployment";

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
        this.usage = new UsageCollection(() -> scraper.get().start(watchedNamespaces()), () -> scraper.get().stop());
    }

    void onStart(@Observes StartupEvent event) {
        if (config.mode() == Mode.OPERATOR) {
            Set<String> scope = watchedNamespaces();
            LOG.infof("Starting the Tollgate operator (%d controllers), watching %s", operator.get().getRegisteredControllersNumber(),
                    scope.isEmpty() ? "all namespaces" : "namespaces " + String.join(", ", new java.util.TreeSet<>(scope)));
            var scopes = operator.get().getRegisteredControllers().stream()
                    .map(c -> c.getConfiguration().getName() + "=" + new java.util.TreeSet<>(c.getConfiguration().getEffectiveNamespaces()))
                    .sorted().toList();
            if (scopes.stream().map(s -> s.substring(s.indexOf('=') + 1)).distinct().count() > 1) {
                // per-controller quarkus.operator-sdk.controllers.<name>.namespaces: resources would be read in part
                LOG.warnf("The controllers watch different namespaces (%s): set quarkus.operator-sdk.namespaces only", scopes);
            }
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

    /**
     * The watch scope, empty for all namespaces: the namespaces of the GatewayDeployment controller, as JOSDK resolved
     * them from quarkus.operator-sdk.namespaces (QUARKUS_OPERATOR_SDK_NAMESPACES; unset: all). Every controller and
     * its informers follow that setting by themselves; the usage scraper's pod and ReplicaSet informers, opened here
     * outside JOSDK, take it from this, and gateway pods are where GatewayDeployments are.
     */
    Set<String> watchedNamespaces() {
        Set<String> namespaces = operator.get().getRegisteredController(GATEWAY_CONTROLLER)
                .map(c -> c.getConfiguration().getEffectiveNamespaces())
                .orElseThrow(() -> new IllegalStateException("no controller named " + GATEWAY_CONTROLLER));
        return InformerConfiguration.allNamespacesWatched(namespaces) ? Set.of() : Set.copyOf(namespaces);
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
