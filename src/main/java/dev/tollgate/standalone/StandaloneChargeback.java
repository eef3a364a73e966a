package dev.tollgate.standalone;

import dev.tollgate.Mode;
import dev.tollgate.TollgateConfig;
import dev.tollgate.gateway.UsageRecorder;
import dev.tollgate.gateway.chargeback.ChargebackLedger;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Standalone mode keeps the chargeback ledger like its usage ({@link StandaloneStatus}): this run's rows in the state
 * directory ({@code chargeback/<incarnation>.json}, every 5 s and at shutdown), and earlier runs' read back at start,
 * so an export covers every run (without a Redis; with one, Redis holds every run's figures).
 */
@ApplicationScoped
public class StandaloneChargeback {
    private static final Logger LOG = Logger.getLogger(StandaloneChargeback.class);
    private final ChargebackLedger ledger;
    private final UsageRecorder recorder;
    private final StandaloneRunner runner;
    private final TollgateConfig config;
    private final Vertx vertx;

    public StandaloneChargeback(ChargebackLedger ledger, UsageRecorder recorder, StandaloneRunner runner,
            TollgateConfig config, Vertx vertx) {
        this.ledger = ledger;
        this.recorder = recorder;
        this.runner = runner;
        this.config = config;
        this.vertx = vertx;
    }

    private Path dir() {
        return runner.stateDir().resolve("chargeback");
    }

    void onStart(@Observes StartupEvent e) {
        if (config.mode() != Mode.STANDALONE) {
            return;
        }
        try {
            int runs = ledger.loadEarlier(dir(), recorder.incarnation());
            if (runs > 0) {
                LOG.infof("standalone: the chargeback export includes %d earlier run(s) saved in %s", runs, dir());
            }
        } catch (IOException | RuntimeException ex) {
            LOG.errorf("standalone: could not read the saved chargeback figures in %s (%s): the export shows this run's only",
                    dir(), ex.getMessage());
        }
        vertx.setPeriodic(5000, id -> vertx.executeBlocking(() -> {
            save();
            return null;
        }, false));
    }

    void onStop(@Observes ShutdownEvent e) {
        if (config.mode() == Mode.STANDALONE) {
            save();
        }
    }

    void save() {
        try {
            ledger.save(dir(), recorder.incarnation());
        } catch (IOException | RuntimeException ex) {
            LOG.warnf("standalone: could not save the chargeback figures to %s: %s", dir(), ex.getMessage());
        }
    }
}
