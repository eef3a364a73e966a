package dev.tollgate.operator.alerts;

import dev.tollgate.api.v1alpha1.AlertChannelSpec;
import dev.tollgate.api.v1alpha1.AlertsSpec;
import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.Condition;
import dev.tollgate.api.v1alpha1.DeploymentHealthStatus;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.HealthMerge;
import dev.tollgate.config.Money;
import dev.tollgate.config.SecretLookup;
import dev.tollgate.config.UsageReport;
import dev.tollgate.operator.OperatorMetrics;
import dev.tollgate.operator.RenderedGateways;
import dev.tollgate.operator.usage.UsageScraper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The alerts of every GatewayDeployment ({@code spec.observability.alerts}), sent by the operator once per cluster.
 *
 * <p>Runs on its own thread, never on a reconcile thread, every {@code tollgate.operator.alerts-interval-millis}: for
 * each GatewayDeployment with channels it reads what the operator already holds (the controllers' caches of Budgets,
 * LlmModels and GatewayDeployments, each gateway's latest render, the usage scraper's reports of the gateway pods),
 * works out the active events ({@link AlertRules}, {@link DailySpend}), keeps those not found before
 * ({@link AlertLedger}), writes them as <em>pending</em> into the ConfigMap {@code <gateway>-alerts} and then queues
 * them for the channels ({@link AlertSender}). The daily report's spend baseline is kept apart, in the ConfigMap
 * {@code <gateway>-alerts-baseline} (also owned by the GatewayDeployment): a baseline that cannot be written is kept
 * in memory and written again later, and never holds back an alert.
 *
 * <p>Delivery semantics, per event identity and channel:
 * <ul>
 * <li>Once per cluster: only the replica that collects usage evaluates (the elected leader; without leader election,
 * the one operator), and an identity is written to the ConfigMap before it is sent, so neither re-reconciles, nor a
 * restart, nor a new leader finds it new again; while it is pending, only the replica evaluating sends it, one
 * delivery per channel at a time.</li>
 * <li>At least once, within a day: an alert is marked sent for a channel only once the channel answered 2xx (written
 * at the next evaluation). Until then it stays pending in the ConfigMap, with the event itself, and is sent again by
 * later evaluations with a growing wait (the sender's backoff, doubled per round, at most 5 minutes): during a Slack
 * outage longer than the sender's retries, when the channel's Secret is created late, or after a restart or a change
 * of leader that dropped the queued deliveries. An answer that will not change (a 4xx other than 429, e.g. Slack's
 * {@code no_service}) ends it at once; after {@link #GIVE_UP} pending it is given up on. Each round that did not get
 * through is counted {@code result=failed}; a channel removed from the spec drops its pending alerts.</li>
 * <li>A duplicate is possible only when the operator stops (or loses the lead) between a channel's 2xx and the next
 * evaluation's write.</li>
 * </ul>
 */
@ApplicationScoped
public class Alerts {
    private static final Logger LOG = Logger.getLogger(Alerts.class);
    /** The label of the ConfigMaps {@code <gateway>-alerts}. */
    public static final String LABEL = "llm.tollgate.dev/alerts";
    static final String SECRET_LABEL = dev.tollgate.api.v1alpha1.Api.SECRET_LABEL;

    private final Instance<KubernetesClient> client;
    private final Instance<UsageScraper> scraper;
    private final Instance<RenderedGateways> rendered;
    private final Instance<OperatorMetrics> caches;
    private final Instance<MeterRegistry> registry;
    private final boolean operatorMode;
    private final long intervalMillis;
    private final int queueSize;
    private final int maxRetries;
    private final long backoffMillis;

    private volatile Clock clock = Clock.systemUTC();
    /** What each gateway's ConfigMap holds, as last read or written by this replica. */
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final ErrorWindow errors = new ErrorWindow();
    private volatile AlertSender sender;
    private ScheduledExecutorService timer;
    private volatile boolean leading;
    private final java.util.concurrent.atomic.AtomicLong evaluations = new java.util.concurrent.atomic.AtomicLong();
    /** How long a pending alert is tried again before it is given up on. */
    static final Duration GIVE_UP = Duration.ofHours(24);
    /** The longest wait between two evaluations' tries of a pending alert. */
    static final long MAX_RETRY_WAIT_MILLIS = 300_000;
    /** How deliveries ended, reported by the sender thread, applied by the next evaluation. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Ended> ended = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Deliveries queued in the sender or being sent (gateway, identity, channel): not queued again meanwhile. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** Deliveries the channel may take later: how often they were tried, and when they may be tried again. */
    private final Map<String, long[]> retries = new ConcurrentHashMap<>();

    /** The daily-report problems already logged, per gateway (logged once each). */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    private record Ended(AlertSender.Delivery delivery, AlertSender.Outcome outcome) {}

    /** One gateway's remembered alerts and spend baseline. */
    private static final class Held {
        final AlertLedger ledger;
        DailySpend.Totals baseline;
        /** Whether {@link #baseline} is what its ConfigMap holds (false after a failed write: written again). */
        boolean baselineStored = true;

        Held(AlertLedger ledger, DailySpend.Totals baseline) {
            this.ledger = ledger;
            this.baseline = baseline;
        }
    }

    @Inject
    public Alerts(Instance<KubernetesClient> client, Instance<UsageScraper> scraper, Instance<RenderedGateways> rendered,
            Instance<OperatorMetrics> caches, Instance<MeterRegistry> registry, dev.tollgate.TollgateConfig config) {
        this.client = client;
        this.scraper = scraper;
        this.rendered = rendered;
        this.caches = caches;
        this.registry = registry;
        this.operatorMode = config.mode() == dev.tollgate.Mode.OPERATOR;
        this.intervalMillis = config.operator().alertsIntervalMillis();
        this.queueSize = config.operator().alertsQueueSize();
        this.maxRetries = config.operator().alertsMaxRetries();
        this.backoffMillis = config.operator().alertsRetryBackoffMillis();
    }

    void onStart(@Observes StartupEvent event) {
        if (operatorMode) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    synchronized void start() {
        if (timer != null) {
            return;
        }
        sender = new AlertSender(queueSize, this::url, registry.get(), maxRetries, backoffMillis, 30_000,
                (d, o) -> ended.add(new Ended(d, o)));
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-alerts");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::tick, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    synchronized void stop() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
        if (sender != null) {
            sender.close();
            sender = null;
        }
    }

    /** The clock events and daily reports are timed by (tests move it). */
    public void useClock(Clock clock) {
        this.clock = clock;
    }

    /**
     * Forgets everything held in memory, as a restarted operator or a new leader starts: what was sent is read again
     * from the ConfigMaps, the error-rate windows fill again.
     */
    public void forget() {
        held.clear();
        errors.clear();
        retries.clear();
    }

    private void tick() {
        try {
            if (!scraper.get().running()) { // not the leader (or not collecting yet): never evaluates, never sends
                if (leading) {
                    leading = false;
                    forget();
                }
                return;
            }
            leading = true;
            evaluate(clock.instant());
        } catch (RuntimeException e) {
            LOG.warnf("alert evaluation failed (tried again in %d ms): %s", intervalMillis, e.getMessage());
        }
    }

    /** One evaluation of every GatewayDeployment's alerts at {@code now}. */
    synchronized void evaluate(Instant now) {
        Map<String, List<Ended>> outcomes = new HashMap<>();
        for (Ended e; (e = ended.poll()) != null;) {
            inFlight.remove(deliveryKey(e.delivery()));
            outcomes.computeIfAbsent(e.delivery().event().gateway(), k -> new ArrayList<>()).add(e);
        }
        Set<String> gateways = new HashSet<>();
        Set<String> models = new HashSet<>();
        for (GatewayDeployment gw : caches.get().cached(GatewayDeployment.class)) {
            AlertsSpec a = gw.getSpec() == null || gw.getSpec().getObservability() == null ? null
                    : gw.getSpec().getObservability().getAlerts();
            if (a == null || a.getChannels() == null || a.getChannels().isEmpty()) {
                continue;
            }
            String id = gw.getMetadata().getNamespace() + "/" + gw.getMetadata().getName();
            gateways.add(id);
            try {
                models.addAll(evaluate(gw, id, a, now, outcomes.getOrDefault(id, List.of())));
            } catch (RuntimeException e) {
                LOG.warnf("alerts of GatewayDeployment %s not evaluated: %s", id, e.getMessage());
            }
        }
        held.keySet().retainAll(gateways);
        warned.removeIf(w -> !gateways.contains(w.substring(0, w.indexOf(' '))));
        errors.retain(models);
        evaluations.incrementAndGet();
    }

    /** Evaluations made by this replica (tests wait for some to pass instead of sleeping). */
    public long evaluations() {
        return evaluations.get();
    }

    /** Evaluates one gateway; returns the deployments it serves. */
    private Set<String> evaluate(GatewayDeployment gw, String id, AlertsSpec a, Instant now, List<Ended> outcomes) {
        AlertRules.Settings s = AlertRules.Settings.of(a);
        if (s.dailyProblem() != null && warned.add(id + " " + s.dailyProblem())) { // once per gateway and value
            LOG.warnf("GatewayDeployment %s: the daily spend report is skipped: %s (its other alerts are sent)", id,
                    s.dailyProblem());
        }
        Held h = held.computeIfAbsent(id, k -> load(gw));
        for (Ended e : outcomes) {
            String k = deliveryKey(e.delivery());
            if (e.outcome() == AlertSender.Outcome.RETRY) {
                long[] r = retries.computeIfAbsent(k, x -> new long[2]);
                r[0]++;
                r[1] = now.toEpochMilli() + Math.min(MAX_RETRY_WAIT_MILLIS, backoffMillis << Math.min(r[0], 20));
            } else {
                retries.remove(k);
                h.ledger.done(e.delivery().event().identity(), e.delivery().channel());
            }
        }
        RenderedGateways r = rendered.get();
        UsageScraper usage = scraper.get();
        Set<String> budgetIds = r.served(id, RenderedGateways.BUDGET);
        Set<String> modelIds = r.served(id, RenderedGateways.MODEL);
        List<AlertRules.BudgetView> budgets = new ArrayList<>();
        for (Budget b : caches.get().cached(Budget.class)) {
            if (budgetIds.contains(key(b)) && b.getStatus() != null) {
                budgets.add(budgetView(b));
            }
        }
        Map<String, LlmModel> byId = new HashMap<>();
        caches.get().cached(LlmModel.class).forEach(m -> byId.put(key(m), m));
        List<AlertRules.ModelView> models = new ArrayList<>();
        long nowMillis = now.toEpochMilli();
        for (String mid : new TreeSet<>(modelIds)) {
            String state = null;
            String until = null;
            String reason = null;
            List<UsageReport.Health> live = usage.health(mid);
            if (live != null && !live.isEmpty()) {
                HealthMerge.Merged m = HealthMerge.merge(live);
                errors.sample(mid, m.requests(), m.failures(), nowMillis);
                state = m.state();
                until = m.coolingDownUntil();
                reason = m.reason();
            } else {
                LlmModel lm = byId.get(mid);
                DeploymentHealthStatus hs = lm == null || lm.getStatus() == null ? null : lm.getStatus().getHealth();
                if (hs != null) {
                    state = hs.getState();
                    until = hs.getCoolingDownUntil();
                    reason = hs.getReason();
                }
            }
            long[] w = errors.sum(mid, nowMillis, s.window().toMillis());
            models.add(new AlertRules.ModelView(mid, state, until, reason, w[0], w[1]));
        }
        List<AlertEvent> active = new ArrayList<>(AlertRules.evaluate(s, new AlertRules.Inputs(id, budgets, models,
                usage.requests(gw.getMetadata().getNamespace(), gw.getMetadata().getName()), usage.failing(id), now)));

        DailySpend.Totals baseline = h.baseline;
        DailySpend.Totals next = baseline;
        if (s.daily() == null) {
            next = null;
        } else if (baseline == null) {
            next = totals(id, now);
        } else if (DailySpend.due(now, s.daily(), baseline)) {
            next = totals(id, now);
            Set<String> namespaces = new TreeSet<>();
            for (String kind : List.of(RenderedGateways.KEY, RenderedGateways.MODEL, RenderedGateways.BUDGET)) {
                r.served(id, kind).forEach(x -> namespaces.add(AlertRules.ns(x)));
            }
            active.addAll(DailySpend.reports(id, s.daily(), namespaces, baseline, next, budgets));
        }
        List<AlertEvent> fresh = h.ledger.admit(active, now, s.window().dividedBy(2), e -> channels(a, e));
        giveUp(gw, a, h.ledger, now);
        if (!java.util.Objects.equals(baseline, next) || !h.baselineStored) {
            // its own ConfigMap: its failing to write never holds back the alerts (the next evaluation tries again)
            h.baseline = next;
            h.baselineStored = writeBaseline(gw, next);
        }
        if (h.ledger.dirty()) {
            if (!writeLedger(gw, h.ledger)) {
                h.ledger.forget(fresh); // not remembered, so not sent: the next evaluation tries again
                return modelIds;
            }
            h.ledger.clean();
        }
        dispatch(gw, a, h.ledger, now);
        return modelIds;
    }

    /** The channels that take an event: those with a URL whose {@code events} are empty or name it. */
    private static Set<String> channels(AlertsSpec a, AlertEvent e) {
        Set<String> out = new TreeSet<>();
        for (AlertChannelSpec c : a.getChannels()) {
            if (takes(c, e)) {
                out.add(c.getName());
            }
        }
        return out;
    }

    private static boolean takes(AlertChannelSpec c, AlertEvent e) {
        return c.getName() != null && c.getUrl() != null
                && (c.getEvents() == null || c.getEvents().isEmpty() || c.getEvents().contains(e.event()));
    }

    private static AlertChannelSpec channel(AlertsSpec a, String name, AlertEvent e) {
        for (AlertChannelSpec c : a.getChannels()) {
            if (name.equals(c.getName()) && takes(c, e)) {
                return c;
            }
        }
        return null;
    }

    private static AlertSender.Delivery delivery(GatewayDeployment gw, AlertChannelSpec c, AlertEvent e) {
        return new AlertSender.Delivery(gw.getMetadata().getNamespace(), c.getName(), c.getType(), c.getUrl().getName(),
                c.getUrl().getKey(), e);
    }

    private static String deliveryKey(AlertSender.Delivery d) {
        return d.event().gateway() + "\n" + d.event().identity() + "\n" + d.channel();
    }

    /**
     * Ends what cannot be delivered any more: a channel that was removed (or no longer takes the event) is dropped;
     * an alert pending for {@link #GIVE_UP} is given up on (its rounds were counted failed).
     */
    private void giveUp(GatewayDeployment gw, AlertsSpec a, AlertLedger ledger, Instant now) {
        String id = gw.getMetadata().getNamespace() + "/" + gw.getMetadata().getName();
        for (AlertLedger.Pending p : ledger.pending()) {
            for (String name : p.channels()) {
                AlertChannelSpec c = channel(a, name, p.event());
                String k = id + "\n" + p.identity() + "\n" + name;
                if (c == null) {
                    ledger.done(p.identity(), name);
                    retries.remove(k);
                } else if (!now.isBefore(p.since().plus(GIVE_UP)) && !inFlight.contains(k)) {
                    LOG.warnf("alert %s for channel %s given up on: not delivered within %s", p.event().event(), name,
                            AlertRules.human(GIVE_UP));
                    ledger.done(p.identity(), name);
                    retries.remove(k);
                }
            }
        }
    }

    /** Queues the pending alerts not queued already whose next try is due (new ones at once). */
    private void dispatch(GatewayDeployment gw, AlertsSpec a, AlertLedger ledger, Instant now) {
        AlertSender out = sender;
        if (out == null) {
            return;
        }
        for (AlertLedger.Pending p : ledger.pending()) {
            for (String name : p.channels()) {
                AlertChannelSpec c = channel(a, name, p.event());
                if (c == null) {
                    continue;
                }
                AlertSender.Delivery d = delivery(gw, c, p.event());
                String k = deliveryKey(d);
                long[] r = retries.get(k);
                if (inFlight.contains(k) || r != null && now.toEpochMilli() < r[1]) {
                    continue;
                }
                inFlight.add(k);
                if (!out.offer(d)) {
                    inFlight.remove(k);
                    ended.add(new Ended(d, AlertSender.Outcome.RETRY));
                }
            }
        }
    }

    /** A channel's URL, from its Secret in the gateway's namespace (labelled {@value #SECRET_LABEL}). */
    private Optional<String> url(AlertSender.Delivery d) {
        Secret s = client.get().secrets().inNamespace(d.namespace()).withName(d.secret()).get();
        if (s == null || s.getMetadata().getLabels() == null || !s.getMetadata().getLabels().containsKey(SECRET_LABEL)) {
            return Optional.empty();
        }
        return Optional.ofNullable(SecretLookup.decoded(s).get(d.key())).filter(v -> !v.isBlank());
    }

    static String configMapName(GatewayDeployment gw) {
        return gw.getMetadata().getName() + "-alerts";
    }

    static String baselineName(GatewayDeployment gw) {
        return gw.getMetadata().getName() + "-alerts-baseline";
    }

    private Held load(GatewayDeployment gw) {
        return new Held(AlertLedger.parse(data(gw, configMapName(gw)).get(AlertLedger.SENT)),
                DailySpend.Totals.parse(data(gw, baselineName(gw)).get(DailySpend.BASELINE)));
    }

    private Map<String, String> data(GatewayDeployment gw, String name) {
        ConfigMap cm = client.get().configMaps().inNamespace(gw.getMetadata().getNamespace()).withName(name).get();
        return cm == null || cm.getData() == null ? Map.of() : cm.getData();
    }

    private boolean writeLedger(GatewayDeployment gw, AlertLedger ledger) {
        return write(gw, configMapName(gw), Map.of(AlertLedger.SENT, ledger.format()),
                "what alerts were found and sent, so none is sent now");
    }

    /** The daily report's baseline (none: the ConfigMap is emptied, as no report is declared). */
    private boolean writeBaseline(GatewayDeployment gw, DailySpend.Totals baseline) {
        return write(gw, baselineName(gw), baseline == null ? Map.of() : Map.of(DailySpend.BASELINE, baseline.format()),
                "the daily spend report's baseline");
    }

    /** Creates or replaces a ConfigMap owned by the GatewayDeployment (labelled {@value #LABEL}). */
    private boolean write(GatewayDeployment gw, String name, Map<String, String> data, String what) {
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(name)
                .withNamespace(gw.getMetadata().getNamespace()).addToLabels(LABEL, "true")
                .addToLabels("app.kubernetes.io/part-of", "tollgate")
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(gw.getApiVersion()).withKind(gw.getKind())
                        .withName(gw.getMetadata().getName()).withUid(gw.getMetadata().getUid()).build())
                .endMetadata()
                .withData(data).build();
        try {
            client.get().configMaps().inNamespace(gw.getMetadata().getNamespace()).resource(cm)
                    .createOr(NonDeletingOperation::update);
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("could not write ConfigMap %s/%s (%s): %s", gw.getMetadata().getNamespace(), name, what,
                    e.getMessage());
            return false;
        }
    }

    /** Each served key's and model's lifetime spend as status shows it now. */
    private DailySpend.Totals totals(String gateway, Instant now) {
        Map<String, Long> out = new HashMap<>();
        RenderedGateways r = rendered.get();
        Set<String> keys = r.served(gateway, RenderedGateways.KEY);
        Set<String> namespaces = new TreeSet<>();
        keys.forEach(k -> namespaces.add(AlertRules.ns(k)));
        for (String ns : namespaces) { // once a day per gateway: the operator keeps no cache of every key's status
            for (VirtualKey vk : client.get().resources(VirtualKey.class).inNamespace(ns).list().getItems()) {
                if (keys.contains(key(vk)) && vk.getStatus() != null && vk.getStatus().getUsage() != null) {
                    micros(vk.getStatus().getUsage().getTotalSpend()).ifPresent(v -> {
                        out.put("VirtualKey/" + key(vk), v);
                        out.merge("Namespace/" + ns, v, Long::sum);
                    });
                }
            }
        }
        Set<String> models = r.served(gateway, RenderedGateways.MODEL);
        for (LlmModel m : caches.get().cached(LlmModel.class)) {
            if (models.contains(key(m)) && m.getStatus() != null && m.getStatus().getUsage() != null) {
                micros(m.getStatus().getUsage().getTotalSpend()).ifPresent(v -> out.put("LlmModel/" + key(m), v));
            }
        }
        return new DailySpend.Totals(now, out);
    }

    static AlertRules.BudgetView budgetView(Budget b) {
        var st = b.getStatus();
        int threshold = b.getSpec() == null || b.getSpec().getAlertThresholdPercent() == null ? 80
                : b.getSpec().getAlertThresholdPercent();
        return new AlertRules.BudgetView(key(b), isTrue(st.condition("NearLimit")), isTrue(st.condition("Exceeded")),
                st.getPeriodStart(), st.getResetsAt(), st.getSpend(), b.getSpec() == null ? null : b.getSpec().getLimit(),
                threshold, b.getSpec() == null ? null : b.getSpec().getPeriod());
    }

    private static boolean isTrue(Optional<Condition> c) {
        return c.filter(x -> Condition.TRUE.equals(x.getStatus())).isPresent();
    }

    private static Optional<Long> micros(String decimal) {
        try {
            return decimal == null ? Optional.empty() : Optional.of(Money.parseMicros(decimal));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String key(io.fabric8.kubernetes.api.model.HasMetadata r) {
        return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
    }
}
