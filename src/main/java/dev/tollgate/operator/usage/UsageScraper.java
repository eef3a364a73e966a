package dev.tollgate.operator.usage;

import dev.tollgate.api.v1alpha1.UsageShare;
import dev.tollgate.config.Money;
import dev.tollgate.config.UsageReport;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Reads every gateway pod's usage report ({@code GET <podIP>:9000/tollgate/usage}, a {@link UsageReport}) every few
 * seconds and tells the controllers which resources' figures changed; they merge them into status with
 * {@link UsageMerge}. Pods are found through informers, never by listing.
 *
 * <p>Only the operator's own gateway pods are read, and only about what they serve. A pod counts when it runs in a
 * GatewayDeployment's namespace, its controller is a ReplicaSet whose controller is the Deployment the operator made
 * for that GatewayDeployment (by uid, see {@link ServedIds}); the gateway it reports for is the one that chain leads
 * to, never its labels (anyone who can create a pod can copy them). Figures about ids that gateway's current render
 * does not serve are dropped before they reach a listener, a share or a status. Any other pod is ignored.
 *
 * <p>A gateway that names a Redis journals its counters there, and its report carries the figures of crashed
 * incarnations (orphans) and the list of every incarnation Redis still holds ({@code journal}). Orphans count like
 * live incarnations (a value per incarnation, the larger reading wins). A journaled incarnation ends only when its
 * process is over and a report of its gateway, requested after the last one that listed it, lists it no longer:
 * then Redis has dropped it (retention), so no report can bring it back after it was folded.
 *
 * <p>Runs on the elected leader only ({@code OperatorLifecycle}): a read is a stopping gateway's hand-over, so a
 * standby must never read one. {@link #start()} and {@link #stop()} may be called again and again.
 */
@ApplicationScoped
public class UsageScraper {
    private static final Logger LOG = Logger.getLogger(UsageScraper.class);
    /** The label every gateway pod and its ReplicaSet carry: a cheap first filter, never trusted on its own. */
    static final String GATEWAY_POD_LABEL = "app.kubernetes.io/name";
    static final String GATEWAY_POD_LABEL_VALUE = "tollgate-gateway";

    /**
     * A gateway pod whose usage report could not be read {@code times} times in a row.
     *
     * @param gateway namespace/name of the GatewayDeployment the pod belongs to
     * @param pod     namespace/name of the pod
     * @param error   what the last read met (e.g. "HTTP 503", "Connection refused"); never a secret
     */
    public record Failing(String gateway, String pod, int times, String error) {}

    /** The last report of one pod, with only the figures its gateway serves. */
    record PodReport(String podUid, String podName, String namespace, String gateway, String incarnation, UsageReport report,
            long seq) {
        /** namespace/name of the gateway whose Redis journals this pod's usage, or null when it has no journal. */
        String journal() {
            return report.journal() != null && gateway != null ? namespace + "/" + gateway : null;
        }

        /** This pod's own incarnation's figures and every orphan's it carries, by incarnation. */
        Map<String, UsageReport> figures() {
            Map<String, UsageReport> out = new java.util.LinkedHashMap<>();
            if (report.journal() != null) {
                out.putAll(report.journal().orphans());
            }
            out.put(incarnation, report);
            return out;
        }
    }

    private final KubernetesClient client;
    private final Vertx vertx;
    private final ServedIds served;
    private final int port;
    private final long intervalMillis;
    private final Map<String, PodReport> reports = new ConcurrentHashMap<>();
    /**
     * The last reports of deleted pods (by pod uid), kept until every resource they name holds their final figures
     * in status: under the status write budget a figure may wait minutes for its write, and dropping the report
     * with the pod would lose what the pod served since its resources' last write.
     */
    private final Map<String, Retired> retired = new ConcurrentHashMap<>();
    /** The status write budget: a key whose figures moved waits for its turn there (no reconcile per scrape). */
    private final StatusWriteBudget writes;
    /** Pods read in this operator run, and the incarnation each reported last. */
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final Map<String, List<Consumer<ResourceID>>> listeners = new ConcurrentHashMap<>();
    /** Numbers the report requests in the order they were sent. */
    private final java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong();
    /** Per incarnation, the number of the latest request whose report listed it (as itself, an orphan or journaled). */
    private final Map<String, Long> lastListed = new ConcurrentHashMap<>();
    /** Pods (uid) already logged as not a gateway's, or as reporting ids their gateway does not serve: logged once. */
    private final java.util.Set<String> logged = ConcurrentHashMap.newKeySet();
    /** Per pod (uid): the reads that failed in a row (for the UsageCollectionFailing alert); gone once one succeeds. */
    private final Map<String, Failing> failing = new ConcurrentHashMap<>();
    private volatile ScopedInformer<Pod> pods;
    private volatile ScopedInformer<ReplicaSet> replicaSets;
    private HttpClient http;
    private long timer = -1;
    /** Counts the reads (null in the tests' own scrapers). */
    @Inject
    dev.tollgate.operator.OperatorMetrics metrics;

    /**
     * A deleted pod's last report, with its own incarnation's figures only (what its journal said of others lives in
     * Redis and in other pods' reports), and the resources ("section|id") still waiting to hold its final figures.
     */
    record Retired(PodReport report, long atMillis, java.util.Set<String> pending) {}

    @Inject
    public UsageScraper(KubernetesClient client, Vertx vertx, ServedIds served, StatusWriteBudget writes,
            @ConfigProperty(name = "tollgate.operator.usage-port", defaultValue = "9000") int port,
            @ConfigProperty(name = "tollgate.operator.usage-scrape-interval-millis", defaultValue = "5000") long intervalMillis) {
        this.client = client;
        this.vertx = vertx;
        this.served = served;
        this.writes = writes;
        this.port = port;
        this.intervalMillis = intervalMillis;
    }

    /** A scraper with its own, empty registry (tests fill it through {@link #served()}). */
    UsageScraper(KubernetesClient client, Vertx vertx, int port, long intervalMillis) {
        this(client, vertx, new ServedIds(), null, port, intervalMillis);
    }

    ServedIds served() {
        return served;
    }

    /**
     * Registers for changes of one report section ("keys", "models", "budgets", "gateways", "prompts": by the Prompt's
     * id, for any of its versions), by resource id.
     */
    public void onChange(String section, Consumer<ResourceID> listener) {
        listeners.computeIfAbsent(section, s -> new CopyOnWriteArrayList<>()).add(listener);
    }

    /** {@link #start(Set)} over all namespaces. */
    public void start() {
        start(Set.of());
    }

    /**
     * Opens the pod and ReplicaSet informers and reads every gateway pod each interval. Does nothing when running.
     *
     * @param namespaces the watch scope: the GatewayDeployment controller's namespaces, empty for all. Pods and
     *     ReplicaSets elsewhere are never listed, watched or read.
     */
    public synchronized void start(Set<String> namespaces) {
        if (pods != null) {
            return;
        }
        http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000).setKeepAlive(true));
        // The gateway's ReplicaSets carry its pod labels: the chain pod -> ReplicaSet -> Deployment is read from here.
        replicaSets = ScopedInformer.open(namespaces,
                ns -> client.apps().replicaSets().inNamespace(ns).withLabel(GATEWAY_POD_LABEL, GATEWAY_POD_LABEL_VALUE).inform(),
                () -> client.apps().replicaSets().inAnyNamespace().withLabel(GATEWAY_POD_LABEL, GATEWAY_POD_LABEL_VALUE).inform());
        ResourceEventHandler<Pod> onPod = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                deleted(pod.getMetadata().getUid());
            }
        };
        pods = ScopedInformer.open(namespaces,
                ns -> client.pods().inNamespace(ns).withLabel(GATEWAY_POD_LABEL, GATEWAY_POD_LABEL_VALUE).inform(onPod),
                () -> client.pods().inAnyNamespace().withLabel(GATEWAY_POD_LABEL, GATEWAY_POD_LABEL_VALUE).inform(onPod));
        timer = vertx.setPeriodic(intervalMillis, id -> scrapeAll());
        if (metrics != null) {
            metrics.collecting(true);
        }
        LOG.debugf("usage collection started (every %d ms)", intervalMillis);
    }

    /**
     * Stops reading reports and forgets what was read: a replica that lost leadership must not take a stopping
     * gateway's hand-over, and if it leads again it starts like a new operator run (nothing folded until each pod
     * was read again).
     */
    public synchronized void stop() {
        if (metrics != null) {
            metrics.collecting(false);
        }
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        if (pods != null) {
            pods.close();
            pods = null;
        }
        if (replicaSets != null) {
            replicaSets.close();
            replicaSets = null;
        }
        if (http != null) {
            http.close();
            http = null;
        }
        reports.clear();
        failing.clear();
        retired.clear();
        seen.clear();
        lastListed.clear();
        logged.clear();
    }

    /** Whether reports are being read (this replica leads, or runs without leader election). */
    public boolean running() {
        return pods != null;
    }

    private void scrapeAll() {
        ScopedInformer<Pod> informer = pods;
        HttpClient web = http;
        if (informer == null || web == null) {
            return;
        }
        for (Pod pod : informer.list()) {
            String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            if (ip == null || ip.isBlank()) {
                continue;
            }
            ServedIds.Served owner = owner(pod);
            if (owner == null) {
                continue;
            }
            String uid = pod.getMetadata().getUid();
            long seq = requests.incrementAndGet();
            web.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(ip).setPort(port).setURI("/tollgate/usage")
                    .setTimeout(3000).putHeader("x-tollgate-reader", "operator"))
                    .compose(req -> req.send().compose(resp -> resp.statusCode() == 200 ? resp.body()
                            : io.vertx.core.Future.failedFuture("HTTP " + resp.statusCode())))
                    .onSuccess(body -> {
                        failing.remove(uid);
                        if (pods == informer) { // not an answer arriving after this run stopped
                            accept(uid, pod.getMetadata().getName(), pod.getMetadata().getNamespace(), owner.gateway(),
                                    body.toString(), seq);
                        }
                    })
                    .onFailure(t -> {
                        if (pods == informer) {
                            failing.merge(uid, new Failing(owner.gateway() == null ? null
                                    : pod.getMetadata().getNamespace() + "/" + owner.gateway(),
                                    pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(), 1,
                                    String.valueOf(t.getMessage())),
                                    (was, now) -> new Failing(now.gateway(), now.pod(), was.times() + 1, now.error()));
                        }
                        if (metrics != null) {
                            metrics.usageRead(false, false);
                        }
                        LOG.debugf("could not read usage of pod %s: %s", pod.getMetadata().getName(), t.getMessage());
                    });
        }
    }

    /**
     * The gateway a pod belongs to, or null: the pod's controller is a ReplicaSet (by name and uid) in its namespace,
     * whose controller is the Deployment made for a GatewayDeployment of that namespace (by name and uid). A pod
     * that fails is logged once, at debug level: a team's own pod that copied the labels is not an error.
     */
    ServedIds.Served owner(Pod pod) {
        String ns = pod.getMetadata().getNamespace();
        String why;
        OwnerReference rsRef = ServedIds.controller(pod);
        ReplicaSet rs = null;
        if (rsRef == null || !"ReplicaSet".equals(rsRef.getKind()) || !"apps/v1".equals(rsRef.getApiVersion())) {
            why = "its controller is not a ReplicaSet";
        } else if (replicaSets == null || (rs = replicaSets.get(ns, rsRef.getName())) == null
                || rsRef.getUid() == null || !rsRef.getUid().equals(rs.getMetadata().getUid())) {
            why = "its ReplicaSet " + rsRef.getName() + " is not a gateway's (not known with that uid)";
        } else {
            OwnerReference dRef = ServedIds.controller(rs);
            ServedIds.Served s = dRef == null || !"Deployment".equals(dRef.getKind()) || !"apps/v1".equals(dRef.getApiVersion())
                    ? null : served.ownerOf(ns, dRef.getName(), dRef.getUid());
            if (s != null) {
                return s;
            }
            why = "its ReplicaSet " + rs.getMetadata().getName() + " is not controlled by the Deployment of a GatewayDeployment";
        }
        if (logged.add(pod.getMetadata().getUid())) {
            LOG.debugf("not reading the usage of pod %s/%s: %s", ns, pod.getMetadata().getName(), why);
        }
        return null;
    }

    /** Takes a report as if read now (tests). */
    void accept(String podUid, String podName, String namespace, String gateway, String body) {
        accept(podUid, podName, namespace, gateway, body, requests.incrementAndGet());
    }

    /**
     * Takes a report of a pod of {@code gateway} (from the ownership chain), answering request number {@code seq}:
     * keeps only the figures about ids the gateway serves, then tells the listeners what changed.
     */
    void accept(String podUid, String podName, String namespace, String gateway, String body, long seq) {
        UsageReport read;
        try {
            read = UsageReport.read(body);
        } catch (Exception e) {
            LOG.warnf("pod %s/%s sent an unreadable usage report: %s", namespace, podName, e.getMessage());
            if (metrics != null) {
                metrics.usageRead(true, false);
            }
            return;
        }
        if (metrics != null) {
            metrics.usageRead(true, true);
        }
        String incarnation = read.incarnation();
        ServedIds.Served what = served.gateway(namespace, gateway);
        if (incarnation == null || what == null) {
            return;
        }
        int[] dropped = new int[1];
        UsageReport report = what.retain(read, dropped);
        if (dropped[0] > 0 && logged.add(podUid + "/ids")) {
            LOG.debugf("pod %s/%s reported %d figures about ids gateway %s does not serve: dropped", namespace, podName,
                    dropped[0], gateway);
        }
        PodReport next = new PodReport(podUid, podName, namespace, gateway, incarnation, report, seq);
        // listed before it is held, so no report can look newer than the last listing of what it lists
        next.figures().keySet().forEach(id -> lastListed.merge(id, seq, Math::max));
        if (report.journal() != null) {
            report.journal().incarnations().forEach(id -> lastListed.merge(id, seq, Math::max));
        }
        PodReport[] held = new PodReport[1];
        if (reports.compute(podUid, (k, old) -> {
            held[0] = old;
            return old != null && old.seq() > seq ? old : next;
        }) != next) {
            return; // the answer to an older request arrived after a newer one's
        }
        PodReport previous = held[0];
        String before = seen.put(podUid, incarnation);
        if (previous == null || !previous.report().equals(report) || !Objects.equals(before, incarnation)) {
            announce(report, previous == null ? null : previous.report());
            if (previous != null) {
                announce(previous.report(), report); // what dropped out of it (an ended or expired orphan) is looked at again
            }
            fire("gateways", namespace + "/" + gateway);
        }
    }

    /**
     * Tells the controllers about the resources a report names. Models, budgets and gateways are few: their
     * controllers are told at once. Keys are many: a key whose figures only moved is handed to the status write
     * budget, which tells its controller when its turn comes; only a key whose RateLimited condition may flip (its
     * refusals in the last minute went from none to some, or back) or that is new in this pod's report is told now.
     *
     * @param before the same pod's previous report (null: none)
     */
    private void announce(UsageReport report, UsageReport before) {
        List<UsageReport> all = new java.util.ArrayList<>(List.of(report));
        if (report.journal() != null) {
            all.addAll(report.journal().orphans().values());
        }
        for (UsageReport r : all) {
            boolean own = r == report;
            r.keys().forEach((id, c) -> {
                UsageReport.Counters was = !own || before == null ? null : before.keys().get(id);
                if (c.equals(was)) {
                    return;
                }
                if (writes == null || (own && (was == null || limited(was) != limited(c)))) {
                    fire("keys", id);
                } else {
                    moved("keys", id);
                }
            });
            java.util.Set<String> models = new java.util.TreeSet<>(r.models().keySet());
            models.addAll(r.health().keySet()); // a cooldown another replica shared, on a deployment this one never called
            models.forEach(id -> fire("models", id));
            r.budgets().values().forEach(b -> fire("budgets", b.budget()));
            if (r.prompts() != null) {
                // a Prompt is told at once when a version of it is new in this pod's report, else through the budget
                Map<String, UsageReport.Counters> was = !own || before == null || before.prompts() == null ? Map.of()
                        : before.prompts();
                java.util.Set<String> now = new java.util.TreeSet<>();
                java.util.Set<String> moved = new java.util.TreeSet<>();
                r.prompts().forEach((key, c) -> {
                    UsageReport.Counters previous = was.get(key);
                    if (!c.equals(previous)) {
                        (writes == null || (own && previous == null) ? now : moved).add(promptId(key));
                    }
                });
                moved.removeAll(now);
                now.forEach(id -> fire("prompts", id));
                moved.forEach(id -> moved("prompts", id));
            }
        }
    }

    /** The Prompt of a prompt version's figures ({@code <promptId>@<version>}). */
    static String promptId(String promptVersion) {
        int at = promptVersion.lastIndexOf('@');
        return at < 0 ? promptVersion : promptVersion.substring(0, at);
    }

    private static boolean limited(UsageReport.Counters c) {
        return c.rateLimited() != null && c.rateLimited() > 0;
    }

    private void moved(String section, String id) {
        int slash = id.indexOf('/');
        if (slash > 0) {
            writes.moved(section, new ResourceID(id.substring(slash + 1), id.substring(0, slash)));
        }
    }

    /** A pod is gone: its last report is kept until its resources hold its final figures, which they are told. */
    void deleted(String podUid) {
        logged.remove(podUid);
        logged.remove(podUid + "/ids");
        failing.remove(podUid);
        PodReport gone = reports.remove(podUid);
        if (gone != null) {
            retire(gone);
            announce(gone.report(), null); // their resources take its final figures, then fold them
            if (gone.gateway() != null) {
                fire("gateways", gone.namespace() + "/" + gone.gateway());
            }
        }
    }

    /** Keeps a deleted pod's last report (its own figures) until its resources hold them (see {@link #settle}). */
    private void retire(PodReport gone) {
        UsageReport own = gone.report().withJournal(null);
        java.util.Set<String> pending = ConcurrentHashMap.newKeySet();
        own.keys().keySet().forEach(id -> pending.add("keys|" + id));
        own.models().keySet().forEach(id -> pending.add("models|" + id));
        own.budgets().values().forEach(b -> pending.add("budgets|" + b.budget()));
        if (own.prompts() != null) {
            own.prompts().keySet().forEach(v -> pending.add("prompts|" + promptId(v)));
        }
        if (gone.gateway() != null) {
            pending.add("gateways|" + gone.namespace() + "/" + gone.gateway());
        }
        long now = System.currentTimeMillis();
        // a resource deleted meanwhile never settles: an hour is far beyond any figure's wait
        retired.values().removeIf(r -> now - r.atMillis() > 3_600_000);
        if (!pending.isEmpty()) {
            retired.put(gone.podUid(), new Retired(new PodReport(gone.podUid(), gone.podName(), gone.namespace(),
                    gone.gateway(), gone.incarnation(), own, gone.seq()), now, pending));
        }
    }

    /** Every report figures are read from: the live pods' and the retired ones'. */
    private Iterable<PodReport> sources() {
        if (retired.isEmpty()) {
            return reports.values();
        }
        List<PodReport> all = new java.util.ArrayList<>(reports.values());
        retired.values().forEach(r -> all.add(r.report()));
        return all;
    }

    /** A resource's live figures, and which of them are deleted pods' final figures (to fold now). */
    public record Settled(Map<String, UsageShare> live, java.util.Set<String> finals) {
        /** The finals the merged usage no longer holds as shares: folded by it. */
        public java.util.Set<String> foldedIn(dev.tollgate.api.v1alpha1.Usage merged) {
            java.util.Set<String> out = new java.util.HashSet<>(finals);
            if (merged != null && merged.getShares() != null) {
                out.removeAll(merged.getShares().keySet());
            }
            return out;
        }
    }

    /**
     * The live figures of one resource, with the deleted pods' final figures marked as such: {@link UsageMerge}
     * folds them in at once (their pod is gone), in the status write that carries them. Once such a write was made
     * ({@link #folded}), the deleted pod's figures leave this resource's live figures for good, so they are folded
     * exactly once; until then (the write held back by the budget) they stay, and nothing is lost with the pod.
     *
     * @param section "keys", "models", "budgets", "gateways" or "prompts" (a Prompt: {@code id} is the Prompt's, the
     *                {@code live} figures one version's)
     */
    public Settled settle(String section, String id, Map<String, UsageShare> live) {
        if (retired.isEmpty()) {
            return new Settled(live, java.util.Set.of());
        }
        Map<String, UsageShare> out = new HashMap<>(live);
        java.util.Set<String> finals = new java.util.HashSet<>();
        for (Retired r : retired.values()) {
            String inc = r.report().incarnation();
            if (out.containsKey(inc)) {
                if (r.pending().contains(section + "|" + id)) {
                    finals.add(inc);
                } else {
                    out.remove(inc); // folded by an earlier write
                }
            }
        }
        return new Settled(out, finals);
    }

    /**
     * Lets go of a deleted pod's final figures for the Prompt {@code id} when they are all of versions its spec no
     * longer has ({@code versionKeys}: the spec's {@code <id>@<version>}): no status write folds them (a version removed
     * from the spec loses its usage), so they would keep the pod's report pending until it expires. Figures of a
     * version still in the spec stay pending, for {@link #settle} and {@link #folded}.
     */
    public void promptVersionsGone(String id, java.util.Set<String> versionKeys) {
        String pendingKey = "prompts|" + id;
        for (var it = retired.entrySet().iterator(); it.hasNext(); ) {
            Retired r = it.next().getValue();
            if (!r.pending().contains(pendingKey)) {
                continue;
            }
            Map<String, UsageReport.Counters> prompts = r.report().report().prompts();
            boolean live = prompts != null && prompts.keySet().stream()
                    .anyMatch(v -> promptId(v).equals(id) && versionKeys.contains(v));
            if (!live) {
                r.pending().remove(pendingKey);
                if (r.pending().isEmpty()) {
                    it.remove();
                }
            }
        }
    }

    /** Whether a deleted pod's final figures for {@code section|id} still wait for a status write (tests). */
    boolean pending(String section, String id) {
        return retired.values().stream().anyMatch(r -> r.pending().contains(section + "|" + id));
    }

    private void fire(String section, String id) {
        int slash = id.indexOf('/');
        if (slash < 0) {
            return;
        }
        ResourceID rid = new ResourceID(id.substring(slash + 1), id.substring(0, slash));
        listeners.getOrDefault(section, List.of()).forEach(l -> l.accept(rid));
    }

    /**
     * The status write that folded these deleted pods' incarnations into one resource was made. A Budget's fold is
     * announced again: the spend each gateway's pods get back ({@code <gw>-spend}) lists the incarnations still live.
     * It is announced only once the deleted pods' figures have left this resource's live figures ({@link #settle}):
     * a gateway reconcile it starts may run at once, on another thread, and must not find them there still (it
     * would hand the gone incarnation's part back, and nothing would announce the fold again). That reconcile may
     * still read the Budget's older status (the write is made when the Budget's reconcile returns): the seed's own
     * merge folds the gone incarnation's share found there ({@link #ended}), so it hands back the same figures.
     */
    public void folded(String section, String id, java.util.Set<String> incarnations) {
        if (incarnations.isEmpty()) {
            return;
        }
        for (var it = retired.entrySet().iterator(); it.hasNext(); ) {
            Retired r = it.next().getValue();
            if (incarnations.contains(r.report().incarnation())) {
                r.pending().remove(section + "|" + id);
                if (r.pending().isEmpty()) {
                    it.remove();
                }
            }
        }
        if ("budgets".equals(section)) {
            fire(section, id);
        }
    }

    /**
     * Whether an incarnation is over for good and can never be reported again. Its process is over: its pod is gone,
     * or the pod has since reported another incarnation in this operator run (a share known only as an orphan has
     * no pod, and its process is over by definition). Unknown (the pod informer not synced, the pod not read yet
     * since the operator started) is not over. A journaled share also needs Redis to have dropped it: a report of
     * its gateway, requested after the last report that listed it, lists it no longer. (After an operator restart
     * every report is newer than the listings the share in status came from: it was journaled at its start.)
     */
    public boolean ended(String incarnation, UsageShare share) {
        ScopedInformer<Pod> pods = this.pods;
        if (pods == null || !pods.hasSynced()) {
            return false;
        }
        String podUid = share == null ? null : share.getPod();
        boolean processOver;
        if (podUid == null) {
            processOver = true;
        } else if (pods.list().stream().noneMatch(p -> p.getMetadata().getUid().equals(podUid))) {
            processOver = true;
        } else {
            String current = seen.get(podUid);
            processOver = current != null && !current.equals(incarnation);
        }
        if (!processOver || share == null || share.getJournal() == null) {
            return processOver;
        }
        long listed = lastListed.getOrDefault(incarnation, 0L);
        return reports.values().stream().anyMatch(r -> share.getJournal().equals(r.journal()) && r.seq() > listed
                && !r.figures().containsKey(incarnation));
    }

    /** Latest figures of every live incarnation about one key or model, by incarnation. */
    public Map<String, UsageShare> shares(String section, String id) {
        return shares(section, id, null, null);
    }

    /**
     * The same, with each share's spend in one budget period ({@code slot} = "budgetId@periodStartMillis", starting
     * at {@code periodStart}) as its periodSpend.
     */
    public Map<String, UsageShare> shares(String section, String id, String slot, String periodStart) {
        Map<String, UsageShare> out = new HashMap<>();
        for (PodReport r : sources()) {
            r.figures().forEach((incarnation, figures) -> {
                UsageReport.Counters c = section(figures, section).get(id);
                if (c != null) {
                    UsageShare s = new UsageShare();
                    s.setPod(incarnation.equals(r.incarnation()) ? r.podUid() : null);
                    s.setJournal(r.journal());
                    s.setRequests(c.requests());
                    s.setErrors(c.errors());
                    s.setInputTokens(c.inputTokens());
                    s.setOutputTokens(c.outputTokens());
                    s.setSpend(Money.format(c.spendMicros()));
                    s.setCacheHits(c.cacheHits());
                    s.setSemanticCacheHits(c.semanticCacheHits());
                    s.setCacheSavedSpend(c.cacheSavedMicros() == null ? null : Money.format(c.cacheSavedMicros()));
                    s.setCachedInputTokens(c.cachedInputTokens());
                    s.setCacheWriteTokens(c.cacheWriteTokens());
                    s.setLastUsedAt(c.lastUsedAt());
                    if (slot != null) {
                        s.setPeriodStart(periodStart);
                        s.setPeriodSpend(Money.format(c.budgets() == null ? 0 : c.budgets().getOrDefault(slot, 0L)));
                    }
                    out.merge(incarnation, s, UsageMerge::latest);
                }
            });
        }
        return out;
    }

    /** One section of a report: "keys", "models" or "prompts" (by prompt version). */
    private static Map<String, UsageReport.Counters> section(UsageReport r, String section) {
        return switch (section) {
            case "keys" -> r.keys();
            case "models" -> r.models();
            case "prompts" -> r.prompts() == null ? Map.of() : r.prompts();
            default -> Map.of();
        };
    }

    /** Each live incarnation of one gateway's pods, its figures summed over the deployments it served. */
    public Map<String, UsageShare> gatewayShares(String namespace, String gateway) {
        Map<String, UsageShare> out = new HashMap<>();
        for (PodReport r : sources()) {
            if (namespace.equals(r.namespace()) && gateway.equals(r.gateway())) {
                r.figures().forEach((incarnation, figures) -> {
                    UsageShare sum = new UsageShare();
                    for (String id : figures.models().keySet()) {
                        UsageShare one = shares("models", id).get(incarnation);
                        if (one != null) {
                            UsageMerge.add(sum, one, null);
                        }
                    }
                    sum.setPod(incarnation.equals(r.incarnation()) ? r.podUid() : null);
                    sum.setJournal(r.journal());
                    out.merge(incarnation, sum, UsageMerge::latest);
                });
            }
        }
        return out;
    }

    /** The config hash each live pod of a gateway reports serving, by pod name. */
    public Map<String, String> servedConfigs(String namespace, String gateway) {
        Map<String, String> out = new java.util.TreeMap<>();
        reports.values().stream().filter(r -> namespace.equals(r.namespace()) && gateway.equals(r.gateway()))
                .forEach(r -> out.put(r.podName(), Objects.requireNonNullElse(r.report().config(), "")));
        return out;
    }

    /**
     * Requests (or tokens) per minute in use now over every live report of one key or model; {@code field} is one of
     * rpm, tpm, rateLimited, upstreamFailures.
     */
    public Long inUse(String section, String id, String field) {
        long sum = 0;
        boolean any = false;
        for (PodReport r : reports.values()) {
            UsageReport.Counters c = section(r.report(), section).get(id);
            if (c != null) {
                any = true;
                Long v = switch (field) {
                    case "rpm" -> c.rpm();
                    case "tpm" -> c.tpm();
                    case "rateLimited" -> c.rateLimited();
                    case "upstreamFailures" -> c.upstreamFailures();
                    default -> throw new IllegalArgumentException("no figure in use named " + field);
                };
                sum += v == null ? 0 : v;
            }
        }
        return any ? sum : null;
    }

    /**
     * How each live gateway process sees one deployment now (its report's {@code health}): live pods only, never an
     * orphan or a deleted pod (health is of the moment). Null when nothing is known yet: no report was read in this
     * operator run (collection just started, or this replica does not lead), so status keeps what it has; empty when
     * reports were read and none names the deployment.
     */
    public List<UsageReport.Health> health(String id) {
        if (seen.isEmpty()) {
            return null;
        }
        List<UsageReport.Health> out = new java.util.ArrayList<>();
        for (PodReport r : reports.values()) {
            UsageReport.Health h = r.report().health().get(id);
            if (h != null) {
                out.add(h);
            }
        }
        return out;
    }

    /** The pods of a gateway ({@code namespace/name}) whose reads failed in a row now, with how many times. */
    public List<Failing> failing(String gateway) {
        return failing.values().stream().filter(f -> gateway.equals(f.gateway())).toList();
    }

    /** What each live pod of one gateway reports of its slow and hanging requests (pods that watch none are left out). */
    public List<UsageReport.Requests> requests(String namespace, String gateway) {
        List<UsageReport.Requests> out = new java.util.ArrayList<>();
        for (PodReport r : reports.values()) {
            if (namespace.equals(r.namespace()) && gateway.equals(r.gateway()) && r.report().requests() != null) {
                out.add(r.report().requests());
            }
        }
        return out;
    }

    /** Each live incarnation's spend on one budget in the period starting at {@code periodStart} (RFC 3339). */
    public Map<String, UsageShare> budgetShares(String budgetId, String periodStart) {
        Map<String, UsageShare> out = new HashMap<>();
        for (PodReport r : sources()) {
            r.figures().forEach((incarnation, figures) -> {
                long total = 0;
                long inPeriod = 0;
                boolean any = false;
                for (UsageReport.BudgetSpend b : figures.budgets().values()) {
                    if (b != null && budgetId.equals(b.budget())) {
                        any = true;
                        total += b.spendMicros();
                        if (periodStart.equals(b.periodStart())) {
                            inPeriod += b.spendMicros();
                        }
                    }
                }
                if (any) {
                    UsageShare s = new UsageShare();
                    s.setPod(incarnation.equals(r.incarnation()) ? r.podUid() : null);
                    s.setJournal(r.journal());
                    s.setSpend(Money.format(total));
                    s.setPeriodStart(periodStart);
                    s.setPeriodSpend(Money.format(inPeriod));
                    out.merge(incarnation, s, UsageMerge::latest);
                }
            });
        }
        return out;
    }
}
