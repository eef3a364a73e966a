package dev.tollgate.operator.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.v1alpha1.UsageShare;
import dev.tollgate.config.Money;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Reads every gateway pod's usage report ({@code GET <podIP>:9000/tollgate/usage}) every few seconds and tells
 * the controllers which resources' figures changed; they merge them into status with {@link UsageMerge}. Pods
 * are found through an informer (label app.kubernetes.io/name=tollgate-gateway), never by listing.
 *
 * <p>A gateway that names a Redis journals its counters there, and its report carries the figures of crashed
 * incarnations (orphans) and the list of every incarnation Redis still holds ({@code journal}). Orphans count like
 * live incarnations (a value per incarnation, the larger reading wins). A journaled incarnation ends only when its
 * process is over and a report of its gateway, requested after the last one that listed it, lists it no longer:
 * then Redis has dropped it (retention), so no report can bring it back after it was folded.
 */
@ApplicationScoped
public class UsageScraper {
    private static final Logger LOG = Logger.getLogger(UsageScraper.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The last report of one pod. */
    record PodReport(String podUid, String podName, String namespace, String gateway, String incarnation, JsonNode report,
            long seq) {
        /** namespace/name of the gateway whose Redis journals this pod's usage, or null when it has no journal. */
        String journal() {
            return report.has("journal") && gateway != null ? namespace + "/" + gateway : null;
        }

        /** This pod's own incarnation's figures and every orphan's it carries, by incarnation. */
        Map<String, JsonNode> figures() {
            Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
            report.path("journal").path("orphans").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
            out.put(incarnation, report);
            return out;
        }
    }

    private final KubernetesClient client;
    private final Vertx vertx;
    private final int port;
    private final long intervalMillis;
    private final Map<String, PodReport> reports = new ConcurrentHashMap<>();
    /** Pods read in this operator run, and the incarnation each reported last. */
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final Map<String, List<Consumer<ResourceID>>> listeners = new ConcurrentHashMap<>();
    /** Numbers the report requests in the order they were sent. */
    private final java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong();
    /** Per incarnation, the number of the latest request whose report listed it (as itself, an orphan or journaled). */
    private final Map<String, Long> lastListed = new ConcurrentHashMap<>();
    private SharedIndexInformer<Pod> pods;
    private HttpClient http;

    public UsageScraper(KubernetesClient client, Vertx vertx,
            @ConfigProperty(name = "tollgate.operator.usage-port", defaultValue = "9000") int port,
            @ConfigProperty(name = "tollgate.operator.usage-scrape-interval-millis", defaultValue = "5000") long intervalMillis) {
        this.client = client;
        this.vertx = vertx;
        this.port = port;
        this.intervalMillis = intervalMillis;
    }

    /** Registers for changes of one report section ("keys", "models", "budgets"), by resource id. */
    public void onChange(String section, Consumer<ResourceID> listener) {
        listeners.computeIfAbsent(section, s -> new CopyOnWriteArrayList<>()).add(listener);
    }

    public void start() {
        http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000).setKeepAlive(true));
        pods = client.pods().inAnyNamespace().withLabel("app.kubernetes.io/name", "tollgate-gateway").inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                PodReport gone = reports.remove(pod.getMetadata().getUid());
                if (gone != null) {
                    announce(gone.report(), gone.namespace()); // their resources fold the ended incarnation now
                    if (gone.gateway() != null) {
                        fire("gateways", gone.namespace() + "/" + gone.gateway());
                    }
                }
            }
        });
        vertx.setPeriodic(intervalMillis, id -> scrapeAll());
    }

    public void stop() {
        if (pods != null) {
            pods.close();
        }
        if (http != null) {
            http.close();
        }
    }

    private void scrapeAll() {
        for (Pod pod : pods.getStore().list()) {
            String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            if (ip == null || ip.isBlank()) {
                continue;
            }
            String uid = pod.getMetadata().getUid();
            long seq = requests.incrementAndGet();
            http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(ip).setPort(port).setURI("/tollgate/usage")
                    .setTimeout(3000).putHeader("x-tollgate-reader", "operator"))
                    .compose(req -> req.send().compose(resp -> resp.statusCode() == 200 ? resp.body()
                            : io.vertx.core.Future.failedFuture("HTTP " + resp.statusCode())))
                    .onSuccess(body -> accept(uid, pod.getMetadata().getName(), pod.getMetadata().getNamespace(),
                            pod.getMetadata().getLabels().get("app.kubernetes.io/instance"), body.toString(), seq))
                    .onFailure(t -> LOG.debugf("could not read usage of pod %s: %s", pod.getMetadata().getName(), t.getMessage()));
        }
    }

    void accept(String podUid, String podName, String namespace, String gateway, String body) {
        accept(podUid, podName, namespace, gateway, body, requests.incrementAndGet());
    }

    void accept(String podUid, String podName, String namespace, String gateway, String body, long seq) {
        JsonNode report;
        try {
            report = JSON.readTree(body);
        } catch (Exception e) {
            LOG.warnf("pod %s sent an unreadable usage report", podUid);
            return;
        }
        String incarnation = report.path("incarnation").asText(null);
        if (incarnation == null) {
            return;
        }
        PodReport next = new PodReport(podUid, podName, namespace, gateway, incarnation, report, seq);
        // listed before it is held, so no report can look newer than the last listing of what it lists
        next.figures().keySet().forEach(id -> lastListed.merge(id, seq, Math::max));
        report.path("journal").path("incarnations").forEach(id -> lastListed.merge(id.asText(), seq, Math::max));
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
            announce(report, namespace);
            if (previous != null) {
                announce(previous.report(), namespace); // what dropped out of it (an ended or expired orphan) is looked at again
            }
            if (gateway != null) {
                fire("gateways", namespace + "/" + gateway);
            }
        }
    }

    private void announce(JsonNode report, String namespace) {
        List<JsonNode> all = new java.util.ArrayList<>(List.of(report));
        report.path("journal").path("orphans").forEach(all::add);
        for (JsonNode r : all) {
            for (String section : List.of("keys", "models")) {
                r.path(section).fieldNames().forEachRemaining(id -> fire(section, id));
            }
            r.path("budgets").forEach(b -> fire("budgets", b.path("budget").asText()));
        }
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
     * Whether an incarnation is over for good and can never be reported again. Its process is over: its pod is gone,
     * or the pod has since reported another incarnation in this operator run (a share known only as an orphan has
     * no pod, and its process is over by definition). Unknown (the pod informer not synced, the pod not read yet
     * since the operator started) is not over. A journaled share also needs Redis to have dropped it: a report of
     * its gateway, requested after the last report that listed it, lists it no longer. (After an operator restart
     * every report is newer than the listings the share in status came from: it was journaled at its start.)
     */
    public boolean ended(String incarnation, UsageShare share) {
        if (pods == null || !pods.hasSynced()) {
            return false;
        }
        String podUid = share == null ? null : share.getPod();
        boolean processOver;
        if (podUid == null) {
            processOver = true;
        } else if (pods.getStore().list().stream().noneMatch(p -> p.getMetadata().getUid().equals(podUid))) {
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
        for (PodReport r : reports.values()) {
            r.figures().forEach((incarnation, figures) -> {
                JsonNode c = figures.path(section).path(id);
                if (c.isObject()) {
                    UsageShare s = new UsageShare();
                    s.setPod(incarnation.equals(r.incarnation()) ? r.podUid() : null);
                    s.setJournal(r.journal());
                    s.setRequests(c.path("requests").asLong());
                    s.setErrors(c.path("errors").asLong());
                    s.setInputTokens(c.path("inputTokens").asLong());
                    s.setOutputTokens(c.path("outputTokens").asLong());
                    s.setSpend(Money.format(c.path("spendMicros").asLong()));
                    s.setLastUsedAt(c.path("lastUsedAt").asText(null));
                    if (slot != null) {
                        s.setPeriodStart(periodStart);
                        s.setPeriodSpend(Money.format(c.path("budgets").path(slot).asLong(0)));
                    }
                    out.merge(incarnation, s, UsageMerge::latest);
                }
            });
        }
        return out;
    }

    /** Each live incarnation of one gateway's pods, its figures summed over the deployments it served. */
    public Map<String, UsageShare> gatewayShares(String namespace, String gateway) {
        Map<String, UsageShare> out = new HashMap<>();
        for (PodReport r : reports.values()) {
            if (namespace.equals(r.namespace()) && gateway.equals(r.gateway())) {
                r.figures().forEach((incarnation, figures) -> {
                    UsageShare sum = new UsageShare();
                    for (String id : iterable(figures.path("models").fieldNames())) {
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
                .forEach(r -> out.put(r.podName(), r.report().path("config").asText("")));
        return out;
    }

    private static Iterable<String> iterable(java.util.Iterator<String> it) {
        return () -> it;
    }

    /** Requests (or tokens) per minute in use now over every live report of one key or model. */
    public Long inUse(String section, String id, String field) {
        long sum = 0;
        boolean any = false;
        for (PodReport r : reports.values()) {
            JsonNode c = r.report().path(section).path(id);
            if (c.isObject()) {
                any = true;
                sum += c.path(field).asLong();
            }
        }
        return any ? sum : null;
    }

    /** Each live incarnation's spend on one budget in the period starting at {@code periodStart} (RFC 3339). */
    public Map<String, UsageShare> budgetShares(String budgetId, String periodStart) {
        Map<String, UsageShare> out = new HashMap<>();
        for (PodReport r : reports.values()) {
            r.figures().forEach((incarnation, figures) -> {
                long total = 0;
                long inPeriod = 0;
                boolean any = false;
                for (JsonNode b : figures.path("budgets")) {
                    if (budgetId.equals(b.path("budget").asText())) {
                        any = true;
                        total += b.path("spendMicros").asLong();
                        if (periodStart.equals(b.path("periodStart").asText())) {
                            inPeriod += b.path("spendMicros").asLong();
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
